/**
 * A calendar queue (Brown 1988, CACM 31(10)) stored in typed arrays: events
 * hash by `floor(time / width)` into a power-of-two number of buckets, each
 * a linked list sorted by time. Equal times land in the same bucket and a
 * new event goes after every event with the same time, so ties come out
 * first-in-first-out without storing a sequence number.
 *
 * Tuning (after ns-2's and Brown's): the bucket count follows the size
 * (doubling above 2 events per bucket, halving below one per two buckets);
 * the width is three times the mean gap between the earliest pending events,
 * re-estimated at every resize and whenever the measured work per operation
 * (empty buckets scanned plus list nodes walked) drifts above a threshold.
 * A bucket keeps its tail, so appending at the latest time is O(1).
 *
 * @module
 */

import { type EventList, grown } from "./event_list.ts";

const MIN_BUCKETS = 16;
/** Rebuild when the average work per operation exceeds this many steps. */
const MAX_WORK_PER_OP = 6;
/** Events sampled for the width estimate. */
const WIDTH_SAMPLE = 64;

/**
 * Calendar queue over typed arrays, FIFO on equal times.
 *
 * @example
 * ```ts
 * import { CalendarList } from "./calendar.ts";
 * const q = new CalendarList();
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
export class CalendarList implements EventList {
  outTime = 0;
  outKind = 0;
  outA = 0;
  outB = 0;
  // per slot
  #time: Float64Array;
  #next: Int32Array;
  #kind: Int32Array;
  #a: Int32Array;
  #b: Int32Array;
  #order: Int32Array;
  #free = -1;
  // per bucket
  #head: Int32Array;
  #tail: Int32Array;
  #mask = MIN_BUCKETS - 1;
  #inv = 1;
  /** Virtual bucket (floor(time * inv)) the scan is at: no pending event is below it. */
  #cur = 0;
  #size = 0;
  #work = 0;
  #ops = 0;

  /** Create a list with room for `capacity` events before the first growth. */
  constructor(capacity = 1024) {
    const n = Math.max(16, capacity | 0);
    this.#time = new Float64Array(n);
    this.#next = new Int32Array(n);
    this.#kind = new Int32Array(n);
    this.#a = new Int32Array(n);
    this.#b = new Int32Array(n);
    this.#order = new Int32Array(n);
    this.#chainFree(0, n);
    this.#head = new Int32Array(MIN_BUCKETS).fill(-1);
    this.#tail = new Int32Array(MIN_BUCKETS).fill(-1);
  }

  /** Number of pending events. */
  get size(): number {
    return this.#size;
  }

  /** Insert an event after every pending one with the same time. */
  push(t: number, kind: number, a: number, b: number): void {
    if (this.#free === -1) this.#grow();
    const s = this.#free;
    const next = this.#next;
    this.#free = next[s];
    this.#time[s] = t;
    this.#kind[s] = kind;
    this.#a[s] = a;
    this.#b[s] = b;
    const vb = Math.floor(t * this.#inv);
    if (vb < this.#cur) this.#cur = vb;
    this.#link(s, t, vb & this.#mask);
    const n = ++this.#size;
    if (n > 2 * (this.#mask + 1)) this.#rebuild(2 * (this.#mask + 1));
    else if (++this.#ops > this.#mask + 64) this.#checkWork();
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    if (this.#size === 0) return Infinity;
    const s = this.#findMin();
    return this.#time[s];
  }

  /** Remove the earliest event into the out fields. */
  pop(): void {
    this.#take(this.#findMin());
  }

  /**
   * Remove the earliest event into the out fields if its time is at most
   * `until`; returns whether it did (one bucket search instead of peek + pop).
   */
  popUntil(until: number): boolean {
    if (this.#size === 0) return false;
    const s = this.#findMin();
    if (this.#time[s] > until) return false;
    this.#take(s);
    return true;
  }

  /** Unlink `s`, the head of the current bucket, into the out fields and free its slot. */
  #take(s: number): void {
    const idx = this.#cur & this.#mask;
    const next = this.#next;
    const nx = next[s];
    this.#head[idx] = nx;
    if (nx === -1) this.#tail[idx] = -1;
    this.outTime = this.#time[s];
    this.outKind = this.#kind[s];
    this.outA = this.#a[s];
    this.outB = this.#b[s];
    next[s] = this.#free;
    this.#free = s;
    const n = --this.#size;
    const nb = this.#mask + 1;
    if (nb > MIN_BUCKETS && 2 * n < nb) this.#rebuild(nb >> 1);
    else if (++this.#ops > nb + 64) this.#checkWork();
  }

  /** Link slot `s` (time `t`) into bucket `idx`, after every event with time <= t. */
  #link(s: number, t: number, idx: number): void {
    const head = this.#head, tail = this.#tail, next = this.#next, time = this.#time;
    const h = head[idx];
    if (h === -1) {
      head[idx] = s;
      tail[idx] = s;
      next[s] = -1;
      return;
    }
    const tl = tail[idx];
    if (time[tl] <= t) {
      next[tl] = s;
      tail[idx] = s;
      next[s] = -1;
      return;
    }
    if (t < time[h]) {
      next[s] = h;
      head[idx] = s;
      return;
    }
    let p = h, w = 1;
    for (let q = next[p]; time[q] <= t; q = next[p]) { // the tail is later than t: q !== -1
      p = q;
      w++;
    }
    this.#work += w;
    next[s] = next[p];
    next[p] = s;
  }

  /** Advance the scan to the bucket holding the earliest event and return its slot. */
  #findMin(): number {
    const head = this.#head, time = this.#time, mask = this.#mask, inv = this.#inv;
    let cur = this.#cur;
    for (let scanned = 0; scanned <= mask; scanned++) {
      const h = head[cur & mask];
      if (h !== -1 && Math.floor(time[h] * inv) <= cur) {
        this.#cur = cur;
        this.#work += scanned;
        return h;
      }
      cur++;
    }
    // A whole year without an event: jump straight to the earliest bucket head.
    this.#work += mask + 1;
    let best = -1, bt = Infinity;
    for (let i = 0; i <= mask; i++) {
      const h = head[i];
      if (h !== -1 && time[h] < bt) {
        bt = time[h];
        best = h;
      }
    }
    this.#cur = Math.floor(bt * inv);
    return best;
  }

  /** Rebuild with a fresh width when operations have become expensive. */
  #checkWork(): void {
    const perOp = this.#work / this.#ops;
    this.#work = 0;
    this.#ops = 0;
    if (perOp > MAX_WORK_PER_OP && this.#size > 1) this.#rebuild(this.#mask + 1);
  }

  /** Re-bucket every event into `nb` buckets with a width estimated from the earliest ones. */
  #rebuild(nb: number): void {
    const n = this.#size, order = this.#order, time = this.#time, next = this.#next;
    // Take events out in order (unlinking, slots kept).
    for (let i = 0; i < n; i++) {
      const s = this.#findMin();
      const idx = this.#cur & this.#mask;
      this.#head[idx] = next[s];
      if (next[s] === -1) this.#tail[idx] = -1;
      order[i] = s;
    }
    let width = 0;
    if (n > 1) {
      const k = Math.min(n, WIDTH_SAMPLE) - 1;
      width = 3 * (time[order[k]] - time[order[0]]) / k;
      if (!(width > 0)) width = 3 * (time[order[n - 1]] - time[order[0]]) / (n - 1);
    }
    if (!(width > 0) || !Number.isFinite(width)) width = 1 / this.#inv;
    this.#inv = 1 / width;
    if (nb !== this.#mask + 1) {
      this.#head = new Int32Array(nb);
      this.#tail = new Int32Array(nb);
      this.#mask = nb - 1;
    }
    this.#head.fill(-1);
    this.#tail.fill(-1);
    this.#cur = n > 0 ? Math.floor(time[order[0]] * this.#inv) : 0;
    for (let i = 0; i < n; i++) {
      const s = order[i], t = time[s];
      this.#link(s, t, Math.floor(t * this.#inv) & this.#mask);
    }
    this.#work = 0;
    this.#ops = 0;
  }

  #chainFree(from: number, to: number): void {
    for (let i = from; i < to - 1; i++) this.#next[i] = i + 1;
    this.#next[to - 1] = -1;
    this.#free = from;
  }

  #grow(): void {
    const old = this.#time.length, n = old * 2;
    this.#time = grown(this.#time, n);
    this.#next = grown(this.#next, n);
    this.#kind = grown(this.#kind, n);
    this.#a = grown(this.#a, n);
    this.#b = grown(this.#b, n);
    this.#order = new Int32Array(n);
    this.#chainFree(old, n);
  }
}
