/**
 * The port-count answer of a host (the old `dom0-capacity` answer): how
 * many guests of a template dom0's event-channel ports allow, found by
 * allocating dom0's ports exactly as a host run does (`allocateHost`: dom0's
 * own ports, the reserve, then each guest's by Linux's and the toolstack's
 * per-device formula) for a guest count no port space can hold. Nothing is
 * simulated, so it costs milliseconds where starting that many guests would
 * take minutes.
 *
 * @module
 */

import { DEFAULT_COSTS } from "../../models/costs.ts";
import { Domain } from "../../models/hypercalls.ts";
import { ABI_IDS, createAbi } from "../../models/registry.ts";
import { allocateHost } from "../host/ports.ts";
import type { Scenario } from "../scenario/scenario.ts";

/** Guests requested to find the port limit: more than any ABI's port space holds at 1 port each. */
export const PORT_PROBE_GUESTS = 1 << 19;

/**
 * How many guests of template `template` dom0 can bind under `abi` when
 * that template's count is unbounded (the other templates as the scenario
 * has them); undefined for a scenario without a host or an ABI given by a
 * design module.
 *
 * @example
 * ```ts
 * import { portLimitGuests } from "./capacity_ports.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * const s = parseScenario({ name: "h", host: { dom0: { vcpus: 8 },
 *   guests: [{ count: 1, kind: "pv", vcpus: 1 }] } }, "h.json");
 * console.log(portLimitGuests(s, "2l:32")); // 183
 * ```
 */
export function portLimitGuests(s: Scenario, abi: string, template = 0): number | undefined {
  const host = s.host;
  if (!host || !ABI_IDS.includes(abi) || template >= host.guests.length) return undefined;
  const nv0 = host.dom0.vcpus;
  const dom0 = new Domain(
    createAbi(abi, { vcpus: nv0, wordBits: host.dom0.word_bits, costs: DEFAULT_COSTS }),
  );
  // As a host run: FIFO's control blocks first (sim/host/host.ts).
  if (dom0.isFifo) { for (let v = 0; v < nv0; v++) dom0.initControl(v); }
  const guests = host.guests.map((t, i) => i === template ? { ...t, count: PORT_PROBE_GUESTS } : t);
  return allocateHost({ ...host, guests }, dom0, host.dom0.notify).started[template];
}
