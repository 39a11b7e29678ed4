/**
 * The guest's VCPU runtime: upcall delivery, the handler loop and VCPU
 * scheduling (dedicated or time-shared), event-disabled windows.
 *
 * A VCPU's handler loop is Linux's `__xen_evtchn_do_upcall`: clear
 * `evtchn_upcall_pending`, let the ABI handle events one port at a time, and
 * repeat while `evtchn_upcall_pending` was set again. It is non-preemptive at
 * event granularity: each handled event costs the ABI's scan or consume cost,
 * the IRQ dispatch cost and its service time. A VCPU in its loop gets no new
 * upcall; with the per-VCPU upcall vector (`guest.upcall: "vector"`) an
 * evtchn_upcall_pending 0->1 meanwhile is latched and taken once after it.
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
  EV_LOOP,
  EV_SCHED,
  EV_UPCALL,
} from "./events.ts";
import type { Metrics } from "./metrics.ts";
import { type Distribution, RandomStream } from "../engine/random.ts";

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

/** What the guest runtime needs to know about the scenario. */
export interface GuestConfig {
  /** Number of VCPUs. */
  vcpus: number;
  /** Per port: group index or -1. */
  portGroup: Int32Array;
  /** Per port: the priority it is measured at. */
  portPriority: Uint8Array;
  /** Per group: whether the group uses late EOI (masked at ack, unmasked after the handler). */
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
}

/** The source of service times (the workload). */
export interface ServiceSource {
  /** A service time in ns for group `g`. */
  serviceTime(g: number): number;
}

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

  /**
   * Both edge filters passed for `vcpu` (the ABI returned it from a raise or
   * unmask): start an upcall unless the VCPU is already in its loop.
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
    this.inLoop[vcpu] = 1;
    const now = this.#engine.now;
    this.#kickAt[vcpu] = now;
    const delay = this.#cfg.idleHalts ? this.#costs.wake_ns : this.#costs.upcall_ns;
    this.#work(vcpu, EV_UPCALL, now + delay);
  }

  /** Schedule the VCPU's one in-flight loop event (or park it while descheduled). */
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
    }
    if (b !== this.#gen[v]) return; // stale: the VCPU was descheduled meanwhile
    this.#workKind[v] = 0;
    switch (kind) {
      case EV_UPCALL:
        return this.#upcall(v);
      case EV_LOOP:
        return this.#loop(v);
      case EV_HANDLER_DONE:
        return this.#handlerDone(v);
      case EV_DISPATCH:
        return this.#startHandler(v, this.#port[v], this.#engine.now);
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
      return;
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

  /** The handler of `port` starts on `v` at `start`: measure it, draw its service time. */
  #startHandler(v: number, port: number, start: number): void {
    const g = this.#cfg.portGroup[port];
    const done = g >= 0 ? start + this.#service.serviceTime(g) : start;
    if (g >= 0) {
      this.#metrics.onDispatch(port, g, this.#cfg.portPriority[port], start, start, done);
    }
    if (this.tracer !== null && g >= 0) this.tracer.handler(v, port, g, start, done);
    this.#work(v, EV_HANDLER_DONE, done);
  }

  #handlerDone(v: number): void {
    const port = this.#port[v];
    const g = this.#cfg.portGroup[port];
    let acc = 0;
    if (g >= 0 && this.#cfg.groupLateEoi[g] === 1) {
      const abi = this.#abi, m = this.#metrics;
      const wasPending = abi.isPending(port);
      // xen_irq_lateeoi: do_unmask(EOI_PENDING); the port is unmasked unless another
      // reason holds (a rebind in progress). With P set, EVTCHNOP_unmask relinks.
      const target = this.masks.unmask(port, MASK_EOI_PENDING);
      acc = this.masks.cost;
      if (m.measuring) {
        m.guestAbiNs += acc;
        if (wasPending && this.masks.unmasked) m.hypercalls++;
      }
      if (target >= 0) this.kick(target); // on this VCPU: latched in IRR (vector) or a no-op
    }
    this.#step(v, acc);
  }

  #sched(v: number, run: boolean): void {
    const e = this.#engine, ts = this.#cfg.timeshare!;
    const r = this.#rng[v];
    if (run) {
      this.running[v] = 1;
      if (this.tracer !== null) this.tracer.descheduled(v, this.#deschedAt[v], e.now);
      if (this.#workKind[v] !== 0) this.#work(v, this.#workKind[v], e.now + this.#remaining[v]);
      e.schedule(e.now + ts.run.sample(r), EV_SCHED, v, 0);
    } else {
      this.running[v] = 0;
      this.#deschedAt[v] = e.now;
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
