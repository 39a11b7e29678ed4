/**
 * A ladder queue (Tang, Goh and Thng 2005, ACM TOMACS 15(3)) stored in typed
 * arrays. Three tiers:
 *
 * - **top**: an unsorted list of the events at or after `topStart` (appends only);
 * - **rungs**: up to {@linkcode MAX_RUNGS} arrays of unsorted buckets, each
 *   rung splitting one bucket of the rung above (rung 0 splits the top's range
 *   into one bucket per event when the top is transferred);
 * - **bottom**: a short sorted array holding the earliest events, from which
 *   {@linkcode LadderList.pop} takes.
 *
 * When the bottom runs out, the next non-empty bucket of the lowest rung is
 * sorted into it if it holds at most {@linkcode THRES} events, or else split
 * into a new rung. Nothing is ever sorted except these short buckets, so a
 * hold costs O(1) amortized.
 *
 * Events live in slot-indexed typed arrays (time, next, kind, a, b; the
 * payload is read only on pop); buckets and the top are linked lists of
 * slots in insertion order, and every move between tiers keeps that
 * order. Equal times always share a bucket (bucket indices are monotone in
 * time), and the bottom sort is stable and puts a pushed event after every
 * event with the same time: ties come out first-in-first-out without a
 * sequence number.
 *
 * @module
 */

import { type EventList, grown } from "../../sim/engine/event_list.ts";

/** A bucket with at most this many events is sorted into the bottom instead of split. */
const THRES = 48;
/** Most rungs at once; a deeper bucket is sorted into the bottom whatever its size. */
const MAX_RUNGS = 8;
/** A bottom longer than this (after an insertion into its middle) becomes a rung. */
const BOTTOM_MAX = 4 * THRES;
/** Int32 words per bucket: head, tail, count, unused. */
const BUCKET = 4;

/** Whether `w` is a usable bucket width (positive, with a finite inverse). */
function splittable(w: number): boolean {
  return w > 0 && 1 / w < Infinity;
}

/**
 * Ladder queue over typed arrays, FIFO on equal times.
 *
 * @example
 * ```ts
 * import { LadderList } from "./ladder.ts";
 * const q = new LadderList();
 * q.push(5, 1, 0, 0);
 * q.push(3, 2, 0, 0);
 * q.push(5, 3, 0, 0);
 * const kinds: number[] = [];
 * while (q.size > 0) {
 *   q.pop();
 *   kinds.push(q.outKind);
 * }
 * console.log(kinds); // [2, 1, 3]
 * ```
 */
export class LadderList implements EventList {
  outTime = 0;
  outKind = 0;
  outA = 0;
  outB = 0;
  // Per slot (event).
  #time: Float64Array;
  #next: Int32Array;
  #kind: Int32Array;
  #a: Int32Array;
  #b: Int32Array;
  #cap: number;
  #free = -1;
  #size = 0;
  // Top.
  #topStart = -Infinity;
  #topHead = -1;
  #topTail = -1;
  #topCount = 0;
  #topMin = Infinity;
  #topMax = -Infinity;
  // Rungs: 0 is the coarsest; bucket k of rung r covers times with
  // floor((t - start[r]) * inv[r]) = k (the last bucket also takes anything above).
  #nRungs = 0;
  #rStart = new Float64Array(MAX_RUNGS);
  #rWidth = new Float64Array(MAX_RUNGS);
  #rInv = new Float64Array(MAX_RUNGS);
  /** First bucket not yet moved down: earlier buckets are empty. */
  #rCur = new Int32Array(MAX_RUNGS);
  #rNb = new Int32Array(MAX_RUNGS);
  #rBuckets: Int32Array[] = [];
  // Bottom: sorted by time, FIFO on ties, pending entries at [bLo, bHi).
  #bTime: Float64Array;
  #bSlot: Int32Array;
  #bLo = 0;
  #bHi = 0;
  #bLimit = BOTTOM_MAX;

  /** Create a list with room for `capacity` events before the first growth. */
  constructor(capacity = 1024) {
    const n = Math.max(16, capacity | 0);
    this.#time = new Float64Array(n);
    this.#next = new Int32Array(n);
    this.#kind = new Int32Array(n);
    this.#a = new Int32Array(n);
    this.#b = new Int32Array(n);
    this.#cap = n;
    this.#chainFree(0, n);
    for (let r = 0; r < MAX_RUNGS; r++) this.#rBuckets.push(new Int32Array(BUCKET * 64));
    this.#bTime = new Float64Array(4 * THRES);
    this.#bSlot = new Int32Array(4 * THRES);
  }

  /** Number of pending events. */
  get size(): number {
    return this.#size;
  }

  /** Insert an event after every pending one with the same time. */
  push(t: number, kind: number, a: number, b: number): void {
    if (this.#free === -1) this.#grow();
    const next = this.#next;
    const s = this.#free;
    this.#free = next[s];
    this.#time[s] = t;
    next[s] = -1;
    this.#kind[s] = kind;
    this.#a[s] = a;
    this.#b[s] = b;
    this.#size++;
    if (t >= this.#topStart) {
      const tl = this.#topTail;
      if (tl === -1) this.#topHead = s;
      else next[tl] = s;
      this.#topTail = s;
      this.#topCount++;
      if (t < this.#topMin) this.#topMin = t;
      if (t > this.#topMax) this.#topMax = t;
      return;
    }
    const nr = this.#nRungs;
    for (let r = 0; r < nr; r++) {
      let k = Math.floor((t - this.#rStart[r]) * this.#rInv[r]);
      const nb = this.#rNb[r];
      if (k >= nb) k = nb - 1; // clamp first: an exhausted rung takes nothing more
      if (k >= this.#rCur[r]) {
        this.#append(this.#rBuckets[r], k * BUCKET, s);
        return;
      }
    }
    this.#bottomInsert(t, s);
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    if (this.#size === 0) return Infinity;
    if (this.#bLo === this.#bHi) this.#refill();
    return this.#bTime[this.#bLo];
  }

  /** Remove the earliest event into the out fields. */
  pop(): void {
    if (this.#bLo === this.#bHi) this.#refill();
    this.#take();
  }

  /**
   * Remove the earliest event into the out fields if its time is at most
   * `until`; returns whether it did.
   */
  popUntil(until: number): boolean {
    if (this.#size === 0) return false;
    if (this.#bLo === this.#bHi) this.#refill();
    if (this.#bTime[this.#bLo] > until) return false;
    this.#take();
    return true;
  }

  /** Move the bottom's first event into the out fields and free its slot. */
  #take(): void {
    const i = this.#bLo++;
    const s = this.#bSlot[i];
    this.outTime = this.#bTime[i];
    this.outKind = this.#kind[s];
    this.outA = this.#a[s];
    this.outB = this.#b[s];
    this.#next[s] = this.#free;
    this.#free = s;
    if (--this.#size === 0) {
      // Empty: forget the structure, the next events start a fresh top.
      this.#nRungs = 0;
      this.#topStart = -Infinity;
      this.#bLo = this.#bHi = 0;
    }
  }

  /** Append slot `s` to the bucket at word `j` of `bk`. */
  #append(bk: Int32Array, j: number, s: number): void {
    if (bk[j + 2]++ === 0) bk[j] = s;
    else this.#next[bk[j + 1]] = s;
    bk[j + 1] = s;
  }

  /** Fill the empty bottom from the lowest rung (or the top), splitting big buckets. */
  #refill(): void {
    const next = this.#next, time = this.#time;
    for (;;) {
      if (this.#nRungs === 0) {
        // Everything pending is in the top.
        const n = this.#topCount, head = this.#topHead, lo = this.#topMin, hi = this.#topMax;
        this.#topStart = hi;
        this.#topHead = this.#topTail = -1;
        this.#topCount = 0;
        this.#topMin = Infinity;
        this.#topMax = -Infinity;
        const w = (hi - lo) / n;
        if (n <= THRES || !splittable(w)) {
          this.#sortIntoBottom(head, n);
          return;
        }
        this.#spawn(0, lo, w, n, head);
        continue;
      }
      const r = this.#nRungs - 1;
      const bk = this.#rBuckets[r], nb = this.#rNb[r];
      let k = this.#rCur[r];
      while (k < nb && bk[k * BUCKET + 2] === 0) k++;
      if (k === nb) {
        this.#nRungs--;
        continue;
      }
      this.#rCur[r] = k + 1;
      const j = k * BUCKET, head = bk[j], n = bk[j + 2];
      bk[j + 2] = 0;
      if (n > THRES && r + 1 < MAX_RUNGS) {
        // The new rung starts at the bucket's earliest event (so no event maps below bucket 0)
        // and ends where the bucket does; if all times are equal the bucket is already sorted.
        let lo = Infinity, hi = -Infinity;
        for (let s = head; s !== -1; s = next[s]) {
          const t = time[s];
          if (t < lo) lo = t;
          if (t > hi) hi = t;
        }
        const end = this.#rStart[r] + (k + 1) * this.#rWidth[r];
        const w = ((end > hi ? end : hi) - lo) / n;
        if (hi > lo && splittable(w)) {
          this.#spawn(r + 1, lo, w, n, head);
          continue;
        }
      }
      this.#sortIntoBottom(head, n);
      return;
    }
  }

  /** Make rung `r` of `nb` buckets of width `w` from `start`, holding the `head` list. */
  #spawn(r: number, start: number, w: number, nb: number, head: number): void {
    let bk = this.#rBuckets[r];
    if (bk.length < nb * BUCKET) {
      let len = bk.length;
      while (len < nb * BUCKET) len *= 2;
      bk = this.#rBuckets[r] = new Int32Array(len);
    } else {
      for (let j = 2; j < nb * BUCKET; j += BUCKET) bk[j] = 0;
    }
    const inv = 1 / w;
    this.#rStart[r] = start;
    this.#rWidth[r] = w;
    this.#rInv[r] = inv;
    this.#rCur[r] = 0;
    this.#rNb[r] = nb;
    this.#nRungs = r + 1;
    const next = this.#next, time = this.#time;
    for (let s = head; s !== -1;) {
      const nx = next[s];
      next[s] = -1;
      let k = Math.floor((time[s] - start) * inv);
      if (k >= nb) k = nb - 1;
      else if (k < 0) k = 0;
      this.#append(bk, k * BUCKET, s);
      s = nx;
    }
  }

  /** Stable insertion sort of the `n`-event list at `head` into the empty bottom. */
  #sortIntoBottom(head: number, n: number): void {
    if (this.#bTime.length < n) this.#growBottom(n);
    const bt = this.#bTime, bs = this.#bSlot, next = this.#next, time = this.#time;
    let m = 0;
    for (let s = head; s !== -1; s = next[s]) {
      const t = time[s];
      let j = m++;
      while (j > 0 && bt[j - 1] > t) {
        bt[j] = bt[j - 1];
        bs[j] = bs[j - 1];
        j--;
      }
      bt[j] = t;
      bs[j] = s;
    }
    this.#bLo = 0;
    this.#bHi = m;
    this.#bLimit = BOTTOM_MAX;
  }

  /** Insert slot `s` (time `t`) into the bottom after every event with time <= t. */
  #bottomInsert(t: number, s: number): void {
    let bt = this.#bTime, bs = this.#bSlot;
    const lo = this.#bLo, hi = this.#bHi;
    if (lo === hi) {
      this.#bLo = 0;
      this.#bHi = 1;
      bt[0] = t;
      bs[0] = s;
      return;
    }
    if (t < bt[lo] && lo > 0) {
      this.#bLo = lo - 1;
      bt[lo - 1] = t;
      bs[lo - 1] = s;
      return;
    }
    if (hi === bt.length) {
      if (lo > 0) {
        bt.copyWithin(0, lo, hi);
        bs.copyWithin(0, lo, hi);
        this.#bLo = 0;
        this.#bHi = hi - lo;
      } else {
        this.#growBottom(2 * hi);
        bt = this.#bTime;
        bs = this.#bSlot;
      }
    }
    const l = this.#bLo;
    let j = this.#bHi++;
    while (j > l && bt[j - 1] > t) {
      bt[j] = bt[j - 1];
      bs[j] = bs[j - 1];
      j--;
    }
    bt[j] = t;
    bs[j] = s;
    if (this.#bHi - l > this.#bLimit && j < this.#bHi - 1) this.#bottomToRung();
  }

  /**
   * Turn an overlong bottom into a new lowest rung spanning from its first
   * event up to the start of the lowest rung's next bucket (or the top).
   */
  #bottomToRung(): void {
    const r = this.#nRungs;
    const lo = this.#bLo, hi = this.#bHi, bt = this.#bTime, bs = this.#bSlot;
    const start = bt[lo];
    const end = r > 0
      ? this.#rStart[r - 1] + this.#rCur[r - 1] * this.#rWidth[r - 1]
      : this.#topStart;
    const n = hi - lo;
    const w = (end - start) / n;
    if (r === MAX_RUNGS || !splittable(w)) {
      this.#bLimit *= 2; // try again when it has doubled
      return;
    }
    // Chain the bottom, in order, into one list and split it.
    const next = this.#next;
    for (let i = lo; i < hi - 1; i++) next[bs[i]] = bs[i + 1];
    next[bs[hi - 1]] = -1;
    this.#bLo = this.#bHi = 0;
    this.#spawn(r, start, w, n, bs[lo]);
  }

  #growBottom(n: number): void {
    let len = this.#bTime.length;
    while (len < n) len *= 2;
    const bt = new Float64Array(len), bs = new Int32Array(len);
    bt.set(this.#bTime);
    bs.set(this.#bSlot);
    this.#bTime = bt;
    this.#bSlot = bs;
  }

  #chainFree(from: number, to: number): void {
    const next = this.#next;
    for (let i = from; i < to - 1; i++) next[i] = i + 1;
    next[to - 1] = -1;
    this.#free = from;
  }

  #grow(): void {
    const old = this.#cap, n = old * 2;
    this.#time = grown(this.#time, n);
    this.#next = grown(this.#next, n);
    this.#kind = grown(this.#kind, n);
    this.#a = grown(this.#a, n);
    this.#b = grown(this.#b, n);
    this.#cap = n;
    this.#chainFree(old, n);
  }
}
