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
  /** One more run finished (run index `index`), having processed `simEvents` events. */
  tick(simEvents: number, index?: number): void;
  /**
   * A run in flight (run index `index`) reached simulated time `simNs` of
   * `endNs` after `events` events (reported by workers every few seconds).
   */
  running(index: number, simNs: number, endNs: number, events: number): void;
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

/**
 * Simulated nanoseconds as milliseconds, e.g. `120.5 ms`.
 *
 * @example
 * ```ts
 * import { formatMs } from "./progress.ts";
 * console.log(formatMs(120.5e6)); // "120.5 ms"
 * ```
 */
export function formatMs(ns: number): string {
  const ms = ns / 1e6;
  return `${ms >= 100 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : ms.toPrecision(2)} ms`;
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
  if (mode === "off") return { start() {}, tick() {}, running() {}, stop() {} };
  const now = options.now ?? (() => performance.now());
  let total = 0, done = 0, done0 = 0, events = 0, t0 = 0;
  // Events of runs in flight, by run index (counted in the rate until they finish).
  const inflight = new Map<number, number>();
  let inflightEvents = 0;
  const rate = () => (events + inflightEvents) / Math.max(1e-3, (now() - t0) / 1000);
  const track = (index: number, n: number) => {
    inflightEvents += n - (inflight.get(index) ?? 0);
    inflight.set(index, n);
  };
  const finished = (index: number | undefined) => {
    // a finished run's events move from in flight to done
    if (index === undefined || !inflight.has(index)) return;
    inflightEvents -= inflight.get(index)!;
    inflight.delete(index);
  };
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
      tick(simEvents, index) {
        finished(index);
        done++, events += simEvents;
        bar.update(done, { eta_s: formatDuration(eta()), evps: formatRate(rate()) });
      },
      running(index, _simNs, _endNs, n) {
        track(index, n);
        bar.update(done, { evps: formatRate(rate()) });
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
    running(index, simNs, endNs, n) {
      track(index, n);
      if (now() - lastAt < interval) return;
      write(
        `run ${index} in flight: ${formatMs(simNs)} of ${formatMs(endNs)} simulated, ` +
          `${formatRate(n)}events so far; ${formatRate(rate())}events/s overall`,
      );
      lastAt = now();
    },
    tick(simEvents, index) {
      finished(index);
      done++, events += simEvents;
      const decile = total ? Math.floor((10 * done) / total) : 10;
      if (done === total || decile > lastDecile || now() - lastAt >= interval) line();
    },
    stop() {
      if (done !== total) line();
    },
  };
}
