/**
 * The host's state as records, one per VCPU, device, ring and thread: the
 * fields one step reads side by side, in one or two cache lines. One typed
 * array per field would put each field of an entity on a line of its own,
 * and a host of 1000 guests touches each guest's entities too rarely for
 * those lines to stay cached (docs/explanation/host.md, Performance).
 *
 * Each kind of record is read through views of one buffer: `f` (8-byte
 * numbers), `i` (32-bit integers) and `b` (bytes). Record `k` of `bytes`
 * bytes starts at `f[k * bytes / 8]`, `i[k * bytes / 4]` and
 * `b[k * bytes]`; the constants below are offsets in those units, prefixed
 * by the record (V: VCPU, D: device, R: ring, T: thread) and the view.
 *
 * @module
 */

// ---------------------------------------------------------------- VCPUs
// 128 bytes: `(u << 4) + VF_*`, `(u << 5) + VI_*`, `(u << 7) + VB_*`.

/** Bytes in one VCPU's record (two cache lines). */
export const VCPU_RECORD_BYTES = 128;

// First line (bytes 0-63): what every step reads.
/** `f`: when the VCPU's next step is due (Infinity: none scheduled). */
export const VF_STEP_AT = 0;
/** `f`: when its current item began. */
export const VF_ITEM_START = 1;
/** `f`: time owed by work done outside an item, carried by the next one. */
export const VF_DEBT = 2;
/** `f`: no item starts before this time (owed time with no item to carry it). */
export const VF_BUSY_UNTIL = 3;
/** `f`: when the upcall on its way reaches the VCPU. */
export const VF_DELIVER_AT = 4;
/** `i`: generation of its step event (a stale event's differs). */
export const VI_STEP_GEN = 10;
/** `i`: its item's argument (a port, a ring or a thread). */
export const VI_ITEM_ARG = 11;
/** `i`: the ring whose responses its hard IRQ is reaping, or -1. */
export const VI_IRQ_RING = 12;
/** `b`: 1 while an item runs. */
export const VB_RUNNING = 56;
/** `b`: the current item's kind. */
export const VB_ITEM_KIND = 57;
/** `b`: the context its item's time is counted in. */
export const VB_ITEM_CTX = 58;
/** `b`: 1 inside the upcall's loop over pending ports. */
export const VB_IN_LOOP = 59;
/** `b`: 1 while an upcall is on its way. */
export const VB_UPCALL_WANTED = 60;
/** `b`: 0 outside softirq, 1 in __do_softirq at irq_exit, 2 in ksoftirqd. */
export const VB_IN_SOFTIRQ = 61;
/** `b`: 1 while ksoftirqd is awake. */
export const VB_KSOFTIRQD = 62;
/** `b`: 1 while the VCPU waits for QEMU to emulate its I/O. */
export const VB_IO_STALL = 63;

/** Contexts a VCPU's time is counted in (host.ts `CTX_*`: hard IRQ, softirq, kthread, user). */
export const CTXS = 4;

// Second line (bytes 64-127).
/** `f`: first of its time per context (CTXS numbers), while measuring. */
export const VF_BUSY = 8;
/** `f`: the rest of an item paused by the physical CPU's scheduler. */
export const VF_REMAINING = 12;
/** `f`: mean time between its emulated I/O exits (0: none). */
export const VF_IO_MEAN_NS = 13;
/** `i`: the ring whose NAPI poll runs in its softirq, or -1. */
export const VI_POLL_RING = 28;
/** `i`: the item's second argument (the guest VCPU QEMU serves). */
export const VI_ITEM_ARG2 = 29;
/** `i`: threads ksoftirqd lets run before its next turn. */
export const VI_KT_LEFT = 30;
/** `b`: 1 while its item is paused off its physical CPU. */
export const VB_PAUSED = 124;
/** `b`: 1 while its ioreq waits for QEMU. */
export const VB_IO_QUEUED = 125;

// -------------------------------------------------------------- devices
// 128 bytes: `(d << 4) + DF_*`, `(d << 5) + DI_*`, `(d << 7) + DB_*`. The
// first line is what issuing and completing a request read.

/** Bytes in one device's record (two cache lines). */
export const DEVICE_RECORD_BYTES = 128;
/** `f`: requests issued by its client. */
export const DF_ISSUED = 0;
/** `f`: requests its client has put on the ring. */
export const DF_PUSHED = 1;
/** `f`: requests completed. */
export const DF_COMPLETED = 2;
/** `f`: sum of the round trips completed while measuring (ns). */
export const DF_RT = 3;
/** `f`: round trips completed while measuring. */
export const DF_RT_N = 4;
/** `f`: closed loop: mean think time (ns). */
export const DF_THINK_NS = 5;
/** `i`: its request ring (TX for a vif). */
export const DI_REQ = 12;
/** `i`: start of its issue times in the host's `issueAt`. */
export const DI_ISSUE_OFF = 13;
/** `i`: entries of its circular buffer of issue times. */
export const DI_ISSUE_CAP = 14;
/** `b`: 1 for a closed-loop client. */
export const DB_CLOSED = 60;
/** `f`: open loop: requests per ns. */
export const DF_RATE_PER_NS = 8;
/** `i`: its template and class slot (`CLASSES * template + class`). */
export const DI_SLOT = 18;
/** `i`: its guest and class slot in the per-guest figures, or -1. */
export const DI_GUEST_SLOT = 19;
/** `i`: its response ring (RX for a vif; the request ring for a vbd). */
export const DI_RSP = 20;
/** `i`: closed loop: requests outstanding at most. */
export const DI_WINDOW = 21;
/** `i`: its guest (0-based). */
export const DI_GUEST = 22;
/** `i`: its guest's template. */
export const DI_TEMPLATE = 23;

// ---------------------------------------------------------------- rings
// 64 bytes: `(r << 4) + RI_*`, `(r << 6) + RB_*`. The shared indexes are
// `ring.ts`'s.

/** Bytes in one ring's record (one cache line). */
export const RING_RECORD_BYTES = 64;
/** `i`: its device. */
export const RI_DEV = 0;
/** `i`: the dom0 VCPU its backend port notifies. */
export const RI_U0 = 1;
/** `i`: the guest VCPU its frontend port notifies. */
export const RI_UG = 2;
/** `i`: its port in dom0. */
export const RI_PORT0 = 3;
/** `i`: its port in the guest. */
export const RI_PORT_G = 4;
/** `i`: packets its NAPI poll has taken in this turn. */
export const RI_POLL_DONE = 5;
/** `i`: netback RX: packets queued for the guest (guest-rx kthread). */
export const RI_RX_QUEUED = 6;
/** `i`: netback RX: packets of the batch being copied. */
export const RI_RX_BATCH = 7;
/** `i`: netfront RX: unconsumed responses last seen (rx_rsp_unconsumed). */
export const RI_RX_SEEN = 8;
/** `b`: blkif, netif TX or netif RX (host.ts `R_*`). */
export const RB_KIND = 40;
/** `b`: 1 while its NAPI poll is scheduled. */
export const RB_SOFT_ON = 41;
/** `b`: the frontend's handler consumed work since its last EOI (eoiflag cleared). */
export const RB_FRONT_EOI_WORK = 42;
/** `b`: the backend consumed work since its last EOI (eoi_flags cleared). */
export const RB_BACK_EOI_WORK = 43;
/** `b`: netback's eoi_pending bits (NETBK_*_EOI). */
export const RB_EOI_PENDING = 44;
/** `b`: 1 while its producer is stalled on a full ring. */
export const RB_STALLED = 45;

// -------------------------------------------------------------- threads
// 16 bytes: `(t << 2) + TI_*`, `(t << 4) + TB_*`.

/** Bytes in one thread's record. */
export const THREAD_RECORD_BYTES = 16;
/** `i`: the VCPU it runs on (last ran on). */
export const TI_U = 0;
/** `i`: its recent_used_cpu, or -1. */
export const TI_RECENT = 1;
/** `b`: 1 while runnable (on a VCPU's thread list). */
export const TB_ON = 8;
/** `b`: 1 when just woken (its next item pays the wake-up). */
export const TB_WAKE = 9;

/**
 * `n` records of `bytes` bytes each (a multiple of 8), zeroed, read through
 * three views of one buffer.
 *
 * @example
 * ```ts
 * import { Records, VB_RUNNING, VCPU_RECORD_BYTES, VF_STEP_AT } from "./records.ts";
 * const v = new Records(2, VCPU_RECORD_BYTES);
 * v.f[(1 << 4) + VF_STEP_AT] = 5;
 * v.b[(1 << 7) + VB_RUNNING] = 1;
 * console.log(v.f[(1 << 4) + VF_STEP_AT], v.b[(1 << 7) + VB_RUNNING]); // 5 1
 * ```
 */
export class Records {
  /** 8-byte fields. */
  readonly f: Float64Array;
  /** 32-bit fields. */
  readonly i: Int32Array;
  /** Byte fields. */
  readonly b: Uint8Array;
  /** How many records. */
  readonly length: number;

  /** Room for `n` records of `bytes` bytes. */
  constructor(n: number, bytes: number) {
    if (bytes % 8 !== 0) throw new RangeError(`record size ${bytes} is not a multiple of 8`);
    const buf = new ArrayBuffer(n * bytes);
    this.f = new Float64Array(buf);
    this.i = new Int32Array(buf);
    this.b = new Uint8Array(buf);
    this.length = n;
  }
}
