/**
 * A design module's own process, as the parent sees it (DESIGN.md §11).
 * Before anything of a design runs it is vetted and copied
 * (`design_vet.ts`) and type-checked with the project's strict options.
 * Its process (`design_child.ts`) may read only that copy: no write, net,
 * env, run, ffi or sys permission, no remote module, npm packages from the
 * cache and the project's frozen lock only, a JS heap cap and (with
 * `prlimit`) a kernel cap on its writable memory, and a watchdog that stops
 * it when a request makes no progress
 * for a set time. What it prints is shown escaped, a bounded number of
 * lines. Every failure is an {@linkcode InputError} (exit 2) naming the
 * design, the run, and for a limit the flag that raises it.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import { quoteName } from "../io/text.ts";
import type { Run } from "../run/run.ts";
import type { RunProgress, WorkerReply, WorkerRequest } from "./worker.ts";
import { DENO, PROJECT_ROOT, vetDesign, type VettedDesign } from "./design_vet.ts";
import { REPLY_MARK, toWire } from "./design_child.ts";

/** The limits of a design's process. */
export interface DesignLimits {
  /** JS heap cap in MiB; the process's writable memory is capped at this + 256 MiB. */
  memoryMb: number;
  /** Seconds a request may go without progress before the process is stopped. */
  watchdogS: number;
}

/** The default limits: 2048 MiB, 60 s. */
export const DEFAULT_DESIGN_LIMITS: Readonly<DesignLimits> = Object.freeze({
  memoryMb: 2048,
  watchdogS: 60,
});

let limits: DesignLimits = { ...DEFAULT_DESIGN_LIMITS };

/**
 * Set the limits of the design processes started from now on
 * (`--design-memory-mb`, `--design-watchdog-s`).
 *
 * @example
 * ```ts
 * import { designLimits, setDesignLimits } from "./design_process.ts";
 * setDesignLimits({ watchdogS: 30 });
 * console.log(designLimits().watchdogS); // 30
 * setDesignLimits({ watchdogS: 60 });
 * ```
 */
export function setDesignLimits(l: Partial<DesignLimits>): void {
  limits = { ...limits, ...l };
}

/**
 * The limits of design processes.
 *
 * @example
 * ```ts
 * import { designLimits } from "./design_process.ts";
 * console.log(designLimits().memoryMb > 0); // true
 * ```
 */
export function designLimits(): DesignLimits {
  return { ...limits };
}

/** Control characters but tab (newlines never reach a line). */
const CONTROL = new RegExp(String.raw`[\x00-\x08\x0b-\x1f\x7f-\x9f]`);

/** Output lines of one design process shown before the rest is only counted. */
const SHOWN_LINES = 40;
/** Largest reply line accepted, in bytes of text. */
const MAX_LINE = 128 * 1024 * 1024;
/** Memory of a Deno process beyond its JS heap (code, stacks, caches, buffers), in MiB. */
const RSS_SLACK_MB = 256;

const prepared = new Map<string, Promise<VettedDesign>>();

/** Print a line on stderr (the parent's own: already escaped). */
function say(line: string): void {
  console.error(line);
}

/** The path and display name of a run's design. */
function designOf(run: Run): { name: string; path: string } {
  return { name: run.abi, path: decodeURIComponent(new URL(run.module!).pathname) };
}

/**
 * Type-check the design at `path` with the project's compiler options
 * (`deno.json`), resolving nothing remote and writing no lock. Throws an
 * InputError with the compiler's messages, which point at the design's file
 * and line.
 */
async function typeCheck(name: string, path: string): Promise<void> {
  const out = await new Deno.Command(DENO, {
    args: [
      "check",
      "--quiet",
      "--no-remote",
      "--cached-only",
      "--frozen",
      "--config",
      `${PROJECT_ROOT}deno.json`,
      path,
    ],
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.success) return;
  const dec = new TextDecoder();
  const text = (dec.decode(out.stderr) + dec.decode(out.stdout))
    .replace(new RegExp(String.raw`\x1b\[[0-9;]*m`, "g"), "").replace(
      /\n*Stack backtrace:[^]*$/,
      "",
    )
    // The compiler's "at file:///x.ts:2:7": the design's file and line, as a location.
    .replace(/^\s+at file:\/\/(\S+:\d+:\d+)$/gm, (_m, at: string) => `  --> ${decodeURI(at)}`)
    .trim();
  throw new InputError(
    `design module ${name} does not type-check with the project's strict options ` +
      `(deno.json compilerOptions):\n${quoteName(text).replaceAll("\\x0a", "\n")}`,
  );
}

/**
 * Vet, copy and type-check the design of `run` once per process lifetime
 * (later calls share the first one's outcome).
 *
 * @example
 * ```ts
 * import { prepareDesign } from "./design_process.ts";
 * // const vetted = await prepareDesign(run);
 * console.log(typeof prepareDesign); // "function"
 * ```
 */
export function prepareDesign(run: Run): Promise<VettedDesign> {
  const key = run.module!;
  let p = prepared.get(key);
  if (p === undefined) {
    const { name, path } = designOf(run);
    p = vetDesign(name, path).then(async (v) => {
      await typeCheck(name, path);
      return v;
    });
    prepared.set(key, p);
  }
  return p;
}

/**
 * Remove the private copies of every design prepared by this process.
 *
 * @example
 * ```ts
 * import { disposeDesigns } from "./design_process.ts";
 * await disposeDesigns();
 * ```
 */
export async function disposeDesigns(): Promise<void> {
  const all = [...prepared.values()];
  prepared.clear();
  for (const p of all) {
    try {
      const v = await p;
      Deno.removeSync(v.copyDir, { recursive: true });
    } catch {
      // a design that failed to vet has no copy
    }
  }
}

/**
 * Whether `prlimit` (util-linux) can start a design's process with a data
 * limit (RLIMIT_DATA: the process's writable memory, JS heap and array
 * buffers alike); without it only the JS heap is capped.
 */
let prlimit: boolean | undefined;
function hasPrlimit(): boolean {
  if (prlimit === undefined) {
    try {
      prlimit = new Deno.Command("prlimit", { args: ["--version"], stdout: "null", stderr: "null" })
        .outputSync().success;
    } catch {
      prlimit = false; // not installed, or not allowed (the sim task allows it: --allow-run)
    }
  }
  return prlimit;
}

/**
 * One design process: requests in, replies out, the way the pool talks to
 * a worker. `onReply` gets every reply; `onFailure` gets the one error that
 * ends it (a limit, a malformed reply, an unexpected exit).
 *
 * @example
 * ```ts
 * import { DesignProcess } from "./design_process.ts";
 * // const p = await DesignProcess.start(run); p.onReply = ...; p.post(request);
 * console.log(typeof DesignProcess.start); // "function"
 * ```
 */
export class DesignProcess {
  /** Called with each reply. */
  onReply: (reply: WorkerReply) => void = () => {};
  /** Called once with the error that ended the process. */
  onFailure: (error: Error) => void = () => {};
  private readonly child: Deno.ChildProcess;
  private readonly stdin: WritableStreamDefaultWriter<Uint8Array>;
  private busy: Run | undefined;
  private lastProgress = performance.now();
  private stopped = false;
  private failed = false;
  private shown = 0;
  private hidden = 0;
  private stderrTail = "";
  private readonly timer: ReturnType<typeof setInterval>;

  private constructor(
    private readonly design: VettedDesign,
    private readonly limits: DesignLimits,
  ) {
    const args = [
      "run",
      "--no-check",
      "--no-remote",
      "--cached-only",
      "--frozen",
      "--config",
      `${PROJECT_ROOT}deno.json`,
      "--no-prompt",
      `--allow-read=${design.copyDir}`,
      `--v8-flags=--max-old-space-size=${limits.memoryMb}`,
      `${PROJECT_ROOT}sim/sweep/design_child.ts`,
    ];
    // The whole process's writable memory (JS heap, array buffers, code) is capped
    // by the kernel: RLIMIT_DATA, the heap cap + 256 MiB for the runtime itself.
    const data = (limits.memoryMb + RSS_SLACK_MB) * 1048576;
    const [command, all] = hasPrlimit()
      ? ["prlimit", [`--data=${data}`, "--", DENO, ...args]]
      : [DENO, args];
    this.child = new Deno.Command(command, {
      args: all,
      cwd: design.copyDir,
      env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.stdin = this.child.stdin.getWriter();
    this.readStdout();
    this.readStderr();
    this.child.status.then((s) => this.exited(s));
    this.timer = setInterval(() => this.watch(), 250);
  }

  /**
   * Start the process of `run`'s design (vetting, copying and type-checking
   * it first, once).
   */
  static async start(run: Run): Promise<DesignProcess> {
    const v = await prepareDesign(run);
    return new DesignProcess(v, designLimits());
  }

  /** Send `req`; its replies arrive on {@linkcode onReply}. */
  post(req: WorkerRequest): void {
    this.busy = req.run;
    this.lastProgress = performance.now();
    // The process imports the private copy of the design, never the original.
    const run = { ...req.run, module: this.design.entryUrl };
    const wire = { ...req, run, traces: req.traces?.map(toWire), progressMs: 1 };
    this.stdin.write(new TextEncoder().encode(JSON.stringify(wire) + "\n")).catch(() => {});
  }

  /** Stop the process (no failure is reported after this). */
  terminate(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.countHidden();
    clearInterval(this.timer);
    try {
      this.child.kill("SIGKILL");
    } catch {
      // already gone
    }
    this.stdin.close().catch(() => {});
  }

  /** Say how many lines of the design's output were not shown, once. */
  private countHidden(): void {
    if (this.hidden === 0) return;
    say(
      `design module ${quoteName(this.design.name)}: ${this.hidden} more line(s) of output ` +
        `not shown`,
    );
    this.hidden = 0;
  }

  /** The design (and the run in flight) as messages name them. */
  private where(): string {
    const r = this.busy;
    const run = r
      ? `, run ${r.index} (replication ${r.replication}, seed ${r.seed}, id ${r.id})`
      : "";
    return `design module ${this.design.name} (${this.design.path})${run}`;
  }

  /** End the process with an input error (exit 2) carrying `message`, once. */
  private fail(message: string): void {
    if (this.failed || this.stopped) return;
    this.failed = true;
    this.terminate();
    this.onFailure(new InputError(message));
  }

  /** Every 250 ms: the no-progress watchdog. */
  private watch(): void {
    if (this.stopped) return;
    if (this.busy === undefined) return;
    const idle = (performance.now() - this.lastProgress) / 1000;
    if (idle > this.limits.watchdogS) {
      this.fail(
        `${this.where()}: made no progress for ${this.limits.watchdogS} s ` +
          `(an endless loop in the design's code?) and was stopped; ` +
          `--design-watchdog-s ${this.limits.watchdogS * 4} raises the limit`,
      );
    }
  }

  /** Show one line the design printed, escaped; a control character fails the design. */
  private show(stream: string, line: string): void {
    if (line === "") return;
    // Terminal control sequences (OSC 52 writes the clipboard, others retitle
    // or clear the screen) have no place in a design's output: refused.
    const control = CONTROL.exec(line);
    if (this.shown < SHOWN_LINES) {
      this.shown++;
      say(`design module ${quoteName(this.design.name)} ${stream}: ${quoteName(line)}`);
    } else this.hidden++;
    if (control !== null) {
      this.fail(
        `${this.where()}: printed a terminal control character ` +
          `(${quoteName(control[0])}, shown escaped above); a design's output must be plain text`,
      );
    }
  }

  /** Handle one reply line (after the marker). */
  private received(text: string): void {
    const reply = JSON.parse(text) as WorkerReply;
    if ("progress" in reply) {
      this.lastProgress = performance.now();
      this.onReply(reply as { progress: RunProgress });
      return;
    }
    if (this.busy === undefined) throw new Error("a reply with no request outstanding");
    this.busy = undefined;
    this.onReply(reply);
  }

  /** Split stdout into replies and the design's own output. */
  private async readStdout(): Promise<void> {
    let buf = "";
    let scanned = 0; // no newline in buf[0, scanned): a long reply line is scanned once
    const dec = new TextDecoder();
    try {
      for await (const chunk of this.child.stdout) {
        buf += dec.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf("\n", scanned)) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          scanned = 0;
          const at = line.indexOf(REPLY_MARK);
          if (at < 0) {
            this.show("printed", line);
            continue;
          }
          this.show("printed", line.slice(0, at));
          try {
            this.received(line.slice(at + REPLY_MARK.length));
          } catch (e) {
            return this.fail(
              `${this.where()}: sent a malformed reply (${quoteName((e as Error).message)}); ` +
                `a design must not write on the simulator's channel`,
            );
          }
        }
        scanned = buf.length;
        if (buf.length > MAX_LINE) {
          return this.fail(`${this.where()}: printed a line longer than ${MAX_LINE} characters`);
        }
      }
    } catch {
      // the process was stopped
    }
    if (buf !== "") this.show("printed", buf);
  }

  /** Show stderr escaped, keeping its tail for the exit message. */
  private async readStderr(): Promise<void> {
    let buf = "";
    const dec = new TextDecoder();
    try {
      for await (const chunk of this.child.stderr) {
        const text = dec.decode(chunk, { stream: true });
        this.stderrTail = (this.stderrTail + text).slice(-65536);
        buf += text;
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          this.show("printed on stderr", buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
        if (buf.length > 65536) buf = buf.slice(-65536);
      }
    } catch {
      // the process was stopped
    }
  }

  /** The process ended: an exit nobody asked for is a failure, named. */
  private exited(status: Deno.CommandStatus): void {
    this.countHidden();
    if (this.stopped) return;
    if (/out of memory|heap limit|memory allocation of \d+ bytes failed/i.test(this.stderrTail)) {
      return this.fail(
        `${this.where()}: filled its JS heap cap of ${this.limits.memoryMb} MiB and was stopped; ` +
          `--design-memory-mb ${this.limits.memoryMb * 2} raises the cap`,
      );
    }
    const how = status.signal ? `signal ${status.signal}` : `exit code ${status.code}`;
    const last = this.stderrTail.trim().split("\n").slice(-3).join(" | ");
    this.fail(
      `${this.where()}: its process ended unexpectedly (${how})${
        last ? `: ${quoteName(last)}` : ""
      }`,
    );
  }
}
