/**
 * The Web Worker of the sweep executor: receives one {@linkcode WorkerRequest}
 * at a time (plain, structured-clone data), runs it with `runOne` and posts
 * back a {@linkcode WorkerReply}. A worker runs exactly what the main thread
 * would, so results do not depend on the number of workers.
 *
 * @module
 */

import { runOne, type RunOptions, type RunResult } from "../run/run.ts";
import type { Run } from "../run/run.ts";

/** A run to execute, as posted to a worker. */
export interface WorkerRequest {
  /** The run. */
  run: Run;
  /** Its options (no tracer: functions do not cross to a worker). */
  options: Pick<RunOptions, "maxEvents" | "ports">;
}

/** What a worker posts back: the result, or the error that stopped the run. */
export type WorkerReply =
  | { ok: true; result: RunResult }
  | { ok: false; index: number; error: { name: string; message: string; stack: string } };

/**
 * Execute one request, turning a thrown error into a reply.
 *
 * @example
 * ```ts
 * import { handleRequest } from "./worker.ts";
 * // const reply = await handleRequest({ run, options: {} });
 * console.log(typeof handleRequest); // "function"
 * ```
 */
export async function handleRequest(req: WorkerRequest): Promise<WorkerReply> {
  try {
    return { ok: true, result: await runOne(req.run, req.options) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return {
      ok: false,
      index: req.run.index,
      error: { name: err.name, message: err.message, stack: err.stack ?? "" },
    };
  }
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null;
  postMessage(message: WorkerReply): void;
}

// Only inside a worker: importing this module elsewhere (tests, docs) installs nothing.
if ("WorkerGlobalScope" in globalThis) {
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = async (e) => scope.postMessage(await handleRequest(e.data));
}
