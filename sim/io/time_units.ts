/**
 * The time units the command line and scenario files accept after a number
 * (`--objective "rt_p99_ns<=200us"`, a `capacity` block's objective), in
 * nanoseconds, the unit of every `*_ns` column. One table for the parser of
 * objectives (`sim/sweep/capacity_objective.ts`) and the report's words for
 * them (`reports/capacity_text.ts`).
 *
 * @module
 */

/**
 * Nanoseconds per time unit, by the unit's name (`us`, `µs` and `μs` alike).
 *
 * @example
 * ```ts
 * import { NS_PER_TIME_UNIT } from "./time_units.ts";
 * console.log(200 * NS_PER_TIME_UNIT.us); // 200000
 * ```
 */
export const NS_PER_TIME_UNIT: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  "µs": 1e3,
  "μs": 1e3,
  ms: 1e6,
  s: 1e9,
};
