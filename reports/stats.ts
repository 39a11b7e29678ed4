/**
 * Means and 95% confidence half-widths of result rows grouped by key
 * columns (replications collapse into one row per key), and paired
 * comparisons between ABIs (replication r of every ABI saw the same
 * arrivals). Builds on `meanCi` of reports/aggregate.ts.
 *
 * @module
 */

import { meanCi } from "./aggregate.ts";
import type { CsvRow } from "./csv.ts";

/** A mean with its 95% half-width and sample size. */
export interface Estimate {
  /** Sample mean (NaN without samples). */
  mean: number;
  /** 95% Student-t half-width (NaN with fewer than two samples). */
  ci: number;
  /** Number of samples. */
  n: number;
}

/** One group of rows sharing key values, with the estimate of each metric. */
export interface Summary {
  /** The key columns' values. */
  keys: CsvRow;
  /** Metric name to estimate. */
  est: Record<string, Estimate>;
  /** The rows of the group. */
  rows: CsvRow[];
}

/** A finite number from a cell, or undefined. */
export function num(v: string | number | undefined): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * Estimate `metrics` over the rows sharing the values of `keys` (order of first appearance).
 *
 * @example
 * ```ts
 * import { summarize } from "./stats.ts";
 * const rows = [{ abi: "fifo", x: 1 }, { abi: "fifo", x: 3 }];
 * console.log(summarize(rows, ["abi"], ["x"])[0].est.x.mean); // 2
 * ```
 */
export function summarize(
  rows: readonly CsvRow[],
  keys: readonly string[],
  metrics: readonly string[],
): Summary[] {
  const byKey = new Map<string, CsvRow[]>();
  for (const r of rows) {
    const k = JSON.stringify(keys.map((c) => r[c] ?? null));
    let list = byKey.get(k);
    if (!list) byKey.set(k, list = []);
    list.push(r);
  }
  return [...byKey.values()].map((list) => {
    const est: Record<string, Estimate> = {};
    for (const m of metrics) {
      const xs = list.map((r) => num(r[m])).filter((x): x is number => x !== undefined);
      const c = meanCi(xs);
      est[m] = { mean: c.mean, ci: c.half, n: c.n };
    }
    return { keys: Object.fromEntries(keys.map((c) => [c, list[0][c]])), est, rows: list };
  });
}

/**
 * The paired difference `a - b` of `metric` over replications both rows lists share.
 *
 * @example
 * ```ts
 * import { pairedDiff } from "./stats.ts";
 * const a = [{ replication: 0, x: 5 }, { replication: 1, x: 7 }];
 * const b = [{ replication: 0, x: 9 }, { replication: 1, x: 12 }];
 * console.log(pairedDiff(a, b, "x").mean); // -4.5
 * ```
 */
export function pairedDiff(
  a: readonly CsvRow[],
  b: readonly CsvRow[],
  metric: string,
): Estimate {
  const byRep = new Map(b.map((r) => [r.replication, num(r[metric])]));
  const d: number[] = [];
  for (const r of a) {
    const x = num(r[metric]), y = byRep.get(r.replication);
    if (x !== undefined && y !== undefined) d.push(x - y);
  }
  const c = meanCi(d);
  return { mean: c.mean, ci: c.half, n: c.n };
}
