/**
 * An event list for mostly small event sets: a short sorted array while few
 * events are pending, the calendar queue ({@linkcode CalendarList}) above
 * that. A run with one or two VCPUs keeps three or four events pending (the
 * next arrival, each VCPU's one in-flight event), where a sorted array costs
 * a few compares per operation and a calendar queue scans buckets.
 *
 * @module
 */

import { CalendarList } from "./calendar.ts";
import type { EventList } from "./event_list.ts";

/** Above this many pending events the calendar queue takes over. */
const SMALL_MAX = 16;
/** At or below this many pending events the sorted array takes over again. */
const SMALL_MIN = 4;

/**
 * A sorted array of at most 16 events (latest first, so that the earliest is
 * popped from the end) in front of a calendar queue, FIFO on equal times in
 * both: the events move between them in order, so the order they come out
 * in is the same as the calendar queue's alone.
 *
 * @example
 * ```ts
 * import { SmallFirstList } from "./small_first.ts";
 * const q = new SmallFirstList();
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
export class SmallFirstList implements EventList {
  outTime = 0;
  outKind = 0;
  outA = 0;
  outB = 0;
  readonly #time = new Float64Array(SMALL_MAX);
  readonly #kind = new Int32Array(SMALL_MAX);
  readonly #a = new Int32Array(SMALL_MAX);
  readonly #b = new Int32Array(SMALL_MAX);
  /** Events in the array (0 while the calendar queue holds them). */
  #n = 0;
  #big = false;
  readonly #cal: CalendarList;

  /** Create a list whose calendar queue has room for `capacity` events before growing. */
  constructor(capacity = 1024) {
    this.#cal = new CalendarList(capacity);
  }

  /** Number of pending events. */
  get size(): number {
    return this.#big ? this.#cal.size : this.#n;
  }

  /** Insert an event after every pending one with the same time. */
  push(t: number, kind: number, a: number, b: number): void {
    if (this.#big) return this.#cal.push(t, kind, a, b);
    let j = this.#n - 1;
    if (j + 1 === SMALL_MAX) {
      this.#spill();
      return this.#cal.push(t, kind, a, b);
    }
    const time = this.#time, k = this.#kind, pa = this.#a, pb = this.#b;
    // Events at or before t sit at the end; t goes in front of them (it comes out later).
    for (; j >= 0 && time[j] <= t; j--) {
      time[j + 1] = time[j];
      k[j + 1] = k[j];
      pa[j + 1] = pa[j];
      pb[j + 1] = pb[j];
    }
    time[j + 1] = t;
    k[j + 1] = kind;
    pa[j + 1] = a;
    pb[j + 1] = b;
    this.#n++;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    if (this.#big) return this.#cal.peekTime();
    return this.#n === 0 ? Infinity : this.#time[this.#n - 1];
  }

  /** Remove the earliest event into the out fields. */
  pop(): void {
    this.popUntil(Infinity);
  }

  /**
   * Remove the earliest event into the out fields if its time is at most
   * `until`; returns whether it did.
   */
  popUntil(until: number): boolean {
    if (this.#big) {
      const cal = this.#cal;
      if (!cal.popUntil(until)) return false;
      this.outTime = cal.outTime;
      this.outKind = cal.outKind;
      this.outA = cal.outA;
      this.outB = cal.outB;
      if (cal.size <= SMALL_MIN) this.#gather();
      return true;
    }
    const i = this.#n - 1;
    if (i < 0 || this.#time[i] > until) return false;
    this.outTime = this.#time[i];
    this.outKind = this.#kind[i];
    this.outA = this.#a[i];
    this.outB = this.#b[i];
    this.#n = i;
    return true;
  }

  /** Move the array's events, earliest first, into the calendar queue. */
  #spill(): void {
    const cal = this.#cal;
    for (let i = this.#n - 1; i >= 0; i--) {
      cal.push(this.#time[i], this.#kind[i], this.#a[i], this.#b[i]);
    }
    this.#n = 0;
    this.#big = true;
  }

  /** Move the calendar queue's few events back into the array, in order. */
  #gather(): void {
    const cal = this.#cal, n = cal.size;
    for (let i = n - 1; i >= 0; i--) {
      cal.pop();
      this.#time[i] = cal.outTime;
      this.#kind[i] = cal.outKind;
      this.#a[i] = cal.outA;
      this.#b[i] = cal.outB;
    }
    this.#n = n;
    this.#big = false;
  }
}
