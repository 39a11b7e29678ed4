/**
 * `deno task sim trace <file|name> --out trace.json [--until-ms N] [--abi ID]`:
 * runs the first replication of the first grid point for one ABI with a
 * Chrome tracer, in its sandbox like every run, and writes the Chrome
 * trace JSON: a single guest's timeline (`sim/run/trace.ts`), or a host's
 * with a process per domain (`sim/host/host_trace.ts`).
 *
 * Bounded like every run: `--until-ms` is capped at the scenario's length
 * (warm-up + duration; raise `duration_ms` with `--set` to trace longer),
 * `--max-events` stops the trace (what was recorded is written), and the
 * events and the output size are estimated up front and refused beyond the
 * budget.
 *
 * @module
 */

import { writeFileAtomic } from "../io/atomic.ts";
import { InputError } from "../io/errors.ts";
import { resolveInputPath } from "../io/paths.ts";
import { loadInput, resolveUserPath } from "../scenario/scenario.ts";
import { expandPlan, type PlanOverrides } from "../sweep/plan.ts";
import { probeDesigns, traceRun } from "../sweep/pool.ts";
import { checkBudget, checkDesigns, type WorkBudget } from "./budget.ts";
import { DEFAULT_EVENT_BUDGET, DEFAULT_MEMORY_BUDGET, formatBytes } from "../scenario/estimate.ts";

/** Bytes of trace JSON per simulated event: 80 to 125 measured on the built-ins (README), rounded up. */
export const TRACE_BYTES_PER_EVENT = 150;

/**
 * Bytes of a host's trace JSON per simulated event: 129 to 144 measured on
 * the first 5 ms of `host-round-trip` (50 and 600 guests, dedicated and 12
 * physical CPUs) and `dom0-capacity` (PV and HVM guests), rounded up.
 */
export const TRACE_BYTES_PER_HOST_EVENT = 170;

/** Options of the trace command. */
export interface TraceOptions {
  /** Simulated time to stop at, in ms (default and cap: the scenario's warm-up + duration). */
  untilMs?: number;
  /** Output file. */
  out: string;
  /** ABI to trace (default: the scenario's first). */
  abi?: string;
  /** `--set` overrides. */
  sets?: string[];
  /** `--seed`. */
  seed?: number;
  /** Stop after this many simulated events (the trace so far is written). */
  maxEvents?: number;
  /** Refuse beyond these events and this output size (bytes). */
  budget?: WorkBudget;
  /** Where notes go (capped `--until-ms`, a stopped trace). */
  log?: (line: string) => void;
}

/**
 * Trace one run of `target` and write the Chrome trace to `options.out`.
 *
 * @example
 * ```ts
 * import { traceCommand } from "./trace_command.ts";
 * // const { events } = await traceCommand("default", { untilMs: 2, out: "trace.json" });
 * console.log(typeof traceCommand); // "function"
 * ```
 */
export async function traceCommand(
  target: string,
  options: TraceOptions,
): Promise<{ events: number; stopped: boolean }> {
  if (options.untilMs !== undefined && !(options.untilMs > 0)) {
    throw new InputError(`--until-ms ${options.untilMs}: expected a positive number`);
  }
  const overrides: PlanOverrides = {
    abis: options.abi ? [options.abi] : undefined,
    sets: options.sets ?? [],
    seed: options.seed,
    replications: 1,
  };
  const plan = expandPlan(
    loadInput(target),
    overrides,
    (p, key) => (options.abi === p ? resolveUserPath(p) : resolveInputPath(p, key)),
  );
  const first = plan.runs[0];
  const s = first.scenario;
  const lengthMs = s.warmup_ms + s.duration_ms;
  let untilMs = options.untilMs ?? lengthMs;
  if (untilMs > lengthMs) {
    options.log?.(
      `note: --until-ms ${untilMs} is past the scenario's end (${lengthMs} ms): tracing to ` +
        `${lengthMs} ms; raise duration_ms with --set to trace longer`,
    );
    untilMs = lengthMs;
  }
  // Estimate the traced part only: the same run, shortened to untilMs.
  const run = {
    ...first,
    scenario: { ...s, warmup_ms: Math.min(s.warmup_ms, untilMs), duration_ms: 0 },
  };
  run.scenario.duration_ms = untilMs - run.scenario.warmup_ms;
  const budget = options.budget ?? { events: DEFAULT_EVENT_BUDGET, bytes: DEFAULT_MEMORY_BUDGET };
  const work = checkBudget({ runs: [run] }, budget, 1);
  const estimate = Math.round(Math.min(options.maxEvents ?? Infinity, work.events));
  const size = estimate *
    (s.host !== undefined ? TRACE_BYTES_PER_HOST_EVENT : TRACE_BYTES_PER_EVENT);
  if (!(size <= budget.bytes)) {
    throw new InputError(
      `refusing to start: the trace would be about ${formatBytes(size)} ` +
        `(${estimate} events to ${untilMs} ms), over the budget of ${formatBytes(budget.bytes)}; ` +
        `trace a shorter time with --until-ms, stop it with --max-events, or add --budget-mb ${
          Math.ceil(size / 2 ** 20)
        }`,
    );
  }
  for (const line of checkDesigns([first])) options.log?.(line);
  await probeDesigns([first]);
  const { json, events, stopped } = await traceRun(first, {
    untilNs: untilMs * 1e6,
    maxEvents: options.maxEvents,
  });
  if (stopped) {
    options.log?.(
      `note: the trace stopped after ${options.maxEvents} simulated events (--max-events); ` +
        `the events recorded so far are written`,
    );
  }
  writeFileAtomic(resolveUserPath(options.out), json);
  return { events, stopped };
}
