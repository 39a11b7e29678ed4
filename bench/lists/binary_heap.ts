/**
 * A binary heap stored as structure-of-arrays: every sift moves all five
 * fields (time, sequence, kind, a, b). The engine's original event list, kept
 * as the benchmark baseline.
 *
 * @module
 */

import { type EventList, grown } from "../../sim/engine/event_list.ts";

/**
 * Binary heap over parallel typed arrays, FIFO on equal times.
 *
 * @example
 * ```ts
 * import { BinaryHeapList } from "./binary_heap.ts";
 * const q = new BinaryHeapList();
 * q.push(5, 1, 0, 0);
 * q.push(5, 2, 0, 0);
 * q.pop();
 * console.log(q.outKind); // 1
 * ```
 */
export class BinaryHeapList implements EventList {
  outTime = 0;
  outKind = 0;
  outA = 0;
  outB = 0;
  #time: Float64Array;
  #seq: Float64Array;
  #kind: Int32Array;
  #a: Int32Array;
  #b: Int32Array;
  #size = 0;
  #nextSeq = 0;

  /** Create a list with room for `capacity` events before the first growth. */
  constructor(capacity = 1024) {
    const n = Math.max(16, capacity | 0);
    this.#time = new Float64Array(n);
    this.#seq = new Float64Array(n);
    this.#kind = new Int32Array(n);
    this.#a = new Int32Array(n);
    this.#b = new Int32Array(n);
  }

  /** Number of pending events. */
  get size(): number {
    return this.#size;
  }

  /** Insert an event after every pending one with the same time. */
  push(t: number, kind: number, a: number, b: number): void {
    if (this.#size === this.#time.length) this.#grow();
    const seq = this.#nextSeq++;
    const time = this.#time, sq = this.#seq, kd = this.#kind, pa = this.#a, pb = this.#b;
    let i = this.#size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = time[p];
      if (pt < t || (pt === t && sq[p] < seq)) break;
      time[i] = pt;
      sq[i] = sq[p];
      kd[i] = kd[p];
      pa[i] = pa[p];
      pb[i] = pb[p];
      i = p;
    }
    time[i] = t;
    sq[i] = seq;
    kd[i] = kind;
    pa[i] = a;
    pb[i] = b;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.#size === 0 ? Infinity : this.#time[0];
  }

  /** Remove the earliest event into the out fields. */
  pop(): void {
    const time = this.#time, sq = this.#seq, kd = this.#kind, pa = this.#a, pb = this.#b;
    this.outTime = time[0];
    this.outKind = kd[0];
    this.outA = pa[0];
    this.outB = pb[0];
    const n = --this.#size;
    if (n === 0) return;
    const t = time[n], s = sq[n], k = kd[n], a = pa[n], b = pb[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (time[r] < time[c] || (time[r] === time[c] && sq[r] < sq[c]))) c = r;
      const ct = time[c];
      if (t < ct || (t === ct && s < sq[c])) break;
      time[i] = ct;
      sq[i] = sq[c];
      kd[i] = kd[c];
      pa[i] = pa[c];
      pb[i] = pb[c];
      i = c;
    }
    time[i] = t;
    sq[i] = s;
    kd[i] = k;
    pa[i] = a;
    pb[i] = b;
  }

  #grow(): void {
    const n = this.#time.length * 2;
    this.#time = grown(this.#time, n);
    this.#seq = grown(this.#seq, n);
    this.#kind = grown(this.#kind, n);
    this.#a = grown(this.#a, n);
    this.#b = grown(this.#b, n);
  }
}
