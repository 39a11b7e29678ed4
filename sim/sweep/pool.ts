/**
 * The sweep executor: a pool of Deno Web Workers (`sim/sweep/worker.ts`) that run a
 * list of runs and hand each result back as it completes. Runs are dealt in
 * index order to whichever worker is free; the returned results are ordered
 * by run index, never by completion time, so what is written from them does
 * not depend on the number of workers.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import type { Run, RunOptions, RunResult } from "../run/run.ts";
import type { WorkerReply, WorkerRequest } from "./worker.ts";

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
 * Run `runs` on a pool of workers; resolves with every result ordered by run
 * index. The first failure stops the pool and rejects (a user's input error
 * stays an {@linkcode InputError}; anything else is a {@linkcode RunFailedError}).
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
  if (runs.length === 0) return Promise.resolve([]);
  const n = Math.max(1, Math.min(options.workers ?? defaultWorkers(), runs.length));
  const runOptions = options.runOptions ?? {};
  return new Promise((resolve, reject) => {
    const workers: Worker[] = [];
    const results: RunResult[] = [];
    let next = 0;
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      for (const w of workers) w.terminate();
      if (error) reject(error);
      else resolve(results.sort((a, b) => a.index - b.index));
    };
    const feed = (w: Worker) => {
      if (next >= runs.length) return;
      const req: WorkerRequest = { run: runs[next++], options: runOptions };
      w.postMessage(req);
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL("./worker.ts", import.meta.url), {
        type: "module",
        name: `evtchn-sim worker ${i + 1}`,
      });
      workers.push(w);
      w.onmessage = (e: MessageEvent<WorkerReply>) => {
        if (settled) return;
        const reply = e.data;
        if (!reply.ok) {
          const run = runs.find((r) => r.index === reply.index) ?? runs[0];
          finish(
            reply.error.name === "InputError"
              ? new InputError(reply.error.message)
              : new RunFailedError(run, reply.error),
          );
          return;
        }
        results.push(reply.result);
        try {
          options.onResult?.(reply.result);
        } catch (err) {
          finish(err as Error);
          return;
        }
        if (results.length === runs.length) finish();
        else feed(w);
      };
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        finish(new Error(`worker ${i + 1} failed: ${e.message}`));
      };
      w.onmessageerror = () => finish(new Error(`worker ${i + 1}: a message could not be read`));
      feed(w);
    }
  });
}
