/**
 * Allocation-free latency counting in the hot path, with the quantiles and
 * mean of an HDR histogram (`npm:hdr-histogram-js`) computed from the counts.
 *
 * {@linkcode LatencyCounts} counts integer values in the bucket layout of an
 * HDR histogram at 3 significant digits (2048 sub-buckets, unit 1): values
 * below 2048 exactly, then 1024 buckets per power of two. Recording is an
 * index computation and one typed-array increment, instead of the library's
 * generic path. Every value lands in the bucket the HDR histogram would have
 * put it in, and {@linkcode LatencyCounts.getValueAtPercentile} and
 * {@linkcode LatencyCounts.mean} repeat the library's arithmetic on those
 * buckets (JsHistogram `getValueAtPercentile`, `mean`), so the CSVs carry the
 * same numbers without building a histogram per merge; the maximum is kept
 * exactly. {@linkcode LatencyCounts.toHdr} still builds the library's
 * histogram for anything else.
 *
 * @module
 */

import * as hdr from "hdr-histogram-js";

/**
 * The statistics of a latency distribution the CSVs carry (values in ns), as
 * an HDR histogram at 3 significant digits computes them.
 */
export interface LatencyStats {
  /** Number of values recorded. */
  readonly totalCount: number;
  /** The largest value recorded. */
  readonly maxValue: number;
  /** The mean of the values recorded (each at the middle of its bucket, as HDR has it). */
  readonly mean: number;
  /** The value at `percentile` (0 to 100): the top of the bucket that reaches it. */
  getValueAtPercentile(percentile: number): number;
}

/**
 * The part of an `npm:hdr-histogram-js` histogram this project uses (values in
 * ns). Declared here so that public signatures name no third-party type.
 */
export interface HdrHistogram extends LatencyStats {
  /** The smallest non-zero value recorded. */
  readonly minNonZeroValue: number;
  /** Record one value. */
  recordValue(value: number): void;
  /** Record `count` copies of `value`. */
  recordValueWithCount(value: number, count: number): void;
}

/** Sub-buckets per power of two above 2048 (3 significant digits). */
const HALF = 1024;
/** 2^32: values from here take the slow path. */
const TWO32 = 4294967296;

/**
 * Build an empty HDR histogram at 3 significant digits that grows as needed.
 *
 * @example
 * ```ts
 * import { newHistogram } from "./histogram.ts";
 * const h = newHistogram();
 * h.recordValue(1234);
 * console.log(h.getValueAtPercentile(50)); // 1234
 * ```
 */
export function newHistogram(): HdrHistogram {
  return hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** The bucket index of a non-negative integer value. */
function indexOf(v: number): number {
  if (v < 2 * HALF) return v;
  if (v < TWO32) {
    const e = 21 - Math.clz32(v); // floor(log2 v) - 10
    return e * HALF + (v >>> e);
  }
  const e = Math.floor(Math.log2(v)) - 10;
  return e * HALF + Math.floor(v / 2 ** e);
}

/** The lowest value of bucket `idx`. */
function lowOf(idx: number): number {
  if (idx < 2 * HALF) return idx;
  const e = (idx >> 10) - 1;
  return (idx - e * HALF) * 2 ** e;
}

/** The width of bucket `idx` (HDR `sizeOfEquivalentValueRange`). */
function widthOf(idx: number): number {
  return idx < 2 * HALF ? 1 : 2 ** ((idx >> 10) - 1);
}

/** The unit in the last place of `x` (the formula of hdr-histogram-js `ulp`). */
function ulp(x: number): number {
  return Math.pow(2, Math.floor(Math.log2(x)) - 52);
}

/**
 * Counts of latency values in HDR buckets.
 *
 * @example
 * ```ts
 * import { LatencyCounts } from "./histogram.ts";
 * const c = new LatencyCounts();
 * for (const v of [100, 2000, 300000]) c.record(v);
 * const h = c.toHdr();
 * console.log(h.totalCount, h.maxValue); // 3 300000
 * ```
 */
export class LatencyCounts implements LatencyStats {
  /** Count per bucket. */
  counts: Float64Array;
  /** Number of values recorded. */
  total = 0;
  /** The largest value recorded. */
  max = 0;

  /**
   * An empty set of counts with room for `buckets` buckets before growing
   * (by default 4096 buckets, 32 KB: values up to 8191 ns; larger values
   * double it as needed, so a run zero-fills only what its latencies reach).
   */
  constructor(buckets = 4 * HALF) {
    this.counts = new Float64Array(Math.max(buckets, 2 * HALF));
  }

  /**
   * The sum of `parts` in counts just large enough to hold them (one of
   * `parts` itself when there is only one: do not record into the result).
   *
   * @example
   * ```ts
   * import { LatencyCounts } from "./histogram.ts";
   * const a = new LatencyCounts(), b = new LatencyCounts();
   * a.record(10);
   * b.record(30);
   * console.log(LatencyCounts.sum([a, b]).getValueAtPercentile(50)); // 10
   * ```
   */
  static sum(parts: readonly LatencyCounts[]): LatencyCounts {
    if (parts.length === 1) return parts[0];
    let top = 0;
    for (const p of parts) top = Math.max(top, indexOf(p.max));
    const out = new LatencyCounts(top + 1);
    for (const p of parts) out.add(p);
    return out;
  }

  /** Number of values recorded (as HDR's `totalCount`). */
  get totalCount(): number {
    return this.total;
  }

  /** The largest value recorded, exactly (as HDR's `maxValue`). */
  get maxValue(): number {
    return this.max;
  }

  /**
   * The mean as HDR computes it: every count at the middle of its bucket
   * (`medianEquivalentValue`), summed in bucket order, over the total.
   */
  get mean(): number {
    if (this.total === 0) return 0;
    const c = this.counts, top = indexOf(this.max);
    let sum = 0;
    for (let i = 0; i <= top; i++) {
      const n = c[i];
      if (n !== 0) sum += (lowOf(i) + Math.floor(widthOf(i) / 2)) * n;
    }
    return sum / this.total;
  }

  /**
   * The value at `percentile` (0 to 100) as HDR's `getValueAtPercentile`
   * computes it: the count to reach rounded up (less one ulp), then the
   * highest value of the bucket that reaches it (the lowest for 0).
   */
  getValueAtPercentile(percentile: number): number {
    const fp = (Math.min(percentile, 100) / 100) * this.total;
    const target = Math.max(Math.ceil(fp - ulp(fp)), 1);
    const c = this.counts;
    let acc = 0;
    for (let i = 0; i < c.length; i++) {
      acc += c[i];
      if (acc >= target) return percentile === 0 ? lowOf(i) : lowOf(i) + widthOf(i) - 1;
    }
    return 0;
  }

  /** Count one value (rounded to an integer ns, negative values as 0). */
  record(value: number): void {
    const v = value > 0 ? Math.round(value) : 0;
    const idx = indexOf(v);
    if (idx >= this.counts.length) this.#grow(idx);
    this.counts[idx]++;
    this.total++;
    if (v > this.max) this.max = v;
  }

  /** Add every count of `other`. */
  add(other: LatencyCounts): void {
    const top = other.total === 0 ? -1 : indexOf(other.max);
    if (top >= this.counts.length) this.#grow(top);
    const a = this.counts, b = other.counts;
    for (let i = 0; i <= top; i++) a[i] += b[i];
    this.total += other.total;
    if (other.max > this.max) this.max = other.max;
  }

  /** The HDR histogram of the values counted (same buckets, exact maximum). */
  toHdr(): HdrHistogram {
    const h = newHistogram();
    if (this.total === 0) return h;
    const maxIdx = indexOf(this.max);
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      const n = i === maxIdx ? c[i] - 1 : c[i];
      if (n > 0) h.recordValueWithCount(lowOf(i), n);
    }
    h.recordValue(this.max);
    return h;
  }

  #grow(idx: number): void {
    let n = this.counts.length;
    while (n <= idx) n *= 2;
    const next = new Float64Array(n);
    next.set(this.counts);
    this.counts = next;
  }
}
