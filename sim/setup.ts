/**
 * Domain set-up for one run: create the ABI model, bind every group's ports,
 * give them their priorities and VCPUs. The result is the fixed port layout
 * the guest runtime, workloads and metrics index by port number.
 *
 * @module
 */

import { type AbiFactory, type EventChannelAbi, PRIORITY_DEFAULT } from "../models/abi.ts";
import type { Costs } from "../models/costs.ts";
import type { Scenario } from "./scenario.ts";

/** The bound ports of a domain, indexed by port number. */
export interface DomainSetup {
  /** The model the run uses (under `fallback-2l` this may be a 2-level model). */
  abi: EventChannelAbi;
  /** Per port: index of its group, or -1 when unbound. Length `abi.maxPorts`. */
  portGroup: Int32Array;
  /** Per port: the priority its group asked for (0..15; 7 by default, timers 0). */
  portPriority: Uint8Array;
  /** Per port: the VCPU it was bound to at set-up. */
  portVcpu: Int32Array;
  /** Per group: its bound ports, in binding order. */
  groupPorts: Int32Array[];
  /** Per group: the number of ports it asked for. */
  groupRequested: number[];
  /** Ports that failed to bind (over the limit, no space). */
  bindFailures: number;
  /** Hypercalls made during set-up. */
  hypercalls: number;
  /** Per VCPU: 1 when online (receives events), 0 when taken offline. */
  vcpuOnline: Uint8Array;
}

/** The priority a group's ports get: its `priority`, else 0 for timers, else 7. */
export function groupPriority(g: Scenario["groups"][number]): number {
  return g.priority ?? (g.timer ? 0 : PRIORITY_DEFAULT);
}

/**
 * Bind every group's ports through the model, lowest free port first, and
 * return the layout.
 *
 * @example
 * ```ts
 * import { setupDomain } from "./setup.ts";
 * import { parseScenario } from "./scenario.ts";
 * import { createAbi } from "../models/registry.ts";
 * import { DEFAULT_COSTS } from "../models/costs.ts";
 * const s = parseScenario({ name: "t", groups: [{ name: "g", ports: 4,
 *   arrival: { kind: "poisson", rate_per_s: 1 }, service: { kind: "const", ns: 1 } }] }, "t");
 * const d = setupDomain(s, (o) => createAbi("2l", o), DEFAULT_COSTS);
 * console.log(d.groupPorts[0].length); // 4
 * ```
 */
export function setupDomain(s: Scenario, factory: AbiFactory, costs: Costs): DomainSetup {
  const vcpus = s.guest.vcpus;
  const abi = factory({ vcpus, wordBits: s.guest.word_bits, costs });
  const max = abi.maxPorts;
  const limit = Math.min(max - 1, s.guest.max_evtchn_port ?? max - 1);
  const portGroup = new Int32Array(max).fill(-1);
  const portPriority = new Uint8Array(max).fill(PRIORITY_DEFAULT);
  const portVcpu = new Int32Array(max).fill(-1);
  const vcpuOnline = new Uint8Array(vcpus).fill(1);
  const groupPorts: Int32Array[] = [];
  const groupRequested: number[] = [];
  let bindFailures = 0;
  let hypercalls = 0;
  let nextPort = 1;
  let spread = 0;
  s.groups.forEach((g, gi) => {
    const total = g.vcpu === "each" ? g.ports * vcpus : g.ports;
    groupRequested.push(total);
    const bound: number[] = [];
    const prio = groupPriority(g);
    for (let i = 0; i < total; i++) {
      const vcpu = g.vcpu === "each"
        ? Math.floor(i / g.ports)
        : g.vcpu === "spread"
        ? spread++ % vcpus
        : g.vcpu;
      hypercalls++;
      if (nextPort > limit || abi.bind(nextPort, vcpu) < 0) {
        bindFailures++;
        continue;
      }
      const port = nextPort++;
      if (abi.hasPriorities && prio !== PRIORITY_DEFAULT) {
        hypercalls++;
        abi.setPriority(port, prio);
      }
      if (g.timer) abi.setTimerPort(vcpu, port);
      portGroup[port] = gi;
      portPriority[port] = prio;
      portVcpu[port] = vcpu;
      bound.push(port);
    }
    groupPorts.push(Int32Array.from(bound));
  });
  return {
    abi,
    portGroup,
    portPriority,
    portVcpu,
    groupPorts,
    groupRequested,
    bindFailures,
    hypercalls,
    vcpuOnline,
  };
}
