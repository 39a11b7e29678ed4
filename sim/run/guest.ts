/**
 * The guest's VCPU runtime: upcall delivery, the handler loop, top and bottom
 * halves, late EOI with Linux's XSA-332 defences, VCPU scheduling (dedicated
 * or time-shared), event-disabled windows.
 *
 * A VCPU's handler loop is Linux's `__xen_evtchn_do_upcall`: clear
 * `evtchn_upcall_pending`, let the ABI handle events one port at a time, and
 * repeat while `evtchn_upcall_pending` was set again. It is hard-IRQ context,
 * non-preemptive at event granularity: each handled event costs the ABI's
 * scan or consume cost, the IRQ dispatch cost and its top half (`service`).
 * A VCPU in its loop gets no new upcall; with the per-VCPU upcall vector
 * (`guest.upcall: "vector"`) an evtchn_upcall_pending 0->1 meanwhile is
 * latched and taken once after it.
 *
 * Bottom halves (README: Top and bottom halves) run with events enabled, so a
 * new upcall preempts them and they resume where they stopped:
 * - softirq, as NAPI: the top half schedules a poll (napi_schedule); at
 *   irq_exit `__do_softirq` runs net_rx_action, whose polls take at most the
 *   NAPI weight of items each and are rescheduled while work remains; past
 *   Linux's limits the work goes to ksoftirqd (kernel/softirq.c,
 *   net/core/dev.c);
 * - thread: a kthread (blkback's xen_blkif_schedule) or threaded IRQ that
 *   runs when no hard-IRQ or softirq work is pending.
 * Thread context runs ksoftirqd and kthreads round robin.
 *
 * The rules are Linux 6.1's; where later kernels differ (irq_exit while
 * ksoftirqd is woken, 6.5; polls scheduled during net_rx_action, 6.4),
 * docs/explanation/guest-runtime.md says so.
 *
 * @module
 */

import type { EventChannelAbi } from "../../models/abi.ts";
import type { Costs } from "../../models/costs.ts";
import { MASK_EOI_PENDING, MaskReasons } from "../../models/mask_reasons.ts";
import type { Engine } from "../engine/engine.ts";
import {
  EV_DISPATCH,
  EV_HANDLER_DONE,
  EV_IRQ_OFF,
  EV_LATE_EOI,
  EV_LOOP,
  EV_SCHED,
  EV_SOFT,
  EV_THREAD,
  EV_UPCALL,
} from "./events.ts";
import {
  CTX_HARDIRQ,
  CTX_IDLE,
  CTX_SLOTS,
  CTX_SOFTIRQ,
  CTX_THREAD,
  type Metrics,
} from "./metrics.ts";
import { type Distribution, RandomStream } from "../engine/random.ts";
import {
  EOI_LISTED,
  EOI_NOW,
  jiffiesToMsecs,
  LateEoi,
  LOOP_CHECK_EVENTS,
  SPURIOUS_THRESHOLD,
} from "./late_eoi.ts";
import { ItemLists } from "./item_lists.ts";
import { rebuildPollList, SOFTIRQ, SoftirqControl } from "./softirq.ts";

export { jiffiesToMsecs };
export { msecsToJiffies } from "./softirq.ts";

/** Receives what happens on VCPUs, for timelines. Every method is optional work: keep it cheap. */
export interface Tracer {
  /** A raise on `port` (outcome 0 new, 1 coalesced, 2 dropped) at `t`. */
  raise(t: number, port: number, group: number, outcome: number): void;
  /** Upcall delivery on `vcpu` from the kick `t0` to the loop entry `t1`. */
  upcall(vcpu: number, t0: number, t1: number): void;
  /** A handler of `port` ran on `vcpu` from `start` to `done`. */
  handler(vcpu: number, port: number, group: number, start: number, done: number): void;
  /** `vcpu` was descheduled from `t0` to `t1`. */
  descheduled(vcpu: number, t0: number, t1: number): void;
}

/** Linux's constants for bottom halves and late EOI, each from its source. */
export const LINUX = {
  /** include/linux/netdevice.h NAPI_POLL_WEIGHT: a poll's default budget of items. */
  napiWeight: SOFTIRQ.napiWeight,
  /** net/core/dev.c netdev_budget: items one net_rx_action may process. */
  netdevBudget: SOFTIRQ.netdevBudget,
  /** net/core/dev.c netdev_budget_usecs = 2 * USEC_PER_SEC / HZ: net_rx_action's time limit, 2 jiffies. */
  netdevBudgetJiffies: SOFTIRQ.netdevBudgetJiffies,
  /** kernel/softirq.c MAX_SOFTIRQ_TIME = msecs_to_jiffies(2). */
  maxSoftirqMs: SOFTIRQ.maxSoftirqMs,
  /** kernel/softirq.c MAX_SOFTIRQ_RESTART: __do_softirq runs at most this many rounds. */
  maxSoftirqRestart: SOFTIRQ.maxSoftirqRestart,
  /** events_base.c handle_irq_for_port: the loop checks its timeout every 256 events. */
  loopCheckEvents: LOOP_CHECK_EVENTS,
  /** drivers/xen/xenbus/xenbus_probe.c xenbus_dev_probe: dev->spurious_threshold = 1. */
  spuriousThreshold: SPURIOUS_THRESHOLD,
} as const;

/** A group's bottom half, as the runtime needs it. */
export interface GuestDeferred {
  /** 1 softirq (NAPI poll), 2 thread (kthread). */
  kind: number;
  /** Work items per event: a sampler of counts. */
  items: (r: RandomStream) => number;
  /** Time per work item (ns). */
  item: Distribution;
  /** NAPI weight (softirq). */
  weight: number;
  /**
   * Whether the other end sends an event even while this work is scheduled
   * (a frontend that ignores the ring's event index, as a flooder does).
   */
  notifyAlways?: boolean;
}

/** Deferred kinds in {@linkcode GuestDeferred}. */
export const DEFER_SOFTIRQ = 1;
/** A kthread or threaded IRQ. */
export const DEFER_THREAD = 2;

/** What the guest runtime needs to know about the scenario. */
export interface GuestConfig {
  /** Number of VCPUs. */
  vcpus: number;
  /** Per port: group index or -1. */
  portGroup: Int32Array;
  /** Per port: the priority it is measured at. */
  portPriority: Uint8Array;
  /** Per group: whether the group uses late EOI (masked at ack, unmasked after its work). */
  groupLateEoi: Uint8Array;
  /** Per VCPU: 1 online. */
  vcpuOnline: Uint8Array;
  /** Whether an idle VCPU is halted (wake_ns) rather than busy (upcall_ns). */
  idleHalts: boolean;
  /**
   * Upcall delivery: true for the per-VCPU LAPIC vector
   * (HVMOP_set_evtchn_upcall_vector, `guest.upcall: "vector"`), false for the
   * global callback vector (`"callback"`).
   */
  upcallVector: boolean;
  /** Time-share slices, or null for dedicated VCPUs. */
  timeshare: { run: Distribution; wait: Distribution } | null;
  /** Event-disabled windows: fraction of time and mean window length (ns), or null. */
  irqOff: { fraction: number; meanNs: number } | null;
  /** The run's master seed and replication, for the VCPU streams. */
  seed: number;
  /** Replication index. */
  replication: number;
  /** Per group: its bottom half, or null (all work in the top half). Empty: none anywhere. */
  deferred?: (GuestDeferred | null)[];
  /** Per group: fraction of events that are spurious (0 when unset). */
  spurious?: Float64Array;
  /** Per group: its name, for the random streams of deferred work. */
  groupNames?: readonly string[];
  /** Timer ticks per second (jiffies); 250 when unset. */
  hz?: number;
  /** Loop control (evtchn_loop_ctrl) on; true when unset. */
  loopCtrl?: boolean;
  /** Spurious-event backoff of late EOIs on; true when unset. */
  eoiBackoff?: boolean;
  /** event_loop_timeout in jiffies; 2 when unset. */
  eventLoopTimeout?: number;
  /** event_eoi_delay in jiffies; 10 when unset. */
  eventEoiDelay?: number;
}

/** The source of service times (the workload). */
export interface ServiceSource {
  /** A service time in ns for group `g`. */
  serviceTime(g: number): number;
}

// Per-VCPU lists of ports (list `v * LISTS + L_xx`; a port is on at most one
// list): the softirq poll list (sd->poll_list), the list a net_rx_action took
// at its start, its repoll list, and the kthread queue.
const L_SD = 0, L_ACT = 1, L_REP = 2, L_THR = 3, LISTS = 4;
/** Thread-context activity: ksoftirqd running __do_softirq, or a kthread. */
const T_KSOFTIRQD = 1, T_KTHREAD = 2;

/**
 * The VCPUs of one guest.
 *
 * @example
 * ```ts
 * // Built by sim/run/run.ts; see executeRun for a complete run.
 * import { Guest } from "./guest.ts";
 * console.log(typeof Guest); // "function"
 * ```
 */
export class Guest {
  readonly #abi: EventChannelAbi;
  readonly #engine: Engine;
  readonly #metrics: Metrics;
  readonly #service: ServiceSource;
  readonly #costs: Costs;
  readonly #cfg: GuestConfig;
  /** Per VCPU: 1 from the kick until the loop ends. */
  readonly inLoop: Uint8Array;
  /** Per VCPU: 1 while scheduled on a pCPU. */
  readonly running: Uint8Array;
  /** Per VCPU: 1 inside an event-disabled window (evtchn_upcall_mask set). */
  readonly irqOff: Uint8Array;
  /** Linux's per-port mask reasons (late EOI, rebinding), over the ABI's mask bits. */
  readonly masks: MaskReasons;
  /** Per VCPU: the upcall vector is latched in the LAPIC IRR (per-VCPU vector mode). */
  readonly #irr: Uint8Array;
  readonly #waitIrq: Uint8Array;
  readonly #workKind: Int32Array;
  readonly #workAt: Float64Array;
  readonly #remaining: Float64Array;
  readonly #gen: Int32Array;
  readonly #port: Int32Array;
  readonly #kickAt: Float64Array;
  readonly #deschedAt: Float64Array;
  readonly #rng: RandomStream[];
  // bottom halves
  readonly #deferKind: Uint8Array;
  readonly #deferred: (GuestDeferred | null)[];
  readonly #spurious: Float64Array;
  readonly #deferRng: RandomStream[];
  readonly #spuriousRng: RandomStream[];
  readonly #tick: number;
  readonly #hz: number;
  /** Linux's late-EOI bookkeeping: loop control and the spurious-event backoff (late_eoi.ts). */
  readonly lateEoi: LateEoi;
  /** Per VCPU: context (CTX_*), and since when. */
  readonly #ctx: Uint8Array;
  readonly #ctxSince: Float64Array;
  /** Per VCPU: inside a step of its own (loop end, bottom half); a kick to it then waits for the step's end. */
  readonly #busy: Uint8Array;
  readonly #kickLater: Uint8Array;
  readonly #savedCtx: Uint8Array;
  /** Per VCPU: the handled event was spurious. */
  readonly #curSpurious: Uint8Array;
  /** Per VCPU: time left of a preempted softirq / thread item, or -1. */
  readonly #softRem: Float64Array;
  readonly #threadRem: Float64Array;
  /** Per VCPU: the port a poll (softirq or ksoftirqd) is working on, or -1; items it did. */
  readonly #pollPort: Int32Array;
  readonly #polled: Int32Array;
  /** Per VCPU: __do_softirq's end and rounds left, net_rx_action's budget and time limit (softirq.ts). */
  readonly #soft: SoftirqControl;
  /**
   * Per VCPU: ksoftirqd woken; kthread runs left before ksoftirqd's next turn
   * (round robin: every kthread queued when ksoftirqd's turn ended runs once
   * first, as a fair scheduler gives each runnable thread its share); what
   * thread context runs.
   */
  readonly #ksoftirqd: Uint8Array;
  readonly #ktLeft: Int32Array;
  readonly #thrMode: Uint8Array;
  readonly #thrPort: Int32Array;
  readonly #thrItems: Int32Array;
  /** Per VCPU: its LISTS lists of ports (item_lists.ts). */
  readonly #lists: ItemLists;
  // per port
  readonly #napiSched: Uint8Array;
  readonly #thrQueued: Uint8Array;
  readonly #added: Float64Array;
  readonly #doneItems: Float64Array;
  readonly #qHead: Int32Array;
  readonly #qTail: Int32Array;
  // measured instances waiting for their deferred work: a pool of records
  #iRaise: Float64Array;
  #iEnd: Float64Array;
  #iPrio: Uint8Array;
  #iNext: Int32Array;
  #iFree = -1;
  /** Optional timeline recorder. */
  tracer: Tracer | null = null;

  /** Build the runtime for `cfg`, calling `abi`, timing with `engine`, recording into `metrics`. */
  constructor(
    abi: EventChannelAbi,
    engine: Engine,
    metrics: Metrics,
    service: ServiceSource,
    costs: Costs,
    cfg: GuestConfig,
  ) {
    this.#abi = abi;
    this.#engine = engine;
    this.#metrics = metrics;
    this.#service = service;
    this.#costs = costs;
    this.#cfg = cfg;
    const n = cfg.vcpus;
    this.inLoop = new Uint8Array(n);
    this.running = new Uint8Array(n).fill(1);
    this.irqOff = new Uint8Array(n);
    this.masks = new MaskReasons(abi);
    this.#irr = new Uint8Array(n);
    this.#waitIrq = new Uint8Array(n);
    this.#workKind = new Int32Array(n);
    this.#workAt = new Float64Array(n);
    this.#remaining = new Float64Array(n);
    this.#gen = new Int32Array(n);
    this.#port = new Int32Array(n);
    this.#kickAt = new Float64Array(n);
    this.#deschedAt = new Float64Array(n);
    this.#rng = Array.from(
      { length: n },
      (_, v) => RandomStream.derive(cfg.seed, cfg.replication, `vcpu/${v}`),
    );
    const G = cfg.groupLateEoi.length;
    this.#deferred = cfg.deferred ?? new Array(G).fill(null);
    this.#deferKind = Uint8Array.from(this.#deferred.map((d) => d?.kind ?? 0));
    this.#spurious = cfg.spurious ?? new Float64Array(G);
    const names = cfg.groupNames ?? Array.from({ length: G }, (_, g) => `${g}`);
    this.#deferRng = names.map((g) =>
      RandomStream.derive(cfg.seed, cfg.replication, `deferred/${g}`)
    );
    this.#spuriousRng = names.map((g) =>
      RandomStream.derive(cfg.seed, cfg.replication, `spurious/${g}`)
    );
    this.#hz = cfg.hz ?? 250;
    this.#tick = 1e9 / this.#hz;
    this.lateEoi = new LateEoi(cfg.portGroup.length, n, {
      hz: this.#hz,
      loopCtrl: cfg.loopCtrl,
      backoff: cfg.eoiBackoff,
      eventLoopTimeout: cfg.eventLoopTimeout,
      eventEoiDelay: cfg.eventEoiDelay,
    });
    this.#ctx = new Uint8Array(n);
    this.#ctxSince = new Float64Array(n);
    this.#busy = new Uint8Array(n);
    this.#kickLater = new Uint8Array(n);
    this.#savedCtx = new Uint8Array(n);
    this.#curSpurious = new Uint8Array(n);
    this.#softRem = new Float64Array(n).fill(-1);
    this.#threadRem = new Float64Array(n).fill(-1);
    this.#pollPort = new Int32Array(n).fill(-1);
    this.#polled = new Int32Array(n);
    this.#soft = new SoftirqControl(n, this.#hz);
    this.#ksoftirqd = new Uint8Array(n);
    this.#ktLeft = new Int32Array(n);
    this.#thrMode = new Uint8Array(n);
    this.#thrPort = new Int32Array(n).fill(-1);
    this.#thrItems = new Int32Array(n);
    const P = cfg.portGroup.length;
    this.#lists = new ItemLists(n * LISTS, P);
    this.#napiSched = new Uint8Array(P);
    this.#thrQueued = new Uint8Array(P);
    this.#added = new Float64Array(P);
    this.#doneItems = new Float64Array(P);
    this.#qHead = new Int32Array(P).fill(-1);
    this.#qTail = new Int32Array(P).fill(-1);
    this.#iRaise = new Float64Array(0);
    this.#iEnd = new Float64Array(0);
    this.#iPrio = new Uint8Array(0);
    this.#iNext = new Int32Array(0);
  }

  /** Schedule the VCPU processes (time-share slices, event-disabled windows). */
  start(): void {
    const e = this.#engine;
    for (let v = 0; v < this.#cfg.vcpus; v++) {
      const r = this.#rng[v];
      const ts = this.#cfg.timeshare;
      if (ts !== null) {
        // Start at a random point of a run slice.
        e.schedule(e.now + ts.run.sample(r) * r.uniform(), EV_SCHED, v, 0);
      }
      const w = this.#cfg.irqOff;
      if (w !== null && w.fraction > 0) {
        e.schedule(e.now + r.exponential(this.#gapMean()), EV_IRQ_OFF, v, 1);
      }
    }
  }

  #gapMean(): number {
    const w = this.#cfg.irqOff!;
    return w.meanNs * (1 - w.fraction) / w.fraction;
  }

  /** The jiffies counter at time `t` (ns). */
  jiffies(t: number): number {
    return this.lateEoi.jiffies(t);
  }

  /**
   * An arrival on `port` while the port's deferred work is scheduled (a NAPI
   * poll on a poll list, a kthread woken and not done): the other end puts
   * the work on the ring without an event, as Linux's ring protocol has it
   * (xen/interface/io/ring.h RING_PUSH_REQUESTS_AND_CHECK_NOTIFY sends only
   * when the consumer re-armed its event index, which netback, netfront and
   * blkback do once their work is done, RING_FINAL_CHECK_FOR_REQUESTS). The
   * work joins the port's backlog and its completion is measured from now.
   * Returns false when the arrival must raise the port.
   */
  absorb(port: number): boolean {
    const g = this.#cfg.portGroup[port];
    if (g < 0 || this.#deferKind[g] === 0) return false;
    if (this.#napiSched[port] === 0 && this.#thrQueued[port] === 0) return false;
    const d = this.#deferred[g]!;
    if (d.notifyAlways === true) return false;
    this.#added[port] += d.items(this.#deferRng[g]);
    const m = this.#metrics;
    if (m.measuring) {
      m.gAbsorbed[g]++;
      this.#enqueue(port, this.#engine.now, this.#added[port], this.#cfg.portPriority[port]);
    }
    return true;
  }

  /**
   * Close the books at `end`: the time each VCPU spent in its current
   * context, and the measured instances still waiting for deferred work.
   */
  finish(end: number): void {
    for (let v = 0; v < this.#cfg.vcpus; v++) this.#account(v, end);
    const pg = this.#cfg.portGroup;
    for (let p = 0; p < pg.length; p++) {
      for (let i = this.#qHead[p]; i >= 0; i = this.#iNext[i]) {
        this.#metrics.onOutstanding(pg[p], end - this.#iRaise[i]);
      }
    }
  }

  /** Add the time since the last context switch of `v` to its context's total. */
  #account(v: number, now: number): void {
    const m = this.#metrics;
    const from = Math.max(this.#ctxSince[v], m.measureStart);
    if (m.measuring && now > from) m.ctxNs[v * CTX_SLOTS + this.#ctx[v]] += now - from;
    this.#ctxSince[v] = now;
  }

  #setCtx(v: number, ctx: number): void {
    if (this.#ctx[v] === ctx) return;
    this.#account(v, this.#engine.now);
    this.#ctx[v] = ctx;
  }

  /**
   * Both edge filters passed for `vcpu` (the ABI returned it from a raise or
   * unmask): start an upcall unless the VCPU is already in its loop. Softirq
   * and thread work run with events enabled: the upcall preempts them and
   * they resume, with the time they had left, when the loop ends.
   */
  kick(vcpu: number): void {
    if (this.inLoop[vcpu] === 1) {
      // Per-VCPU vector: Xen's hvm_assert_evtchn_irq does vlapic_set_irq, which the
      // LAPIC latches in IRR while the loop runs (xen/arch/x86/hvm/irq.c). The
      // callback vector is injected only while evtchn_upcall_pending is still set
      // (hvm_vcpu_has_pending_irq), which the loop clears: nothing is latched.
      if (this.#cfg.upcallVector) this.#irr[vcpu] = 1;
      return;
    }
    if (this.#cfg.vcpuOnline[vcpu] === 0) return;
    if (this.#busy[vcpu] === 1) {
      // An unmask by the VCPU's own bottom half: the upcall preempts the work it goes on to.
      this.#kickLater[vcpu] = 1;
      return;
    }
    this.inLoop[vcpu] = 1;
    const now = this.#engine.now;
    const k = this.#workKind[vcpu];
    if (k === EV_SOFT || k === EV_THREAD) {
      const left = this.running[vcpu] === 1
        ? Math.max(0, this.#workAt[vcpu] - now)
        : this.#remaining[vcpu];
      if (k === EV_SOFT) this.#softRem[vcpu] = left;
      else this.#threadRem[vcpu] = left;
      if (this.running[vcpu] === 1) this.#gen[vcpu]++; // the item's end event is now stale
      this.#workKind[vcpu] = 0;
      if (this.running[vcpu] === 1) this.#setCtx(vcpu, CTX_IDLE);
      else this.#savedCtx[vcpu] = CTX_IDLE;
    }
    this.#kickAt[vcpu] = now;
    const delay = this.#cfg.idleHalts ? this.#costs.wake_ns : this.#costs.upcall_ns;
    this.#work(vcpu, EV_UPCALL, now + delay);
  }

  /** Schedule the VCPU's one in-flight event (or park it while descheduled). */
  #work(v: number, kind: number, at: number): void {
    this.#workKind[v] = kind;
    if (this.running[v] === 0) {
      this.#remaining[v] = at - this.#engine.now;
      return;
    }
    this.#workAt[v] = at;
    this.#engine.schedule(at, kind, v, this.#gen[v]);
  }

  /** Handle a guest event; `b` is the generation for loop events. */
  handle(kind: number, v: number, b: number): void {
    switch (kind) {
      case EV_SCHED:
        return this.#sched(v, b === 1);
      case EV_IRQ_OFF:
        return this.#irqWindow(v, b === 1);
      case EV_LATE_EOI:
        return this.#lateEoiWorker(v);
    }
    if (b !== this.#gen[v]) return; // stale: the VCPU was descheduled or preempted meanwhile
    this.#workKind[v] = 0;
    switch (kind) {
      case EV_UPCALL:
        return this.#upcall(v);
      case EV_LOOP:
        this.#busy[v] = 1;
        this.#loop(v);
        return this.#endBusy(v);
      case EV_HANDLER_DONE:
        return this.#handlerDone(v);
      case EV_DISPATCH:
        return this.#startHandler(v, this.#port[v], this.#engine.now);
      case EV_SOFT:
        this.#busy[v] = 1;
        this.#itemDone(this.#pollPort[v]);
        this.#pollStep(v);
        return this.#endBusy(v);
      case EV_THREAD:
        this.#busy[v] = 1;
        if (this.#thrMode[v] === T_KSOFTIRQD) {
          this.#itemDone(this.#pollPort[v]);
          this.#pollStep(v);
        } else {
          this.#itemDone(this.#thrPort[v]);
          this.#thrItems[v]++;
          this.#kthreadStep(v);
        }
        return this.#endBusy(v);
    }
  }

  #endBusy(v: number): void {
    this.#busy[v] = 0;
    if (this.#kickLater[v] === 1) {
      this.#kickLater[v] = 0;
      this.kick(v);
    }
  }

  #upcall(v: number): void {
    if (this.irqOff[v] === 1) {
      this.#waitIrq[v] = 1; // delivered when the event-disabled window closes
      return;
    }
    const abi = this.#abi, m = this.#metrics;
    const now = this.#engine.now;
    if (this.tracer !== null) this.tracer.upcall(v, this.#kickAt[v], now);
    if (m.measuring) m.upcalls++;
    this.#setCtx(v, CTX_HARDIRQ);
    // events_base.c __xen_evtchn_do_upcall: struct evtchn_loop_ctrl ctrl = { 0 } per upcall.
    this.lateEoi.upcallStart(v);
    // The vector is delivered (IRR -> ISR) and Linux EOIs the LAPIC at entry
    // (sysvec_xen_hvm_callback: apic_eoi() when xen_percpu_upcall), so a later
    // edge latches IRR again.
    this.#irr[v] = 0;
    abi.beginUpcall(v);
    const acc = this.#costs.guest_entry_ns + abi.cost;
    if (m.measuring) m.guestAbiNs += acc;
    this.#step(v, acc);
  }

  /** The end of one pass: repeat while evtchn_upcall_pending was set again. */
  #loop(v: number): void {
    const abi = this.#abi;
    if (!abi.upcallPending(v)) {
      if (this.#irr[v] === 1) {
        // Per-VCPU vector: an evtchn_upcall_pending 0->1 during the loop left the
        // vector in IRR; it is taken as soon as the loop returns: one more upcall
        // entry, which usually finds nothing.
        this.#kickAt[v] = this.#engine.now;
        this.#work(v, EV_UPCALL, this.#engine.now);
        return;
      }
      this.inLoop[v] = 0;
      // events_base.c: irq_epoch is incremented only after the loop, so only
      // late EOIs issued inside it are deferred by loop control.
      this.lateEoi.loopEnd(v);
      return this.#irqExit(v);
    }
    abi.beginUpcall(v);
    const c = abi.cost;
    if (this.#metrics.measuring) this.#metrics.guestAbiNs += c;
    this.#step(v, c);
  }

  /** Ask the ABI for one port; dispatch its handler or end the pass. `acc` is time already spent. */
  #step(v: number, acc: number): void {
    const abi = this.#abi, m = this.#metrics;
    const now = this.#engine.now;
    const port = abi.next(v);
    let c = abi.cost;
    if (port < 0) {
      if (m.measuring) m.guestAbiNs += c;
      this.#work(v, EV_LOOP, now + acc + c);
      return;
    }
    abi.ack(port); // Linux acks (clears P) before running the handler
    const g = this.#cfg.portGroup[port];
    // handle_irq_for_port counts every event it hands to an IRQ, late EOI or not.
    if (g >= 0) this.lateEoi.handled(v, port, now);
    if (g >= 0 && this.#cfg.groupLateEoi[g] === 1) {
      // lateeoi_ack_dynirq: do_mask(EOI_PENDING) at ack; xen_irq_lateeoi unmasks (events_base.c).
      this.masks.mask(port, MASK_EOI_PENDING);
      c += this.masks.cost;
    }
    if (m.measuring) m.guestAbiNs += c;
    const start = now + acc + c + this.#costs.dispatch_ns;
    this.#port[v] = port;
    if (this.#cfg.timeshare === null) {
      // A dedicated VCPU cannot be descheduled before the handler starts: start it now.
      this.#startHandler(v, port, start);
    } else {
      // A time-shared VCPU may be descheduled during the scan and dispatch: the
      // handler starts when that time has really passed on the VCPU.
      this.#work(v, EV_DISPATCH, start);
    }
  }

  /** The handler of `port` starts on `v` at `start`: measure it, draw its top half and work. */
  #startHandler(v: number, port: number, start: number): void {
    const g = this.#cfg.portGroup[port];
    if (g < 0) {
      this.#curSpurious[v] = 0;
      return this.#work(v, EV_HANDLER_DONE, start);
    }
    const m = this.#metrics;
    const svc = this.#service.serviceTime(g);
    const done = start + svc;
    const frac = this.#spurious[g];
    const spurious = frac > 0 && this.#spuriousRng[g].uniform() < frac;
    this.#curSpurious[v] = spurious ? 1 : 0;
    if (m.measuring) {
      m.gCpuNs[g] += svc;
      if (spurious) m.gSpurious[g]++;
    }
    const dk = this.#deferKind[g];
    const prio = this.#cfg.portPriority[port];
    if (dk === 0 || (dk === DEFER_SOFTIRQ && spurious)) {
      // No deferred work (a spurious NAPI event schedules no poll): the instance completes with its top half.
      m.onDispatch(port, g, prio, start, start, done);
    } else {
      const measured = m.open[port] === 1;
      const raisedAt = m.since[port], mprio = m.openPrio[port];
      m.onDispatch(port, g, prio, start, start, -1);
      const items = spurious ? 0 : this.#deferred[g]!.items(this.#deferRng[g]);
      this.#added[port] += items;
      if (measured) this.#enqueue(port, raisedAt, this.#added[port], mprio);
    }
    if (this.tracer !== null) this.tracer.handler(v, port, g, start, done);
    this.#work(v, EV_HANDLER_DONE, done);
  }

  #handlerDone(v: number): void {
    const port = this.#port[v];
    const g = this.#cfg.portGroup[port];
    let acc = 0;
    if (g >= 0) {
      const dk = this.#deferKind[g];
      const spurious = this.#curSpurious[v] === 1;
      if (dk === DEFER_SOFTIRQ && !spurious) {
        // napi_schedule: the poll joins this VCPU's poll list and NET_RX is raised.
        if (this.#napiSched[port] === 0) {
          this.#napiSched[port] = 1;
          this.#lists.push(v * LISTS + L_SD, port);
        }
      } else if (dk === DEFER_THREAD) {
        // blkback xen_blkif_be_int: waiting_reqs = 1; wake_up(&blkif->wq).
        if (this.#thrQueued[port] === 0) {
          this.#thrQueued[port] = 1;
          this.#lists.push(v * LISTS + L_THR, port);
        }
      } else if (this.#cfg.groupLateEoi[g] === 1) {
        // The top half's own EOI (netback xenvif_*_interrupt: no work -> XEN_EOI_FLAG_SPURIOUS).
        acc = this.#lateEoi(v, port, spurious);
      }
    }
    this.#step(v, acc);
  }

  /**
   * Linux events_base.c xen_irq_lateeoi_locked (late_eoi.ts LateEoi.eoi): the
   * late EOI of `port`, `spurious` when the backend found no work. Unmasks
   * now, or puts the port on the EOI list until the worker's jiffy. Returns
   * the guest-side cost.
   */
  #lateEoi(v: number, port: number, spurious: boolean): number {
    const at = this.lateEoi.eoi(v, port, spurious, this.#engine.now);
    if (at === EOI_LISTED) return 0;
    if (at === EOI_NOW) return this.#unmask(port);
    this.#engine.schedule(at * this.#tick, EV_LATE_EOI, port, 0);
    const g = this.#cfg.portGroup[port];
    if (this.#metrics.measuring && g >= 0) this.#metrics.gEoiDeferred[g]++;
    return 0;
  }

  /** xen_irq_lateeoi_worker: the delayed EOI of `port` is due (late_eoi.ts LateEoi.worker). */
  #lateEoiWorker(port: number): void {
    this.lateEoi.worker(port);
    this.#unmask(port);
  }

  /** Unmask `port` (EVTCHNOP_unmask when P is set) and kick the VCPU it names. */
  #unmask(port: number): number {
    const abi = this.#abi, m = this.#metrics;
    const wasPending = abi.isPending(port);
    // xen_irq_lateeoi: do_unmask(EOI_PENDING); the port is unmasked unless another
    // reason holds (a rebind in progress). With P set, EVTCHNOP_unmask relinks.
    const target = this.masks.unmask(port, MASK_EOI_PENDING);
    const c = this.masks.cost;
    if (m.measuring) {
      m.guestAbiNs += c;
      if (wasPending && this.masks.unmasked) m.hypercalls++;
    }
    // On a VCPU in its loop: latched in IRR (vector) or a no-op.
    if (target >= 0) this.kick(target);
    return c;
  }

  // ---- bottom halves ------------------------------------------------------

  /** irq_exit: resume a preempted softirq, else run pending softirqs, else thread context. */
  #irqExit(v: number): void {
    if (this.#softRem[v] >= 0) {
      const rem = this.#softRem[v];
      this.#softRem[v] = -1;
      this.#setCtx(v, CTX_SOFTIRQ);
      return this.#work(v, EV_SOFT, this.#engine.now + rem);
    }
    // invoke_softirq: nothing to do while ksoftirqd runs the pending softirqs
    // (ksoftirqd_running(), 4cd13c21b207, Linux 4.9 to 6.4; d15121be7485 drops it in 6.5).
    if (this.#lists.head[v * LISTS + L_SD] >= 0 && this.#ksoftirqd[v] === 0) {
      this.#setCtx(v, CTX_SOFTIRQ);
      return this.#doSoftirq(v);
    }
    this.#runThread(v);
  }

  /** kernel/softirq.c __do_softirq: at most MAX_SOFTIRQ_RESTART rounds within MAX_SOFTIRQ_TIME. */
  #doSoftirq(v: number): void {
    this.#soft.doSoftirq(v, this.jiffies(this.#engine.now));
    this.#netRxAction(v);
  }

  /** net/core/dev.c net_rx_action: take the poll list, with a budget and a time limit. */
  #netRxAction(v: number): void {
    const b = v * LISTS;
    this.#soft.netRxAction(v, this.jiffies(this.#engine.now));
    this.#lists.splice(b + L_ACT, b + L_SD);
    this.#pollPort[v] = -1;
    this.#pollStep(v);
  }

  /** One step of net_rx_action: the next item of the current poll, or the next poll. */
  #pollStep(v: number): void {
    const b = v * LISTS;
    for (;;) {
      const p = this.#pollPort[v];
      if (p >= 0) {
        const g = this.#cfg.portGroup[p];
        const d = this.#deferred[g]!;
        if (this.#polled[v] < d.weight && this.#added[p] > this.#doneItems[p]) {
          this.#polled[v]++;
          return this.#item(v, g, this.#ctx[v] === CTX_THREAD ? EV_THREAD : EV_SOFT);
        }
        // napi_poll: a poll that used its whole weight is rescheduled (repoll);
        // one that found its work done completes (napi_complete_done) and EOIs.
        this.#pollPort[v] = -1;
        const work = this.#polled[v];
        if (work >= d.weight) {
          this.#lists.push(b + L_REP, p);
        } else {
          this.#napiSched[p] = 0;
          if (this.#cfg.groupLateEoi[g] === 1) this.#lateEoi(v, p, false);
        }
        // budget -= work; past the budget or the time limit: time_squeeze.
        if (this.#soft.spend(v, work, this.jiffies(this.#engine.now))) {
          return this.#netRxEnd(v);
        }
      }
      const next = this.#lists.pop(b + L_ACT);
      if (next < 0) return this.#netRxEnd(v);
      this.#pollPort[v] = next;
      this.#polled[v] = 0;
    }
  }

  /**
   * The end of net_rx_action (net/core/dev.c): the polls not yet run, then
   * the polls scheduled meanwhile, then the repolls form the poll list again
   * (list_splice_tail_init(&sd->poll_list, &list); list_splice_tail(&repoll,
   * &list); list_splice(&list, &sd->poll_list)); if it is not empty, NET_RX
   * is raised again and __do_softirq restarts within its limits or wakes
   * ksoftirqd.
   */
  #netRxEnd(v: number): void {
    const b = v * LISTS;
    rebuildPollList(this.#lists, b + L_SD, b + L_ACT, b + L_REP);
    if (this.#lists.head[b + L_SD] >= 0) {
      if (this.#soft.restart(v, this.jiffies(this.#engine.now))) return this.#netRxAction(v);
      if (this.#ksoftirqd[v] === 0) {
        this.#ksoftirqd[v] = 1; // wakeup_softirqd
        if (this.#metrics.measuring) this.#metrics.ksoftirqdWakeups++;
      }
    }
    this.#runThread(v);
  }

  /** Thread context: resume a preempted item, else ksoftirqd and kthreads in turn, else idle. */
  #runThread(v: number): void {
    const now = this.#engine.now;
    if (this.#threadRem[v] >= 0) {
      const rem = this.#threadRem[v];
      this.#threadRem[v] = -1;
      this.#setCtx(v, CTX_THREAD);
      return this.#work(v, EV_THREAD, now + rem);
    }
    const b = v * LISTS;
    const softPending = this.#lists.head[b + L_SD] >= 0;
    if (this.#ksoftirqd[v] === 1 && !softPending) this.#ksoftirqd[v] = 0; // ksoftirqd sleeps
    const ks = this.#ksoftirqd[v] === 1;
    const kt = this.#lists.head[b + L_THR] >= 0;
    if (ks && (!kt || this.#ktLeft[v] <= 0)) {
      this.#ktLeft[v] = this.#lists.len[b + L_THR];
      this.#thrMode[v] = T_KSOFTIRQD;
      this.#setCtx(v, CTX_THREAD);
      return this.#doSoftirq(v); // run_ksoftirqd
    }
    if (kt) {
      this.#ktLeft[v]--;
      const p = this.#lists.pop(b + L_THR);
      this.#thrMode[v] = T_KTHREAD;
      this.#thrPort[v] = p;
      this.#thrItems[v] = 0;
      this.#setCtx(v, CTX_THREAD);
      return this.#kthreadStep(v);
    }
    this.#setCtx(v, CTX_IDLE);
  }

  /** A kthread's run for its port: every queued item, then the late EOI (spurious when it found none). */
  #kthreadStep(v: number): void {
    const p = this.#thrPort[v];
    const g = this.#cfg.portGroup[p];
    if (this.#added[p] > this.#doneItems[p]) return this.#item(v, g, EV_THREAD);
    this.#complete(p); // instances that brought no items end here
    this.#thrQueued[p] = 0;
    this.#thrPort[v] = -1;
    if (this.#cfg.groupLateEoi[g] === 1) this.#lateEoi(v, p, this.#thrItems[v] === 0);
    this.#runThread(v);
  }

  /** Start one work item of group `g` on `v`: an item-time draw, ending with `kind`. */
  #item(v: number, g: number, kind: number): void {
    const t = this.#deferred[g]!.item.sample(this.#deferRng[g]);
    if (this.#metrics.measuring) this.#metrics.gCpuNs[g] += t;
    this.#work(v, kind, this.#engine.now + t);
  }

  /** One work item of `port` ended: complete the instances it finished. */
  #itemDone(port: number): void {
    this.#doneItems[port]++;
    this.#complete(port);
  }

  /** Record every waiting instance of `port` whose items are all done. */
  #complete(port: number): void {
    const m = this.#metrics, now = this.#engine.now;
    const g = this.#cfg.portGroup[port];
    let i = this.#qHead[port];
    while (i >= 0 && this.#iEnd[i] <= this.#doneItems[port]) {
      m.onComplete(port, g, this.#iPrio[i], now - this.#iRaise[i]);
      const nx = this.#iNext[i];
      this.#iNext[i] = this.#iFree;
      this.#iFree = i;
      i = nx;
    }
    this.#qHead[port] = i;
    if (i < 0) this.#qTail[port] = -1;
  }

  /** A measured instance of `port`, raised at `raisedAt`, ends when `end` items of the port are done. */
  #enqueue(port: number, raisedAt: number, end: number, prio: number): void {
    if (this.#iFree < 0) this.#grow();
    const i = this.#iFree;
    this.#iFree = this.#iNext[i];
    this.#iRaise[i] = raisedAt;
    this.#iEnd[i] = end;
    this.#iPrio[i] = prio;
    this.#iNext[i] = -1;
    if (this.#qTail[port] >= 0) this.#iNext[this.#qTail[port]] = i;
    else this.#qHead[port] = i;
    this.#qTail[port] = i;
  }

  /** Double the instance pool (amortised: no allocation per event). */
  #grow(): void {
    const old = this.#iRaise.length, n = Math.max(64, old * 2);
    const raise = new Float64Array(n), end = new Float64Array(n);
    const prio = new Uint8Array(n), next = new Int32Array(n);
    raise.set(this.#iRaise), end.set(this.#iEnd), prio.set(this.#iPrio), next.set(this.#iNext);
    for (let i = n - 1; i >= old; i--) {
      next[i] = this.#iFree;
      this.#iFree = i;
    }
    this.#iRaise = raise, this.#iEnd = end, this.#iPrio = prio, this.#iNext = next;
  }

  #sched(v: number, run: boolean): void {
    const e = this.#engine, ts = this.#cfg.timeshare!;
    const r = this.#rng[v];
    if (run) {
      this.running[v] = 1;
      if (this.tracer !== null) this.tracer.descheduled(v, this.#deschedAt[v], e.now);
      this.#setCtx(v, this.#savedCtx[v]);
      if (this.#workKind[v] !== 0) this.#work(v, this.#workKind[v], e.now + this.#remaining[v]);
      e.schedule(e.now + ts.run.sample(r), EV_SCHED, v, 0);
    } else {
      this.running[v] = 0;
      this.#deschedAt[v] = e.now;
      this.#savedCtx[v] = this.#ctx[v];
      this.#setCtx(v, CTX_IDLE);
      if (this.#workKind[v] !== 0) {
        this.#remaining[v] = Math.max(0, this.#workAt[v] - e.now);
        this.#gen[v]++; // the in-flight loop event is now stale
      }
      e.schedule(e.now + ts.wait.sample(r), EV_SCHED, v, 1);
    }
  }

  #irqWindow(v: number, open: boolean): void {
    const e = this.#engine, w = this.#cfg.irqOff!;
    const r = this.#rng[v];
    if (open) {
      this.irqOff[v] = 1;
      e.schedule(e.now + r.exponential(w.meanNs), EV_IRQ_OFF, v, 0);
      return;
    }
    this.irqOff[v] = 0;
    e.schedule(e.now + r.exponential(this.#gapMean()), EV_IRQ_OFF, v, 1);
    if (this.#waitIrq[v] === 1) {
      this.#waitIrq[v] = 0;
      this.#work(v, EV_UPCALL, e.now);
    }
  }
}
