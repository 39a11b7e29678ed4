/**
 * The sweep executor: a pool of Deno Web Workers (`sim/sweep/worker.ts`) that run a
 * list of runs and hand each result back as it completes. Runs are dealt in
 * index order to whichever worker is free; the returned results are ordered
 * by run index, never by completion time, so what is written from them does
 * not depend on the number of workers.
 *
 * Built-in ABIs run in Web Workers that hold no permission at all. A design
 * module never runs in this process: each of its workers is a child Deno
 * process of its own (`design_process.ts`, DESIGN.md §11), whose replies are
 * checked and relabelled from this process's records (`reply_check.ts`)
 * before anything is kept. Trace files are read by the main thread and
 * handed over. A worker runs the runs of one design only (or of the
 * built-in ABIs only), so two designs never share a sandbox.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import type { Run, RunOptions, RunResult } from "../run/run.ts";
import type { RunProgress, WorkerReply, WorkerRequest } from "./worker.ts";
import { tracesOf } from "../scenario/trace_file.ts";
import { designLimits, DesignProcess, prepareDesign } from "./design_process.ts";
import { checkReply } from "./reply_check.ts";
import { quoteName } from "../io/text.ts";

/**
 * A run that failed inside a worker.
 *
 * @example
 * ```ts
 * import { RunFailedError } from "./pool.ts";
 * // try { await executeRuns(runs); } catch (e) { if (e instanceof RunFailedError) ... }
 * console.log(new RunFailedError({ index: 3, abi: "fifo", replication: 0, id: "x" } as never,
 *   { name: "Error", message: "boom", stack: "" }).message.startsWith("run 3")); // true
 * ```
 */
export class RunFailedError extends Error {
  /** Build the error for `run`, from the worker's `error`. */
  constructor(
    readonly run: Run,
    readonly detail: { name: string; message: string; stack: string },
  ) {
    super(
      `run ${run.index} (${run.abi}, replication ${run.replication}, id ${run.id}): ` +
        detail.message,
    );
    this.name = "RunFailedError";
  }
}

/** Options of {@linkcode executeRuns}. */
export interface ExecutorOptions {
  /** Number of workers (at most one per run); default: the core count. */
  workers?: number;
  /** Options passed to every run. */
  runOptions?: Pick<RunOptions, "maxEvents" | "ports">;
  /** Called with each result as it completes (in completion order). */
  onResult?: (result: RunResult) => void;
  /** Called with a run's in-flight progress, every `progressMs` at most. */
  onProgress?: (progress: RunProgress) => void;
  /** Interval of in-flight progress in ms; default 2000 (when `onProgress` is given). */
  progressMs?: number;
}

/**
 * The number of cores (`navigator.hardwareConcurrency`), or 1 when unknown.
 *
 * @example
 * ```ts
 * import { defaultWorkers } from "./pool.ts";
 * console.log(defaultWorkers() >= 1); // true
 * ```
 */
export function defaultWorkers(): number {
  try {
    const n = navigator.hardwareConcurrency;
    return Number.isInteger(n) && n > 0 ? n : 1;
  } catch {
    return 1; // no --allow-sys=cpus
  }
}

/**
 * The Deno permissions of a worker that runs built-in ABIs: none at all.
 *
 * @example
 * ```ts
 * import { sandboxPermissions } from "./pool.ts";
 * console.log(sandboxPermissions().read, sandboxPermissions().write); // false false
 * ```
 */
export function sandboxPermissions(): {
  read: false;
  write: false;
  net: false;
  env: false;
  run: false;
  ffi: false;
  sys: false;
  import: false;
} {
  return {
    read: false,
    write: false,
    net: false,
    env: false,
    run: false,
    ffi: false,
    sys: false,
    import: false,
  };
}

/** What the pool talks to: a Worker of built-in ABIs or a design's process. */
interface Sandbox {
  post(req: WorkerRequest): void;
  onReply: (reply: WorkerReply) => void;
  onFailure: (error: Error) => void;
  terminate(): void;
}

/** A permissionless Web Worker for built-in ABIs, as a {@linkcode Sandbox}. */
function builtinWorker(name: string): Sandbox {
  const w = new Worker(new URL("./worker.ts", import.meta.url), {
    type: "module",
    name,
    // Deno's worker permissions (`--unstable-worker-options`, set in deno.json).
    deno: { permissions: sandboxPermissions() },
  } as WorkerOptions);
  const box: Sandbox = {
    post: (req) => w.postMessage(req),
    onReply: () => {},
    onFailure: () => {},
    terminate: () => w.terminate(),
  };
  w.onmessage = (e: MessageEvent<WorkerReply>) => box.onReply(e.data);
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    box.onFailure(new Error(`${name} failed: ${e.message}`));
  };
  w.onmessageerror = () => box.onFailure(new Error(`${name}: a message could not be read`));
  return box;
}

/** Whether a run's error is a design's attempt to leave its sandbox. */
function isEscape(e: { name: string; message: string }): boolean {
  return e.name === "NotCapable" || e.name === "PermissionDenied" ||
    /Requires \w+ access|--allow-\w+/.test(e.message);
}

/** Whether `json` is a Chrome trace: a JSON object with a `traceEvents` list. */
function isTrace(json: unknown): boolean {
  try {
    return typeof json === "string" && Array.isArray(JSON.parse(json).traceEvents);
  } catch {
    return false;
  }
}

/** The error to raise for a failed `run`: input errors and a design's failures are the user's (exit 2). */
function failure(run: Run, error: { name: string; message: string; stack: string }): Error {
  if (error.name === "InputError" && run.module === undefined) return new InputError(error.message);
  if (run.module !== undefined && error.name !== "EventLimitError") {
    const path = decodeURIComponent(new URL(run.module).pathname);
    const where = `design module ${run.abi} (${path})`;
    const message = quoteName(String(error.message));
    if (error.name === "HookTypo") {
      return new InputError(
        `${where}:\n${String(error.message).split("\n").map(quoteName).join("\n")}`,
      );
    }
    // Deno names the module in one of three ways: the lockfile's specifier, a
    // remote or cached specifier, or (an npm package whose registry entry is
    // not cached) the bare package name.
    const loaded =
      /lockfile is out of date[^]*?"((?:npm|jsr):[^"]+)"|(?:remote specifier was requested|not found in cache)[^"']*["'`]?([a-z]+:[^"'`\s]+)|npm package not found in cache: "([^"]+)"/
        .exec(String(error.message));
    if (/Array buffer allocation failed|out of memory/i.test(String(error.message))) {
      const mb = designLimits().memoryMb;
      return new InputError(
        `${where} ran out of its memory cap (${mb} MiB of JS heap + 256 MiB for the rest of ` +
          `its process) and was stopped: ${message}; --design-memory-mb ${mb * 2} raises the cap`,
      );
    }
    if (loaded !== null) {
      return new InputError(
        `${where} tried to load ${
          quoteName(loaded[1] ?? loaded[2] ?? `npm:${loaded[3]}`)
        } at run time: a design may ` +
          `import only files inside its own folder and the project's mod.ts; remote modules ` +
          `and npm packages are never fetched for it`,
      );
    }
    if (isEscape(error)) {
      return new InputError(
        `${where} tried to leave its sandbox: ${
          message.replace(/,? run again with the --allow-\w+ flag/, "")
        }\n` +
          `a design module may read its own vetted files only (copied from ` +
          `${path.slice(0, path.lastIndexOf("/"))}/); no write, net, env, run, ffi or sys`,
      );
    }
    return new InputError(`${where} failed: ${quoteName(String(error.name))}: ${message}`);
  }
  return new RunFailedError(run, error);
}

/**
 * Run `runs` on a pool of workers; resolves with every result ordered by run
 * index. The first failure stops the pool and rejects (a user's input error
 * or a design's failure is an {@linkcode InputError}; anything else is a
 * {@linkcode RunFailedError}).
 *
 * @example
 * ```ts
 * import { executeRuns } from "./pool.ts";
 * // const results = await executeRuns(plan.runs, { workers: 2 });
 * console.log(typeof executeRuns); // "function"
 * ```
 */
export function executeRuns(
  runs: readonly Run[],
  options: ExecutorOptions = {},
): Promise<RunResult[]> {
  return execute(runs, options, "run").then((replies) => replies.map((r) => r.result));
}

/**
 * Vet, type-check and import every design module of `runs` in its sandbox
 * without running anything: a design that is missing, imports what it may
 * not, does not type-check, misspells a hook, has no usable default export
 * or tries to leave its sandbox at import fails here, before any folder is
 * written; so does one still importing `timeoutMs` after its process started.
 *
 * @example
 * ```ts
 * import { probeDesigns } from "./pool.ts";
 * await probeDesigns([]); // built-in ABIs only: nothing to probe
 * ```
 */
export async function probeDesigns(
  runs: readonly Run[],
  timeoutMs: number = PROBE_TIMEOUT_MS,
): Promise<void> {
  const first = new Map<string, Run>();
  for (const r of runs) if (r.module !== undefined && !first.has(r.module)) first.set(r.module, r);
  if (first.size === 0) return;
  // Vetting and type-checking take their own time (a cold type check is slow):
  // the import timeout starts after them.
  for (const r of first.values()) await prepareDesign(r);
  await execute([...first.values()], { workers: first.size, timeoutMs }, "probe");
}

/** How long a design module may take to import before it is given up. */
export const PROBE_TIMEOUT_MS = 60_000;

/**
 * Trace one run in its sandbox (a worker, or a design's own process); resolves with the Chrome trace JSON,
 * its event count and whether `maxEvents` stopped it.
 *
 * @example
 * ```ts
 * import { traceRun } from "./pool.ts";
 * // const { json, events } = await traceRun(plan.runs[0], { untilNs: 2e6 });
 * console.log(typeof traceRun); // "function"
 * ```
 */
export async function traceRun(
  run: Run,
  runOptions: Pick<RunOptions, "maxEvents" | "untilNs">,
): Promise<{ json: string; events: number; stopped: boolean }> {
  const [reply] = await execute([run], { workers: 1, runOptions }, "trace");
  return {
    json: reply.trace ?? "",
    events: reply.traceEvents ?? 0,
    stopped: reply.stopped ?? false,
  };
}

type Done = Extract<WorkerReply, { ok: true }>;

function execute(
  runs: readonly Run[],
  options: ExecutorOptions & { runOptions?: Pick<RunOptions, "untilNs">; timeoutMs?: number },
  kind: "run" | "probe" | "trace",
): Promise<Done[]> {
  if (runs.length === 0) return Promise.resolve([]);
  const n = Math.max(1, Math.min(options.workers ?? defaultWorkers(), runs.length));
  const runOptions = options.runOptions ?? {};
  const progressMs = options.onProgress ? options.progressMs ?? 2000 : 0;
  return new Promise((resolve, reject) => {
    const live = new Set<Sandbox>();
    const done: Done[] = [];
    const pending = [...runs]; // not yet dealt, in index order
    let settled = false;
    let spawned = 0;
    // A design that never finishes importing (an endless loop at import) is given up.
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      const late = runs.filter((r) => !done.some((d) => d.result.index === r.index));
      const names = [...new Set(late.map((r) => r.abi))].join(", ");
      finish(
        new InputError(
          `design module ${names}: did not finish importing within ` +
            `${options.timeoutMs! / 1000} s (an endless loop at import?)`,
        ),
      );
    }, options.timeoutMs);
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const w of live) w.terminate();
      if (error) reject(error);
      else resolve(done.sort((a, b) => a.result.index - b.result.index));
    };
    // A worker takes the next run of its own design; when none is left it
    // makes room for a worker of the next run's design.
    const feed = (w: Sandbox, module: string | undefined) => {
      if (pending.length === 0) {
        w.terminate();
        live.delete(w);
        return;
      }
      const i = pending.findIndex((r) => r.module === module);
      if (i < 0) {
        w.terminate();
        live.delete(w);
        start(pending[0].module);
        return;
      }
      const run = pending.splice(i, 1)[0];
      const req: WorkerRequest = {
        kind,
        run,
        options: runOptions,
        traces: tracesOf(run.scenario.groups),
        progressMs,
      };
      let lastProgress = 0;
      w.onFailure = (e) => finish(e);
      w.onReply = (reply: WorkerReply) => {
        if (settled) return;
        if ("progress" in reply) {
          const now = performance.now();
          if (reply.progress?.index !== run.index || now - lastProgress < progressMs) return;
          lastProgress = now;
          const { simNs, events } = reply.progress;
          if (Number.isFinite(simNs) && Number.isFinite(events)) {
            options.onProgress?.({ index: run.index, simNs, events });
          }
          return;
        }
        if (!reply.ok) return finish(failure(run, reply.error));
        // The reply speaks for the run this worker was given, whatever it says.
        if (reply.result?.index !== run.index || reply.result?.id !== run.id) {
          return finish(failure(run, {
            name: "Error",
            message: `the worker answered for another run (id ${String(reply.result?.id)})`,
            stack: "",
          }));
        }
        if (run.module !== undefined && kind === "run") {
          try {
            reply = { ...reply, result: checkReply(run, reply.result) };
          } catch (err) {
            return finish(err as Error);
          }
        }
        if (run.module !== undefined && kind === "trace" && !isTrace(reply.trace)) {
          return finish(
            new InputError(
              `design module ${run.abi}, run ${run.index}: its trace is not a Chrome trace ` +
                `(a JSON object with a traceEvents list)`,
            ),
          );
        }
        done.push(reply);
        try {
          options.onResult?.(reply.result);
        } catch (err) {
          return finish(err as Error);
        }
        if (done.length === runs.length) finish();
        else feed(w, module);
      };
      w.post(req);
    };
    const start = (module: string | undefined) => {
      const id = ++spawned;
      if (module === undefined) {
        let w: Sandbox;
        try {
          w = builtinWorker(`evtchn-sim worker ${id}`);
        } catch (e) {
          return finish(e as Error);
        }
        live.add(w);
        feed(w, module);
        return;
      }
      const first = pending.find((r) => r.module === module)!;
      DesignProcess.start(first).then((w) => {
        if (settled) return w.terminate();
        live.add(w);
        feed(w, module);
      }, (e) => finish(e as Error));
    };
    for (let i = 0; i < n && pending.length > 0; i++) start(pending[0].module);
  });
}
