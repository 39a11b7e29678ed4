/**
 * Statistics across replications (aggregate.csv): for each grid point and
 * ABI, every metric's mean and 95% Student-t half-width, and the paired
 * difference against a baseline ABI with its half-width (common random
 * numbers make the pairing honest: replication r of every ABI saw the same
 * arrivals).
 *
 * @module
 */

import jstat from "jstat";
import type { CsvRow } from "./csv.ts";

/** Columns that identify a run rather than measure it. */
export const KEY_COLUMNS: readonly string[] = ["scenario", "abi", "replication", "seed"];

/** Headline metrics, used by `--ci-target` and the reports. */
export const HEADLINE_METRICS: readonly string[] = [
  "lat_mean_ns",
  "lat_p99_ns",
  "overhead_ns_per_event",
];

/**
 * The two-sided 95% Student-t quantile for `n` samples (n - 1 degrees of freedom).
 *
 * @example
 * ```ts
 * import { t95 } from "./aggregate.ts";
 * console.log(t95(5).toFixed(3)); // "2.776"
 * ```
 */
export function t95(n: number): number {
  return n < 2 ? NaN : jstat.studentt.inv(0.975, n - 1);
}

/** Mean and 95% half-width of a sample. */
export interface Interval {
  /** Sample mean. */
  mean: number;
  /** 95% Student-t half-width (NaN with fewer than 2 samples). */
  half: number;
  /** Sample size. */
  n: number;
}

/**
 * Mean and 95% Student-t half-width of `xs`.
 *
 * @example
 * ```ts
 * import { meanCi } from "./aggregate.ts";
 * const { mean, half } = meanCi([1, 2, 3]);
 * console.log(mean, half.toFixed(3)); // 2 "2.484"
 * ```
 */
export function meanCi(xs: readonly number[]): Interval {
  const n = xs.length;
  if (n === 0) return { mean: NaN, half: NaN, n };
  let s = 0;
  for (const x of xs) s += x;
  const mean = s / n;
  if (n < 2) return { mean, half: NaN, n };
  let ss = 0;
  for (const x of xs) ss += (x - mean) * (x - mean);
  const sd = Math.sqrt(ss / (n - 1));
  return { mean, half: t95(n) * sd / Math.sqrt(n), n };
}

/** The metric columns of summary rows: numeric columns that are neither keys nor parameters. */
export function metricColumns(rows: readonly CsvRow[], params: readonly string[]): string[] {
  const skip = new Set([...KEY_COLUMNS, ...params]);
  const cols: string[] = [];
  for (const r of rows) {
    for (const [k, v] of Object.entries(r)) {
      if (!skip.has(k) && typeof v === "number" && !cols.includes(k)) cols.push(k);
    }
  }
  return cols;
}

function num(v: string | number | undefined): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function rounded(x: number): number | string {
  if (!Number.isFinite(x)) return "";
  return Number(x.toPrecision(6));
}

/**
 * aggregate.csv rows from summary rows: one row per (grid point, ABI) with
 * `n`, and for each metric `<m>_mean`, `<m>_ci95`, and, against `baseline`,
 * `<m>_diff` and `<m>_diff_ci95` (paired by replication).
 *
 * @example
 * ```ts
 * import { aggregateRows } from "./aggregate.ts";
 * const rows = [0, 1, 2].flatMap((r) => [
 *   { scenario: "s", abi: "2l", replication: r, seed: r, lat_p99_ns: 10 + r },
 *   { scenario: "s", abi: "fifo", replication: r, seed: r, lat_p99_ns: 5 + r },
 * ]);
 * const agg = aggregateRows(rows, [], "2l");
 * console.log(agg[1].lat_p99_ns_mean, agg[1].lat_p99_ns_diff); // 6 -5
 * ```
 */
export function aggregateRows(
  rows: readonly CsvRow[],
  params: readonly string[],
  baseline: string,
): CsvRow[] {
  const metrics = metricColumns(rows, params);
  const pointKey = (r: CsvRow) => JSON.stringify(params.map((p) => r[p]));
  const groups = new Map<string, { point: string; abi: string; rows: CsvRow[] }>();
  for (const r of rows) {
    const key = `${pointKey(r)}\u0000${r.abi}`;
    let g = groups.get(key);
    if (!g) groups.set(key, g = { point: pointKey(r), abi: String(r.abi), rows: [] });
    g.rows.push(r);
  }
  const out: CsvRow[] = [];
  for (const g of groups.values()) {
    const base = groups.get(`${g.point}\u0000${baseline}`);
    const first = g.rows[0];
    const row: CsvRow = { scenario: first.scenario };
    for (const p of params) row[p] = first[p];
    row.abi = g.abi;
    row.n = g.rows.length;
    for (const m of metrics) {
      const xs = g.rows.map((r) => num(r[m])).filter((x): x is number => x !== undefined);
      const ci = meanCi(xs);
      row[`${m}_mean`] = rounded(ci.mean);
      row[`${m}_ci95`] = rounded(ci.half);
      if (base) {
        const byRep = new Map(base.rows.map((r) => [r.replication, num(r[m])]));
        const diffs: number[] = [];
        for (const r of g.rows) {
          const a = num(r[m]), b = byRep.get(r.replication);
          if (a !== undefined && b !== undefined) diffs.push(a - b);
        }
        const d = meanCi(diffs);
        row[`${m}_diff`] = rounded(d.mean);
        row[`${m}_diff_ci95`] = rounded(d.half);
      }
    }
    out.push(row);
  }
  return out;
}

/**
 * Whether every headline metric's half-width is below `target` times its
 * mean in every aggregate row (for `--ci-target`).
 *
 * @example
 * ```ts
 * import { ciTargetMet } from "./aggregate.ts";
 * console.log(ciTargetMet([{ lat_p99_ns_mean: 100, lat_p99_ns_ci95: 2 }], 0.05, ["lat_p99_ns"])); // true
 * ```
 */
export function ciTargetMet(
  agg: readonly CsvRow[],
  target: number,
  metrics: readonly string[] = HEADLINE_METRICS,
): boolean {
  for (const r of agg) {
    for (const m of metrics) {
      const mean = num(r[`${m}_mean`]), half = num(r[`${m}_ci95`]);
      if (mean === undefined) continue;
      if (half === undefined || half > target * Math.abs(mean)) return false;
    }
  }
  return true;
}
