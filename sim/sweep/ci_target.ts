/**
 * `--ci-target`: add replications until every headline metric's 95%
 * half-width is below a fraction of its mean, up to a maximum. Run ids do not
 * depend on the replication count, so each round keeps the runs already done
 * and only runs the new replications.
 *
 * @module
 */

import { aggregateRows, ciTargetMet } from "../../reports/aggregate.ts";
import { Journal } from "./journal.ts";
import { journalHeader, runSweep, type SweepOptions, type SweepOutcome } from "./sweep.ts";
import type { Plan } from "./plan.ts";
import type { RunResult } from "../run/run.ts";
import type { CsvRow } from "../../reports/csv.ts";

/**
 * The aggregate.csv rows of `results` for `plan` (baseline: the scenario's, or its first ABI).
 *
 * @example
 * ```ts
 * import { aggregateOf } from "./ci_target.ts";
 * import { expandPlan } from "./plan.ts";
 * import { loadInput } from "../scenario/scenario.ts";
 * const plan = expandPlan(loadInput("default"), {});
 * console.log(aggregateOf(plan, [])); // []
 * ```
 */
export function aggregateOf(plan: Plan, results: readonly RunResult[]): CsvRow[] {
  const baseline = plan.base.baseline ?? plan.base.abis[0];
  return aggregateRows(results.map((r) => r.summary), plan.params, baseline);
}

/**
 * Run `expand(R)` with R = the plan's replications, then double R (up to
 * `max`) while the headline metrics miss `target`. Returns the last plan and
 * its outcome.
 *
 * @example
 * ```ts
 * import { runToCiTarget } from "./ci_target.ts";
 * // const { plan, outcome } = await runToCiTarget((r) => expandPlan(input, { replications: r }),
 * //   { out: "results/x" }, 0.05, 50);
 * console.log(typeof runToCiTarget); // "function"
 * ```
 */
export async function runToCiTarget(
  expand: (replications?: number) => Plan,
  options: SweepOptions,
  target: number,
  max: number,
  log: (line: string) => void = () => {},
): Promise<{ plan: Plan; outcome: SweepOutcome }> {
  let plan = expand();
  let outcome = await runSweep(plan, options);
  let reps = plan.base.replications;
  while (!ciTargetMet(aggregateOf(plan, outcome.results), target) && reps < max) {
    reps = Math.min(max, reps * 2);
    log(`ci-target ${target}: not met, going to ${reps} replications`);
    const next = expand(reps);
    // Carry the finished runs over to the larger plan's journal, at their new indices.
    const indexOf = new Map(next.runs.map((r) => [r.id, r.index]));
    const journal = Journal.create(options.out, journalHeader(next, options));
    for (const r of outcome.results) {
      const index = indexOf.get(r.id);
      if (index !== undefined) journal.record({ ...r, index });
    }
    plan = next;
    outcome = await runSweep(plan, { ...options, resume: true });
  }
  if (!ciTargetMet(aggregateOf(plan, outcome.results), target)) {
    log(`ci-target ${target}: still not met at --max-replications ${max}`);
  }
  return { plan, outcome };
}
