/**
 * The discrete-event core: an event list, a clock and a run loop.
 *
 * Events are numeric: a kind and two integer payloads, kept in parallel typed
 * arrays ordered as a binary heap keyed by (time, insertion sequence), so that
 * simultaneous events run in the order they were scheduled. Time is float64
 * nanoseconds. Scheduling allocates nothing (the arrays double when full).
 * The engine knows nothing of Xen.
 *
 * @module
 */

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
 * A discrete-event engine: typed-array binary heap with first-in-first-out ties.
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
  #time: Float64Array;
  #seq: Float64Array;
  #kind: Int32Array;
  #a: Int32Array;
  #b: Int32Array;
  #size = 0;
  #nextSeq = 0;

  /** Create an engine with room for `capacity` pending events before the first growth. */
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

  /** Schedule an event at absolute time `at` (ns); `at` earlier than `now` runs at `now`. */
  schedule(at: number, kind: number, a: number, b: number): void {
    if (this.#size === this.#time.length) this.#grow();
    const t = at < this.now ? this.now : at;
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

  /** Time of the earliest pending event, or Infinity when there is none. */
  peekTime(): number {
    return this.#size === 0 ? Infinity : this.#time[0];
  }

  /**
   * Run events in (time, sequence) order until the next one is later than
   * `until` or none is left; then `now` = `until`. Throws EventLimitError after
   * `maxEvents` events processed in total.
   */
  run(until: number, handler: EventHandler, maxEvents = Infinity): void {
    while (this.#size > 0) {
      const t = this.#time[0];
      if (t > until) break;
      if (this.processed >= maxEvents) throw new EventLimitError(maxEvents, this.now);
      const kind = this.#kind[0], a = this.#a[0], b = this.#b[0];
      this.#popRoot();
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

  #popRoot(): void {
    const n = --this.#size;
    if (n === 0) return;
    const time = this.#time, sq = this.#seq, kd = this.#kind, pa = this.#a, pb = this.#b;
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
    const grow = <T extends Float64Array | Int32Array>(src: T, dst: T): T => {
      dst.set(src);
      return dst;
    };
    this.#time = grow(this.#time, new Float64Array(n));
    this.#seq = grow(this.#seq, new Float64Array(n));
    this.#kind = grow(this.#kind, new Int32Array(n));
    this.#a = grow(this.#a, new Int32Array(n));
    this.#b = grow(this.#b, new Int32Array(n));
  }
}
