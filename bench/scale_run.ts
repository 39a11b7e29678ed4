/**
 * The scale target (README: Performance): one run with 131071 ports on 512 VCPUs
 * (FIFO's whole port space, port 0 reserved) in under 1 GiB. Measure the
 * process's maximum resident set with
 * `/usr/bin/time -v deno task bench:scale [abi] [duration_ms]`.
 *
 * @module
 */

import { executeRun } from "../sim/run/run.ts";
import { parseScenario, type Scenario } from "../sim/scenario/scenario.ts";
import { createAbi } from "../models/registry.ts";

/**
 * The scale scenario: a per-VCPU timer plus 131071 - 512 network ports spread over 512 VCPUs.
 *
 * @example
 * ```ts
 * import { scaleScenario } from "./scale_run.ts";
 * const s = scaleScenario(1);
 * console.log(s.groups.reduce((n, g) => n + g.ports, 0) + 511); // 131071
 * ```
 */
export function scaleScenario(durationMs: number): Scenario {
  const vcpus = 512;
  return parseScenario({
    name: "scale",
    duration_ms: durationMs,
    warmup_ms: 1,
    replications: 1,
    guest: { vcpus },
    groups: [
      {
        name: "timer",
        ports: 1,
        vcpu: "each",
        timer: true,
        arrival: { kind: "periodic", period_us: 1000 },
        service: { kind: "const", ns: 1500 },
      },
      {
        name: "net",
        ports: 131071 - vcpus,
        vcpu: "spread",
        arrival: { kind: "poisson", rate_per_s: 20_000_000 },
        service: { kind: "exp", mean_ns: 2000 },
      },
    ],
  }, "bench:scale");
}

if (import.meta.main) {
  const abi = Deno.args[0] ?? "fifo";
  const ms = Number(Deno.args[1] ?? 20);
  const s = scaleScenario(ms);
  const r = executeRun(
    { index: 0, id: "scale", scenario: s, abi, replication: 0, seed: 1, point: 0, params: {} },
    (o) => createAbi(abi, o),
  );
  const mem = Deno.memoryUsage();
  console.log(
    `${abi}: ${s.groups[1].ports + s.guest.vcpus} ports on ${s.guest.vcpus} VCPUs, ${ms} ms: ` +
      `${r.summary.delivered} delivered, ${r.simEvents} events, bind failures ${r.summary.bind_failures}, ` +
      `${r.wallMs.toFixed(0)} ms wall; heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, ` +
      `rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB`,
  );
}
