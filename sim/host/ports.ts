/**
 * Port allocation on a host (DESIGN §12): the ports each guest costs its
 * backend domain (dom0), dom0's own ports, and the lowest-free allocation of
 * all of them in guest creation order. A guest whose ports cannot all be
 * bound in dom0 does not start; it is counted, never silently dropped.
 *
 * The per-guest formula follows Linux's drivers and the toolstack:
 * - xenstore 1 and console 1 (libxl `libxl__build_pre` allocates
 *   `store_port` and `console_port`; xenstored's `new_domain()` and
 *   xenconsoled's `console_create_ring()` bind them in dom0);
 * - netback 2 ports per queue with split event channels, else 1
 *   (`drivers/net/xen-netback/netback.c`: `separate_tx_rx_irq = true`;
 *   `interface.c` `xenvif_connect_data()` binds a TX and an RX IRQ when the
 *   frontend gave two channels); queues = min(8, guest VCPUs, dom0 VCPUs)
 *   (netback `netback_init()`: `xenvif_max_queues = min(MAX_QUEUES_DEFAULT,
 *   num_online_cpus())`; netfront `netif_init()` caps its own at
 *   min(8, guest CPUs) and `talk_to_netback()` takes the smaller);
 * - blkback 1 port per ring (`drivers/block/xen-blkback/xenbus.c`
 *   `read_per_ring_refs()` reads one `event-channel` per `queue-N`); rings =
 *   min(4, guest VCPUs, dom0 VCPUs) (blkfront `xen_blkif_max_queues = 4`,
 *   capped by the guest's CPUs; blkback offers `num_online_cpus()`);
 * - HVM with QEMU in dom0: one ioreq port per guest VCPU plus one buffered
 *   (Xen `xen/common/ioreq.c` `ioreq_server_add_vcpu()`, `bufioreq_evtchn`).
 *
 * @module
 */

import type { HostGuestTemplate, HostSpec } from "../scenario/schema.ts";
import type { Domain } from "../../models/hypercalls.ts";

/** netfront/netback MAX_QUEUES_DEFAULT: at most 8 queues per vif. */
export const NET_MAX_QUEUES = 8;
/** blkfront xen_blkif_max_queues: at most 4 rings per vbd. */
export const BLK_MAX_RINGS = 4;

/** What one guest costs dom0 in ports, by device. */
export interface GuestPortCost {
  /** xenstored's port for the guest. */
  xenstore: number;
  /** xenconsoled's port for the guest's console. */
  console: number;
  /** Queues per vif. */
  netQueues: number;
  /** netback's ports (all vifs). */
  net: number;
  /** Rings per vbd. */
  blkRings: number;
  /** blkback's ports (all vbds). */
  blk: number;
  /** QEMU's ioreq ports (HVM). */
  ioreq: number;
  /** The sum. */
  total: number;
}

/**
 * The ports one guest of template `t` costs a dom0 with `dom0Vcpus` VCPUs.
 *
 * @example
 * ```ts
 * import { guestPortCost } from "./ports.ts";
 * const t = { kind: "hvm", vcpus: 4, vifs: 1, vbds: 1, split_event_channels: true } as const;
 * console.log(guestPortCost(t, 8).total); // 19
 * ```
 */
export function guestPortCost(
  t: Pick<HostGuestTemplate, "kind" | "vcpus" | "vifs" | "vbds" | "split_event_channels">,
  dom0Vcpus: number,
): GuestPortCost {
  const netQueues = Math.min(NET_MAX_QUEUES, t.vcpus, dom0Vcpus);
  const blkRings = Math.min(BLK_MAX_RINGS, t.vcpus, dom0Vcpus);
  const net = t.vifs * netQueues * (t.split_event_channels ? 2 : 1);
  const blk = t.vbds * blkRings;
  const ioreq = t.kind === "hvm" ? t.vcpus + 1 : 0;
  return {
    xenstore: 1,
    console: 1,
    netQueues,
    net,
    blkRings,
    blk,
    ioreq,
    total: 2 + net + blk + ioreq,
  };
}

/**
 * Ports a Linux domain binds for itself per VCPU: VIRQ_TIMER
 * (`arch/x86/xen/time.c`), the resched, callfunc and callfuncsingle IPIs
 * (`arch/x86/xen/smp.c` `xen_smp_intr_init()`), the PV irqwork IPI
 * (`smp_pv.c`), the spinlock kicker (`spinlock.c`), and VIRQ_DEBUG only under
 * 2-level (`smp.c`: `if (!xen_fifo_events)`, Linux d04b1ae5a9b0). A PV dom0
 * thus binds 6 per VCPU under FIFO and 7 under 2-level; an HVM/PVH guest 5
 * and 6 (no irqwork IPI).
 *
 * @example
 * ```ts
 * import { ownPortsPerVcpu } from "./ports.ts";
 * console.log(ownPortsPerVcpu("pv", true), ownPortsPerVcpu("pv", false)); // 6 7
 * ```
 */
export function ownPortsPerVcpu(kind: "pv" | "pvh" | "hvm", fifo: boolean): number {
  return 1 + 3 + (kind === "pv" ? 1 : 0) + 1 + (fifo ? 0 : 1);
}

/**
 * The CPU a newly bound port goes to under Linux 5.11 and later: the one with
 * the fewest channels, ties to the lowest (events_base.c select_target_cpu).
 * Used for dom0's backend ports (`least-loaded`) and a guest's frontend ports.
 *
 * @example
 * ```ts
 * import { leastLoaded } from "./ports.ts";
 * console.log(leastLoaded(Int32Array.of(3, 1, 1))); // 1
 * ```
 */
export function leastLoaded(channelsOnCpu: Int32Array): number {
  let best = 0;
  for (let v = 1; v < channelsOnCpu.length; v++) {
    if (channelsOnCpu[v] < channelsOnCpu[best]) best = v;
  }
  return best;
}

/**
 * Which of a VCPU's own ports is its XEN_CALL_FUNCTION_SINGLE_VECTOR IPI, in
 * the order {@linkcode ownPortsPerVcpu} lists them (VIRQ_TIMER, resched,
 * callfunc, callfuncsingle, ...): the IPI a remote wake-up sends to an idle
 * CPU (kernel/sched/core.c `ttwu_queue_wakelist`, Linux 6.0 and later).
 *
 * @example
 * ```ts
 * import { CALLFUNC_SINGLE_PORT } from "./ports.ts";
 * console.log(CALLFUNC_SINGLE_PORT); // 3
 * ```
 */
export const CALLFUNC_SINGLE_PORT = 3;

/** The port kinds of a guest's backend ports (what dom0 runs when one is notified). */
export const PK_XENSTORE = 0;
/** xenconsoled. */
export const PK_CONSOLE = 1;
/** netback TX (with split channels; or the single shared channel). */
export const PK_NET_TX = 2;
/** netback RX. */
export const PK_NET_RX = 3;
/** blkback ring. */
export const PK_BLK = 4;
/** QEMU ioreq (per VCPU or buffered). */
export const PK_IOREQ = 5;

/** A host's port layout in dom0 after every guest was created (or refused). */
export interface HostLayout {
  /** dom0's own ports (per-VCPU timers and IPIs, then the reserve). */
  dom0OwnPorts: number;
  /** Per dom0 VCPU: its call-function-single IPI port ({@linkcode CALLFUNC_SINGLE_PORT}). */
  ipiPorts: Int32Array;
  /** Per template: guests requested. */
  requested: number[];
  /** Per template: guests started. */
  started: number[];
  /** Per template: guests refused because dom0 could not bind all their ports. */
  refused: number[];
  /** Per started guest (in creation order): its template. */
  guestTemplate: Int32Array;
  /** Per started guest: index of its first port in `ports` (length guests + 1). */
  guestFirst: Int32Array;
  /** Backend ports of the started guests, guest by guest, in binding order. */
  ports: Int32Array;
  /** Per entry of `ports`: its kind (PK_*). */
  kinds: Uint8Array;
  /** Per entry of `ports`: the dom0 VCPU it notifies. */
  vcpus: Int32Array;
  /** Per dom0 VCPU: channels bound to it (Linux's channels_on_cpu). */
  channelsOnCpu: Int32Array;
  /** Ports bound in dom0 (own, reserve and backends). */
  bound: number;
}

/**
 * Allocate dom0's ports: first its own (per VCPU, then `reserved_ports` on
 * VCPU 0, where Linux binds PIRQs and global VIRQs: `__startup_pirq` binds to
 * CPU 0), then each guest's, lowest free port first (`get_free_port`), guests
 * in template order. A backend port notifies dom0 VCPU 0 under `vcpu0` (Linux
 * before 5.11: "By default all event channels notify CPU#0") or the VCPU with
 * the fewest channels under `least-loaded` (Linux 5.11+ `select_target_cpu`,
 * 93b6adbf0420; ties go to the lowest CPU). A guest whose ports do not all
 * bind is refused and the ports it got are closed again (the toolstack tears
 * the half-built domain down), so a smaller later guest may still fit.
 *
 * @example
 * ```ts
 * import { allocateHost } from "./ports.ts";
 * import { Domain } from "../../models/hypercalls.ts";
 * import { createAbi } from "../../models/registry.ts";
 * import { DEFAULT_COSTS } from "../../models/costs.ts";
 * const d = new Domain(createAbi("2l", { vcpus: 8, wordBits: 32, costs: DEFAULT_COSTS }));
 * const host = { dom0: { vcpus: 8, reserved_ports: 50 }, guests: [{ count: 300, kind: "pv",
 *   vcpus: 1, vifs: 1, vbds: 1, split_event_channels: true }] } as const;
 * console.log(allocateHost(host, d).started[0]); // 183
 * ```
 */
export function allocateHost(
  host: {
    dom0: Pick<HostSpec["dom0"], "vcpus" | "reserved_ports">;
    guests: readonly Pick<
      HostGuestTemplate,
      "count" | "kind" | "vcpus" | "vifs" | "vbds" | "split_event_channels"
    >[];
  },
  dom0: Domain,
  notify: "vcpu0" | "least-loaded" = "least-loaded",
): HostLayout {
  const nv = host.dom0.vcpus;
  const channelsOnCpu = new Int32Array(nv);
  let bound = 0;
  const bindOn = (v: number): number => {
    const p = dom0.bind(v);
    if (p > 0) {
      channelsOnCpu[v]++;
      bound++;
    }
    return p;
  };
  // dom0 is a PV domain here: 6 own ports per VCPU under FIFO, 7 under 2-level.
  const own = ownPortsPerVcpu("pv", dom0.isFifo);
  const ipiPorts = new Int32Array(nv);
  for (let v = 0; v < nv; v++) {
    for (let k = 0; k < own; k++) {
      const p = bindOn(v);
      if (k === CALLFUNC_SINGLE_PORT) ipiPorts[v] = p;
    }
  }
  for (let k = 0; k < host.dom0.reserved_ports; k++) bindOn(0);
  const dom0OwnPorts = bound;
  const pick = (): number => (notify === "vcpu0" ? 0 : leastLoaded(channelsOnCpu));
  const ports: number[] = [], kinds: number[] = [], vcpus: number[] = [];
  const guestTemplate: number[] = [], guestFirst: number[] = [0];
  const requested: number[] = [], started: number[] = [], refused: number[] = [];
  host.guests.forEach((t, ti) => {
    requested.push(t.count);
    started.push(0);
    refused.push(0);
    const cost = guestPortCost(t, nv);
    const plan: number[] = [PK_XENSTORE, PK_CONSOLE];
    for (let i = 0; i < t.vifs; i++) {
      for (let q = 0; q < cost.netQueues; q++) {
        plan.push(PK_NET_TX);
        if (t.split_event_channels) plan.push(PK_NET_RX);
      }
    }
    for (let i = 0; i < cost.blk; i++) plan.push(PK_BLK);
    for (let i = 0; i < cost.ioreq; i++) plan.push(PK_IOREQ);
    for (let g = 0; g < t.count; g++) {
      const first = ports.length;
      let ok = true;
      for (const kind of plan) {
        const v = pick();
        const p = bindOn(v);
        if (p < 0) {
          ok = false;
          break;
        }
        ports.push(p);
        kinds.push(kind);
        vcpus.push(v);
      }
      if (!ok) {
        while (ports.length > first) {
          const p = ports.pop()!;
          kinds.pop();
          const v = vcpus.pop()!;
          dom0.close(p);
          channelsOnCpu[v]--;
          bound--;
        }
        refused[ti]++;
        continue;
      }
      started[ti]++;
      guestTemplate.push(ti);
      guestFirst.push(ports.length);
    }
  });
  return {
    dom0OwnPorts,
    ipiPorts,
    requested,
    started,
    refused,
    guestTemplate: Int32Array.from(guestTemplate),
    guestFirst: Int32Array.from(guestFirst),
    ports: Int32Array.from(ports),
    kinds: Uint8Array.from(kinds),
    vcpus: Int32Array.from(vcpus),
    channelsOnCpu,
    bound,
  };
}
