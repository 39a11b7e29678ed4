/**
 * The contract every pending-event list meets, so that candidates can be
 * benchmarked side by side (`bench/event_list_bench.ts`) and the winner kept
 * behind {@linkcode Engine}.
 *
 * A list orders events by (time, insertion sequence): equal times come out
 * first-in-first-out. It allocates nothing per event (its arrays double when
 * full). {@linkcode EventList.pop} writes the removed event into the list's
 * out fields instead of returning an object.
 *
 * @module
 */

/** A pending-event list keyed by (time, insertion sequence). */
export interface EventList {
  /** Number of pending events. */
  readonly size: number;
  /** Time of the event the last {@linkcode EventList.pop} removed. */
  outTime: number;
  /** Kind of the event the last pop removed. */
  outKind: number;
  /** First payload of the event the last pop removed. */
  outA: number;
  /** Second payload of the event the last pop removed. */
  outB: number;
  /** Insert an event; it comes after every pending event with the same time. */
  push(t: number, kind: number, a: number, b: number): void;
  /** Time of the earliest event, or Infinity when empty. */
  peekTime(): number;
  /** Remove the earliest event into the out fields; the list must not be empty. */
  pop(): void;
}

/**
 * A copy of `src` in a new array of length `n` (>= src.length), for growing an event list.
 *
 * @example
 * ```ts
 * import { grown } from "./event_list.ts";
 * console.log(grown(Int32Array.of(1, 2), 4)); // Int32Array(4) [1, 2, 0, 0]
 * ```
 */
export function grown<T extends Float64Array | Int32Array>(src: T, n: number): T {
  const d = (src instanceof Float64Array ? new Float64Array(n) : new Int32Array(n)) as T;
  d.set(src);
  return d;
}
