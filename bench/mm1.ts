/**
 * The M/M/1 benchmark scenario (README: Validation, Performance): zero costs, one VCPU, many
 * ports so coalescing is negligible, Poisson arrivals and exponential service.
 *
 * @module
 */

import { executeRun, type RunResult } from "../sim/run/run.ts";
import { parseScenario, type Scenario } from "../sim/scenario/scenario.ts";
import { createAbi } from "../models/registry.ts";

/** Options of the M/M/1 scenario. */
export interface Mm1Options {
  /** Utilisation λ/μ (default 0.5). */
  rho?: number;
  /** Mean service time in ns (default 1000). */
  serviceNs?: number;
  /** Simulated time in ms after the warm-up (default 1000). */
  durationMs?: number;
  /** Number of ports the arrivals spread over (default 4000). */
  ports?: number;
}

/**
 * Build the M/M/1 scenario.
 *
 * @example
 * ```ts
 * import { mm1Scenario } from "./mm1.ts";
 * const s = mm1Scenario({ durationMs: 1 });
 * console.log(s.groups[0].ports); // 4000
 * ```
 */
export function mm1Scenario(o: Mm1Options = {}): Scenario {
  const rho = o.rho ?? 0.5, serviceNs = o.serviceNs ?? 1000;
  return parseScenario({
    name: "mm1",
    duration_ms: o.durationMs ?? 1000,
    warmup_ms: 1,
    replications: 1,
    costs: "zero",
    guest: { vcpus: 1 },
    groups: [{
      name: "q",
      ports: o.ports ?? 4000,
      arrival: { kind: "poisson", rate_per_s: rho * 1e9 / serviceNs },
      service: { kind: "exp", mean_ns: serviceNs },
    }],
  }, "bench:mm1");
}

/**
 * Run the M/M/1 scenario through one ABI.
 *
 * @example
 * ```ts
 * import { mm1Scenario, runMm1 } from "./mm1.ts";
 * const r = runMm1(mm1Scenario({ durationMs: 1 }), "fifo");
 * console.log(r.summary.delivered as number > 0); // true
 * ```
 */
export function runMm1(scenario: Scenario, abi: string): RunResult {
  return executeRun(
    { index: 0, id: "mm1", scenario, abi, replication: 0, seed: 1, point: 0, params: {} },
    (o) => createAbi(abi, o),
  );
}

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
