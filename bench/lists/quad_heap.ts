/**
 * A 4-ary heap with packed keys: each heap node is a (time, slot) pair
 * interleaved in one Float64Array, so the four children of a node fill one
 * 64-byte cache line. The event's insertion sequence and payload (kind, a, b)
 * stay in slot-indexed arrays: a sift moves two numbers instead of five, and
 * the sequence is read only to break a tie in time.
 *
 * Node k lives at position k + 3, which puts every group of four siblings at
 * a position divisible by four; the parent of position p is (p >> 2) + 2 and
 * its children are 4p - 8 .. 4p - 5.
 *
 * @module
 */

import { type EventList, grown } from "../../sim/engine/event_list.ts";

const ROOT = 3;

/**
 * 4-ary heap of (time, slot) pairs, FIFO on equal times.
 *
 * @example
 * ```ts
 * import { QuadHeapList } from "./quad_heap.ts";
 * const q = new QuadHeapList();
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
export class QuadHeapList implements EventList {
  outTime = 0;
  outKind = 0;
  outA = 0;
  outB = 0;
  /** Heap nodes: time at 2p, slot at 2p + 1. */
  #h: Float64Array;
  /** Per slot: insertion sequence, kind, payloads. */
  #seq: Float64Array;
  #kind: Int32Array;
  #a: Int32Array;
  #b: Int32Array;
  /** Free slots, a stack. */
  #free: Int32Array;
  #freeTop: number;
  #cap: number;
  #size = 0;
  #nextSeq = 0;

  /** Create a list with room for `capacity` events before the first growth. */
  constructor(capacity = 1024) {
    const n = Math.max(16, capacity | 0);
    this.#cap = n;
    this.#h = new Float64Array(2 * (n + ROOT + 1));
    this.#seq = new Float64Array(n);
    this.#kind = new Int32Array(n);
    this.#a = new Int32Array(n);
    this.#b = new Int32Array(n);
    this.#free = new Int32Array(n);
    for (let i = 0; i < n; i++) this.#free[i] = n - 1 - i;
    this.#freeTop = n;
  }

  /** Number of pending events. */
  get size(): number {
    return this.#size;
  }

  /** Insert an event after every pending one with the same time. */
  push(t: number, kind: number, a: number, b: number): void {
    if (this.#freeTop === 0) this.#grow();
    const s = this.#free[--this.#freeTop];
    this.#seq[s] = this.#nextSeq++;
    this.#kind[s] = kind;
    this.#a[s] = a;
    this.#b[s] = b;
    const h = this.#h;
    // The new event has the largest sequence: it stops below any parent with time <= t.
    let p = ROOT + this.#size++;
    while (p > ROOT) {
      const q = (p >> 2) + 2;
      const qt = h[2 * q];
      if (qt <= t) break;
      h[2 * p] = qt;
      h[2 * p + 1] = h[2 * q + 1];
      p = q;
    }
    h[2 * p] = t;
    h[2 * p + 1] = s;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    return this.#size === 0 ? Infinity : this.#h[2 * ROOT];
  }

  /** Remove the earliest event into the out fields. */
  pop(): void {
    const h = this.#h, sq = this.#seq;
    const top = h[2 * ROOT + 1] | 0;
    this.outTime = h[2 * ROOT];
    this.outKind = this.#kind[top];
    this.outA = this.#a[top];
    this.outB = this.#b[top];
    this.#free[this.#freeTop++] = top;
    const n = --this.#size;
    if (n === 0) return;
    const last = ROOT + n; // position of the element that moves down from the root
    const t = h[2 * last], s = h[2 * last + 1];
    let p = ROOT;
    for (;;) {
      const c0 = 4 * p - 8;
      if (c0 >= last) break;
      // The smallest of up to four children.
      let c = c0, ct = h[2 * c0];
      const end = c0 + 4 < last ? c0 + 4 : last;
      for (let j = c0 + 1; j < end; j++) {
        const jt = h[2 * j];
        if (jt < ct || (jt === ct && sq[h[2 * j + 1] | 0] < sq[h[2 * c + 1] | 0])) {
          c = j;
          ct = jt;
        }
      }
      if (t < ct || (t === ct && sq[s | 0] < sq[h[2 * c + 1] | 0])) break;
      h[2 * p] = ct;
      h[2 * p + 1] = h[2 * c + 1];
      p = c;
    }
    h[2 * p] = t;
    h[2 * p + 1] = s;
  }

  #grow(): void {
    const old = this.#cap, n = old * 2;
    this.#cap = n;
    const h = new Float64Array(2 * (n + ROOT + 1));
    h.set(this.#h);
    this.#h = h;
    this.#seq = grown(this.#seq, n);
    this.#kind = grown(this.#kind, n);
    this.#a = grown(this.#a, n);
    this.#b = grown(this.#b, n);
    // Every old slot is in use (the stack was empty): the new ones are free.
    const free = new Int32Array(n);
    for (let i = 0; i < n - old; i++) free[i] = n - 1 - i;
    this.#free = free;
    this.#freeTop = n - old;
  }
}
