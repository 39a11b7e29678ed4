/**
 * The discrete-event core: an event list, a clock and a run loop.
 *
 * Events are numeric: a kind and two integer payloads, kept in typed arrays
 * by an event list ordered by (time, insertion sequence), so that
 * simultaneous events run in the order they were scheduled. Time is float64
 * nanoseconds. Scheduling allocates nothing (the arrays double when full).
 * The engine knows nothing of Xen.
 *
 * Folder `sim/engine/` owns time and randomness: the engine, its event list
 * (a sorted array in front of a calendar queue) and the seeded random streams. It never imports the
 * models, a scenario, a run, a sweep or the reports.
 *
 * @module
 */

import { SmallFirstList } from "./small_first.ts";

/** Receives each event the run loop pops. One object, one method: a monomorphic call. */
export interface EventHandler {
  /** Handle one event of `kind` with payloads `a` and `b`; `engine.now` is its time. */
  handle(kind: number, a: number, b: number): void;
}

/** Thrown by {@linkcode Engine.run} when a run exceeds its `maxEvents` guard. */
export class EventLimitError extends Error {
  /** Build the error for a run stopped after `limit` events at time `now` (ns). */
  constructor(readonly limit: number, readonly now: number) {
    super(`run stopped after ${limit} events at t=${(now / 1e6).toFixed(3)} ms (--max-events)`);
    this.name = "EventLimitError";
  }
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);

/**
 * A discrete-event engine: an event list with first-in-first-out ties, a
 * short sorted array while at most 16 events are pending and a calendar queue
 * above that (see {@linkcode SmallFirstList}; `bench/event_list_bench.ts` compares it
 * with binary and 4-ary heaps).
 *
 * @example
 * ```ts
 * import { Engine } from "./engine.ts";
 * const e = new Engine();
 * const seen: number[] = [];
 * e.schedule(20, 1, 0, 0);
 * e.schedule(10, 2, 0, 0);
 * e.run(100, { handle: (kind) => seen.push(kind) });
 * console.log(seen); // [2, 1]
 * ```
 */
export class Engine {
  /** Current simulated time in ns. */
  now = 0;
  /** Events processed by {@linkcode Engine.run} so far. */
  processed = 0;
  /** A 32-bit hash of every processed (time, kind, a, b), in order. */
  fingerprint = 0x811c9dc5;
  readonly #list: SmallFirstList;

  /** Create an engine with room for `capacity` pending events before the first growth. */
  constructor(capacity = 1024) {
    this.#list = new SmallFirstList(capacity);
  }

  /** Number of pending events. */
  get size(): number {
    return this.#list.size;
  }

  /** Schedule an event at absolute time `at` (ns); `at` earlier than `now` runs at `now`. */
  schedule(at: number, kind: number, a: number, b: number): void {
    this.#list.push(at < this.now ? this.now : at, kind, a, b);
  }

  /** Time of the earliest pending event, or Infinity when there is none. */
  peekTime(): number {
    return this.#list.peekTime();
  }

  /**
   * Run events in (time, sequence) order until the next one is later than
   * `until` or none is left; then `now` = `until`. Throws EventLimitError after
   * `maxEvents` events processed in total.
   */
  run(until: number, handler: EventHandler, maxEvents = Infinity): void {
    const list = this.#list;
    for (;;) {
      if (this.processed >= maxEvents) {
        if (list.peekTime() <= until) throw new EventLimitError(maxEvents, this.now);
        break;
      }
      if (!list.popUntil(until)) break;
      const t = list.outTime, kind = list.outKind, a = list.outA, b = list.outB;
      this.now = t;
      this.processed++;
      F64[0] = t;
      let h = this.fingerprint;
      h = Math.imul(h ^ U32[0], 0x01000193);
      h = Math.imul(h ^ U32[1], 0x01000193);
      h = Math.imul(h ^ kind, 0x01000193);
      h = Math.imul(h ^ a, 0x01000193);
      h = Math.imul(h ^ b, 0x01000193);
      this.fingerprint = h >>> 0;
      handler.handle(kind, a, b);
    }
    if (until > this.now && until !== Infinity) this.now = until;
  }
}
