/**
 * Compact latency histograms, many in one typed array: one per started guest
 * and device class of a host run, so that a host of a thousand guests keeps
 * its per-guest round-trip quantiles in about a MiB. The bucket layout is that of
 * an HDR histogram with 32 sub-buckets per power of two instead of 2048:
 * values below 64 ns are exact, then each power of two [2^k, 2^(k+1)) has 32
 * buckets of width 2^(k-5), up to 2^38 ns (about 275 s; larger values count in
 * the top bucket, and the exact maximum is kept apart by the caller). A
 * quantile is reported as the highest value of the bucket that reaches it, so
 * it lies at or above the true quantile by less than 1/32 of it (3.2%).
 * In full a histogram is {@linkcode GUEST_BUCKETS} 32-bit counts (4352 bytes);
 * {@linkcode GuestHistograms} keeps only the 32-bucket blocks a histogram uses.
 *
 * @module
 */

/** Sub-buckets per power of two. */
const SUB = 32;
/** Powers of two above the exact range (64 ns to 2^38 ns). */
const OCTAVES = 32;
/**
 * Buckets of one compact histogram.
 *
 * @example
 * ```ts
 * import { GUEST_BUCKETS } from "./guest_hist.ts";
 * console.log(GUEST_BUCKETS * 4); // 4352 (bytes per histogram)
 * ```
 */
export const GUEST_BUCKETS: number = 2 * SUB + OCTAVES * SUB;
/**
 * The relative width of the widest bucket: a quantile's largest relative error.
 *
 * @example
 * ```ts
 * import { GUEST_HIST_REL_ERROR } from "./guest_hist.ts";
 * console.log(GUEST_HIST_REL_ERROR); // 0.03125
 * ```
 */
export const GUEST_HIST_REL_ERROR: number = 1 / SUB;
/** 2^32: values from here take the slow path. */
const TWO32 = 4294967296;

/**
 * The bucket of a non-negative value (rounded to an integer ns).
 *
 * @example
 * ```ts
 * import { guestBucket } from "./guest_hist.ts";
 * console.log(guestBucket(63), guestBucket(64), guestBucket(65)); // 63 64 64
 * ```
 */
export function guestBucket(value: number): number {
  const v = value > 0 ? Math.round(value) : 0;
  if (v < 2 * SUB) return v;
  let idx: number;
  if (v < TWO32) {
    const e = 26 - Math.clz32(v); // floor(log2 v) - 5
    idx = e * SUB + (v >>> e);
  } else {
    const e = Math.floor(Math.log2(v)) - 5;
    idx = e * SUB + Math.floor(v / 2 ** e);
  }
  return idx < GUEST_BUCKETS ? idx : GUEST_BUCKETS - 1;
}

/** The lowest value of bucket `idx`. */
function lowOf(idx: number): number {
  if (idx < 2 * SUB) return idx;
  const e = (idx >> 5) - 1;
  return (idx - e * SUB) * 2 ** e;
}

/** The width of bucket `idx`. */
function widthOf(idx: number): number {
  return idx < 2 * SUB ? 1 : 2 ** ((idx >> 5) - 1);
}

/**
 * Count `value` in histogram `h` of `counts` (allocation-free).
 *
 * @example
 * ```ts
 * import { GUEST_BUCKETS, guestRecord, guestQuantile } from "./guest_hist.ts";
 * const counts = new Uint32Array(2 * GUEST_BUCKETS);
 * guestRecord(counts, 1, 1000);
 * console.log(guestQuantile(counts, 1, 1, 50)); // 1007
 * ```
 */
export function guestRecord(counts: Uint32Array, h: number, value: number): void {
  counts[h * GUEST_BUCKETS + guestBucket(value)]++;
}

/**
 * The value at `percentile` (0 to 100) of histogram `h`, which holds `total`
 * values: the highest value of the first bucket whose running count reaches
 * ceil(percentile / 100 * total) (at least 1), as an HDR histogram's
 * `getValueAtPercentile` does; 0 when `total` is 0. The caller caps it at the
 * exact maximum.
 *
 * @example
 * ```ts
 * import { GUEST_BUCKETS, guestRecord, guestQuantile } from "./guest_hist.ts";
 * const counts = new Uint32Array(GUEST_BUCKETS);
 * for (let v = 1; v <= 100; v++) guestRecord(counts, 0, v);
 * console.log(guestQuantile(counts, 0, 100, 50), guestQuantile(counts, 0, 100, 99)); // 50 99
 * ```
 */
export function guestQuantile(
  counts: Uint32Array,
  h: number,
  total: number,
  percentile: number,
): number {
  if (total <= 0) return 0;
  const target = countToReach(total, percentile);
  const base = h * GUEST_BUCKETS;
  let acc = 0;
  for (let i = 0; i < GUEST_BUCKETS; i++) {
    acc += counts[base + i];
    if (acc >= target) return highOf(i);
  }
  return highOf(GUEST_BUCKETS - 1);
}

/** The count a quantile's bucket must reach: ceil(percentile / 100 * total) less one ulp (hdr-histogram-js getValueAtPercentile), at least 1. */
function countToReach(total: number, percentile: number): number {
  const fp = (Math.min(percentile, 100) / 100) * total;
  return Math.max(1, Math.ceil(fp - Math.pow(2, Math.floor(Math.log2(fp)) - 52)));
}

/** The highest value of bucket `idx`: what a quantile falling in it reports. */
function highOf(idx: number): number {
  return lowOf(idx) + widthOf(idx) - 1;
}

/** Records a {@linkcode GuestHistograms} buffers before it counts them. */
const BATCH = 8192;

/** Buckets per block: a histogram's counts live in blocks of this many, made at first use. */
const BLOCK = 32;
/** Blocks per histogram. */
const BLOCKS = GUEST_BUCKETS / BLOCK;

/**
 * Many compact histograms fed in batches: {@linkcode GuestHistograms.record}
 * appends the (histogram, value) pair to a buffer, and the buffer is counted
 * when it is full or when a figure is read. A host touches thousands of
 * histograms in turn; counted in a tight loop, their cache misses overlap
 * instead of stalling the simulation one by one. A histogram's counts are
 * kept in blocks of 32 buckets, each made when a value first falls in it and
 * taken from one growing pool: round trips fill a few blocks per histogram
 * (about 450 bytes each in the scale benchmark's host, where the full layout
 * takes 4352), and a run does not pay a page fault for every histogram's
 * first count. Figures are those of counting each value at once in
 * {@linkcode GUEST_BUCKETS} counts.
 *
 * @example
 * ```ts
 * import { GuestHistograms } from "./guest_hist.ts";
 * const h = new GuestHistograms(2);
 * for (let v = 1; v <= 100; v++) h.record(1, v);
 * console.log(h.quantile(1, 100, 50), h.quantile(0, 0, 50)); // 50 0
 * ```
 */
export class GuestHistograms {
  /** Per histogram and block (`h * BLOCKS + block`): its place in the pool, or -1. */
  readonly #block: Int32Array;
  #pool: Uint32Array;
  #blocks = 0;
  #slot: Int32Array = new Int32Array(BATCH);
  #value: Float64Array = new Float64Array(BATCH);
  #n = 0;

  /** `slots` empty histograms. */
  constructor(slots: number) {
    this.#block = new Int32Array(slots * BLOCKS).fill(-1);
    this.#pool = new Uint32Array(BLOCK * Math.max(64, 2 * slots));
  }

  /** Count `value` in histogram `h` (allocation-free; counted at the next flush). */
  record(h: number, value: number): void {
    const n = this.#n;
    this.#slot[n] = h;
    this.#value[n] = value;
    this.#n = n + 1;
    if (n + 1 === BATCH) this.flush();
  }

  /** Count every buffered value. */
  flush(): void {
    const block = this.#block, slot = this.#slot, value = this.#value, n = this.#n;
    for (let i = 0; i < n; i++) {
      const idx = guestBucket(value[i]);
      const k = slot[i] * BLOCKS + (idx >> 5);
      let b = block[k];
      if (b < 0) b = this.#newBlock(k);
      this.#pool[b * BLOCK + (idx & (BLOCK - 1))]++;
    }
    this.#n = 0;
  }

  /** Blocks of 32 buckets made so far (after a flush): 128 bytes each. */
  get blocks(): number {
    return this.#blocks;
  }

  /** Give block `k` (`h * BLOCKS + block`) a place in the pool, growing the pool by doubling. */
  #newBlock(k: number): number {
    const b = this.#blocks++;
    if ((b + 1) * BLOCK > this.#pool.length) {
      const bigger = new Uint32Array(2 * this.#pool.length);
      bigger.set(this.#pool);
      this.#pool = bigger;
    }
    this.#block[k] = b;
    return b;
  }

  /** Histogram `h`'s count in bucket `idx` (after a flush). */
  #count(h: number, idx: number): number {
    const b = this.#block[h * BLOCKS + (idx >> 5)];
    return b < 0 ? 0 : this.#pool[b * BLOCK + (idx & (BLOCK - 1))];
  }

  /**
   * Every histogram in the full layout of {@linkcode guestRecord} (`slots`
   * of {@linkcode GUEST_BUCKETS} counts; histogram `h` at `h *
   * GUEST_BUCKETS`), after counting what is buffered.
   */
  dense(): Uint32Array {
    if (this.#n > 0) this.flush();
    const slots = this.#block.length / BLOCKS;
    const out = new Uint32Array(slots * GUEST_BUCKETS);
    for (let h = 0; h < slots; h++) {
      for (let i = 0; i < GUEST_BUCKETS; i++) out[h * GUEST_BUCKETS + i] = this.#count(h, i);
    }
    return out;
  }

  /** {@linkcode guestQuantile} of histogram `h`, which holds `total` values. */
  quantile(h: number, total: number, percentile: number): number {
    if (this.#n > 0) this.flush();
    if (total <= 0) return 0;
    const target = countToReach(total, percentile);
    let acc = 0;
    for (let k = 0; k < BLOCKS; k++) {
      const b = this.#block[h * BLOCKS + k];
      if (b < 0) continue;
      for (let j = 0; j < BLOCK; j++) {
        acc += this.#pool[b * BLOCK + j];
        if (acc >= target) return highOf(k * BLOCK + j);
      }
    }
    return highOf(GUEST_BUCKETS - 1);
  }
}
