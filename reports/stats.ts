/**
 * Means and 95% confidence half-widths of result rows grouped by key
 * columns (replications collapse into one row per key), and paired
 * comparisons between ABIs (replication r of every ABI saw the same
 * arrivals). Builds on `meanCi` of reports/aggregate.ts.
 *
 * @module
 */

import jstat from "jstat";
import { meanCi } from "./aggregate.ts";
import type { CsvRow } from "./csv.ts";

/** A mean with its 95% half-width and sample size (and, for a difference, its p-value). */
export interface Estimate {
  /** Sample mean (NaN without samples). */
  mean: number;
  /** 95% Student-t half-width (NaN with fewer than two samples). */
  ci: number;
  /** Number of samples. */
  n: number;
  /** Two-sided p-value of "the mean is 0" (Student t); NaN when it cannot be computed. */
  p?: number;
}

/**
 * Two-sided Student-t p-value of "the mean is 0" for an estimate with its 95%
 * half-width; 1 with fewer than two samples (one replication proves nothing),
 * 0 when every sample is the same non-zero value.
 *
 * @example
 * ```ts
 * import { pValue } from "./stats.ts";
 * console.log(pValue({ mean: 0, ci: 1, n: 5 })); // 1
 * ```
 */
export function pValue(e: Estimate): number {
  if (!(e.n >= 2) || !Number.isFinite(e.mean)) return 1;
  if (e.mean === 0) return 1;
  if (!(e.ci > 0)) return 0;
  const se = e.ci / jstat.studentt.inv(0.975, e.n - 1);
  const t = Math.abs(e.mean) / se;
  return 2 * (1 - jstat.studentt.cdf(t, e.n - 1));
}

/**
 * Holm–Bonferroni: which of `ps` are rejected at family-wise level `alpha`
 * (the smallest p against alpha/m, the next against alpha/(m-1), ... until
 * one fails). Order of `ps` does not matter.
 *
 * @example
 * ```ts
 * import { holm } from "./stats.ts";
 * console.log(holm([0.01, 0.04, 0.03], 0.05)); // [true, false, false]
 * ```
 */
export function holm(ps: readonly number[], alpha = 0.05): boolean[] {
  // An unknown p-value (NaN) sorts last and is never rejected.
  const order = ps.map((p, i) => [Number.isNaN(p) ? Infinity : p, i] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = ps.map(() => false);
  const m = ps.length;
  for (let k = 0; k < m; k++) {
    const [p, i] = order[k];
    if (!(p <= alpha / (m - k))) break;
    out[i] = true;
  }
  return out;
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
  const e: Estimate = { mean: c.mean, ci: c.half, n: c.n };
  e.p = pValue(e);
  return e;
}
