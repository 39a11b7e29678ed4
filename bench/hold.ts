/**
 * The hold model (Jones 1986): keep `n` events pending; each hold pops the
 * earliest and schedules a new one at its time plus an Exp(1) increment. The
 * increments come from a precomputed table so that the random-number cost
 * stays out of the measurement.
 *
 * @module
 */

import { Engine, EventLimitError } from "../sim/engine/engine.ts";
import type { EventList } from "../sim/engine/event_list.ts";

const MASK = (1 << 16) - 1;

/** 65536 Exp(1) increments from a fixed LCG seed (the same in every process). */
export const INCREMENTS: Float64Array = (() => {
  const t = new Float64Array(MASK + 1);
  let x = 0x2545f491;
  for (let i = 0; i <= MASK; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    t[i] = -Math.log((x + 1) / 4294967297);
  }
  return t;
})();

/**
 * Fill `list` with `n` events at Exp(1) x 100 times (the increments' own law).
 *
 * @example
 * ```ts
 * import { fillList } from "./hold.ts";
 * import { QuadHeapList } from "./lists/quad_heap.ts";
 * const q = new QuadHeapList();
 * fillList(q, 100);
 * console.log(q.size); // 100
 * ```
 */
export function fillList(list: EventList, n: number): void {
  const times = fillTimes(n);
  for (let i = 0; i < n; i++) list.push(times[i], 1, i, 0);
}

/** `n` distinct Exp(1) x 100 start times from a fixed LCG (the steady state of the hold model). */
export function fillTimes(n: number): Float64Array {
  const t = new Float64Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    t[i] = -Math.log((x + 1) / 4294967297) * 100;
  }
  return t;
}

/**
 * Run `holds` hold operations on `list`; returns a checksum of popped payloads.
 *
 * @example
 * ```ts
 * import { fillList, holdList } from "./hold.ts";
 * import { BinaryHeapList } from "./lists/binary_heap.ts";
 * const q = new BinaryHeapList();
 * fillList(q, 10);
 * holdList(q, 1000);
 * console.log(q.size); // 10
 * ```
 */
export function holdList(list: EventList, holds: number): number {
  const inc = INCREMENTS;
  let sum = 0;
  for (let i = 0; i < holds; i++) {
    list.pop();
    sum += list.outA;
    list.push(list.outTime + inc[i & MASK] * 100, 1, list.outA, 0);
  }
  return sum;
}

/** A handler that keeps the engine's population constant: each event schedules one more. */
class HoldHandler {
  #i = 0;
  constructor(readonly engine: Engine) {}
  handle(kind: number, a: number, b: number): void {
    const e = this.engine;
    e.schedule(e.now + INCREMENTS[this.#i++ & MASK] * 100, kind, a, b);
  }
}

/**
 * An engine holding `n` pending events, and a function running `holds` events through it.
 *
 * @example
 * ```ts
 * import { engineHold } from "./hold.ts";
 * const h = engineHold(1000);
 * h.run(10000);
 * console.log(h.engine.size); // 1000
 * ```
 */
export function engineHold(n: number): { engine: Engine; run: (holds: number) => void } {
  const engine = new Engine(n);
  const times = fillTimes(n);
  for (let i = 0; i < n; i++) engine.schedule(times[i], 1, i, 0);
  const h = new HoldHandler(engine);
  return {
    engine,
    run(holds: number) {
      try {
        engine.run(Infinity, h, engine.processed + holds);
      } catch (e) {
        if (!(e instanceof EventLimitError)) throw e;
      }
    },
  };
}
