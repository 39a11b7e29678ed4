/**
 * How a host delivery's cost grows with the number of guests: the scale
 * benchmark's host (`host_scale.ts`: 2-VCPU PVH guests, one vif and one vbd,
 * closed clients, FIFO) at 10 to 3000 guests, each simulated long enough for
 * about the same number of deliveries, timed over the second half of its run
 * (steady state: every guest's state has been touched). Prints CPU ns per
 * delivery (this thread, one core).
 *
 * `deno task bench:host-curve [think_us] [guests...]`
 *
 * @module
 */

import { hostScaleSimulation } from "./host_scale.ts";

/**
 * CPU ns per delivery of a host of `guests` guests with `thinkUs` think time,
 * in the second half of a run of `ms` simulated.
 *
 * @example
 * ```ts
 * import { steadyNsPerDelivery } from "./host_curve.ts";
 * console.log(steadyNsPerDelivery(10, 1000, 20) > 0); // true
 * ```
 */
export function steadyNsPerDelivery(guests: number, thinkUs: number, ms: number): number {
  const sim = hostScaleSimulation(ms, guests, thinkUs);
  sim.start();
  sim.engine.run(ms * 1e6 / 2, sim);
  const d0 = sim.delivered, t0 = performance.now();
  sim.engine.run(ms * 1e6, sim);
  return (performance.now() - t0) * 1e6 / Math.max(1, sim.delivered - d0);
}

if (import.meta.main) {
  const thinkUs = Number(Deno.args[0] ?? 1000);
  const counts = Deno.args.length > 1
    ? Deno.args.slice(1).map(Number)
    : [10, 30, 100, 300, 1000, 3000];
  steadyNsPerDelivery(100, thinkUs, 200); // warm-up (JIT)
  for (const g of counts) {
    // About 2e5 deliveries in the timed half, whatever the size.
    const ms = Math.max(100, 400 * (thinkUs / 1000) * 300 / g * 2);
    console.log(
      `${g} guests, think ${thinkUs} µs: ${
        steadyNsPerDelivery(g, thinkUs, ms).toFixed(0)
      } ns per delivery`,
    );
  }
}
