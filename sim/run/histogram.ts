/**
 * Allocation-free latency counting in the hot path, handed to an HDR histogram
 * (`npm:hdr-histogram-js`) for quantiles.
 *
 * {@linkcode LatencyCounts} counts integer values in the bucket layout of an
 * HDR histogram at 3 significant digits (2048 sub-buckets, unit 1): values
 * below 2048 exactly, then 1024 buckets per power of two. Recording is an
 * index computation and one typed-array increment, instead of the library's
 * generic path; {@linkcode LatencyCounts.toHdr} builds the HDR histogram once,
 * at the end of a run, bucket by bucket. Every value lands in the bucket the
 * HDR histogram would have put it in, so quantiles are the same; the maximum
 * is kept exactly.
 *
 * @module
 */

import * as hdr from "hdr-histogram-js";

/**
 * The part of an `npm:hdr-histogram-js` histogram this project uses (values in
 * ns). Declared here so that public signatures name no third-party type.
 */
export interface HdrHistogram {
  /** Number of values recorded. */
  readonly totalCount: number;
  /** The largest value recorded. */
  readonly maxValue: number;
  /** The smallest non-zero value recorded. */
  readonly minNonZeroValue: number;
  /** The mean of the values recorded. */
  readonly mean: number;
  /** Record one value. */
  recordValue(value: number): void;
  /** Record `count` copies of `value`. */
  recordValueWithCount(value: number, count: number): void;
  /** The value at `percentile` (0 to 100). */
  getValueAtPercentile(percentile: number): number;
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
export class LatencyCounts {
  /** Count per bucket. */
  counts: Float64Array;
  /** Number of values recorded. */
  total = 0;
  /** The largest value recorded. */
  max = 0;

  /** An empty set of counts (room for values up to about 2^20 before growing). */
  constructor() {
    this.counts = new Float64Array(12 * HALF);
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
    if (other.counts.length > this.counts.length) this.#grow(other.counts.length - 1);
    const a = this.counts, b = other.counts;
    for (let i = 0; i < b.length; i++) a[i] += b[i];
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
