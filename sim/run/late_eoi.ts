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

// Field offsets in the 32-byte records (see LateEoi): i32 indexes past 8 *
// the record, byte indexes past 32 * the record.
const EOI_CPU = 2, IRQ_EPOCH = 3, SP_CNT = 16, LISTED = 17;
const CTRL_COUNT = 2, EPOCH = 3, DEFER = 16;

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
  // One 32-byte record per port and per VCPU, so that an operation reads
  // one cache line, not one per field (a host's ports run to the ten
  // thousands and are touched in turn). Port p: eoi_time (jiffies, 0 none)
  // as f64 at `4p`; eoi_cpu and the irq_epoch loop control recorded as i32
  // at `8p + 2`, `8p + 3`; spurious_cnt and "on the EOI list" as bytes at
  // `32p + 16`, `32p + 17`. VCPU v: ctrl->timeout (ns, 0 unset) as f64 at
  // `4v`; ctrl->count and irq_epoch as i32 at `8v + 2`, `8v + 3`;
  // ctrl->defer_eoi as a byte at `32v + 16`.
  readonly #pf: Float64Array;
  /**
   * Per port, 1 unless its record holds the default state (not listed,
   * spurious_cnt 0, no eoi_time): the common EOI of such a port (not
   * spurious) needs no more than this byte, so that it reads one small,
   * warm array instead of the port's cold record.
   */
  readonly #dirty: Uint8Array;
  readonly #pi: Int32Array;
  readonly #pb: Uint8Array;
  readonly #vf: Float64Array;
  readonly #vi: Int32Array;
  readonly #vb: Uint8Array;
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
    this.#pf = new Float64Array(4 * ports);
    this.#dirty = new Uint8Array(ports);
    this.#pi = new Int32Array(this.#pf.buffer);
    this.#pb = new Uint8Array(this.#pf.buffer);
    this.#vf = new Float64Array(4 * vcpus);
    this.#vi = new Int32Array(this.#vf.buffer);
    this.#vb = new Uint8Array(this.#vf.buffer);
  }

  /** The jiffies counter at time `t` (ns). */
  jiffies(t: number): number {
    return Math.floor(t / this.tickNs);
  }

  /** events_base.c __xen_evtchn_do_upcall: `struct evtchn_loop_ctrl ctrl = { 0 }` on `v`. */
  upcallStart(v: number): void {
    this.#vi[8 * v + CTRL_COUNT] = 0;
    this.#vf[4 * v] = 0;
    this.#vb[32 * v + DEFER] = 0;
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
    const vf = this.#vf, vi = this.#vi, vb = this.#vb;
    if (vb[32 * v + DEFER] === 0 && (++vi[8 * v + CTRL_COUNT] & (LOOP_CHECK_EVENTS - 1)) === 0) {
      if (vf[4 * v] === 0) vf[4 * v] = now + this.loopTimeoutNs;
      else if (now > vf[4 * v]) vb[32 * v + DEFER] = 1;
    }
    if (vb[32 * v + DEFER] === 1) {
      this.#pi[8 * port + EOI_CPU] = v;
      this.#pi[8 * port + IRQ_EPOCH] = vi[8 * v + EPOCH];
      this.#pf[4 * port] = this.jiffies(now) + this.eoiDelay;
      this.#dirty[port] = 1;
    }
  }

  /**
   * events_base.c __xen_evtchn_do_upcall: the loop on `v` is over and
   * irq_epoch is incremented, so only late EOIs issued inside it are
   * deferred by loop control.
   */
  loopEnd(v: number): void {
    this.#vi[8 * v + EPOCH]++;
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
    // Default state and no backoff step: the rules below leave it as it is
    // and unmask at once.
    if (this.#dirty[port] === 0 && !(spurious && this.backoff)) return EOI_NOW;
    const r = this.#eoiRecord(v, port, spurious, now);
    this.#clean(port);
    return r;
  }

  /** {@linkcode LateEoi.eoi} on the port's record. */
  #eoiRecord(v: number, port: number, spurious: boolean, now: number): number {
    const pf = this.#pf, pi = this.#pi, pb = this.#pb;
    const f = 4 * port, i = 8 * port, b = 32 * port;
    if (pb[b + LISTED] === 1) return EOI_LISTED;
    let delay = 0;
    if (spurious && this.backoff) {
      const th = SPURIOUS_THRESHOLD;
      if (2 ** pb[b + SP_CNT] < this.hz * 4 && pb[b + SP_CNT] !== 0xff) pb[b + SP_CNT]++;
      if (pb[b + SP_CNT] > th) {
        delay = Math.min(2 ** (pb[b + SP_CNT] - 1 - th), this.hz);
        if (pf[f] === 0) pi[i + EOI_CPU] = v;
        pf[f] = this.jiffies(now) + delay;
      }
    } else {
      pb[b + SP_CNT] = 0;
    }
    const t = pf[f];
    if (t !== 0 && (pi[i + IRQ_EPOCH] === this.#vi[8 * pi[i + EOI_CPU] + EPOCH] || delay > 0)) {
      pb[b + LISTED] = 1;
      this.lastDefer = delay > 0 ? DEFER_SPURIOUS : DEFER_LOOP;
      const nowJ = this.jiffies(now);
      return nowJ < t ? t : nowJ + 1;
    }
    pf[f] = 0;
    return EOI_NOW;
  }

  /**
   * events_base.c xen_irq_lateeoi_worker: the deferred EOI of `port` is due;
   * it leaves the list, eoi_time is cleared and xen_irq_lateeoi_locked(info,
   * false) runs, which resets spurious_cnt and unmasks (the caller unmasks).
   */
  worker(port: number): void {
    this.#pb[32 * port + LISTED] = 0;
    this.#pf[4 * port] = 0;
    this.#pb[32 * port + SP_CNT] = 0;
    this.#dirty[port] = 0;
  }

  /** Recompute port `port`'s dirty byte from its record. */
  #clean(port: number): void {
    const b = 32 * port;
    this.#dirty[port] = this.#pb[b + LISTED] !== 0 || this.#pb[b + SP_CNT] !== 0 ||
        this.#pf[4 * port] !== 0
      ? 1
      : 0;
  }

  /**
   * Port `port`'s spurious_cnt.
   *
   * @example
   * ```ts
   * import { LateEoi } from "./late_eoi.ts";
   * const le = new LateEoi(4, 1);
   * le.eoi(0, 2, true, 0);
   * console.log(le.spuriousCount(2)); // 1
   * ```
   */
  spuriousCount(port: number): number {
    return this.#pb[32 * port + SP_CNT];
  }

  /** Set port `port`'s spurious_cnt (a test's starting state). */
  setSpuriousCount(port: number, n: number): void {
    this.#pb[32 * port + SP_CNT] = n;
    this.#clean(port);
  }

  /**
   * Port `port`'s eoi_time (jiffies; 0 none).
   *
   * @example
   * ```ts
   * import { LateEoi } from "./late_eoi.ts";
   * const le = new LateEoi(4, 1);
   * le.eoi(0, 2, true, 0);
   * le.eoi(0, 2, true, 0);
   * console.log(le.eoiTime(2)); // 1
   * ```
   */
  eoiTime(port: number): number {
    return this.#pf[4 * port];
  }

  /** Set port `port`'s eoi_time (a test's starting state). */
  setEoiTime(port: number, jiffy: number): void {
    this.#pf[4 * port] = jiffy;
    this.#clean(port);
  }

  /**
   * Port `port`'s eoi_cpu: the VCPU whose lateeoi worker takes its deferred EOI.
   *
   * @example
   * ```ts
   * import { LateEoi } from "./late_eoi.ts";
   * const le = new LateEoi(4, 2);
   * le.eoi(1, 2, true, 0);
   * le.eoi(1, 2, true, 0);
   * console.log(le.eoiVcpu(2)); // 1
   * ```
   */
  eoiVcpu(port: number): number {
    return this.#pi[8 * port + EOI_CPU];
  }

  /**
   * Whether VCPU `v`'s upcall loop defers its EOIs (ctrl->defer_eoi).
   *
   * @example
   * ```ts
   * import { LateEoi } from "./late_eoi.ts";
   * const le = new LateEoi(4, 1);
   * le.upcallStart(0);
   * console.log(le.deferring(0)); // false
   * ```
   */
  deferring(v: number): boolean {
    return this.#vb[32 * v + DEFER] === 1;
  }
}

/** include/linux/jiffies.h jiffies_to_msecs: `j` jiffies in ms (rounded up). */
export function jiffiesToMsecs(j: number, hz: number): number {
  return Math.ceil(j * 1000 / hz);
}
