/**
 * The Web Worker of the sweep executor: receives one {@linkcode WorkerRequest}
 * at a time (plain, structured-clone data), runs it with `runOne` and posts
 * back a {@linkcode WorkerReply}. A worker runs exactly what the main thread
 * would, so results do not depend on the number of workers.
 *
 * Workers are the sandbox of design modules (DESIGN.md §11): the pool starts
 * them with no permission but reading a design's own folder, and this is the
 * only place a design module is ever imported. The library entry (`mod.ts`)
 * is loaded here before any design, so a design's imports of the library
 * resolve to modules already loaded and need no read access to the project.
 *
 * @module
 */

import "../../mod.ts";
import { runOne, type RunOptions, type RunResult } from "../run/run.ts";
import type { Run } from "../run/run.ts";
import { loadAbiFactory } from "../../models/registry.ts";
import { primeTraces, type TraceEntry } from "../scenario/trace_file.ts";
import { ChromeTracer } from "../run/trace.ts";
import { traceHostRun } from "../host/host_trace.ts";
import { executeRun } from "../run/run.ts";
import { EventLimitError } from "../engine/engine.ts";

/** A run to execute, as posted to a worker. */
export interface WorkerRequest {
  /** What to do: run (default), `probe` a design module, or `trace` one run. */
  kind?: "run" | "probe" | "trace";
  /** The run (for `probe`: a run whose `module` is the design to import). */
  run: Run;
  /** Its options (no tracer: functions do not cross to a worker). */
  options: Pick<RunOptions, "maxEvents" | "ports" | "untilNs">;
  /** Trace files already read and checked by the main thread (workers read no files). */
  traces?: TraceEntry[];
  /** Post in-flight progress at most this often, in ms (0 or unset: never). */
  progressMs?: number;
}

/** In-flight progress of a run: simulated time reached and events processed. */
export interface RunProgress {
  /** The run's index. */
  index: number;
  /** Simulated time reached, in ns. */
  simNs: number;
  /** Events processed so far. */
  events: number;
}

/** What a worker posts back: the result, progress, or the error that stopped the run. */
export type WorkerReply =
  | { ok: true; result: RunResult; trace?: string; traceEvents?: number; stopped?: boolean }
  | { ok: false; index: number; error: { name: string; message: string; stack: string } }
  | { progress: RunProgress };

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
export async function handleRequest(
  req: WorkerRequest,
  post: (reply: WorkerReply) => void = () => {},
): Promise<WorkerReply> {
  try {
    if (req.traces) primeTraces(req.traces);
    if (req.kind === "probe") {
      await loadAbiFactory(req.run.module ?? req.run.abi);
      return { ok: true, result: { id: req.run.id, index: req.run.index } as RunResult };
    }
    if (req.kind === "trace") {
      const s = req.run.scenario;
      const factory = await loadAbiFactory(req.run.module ?? req.run.abi);
      if (s.host !== undefined) {
        const { untilNs, maxEvents } = req.options;
        const t = traceHostRun(req.run, factory, { untilNs, maxEvents });
        const result = { id: req.run.id, index: req.run.index } as RunResult;
        const trace = t.tracer.toJson();
        return { ok: true, result, trace, traceEvents: t.tracer.events.length, stopped: t.stopped };
      }
      const tracer = new ChromeTracer(s.groups.map((g) => g.name), s.guest.vcpus);
      let result = { id: req.run.id, index: req.run.index } as RunResult;
      let stopped = false;
      try {
        result = executeRun(req.run, factory, { ...req.options, tracer });
      } catch (e) {
        // --max-events: the timeline recorded so far is still worth writing.
        if (!(e instanceof EventLimitError)) throw e;
        stopped = true;
      }
      const trace = tracer.toJson();
      return { ok: true, result, trace, traceEvents: tracer.events.length, stopped };
    }
    const every = req.progressMs ?? 0;
    let last = performance.now();
    const onProgress = every > 0
      ? (simNs: number, events: number) => {
        const now = performance.now();
        if (now - last < every) return;
        last = now;
        post({ progress: { index: req.run.index, simNs, events } });
      }
      : undefined;
    return { ok: true, result: await runOne(req.run, { ...req.options, onProgress }) };
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
  const post = (m: WorkerReply) => scope.postMessage(m);
  scope.onmessage = async (e) => post(await handleRequest(e.data, post));
}
