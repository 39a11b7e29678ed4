/**
 * Number formatting for reports: durations with units, counts, and
 * "mean ± half-width" with the half-width in the mean's unit.
 *
 * @module
 */

/** A time unit: its name and size in ns. */
interface Unit {
  name: string;
  ns: number;
}

const UNITS: Unit[] = [
  { name: "s", ns: 1e9 },
  { name: "ms", ns: 1e6 },
  { name: "µs", ns: 1e3 },
  { name: "ns", ns: 1 },
];

function unitFor(ns: number): Unit {
  const a = Math.abs(ns);
  return UNITS.find((u) => a >= u.ns) ?? UNITS[UNITS.length - 1];
}

/**
 * A number with about `sig` significant digits, without exponent or trailing zeros.
 *
 * @example
 * ```ts
 * import { sig } from "./format.ts";
 * console.log(sig(61.234), sig(4.1234), sig(12345)); // "61.2" "4.12" "12345"
 * ```
 */
export function sig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return "n/a";
  if (x === 0) return "0";
  const a = Math.abs(x);
  if (a >= 10 ** digits) return String(Math.round(x));
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(a)));
  return String(Number(x.toFixed(Math.min(decimals, 6))));
}

/**
 * A duration in ns with a readable unit.
 *
 * @example
 * ```ts
 * import { fmtNs } from "./format.ts";
 * console.log(fmtNs(4100), fmtNs(850), fmtNs(61000000)); // "4.1 µs" "850 ns" "61 ms"
 * ```
 */
export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return "n/a";
  const u = unitFor(ns);
  return `${sig(ns / u.ns)} ${u.name}`;
}

/**
 * A duration estimate "mean ± half" in the mean's unit (half omitted when unknown).
 *
 * @example
 * ```ts
 * import { fmtNsCi } from "./format.ts";
 * console.log(fmtNsCi(4100, 200)); // "4.1 µs ± 0.2"
 * ```
 */
export function fmtNsCi(mean: number, half: number): string {
  if (!Number.isFinite(mean)) return "n/a";
  const u = unitFor(mean);
  const h = Number.isFinite(half) ? ` ± ${sig(half / u.ns, 2)}` : "";
  return `${sig(mean / u.ns)} ${u.name}${h}`;
}

/**
 * A plain estimate "mean ± half" (half omitted when unknown).
 *
 * @example
 * ```ts
 * import { fmtCi } from "./format.ts";
 * console.log(fmtCi(0.9512, 0.0123)); // "0.951 ± 0.012"
 * ```
 */
export function fmtCi(mean: number, half: number, digits = 3): string {
  if (!Number.isFinite(mean)) return "n/a";
  return Number.isFinite(half) ? `${sig(mean, digits)} ± ${sig(half, 2)}` : sig(mean, digits);
}

/**
 * A ratio as "15×" (two significant digits below 10); from 100× on, a whole number of two
 * significant digits ("about 22 000×"): five digits of a ratio of two noisy values are noise.
 *
 * @example
 * ```ts
 * import { fmtRatio } from "./format.ts";
 * console.log(fmtRatio(14.9), fmtRatio(2.345), fmtRatio(21593)); // "15×" "2.3×" "about 22 000×"
 * ```
 */
export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return "∞×";
  if (r >= 100) {
    const p = 10 ** (Math.floor(Math.log10(r)) - 1);
    return `about ${fmtCount(Math.round(r / p) * p)}×`;
  }
  return r >= 10 ? `${Math.round(r)}×` : `${sig(r, 2)}×`;
}

/**
 * Left- or right-aligned fixed-width text table (numbers right-aligned by the caller's choice).
 *
 * @example
 * ```ts
 * import { textTable } from "./format.ts";
 * console.log(textTable(["abi", "p99"], [["fifo", "4 µs"]], [false, true]));
 * ```
 */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[] = [],
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  const line = (r: readonly string[]) =>
    r.map((c, i) => {
      const pad = " ".repeat(widths[i] - [...c].length);
      return right[i] ? pad + c : c + pad;
    }).join("  ").trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/**
 * A count in words' style: whole, with a space between thousands from 10 000 on.
 *
 * @example
 * ```ts
 * import { fmtCount } from "./format.ts";
 * console.log(fmtCount(1000), fmtCount(30000), fmtCount(2.5)); // "1000" "30 000" "2.5"
 * ```
 */
export function fmtCount(x: number): string {
  if (!Number.isFinite(x)) return "n/a";
  if (Math.abs(x) < 10000) return Number.isInteger(x) ? String(x) : sig(x);
  return String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/**
 * The width (ns) of the bucket of an HDR histogram at 3 significant digits that holds `v`
 * (sim/run/histogram.ts: exact below 2048, then 1024 buckets per power of two).
 *
 * @example
 * ```ts
 * import { bucketWidth } from "./format.ts";
 * console.log(bucketWidth(1500), bucketWidth(4291), bucketWidth(29835263)); // 1 4 16384
 * ```
 */
export function bucketWidth(v: number): number {
  if (!(v >= 2048)) return 1;
  return 2 ** (Math.floor(Math.log2(v)) - 10);
}

/**
 * A latency quantile "mean ± half" in the mean's unit; when every replication fell in one
 * histogram bucket (half-width 0), the bucket's width instead of a "± 0" the histogram cannot
 * back: "4.29 µs (4 ns bin)".
 *
 * @example
 * ```ts
 * import { fmtQuantile } from "./format.ts";
 * console.log(fmtQuantile(4291, 0), fmtQuantile(4291, 12)); // "4.29 µs (4 ns bin)" "4.29 µs ± 0.012"
 * ```
 */
export function fmtQuantile(mean: number, half: number): string {
  if (half === 0 && Number.isFinite(mean)) {
    return `${fmtNs(mean)} (${fmtNs(bucketWidth(mean))} bin)`;
  }
  return fmtNsCi(mean, half);
}
