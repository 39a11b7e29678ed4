/**
 * What every column of `capacity.csv` and `capacity_robust.csv` means (the
 * files `sim capacity` writes, `capacity.ts`): the results reference
 * (docs/reference/results.md) is generated from this table and from the
 * header of a small search's files. A column the search writes that has no
 * entry here fails `deno task docs:check`.
 *
 * @module
 */

import type { ColumnDoc } from "../run/columns.ts";

/**
 * Every column of `capacity.csv` (one row per grid point and ABI) and of
 * `capacity_robust.csv` (the same row per cost vector), by name; a grid's
 * parameter columns and a vector's cost fields are described where they
 * appear.
 *
 * @example
 * ```ts
 * import { CAPACITY_COLUMN_DOCS } from "./capacity_columns.ts";
 * console.log(CAPACITY_COLUMN_DOCS.capacity_high.unit); // "axis"
 * ```
 */
export const CAPACITY_COLUMN_DOCS: Readonly<Record<string, ColumnDoc>> = Object.freeze({
  cost_vector: {
    unit: "",
    text: "the cost vector of `--robust` (1-based; the runs of the scenario's own costs are in " +
      "`capacity.csv`)",
  },
  abi: { unit: "", text: "the ABI id, or a design's module path as written in `abis`" },
  capacity: {
    unit: "axis",
    text: "the largest axis value decided to meet the objective (0 when even the smallest fails)",
  },
  capacity_high: {
    unit: "axis",
    text: "the largest value not decided to fail it: equal to `capacity` when the boundary was " +
      "resolved, larger when values near it stayed undecided at `max_replications` (or with a " +
      "`resolution` above 1)",
  },
  limit: {
    unit: "",
    text: "what limits capacity, named from the runs of the first value that failed: `ports`, " +
      "`dom0_cpu`, `dom0_vcpu`, `ring`, `pcpus`, `objective` or `max` (see " +
      "[Find a host's capacity](../how-to/find-capacity.md#what-limits-capacity))",
  },
  limit_detail: { unit: "", text: "the figures behind `limit`, in words" },
  objective: {
    unit: "",
    text: "the objective with its bound in the column's own unit (`rt_p99_ns<=200000`)",
  },
  axis: { unit: "", text: "the dotted path of the integer key searched" },
  metric_at_capacity: {
    unit: "the metric's",
    text: "the objective metric's mean over the replications at `capacity`",
  },
  metric_at_capacity_ci: {
    unit: "the metric's",
    text: "its 95% Student-t half-width",
  },
  next_value: {
    unit: "axis",
    text: "the smallest value decided to fail (one step above capacity); empty when none failed",
  },
  metric_at_next: { unit: "the metric's", text: "the metric's mean at `next_value`" },
  metric_at_next_ci: { unit: "the metric's", text: "its 95% half-width" },
  port_limit_value: {
    unit: "axis",
    text: "the first value at which a guest was refused or a port not bound, when the search " +
      "met the port limit",
  },
  port_limit_guests: {
    unit: "guests",
    text: "with a guest-count axis: the guests dom0's ports allow (own ports, reserve, then " +
      "each guest's ports by the per-device formula), computed from the port allocation, " +
      "nothing simulated",
  },
  steps: { unit: "values", text: "axis values the search decided" },
  runs: { unit: "runs", text: "runs those values took (replications included)" },
  robust_low: {
    unit: "axis",
    text: "with `--robust`: the lowest capacity over the cost vectors",
  },
  robust_high: {
    unit: "axis",
    text: "with `--robust`: the highest capacity over the cost vectors",
  },
  follows: {
    unit: "",
    text: "with `--robust`: the cost field whose value capacity follows most (largest Spearman " +
      "rank correlation), named only when that correlation differs from 0 at 95% after " +
      "Bonferroni's correction for the number of fields varied",
  },
  follows_rho: {
    unit: "−1–1",
    text: "with `--robust`: that largest Spearman correlation, named or not",
  },
});
