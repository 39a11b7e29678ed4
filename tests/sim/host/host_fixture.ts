/**
 * Hosts for the host tests: a host simulation of a parsed scenario, and the
 * small host that the softirq and late-EOI tests drive (one dom0 VCPU that
 * every guest notifies).
 *
 * @module
 */
import { HostSimulation } from "../../../sim/host/host.ts";
import { parseScenario, type Scenario } from "../../../sim/scenario/scenario.ts";
import type { HostWorkload } from "../../../sim/scenario/schema.ts";
import { createAbi } from "../../../models/registry.ts";
import { type Costs, resolveCosts } from "../../../models/costs.ts";

/**
 * A host simulation of `s` under `abi` (seed from the scenario, replication 0), not started.
 *
 * @example
 * ```ts
 * import { sim } from "./host_fixture.ts";
 * import { parseScenario } from "../../../sim/scenario/scenario.ts";
 * import { resolveCosts } from "../../../models/costs.ts";
 * const s = parseScenario({ name: "h", host: { guests: [{ count: 2 }] } }, "h.json");
 * const h = sim(s, "2l", resolveCosts("default"));
 * console.log(h.abiId, h.abis.length); // 2l 3
 * ```
 */
export function sim(
  s: Scenario,
  abi: string,
  costs: Costs,
  stopIssuingNs?: number,
): HostSimulation {
  return new HostSimulation(s, abi, {
    seed: s.seed,
    replication: 0,
    costs,
    factory: (o) => createAbi(abi, o),
    ...(stopIssuingNs !== undefined ? { stopIssuingNs } : {}),
  });
}

/** What differs between the hosts {@linkcode vcpu0Host} builds. */
export interface Vcpu0HostOptions {
  /** Guests of the host's one template. */
  guests: number;
  /** Virtual network interfaces per guest. */
  vifs: number;
  /** Virtual block devices per guest. */
  vbds: number;
  /** The client on each guest device. */
  workload: HostWorkload;
  /** The scenario's `duration_ms` (the host reads only its warm-up, here 0); default 50. */
  durationMs?: number;
  /** Costs of the run; default: the `default` preset. */
  costs?: Costs;
  /** Clients issue no new request from this time on (ns); default: never stop. */
  stopIssuingNs?: number;
  /** dom0's HZ; default 250. */
  dom0Hz?: number;
  /** The guests' HZ; default 250. */
  guestHz?: number;
}

/**
 * A FIFO host, not started, of a 1-VCPU dom0 whose every device port
 * notifies VCPU 0 (`notify: "vcpu0"`) and `guests` 1-VCPU guests with
 * `vifs` vifs (split event channels) and `vbds` vbds each: no warm-up, the
 * scenario's seed (1), replication 0.
 *
 * @example
 * ```ts
 * import { vcpu0Host } from "./host_fixture.ts";
 * const h = vcpu0Host({
 *   guests: 2,
 *   vifs: 1,
 *   vbds: 0,
 *   workload: { kind: "closed", window: 1, think_us: 100, devices: "net" },
 * });
 * h.start();
 * h.engine.run(5e6, h);
 * console.log(h.abiId, h.scenario.host!.dom0.vcpus, h.ringCount); // fifo 1 4
 * ```
 */
export function vcpu0Host(o: Vcpu0HostOptions): HostSimulation {
  const s = parseScenario({
    name: "h",
    duration_ms: o.durationMs ?? 50,
    warmup_ms: 0,
    host: {
      dom0: { vcpus: 1, notify: "vcpu0", hz: o.dom0Hz ?? 250 },
      guests: [{
        count: o.guests,
        vcpus: 1,
        vifs: o.vifs,
        vbds: o.vbds,
        split_event_channels: true,
        workload: o.workload,
        hz: o.guestHz ?? 250,
      }],
    },
  }, "h.json");
  return sim(s, "fifo", o.costs ?? resolveCosts("default"), o.stopIssuingNs);
}
