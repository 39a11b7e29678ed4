/**
 * The whole model (README: Performance): the M/M/1 scenario at ρ = 0.5 (zero costs,
 * one VCPU, 4000 ports, Poisson arrivals, exponential service) through each
 * ABI, in delivered events per wall-clock second on one thread. Target: FIFO
 * >= 5M delivered events/s.
 *
 * - `deno bench bench/model_bench.ts`: Deno.bench entries (100 ms simulated each).
 * - `deno task bench:model [runs]`: a table, the median of `runs` (default 5)
 *   runs of 1 s simulated (about 500k deliveries) per ABI.
 *
 * @module
 */

import { median, mm1Scenario, runMm1 } from "./mm1.ts";

const ABIS = ["2l", "3l", "fifo"];

/**
 * Delivered events per wall second of `abi` on the M/M/1 scenario, and the run's events/s.
 *
 * @example
 * ```ts
 * import { modelRate } from "./model_bench.ts";
 * const r = modelRate("fifo", 1, 10);
 * console.log(r.delivered > 0); // true
 * ```
 */
export function modelRate(
  abi: string,
  runs: number,
  durationMs = 1000,
): { delivered: number; events: number; perSecond: number; eventsPerSecond: number } {
  runMm1(mm1Scenario({ durationMs: 50 }), abi); // warm-up (JIT)
  const s = mm1Scenario({ durationMs });
  const per: number[] = [], ev: number[] = [];
  let delivered = 0, events = 0;
  for (let r = 0; r < runs; r++) {
    const res = runMm1(s, abi);
    delivered = res.summary.delivered as number;
    events = res.simEvents;
    per.push(delivered / (res.wallMs / 1e3));
    ev.push(events / (res.wallMs / 1e3));
  }
  return { delivered, events, perSecond: median(per), eventsPerSecond: median(ev) };
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 5);
  console.log(`M/M/1 rho=0.5, costs zero, 1 VCPU, 4000 ports, 1 s simulated; median of ${runs}`);
  console.log("abi   delivered  sim_events  M delivered/s  M events/s");
  for (const abi of ABIS) {
    const r = modelRate(abi, runs);
    console.log(
      `${abi.padEnd(5)} ${String(r.delivered).padStart(9)} ${String(r.events).padStart(11)} ${
        (r.perSecond / 1e6).toFixed(2).padStart(14)
      } ${(r.eventsPerSecond / 1e6).toFixed(2).padStart(11)}`,
    );
  }
} else {
  const s = mm1Scenario({ durationMs: 100 });
  for (const abi of ABIS) {
    Deno.bench({
      name: `M/M/1 rho=0.5 through ${abi}, 100 ms simulated (~50k deliveries)`,
      group: "model",
      baseline: abi === "fifo",
      fn: () => void runMm1(s, abi),
    });
  }
}
