/**
 * Which of a host's own cost fields (`host.costs`) its runs can read: the
 * work behind each field happens only when a guest template has the traffic
 * that causes it. The robustness check holds the others fixed rather than
 * vary a cost no run charges (and then name it as a cause by chance).
 *
 * @module
 */

import type { HostCosts, HostSpec } from "../scenario/schema.ts";

/** Fields charged by any ring request: the client's request and the frontend's reaping. */
const RING_FIELDS: readonly (keyof HostCosts)[] = [
  "front_request_ns",
  "front_response_ns",
];

/**
 * The host cost fields the runs of `host` read, by the work each stands for:
 *
 * - network traffic (a template with a vif whose clients use `all` or `net`
 *   devices): netback's TX poll and the stack (`netback_tx_ns`,
 *   `stack_ns`), the `guest-rx` kthread (`netback_rx_ns`) and its wake-up
 *   (`kthread_wake_ns`);
 * - block traffic (a vbd, `all` or `blk` devices): blkback's ring kthread
 *   (`blkback_ns`, `kthread_wake_ns`);
 * - either: the frontend's request and response work, and with closed-loop
 *   clients, which block on their responses, the client's wake-up
 *   (`client_wake_ns`);
 * - emulated I/O (an HVM template with `ioreq_rate_per_s` above 0): QEMU
 *   (`qemu_ns`) and its wake-up through the evtchn device (`user_wake_ns`).
 *   xenstored and xenconsoled carry no traffic here.
 *
 * @example
 * ```ts
 * import { hostCostFieldsRead } from "./cost_use.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * const s = parseScenario({ name: "h", host: { guests: [{ count: 2, vbds: 0 }] } }, "h");
 * const read = hostCostFieldsRead(s.host!);
 * console.log(read.has("netback_tx_ns"), read.has("blkback_ns"), read.has("qemu_ns")); // true false false
 * ```
 */
export function hostCostFieldsRead(host: HostSpec): Set<keyof HostCosts> {
  const read = new Set<keyof HostCosts>();
  const add = (fields: readonly (keyof HostCosts)[]) => fields.forEach((f) => read.add(f));
  for (const t of host.guests) {
    if (t.count <= 0) continue;
    const devices = t.workload.devices;
    const net = t.vifs > 0 && devices !== "blk", blk = t.vbds > 0 && devices !== "net";
    if (net) add(["netback_tx_ns", "stack_ns", "netback_rx_ns", "kthread_wake_ns", ...RING_FIELDS]);
    if (blk) add(["blkback_ns", "kthread_wake_ns", ...RING_FIELDS]);
    if ((net || blk) && t.workload.kind === "closed") add(["client_wake_ns"]);
    if (t.kind === "hvm" && t.ioreq_rate_per_s > 0) add(["qemu_ns", "user_wake_ns"]);
  }
  return read;
}
