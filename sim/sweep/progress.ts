/**
 * Sweep progress on stderr: a bar with runs done, ETA and simulated events
 * per second when stderr is a terminal (`npm:cli-progress`), plain lines
 * every few seconds or every 10% otherwise (logs, CI, cluster jobs).
 *
 * @module
 */

import cliProgress from "cli-progress";

/** How progress is shown: `auto` picks `bar` on a terminal and `lines` elsewhere. */
export type ProgressMode = "auto" | "bar" | "lines" | "off";

/** Receives the sweep's progress. */
export interface Progress {
  /** Begin: `total` runs of which `done` were already recorded (resume). */
  start(total: number, done: number): void;
  /** One more run finished, having processed `simEvents` events. */
  tick(simEvents: number): void;
  /** End (draws the final state). */
  stop(): void;
}

/** Options of {@linkcode createProgress}. */
export interface ProgressOptions {
  /** The mode; default `auto`. */
  mode?: ProgressMode;
  /** Label of the lines (e.g. the scenario name). */
  label?: string;
  /** Minimum time between two plain lines, in ms; default 2000. */
  intervalMs?: number;
  /** Where plain lines go; default stderr. */
  write?: (line: string) => void;
  /** The clock, in ms; default `performance.now`. */
  now?: () => number;
}

/**
 * `1234567` as `1.23 M`, for events per second.
 *
 * @example
 * ```ts
 * import { formatRate } from "./progress.ts";
 * console.log(formatRate(2345678)); // "2.35 M"
 * ```
 */
export function formatRate(x: number): string {
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return `${Math.round(x)} `;
}

/**
 * Seconds as `42 s`, `3 min 05 s` or `1 h 02 min`.
 *
 * @example
 * ```ts
 * import { formatDuration } from "./progress.ts";
 * console.log(formatDuration(185)); // "3 min 05 s"
 * ```
 */
export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  if (t < 3600) return `${Math.floor(t / 60)} min ${String(t % 60).padStart(2, "0")} s`;
  return `${Math.floor(t / 3600)} h ${String(Math.floor(t / 60) % 60).padStart(2, "0")} min`;
}

const encoder = new TextEncoder();

/**
 * A progress reporter for `mode` (`auto`: a bar on a terminal, else lines).
 *
 * @example
 * ```ts
 * import { createProgress } from "./progress.ts";
 * const lines: string[] = [];
 * const p = createProgress({ mode: "lines", write: (l) => lines.push(l) });
 * p.start(2, 0);
 * p.tick(1000);
 * p.tick(1000);
 * p.stop();
 * console.log(lines.at(-1)?.startsWith("2/2 runs")); // true
 * ```
 */
export function createProgress(options: ProgressOptions = {}): Progress {
  let mode = options.mode ?? "auto";
  if (mode === "auto") mode = Deno.stderr.isTerminal() ? "bar" : "lines";
  if (mode === "off") return { start() {}, tick() {}, stop() {} };
  const now = options.now ?? (() => performance.now());
  let total = 0, done = 0, done0 = 0, events = 0, t0 = 0;
  const rate = () => events / Math.max(1e-3, (now() - t0) / 1000);
  const eta = () => {
    const ran = done - done0;
    return ran === 0 ? Infinity : ((now() - t0) / 1000) * (total - done) / ran;
  };
  if (mode === "bar") {
    const bar = new cliProgress.SingleBar({
      format: `${options.label ? options.label + " " : ""}{bar} {value}/{total} runs | ` +
        `ETA {eta_s} | {evps}events/s`,
      hideCursor: true,
      clearOnComplete: false,
    }, cliProgress.Presets.shades_classic);
    return {
      start(t, d) {
        total = t, done = done0 = d, t0 = now();
        bar.start(t, d, { eta_s: "?", evps: "0 " });
      },
      tick(simEvents) {
        done++, events += simEvents;
        bar.update(done, { eta_s: formatDuration(eta()), evps: formatRate(rate()) });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const write = options.write ?? ((l: string) => Deno.stderr.writeSync(encoder.encode(l + "\n")));
  const interval = options.intervalMs ?? 2000;
  let lastAt = 0, lastDecile = 0;
  const line = () => {
    const pct = total ? Math.floor((100 * done) / total) : 100;
    const elapsed = (now() - t0) / 1000;
    write(
      `${done}/${total} runs (${pct}%)${options.label ? " " + options.label : ""}, ` +
        `${formatDuration(elapsed)} elapsed, ETA ${formatDuration(eta())}, ` +
        `${formatRate(rate())}events/s`,
    );
    lastAt = now();
    lastDecile = total ? Math.floor((10 * done) / total) : 10;
  };
  return {
    start(t, d) {
      total = t, done = done0 = d, t0 = lastAt = now();
      lastDecile = t ? Math.floor((10 * d) / t) : 10;
      if (d > 0) write(`resuming: ${d}/${t} runs already recorded`);
    },
    tick(simEvents) {
      done++, events += simEvents;
      const decile = total ? Math.floor((10 * done) / total) : 10;
      if (done === total || decile > lastDecile || now() - lastAt >= interval) line();
    },
    stop() {
      if (done !== total) line();
    },
  };
}
