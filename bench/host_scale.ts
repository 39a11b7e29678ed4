/**
 * The host scale target (DESIGN §10, README: Performance): a host of 1000
 * guests with 2 VCPUs each (8 dom0 ports per guest, FIFO) simulates 100 ms in
 * under 1 GiB, and its deliveries (event handlers run, in every domain) per
 * wall-clock second on one core are at least half of the single-guest
 * model's, measured in the same process on the M/M/1 scenario of
 * `model_bench.ts` (FIFO).
 *
 * - `deno task bench:host [duration_ms] [guests]`: one run, then the
 *   single-guest reference, a table and the verdicts; measure the maximum
 *   resident set with `/usr/bin/time -v`.
 * - `deno bench bench/host_scale.ts`: a Deno.bench entry (10 ms simulated).
 *
 * @module
 */

import process from "node:process";
import { HostSimulation } from "../sim/host/host.ts";
import { hostFigures } from "../sim/host/run_host.ts";
import { parseScenario, type Scenario } from "../sim/scenario/scenario.ts";
import { createAbi } from "../models/registry.ts";
import { resolveCosts } from "../models/costs.ts";
import { mm1Scenario, runMm1 } from "./mm1.ts";
import { executeRun } from "../sim/run/run.ts";
import { loadInput } from "../sim/scenario/scenario.ts";
import { expandPlan } from "../sim/sweep/plan.ts";

/** This process's CPU time so far (user + system), in ms. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}

/**
 * The host of the scale target: `guests` 2-VCPU PVH guests (1 vif, 1 vbd: 8
 * ports each in an 8-VCPU dom0), closed-loop clients with 1 ms think time.
 *
 * @example
 * ```ts
 * import { hostScaleScenario } from "./host_scale.ts";
 * console.log(hostScaleScenario(1, 10).host!.guests[0].count); // 10
 * ```
 */
export function hostScaleScenario(durationMs: number, guests = 1000): Scenario {
  return parseScenario({
    name: "host-scale",
    duration_ms: durationMs,
    warmup_ms: 0,
    replications: 1,
    host: {
      dom0: { vcpus: 8 },
      guests: [{
        count: guests,
        kind: "pvh",
        vcpus: 2,
        vifs: 1,
        vbds: 1,
        workload: { kind: "closed", window: 1, think_us: 1000 },
      }],
    },
  }, "bench:host");
}

/** Figures of one host run: CPU times of set-up and simulation, deliveries, events. */
export interface HostScaleFigures {
  /** Event handlers run, in every domain. */
  delivered: number;
  /** Engine events processed. */
  events: number;
  /** Ports bound in dom0. */
  ports: number;
  /** CPU ms building the host (domains, ABI models, port allocation). */
  setupCpuMs: number;
  /** CPU ms simulating. */
  runCpuMs: number;
}

/**
 * One host run, timed in CPU time (one thread: CPU time is time on one core).
 *
 * @example
 * ```ts
 * import { hostScaleRun } from "./host_scale.ts";
 * console.log(hostScaleRun(1, 10).delivered > 0); // true
 * ```
 */
export function hostScaleRun(durationMs: number, guests = 1000): HostScaleFigures {
  const s = hostScaleScenario(durationMs, guests);
  const t0 = cpuMs();
  const sim = new HostSimulation(s, "fifo", {
    seed: 1,
    replication: 0,
    costs: resolveCosts("default"),
    factory: (o) => createAbi("fifo", o),
  });
  const t1 = cpuMs();
  sim.start();
  sim.engine.run(durationMs * 1e6, sim);
  const t2 = cpuMs();
  const f = hostFigures(sim, durationMs * 1e6);
  return {
    delivered: f.summary.delivered,
    events: f.simEvents,
    ports: f.summary.dom0_ports_bound,
    setupCpuMs: t1 - t0,
    runCpuMs: t2 - t1,
  };
}

/**
 * The single-guest reference: deliveries per CPU second of the M/M/1 scenario
 * (FIFO, 1 s simulated), the best of `runs` runs after a warm-up.
 *
 * @example
 * ```ts
 * import { singleGuestRate } from "./host_scale.ts";
 * console.log(singleGuestRate(1, 20) > 0); // true
 * ```
 */
export function singleGuestRate(runs = 3, durationMs = 1000): number {
  runMm1(mm1Scenario({ durationMs: 50 }), "fifo");
  let best = 0;
  for (let r = 0; r < runs; r++) {
    const t0 = cpuMs();
    const res = runMm1(mm1Scenario({ durationMs }), "fifo");
    const rate = (res.summary.delivered as number) / ((cpuMs() - t0) / 1e3);
    if (rate > best) best = rate;
  }
  return best;
}

/**
 * A second single-guest reference closer to a host's work: the built-in
 * `backend-lateeoi` (late-EOI backends with softirq and kthread deferred work,
 * default costs), FIFO, one replication of `durationMs`; deliveries per CPU second.
 *
 * @example
 * ```ts
 * import { backendGuestRate } from "./host_scale.ts";
 * console.log(backendGuestRate(5) > 0); // true
 * ```
 */
export function backendGuestRate(durationMs = 200): number {
  const plan = expandPlan(loadInput("backend-lateeoi"), {
    sets: [`duration_ms=${durationMs}`, "warmup_ms=0"],
    replications: 1,
    abis: ["fifo"],
  });
  const run = plan.runs[plan.runs.length - 1];
  executeRun(run, (o) => createAbi("fifo", o)); // warm-up
  const t0 = cpuMs();
  const r = executeRun(run, (o) => createAbi("fifo", o));
  return (r.summary.delivered as number) / ((cpuMs() - t0) / 1e3);
}

if (import.meta.main) {
  const ms = Number(Deno.args[0] ?? 100);
  const guests = Number(Deno.args[1] ?? 1000);
  hostScaleRun(5, 20); // warm-up (JIT)
  const h = hostScaleRun(ms, guests);
  const rss = Deno.memoryUsage().rss;
  const single = singleGuestRate();
  const backend = backendGuestRate();
  const sim = h.delivered / (h.runCpuMs / 1e3);
  const whole = h.delivered / ((h.setupCpuMs + h.runCpuMs) / 1e3);
  console.log(
    `host: ${guests} guests x 2 VCPUs (FIFO), ${ms} ms simulated: ${h.delivered} delivered, ` +
      `${h.events} engine events, ${h.ports} dom0 ports; CPU ${h.setupCpuMs.toFixed(0)} ms ` +
      `set-up + ${h.runCpuMs.toFixed(0)} ms simulation; rss ${(rss / 2 ** 20).toFixed(0)} MiB`,
  );
  console.log(
    `deliveries per CPU second: host ${(sim / 1e6).toFixed(3)} M (simulation), ` +
      `${(whole / 1e6).toFixed(3)} M (with set-up); single guest (M/M/1, FIFO) ` +
      `${(single / 1e6).toFixed(3)} M; host/single ${(sim / single).toFixed(2)} ` +
      `(${(whole / single).toFixed(2)} with set-up); target >= 0.5`,
  );
  console.log(
    `single guest (built-in backend-lateeoi, late EOI + softirq + kthreads, FIFO): ` +
      `${(backend / 1e6).toFixed(3)} M; host/backend-guest ${(sim / backend).toFixed(2)}`,
  );
  console.log(`rss < 1 GiB: ${rss < 2 ** 30 ? "met" : "NOT met"}`);
} else {
  Deno.bench("host: 1000 guests x 2 VCPUs, FIFO, 10 ms simulated", () => {
    hostScaleRun(10);
  });
}
