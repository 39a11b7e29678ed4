/**
 * The objective of a capacity search (`--objective "rt_p99_ns<=200us"`):
 * a summary column, a direction and a bound. Times take a unit (`ns`, `us`
 * or `µs`, `ms`, `s`) and are converted to nanoseconds, the unit of every
 * `*_ns` column; a bare number is taken as it is (fractions, counts).
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import { quoteName } from "../io/text.ts";
import { NS_PER_TIME_UNIT } from "../io/time_units.ts";

/** A parsed objective: `metric <= bound` or `metric >= bound`. */
export interface Objective {
  /** The summary column the objective reads (`rt_p99_ns`). */
  metric: string;
  /** `<=`: the metric must stay at or below the bound; `>=`: at or above it. */
  op: "<=" | ">=";
  /** The bound, in the column's own unit (nanoseconds for `*_ns` columns). */
  bound: number;
  /** The objective as the user wrote it, spaces removed. */
  text: string;
  /** The objective with the bound in the column's unit (`rt_p99_ns<=200000`). */
  canonical: string;
}

const EXPECTED = `expected "<column><=<value>" or "<column>>=<value>" with a summary.csv column ` +
  `and a number, times with a unit (ns, us, ms, s), e.g. --objective "rt_p99_ns<=200us"`;

/**
 * Parse the text of `--objective`. Throws an InputError naming the flag and
 * what was expected.
 *
 * @example
 * ```ts
 * import { parseObjective } from "./capacity_objective.ts";
 * console.log(parseObjective("rt_p99_ns<=200us").bound); // 200000
 * console.log(parseObjective("dom0_busy <= 0.8").op); // "<="
 * ```
 */
export function parseObjective(text: string): Objective {
  const compact = text.replace(/\s+/g, "");
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(<=|>=)([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)([a-zµμ]*)$/i
    .exec(compact);
  if (!m) throw new InputError(`--objective ${quoteName(text)}: ${EXPECTED}`);
  const [, metric, op, number, unitText] = m;
  const unit = unitText.toLowerCase();
  let bound = Number(number);
  if (unit !== "") {
    const scale = NS_PER_TIME_UNIT[unit];
    if (scale === undefined) {
      throw new InputError(
        `--objective ${quoteName(text)}: unknown unit '${quoteName(unitText)}' ` +
          `(expected ns, us, ms or s)`,
      );
    }
    if (!metric.endsWith("_ns")) {
      throw new InputError(
        `--objective ${quoteName(text)}: a time unit needs a time column (one ending in _ns); ` +
          `'${metric}' takes a bare number`,
      );
    }
    bound *= scale;
  }
  if (!Number.isFinite(bound)) throw new InputError(`--objective ${quoteName(text)}: ${EXPECTED}`);
  return {
    metric,
    op: op as "<=" | ">=",
    bound,
    text: compact,
    canonical: `${metric}${op}${bound}`,
  };
}

/**
 * Whether `value` meets the objective (a missing value never does).
 *
 * @example
 * ```ts
 * import { meets, parseObjective } from "./capacity_objective.ts";
 * console.log(meets(parseObjective("lat_mean_ns<=5us"), 4000)); // true
 * ```
 */
export function meets(o: Objective, value: number): boolean {
  if (!Number.isFinite(value)) return false;
  return o.op === "<=" ? value <= o.bound : value >= o.bound;
}

/**
 * Check that the objective's column is one of `columns` (a run's summary
 * row), naming the flag and the nearest columns otherwise.
 *
 * @example
 * ```ts
 * import { checkObjectiveColumn, parseObjective } from "./capacity_objective.ts";
 * checkObjectiveColumn(parseObjective("lat_p99_ns<=1ms"), ["lat_p99_ns", "raised"]);
 * ```
 */
export function checkObjectiveColumn(o: Objective, columns: readonly string[]): void {
  if (columns.includes(o.metric)) return;
  const near = columns.filter((c) => c.endsWith("_ns") === o.metric.endsWith("_ns")).slice(0, 12);
  throw new InputError(
    `--objective ${quoteName(o.text)}: '${quoteName(o.metric)}' is not a summary.csv column of ` +
      `this scenario (expected one of ${near.join(", ")}${
        near.length < columns.length ? ", ..." : ""
      })`,
  );
}
