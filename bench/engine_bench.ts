/**
 * The engine on the hold model (README: Performance): 10^3, 10^5 and 10^6 pending
 * events, each hold one event through {@linkcode Engine.run} (pop, fingerprint,
 * handler call, schedule). Targets: >= 10M events/s at 10^3, >= 8M at 10^5.
 *
 * - `deno bench bench/engine_bench.ts`: Deno.bench entries of 100k holds each.
 * - `deno task bench:engine [runs]`: a table of events/s, the median of
 *   `runs` (default 5) timed batches of 2M holds per size.
 *
 * @module
 */

import { engineHold } from "./hold.ts";

const SIZES = [1e3, 1e5, 1e6];
const BATCH = 2_000_000;

/**
 * Events per second of the engine holding `n` events: the median of `runs` batches.
 *
 * @example
 * ```ts
 * import { engineRate } from "./engine_bench.ts";
 * console.log(engineRate(1000, 1, 100000) > 0); // true
 * ```
 */
export function engineRate(n: number, runs: number, batch = BATCH): number {
  const h = engineHold(n);
  h.run(Math.max(200_000, 2 * n)); // warm-up, and mixes the start times
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    h.run(batch);
    rates.push(batch / ((performance.now() - t0) / 1e3));
  }
  rates.sort((a, b) => a - b);
  return rates[rates.length >> 1];
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 5);
  console.log(`engine hold model: median of ${runs} batches of ${BATCH} holds`);
  console.log("pending   Mevents/s  target");
  const targets: Record<number, string> = { 1e3: ">= 10", 1e5: ">= 8", 1e6: "-" };
  for (const n of SIZES) {
    const r = engineRate(n, runs);
    console.log(
      `${n.toExponential(0).padStart(7)} ${(r / 1e6).toFixed(2).padStart(11)}  ${targets[n]}`,
    );
  }
} else {
  for (const n of SIZES) {
    const h = engineHold(n);
    h.run(Math.max(200_000, 2 * n));
    Deno.bench({
      name: `engine hold, ${n} pending, 100k events`,
      group: "engine",
      fn: () => h.run(100_000),
    });
  }
}
