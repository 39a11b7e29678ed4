/**
 * `deno task sim trace <file|name> --until-ms N --out trace.json [--abi ID]`:
 * runs the first replication of the first grid point for one ABI with a
 * {@link ChromeTracer} and writes the Chrome trace JSON.
 *
 * @module
 */

import { loadAbiFactory } from "../../models/registry.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { InputError } from "../io/errors.ts";
import { executeRun } from "../run/run.ts";
import { loadInput, resolveUserPath } from "../scenario/scenario.ts";
import { expandPlan, type PlanOverrides } from "../sweep/plan.ts";
import { ChromeTracer } from "../run/trace.ts";

/** Options of the trace command. */
export interface TraceOptions {
  /** Simulated time to stop at, in ms (default: the scenario's warm-up + duration). */
  untilMs?: number;
  /** Output file. */
  out: string;
  /** ABI to trace (default: the scenario's first). */
  abi?: string;
  /** `--set` overrides. */
  sets?: string[];
  /** `--seed`. */
  seed?: number;
}

/**
 * Trace one run of `target` and write the Chrome trace to `options.out`; returns the event count.
 *
 * @example
 * ```ts
 * import { traceCommand } from "./trace_command.ts";
 * // await traceCommand("default", { untilMs: 2, out: "trace.json" });
 * console.log(typeof traceCommand); // "function"
 * ```
 */
export async function traceCommand(target: string, options: TraceOptions): Promise<number> {
  if (options.untilMs !== undefined && !(options.untilMs > 0)) {
    throw new InputError(`--until-ms ${options.untilMs}: expected a positive number`);
  }
  const overrides: PlanOverrides = {
    abis: options.abi ? [options.abi] : undefined,
    sets: options.sets ?? [],
    seed: options.seed,
    replications: 1,
  };
  const plan = expandPlan(loadInput(target), overrides, resolveUserPath);
  const run = plan.runs[0];
  const tracer = new ChromeTracer(run.scenario.groups.map((g) => g.name), run.scenario.guest.vcpus);
  executeRun(run, await loadAbiFactory(run.module ?? run.abi), {
    tracer,
    ...(options.untilMs !== undefined ? { untilNs: options.untilMs * 1e6 } : {}),
  });
  writeFileAtomic(resolveUserPath(options.out), tracer.toJson());
  return tracer.events.length;
}
