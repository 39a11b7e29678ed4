/**
 * A host: dom0 and its guests exchanging requests and responses over shared
 * rings, each domain with its own event-channel ABI model (DESIGN §12).
 *
 * Every domain's VCPUs run a compact Linux-like runtime: a VCPU executes one
 * work item at a time, hard-IRQ work (the upcall loop of
 * `drivers/xen/events/events_base.c` `__xen_evtchn_do_upcall`) before softirq
 * work (NAPI polls run by `net_rx_action`) before thread work (kthreads and
 * the guests' client threads, round robin). An item is never cut short: a new
 * upcall waits for the item in progress, which is short (one request's work).
 *
 * A request travels as in Linux (docs/explanation/host.md has every step with
 * its source):
 * - block: the client thread puts it on the blkif ring and notifies if
 *   `RING_PUSH_REQUESTS_AND_CHECK_NOTIFY` says so (EVTCHNOP_send);
 *   `xen_blkif_be_int` in dom0 only wakes the ring's kthread, which consumes
 *   requests and answers each (`make_response`: push and check) until
 *   `RING_FINAL_CHECK_FOR_REQUESTS` finds none, then sleeps and takes its
 *   late EOI; the guest's `blkif_interrupt` consumes responses in hard-IRQ
 *   context until `RING_FINAL_CHECK_FOR_RESPONSES` finds none, then takes its
 *   late EOI.
 * - network ping-pong: the client puts a packet on the TX ring
 *   (`xennet_start_xmit`); netback's `xenvif_tx_interrupt` schedules NAPI,
 *   whose poll (`xenvif_tx_action`, weight 64) consumes it, answers the TX
 *   request and hands the packet to dom0's stack, whose echo is queued for the
 *   queue's `guest-rx` kthread (`xenvif_start_xmit` wakes it); the kthread
 *   copies up to 64 packets (`RX_BATCH_SIZE`) and pushes their RX responses
 *   (`xenvif_rx_copy_flush`); the guest's `xennet_rx_interrupt` schedules its
 *   NAPI poll and takes its late EOI at once (Linux 5.16+, XSA-391), the poll
 *   consumes the responses and re-arms with the final check. TX responses are
 *   reaped by `xennet_tx_interrupt` in hard-IRQ context.
 *
 * Physical CPUs: with `pcpus: "dedicated"` every VCPU has its own. With a
 * number, dom0's VCPUs are pinned one per physical CPU and the guests' VCPUs
 * share the rest under a credit2-like scheduler (`credit2.ts`): a guest VCPU
 * with work wakes into the runqueue and runs when the scheduler gives it a
 * CPU; preempted, its item resumes where it stopped.
 *
 * @module
 */

import type { AbiFactory, EventChannelAbi } from "../../models/abi.ts";
import type { Costs } from "../../models/costs.ts";
import { Domain } from "../../models/hypercalls.ts";
import { createAbi } from "../../models/registry.ts";
import { Engine } from "../engine/engine.ts";
import { RandomStream } from "../engine/random.ts";
import { LatencyCounts } from "../run/histogram.ts";
import type { HostSpec, Scenario } from "../scenario/schema.ts";
import {
  allocateHost,
  CALLFUNC_SINGLE_PORT,
  guestPortCost,
  type HostLayout,
  leastLoaded,
  ownPortsPerVcpu,
  PK_IOREQ,
} from "./ports.ts";
import { BLKIF_RING_SIZE, NETIF_RING_SIZE, Rings } from "./ring.ts";
import { Credit2 } from "./credit2.ts";
import { GuestHistograms } from "./guest_hist.ts";
import { ItemLists } from "../run/item_lists.ts";
import { rebuildPollList, SOFTIRQ, SoftirqControl } from "../run/softirq.ts";
import { DEFER_SPURIOUS, EOI_LISTED, EOI_NOW, LateEoi } from "../run/late_eoi.ts";

// Engine event kinds of a host run.
const EV_STEP = 1, EV_RAISE = 2, EV_ISSUE = 3, EV_WARMUP_END = 4, EV_SLICE = 5;
const EV_IOREQ = 6, EV_IODONE = 7, EV_LATE_EOI = 8;
/** Device classes per guest template (slot `CLASSES * template + class`): netif, blkif, ioreq. */
export const CLASSES = 3;
/** The device class of HVM ioreqs (0 netif, 1 blkif). */
export const CLS_IOREQ = 2;

/** Ring kind: a blkif ring. */
export const R_BLK = 0;
/** Ring kind: a netif TX ring (the guest's requests carry packets to dom0). */
export const R_NET_TX = 1;
/** Ring kind: a netif RX ring (dom0's responses carry packets to the guest). */
export const R_NET_RX = 2;

/** Work item: an event handler (hard IRQ; its argument is the port). */
export const IT_HANDLER = 3;
/** Work item: one response consumed in hard-IRQ context (argument: the ring). */
export const IT_IRQ_RSP = 4;
/** Work item: one NAPI poll step (argument: the ring). */
export const IT_POLL = 5;
/** Work item: one step of a thread (argument: the thread, `2 * ring + side` or QEMU's). */
export const IT_THREAD = 6;
/**
 * Work item: a frontend's hard-IRQ handler and the first response it reaps,
 * as one item (IT_HANDLER then IT_IRQ_RSP, one engine event fewer; see
 * `pick`; argument: the ring). A tracer sees its two parts.
 */
export const IT_HANDLER_RSP = 7;
/**
 * Work item: a woken closed-loop client's wake-up and the switch to it,
 * before its `recv()` (or block read) returns (argument: the thread).
 */
export const IT_WAKE = 8;

/**
 * Receives what a host's VCPUs and Xen do, for timelines (`host_trace.ts`).
 * Called only when a tracer is set; times in ns.
 *
 * @example
 * ```ts
 * import type { HostTracer } from "./host.ts";
 * const items: number[] = [];
 * const t: HostTracer = {
 *   item: (_u, kind) => void items.push(kind),
 *   raise: () => {},
 *   upcall: () => {},
 *   off: () => {},
 *   on: () => {},
 * };
 * t.item(0, 3, 5, 0, 1000, 500);
 * console.log(items); // [ 3 ]
 * ```
 */
export interface HostTracer {
  /** An item of `kind` (`IT_*`) with `arg` in context `ctx` begins on VCPU `u` at `start`, for `ns`. */
  item(u: number, kind: number, arg: number, ctx: number, start: number, ns: number): void;
  /** Xen raised `port` of domain `dom` at `t` (outcome 0 new, 1 coalesced, 2 dropped), kicking `vcpu` (-1: none). */
  raise(t: number, dom: number, port: number, outcome: number, vcpu: number): void;
  /** VCPU `u`, kicked to arrive at `at`, enters its upcall at `t`, which costs `ns`. */
  upcall(u: number, at: number, t: number, ns: number): void;
  /** VCPU `u` is off a CPU from `t`: `why` 0 preempted, 1 stalled for QEMU, 2 woken, waiting for one. */
  off(u: number, t: number, why: number): void;
  /** VCPU `u` is given a CPU at `t`. */
  on(u: number, t: number): void;
}

/** Execution contexts, for CPU time per context. */
export const CTX_HARDIRQ = 0;
/** Softirq (NAPI polls). */
export const CTX_SOFTIRQ = 1;
/** Kernel threads (blkback's ring thread, netback's guest-rx thread). */
export const CTX_KTHREAD = 2;
/** User space (the guests' clients; dom0's daemons, which carry no traffic here). */
export const CTX_USER = 3;
const CTXS = 4;
/** netback common.h: a netif queue's eoi_pending bits. */
const NETBK_RX_EOI = 0x01, NETBK_TX_EOI = 0x02, NETBK_COMMON_EOI = 0x04;

/** linux/netdevice.h NAPI_POLL_WEIGHT; netback's XENVIF_NAPI_WEIGHT and netfront's poll weight. */
const NAPI_WEIGHT = SOFTIRQ.napiWeight;
/** A VCPU's poll lists (`POLL_LISTS * vcpu + list`): sd->poll_list, net_rx_action's own list, its repoll list. */
const POLL_LISTS = 3, L_SD = 0, L_TAKEN = 1, L_REPOLL = 2;
/** netback rx.c RX_BATCH_SIZE: skbs one guest-rx pass copies before it pushes responses. */
const RX_BATCH_SIZE = 64;

/** Options of a host run. */
export interface HostRunOptions {
  /** The run's master seed and replication (random streams). */
  seed: number;
  /** Replication index. */
  replication: number;
  /** The factory of dom0's ABI (the ABI under comparison). */
  factory: AbiFactory;
  /** Resolved costs. */
  costs: Costs;
  /** Clients issue no new request from this time on (ns); default: never stop. */
  stopIssuingNs?: number;
  /** Stop the engine after this many events. */
  maxEvents?: number;
}

/**
 * One host run's simulation state (struct of typed arrays; numeric ids:
 * domain 0 is dom0, guests 1..G; VCPUs numbered across domains; rings and
 * devices numbered across guests).
 */
export class HostSimulation {
  /** The event engine of the run. */
  readonly engine: Engine;
  /** Event-channel costs (ns). */
  readonly costs: Costs;
  /** Host-side costs (ns). */
  readonly hc: HostSpec["costs"];
  /** dom0's port layout. */
  readonly layout: HostLayout;
  /**
   * Per VCPU, dom0's and the guests': its call-function-single IPI port in
   * its own domain (dom0's from `layout.ipiPorts`).
   */
  readonly ipiPort: Int32Array;
  /** Every ring of the host. */
  readonly rings: Rings;
  /** Per domain (0 dom0, then the started guests): its ABI model. */
  readonly abis: EventChannelAbi[] = [];
  /** Per domain: its hypercall layer. */
  readonly domains: Domain[] = [];
  // Domains.
  /** Per domain: its first VCPU number (length domains + 1). */
  readonly vcpuBase: Int32Array;
  /** Per domain: its offset into `portRing` (length domains + 1). */
  readonly portBase: Int32Array;
  /** Per domain: one more than its highest port with a ring. */
  readonly portTop: Int32Array;
  // Per (domain, port) through portBase: the ring it serves (-1 none).
  /** Per (domain, port), at `portBase[domain] + port`: the ring the port serves, or -1. */
  portRing!: Int32Array;
  // VCPUs.
  /** Per VCPU: its domain. */
  readonly vcpuDom: Int32Array;
  /** Per VCPU: 1 while a work item runs. */
  readonly running: Uint8Array;
  /** Per VCPU: generation of its pending step (older steps are ignored). */
  readonly stepGen: Int32Array;
  /** Per VCPU: time of its pending step (Infinity: none). */
  readonly stepAt: Float64Array;
  /** Per VCPU: kind of the work item in progress. */
  readonly itemKind: Uint8Array;
  /** Per VCPU: the item's argument (a port, ring or thread). */
  readonly itemArg: Int32Array;
  /** Per VCPU: a second argument of the item (QEMU: the guest VCPU it answers). */
  readonly itemArg2: Int32Array;
  /** Per VCPU: the item's execution context. */
  readonly itemCtx: Uint8Array;
  /** Per VCPU: when the item started. */
  readonly itemStart: Float64Array;
  /** Per VCPU: time owed before its next item (ns). */
  readonly debt: Float64Array;
  /** Per VCPU: busy with owed time until then (no item runs). */
  readonly busyUntil: Float64Array;
  /** Per VCPU: 1 inside its upcall loop. */
  readonly inLoop: Uint8Array;
  /** Per VCPU: 1 when an upcall is on its way. */
  readonly upcallWanted: Uint8Array;
  /** Per VCPU: when that upcall arrives. */
  readonly deliverAt: Float64Array;
  /** Per VCPU: the ring whose responses its hard-IRQ handler is consuming, or -1. */
  readonly irqRing: Int32Array;
  /**
   * Per VCPU, its NAPI polls (rings) on three lists (`POLL_LISTS * vcpu +
   * list`): the poll list (`sd->poll_list`), the polls net_rx_action has
   * taken and not yet run, and those to repoll.
   */
  readonly polls: ItemLists;
  /**
   * Per domain: the loop control of `__do_softirq` and `net_rx_action`
   * (kernel/softirq.c, net/core/dev.c) of its VCPUs, at the domain's HZ
   * (VCPUs host-wide; domains of one HZ share one).
   */
  readonly softirq: SoftirqControl[] = [];
  /** Per VCPU: while a `__do_softirq` runs on it, 1 (at irq_exit) or 2 (in ksoftirqd); else 0. */
  readonly inSoftirq: Uint8Array;
  /** Per VCPU: the ring whose poll net_rx_action is running, or -1. */
  readonly pollRing: Int32Array;
  /** Per VCPU: 1 while its ksoftirqd is woken (`wakeup_softirqd`) and not yet asleep. */
  readonly ksoftirqd: Uint8Array;
  /** Per VCPU: thread items left before its ksoftirqd's next turn. */
  readonly ktLeft: Int32Array;
  /** Per VCPU: its runnable threads, in turn order (list `vcpu`). */
  readonly threads: ItemLists;
  /** Per VCPU and context (`4 * vcpu + ctx`): busy time while measuring (ns). */
  readonly busy: Float64Array;
  // Rings.
  /** Per ring: blkif, netif TX or netif RX. */
  readonly ringKind: Uint8Array;
  /** Per ring: the device whose client uses it, or -1. */
  readonly ringDev: Int32Array;
  /** Per ring: the dom0 VCPU its backend port notifies. */
  readonly ringU0: Int32Array;
  /** Per ring: the guest VCPU its frontend port notifies. */
  readonly ringUg: Int32Array;
  /** Per ring: its port in dom0. */
  readonly ringPort0: Int32Array;
  /** Per ring: its port in the guest. */
  readonly ringPortG: Int32Array;
  /** Per ring: 1 while its NAPI poll is scheduled (NAPI_STATE_SCHED). */
  readonly softOn: Uint8Array;
  /** Per ring: packets its current poll has taken (against the weight). */
  readonly pollDone: Int32Array;
  /** Per netif RX ring: packets dom0's stack queued for the guest-rx kthread. */
  readonly rxQueued: Int32Array;
  /** Per netif RX ring: packets copied and not yet pushed. */
  readonly rxBatch: Int32Array;
  /**
   * Per (ring, side) at `2 * ring + side` (0 the frontend, 1 the backend):
   * 1 when the side's handler or kthread consumed something since its last
   * late EOI (the EOI is XEN_EOI_FLAG_SPURIOUS when 0).
   */
  readonly eoiWork: Uint8Array;
  /** Per netif RX ring: netfront's rx_rsp_unconsumed (responses it has seen, not consumed). */
  readonly rxSeen: Int32Array;
  /** Per netif TX ring: its queue's eoi_pending bits (netback common.h, `NETBK_*_EOI`). */
  readonly eoiPending: Uint8Array;
  /**
   * Per domain: Linux's late-EOI bookkeeping (loop control, spurious
   * backoff) at the domain's HZ, whose jiffies it counts: ports at
   * `portBase[domain] + port`, VCPUs host-wide (domains of one HZ share one).
   */
  readonly lateEoi: LateEoi[] = [];
  /** Per domain: its kernel's HZ (`host.dom0.hz`, a template's `hz`). */
  readonly hz: Int32Array;
  // Threads: 2 * ring + side (0 the frontend's client, 1 the backend's kthread).
  /** Per thread: 1 while runnable. */
  readonly thrOn: Uint8Array;
  /** Per thread: 1 when its next item pays the kthread wake-up. */
  readonly thrWake: Uint8Array;
  /** Per thread: the VCPU it runs on. */
  readonly thrU: Int32Array;
  /** Per thread: `p->recent_used_cpu` of select_idle_sibling, or -1. */
  readonly thrRecent: Int32Array;
  /** Per ring: 1 while its client waits for a free slot. */
  readonly stalled: Uint8Array;
  // Devices (one client each).
  /** Per device: its guest (0-based among the started guests). */
  readonly devGuest: Int32Array;
  /** Per device: its guest template. */
  readonly devTemplate: Int32Array;
  /** Per device: the ring its requests go on. */
  readonly devReq: Int32Array;
  /** Per device: the ring whose responses complete its requests. */
  readonly devRsp: Int32Array;
  /** Per device: requests issued. */
  readonly issued: Float64Array;
  /** Per device: requests put on the ring. */
  readonly pushed: Float64Array;
  /** Per device: requests completed. */
  readonly completed: Float64Array;
  /**
   * Per device: responses consumed on another VCPU than its closed-loop
   * client's, which the client has not yet read (woken, not yet run).
   */
  readonly unread: Int32Array;
  /** Per device: sum of its measured round trips (ns). */
  readonly devRt: Float64Array;
  /** Per device: number of its measured round trips. */
  readonly devRtN: Float64Array;
  /**
   * Issue times of the outstanding requests, every device's circular buffer
   * in one array: device d's request k at `issueOff[d] + k % issueCap[d]`
   * (one allocation for all devices, so a request's bookkeeping touches one
   * cache line rather than an object and its own buffer).
   */
  issueAt: Float64Array;
  /** Per device: where its circular buffer starts in `issueAt`. */
  readonly issueOff: Int32Array;
  /** Per device: its circular buffer's length. */
  readonly issueCap: Int32Array;
  /** Entries of `issueAt` handed out so far. */
  issueTop = 0;
  /** Per device: its client's random stream. */
  readonly rng: RandomStream[];
  /** Per device: 1 for a closed-loop client. */
  readonly closed: Uint8Array;
  /** Per device: a closed client's window. */
  readonly window: Int32Array;
  /** Per device: a closed client's mean think time (ns). */
  readonly thinkNs: Float64Array;
  /** Per device: an open client's rate (requests per ns). */
  readonly ratePerNs: Float64Array;
  // Metrics.
  /** Whether the warm-up is over. */
  measuring = false;
  /** When measurement started (ns). */
  measureFrom = 0;
  /** Clients issue nothing from this time on (ns). */
  stopIssuingNs: number;
  /** Per (template, device class) slot `2 * template + class` (0 net, 1 blk): round trips. */
  readonly rt: LatencyCounts[];
  /** Per slot: requests completed while measuring. */
  readonly tplRequests: Float64Array;
  /** Per slot: notifications sent (both ways) while measuring. */
  readonly tplEvents: Float64Array;
  /** Per slot: events whose handler found no work (spurious), while measuring. */
  readonly tplSpurious: Float64Array;
  /** Per device: its slot. */
  readonly devSlot: Int32Array;
  // Per started guest and device class (a "guest slot"; only the classes a guest uses).
  /** Per `CLASSES * guest + class`: its guest slot, or -1 when the guest has no such traffic. */
  readonly guestSlot: Int32Array;
  /** Per device: its guest slot. */
  readonly devGuestSlot: Int32Array;
  /** Per guest slot: its guest (0-based among the started guests, in creation order). */
  readonly slotGuest: Int32Array;
  /** Per guest slot: its device class. */
  readonly slotClass: Uint8Array;
  /** Per guest slot: its round trips while measuring, a compact histogram each (`guest_hist.ts`). */
  readonly guestRt: GuestHistograms;
  /** Per guest slot: ioreqs completed while measuring (ring requests: its devices' `devRtN`). */
  readonly guestRequests: Float64Array;
  /** Per guest slot: sum of those ioreqs' round trips (ns; ring requests: `devRt`). */
  readonly guestRtSum: Float64Array;
  /** Per guest slot: the longest of them (ns). */
  readonly guestRtMax: Float64Array;
  /** Per guest slot: notifications sent for its requests (both ways) while measuring. */
  readonly guestEvents: Float64Array;
  /** Per guest slot: events whose handler found no work (spurious), while measuring. */
  readonly guestSpurious: Float64Array;
  /** Per dom0 VCPU: event handlers run while measuring. */
  readonly dom0Handled: Float64Array;
  /** Raises in dom0 while measuring. */
  dom0Raised = 0;
  /** Call-function-single IPIs sent to wake an idle dom0 VCPU for a woken thread (measured). */
  dom0Ipis = 0;
  /** Raises in every domain while measuring. */
  raised = 0;
  /** Coalesced raises while measuring. */
  coalesced = 0;
  /** Event handlers run in every domain while measuring. */
  delivered = 0;
  /** Xen's raise time while measuring (ns). */
  xenNs = 0;
  /** Upcalls started while measuring. */
  upcalls = 0;
  /** Times a client found its ring full while measuring. */
  ringStalls = 0;
  /** Events whose handler found no work, while measuring. */
  spurious = 0;
  /** Late EOIs the spurious backoff delayed, while measuring. */
  eoiDeferredBackoff = 0;
  /** Late EOIs loop control deferred, while measuring. */
  eoiDeferredLoop = 0;
  /** The scenario. */
  readonly scenario: Scenario;
  /** dom0's ABI (the one compared); a guest runs it unless its template names one. */
  readonly abiId: string;
  /** The guests' CPU pool (null: dedicated CPUs). Pool VCPU i is VCPU nv0 + i. */
  readonly pool: Credit2 | null = null;
  /** The first pooled VCPU (the first guest VCPU). */
  readonly poolBase: number = 0;
  /** Per VCPU: 1 when its item was stopped by preemption. */
  readonly paused: Uint8Array;
  /** Per VCPU: what its stopped item has left (ns). */
  readonly remaining: Float64Array;
  /** Per physical CPU of the pool: generation of its slice timer. */
  readonly sliceGen: Int32Array;
  /** A timeline recorder, or null (the default: nothing is recorded). */
  tracer: HostTracer | null = null;

  /** Build the host: dom0, its port layout, the started guests, their rings and clients. */
  constructor(s: Scenario, abiId: string, o: HostRunOptions) {
    const host = s.host!;
    this.scenario = s;
    this.abiId = abiId;
    this.costs = o.costs;
    this.hc = host.costs;
    this.stopIssuingNs = o.stopIssuingNs ?? Infinity;
    this.engine = new Engine(4096);
    const nv0 = host.dom0.vcpus;
    // dom0: its ABI is the one under comparison.
    const abi0 = o.factory({ vcpus: nv0, wordBits: host.dom0.word_bits, costs: o.costs });
    const dom0 = new Domain(abi0);
    if (dom0.isFifo) { for (let v = 0; v < nv0; v++) dom0.initControl(v); }
    this.layout = allocateHost(host, dom0, host.dom0.notify);
    this.abis.push(abi0);
    this.domains.push(dom0);
    const L = this.layout;
    const G = L.guestTemplate.length;
    // Guest domains, their own ports and their frontend ports.
    this.vcpuBase = new Int32Array(G + 2);
    this.portBase = new Int32Array(G + 2);
    this.portTop = new Int32Array(G + 1);
    this.vcpuBase[1] = nv0;
    let nRings = 0, nDevs = 0;
    for (let g = 0; g < G; g++) {
      const t = host.guests[L.guestTemplate[g]];
      this.vcpuBase[g + 2] = this.vcpuBase[g + 1] + t.vcpus;
      const dev = deviceCount(t);
      nDevs += dev.net + dev.blk;
      nRings += 2 * dev.net + dev.blk;
    }
    const U = this.vcpuBase[G + 1];
    this.vcpuDom = new Int32Array(U);
    this.ipiPort = new Int32Array(U).fill(-1);
    this.ipiPort.set(this.layout.ipiPorts);
    for (let d = 0; d <= G; d++) {
      for (let u = this.vcpuBase[d]; u < this.vcpuBase[d + 1]; u++) this.vcpuDom[u] = d;
    }
    this.running = new Uint8Array(U);
    this.stepGen = new Int32Array(U);
    this.stepAt = new Float64Array(U).fill(Infinity);
    this.itemKind = new Uint8Array(U);
    this.itemArg = new Int32Array(U);
    this.itemArg2 = new Int32Array(U);
    this.itemCtx = new Uint8Array(U);
    this.itemStart = new Float64Array(U);
    this.debt = new Float64Array(U);
    this.busyUntil = new Float64Array(U);
    this.inLoop = new Uint8Array(U);
    this.upcallWanted = new Uint8Array(U);
    this.deliverAt = new Float64Array(U);
    this.irqRing = new Int32Array(U).fill(-1);
    this.polls = new ItemLists(POLL_LISTS * U, nRings);
    this.inSoftirq = new Uint8Array(U);
    this.pollRing = new Int32Array(U).fill(-1);
    this.ksoftirqd = new Uint8Array(U);
    this.ktLeft = new Int32Array(U);
    this.threads = new ItemLists(U, 2 * nRings + G);
    this.busy = new Float64Array(U * CTXS);
    this.paused = new Uint8Array(U);
    this.remaining = new Float64Array(U);
    if (host.pcpus !== "dedicated" && U > nv0) {
      const pcpus = host.pcpus - nv0;
      this.poolBase = nv0;
      this.sliceGen = new Int32Array(pcpus);
      this.pool = new Credit2(pcpus, U - nv0, {
        run: (i) => this.resume(nv0 + i),
        preempt: (i) => this.pause(nv0 + i),
        timer: (p, at) => this.engine.schedule(at, EV_SLICE, p, ++this.sliceGen[p]),
      });
    } else this.sliceGen = new Int32Array(0);
    this.rings = new Rings(nRings);
    this.ringKind = new Uint8Array(nRings);
    this.ringDev = new Int32Array(nRings);
    this.ringU0 = new Int32Array(nRings);
    this.ringUg = new Int32Array(nRings);
    this.ringPort0 = new Int32Array(nRings);
    this.ringPortG = new Int32Array(nRings);
    this.softOn = new Uint8Array(nRings);
    this.pollDone = new Int32Array(nRings);
    this.rxQueued = new Int32Array(nRings);
    this.rxBatch = new Int32Array(nRings);
    this.eoiWork = new Uint8Array(2 * nRings);
    this.rxSeen = new Int32Array(nRings);
    this.eoiPending = new Uint8Array(nRings);
    // Threads: per ring its client (2r) and backend kthread (2r + 1), then one
    // QEMU per guest (2 * rings + guest).
    this.thrOn = new Uint8Array(2 * nRings + G);
    this.thrWake = new Uint8Array(2 * nRings + G);
    this.thrU = new Int32Array(2 * nRings + G);
    this.thrRecent = new Int32Array(2 * nRings + G).fill(-1);
    this.ioPort = new Int32Array(U).fill(-1);
    this.ioStall = new Uint8Array(U);
    this.ioQueued = new Uint8Array(U);
    this.ioAt = new Float64Array(U);
    this.ioMeanNs = new Float64Array(U);
    this.ioRng = [];
    this.stalled = new Uint8Array(nRings);
    this.devGuest = new Int32Array(nDevs);
    this.devTemplate = new Int32Array(nDevs);
    this.devReq = new Int32Array(nDevs);
    this.devRsp = new Int32Array(nDevs);
    this.issued = new Float64Array(nDevs);
    this.pushed = new Float64Array(nDevs);
    this.completed = new Float64Array(nDevs);
    this.unread = new Int32Array(nDevs);
    this.devRt = new Float64Array(nDevs);
    this.devRtN = new Float64Array(nDevs);
    this.issueOff = new Int32Array(nDevs);
    this.issueCap = new Int32Array(nDevs);
    this.issueAt = new Float64Array(Math.max(16, 4 * nDevs));
    this.rng = [];
    this.closed = new Uint8Array(nDevs);
    this.window = new Int32Array(nDevs);
    this.thinkNs = new Float64Array(nDevs);
    this.ratePerNs = new Float64Array(nDevs);
    this.rt = Array.from({ length: CLASSES * host.guests.length }, () => new LatencyCounts());
    this.tplRequests = new Float64Array(CLASSES * host.guests.length);
    this.tplEvents = new Float64Array(CLASSES * host.guests.length);
    this.tplSpurious = new Float64Array(CLASSES * host.guests.length);
    this.devSlot = new Int32Array(nDevs);
    this.dom0Handled = new Float64Array(nv0);
    // Port -> ring tables, dom0 first.
    let top0 = 0;
    for (let i = 0; i < L.ports.length; i++) if (L.ports[i] > top0) top0 = L.ports[i];
    this.portTop[0] = top0 + 1;
    const guestPorts: Int32Array[] = [];
    const guestVcpus: Int32Array[] = [];
    for (let g = 0; g < G; g++) {
      const t = host.guests[L.guestTemplate[g]];
      const abi = createGuestAbi(t.abi ?? abiId, o.factory, t.vcpus, t.word_bits, o.costs);
      const dom = new Domain(abi);
      if (dom.isFifo) { for (let v = 0; v < t.vcpus; v++) dom.initControl(v); }
      // The guest's own ports: per VCPU the timer VIRQ (FIFO priority 0,
      // XEN_IRQ_PRIORITY_MAX, arch/x86/xen/time.c) and its IPIs.
      const own = ownPortsPerVcpu(t.kind, dom.isFifo);
      for (let v = 0; v < t.vcpus; v++) {
        for (let k = 0; k < own; k++) {
          const p = dom.bind(v);
          if (k === CALLFUNC_SINGLE_PORT) this.ipiPort[this.vcpuBase[g + 1] + v] = p;
          if (k === 0 && p > 0) {
            abi.setTimerPort(v, p);
            if (abi.hasPriorities) dom.setPriority(p, 0);
          }
        }
      }
      // Frontend ports, in the order of dom0's backend ports, each where the
      // guest's Linux (5.11 and later) puts it: on the VCPU with the fewest
      // channels (events_base.c select_target_cpu, ties to the lowest; the
      // guest's own per-VCPU ports are as many on every VCPU). HVM ioreq ports
      // are Xen's own in the guest (x=1 in `xl debug-keys e`), not bound here.
      const first = L.guestFirst[g], last = L.guestFirst[g + 1];
      const gp = new Int32Array(last - first).fill(-1);
      const gv = new Int32Array(last - first);
      const onVcpu = new Int32Array(t.vcpus);
      for (let i = first; i < last; i++) {
        const j = i - first;
        if (L.kinds[i] === PK_IOREQ) continue;
        const v = leastLoaded(onVcpu);
        onVcpu[v]++;
        gp[j] = dom.bind(v);
        gv[j] = v;
      }
      guestVcpus.push(gv);
      guestPorts.push(gp);
      this.abis.push(abi);
      this.domains.push(dom);
      let top = 0;
      for (const p of gp) if (p > top) top = p;
      this.portTop[g + 1] = top + 1;
    }
    for (let d = 0; d <= G; d++) this.portBase[d + 1] = this.portBase[d] + this.portTop[d];
    this.portRing = new Int32Array(this.portBase[G + 1]).fill(-1);
    // Rings and devices: one client per vif and per vbd, each on the queue or
    // ring Linux would give its traffic (below). The choices are drawn from a
    // stream of the guest's own (seed, replication, guest), so every ABI sees
    // the same ones.
    let r = 0, dv = 0;
    const clientU = new Int32Array(nRings);
    for (let g = 0; g < G; g++) {
      const ti = L.guestTemplate[g];
      const t = host.guests[ti];
      const w = t.workload;
      const first = L.guestFirst[g];
      const gp = guestPorts[g];
      const cost = guestPortCost(t, nv0);
      const perQueue = t.split_event_channels ? 2 : 1;
      const perVif = cost.netQueues * perQueue;
      let choices: RandomStream | null = null;
      const choose = (n: number): number => {
        if (n <= 1) return 0;
        choices ??= RandomStream.derive(o.seed, o.replication, `host/guest${g}/queues`);
        return choices.int(n);
      };
      const use = { net: w.devices !== "blk", blk: w.devices !== "net" };
      const addDev = (req: number, rsp: number): void => {
        this.devGuest[dv] = g;
        this.devTemplate[dv] = ti;
        this.devReq[dv] = req;
        this.devRsp[dv] = rsp;
        this.devSlot[dv] = CLASSES * ti + (req === rsp ? 1 : 0);
        // Room for a closed client's window (at least 4), or 16 for an open
        // client; a buffer grows by doubling when outstanding requests fill it.
        this.#issueBuffer(dv, w.kind === "closed" ? Math.max(4, w.window) : 16);
        this.rng.push(RandomStream.derive(o.seed, o.replication, `host/guest${g}/dev${dv}`));
        if (w.kind === "closed") {
          this.closed[dv] = 1;
          this.window[dv] = w.window;
          this.thinkNs[dv] = w.think_us * 1e3;
        } else this.ratePerNs[dv] = w.rate_per_s / 1e9;
        this.ringDev[req] = dv;
        this.ringDev[rsp] = dv;
        dv++;
      };
      const vcpuOf = (j: number): number => this.vcpuBase[g + 1] + guestVcpus[g][j];
      for (let i = 0; i < t.vifs; i++) {
        // The client's flow goes out on the TX queue netfront's
        // xennet_select_queue picks, skb_get_hash(skb) % num_queues, and its
        // replies come back on the RX queue netback's xenvif_select_queue
        // picks (no hash algorithm: a Linux frontend sets none),
        // netdev_pick_tx(dev, skb) % real_num_tx_queues: a hash under dom0's
        // own key, so the two queues are independent and uniform.
        const at = 2 + i * perVif + choose(cost.netQueues) * perQueue;
        const rxAt = 2 + i * perVif + choose(cost.netQueues) * perQueue + perQueue - 1;
        const tx = r++, rx = r++;
        this.rings.init(tx, NETIF_RING_SIZE);
        this.rings.init(rx, NETIF_RING_SIZE);
        // netfront fills the RX ring with buffers when it connects
        // (xennet_alloc_rx_buffers); that first push's notification falls
        // before the run and is not simulated.
        this.rings.prefill(rx, NETIF_RING_SIZE);
        this.ringKind[tx] = R_NET_TX;
        this.ringKind[rx] = R_NET_RX;
        this.ringPort0[tx] = L.ports[first + at];
        this.ringPort0[rx] = L.ports[first + rxAt];
        this.ringPortG[tx] = gp[at];
        this.ringPortG[rx] = gp[rxAt];
        this.ringU0[tx] = L.vcpus[first + at];
        this.ringU0[rx] = L.vcpus[first + rxAt];
        this.ringUg[tx] = vcpuOf(at);
        this.ringUg[rx] = vcpuOf(rxAt);
        clientU[tx] = clientU[rx] = this.ringUg[tx];
        this.portRing[this.portBase[0] + this.ringPort0[tx]] = tx;
        this.portRing[this.portBase[g + 1] + gp[at]] = tx;
        // Without split channels one port per queue serves both rings, so the
        // RX ring has a port of its own only when its queue is another one.
        if (rxAt !== at) {
          this.portRing[this.portBase[0] + this.ringPort0[rx]] = rx;
          this.portRing[this.portBase[g + 1] + gp[rxAt]] = rx;
        }
        if (use.net) addDev(tx, rx);
        else this.ringDev[tx] = this.ringDev[rx] = -1;
      }
      for (let j = 0; j < t.vbds; j++) {
        // The client runs on a guest VCPU of the guest scheduler's choosing,
        // and blk-mq sends its requests down the hardware queue that CPU maps
        // to (block/blk-mq-cpumap.c blk_mq_map_queues, group_cpus_evenly:
        // consecutive CPUs in even groups): ring floor(c * rings / vcpus).
        const c = choose(t.vcpus);
        const at = 2 + t.vifs * perVif + j * cost.blkRings +
          Math.floor(c * cost.blkRings / t.vcpus);
        const b = r++;
        this.rings.init(b, BLKIF_RING_SIZE);
        this.ringKind[b] = R_BLK;
        this.ringPort0[b] = L.ports[first + at];
        this.ringPortG[b] = gp[at];
        this.ringU0[b] = L.vcpus[first + at];
        this.ringUg[b] = vcpuOf(at);
        clientU[b] = this.vcpuBase[g + 1] + c;
        this.portRing[this.portBase[0] + this.ringPort0[b]] = b;
        this.portRing[this.portBase[g + 1] + gp[at]] = b;
        if (use.blk) addDev(b, b);
        else this.ringDev[b] = -1;
      }
    }
    // Threads: a net client runs on the VCPU its TX queue's frontend port
    // notifies, a block client on the VCPU that chose its ring; the backend's
    // kthread where its port's IRQ wakes it (guest-rx: where the TX NAPI poll
    // hands it packets).
    for (let k = 0; k < r; k++) {
      this.thrU[2 * k] = clientU[k];
      this.thrU[2 * k + 1] = this.ringKind[k] === R_NET_RX ? this.ringU0[k - 1] : this.ringU0[k];
    }
    // HVM guests: QEMU's ioreq port per VCPU (xen/common/ioreq.c
    // ioreq_server_add_vcpu; QEMU binds them in VCPU order, then the buffered one).
    this.portIoreq = new Int32Array(this.portTop[0]).fill(-1);
    for (let g = 0; g < G; g++) {
      const t = host.guests[L.guestTemplate[g]];
      this.thrU[2 * r + g] = 0;
      if (t.kind !== "hvm") continue;
      let k = 0;
      for (let i = L.guestFirst[g]; i < L.guestFirst[g + 1]; i++) {
        if (L.kinds[i] !== PK_IOREQ) continue;
        if (k === 0) this.thrU[2 * r + g] = L.vcpus[i]; // QEMU wakes where its ports notify
        if (k < t.vcpus) {
          const u = this.vcpuBase[g + 1] + k;
          this.ioPort[u] = L.ports[i];
          this.portIoreq[L.ports[i]] = u;
          if (t.ioreq_rate_per_s > 0) {
            this.ioMeanNs[u] = 1e9 / t.ioreq_rate_per_s;
            this.ioRng[u] = RandomStream.derive(o.seed, o.replication, `host/guest${g}/ioreq${k}`);
          }
        }
        k++;
      }
    }
    this.qemuBase = 2 * r;
    this.devCount = dv;
    this.ringCount = r;
    // Each domain's kernel counts jiffies at its own HZ: late EOIs and softirq
    // limits in them (domains of one HZ share the books, which are host-wide).
    this.hz = new Int32Array(G + 1);
    const byHz = new Map<number, { le: LateEoi; sq: SoftirqControl }>();
    for (let d = 0; d <= G; d++) {
      const hz = d === 0 ? host.dom0.hz : host.guests[L.guestTemplate[d - 1]].hz;
      this.hz[d] = hz;
      let books = byHz.get(hz);
      if (books === undefined) {
        books = { le: new LateEoi(this.portBase[G + 1], U, { hz }), sq: new SoftirqControl(U, hz) };
        byHz.set(hz, books);
      }
      this.lateEoi.push(books.le);
      this.softirq.push(books.sq);
    }
    // Guest slots, guest by guest in creation order: a compact histogram for
    // each class a guest has traffic in, none for the others.
    this.guestSlot = new Int32Array(CLASSES * G).fill(-1);
    for (let d = 0; d < dv; d++) {
      this.guestSlot[CLASSES * this.devGuest[d] + (this.devReq[d] === this.devRsp[d] ? 1 : 0)] = 0;
    }
    for (let u = 0; u < U; u++) {
      if (this.ioMeanNs[u] > 0) this.guestSlot[CLASSES * (this.vcpuDom[u] - 1) + CLS_IOREQ] = 0;
    }
    let nSlots = 0;
    for (let k = 0; k < CLASSES * G; k++) if (this.guestSlot[k] === 0) this.guestSlot[k] = nSlots++;
    this.slotGuest = new Int32Array(nSlots);
    this.slotClass = new Uint8Array(nSlots);
    for (let k = 0; k < CLASSES * G; k++) {
      if (this.guestSlot[k] < 0) continue;
      this.slotGuest[this.guestSlot[k]] = Math.floor(k / CLASSES);
      this.slotClass[this.guestSlot[k]] = k % CLASSES;
    }
    this.devGuestSlot = new Int32Array(dv);
    for (let d = 0; d < dv; d++) {
      this.devGuestSlot[d] =
        this.guestSlot[CLASSES * this.devGuest[d] + (this.devReq[d] === this.devRsp[d] ? 1 : 0)];
    }
    this.guestRt = new GuestHistograms(nSlots);
    this.guestRequests = new Float64Array(nSlots);
    this.guestRtSum = new Float64Array(nSlots);
    this.guestRtMax = new Float64Array(nSlots);
    this.guestEvents = new Float64Array(nSlots);
    this.guestSpurious = new Float64Array(nSlots);
  }

  /** Count ioreq round trip `rt` (ns) of guest slot `gs` while measuring (allocation-free). */
  #guestRoundTrip(gs: number, rt: number): void {
    this.guestRt.record(gs, rt);
    this.guestRequests[gs]++;
    this.guestRtSum[gs] += rt;
    if (rt > this.guestRtMax[gs]) this.guestRtMax[gs] = rt;
  }

  /** Guest slot of guest VCPU `u`'s ioreqs. */
  #ioGuestSlot(u: number): number {
    return this.guestSlot[CLASSES * (this.vcpuDom[u] - 1) + CLS_IOREQ];
  }

  /** Per dom0 port: the guest VCPU whose ioreq channel it is, or -1. */
  readonly portIoreq: Int32Array;
  /** Per VCPU: its ioreq port in dom0 (HVM guests), or -1. */
  readonly ioPort: Int32Array;
  /** Per VCPU: 1 while stalled in Xen waiting for QEMU (wait_for_io). */
  readonly ioStall: Uint8Array;
  /** Per VCPU: 1 while its ioreq waits for QEMU to pick it up. */
  readonly ioQueued: Uint8Array;
  /** Per VCPU: when its ioreq left the guest. */
  readonly ioAt: Float64Array;
  /** Per VCPU: mean time between its emulated I/O exits (ns; 0: none). */
  readonly ioMeanNs: Float64Array;
  /** Per VCPU: the random stream of its I/O exits (HVM with a rate only). */
  readonly ioRng: RandomStream[];
  /** Thread number of guest 0's QEMU (guest g's is this + g). */
  qemuBase = 0;
  /** Devices with a client. */
  devCount: number;
  /** Rings in use. */
  ringCount: number;

  /** Start the clients and the warm-up timer. */
  start(): void {
    const s = this.scenario, e = this.engine;
    this.measuring = s.warmup_ms === 0;
    if (s.warmup_ms > 0) e.schedule(s.warmup_ms * 1e6, EV_WARMUP_END, 0, 0);
    for (let d = 0; d < this.devCount; d++) {
      if (this.closed[d] === 1) {
        // Stagger the clients' first requests over one think time (or 100 µs).
        const spread = this.thinkNs[d] > 0 ? this.thinkNs[d] : 100e3;
        for (let k = 0; k < this.window[d]; k++) {
          e.schedule(this.rng[d].uniform() * spread, EV_ISSUE, d, 0);
        }
      } else e.schedule(this.rng[d].exponential(1 / this.ratePerNs[d]), EV_ISSUE, d, 0);
    }
    for (let u = 0; u < this.ioMeanNs.length; u++) {
      if (this.ioMeanNs[u] > 0) {
        e.schedule(this.ioRng[u].exponential(this.ioMeanNs[u]), EV_IOREQ, u, 0);
      }
    }
  }

  /** Engine callback. */
  handle(kind: number, a: number, b: number): void {
    switch (kind) {
      case EV_STEP:
        if (b === this.stepGen[a]) this.step(a);
        return;
      case EV_RAISE:
        return this.raise(a, b);
      case EV_ISSUE:
        return this.issue(a);
      case EV_WARMUP_END:
        return this.startMeasuring();
      case EV_SLICE:
        if (b === this.sliceGen[a]) this.pool!.tick(a, this.engine.now);
        return;
      case EV_IOREQ:
        return this.ioExit(a);
      case EV_IODONE:
        return this.ioDone(a);
      case EV_LATE_EOI:
        return this.lateEoiWorker(a, b);
    }
  }

  /** The warm-up ends: counters start. */
  startMeasuring(): void {
    this.measuring = true;
    this.measureFrom = this.engine.now;
    this.rings.suppressed.fill(0);
    if (this.pool !== null) this.pool.waitNs = 0;
  }

  // -- clients --

  /** A client issues one request on device `d` (an open-loop client also plans its next). */
  issue(d: number): void {
    const now = this.engine.now;
    if (now >= this.stopIssuingNs) return;
    if (this.closed[d] === 0) {
      this.engine.schedule(now + this.rng[d].exponential(1 / this.ratePerNs[d]), EV_ISSUE, d, 0);
    }
    if (this.issued[d] - this.completed[d] >= this.issueCap[d]) {
      // Grows by doubling, rarely: only an overloaded open-loop client gets here.
      const off = this.issueOff[d], cap = this.issueCap[d];
      this.#issueBuffer(d, 2 * cap);
      const buf = this.issueAt, off2 = this.issueOff[d], cap2 = this.issueCap[d];
      for (let k = this.completed[d]; k < this.issued[d]; k++) {
        buf[off2 + k % cap2] = buf[off + k % cap];
      }
    }
    this.issueAt[this.issueOff[d] + this.issued[d] % this.issueCap[d]] = now;
    this.issued[d]++;
    const req = this.devReq[d];
    if (this.stalled[req] === 0) this.wakeThread(2 * req, false);
  }

  /** Give device `d` a fresh circular buffer of `cap` entries at the end of `issueAt`. */
  #issueBuffer(d: number, cap: number): void {
    if (this.issueTop + cap > this.issueAt.length) {
      let n = this.issueAt.length * 2;
      while (n < this.issueTop + cap) n *= 2;
      const bigger = new Float64Array(n);
      bigger.set(this.issueAt.subarray(0, this.issueTop));
      this.issueAt = bigger;
    }
    this.issueOff[d] = this.issueTop;
    this.issueCap[d] = cap;
    this.issueTop += cap;
  }

  /**
   * The frontend on VCPU `u` has consumed the response to device `d`'s oldest
   * outstanding request. A closed-loop client is blocked reading it
   * (netperf's `recv()`, a block read in `io_schedule`): the wake-up
   * (`sock_def_readable`'s is `WF_SYNC`) places a network client as
   * `select_task_rq_fair` does ({@linkcode HostSimulation.selectCpu}; a block
   * client stays on its ring's VCPU), with the call-function IPI
   * if it lands on another, halted VCPU, and the request completes when the
   * client has run (`client_wake_ns`). An open-loop client, which no one
   * waits on, has it at once.
   */
  complete(d: number, u: number): void {
    if (this.closed[d] === 1) {
      this.unread[d]++;
      return this.wakeThread(2 * this.devReq[d], true, u);
    }
    this.#read(d);
  }

  /** Device `d`'s client reads every response consumed for it and not yet read. */
  #readAll(d: number): void {
    while (this.unread[d] > 0) {
      this.unread[d]--;
      this.#read(d);
    }
  }

  /** Device `d`'s client has its oldest outstanding request's response (requests complete in order). */
  #read(d: number): void {
    const now = this.engine.now;
    const k = this.completed[d]++;
    const rt = now - this.issueAt[this.issueOff[d] + k % this.issueCap[d]];
    if (this.measuring) {
      const slot = this.devSlot[d];
      this.rt[slot].record(rt);
      this.tplRequests[slot]++;
      this.devRt[d] += rt;
      this.devRtN[d]++;
      // The guest's own figures: one count in its compact histogram and its
      // maximum (its count and sum are the devices' devRtN, devRt).
      const gs = this.devGuestSlot[d];
      this.guestRt.record(gs, rt);
      if (rt > this.guestRtMax[gs]) this.guestRtMax[gs] = rt;
    }
    if (this.closed[d] === 1) {
      const think = this.thinkNs[d] > 0 ? this.rng[d].exponential(this.thinkNs[d]) : 0;
      this.engine.schedule(now + think, EV_ISSUE, d, 0);
    }
  }

  // -- HVM emulated I/O --

  /** Guest template slot of pooled-or-not VCPU `u` (a guest VCPU). */
  #ioSlot(u: number): number {
    const g = this.vcpuDom[u] - 1;
    return CLASSES * this.layout.guestTemplate[g] + CLS_IOREQ;
  }

  /**
   * An emulated I/O exit of guest VCPU `u`: Xen's ioreq_send notifies QEMU's
   * port in dom0 and the VCPU waits in wait_for_io (xen/common/ioreq.c) until
   * QEMU answers; its work stops where it is. A VCPU off its physical CPU runs
   * no guest code and makes no exit (the next one is drawn).
   */
  ioExit(u: number): void {
    const now = this.engine.now;
    if (now >= this.stopIssuingNs) return;
    const pool = this.pool;
    const pooled = pool !== null && u >= this.poolBase;
    if (this.ioStall[u] === 1 || (pooled && !pool!.isRunning(u - this.poolBase))) {
      this.engine.schedule(now + this.ioRng[u].exponential(this.ioMeanNs[u]), EV_IOREQ, u, 0);
      return;
    }
    this.ioStall[u] = 1;
    this.ioAt[u] = now;
    this.pause(u);
    if (pooled) pool!.block(u - this.poolBase, now);
    // The exit and ioreq_send take about a hypercall's time before the raise.
    this.engine.schedule(now + this.costs.hypercall_ns, EV_RAISE, 0, this.ioPort[u]);
    if (this.measuring) {
      this.tplEvents[this.#ioSlot(u)]++;
      this.guestEvents[this.#ioGuestSlot(u)]++;
    }
  }

  /** QEMU's answer reached Xen: VCPU `u` leaves wait_for_io and resumes. */
  ioDone(u: number): void {
    const now = this.engine.now;
    this.ioStall[u] = 0;
    if (this.measuring) {
      const slot = this.#ioSlot(u);
      this.rt[slot].record(now - this.ioAt[u]);
      this.tplRequests[slot]++;
      this.#guestRoundTrip(this.#ioGuestSlot(u), now - this.ioAt[u]);
    }
    const pool = this.pool;
    if (pool !== null && u >= this.poolBase) pool.wake(u - this.poolBase, now);
    else this.resume(u);
    this.engine.schedule(now + this.ioRng[u].exponential(this.ioMeanNs[u]), EV_IOREQ, u, 0);
  }

  // -- Xen --

  /** EVTCHNOP_send reaches Xen: raise `port` in domain `dom`, kick the VCPU it returns. */
  raise(dom: number, port: number): void {
    const abi = this.abis[dom];
    const v = abi.raise(port);
    if (this.tracer !== null) this.tracer.raise(this.engine.now, dom, port, abi.outcome, v);
    if (this.measuring) {
      this.xenNs += abi.cost;
      this.raised++;
      if (abi.outcome === 1) this.coalesced++;
      if (dom === 0) this.dom0Raised++;
    }
    if (v >= 0) this.deliver(this.vcpuBase[dom] + v, this.engine.now + abi.cost);
  }

  /**
   * The upcall reaches VCPU `u`: `upcall_ns` after the raise on a running
   * VCPU, `wake_ns` on a halted one (DESIGN §4).
   */
  deliver(u: number, t: number): void {
    if (this.inLoop[u] === 1 || this.upcallWanted[u] === 1) return;
    this.upcallWanted[u] = 1;
    const awake = this.running[u] === 1 || this.paused[u] === 1 || this.busyUntil[u] > t;
    const at = t + (awake ? this.costs.upcall_ns : this.costs.wake_ns);
    this.deliverAt[u] = at;
    if (this.running[u] === 0) this.schedule(u, at);
  }

  /**
   * Schedule VCPU `u`'s next step at `at` (an idle VCPU), superseding a later
   * one. A pooled VCPU off its CPU wakes into the scheduler's runqueue instead
   * and steps when it is given a CPU.
   */
  schedule(u: number, at: number): void {
    if (this.ioStall[u] === 1) return; // stalled in Xen: it steps when QEMU answers
    const pool = this.pool;
    if (pool !== null && u >= this.poolBase && !pool.isRunning(u - this.poolBase)) {
      if (this.tracer !== null) this.tracer.off(u, this.engine.now, 2);
      pool.wake(u - this.poolBase, this.engine.now);
      return;
    }
    if (at < this.busyUntil[u]) at = this.busyUntil[u];
    if (this.stepAt[u] <= at) return;
    this.stepAt[u] = at;
    this.engine.schedule(at, EV_STEP, u, ++this.stepGen[u]);
  }

  /**
   * CPU time `ns` VCPU `u` spends in context `ctx` on work whose effect is
   * already applied (a hypercall, an unmask, upcall entry, an empty scan): it
   * is charged now and delays the VCPU's next item, which saves an engine
   * event per such step.
   */
  owe(u: number, ns: number, ctx: number): void {
    this.debt[u] += ns;
    if (this.measuring) this.busy[u * CTXS + ctx] += ns;
  }

  /** A notification from VCPU `u`: EVTCHNOP_send to (`dom`, `port`) after the hypercall. */
  send(u: number, dom: number, port: number, dev: number, ctx: number): void {
    this.owe(u, this.costs.hypercall_ns, ctx);
    this.engine.schedule(this.engine.now + this.debt[u], EV_RAISE, dom, port);
    if (dev >= 0 && this.measuring) {
      this.tplEvents[this.devSlot[dev]]++;
      this.guestEvents[this.devGuestSlot[dev]]++;
    }
  }

  /**
   * Late EOI (events_base.c xen_irq_lateeoi) of `port` of `dom` from VCPU
   * `u`, `spurious` with XEN_EOI_FLAG_SPURIOUS: the shared rules of
   * `late_eoi.ts` unmask it now or leave it masked until the lateeoi
   * worker's jiffy (an engine event).
   */
  eoi(u: number, dom: number, port: number, spurious: boolean, ctx: number): void {
    const le = this.lateEoi[dom];
    const at = le.eoi(u, this.portBase[dom] + port, spurious, this.engine.now);
    if (at === EOI_NOW) return this.unmask(u, dom, port, ctx);
    if (at === EOI_LISTED) return;
    this.engine.schedule(at * le.tickNs, EV_LATE_EOI, dom, port);
    if (this.measuring) {
      if (le.lastDefer === DEFER_SPURIOUS) this.eoiDeferredBackoff++;
      else this.eoiDeferredLoop++;
    }
  }

  /**
   * events_base.c xen_irq_lateeoi_worker: a deferred EOI of `port` of `dom`
   * is due; the worker runs (a kworker) on the VCPU that deferred it
   * (eoi_cpu) and unmasks the port.
   */
  lateEoiWorker(dom: number, port: number): void {
    const i = this.portBase[dom] + port;
    const le = this.lateEoi[dom];
    const u = le.eoiVcpu(i);
    le.worker(i);
    this.unmask(u, dom, port, CTX_KTHREAD);
  }

  /** Unmask `port` of `dom` from VCPU `u` (EVTCHNOP_unmask when P is set); deliver its upcall. */
  unmask(u: number, dom: number, port: number, ctx: number): void {
    const abi = this.abis[dom];
    const v = abi.unmask(port);
    this.owe(u, abi.cost, ctx);
    if (v >= 0) this.deliver(this.vcpuBase[dom] + v, this.engine.now + this.debt[u]);
  }

  /**
   * netfront xennet_handle_rx: whether RX ring `r` has more unconsumed
   * responses than rx_rsp_unconsumed recorded (then the record follows).
   */
  #rxGrew(r: number): boolean {
    const q = this.rings.unconsumedResponses(r);
    if (q <= this.rxSeen[r]) return false;
    this.rxSeen[r] = q;
    return true;
  }

  /** The scheduler gives pooled VCPU `u` a CPU: resume its paused item, or step. */
  resume(u: number): void {
    const now = this.engine.now;
    if (this.tracer !== null) this.tracer.on(u, now);
    if (this.paused[u] === 1) {
      this.paused[u] = 0;
      this.running[u] = 1;
      this.itemStart[u] = now;
      this.stepAt[u] = now + this.remaining[u];
      this.engine.schedule(this.stepAt[u], EV_STEP, u, ++this.stepGen[u]);
      return;
    }
    let at = this.upcallWanted[u] === 1 && this.deliverAt[u] > now ? this.deliverAt[u] : now;
    if (at < this.busyUntil[u]) at = this.busyUntil[u];
    this.stepAt[u] = at;
    this.engine.schedule(at, EV_STEP, u, ++this.stepGen[u]);
  }

  /** The scheduler takes pooled VCPU `u` off its CPU: its item stops where it is. */
  pause(u: number): void {
    const now = this.engine.now;
    if (this.tracer !== null) this.tracer.off(u, now, this.ioStall[u]);
    if (this.running[u] === 1) {
      if (this.measuring) {
        const from = this.itemStart[u] > this.measureFrom ? this.itemStart[u] : this.measureFrom;
        if (now > from) this.busy[u * CTXS + this.itemCtx[u]] += now - from;
      }
      this.running[u] = 0;
      this.paused[u] = 1;
      this.remaining[u] = this.stepAt[u] - now;
    }
    this.stepAt[u] = Infinity;
    this.stepGen[u]++;
  }

  // -- VCPU work --

  /**
   * Make thread `t` runnable, by VCPU `waker` of its domain (-1: none). A
   * thread that was `asleep` (a backend kthread, QEMU, a client blocked on
   * its response) pays its wake-up when it next runs and goes where Linux's
   * `select_task_rq_fair` puts it ({@linkcode HostSimulation.selectCpu}),
   * except a block client, which stays on the VCPU whose blk-mq ring it
   * submits to; a client whose think time ends, or whose ring has room
   * again, carries on where it is.
   */
  wakeThread(t: number, asleep: boolean, waker = -1): void {
    if (this.thrOn[t] === 1) return;
    this.thrOn[t] = 1;
    if (asleep) {
      this.thrWake[t] = 1;
      if (!this.#blockClient(t)) this.thrU[t] = this.selectCpu(t, this.thrU[t], waker);
    }
    const u = this.thrU[t];
    const ipi = waker >= 0 && u !== waker && this.halted(u);
    this.threads.push(u, t);
    if (ipi) {
      // kernel/sched/core.c ttwu_queue_wakelist: a wake-up onto another,
      // idle CPU queues the task there and sends the call-function-single
      // IPI (arch/x86/xen/smp.c: xen_send_IPI_one, EVTCHNOP_send on the
      // target VCPU's IPI port); a halted VCPU (xen_safe_halt, not polling)
      // runs the thread only once that event has woken it.
      const dom = this.vcpuDom[u];
      if (this.measuring && dom === 0) this.dom0Ipis++;
      this.send(waker, dom, this.ipiPort[u], -1, this.itemCtx[waker]);
    } else if (this.running[u] === 0) this.schedule(u, this.engine.now);
  }

  /**
   * Whether VCPU `u` is halted: idle ({@linkcode HostSimulation.idleCpu})
   * and not in an interrupt either, with nothing owed or coming (no step
   * scheduled, no upcall on its way). An event reaches it after `wake_ns`.
   */
  halted(u: number): boolean {
    return this.idleCpu(u) && this.running[u] === 0 && this.stepAt[u] === Infinity &&
      this.busyUntil[u] <= this.engine.now && this.upcallWanted[u] === 0 &&
      this.inLoop[u] === 0;
  }

  /**
   * kernel/sched/fair.c select_task_rq_fair for a wake-up of thread `t`,
   * last on `prev`, by VCPU `waker` of the same domain (a domain's VCPUs
   * share one last-level cache). The wake-up is `WF_SYNC` for a network
   * client (`sock_def_readable` wakes it with wake_up_interruptible_sync_poll);
   * a kthread's and QEMU's are not (a block client is not placed: see
   * {@linkcode HostSimulation.wakeThread}).
   * - wake_affine, when the waker's CPU is not `prev`: wake_affine_idle
   *   takes `prev` if the waker's CPU and `prev` are both idle, the waker's
   *   CPU if only it is ("If this_cpu is idle, it implies the wakeup is from
   *   interrupt context"); then, for a sync wake-up, the waker's CPU if the
   *   waker is the only task running there (`nr_running == 1`); then `prev`
   *   if idle; else wake_affine_weight compares PELT loads, which are not
   *   modelled: `prev`.
   * - select_idle_sibling(prev, target): the target if idle; else `prev` if
   *   idle; else a per-CPU kthread waker (ksoftirqd) on `prev` with nothing
   *   else runnable keeps it; else the thread's recent_used_cpu if idle
   *   (which becomes `prev`); else the first idle CPU of the domain after the
   *   target (select_idle_cpu, wrapping); else the target.
   */
  selectCpu(t: number, prev: number, waker: number): number {
    let target = prev;
    if (waker >= 0 && waker !== prev) {
      if (this.idleCpu(waker)) target = this.idleCpu(prev) ? prev : waker;
      else if (this.#syncWake(t) && this.threads.len[waker] + this.ksoftirqd[waker] === 1) {
        target = waker;
      }
    }
    if (this.idleCpu(target)) return target;
    if (prev !== target && this.idleCpu(prev)) return prev;
    if (waker === prev && this.inSoftirq[waker] === 2 && this.threads.head[waker] < 0) return prev;
    const recent = this.thrRecent[t];
    this.thrRecent[t] = prev;
    if (recent >= 0 && recent !== prev && recent !== target && this.idleCpu(recent)) return recent;
    const dom = this.vcpuDom[prev], base = this.vcpuBase[dom], n = this.vcpuBase[dom + 1] - base;
    for (let k = 1; k < n; k++) {
      const v = base + (target - base + k) % n;
      if (this.idleCpu(v)) return v;
    }
    return target;
  }

  /** Whether thread `t` is a client (side 0 of its ring), and of which kind: -1 not, else its ring's kind. */
  #clientKind(t: number): number {
    return (t & 1) === 0 && t < this.qemuBase ? this.ringKind[t >> 1] : -1;
  }

  /** Whether waking thread `t` is a `WF_SYNC` wake-up: a network client's (`sock_def_readable`). */
  #syncWake(t: number): boolean {
    const k = this.#clientKind(t);
    return k >= 0 && k !== R_BLK;
  }

  /**
   * Whether thread `t` is a block client. blk-mq maps the CPU a request is
   * submitted on to its ring (`blk_mq_map_queues`), and a device's requests
   * here go down one ring, so its client keeps the VCPU that maps to it.
   */
  #blockClient(t: number): boolean {
    return this.#clientKind(t) === R_BLK;
  }

  /**
   * kernel/sched/core.c available_idle_cpu for VCPU `v`: idle_cpu (no task
   * current or runnable: a hard IRQ, or a softirq at irq_exit, that
   * interrupted the idle task leaves it idle; ksoftirqd, a kthread, a
   * client or QEMU on it, or one runnable, does not) and not preempted
   * (`vcpu_is_preempted`: Xen's runstate says runnable, waiting for a
   * physical CPU; a pinned dom0 VCPU never is).
   */
  idleCpu(v: number): boolean {
    return this.threads.head[v] < 0 && this.ksoftirqd[v] === 0 && this.inSoftirq[v] !== 2 &&
      (this.pool === null || v < this.poolBase || !this.pool.isQueued(v - this.poolBase));
  }

  /**
   * Begin thread `t`'s next work item on `u` and move it behind the other
   * runnable threads: threads share the VCPU round robin, one item each (CFS
   * shares a CPU between runnable kthreads; blkback's loop calls cond_resched).
   * The item is one of the turns the threads take before ksoftirqd's next.
   */
  beginThread(u: number, t: number, ctx: number, ns: number, kind = IT_THREAD): void {
    const threads = this.threads;
    if (threads.next[t] >= 0) {
      threads.pop(u);
      threads.push(u, t);
    }
    this.ktLeft[u]--;
    this.begin(u, kind, t, ctx, ns);
  }

  /** The jiffy now in the kernel of VCPU `u`'s domain. */
  #jiffies(u: number): number {
    return this.lateEoi[this.vcpuDom[u]].jiffies(this.engine.now);
  }

  /** napi_schedule: put ring `r`'s poll on VCPU `u`'s poll list. */
  napiSchedule(u: number, r: number): void {
    if (this.softOn[r] === 1) return; // NAPI_STATE_SCHED: already scheduled or running
    this.softOn[r] = 1;
    this.polls.push(POLL_LISTS * u + L_SD, r); // ____napi_schedule, NET_RX raised
    if (this.running[u] === 0) this.schedule(u, this.engine.now);
  }

  /**
   * kernel/softirq.c __do_softirq on `u` (at irq_exit, or in ksoftirqd):
   * `end = jiffies + MAX_SOFTIRQ_TIME`, `max_restart = MAX_SOFTIRQ_RESTART`,
   * then NET_RX's handler, net_rx_action.
   */
  #doSoftirq(u: number, ksoftirqd: boolean): void {
    this.inSoftirq[u] = ksoftirqd ? 2 : 1;
    this.softirq[this.vcpuDom[u]].doSoftirq(u, this.#jiffies(u));
    this.#netRxAction(u);
  }

  /** net/core/dev.c net_rx_action: take the poll list, with a budget and a time limit. */
  #netRxAction(u: number): void {
    this.softirq[this.vcpuDom[u]].netRxAction(u, this.#jiffies(u));
    const b = POLL_LISTS * u;
    this.polls.splice(b + L_TAKEN, b + L_SD); // list_splice_init(&sd->poll_list, &list)
    this.pollRing[u] = -1;
    this.#pollStep(u);
  }

  /** One step of net_rx_action on `u`: the next packet of the current poll, or the next poll. */
  #pollStep(u: number): void {
    const b = POLL_LISTS * u;
    const polls = this.polls, rings = this.rings;
    for (;;) {
      const r = this.pollRing[u];
      if (r >= 0) {
        const backend = this.ringKind[r] === R_NET_TX;
        const left = backend ? rings.unconsumedRequests(r) : rings.unconsumedResponses(r);
        if (left > 0 && this.pollDone[r] < NAPI_WEIGHT) {
          const ns = backend ? this.hc.netback_tx_ns + this.hc.stack_ns : this.hc.front_response_ns;
          return this.begin(u, IT_POLL, r, CTX_SOFTIRQ, ns);
        }
        // napi_poll: the poll returns the packets it took.
        this.pollRing[u] = -1;
        const work = this.pollDone[r];
        if (work >= NAPI_WEIGHT) {
          // xenvif_poll / xennet_poll used the whole weight: no
          // napi_complete_done, the poll goes on the repoll list.
          polls.push(b + L_REPOLL, r);
        } else {
          this.softOn[r] = 0; // napi_complete_done
          if (backend) {
            // xenvif_napi_schedule_or_enable_events: final check, then, if
            // NETBK_TX_EOI or NETBK_COMMON_EOI was pending (cleared here),
            // xen_irq_lateeoi(queue->tx_irq, 0) (not spurious: the interrupt found work).
            if (rings.finalCheckRequests(r)) this.napiSchedule(u, r);
            else this.#netbackEoi(u, r, NETBK_TX_EOI, this.ringPort0[r], CTX_SOFTIRQ);
          } else if (rings.finalCheckResponses(r)) {
            // xennet_poll: RING_FINAL_CHECK_FOR_RESPONSES, napi_schedule if more.
            this.napiSchedule(u, r);
          }
        }
        // budget -= napi_poll(n, &repoll); stop at the budget or the time limit.
        if (this.softirq[this.vcpuDom[u]].spend(u, work, this.#jiffies(u))) {
          return this.#netRxEnd(u);
        }
      }
      const next = polls.pop(b + L_TAKEN);
      if (next < 0) return this.#netRxEnd(u);
      this.pollRing[u] = next;
      this.pollDone[next] = 0;
    }
  }

  /**
   * The end of net_rx_action on `u`: the poll list is rebuilt in Linux's
   * order; with polls on it NET_RX is pending again, and __do_softirq
   * restarts within MAX_SOFTIRQ_TIME and MAX_SOFTIRQ_RESTART, else wakes
   * ksoftirqd (wakeup_softirqd), which takes its turns among the threads.
   */
  #netRxEnd(u: number): void {
    const b = POLL_LISTS * u;
    rebuildPollList(this.polls, b + L_SD, b + L_TAKEN, b + L_REPOLL);
    if (this.polls.head[b + L_SD] >= 0) {
      if (this.softirq[this.vcpuDom[u]].restart(u, this.#jiffies(u))) {
        return this.#netRxAction(u);
      }
      this.ksoftirqd[u] = 1;
    }
    this.inSoftirq[u] = 0;
    this.pick(u);
  }

  /** Begin an item of `kind` on `u` lasting `ns` (then `ns2`, for an item of two parts). */
  begin(u: number, kind: number, arg: number, ctx: number, ns: number, ns2 = 0): void {
    this.running[u] = 1;
    this.itemKind[u] = kind;
    this.itemArg[u] = arg;
    this.itemCtx[u] = ctx;
    const now = this.engine.now;
    const d = this.debt[u];
    this.debt[u] = 0;
    this.itemStart[u] = now + d;
    // Summed in this order, an item of two parts ends exactly when the second
    // part would end begun on its own at the first's end.
    const end = now + d + ns + ns2;
    this.stepAt[u] = end;
    if (this.tracer !== null) {
      if (kind === IT_HANDLER_RSP) {
        this.tracer.item(u, IT_HANDLER, this.ringPortG[arg], ctx, now + d, ns);
        this.tracer.item(u, IT_IRQ_RSP, arg, ctx, now + d + ns, ns2);
      } else this.tracer.item(u, kind, arg, ctx, now + d, ns);
    }
    this.engine.schedule(end, EV_STEP, u, ++this.stepGen[u]);
  }

  /** The step of VCPU `u`: finish its item (if any), then pick the next one. */
  step(u: number): void {
    const now = this.engine.now;
    this.stepAt[u] = Infinity;
    if (this.running[u] === 1) {
      if (this.measuring) {
        const from = this.itemStart[u] > this.measureFrom ? this.itemStart[u] : this.measureFrom;
        if (now > from) this.busy[u * CTXS + this.itemCtx[u]] += now - from;
      }
      this.running[u] = 0;
      this.finish(u);
    }
    this.pick(u);
    // Time owed and no item to carry it: the VCPU is busy until it has passed
    // (no engine event: a later step starts no earlier).
    if (this.running[u] === 0 && this.debt[u] > 0) {
      const until = now + this.debt[u];
      this.debt[u] = 0;
      this.busyUntil[u] = until;
      if (this.stepAt[u] < until) {
        this.stepAt[u] = until;
        this.engine.schedule(until, EV_STEP, u, ++this.stepGen[u]);
      }
    }
  }

  /** Choose and begin the next item on `u`: hard IRQ, then softirq, then threads. */
  pick(u: number): void {
    const now = this.engine.now;
    if (this.ioStall[u] === 1) return;
    const dom = this.vcpuDom[u], lv = u - this.vcpuBase[dom];
    const abi = this.abis[dom], c = this.costs;
    if (this.inLoop[u] === 1) {
      const r = this.irqRing[u];
      if (r >= 0) {
        // blkif_interrupt / xennet_tx_buf_gc: consume responses in hard-IRQ context.
        if (this.rings.unconsumedResponses(r) > 0) {
          return this.begin(u, IT_IRQ_RSP, r, CTX_HARDIRQ, this.hc.front_response_ns);
        }
        if (!this.rings.finalCheckResponses(r)) {
          this.irqRing[u] = -1;
          // blkif_interrupt, xennet_tx_interrupt (xennet_handle_tx) and
          // xennet_interrupt: eoiflag starts XEN_EOI_FLAG_SPURIOUS and is
          // cleared when a response was consumed (or, xennet_handle_rx, new
          // RX responses were seen).
          this.eoi(u, dom, this.ringPortG[r], this.eoiWork[2 * r] === 0, CTX_HARDIRQ);
        }
        return this.pick(u);
      }
      const port = abi.next(lv);
      let ns = abi.cost;
      if (port < 0) {
        // The pass found nothing: repeat while evtchn_upcall_pending was set again.
        if (abi.upcallPending(lv)) {
          abi.beginUpcall(lv);
          ns += abi.cost;
        } else {
          this.inLoop[u] = 0;
          this.lateEoi[dom].loopEnd(u); // __xen_evtchn_do_upcall: irq_epoch++ after the loop
        }
        this.owe(u, ns, CTX_HARDIRQ);
        return this.pick(u);
      }
      abi.ack(port);
      ns += abi.cost + c.dispatch_ns;
      // handle_irq_for_port: loop control counts every event handed to an IRQ.
      this.lateEoi[dom].handled(u, this.portBase[dom] + port, now);
      if (this.measuring) {
        this.delivered++;
        if (dom === 0) this.dom0Handled[u]++;
      }
      const ring = this.portRing[this.portBase[dom] + port];
      // QEMU's ports are masked by the evtchn device until user space re-enables them.
      if (ring >= 0 || (dom === 0 && port < this.portIoreq.length && this.portIoreq[port] >= 0)) {
        // Every backend and frontend ring port is bound late-EOI (XSA-332,
        // XSA-391): masked until its work is done.
        abi.mask(port);
        ns += abi.cost;
      }
      // blkif_interrupt / xennet_tx_interrupt with a response already waiting:
      // the handler runs on into reaping it, with nothing between the two
      // that another VCPU could see (only this handler consumes the ring's
      // responses, so they are still there when it ends). One item then
      // stands for both, ending when the second would (the same sum, in the
      // same order); only on a VCPU that nothing can stop in between (its
      // own physical CPU, no emulated I/O), so that a pause cannot split it.
      if (
        dom !== 0 && ring >= 0 &&
        (this.ringKind[ring] === R_BLK ||
          (this.ringKind[ring] === R_NET_TX && this.ringPortG[ring + 1] !== port)) &&
        (this.pool === null || u < this.poolBase) && this.ioMeanNs[u] === 0 &&
        this.rings.unconsumedResponses(ring) > 0
      ) {
        return this.begin(u, IT_HANDLER_RSP, ring, CTX_HARDIRQ, ns, this.hc.front_response_ns);
      }
      return this.begin(u, IT_HANDLER, port, CTX_HARDIRQ, ns);
    }
    if (this.upcallWanted[u] === 1 && this.deliverAt[u] <= now) {
      this.upcallWanted[u] = 0;
      this.inLoop[u] = 1;
      if (this.measuring) this.upcalls++;
      this.lateEoi[dom].upcallStart(u); // struct evtchn_loop_ctrl ctrl = { 0 }
      abi.beginUpcall(lv);
      if (this.tracer !== null) {
        this.tracer.upcall(u, this.deliverAt[u], now + this.debt[u], c.guest_entry_ns + abi.cost);
      }
      this.owe(u, c.guest_entry_ns + abi.cost, CTX_HARDIRQ);
      return this.pick(u);
    }
    // Softirq: a __do_softirq under way goes on (only hard IRQs come first);
    // else irq_exit's invoke_softirq starts one while NET_RX is pending,
    // unless ksoftirqd is woken (ksoftirqd_running(), Linux 4.9 to 6.4).
    if (this.inSoftirq[u] !== 0) return this.#pollStep(u);
    const sd = this.polls.head[POLL_LISTS * u + L_SD] >= 0;
    if (sd && this.ksoftirqd[u] === 0) return this.#doSoftirq(u, false);
    // Thread context: ksoftirqd sleeps once nothing is pending; awake, it
    // runs __do_softirq (run_ksoftirqd) whenever every thread runnable at its
    // last turn has had one item (CFS gives runnable threads their share).
    if (this.ksoftirqd[u] === 1) {
      if (!sd) this.ksoftirqd[u] = 0;
      else if (this.threads.head[u] < 0 || this.ktLeft[u] <= 0) {
        this.ktLeft[u] = this.threads.len[u];
        return this.#doSoftirq(u, true); // run_ksoftirqd
      }
    }
    if (this.threads.head[u] >= 0) {
      const t = this.threads.head[u];
      const r = t >> 1;
      const rings = this.rings;
      if (t >= this.qemuBase) {
        // QEMU (user space): emulate the next waiting ioreq of its guest.
        const wake = this.thrWake[t] === 1 ? this.hc.user_wake_ns : 0;
        this.thrWake[t] = 0;
        const g = t - this.qemuBase;
        for (let v = this.vcpuBase[g + 1]; v < this.vcpuBase[g + 2]; v++) {
          if (this.ioQueued[v] === 1) {
            this.ioQueued[v] = 0;
            this.itemArg2[u] = v;
            return this.beginThread(u, t, CTX_USER, this.hc.qemu_ns + wake);
          }
        }
        this.threads.pop(u);
        this.thrOn[t] = 0;
        return this.pick(u);
      }
      const woken = this.thrWake[t] === 1;
      this.thrWake[t] = 0;
      const wake = woken ? this.hc.kthread_wake_ns : 0;
      if ((t & 1) === 0) {
        // The client: woken from waiting for its responses, it first pays its
        // wake-up (try_to_wake_up, the switch to it) and reads them at its
        // end; then it produces the next request unless the ring is full.
        if (woken && this.hc.client_wake_ns > 0) {
          return this.beginThread(u, t, CTX_USER, this.hc.client_wake_ns, IT_WAKE);
        }
        const d = this.ringDev[r];
        this.#readAll(d);
        if (this.issued[d] > this.pushed[d]) {
          if (rings.full(r)) {
            this.stalled[r] = 1; // netif_stop_queue / blk-mq stops until a response frees a slot
            if (this.measuring) this.ringStalls++;
            this.threads.pop(u);
            this.thrOn[t] = 0;
            return this.pick(u);
          }
          return this.beginThread(u, t, CTX_USER, this.hc.front_request_ns);
        }
      } else if (this.ringKind[r] === R_BLK) {
        if (rings.unconsumedRequests(r) > 0) {
          return this.beginThread(u, t, CTX_KTHREAD, this.hc.blkback_ns + wake);
        }
        if (rings.finalCheckRequests(r)) return this.pick(u);
        // xen_blkif_schedule: nothing waiting, late EOI, sleep. eoi_flags
        // is XEN_EOI_FLAG_SPURIOUS unless do_block_io_op consumed a request
        // since the last EOI, and is set again after it.
        this.eoi(u, 0, this.ringPort0[r], this.eoiWork[2 * r + 1] === 0, CTX_KTHREAD);
        this.eoiWork[2 * r + 1] = 0;
      } else if (this.rxQueued[r] > 0) {
        if (rings.unconsumedRequests(r) > 0) {
          return this.beginThread(u, t, CTX_KTHREAD, this.hc.netback_rx_ns + wake);
        }
        // Out of RX buffers: xenvif_rx_ring_slots_available asks for a
        // notification at the next request and checks again; without one
        // the kthread waits for xenvif_rx_interrupt.
        if (this.#haveRxWork(r)) return this.pick(u);
        this.flushRx(u, r, CTX_KTHREAD);
      }
      if ((t & 1) === 1 && this.ringKind[r] === R_NET_RX) {
        // xenvif_wait_for_rx_work: no work, so before it sleeps guest-rx
        // takes the EOI its interrupt left pending (NETBK_RX_EOI or
        // NETBK_COMMON_EOI): xen_irq_lateeoi(queue->rx_irq, 0).
        this.#netbackEoi(u, r - 1, NETBK_RX_EOI, this.ringPort0[r], CTX_KTHREAD);
      }
      this.threads.pop(u);
      this.thrOn[t] = 0;
      return this.pick(u);
    }
    if (this.upcallWanted[u] === 1) {
      // The upcall is on its way: wait for it (on the CPU).
      if (this.stepAt[u] > this.deliverAt[u]) {
        this.stepAt[u] = this.deliverAt[u];
        this.engine.schedule(this.deliverAt[u], EV_STEP, u, ++this.stepGen[u]);
      }
      return;
    }
    // Nothing to do: a pooled VCPU blocks (SCHEDOP_block) and gives up its CPU.
    if (this.pool !== null && u >= this.poolBase) this.pool.block(u - this.poolBase, now);
  }

  /** The effects of `u`'s finished item. */
  finish(u: number): void {
    const arg = this.itemArg[u];
    const dom = this.vcpuDom[u];
    const ctx = this.itemCtx[u];
    const rings = this.rings;
    switch (this.itemKind[u]) {
      case IT_HANDLER: {
        const r = this.portRing[this.portBase[dom] + arg];
        if (r < 0) {
          // drivers/xen/evtchn.c evtchn_interrupt: the port stays masked and
          // user space (QEMU, woken) reads it.
          const gu = dom === 0 && arg < this.portIoreq.length ? this.portIoreq[arg] : -1;
          if (gu >= 0) {
            this.ioQueued[gu] = 1;
            this.wakeThread(this.qemuBase + this.vcpuDom[gu] - 1, true, u);
          }
          return;
        }
        const kind = this.ringKind[r];
        // An event whose handler finds no work is spurious (XEN_EOI_FLAG_SPURIOUS).
        const work = kind === R_NET_RX
          ? (dom === 0 ? this.rxQueued[r] : rings.unconsumedResponses(r))
          : dom === 0
          ? rings.unconsumedRequests(r)
          : rings.unconsumedResponses(r);
        if (work === 0 && this.measuring) {
          this.spurious++;
          // And per template and guest, for a ring with a client.
          const sd = this.ringDev[r];
          if (sd >= 0) {
            this.tplSpurious[this.devSlot[sd]]++;
            this.guestSpurious[this.devGuestSlot[sd]]++;
          }
        }
        if (dom === 0) {
          if (kind === R_NET_TX) {
            // xenvif_tx_interrupt (interface.c) sets NETBK_TX_EOI in
            // eoi_pending; xenvif_handle_tx_interrupt schedules NAPI if
            // requests wait, whose end takes the EOI. Without split channels
            // xenvif_interrupt sets NETBK_COMMON_EOI and also kicks guest-rx
            // if xenvif_have_rx_work: the first of the poll's end and the
            // kthread's wait takes the EOI. No work at all: the bit is cleared
            // and xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS) at once.
            const common = this.ringPort0[r + 1] === arg;
            const bit = common ? NETBK_COMMON_EOI : NETBK_TX_EOI;
            this.eoiPending[r] |= bit;
            const tx = rings.unconsumedRequests(r) > 0;
            if (tx) this.napiSchedule(u, r);
            const rx = common && this.#haveRxWork(r + 1);
            if (rx) this.wakeThread(2 * (r + 1) + 1, true, u);
            if (!tx && !rx) {
              this.eoiPending[r] &= ~bit;
              this.eoi(u, 0, arg, true, ctx);
            }
          } else if (kind === R_BLK) this.wakeThread(2 * r + 1, true, u); // xen_blkif_be_int
          else {
            // xenvif_rx_interrupt: NETBK_RX_EOI in eoi_pending; with
            // xenvif_have_rx_work it kicks guest-rx, whose wait
            // (xenvif_wait_for_rx_work) takes the EOI before it sleeps;
            // without, the bit is cleared and the EOI is
            // XEN_EOI_FLAG_SPURIOUS at once. The queue's bits are kept with
            // its TX ring (r - 1).
            this.eoiPending[r - 1] |= NETBK_RX_EOI;
            if (this.#haveRxWork(r)) this.wakeThread(2 * r + 1, true, u);
            else {
              this.eoiPending[r - 1] &= ~NETBK_RX_EOI;
              this.eoi(u, 0, arg, true, ctx);
            }
          }
          return;
        }
        if (kind === R_NET_RX) {
          // xennet_rx_interrupt (xennet_handle_rx): napi_schedule if responses
          // wait, then the late EOI in the top half, spurious unless more
          // responses are unconsumed than rx_rsp_unconsumed recorded.
          const grew = this.#rxGrew(r);
          if (rings.unconsumedResponses(r) > 0) this.napiSchedule(u, r);
          this.eoi(u, dom, arg, !grew, ctx);
        } else {
          this.irqRing[u] = r; // blkif_interrupt, xennet_tx_interrupt
          this.eoiWork[2 * r] = 0; // eoiflag = XEN_EOI_FLAG_SPURIOUS
          // Without split channels one port serves both rings: xennet_interrupt
          // runs xennet_handle_tx and xennet_handle_rx, then one late EOI.
          if (kind === R_NET_TX && this.ringPortG[r + 1] === arg) {
            if (this.#rxGrew(r + 1)) this.eoiWork[2 * r] = 1;
            if (rings.unconsumedResponses(r + 1) > 0) this.napiSchedule(u, r + 1);
          }
        }
        return;
      }
      case IT_HANDLER_RSP:
      case IT_IRQ_RSP: {
        // A two-part item first does its handler's part (blkif_interrupt,
        // xennet_tx_interrupt: it found work, so nothing is spurious).
        if (this.itemKind[u] === IT_HANDLER_RSP) this.irqRing[u] = arg;
        rings.consumeResponse(arg);
        this.eoiWork[2 * arg] = 1; // blkif_interrupt, xennet_tx_buf_gc: eoiflag = 0
        const d = this.ringDev[arg];
        if (this.ringKind[arg] === R_BLK && d >= 0) this.complete(d, u);
        this.unstall(arg);
        return;
      }
      case IT_POLL: {
        this.pollDone[arg]++;
        if (this.ringKind[arg] === R_NET_TX) {
          // xenvif_tx_action: consume, answer the TX request, pass the packet up;
          // the echo is queued for the guest-rx kthread (xenvif_start_xmit).
          rings.consumeRequest(arg);
          const d = this.ringDev[arg];
          if (rings.pushResponse(arg)) {
            this.send(u, this.vcpuDom[this.ringUg[arg]], this.ringPortG[arg], d, ctx);
          }
          this.rxQueued[arg + 1]++;
          this.wakeThread(2 * (arg + 1) + 1, true, u);
        } else {
          // xennet_poll: take the packet, then post a fresh buffer
          // (xennet_alloc_rx_buffers: push and check; netback asks for a
          // notification only when it ran short).
          rings.consumeResponse(arg);
          // xennet_set_rx_rsp_cons: rx_rsp_unconsumed follows the consumer.
          this.rxSeen[arg] = rings.unconsumedResponses(arg);
          const d = this.ringDev[arg];
          if (d >= 0) this.complete(d, u);
          if (rings.pushRequest(arg)) this.send(u, 0, this.ringPort0[arg], -1, ctx);
        }
        return;
      }
      case IT_WAKE:
        return this.#readAll(this.ringDev[arg >> 1]); // switched to, the client's recv() returns
      case IT_THREAD: {
        if (arg >= this.qemuBase) {
          // QEMU answers: EVTCHNOP_send on the VCPU's ioreq channel, whose
          // other end Xen consumes itself (x=1: no upcall in the guest); Xen
          // wakes the VCPU from wait_for_io; QEMU re-enables its port through
          // /dev/xen/evtchn (an unmask).
          const gu = this.itemArg2[u];
          this.owe(u, this.costs.hypercall_ns, ctx);
          if (this.measuring) {
            this.tplEvents[this.#ioSlot(gu)]++;
            this.guestEvents[this.#ioGuestSlot(gu)]++;
          }
          this.engine.schedule(
            this.engine.now + this.debt[u] + this.costs.wake_ns,
            EV_IODONE,
            gu,
            0,
          );
          // evtchn.c evtchn_write: xen_irq_lateeoi(irq, 0), never spurious.
          this.eoi(u, 0, this.ioPort[gu], false, ctx);
          return;
        }
        const r = arg >> 1;
        const d = this.ringDev[r];
        if ((arg & 1) === 0) {
          // xennet_start_xmit / blkif_queue_request: push, notify if ring.h
          // says so; netfront no longer reaps TX responses here
          // (114a2de6fa86): only its interrupt handler consumes them.
          this.pushed[d]++;
          if (rings.pushRequest(r)) this.send(u, 0, this.ringPort0[r], d, ctx);
        } else if (this.ringKind[r] === R_BLK) {
          rings.consumeRequest(r);
          this.eoiWork[2 * r + 1] = 1; // __do_block_io_op: *eoi_flags &= ~XEN_EOI_FLAG_SPURIOUS
          if (rings.pushResponse(r)) {
            this.send(u, this.vcpuDom[this.ringUg[r]], this.ringPortG[r], d, ctx);
          }
        } else {
          rings.consumeRequest(r); // one posted RX buffer
          this.rxQueued[r]--;
          this.rxBatch[r]++;
          if (this.rxQueued[r] === 0 || this.rxBatch[r] === RX_BATCH_SIZE) this.flushRx(u, r, ctx);
        }
        return;
      }
    }
  }

  /**
   * netback's late EOI of queue `q` (its TX ring) from VCPU `u`: when `bit`
   * or NETBK_COMMON_EOI is pending in eoi_pending, clear both and
   * xen_irq_lateeoi(`port`, 0) (netback.c
   * xenvif_napi_schedule_or_enable_events, rx.c xenvif_wait_for_rx_work).
   */
  #netbackEoi(u: number, q: number, bit: number, port: number, ctx: number): void {
    const was = this.eoiPending[q];
    this.eoiPending[q] = was & ~(bit | NETBK_COMMON_EOI);
    if ((was & (bit | NETBK_COMMON_EOI)) !== 0) this.eoi(u, 0, port, false, ctx);
  }

  /**
   * rx.c xenvif_have_rx_work (xenvif_rx_ring_slots_available): a packet is
   * queued for RX ring `r` and the guest posted a buffer for it; a queued
   * packet without a buffer asks for a notification at the next one
   * (`req_event = req_prod + 1`: with every buffer consumed, req_prod is
   * req_cons, so this is RING_FINAL_CHECK_FOR_REQUESTS).
   */
  #haveRxWork(r: number): boolean {
    if (this.rxQueued[r] === 0) return false;
    return this.rings.finalCheckRequests(r);
  }

  /** xenvif_rx_copy_flush: push the batch's RX responses, notify once if the rule says so. */
  flushRx(u: number, r: number, ctx: number): void {
    const rings = this.rings;
    let notify = false;
    for (let k = this.rxBatch[r]; k > 0; k--) notify = rings.pushResponse(r) || notify;
    this.rxBatch[r] = 0;
    if (notify) {
      this.send(u, this.vcpuDom[this.ringUg[r]], this.ringPortG[r], this.ringDev[r], ctx);
    }
  }

  /** A response consumed on ring `r` freed a slot: a stalled client may go on. */
  unstall(r: number): void {
    if (this.stalled[r] === 0) return;
    this.stalled[r] = 0;
    this.wakeThread(2 * r, false);
  }
}

function deviceCount(t: HostSpec["guests"][number]): { net: number; blk: number } {
  return { net: t.vifs, blk: t.vbds };
}

function createGuestAbi(
  id: string,
  factory: AbiFactory,
  vcpus: number,
  wordBits: 32 | 64,
  /** Event-channel costs (ns). */
  costs: Costs,
): EventChannelAbi {
  const options = { vcpus, wordBits, costs };
  try {
    return createAbi(id, options);
  } catch {
    return factory(options); // a design module: guests run it too
  }
}
