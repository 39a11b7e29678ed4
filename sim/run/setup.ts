/**
 * Domain set-up for one run: create the ABI model, bring up its VCPUs
 * (EVTCHNOP_init_control for FIFO-family ABIs), bind every group's ports
 * through the hypercall layer, give them their priorities and VCPUs. The
 * result is the fixed port layout the guest runtime, workloads and metrics
 * index by port number.
 *
 * @module
 */

import { type AbiFactory, type EventChannelAbi, PRIORITY_DEFAULT } from "../../models/abi.ts";
import type { Costs } from "../../models/costs.ts";
import { Domain } from "../../models/hypercalls.ts";
import { TwoLevelAbi } from "../../models/two_level.ts";
import type { Scenario } from "../scenario/scenario.ts";

/** The bound ports of a domain, indexed by port number. */
export interface DomainSetup {
  /** The model the run uses (under `fallback-2l` this may be a 2-level model). */
  abi: EventChannelAbi;
  /**
   * Per port: index of its group, or -1 when unbound. Length: the highest
   * bound port + 1 (not `abi.maxPorts`), so that per-port arrays and loops
   * cover the bound ports only; a port beyond it is unbound.
   */
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
  /** The hypercall layer over `abi`, for hypercalls made during the run (unmask, set_priority, bind_vcpu). */
  domain: Domain;
  /** Whether a failed init_control made the domain fall back to the 2-level ABI. */
  fellBackTo2l: boolean;
  /** EVTCHNOP_init_control calls that failed. */
  initControlFailures: number;
}

/**
 * The priority a group's ports get: its `priority`, else 0 for timers
 * (Linux xen_setup_timer: XEN_IRQ_PRIORITY_MAX), else 7.
 *
 * @example
 * ```ts
 * import { groupPriority } from "./setup.ts";
 * console.log(groupPriority({ timer: true } as never)); // 0
 * ```
 */
export function groupPriority(g: Scenario["groups"][number]): number {
  return g.priority ?? (g.timer ? 0 : PRIORITY_DEFAULT);
}

/** The first online VCPU at or after `v` (cyclically); ports of an offlined VCPU move there. */
function onlineVcpu(v: number, online: Uint8Array): number {
  const n = online.length;
  for (let k = 0; k < n; k++) {
    const c = (v + k) % n;
    if (online[c] !== 0) return c;
  }
  return v;
}

/**
 * Bring the domain up and bind every group's ports through the hypercall
 * layer (lowest free port first), and return the layout.
 *
 * FIFO-family ABIs (those with `initControl`) call EVTCHNOP_init_control for
 * every VCPU first; `faults.init_control_fail_vcpus` makes it fail with
 * -ENOMEM. A failure on the boot VCPU (0) always falls back to 2-level for
 * all VCPUs (FIFO draft B: "continue to use the 2-level event channel ABI").
 * On another VCPU, `init_fail_policy` decides: `"offline"` (the draft's rule:
 * the VCPU is offlined and its ports are bound to the next online VCPU) or
 * `"fallback-2l"` (the review's proposal: the whole domain uses a 2-level
 * model with the same options, after an EVTCHNOP_reset, counted as a
 * hypercall, when some control block was already set up).
 *
 * @example
 * ```ts
 * import { setupDomain } from "./setup.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * import { createAbi } from "../../models/registry.ts";
 * import { DEFAULT_COSTS } from "../../models/costs.ts";
 * const s = parseScenario({ name: "t", groups: [{ name: "g", ports: 4,
 *   arrival: { kind: "poisson", rate_per_s: 1 }, service: { kind: "const", ns: 1 } }] }, "t");
 * const d = setupDomain(s, (o) => createAbi("2l", o), DEFAULT_COSTS);
 * console.log(d.groupPorts[0].length); // 4
 * ```
 */
export function setupDomain(s: Scenario, factory: AbiFactory, costs: Costs): DomainSetup {
  const vcpus = s.guest.vcpus;
  const options = { vcpus, wordBits: s.guest.word_bits, costs };
  const limitOptions = { maxEvtchnPort: s.guest.max_evtchn_port };
  let abi = factory(options);
  let domain = new Domain(abi, {
    ...limitOptions,
    initControlFailVcpus: s.faults.init_control_fail_vcpus,
  });
  const vcpuOnline = new Uint8Array(vcpus).fill(1);
  let fellBackTo2l = false;
  let initControlFailures = 0;
  let earlierHypercalls = 0;
  if (domain.isFifo) {
    for (let v = 0; v < vcpus; v++) {
      if (domain.initControl(v) >= 0) continue;
      initControlFailures++;
      if (v === 0 || s.init_fail_policy === "fallback-2l") {
        fellBackTo2l = true;
        break;
      }
      vcpuOnline[v] = 0;
    }
    if (fellBackTo2l) {
      // EVTCHNOP_reset (DOMID_SELF) tears FIFO down and reverts to 2-level.
      earlierHypercalls = domain.hypercalls + (domain.fifoActive ? 1 : 0);
      abi = new TwoLevelAbi(options, s.guest.word_bits === 32 ? "2l:32" : "2l");
      domain = new Domain(abi, limitOptions);
      vcpuOnline.fill(1);
    }
  }
  const bindings: number[] = []; // (port, group, priority, VCPU) per bound port
  const groupPorts: Int32Array[] = [];
  const groupRequested: number[] = [];
  let bindFailures = 0;
  let spread = 0;
  let top = 0;
  // Per-VCPU groups ("each": timers, IPIs) exist only on online VCPUs: an offlined VCPU has none.
  const online: number[] = [];
  for (let v = 0; v < vcpus; v++) if (vcpuOnline[v] !== 0) online.push(v);
  s.groups.forEach((g, gi) => {
    const total = g.vcpu === "each" ? g.ports * online.length : g.ports;
    groupRequested.push(total);
    const bound: number[] = [];
    const prio = groupPriority(g);
    for (let i = 0; i < total; i++) {
      const asked = g.vcpu === "each"
        ? online[Math.floor(i / g.ports)]
        : g.vcpu === "spread"
        ? spread++ % vcpus
        : g.vcpu;
      const vcpu = vcpuOnline[asked] !== 0 ? asked : onlineVcpu(asked, vcpuOnline);
      const port = domain.bind(vcpu);
      if (port < 0) {
        bindFailures++;
        continue;
      }
      if (abi.hasPriorities && prio !== PRIORITY_DEFAULT) domain.setPriority(port, prio);
      if (g.timer) abi.setTimerPort(vcpu, port);
      bindings.push(port, gi, prio, vcpu);
      if (port > top) top = port;
      bound.push(port);
    }
    groupPorts.push(Int32Array.from(bound));
  });
  // Sized to the bound ports, not to the ABI's maximum: a FIFO domain with a
  // few hundred ports needs kilobytes here, not megabytes per run.
  const portGroup = new Int32Array(top + 1).fill(-1);
  const portPriority = new Uint8Array(top + 1).fill(PRIORITY_DEFAULT);
  const portVcpu = new Int32Array(top + 1).fill(-1);
  for (let i = 0; i < bindings.length; i += 4) {
    const port = bindings[i];
    portGroup[port] = bindings[i + 1];
    portPriority[port] = bindings[i + 2];
    portVcpu[port] = bindings[i + 3];
  }
  return {
    abi,
    portGroup,
    portPriority,
    portVcpu,
    groupPorts,
    groupRequested,
    bindFailures,
    hypercalls: earlierHypercalls + domain.hypercalls,
    vcpuOnline,
    domain,
    fellBackTo2l,
    initControlFailures,
  };
}
