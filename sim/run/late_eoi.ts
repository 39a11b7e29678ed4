/**
 * Linux's late-EOI bookkeeping (drivers/xen/events/events_base.c, XSA-332),
 * one state machine for every runtime that runs Linux: the single guest
 * (`guest.ts`) and each domain of a host (`sim/host/host.ts`).
 *
 * It keeps, per port, `spurious_cnt`, `eoi_time`, the VCPU (`eoi_cpu`) and
 * `irq_epoch` recorded by loop control and whether the port is on the
 * per-CPU EOI list; per VCPU, the upcall's `evtchn_loop_ctrl` (count,
 * timeout, `defer_eoi`) and the CPU's `irq_epoch`. Ports and VCPUs are
 * numeric ids the caller chooses (a host numbers ports across domains and
 * VCPUs across the host). It knows time only as numbers handed to it (ns)
 * and turns them into jiffies at its HZ: no engine, no allocation per event.
 *
 * @module
 */

/** events_base.c handle_irq_for_port: the loop checks its timeout every 256 events. */
export const LOOP_CHECK_EVENTS = 256;
/** drivers/xen/xenbus/xenbus_probe.c xenbus_dev_probe: dev->spurious_threshold = 1. */
export const SPURIOUS_THRESHOLD = 1;

/** {@linkcode LateEoi.eoi}: the port is unmasked now (do_unmask). */
export const EOI_NOW: number = -1;
/** {@linkcode LateEoi.eoi}: the port is already on the EOI list; nothing happens. */
export const EOI_LISTED: number = -2;

/** Why the last {@linkcode LateEoi.eoi} went on the EOI list. */
export const DEFER_NONE = 0;
/** The spurious-event backoff delayed it. */
export const DEFER_SPURIOUS = 1;
/** Loop control deferred it (eoi_time set in the same irq_epoch). */
export const DEFER_LOOP = 2;

/** Options of {@linkcode LateEoi}; every field has Linux's default. */
export interface LateEoiOptions {
  /** Timer ticks per second; 250 when unset. */
  hz?: number;
  /** Loop control (evtchn_loop_ctrl) on; true when unset. */
  loopCtrl?: boolean;
  /** Spurious-event backoff on; true when unset. */
  backoff?: boolean;
  /** event_loop_timeout in jiffies; 2 when unset. */
  eventLoopTimeout?: number;
  /** event_eoi_delay in jiffies; 10 when unset. */
  eventEoiDelay?: number;
}

/**
 * Late-EOI state of `ports` ports and `vcpus` VCPUs.
 *
 * The caller masks a late-EOI port at ack and unmasks it when {@linkcode eoi}
 * returns {@linkcode EOI_NOW}, or, when it returns a jiffy, at that jiffy's
 * start after calling {@linkcode worker}.
 *
 * @example
 * ```ts
 * import { EOI_NOW, LateEoi } from "./late_eoi.ts";
 * const le = new LateEoi(8, 1);
 * le.upcallStart(0);
 * le.handled(0, 3, 0);
 * le.loopEnd(0);
 * console.log(le.eoi(0, 3, true, 0) === EOI_NOW); // true: the first spurious EOI is not delayed
 * console.log(le.eoi(0, 3, true, 0)); // 1: the second is delayed to jiffy 1
 * ```
 */
export class LateEoi {
  /** Timer ticks per second. */
  readonly hz: number;
  /** One jiffy in ns. */
  readonly tickNs: number;
  /** Whether loop control is on. */
  readonly loopCtrl: boolean;
  /** Whether the spurious-event backoff is on. */
  readonly backoff: boolean;
  /** event_loop_timeout as a time (ns): ktime_add_ms(kt, jiffies_to_msecs(event_loop_timeout)). */
  readonly loopTimeoutNs: number;
  /** event_eoi_delay (jiffies). */
  readonly eoiDelay: number;
  // per port
  /** Per port: spurious_cnt. */
  readonly spCnt: Uint8Array;
  /** Per port: eoi_time (jiffies; 0 none). */
  readonly eoiTime: Float64Array;
  /** Per port: eoi_cpu. */
  readonly eoiVcpu: Int32Array;
  /** Per port: the irq_epoch loop control recorded. */
  readonly irqEpoch: Int32Array;
  /** Per port: 1 while on the EOI list. */
  readonly listed: Uint8Array;
  // per VCPU
  /** Per VCPU: the loop's ctrl->count. */
  readonly ctrlCount: Int32Array;
  /** Per VCPU: the loop's ctrl->timeout (ns; 0 unset). */
  readonly ctrlTimeout: Float64Array;
  /** Per VCPU: the loop's ctrl->defer_eoi. */
  readonly deferEoi: Uint8Array;
  /** Per VCPU: irq_epoch. */
  readonly epoch: Int32Array;
  /** Why the last {@linkcode eoi} that returned a jiffy deferred (DEFER_*). */
  lastDefer: number = DEFER_NONE;

  /** State for `ports` ports and `vcpus` VCPUs. */
  constructor(ports: number, vcpus: number, o: LateEoiOptions = {}) {
    this.hz = o.hz ?? 250;
    this.tickNs = 1e9 / this.hz;
    this.loopCtrl = o.loopCtrl ?? true;
    this.backoff = o.backoff ?? true;
    // events_base.c: ktime_add_ms(kt, jiffies_to_msecs(event_loop_timeout)).
    this.loopTimeoutNs = jiffiesToMsecs(o.eventLoopTimeout ?? 2, this.hz) * 1e6;
    this.eoiDelay = o.eventEoiDelay ?? 10;
    this.spCnt = new Uint8Array(ports);
    this.eoiTime = new Float64Array(ports);
    this.eoiVcpu = new Int32Array(ports);
    this.irqEpoch = new Int32Array(ports);
    this.listed = new Uint8Array(ports);
    this.ctrlCount = new Int32Array(vcpus);
    this.ctrlTimeout = new Float64Array(vcpus);
    this.deferEoi = new Uint8Array(vcpus);
    this.epoch = new Int32Array(vcpus);
  }

  /** The jiffies counter at time `t` (ns). */
  jiffies(t: number): number {
    return Math.floor(t / this.tickNs);
  }

  /** events_base.c __xen_evtchn_do_upcall: `struct evtchn_loop_ctrl ctrl = { 0 }` on `v`. */
  upcallStart(v: number): void {
    this.ctrlCount[v] = 0;
    this.ctrlTimeout[v] = 0;
    this.deferEoi[v] = 0;
  }

  /**
   * events_base.c handle_irq_for_port (evtchn_loop_ctrl): the loop on `v`
   * hands `port` to its IRQ at `now` (ns). Every 256th event of an upcall
   * checks the time; the first check sets a timeout event_loop_timeout
   * jiffies away, a later check past it sets defer_eoi, and from then on each
   * handled port records eoi_time = jiffies + event_eoi_delay, eoi_cpu and
   * the loop's irq_epoch. The count runs over every event whose port has an
   * IRQ (`++ctrl->count` comes before any test of the IRQ's type); only
   * late-EOI ports ever read eoi_time. No-op with loop control off.
   */
  handled(v: number, port: number, now: number): void {
    if (!this.loopCtrl) return;
    if (this.deferEoi[v] === 0 && (++this.ctrlCount[v] & (LOOP_CHECK_EVENTS - 1)) === 0) {
      if (this.ctrlTimeout[v] === 0) this.ctrlTimeout[v] = now + this.loopTimeoutNs;
      else if (now > this.ctrlTimeout[v]) this.deferEoi[v] = 1;
    }
    if (this.deferEoi[v] === 1) {
      this.eoiVcpu[port] = v;
      this.irqEpoch[port] = this.epoch[v];
      this.eoiTime[port] = this.jiffies(now) + this.eoiDelay;
    }
  }

  /**
   * events_base.c __xen_evtchn_do_upcall: the loop on `v` is over and
   * irq_epoch is incremented, so only late EOIs issued inside it are
   * deferred by loop control.
   */
  loopEnd(v: number): void {
    this.epoch[v]++;
  }

  /**
   * events_base.c xen_irq_lateeoi_locked: the late EOI of `port` from VCPU
   * `v` at `now` (ns), `spurious` with XEN_EOI_FLAG_SPURIOUS.
   * - Already on the EOI list: nothing ({@linkcode EOI_LISTED}).
   * - Spurious-event backoff: each spurious EOI increments spurious_cnt
   *   (while 1 << cnt < HZ << 2, up to 0xff); past the threshold (xenbus
   *   default 1) the EOI is delayed 1 << (cnt - 1 - threshold) jiffies,
   *   capped at HZ, and eoi_cpu is set if no eoi_time was. A non-spurious
   *   EOI resets the count.
   * - Loop control: an eoi_time set by {@linkcode handled} defers the EOI
   *   issued in the same loop (irq_epoch of eoi_cpu unchanged).
   * A deferred EOI goes on eoi_cpu's list (lateeoi_list_add: the delayed
   * work runs at eoi_time, or one jiffy from now if that has passed); the
   * jiffy is returned and {@linkcode lastDefer} says why. Otherwise eoi_time
   * is cleared and {@linkcode EOI_NOW} returned: the caller unmasks.
   */
  eoi(v: number, port: number, spurious: boolean, now: number): number {
    if (this.listed[port] === 1) return EOI_LISTED;
    let delay = 0;
    if (spurious && this.backoff) {
      const th = SPURIOUS_THRESHOLD;
      if (2 ** this.spCnt[port] < this.hz * 4 && this.spCnt[port] !== 0xff) this.spCnt[port]++;
      if (this.spCnt[port] > th) {
        delay = Math.min(2 ** (this.spCnt[port] - 1 - th), this.hz);
        if (this.eoiTime[port] === 0) this.eoiVcpu[port] = v;
        this.eoiTime[port] = this.jiffies(now) + delay;
      }
    } else {
      this.spCnt[port] = 0;
    }
    const t = this.eoiTime[port];
    if (t !== 0 && (this.irqEpoch[port] === this.epoch[this.eoiVcpu[port]] || delay > 0)) {
      this.listed[port] = 1;
      this.lastDefer = delay > 0 ? DEFER_SPURIOUS : DEFER_LOOP;
      const nowJ = this.jiffies(now);
      return nowJ < t ? t : nowJ + 1;
    }
    this.eoiTime[port] = 0;
    return EOI_NOW;
  }

  /**
   * events_base.c xen_irq_lateeoi_worker: the deferred EOI of `port` is due;
   * it leaves the list, eoi_time is cleared and xen_irq_lateeoi_locked(info,
   * false) runs, which resets spurious_cnt and unmasks (the caller unmasks).
   */
  worker(port: number): void {
    this.listed[port] = 0;
    this.eoiTime[port] = 0;
    this.spCnt[port] = 0;
  }
}

/** include/linux/jiffies.h jiffies_to_msecs: `j` jiffies in ms (rounded up). */
export function jiffiesToMsecs(j: number, hz: number): number {
  return Math.ceil(j * 1000 / hz);
}
