/**
 * The host's per-VCPU state as one 128-byte record per VCPU: what a step of
 * a VCPU reads (its item, its upcall, its softirq and its debt) lies in the
 * record's first cache line, the rest (time per context, a paused item's
 * remainder, QEMU's books) in its second. One typed array per field would
 * put each field of a VCPU on a line of its own, and a host of 1000 guests
 * touches every guest's VCPUs too rarely for those lines to stay cached
 * (docs/explanation/host.md, Performance).
 *
 * The record is read through three views of one buffer: `f` (8-byte
 * numbers, VCPU `u`'s at `(u << 4) + F_*`), `i` (32-bit integers, at
 * `(u << 5) + I_*`) and `b` (bytes, at `(u << 7) + B_*`).
 *
 * @module
 */

/** Bytes in one VCPU's record (two cache lines). */
export const VCPU_RECORD_BYTES = 128;

// First line (bytes 0-63): what every step reads.
/** `f`: when the VCPU's next step is due (Infinity: none scheduled). */
export const F_STEP_AT = 0;
/** `f`: when its current item began. */
export const F_ITEM_START = 1;
/** `f`: time owed by work done outside an item, carried by the next one. */
export const F_DEBT = 2;
/** `f`: no item starts before this time (owed time with no item to carry it). */
export const F_BUSY_UNTIL = 3;
/** `f`: when the upcall on its way reaches the VCPU. */
export const F_DELIVER_AT = 4;
/** `i`: generation of its step event (a stale event's differs). */
export const I_STEP_GEN = 10;
/** `i`: its item's argument (a port, a ring or a thread). */
export const I_ITEM_ARG = 11;
/** `i`: the ring whose responses its hard IRQ is reaping, or -1. */
export const I_IRQ_RING = 12;
/** `b`: 1 while an item runs. */
export const B_RUNNING = 56;
/** `b`: the current item's kind. */
export const B_ITEM_KIND = 57;
/** `b`: the context its item's time is counted in. */
export const B_ITEM_CTX = 58;
/** `b`: 1 inside the upcall's loop over pending ports. */
export const B_IN_LOOP = 59;
/** `b`: 1 while an upcall is on its way. */
export const B_UPCALL_WANTED = 60;
/** `b`: 0 outside softirq, 1 in __do_softirq at irq_exit, 2 in ksoftirqd. */
export const B_IN_SOFTIRQ = 61;
/** `b`: 1 while ksoftirqd is awake. */
export const B_KSOFTIRQD = 62;
/** `b`: 1 while the VCPU waits for QEMU to emulate its I/O. */
export const B_IO_STALL = 63;

/** Contexts a VCPU's time is counted in (host.ts `CTX_*`: hard IRQ, softirq, kthread, user). */
export const CTXS = 4;

// Second line (bytes 64-127).
/** `f`: first of its time per context (CTXS numbers), while measuring. */
export const F_BUSY = 8;
/** `f`: the rest of an item paused by the physical CPU's scheduler. */
export const F_REMAINING = 12;
/** `f`: mean time between its emulated I/O exits (0: none). */
export const F_IO_MEAN_NS = 13;
/** `i`: the ring whose NAPI poll runs in its softirq, or -1. */
export const I_POLL_RING = 28;
/** `i`: the item's second argument (the guest VCPU QEMU serves). */
export const I_ITEM_ARG2 = 29;
/** `i`: threads ksoftirqd lets run before its next turn. */
export const I_KT_LEFT = 30;
/** `b`: 1 while its item is paused off its physical CPU. */
export const B_PAUSED = 124;
/** `b`: 1 while its ioreq waits for QEMU. */
export const B_IO_QUEUED = 125;

/**
 * The records of `n` VCPUs, initialised as an idle VCPU's: no step due,
 * no ring in a hard IRQ or a poll.
 *
 * @example
 * ```ts
 * import { B_RUNNING, F_STEP_AT, VcpuRecords } from "./vcpu_records.ts";
 * const v = new VcpuRecords(2);
 * v.b[(1 << 7) + B_RUNNING] = 1;
 * console.log(v.f[(1 << 4) + F_STEP_AT], v.b[(1 << 7) + B_RUNNING]); // Infinity 1
 * ```
 */
export class VcpuRecords {
  /** 8-byte fields: VCPU `u`'s at `(u << 4) + F_*`. */
  readonly f: Float64Array;
  /** 32-bit fields: VCPU `u`'s at `(u << 5) + I_*`. */
  readonly i: Int32Array;
  /** Byte fields: VCPU `u`'s at `(u << 7) + B_*`. */
  readonly b: Uint8Array;
  /** How many VCPUs. */
  readonly length: number;

  /** Records for `n` VCPUs. */
  constructor(n: number) {
    const buf = new ArrayBuffer(n * VCPU_RECORD_BYTES);
    this.f = new Float64Array(buf);
    this.i = new Int32Array(buf);
    this.b = new Uint8Array(buf);
    this.length = n;
    for (let u = 0; u < n; u++) {
      this.f[(u << 4) + F_STEP_AT] = Infinity;
      this.i[(u << 5) + I_IRQ_RING] = -1;
      this.i[(u << 5) + I_POLL_RING] = -1;
    }
  }
}
