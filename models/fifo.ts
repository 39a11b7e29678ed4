/**
 * The FIFO-based ABI: Xen's `event_fifo.c` link/unlink rules and the Linux
 * guest's `__evtchn_fifo_handle_events` / `consume_one_event`, plus three
 * design variants selected by id:
 * - `fifo`: as shipped (Xen 4.4+ with the 2013-2022 fixes, Linux 3.14+);
 * - `fifo:drain`: the guest consumes a whole queue before re-reading READY;
 * - `fifo:lowest-first`: the guest picks the HIGHEST set READY bit (lowest
 *   priority first), as win-xenbus `EvtchnFifoPoll` does with _BitScanReverse;
 * - `fifo:naive-link`: a producer with no private tail or old-queue state that
 *   walks the list from HEAD to find the tail (O(n) steps) and sets READY on
 *   every raise (Bareflank/MicroV `evtchn.cpp`).
 *
 * Cost model (documented choices, all from `Costs`):
 * - raise: `xen_raise_fifo_ns`, plus `cmpxchg_retry_ns` per extra set_link
 *   attempt, plus (naive-link) `scan_word_ns` per list node walked, plus
 *   `remote_line_ns` when the event word's 64-byte line (16 words) was
 *   touched by the guest last;
 * - beginUpcall: `xchg_ns` for the READY xchg, plus `line_miss_ns` when Xen
 *   wrote the control block since the guest last touched it (the 72-byte block
 *   is counted as one line);
 * - next: `fifo_consume_ns` per event consumed (handled or skipped),
 *   `xchg_ns` per READY re-read, `line_miss_ns` per event-word line or
 *   control-block (HEAD, READY) touch that Xen wrote since the guest last did;
 * - ack: 0 (counted in `fifo_consume_ns`); mask: `mask_ns`; unmask:
 *   `mask_ns` when P is clear (the guest clears M itself), else
 *   `hypercall_ns` + the raise cost (Linux since XSA-332 `clear_masked_cond`
 *   leaves M set and calls EVTCHNOP_unmask when P is set).
 *
 * @module
 */

import {
  type AbiOptions,
  EBUSY,
  EINVAL,
  ENOENT,
  ENOSPC,
  EOPNOTSUPP,
  type EventChannelAbi,
  MAX_LOST_PER_WRITE,
  OK,
  PRIORITIES,
  PRIORITY_DEFAULT,
  RAISE_COALESCED,
  RAISE_DROPPED,
  RAISE_NEW,
  SHARED_CONTROL,
  SHARED_EVENT_WORDS,
  SHARED_LINK_RACE,
} from "./abi.ts";
import { highestBit, LINE_GUEST, LINE_XEN, lowestBit } from "./bitmap.ts";

/** The FIFO ABI ids. */
export type FifoId = "fifo" | "fifo:drain" | "fifo:lowest-first" | "fifo:naive-link";

/** EVTCHN_FIFO_PENDING (bit 31) of an event word. */
export const FIFO_PENDING = 1 << 31;
/** EVTCHN_FIFO_MASKED (bit 30). */
export const FIFO_MASKED = 1 << 30;
/** EVTCHN_FIFO_LINKED (bit 29). */
export const FIFO_LINKED = 1 << 29;
/** EVTCHN_FIFO_BUSY (bit 28, draft H, dae2a1c5f9). */
export const FIFO_BUSY = 1 << 28;
/** EVTCHN_FIFO_LINK_MASK: the 17-bit LINK field. */
export const FIFO_LINK_MASK = (1 << 17) - 1;
/** EVTCHN_FIFO_NR_CHANNELS: 2^17 ports, port 0 reserved. */
export const FIFO_NR_CHANNELS = 1 << 17;
/** Event words per 4 KiB page. */
export const FIFO_WORDS_PER_PAGE = 1024;
/** EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES. */
export const FIFO_MAX_PAGES = FIFO_NR_CHANNELS / FIFO_WORDS_PER_PAGE;
/** sizeof(struct evtchn_fifo_control_block): ready, _rsvd, head[16]. */
export const FIFO_CONTROL_BLOCK_BYTES = 72;
/** `Uint32` words per control block (see {@linkcode FifoAbi.controlWord}). */
export const FIFO_CONTROL_WORDS = 18;
/** Index of head[0] inside a control block. */
const HEAD0 = 2;
/** set_link: cmpxchg retries after the first failure, with BUSY set (dae2a1c5f9). */
const SET_LINK_RETRIES = 4;
/**
 * Guest hardening: entries one `next` call may consume (handled or skipped)
 * before it yields with evtchn_upcall_pending set, so that a corrupted queue
 * cannot keep the handler loop in one pass (cf. Linux evtchn_loop_ctrl, XSA-332).
 */
export const FIFO_CONSUME_LIMIT = 1024;
/** READY bits that name a queue (EVTCHN_FIFO_MAX_QUEUES = 16); a guest ignores the others. */
const READY_MASK = (1 << PRIORITIES) - 1;

// ------------------------------------------------------------ memory layout
//
// A domain's FIFO state is one region of 32-bit words (with a byte view of the
// same memory), laid out so that one operation on a domain that no recent
// event touched reads few cache lines and pages (a host touches thousands of
// domains in turn): the VCPU records, then the port records.
//
// Per VCPU, a 256-byte record (four 64-byte lines), the fields an upcall
// reads first:
//   word 0: the Linux guest's local `ready` (__evtchn_fifo_handle_events);
//   bytes 4-7: vcpu_info.evtchn_upcall_pending; 1 when the control block is
//   mapped; 1 when READY must be OR-ed in before choosing the next queue
//   (guest); the owner (LINE_XEN or LINE_GUEST) of the control block's line
//   (cost model only);
//   words 2-3: the shared control block's READY and _rsvd;
//   words 4 + 3s .. 6 + 3s, per queue q at slot s = 7q mod 16: the control
//   block's HEAD[q], the guest's local head cursor (Linux
//   per_cpu(cpu_queue).head[q]) and Xen's tail (struct
//   evtchn_fifo_queue.tail), so that a raise and a consume on one queue read
//   one triplet. The first line holds slots 0-3: queues 0 and 7, the two a
//   Linux guest uses (the timer's XEN_IRQ_PRIORITY_MAX, time.c
//   xen_setup_timer, and EVTCHN_FIFO_PRIORITY_DEFAULT for the rest), so that
//   its upcalls read one line of the record.
// Record v starts at word `vb + 64v` (`vb + (v << 6)`), byte `vB + (v << 8)`.
/** Int32 words per VCPU record. */
const VCPU_WORDS = 64;
/** Bytes per VCPU record. */
const VCPU_BYTES = 4 * VCPU_WORDS;
/** VCPU record: the guest's local ready (word). */
const V_READY = 0;
/** VCPU record: the control block's READY (word); _rsvd follows. */
const V_XREADY = 2;
/** VCPU record: slot 0's queue triplet (words); see {@linkcode queueAt}. */
const V_Q = 4;
/** Queue triplet: the control block's HEAD[q] (word). */
const Q_HEAD = 0;
/** Queue triplet: the guest's local head cursor (word). */
const Q_LHEAD = 1;
/** Queue triplet: Xen's tail (word). */
const Q_TAIL = 2;
/** VCPU record: evtchn_upcall_pending (byte). */
const VB_UP = 4;
/** VCPU record: control block mapped (byte). */
const VB_MAPPED = 5;
/** VCPU record: READY re-read pending (byte). */
const VB_REREAD = 6;
/** VCPU record: owner of the control block's line (byte). */
const VB_CTRL_LINE = 7;

/** Word of a VCPU record where queue `q`'s triplet starts: slot `7q mod 16` (a bijection). */
function queueAt(q: number): number {
  return V_Q + 3 * ((q * 7) & 15);
}

/** Word of a VCPU record holding word `index` of its control block (READY, _rsvd, HEAD[16]). */
function controlSlot(index: number): number {
  return index < HEAD0 ? V_XREADY + index : queueAt(index - HEAD0) + Q_HEAD;
}
//
// Per port, a 16-byte record (four ports per line):
//   word 0: the event word (P M L B, LINK): the shared event array;
//   word 1: lastq (Xen-private evtchn_fifo_lastq: `(vcpu << 8) | priority`);
//   word 2: notify_vcpu_id (Xen-private);
//   bytes 12-14: evtchn->priority, bound (1 when bound), evtchn->pending saved
//   while the port's array page did not exist (Xen-private);
//   byte 15 of the record of the first port of every 16: the owner of the
//   64-byte line of event words that covers those 16 ports (cost model only).
// Record p starts at word `pb + 4p` (`pb + (p << 2)`), byte `pB + (p << 4)`;
// the owner of p's line is byte `pB + ((p >>> 4) << 8) + 15`. The records
// cover `portSlots` ports: the bound ports and the event array, rounded up to
// whole pages; the event words are the records' word 0 of the first
// `pages * 1024` ports.
/** Int32 words per port record. */
const PORT_WORDS = 4;
/** Bytes per port record. */
const PORT_BYTES = 4 * PORT_WORDS;
/** Port record: lastq (word). */
const P_LASTQ = 1;
/** Port record: notify VCPU (word). */
const P_NOTIFY = 2;
/** Port record: priority (byte). */
const PB_PRIO = 12;
/** Port record: 1 when bound (byte). */
const PB_BOUND = 13;
/** Port record: pending saved while the page is missing (byte). */
const PB_SAVED = 14;
/** Record of a line's first port: owner of the line of 16 event words (byte). */
const PB_LINE = 15;

// Small domains share slabs: one ArrayBuffer and one pair of views for many
// domains' regions, so that the view objects an operation reads stay in
// cache whichever domain it is on. A slab lives while one of its domains
// does; a region it no longer uses (a domain's region before it grew) is not
// reused. A region larger than SLAB_MAX_REGION gets a buffer of
// its own.
/** Bytes of one slab. */
const SLAB_BYTES = 1 << 20;
/** The largest region placed in a slab (bytes). */
const SLAB_MAX_REGION = SLAB_BYTES >>> 3;

/** A buffer and its views, with the bytes handed out so far. */
interface Slab {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  used: number;
}

/** The slab being filled. */
let openSlab: Slab | null = null;

function newSlab(bytes: number): Slab {
  const buf = new ArrayBuffer(bytes);
  return { i32: new Int32Array(buf), u8: new Uint8Array(buf), used: 0 };
}

/**
 * A zeroed region of `bytes` bytes (a multiple of 64): a slab and the byte
 * offset of the region in it, 64-byte aligned.
 */
function allocRegion(bytes: number): { slab: Slab; at: number } {
  if (bytes > SLAB_MAX_REGION) return { slab: newSlab(bytes), at: 0 };
  let s = openSlab;
  if (s === null || s.used + bytes > SLAB_BYTES) s = openSlab = newSlab(SLAB_BYTES);
  const at = s.used;
  s.used += bytes;
  return { slab: s, at };
}

/**
 * The FIFO ABI model and its variants.
 *
 * Set-up: {@linkcode FifoAbi.initControl} maps a VCPU's control block and
 * {@linkcode FifoAbi.expandArray} adds one event-array page (the hypercall
 * layer, `hypercalls.ts`, calls them). Used on its own, without any
 * `initControl` call, the model boots itself on the first `bind`: it maps
 * every VCPU's control block and grows the array to cover each port bound
 * (as the Linux guest does at boot and in evtchn_fifo_setup).
 *
 * The shared memory and Xen's per-port and per-VCPU state are records in
 * buffers shared by many domains (see the memory layout above); read them
 * through {@linkcode FifoAbi.word}, {@linkcode FifoAbi.controlWord} and
 * {@linkcode FifoAbi.priorityOf}.
 *
 * @example
 * ```ts
 * import { FifoAbi } from "./fifo.ts";
 * import { DEFAULT_COSTS } from "./costs.ts";
 * const abi = new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }, "fifo");
 * abi.bind(70, 0);
 * abi.bind(5, 0);
 * abi.raise(70);
 * abi.raise(5);
 * abi.beginUpcall(0);
 * console.log(abi.next(0), abi.next(0), abi.next(0)); // 70 5 -1 (arrival order)
 * ```
 */
export class FifoAbi implements EventChannelAbi {
  /** Cost of the last operation (ns). */
  cost = 0;
  /** Outcome of the last raise or unmask: RAISE_NEW, RAISE_COALESCED or RAISE_DROPPED. */
  outcome: number = RAISE_NEW;
  /** Xen-side steps of the last operation. */
  steps = 0;
  /** Whether the last setPending linked the event onto a queue. */
  private didLink = false;

  // The fields an operation reads, declared first so that they share a few
  // cache lines of the object: the results, the domain's region (see the
  // memory layout) and its extent, the variant, then the costs.
  /** The slab holding the region, as 32-bit words. */
  #i32: Int32Array;
  /** The slab holding the region, as bytes. */
  #u8: Uint8Array;
  /** Word index of VCPU 0's record in `#i32`. */
  #vb: number;
  /** Byte index of VCPU 0's record in `#u8` (`4 * #vb`). */
  #vB: number;
  /** Word index of port 0's record in `#i32`. */
  #pb: number;
  /** Byte index of port 0's record in `#u8` (`4 * #pb`). */
  #pB: number;
  // Per-port Xen state covers `portSlots` ports: the bound ports and the event
  // array, rounded up to whole pages. It grows (reallocated and copied) when a
  // port is bound above it or the array is expanded, as Xen allocates struct
  // evtchn buckets in evtchn_allocate_port; ports above it are unbound.
  /** Ports the per-port Xen state covers: a multiple of 1024, at least `pages * 1024`. */
  portSlots = 0;
  /** Event-array pages added so far (0..128): the array holds exactly `pages * 1024` words. */
  pages = 0;

  /** Variant: pick the highest set READY bit (win-xenbus). */
  readonly lowestFirst: boolean;
  /** Variant: walk from HEAD to the tail, READY on every raise (MicroV). */
  readonly naiveLink: boolean;
  /** Variant: consume a whole queue before re-reading READY. */
  readonly drain: boolean;

  // -- costs --
  /** Xen raise: xen_raise_fifo_ns. */
  protected readonly raiseNs: number;
  /** One extra set_link attempt: cmpxchg_retry_ns. */
  protected readonly retryNs: number;
  /** One list node walked (naive-link): scan_word_ns. */
  protected readonly walkNs: number;
  /** Xen write to a line the guest touched last: remote_line_ns. */
  protected readonly remoteNs: number;
  /** Guest touch of a line Xen wrote: line_miss_ns. */
  protected readonly missNs: number;
  /** One READY xchg: xchg_ns. */
  protected readonly xchgNs: number;
  /** One event consumed: fifo_consume_ns. */
  protected readonly consumeNs: number;
  /** One guest mask (or unmask with P clear): mask_ns. */
  protected readonly maskNs: number;
  /** One hypercall round trip: hypercall_ns. */
  protected readonly hypercallNs: number;

  /** The ABI id reported, e.g. `"fifo:drain"`. */
  readonly id: string;
  /** One more than the highest usable port: FIFO_NR_CHANNELS. */
  readonly maxPorts: number = FIFO_NR_CHANNELS;
  /** Number of VCPUs. */
  readonly vcpus: number;
  /** Always true: FIFO queues events by priority. */
  readonly hasPriorities = true;
  /**
   * Hostile-guest hook: the number of upcoming set_link cmpxchg attempts that
   * fail because the guest changes the tail word concurrently.
   */
  tailRaces = 0;
  /** The ports whose instances the last {@linkcode FifoAbi.corrupt} destroyed. */
  readonly lostPorts: Int32Array = new Int32Array(MAX_LOST_PER_WRITE);
  /** Corrupted state found and contained so far (see EventChannelAbi.faults). */
  faults = 0;
  /** Whether set-up is explicit (initControl was called): bind then never grows the array. */
  protected explicitSetup = false;

  /**
   * Build the model; `id` selects the variant (default `"fifo"`), `label`
   * (default `id`) is the id reported, for designs built on a variant.
   */
  constructor(options: AbiOptions, id: FifoId = "fifo", label: string = id) {
    if (!(options.vcpus >= 1)) throw new RangeError("vcpus must be >= 1");
    if (options.vcpus > 0xffff) throw new RangeError("vcpus must fit lastq's 16-bit VCPU id");
    const V = options.vcpus;
    this.id = label;
    this.vcpus = V;
    this.lowestFirst = id === "fifo:lowest-first";
    this.naiveLink = id === "fifo:naive-link";
    this.drain = id === "fifo:drain";
    // No port records yet: the region is the VCPU records (growPorts adds them).
    const r = allocRegion(V * VCPU_BYTES);
    this.#i32 = r.slab.i32;
    this.#u8 = r.slab.u8;
    this.#vb = r.at >>> 2;
    this.#vB = r.at;
    this.#pb = this.#vb + V * VCPU_WORDS;
    this.#pB = 4 * this.#pb;
    const c = options.costs;
    this.raiseNs = c.xen_raise_fifo_ns;
    this.retryNs = c.cmpxchg_retry_ns;
    this.walkNs = c.scan_word_ns;
    this.remoteNs = c.remote_line_ns;
    this.missNs = c.line_miss_ns;
    this.xchgNs = c.xchg_ns;
    this.consumeNs = c.fifo_consume_ns;
    this.maskNs = c.mask_ns;
    this.hypercallNs = c.hypercall_ns;
  }

  // ------------------------------------------------------------- read access

  /**
   * Words in the event array: exactly `pages * 1024`
   * ({@linkcode FifoAbi.expandArray} adds one page of 1024).
   *
   * @example
   * ```ts
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
   * abi.initControl(0);
   * console.log(abi.wordCount, abi.expandArray(), abi.wordCount); // 0 0 1024
   * ```
   */
  get wordCount(): number {
    return this.pages * FIFO_WORDS_PER_PAGE;
  }

  /**
   * Event word `port` of the shared event array (P M L B, LINK), unsigned;
   * a RangeError for a port outside the array (`0 <= port < wordCount`).
   *
   * @example
   * ```ts
   * import { FIFO_LINKED, FIFO_PENDING, FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
   * abi.bind(5, 0);
   * abi.raise(5);
   * console.log(abi.word(5) === ((FIFO_PENDING | FIFO_LINKED) >>> 0)); // true
   * ```
   */
  word(port: number): number {
    if (!(port >= 0 && port < this.pages * FIFO_WORDS_PER_PAGE) || port !== Math.trunc(port)) {
      throw new RangeError(`port ${port} is outside the event array`);
    }
    return this.#i32[this.#pb + port * PORT_WORDS] >>> 0;
  }

  /**
   * Word `index` of `vcpu`'s control block, unsigned: 0 READY, 1 _rsvd,
   * 2 + q HEAD[q] (struct evtchn_fifo_control_block); a RangeError outside it.
   *
   * @example
   * ```ts
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
   * abi.bind(5, 0);
   * abi.raise(5); // priority 7: HEAD[7] = 5, READY bit 7
   * console.log(abi.controlWord(0, 0), abi.controlWord(0, 2 + 7)); // 128 5
   * ```
   */
  controlWord(vcpu: number, index: number): number {
    if (
      !(vcpu >= 0 && vcpu < this.vcpus && index >= 0 && index < FIFO_CONTROL_WORDS) ||
      vcpu !== Math.trunc(vcpu) || index !== Math.trunc(index)
    ) {
      throw new RangeError(`no control word ${index} of VCPU ${vcpu}`);
    }
    return this.#i32[this.#vb + vcpu * VCPU_WORDS + controlSlot(index)] >>> 0;
  }

  /**
   * The priority stored for `port` (evtchn->priority): the queue its next link
   * uses; a RangeError for a port the per-port state does not cover
   * (`0 <= port < portSlots`).
   *
   * @example
   * ```ts
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
   * abi.bind(5, 0);
   * abi.setPriority(5, 2);
   * console.log(abi.priorityOf(5), abi.priorityOf(6)); // 2 7
   * ```
   */
  priorityOf(port: number): number {
    if (!(port >= 0 && port < this.portSlots) || port !== Math.trunc(port)) {
      throw new RangeError(`port ${port} has no per-port state`);
    }
    return this.#u8[this.#pB + port * PORT_BYTES + PB_PRIO];
  }

  /** Whether `port` is bound (per-port state covers it and its bound byte is set). */
  #isBound(port: number): boolean {
    return this.#u8[this.#pB + (port << 4) + PB_BOUND] !== 0;
  }

  /** Whether `vcpu`'s control block is mapped. */
  #mapped(vcpu: number): boolean {
    return this.#u8[this.#vB + vcpu * VCPU_BYTES + VB_MAPPED] !== 0;
  }

  // ------------------------------------------------------------ hypercalls

  /**
   * Map `vcpu`'s control block (EVTCHNOP_init_control, event_fifo.c
   * map_control_block): zeroed READY and HEADs. Errno checks beyond
   * -ENOENT/-EINVAL (offset, faults) are the hypercall layer's.
   *
   * @example
   * ```ts
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new FifoAbi({ vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS });
   * console.log(abi.initControl(1), abi.initControl(1)); // 0 -22
   * ```
   */
  initControl(vcpu: number): number {
    this.cost = 0;
    this.steps = 0;
    if (!(vcpu >= 0 && vcpu < this.vcpus)) return -ENOENT;
    // "control block already mapped" -> -EINVAL (map_control_block).
    if (this.#mapped(vcpu)) return -EINVAL;
    this.explicitSetup = true;
    this.#u8[this.#vB + vcpu * VCPU_BYTES + VB_MAPPED] = 1;
    const vb = this.#vb + vcpu * VCPU_WORDS;
    for (let j = 0; j < FIFO_CONTROL_WORDS; j++) this.#i32[vb + controlSlot(j)] = 0;
    return OK;
  }

  /**
   * Add one page (1024 event words) to the event array (EVTCHNOP_expand_array).
   * -EOPNOTSUPP before any control block is mapped (event_fifo.c
   * evtchn_fifo_expand_array: `d->evtchn_fifo` is set by the first
   * init_control); -ENOSPC past 128 pages (add_page_to_event_array). The guest
   * donates the page with every event word MASKED (Linux events_fifo.c
   * init_array_page), bound ports included. Xen then re-raises the events
   * saved while the page was missing (add_page_to_event_array, 917c123029):
   * on a MASKED word that sets P only, so a saved event is linked when the
   * guest later unmasks its port, not at expand time.
   *
   * @example
   * ```ts
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
   * console.log(abi.expandArray()); // -95: init_control first
   * abi.initControl(0);
   * console.log(abi.expandArray(), abi.pages); // 0 1
   * ```
   */
  expandArray(): number {
    this.steps = 0;
    this.cost = 0;
    let mapped = false;
    for (let v = 0; v < this.vcpus; v++) mapped ||= this.#mapped(v);
    if (!mapped) return -EOPNOTSUPP;
    if (this.pages >= FIFO_MAX_PAGES) return -ENOSPC;
    const first = this.pages * FIFO_WORDS_PER_PAGE;
    const end = first + FIFO_WORDS_PER_PAGE;
    // evtchn_fifo_expand_array / add_page_to_event_array: the array grows by
    // exactly one page: the words (and their cache-line owners) of one more
    // page of ports, never more than the pages added.
    this.growPorts(end);
    const i32 = this.#i32, u8 = this.#u8;
    for (let p = first; p < end; p++) i32[this.#pb + (p << 2)] = FIFO_MASKED;
    this.pages++;
    for (let p = first; p < end; p++) {
      const s = this.#pB + (p << 4) + PB_SAVED;
      if (u8[s] !== 0) {
        u8[s] = 0;
        this.setPending(i32[this.#pb + (p << 2) + P_NOTIFY], p, 0);
      }
    }
    this.cost = 0;
    this.steps = 0;
    return OK;
  }

  /**
   * Cover ports below `end` with per-port Xen state, rounded up to a page of
   * ports: evtchn_allocate_port allocates struct evtchn buckets up to the port
   * it allocates (event_channel.c), and expand_array needs the state of the
   * ports of the page it adds. Only bind and expandArray call it.
   */
  private growPorts(end: number): void {
    if (end <= this.portSlots) return;
    const n = Math.ceil(end / FIFO_WORDS_PER_PAGE) * FIFO_WORDS_PER_PAGE;
    const vcpuBytes = this.vcpus * VCPU_BYTES;
    const r = allocRegion(vcpuBytes + n * PORT_BYTES);
    const u8 = r.slab.u8;
    u8.set(this.#u8.subarray(this.#vB, this.#pB + this.portSlots * PORT_BYTES), r.at);
    const pB = r.at + vcpuBytes;
    // A new port's priority: EVTCHN_FIFO_PRIORITY_DEFAULT (evtchn_fifo_init).
    for (let p = this.portSlots; p < n; p++) u8[pB + p * PORT_BYTES + PB_PRIO] = PRIORITY_DEFAULT;
    this.#i32 = r.slab.i32;
    this.#u8 = u8;
    this.#vb = r.at >>> 2;
    this.#vB = r.at;
    this.#pb = pB >>> 2;
    this.#pB = pB;
    this.portSlots = n;
  }

  /** Implicit guest boot (no explicit initControl): map every control block. */
  private autoBoot(port: number): void {
    for (let v = 0; v < this.vcpus; v++) this.#u8[this.#vB + v * VCPU_BYTES + VB_MAPPED] = 1;
    while (this.pages * FIFO_WORDS_PER_PAGE <= port) this.expandArray();
  }

  // ----------------------------------------------------------------- set-up

  /**
   * Bind `port` to `vcpu`: priority 7 (event_fifo.c evtchn_fifo_init,
   * 470a160402), M and P clear (the guest unmasks at irq start-up). Errnos in
   * Xen's order: -ENOENT for a bad VCPU (event_channel.c evtchn_bind_virq/ipi
   * check it first), then evtchn_allocate_port's -ENOSPC above the limit and
   * -EBUSY for a port not free: bound already, port 0 (reserved) or still
   * LINKED (evtchn_is_busy, 78e24c269b).
   */
  bind(port: number, vcpu: number): number {
    this.cost = 0;
    this.steps = 0;
    if (!(vcpu >= 0 && vcpu < this.vcpus)) return -ENOENT;
    if (!(port >= 0 && port < FIFO_NR_CHANNELS)) return -ENOSPC;
    if (port === 0 || (port < this.portSlots && this.#isBound(port))) return -EBUSY;
    if (this.isBusy(port)) return -EBUSY;
    if (!this.explicitSetup) this.autoBoot(port);
    this.growPorts(port + 1);
    const i32 = this.#i32, u8 = this.#u8;
    const wi = this.#pb + (port << 2), b = this.#pB + (port << 4);
    u8[b + PB_BOUND] = 1;
    i32[wi + P_NOTIFY] = vcpu;
    u8[b + PB_PRIO] = PRIORITY_DEFAULT;
    u8[b + PB_SAVED] = 0;
    if (port < this.pages * FIFO_WORDS_PER_PAGE) {
      i32[wi] &= ~(FIFO_PENDING | FIFO_MASKED | FIFO_BUSY);
    }
    return OK;
  }

  /**
   * Close `port`: Linux masks it first; Xen clears P and resets it to VCPU 0
   * (event_channel.c evtchn_free). L stays set until the guest unlinks it, so
   * the port is busy meanwhile.
   */
  close(port: number): number {
    this.cost = 0;
    this.steps = 0;
    if (!(port >= 1 && port < this.portSlots) || !this.#isBound(port)) return -EINVAL;
    const i32 = this.#i32, u8 = this.#u8;
    const wi = this.#pb + (port << 2), b = this.#pB + (port << 4);
    u8[b + PB_BOUND] = 0;
    u8[b + PB_SAVED] = 0;
    i32[wi + P_NOTIFY] = 0;
    if (port < this.pages * FIFO_WORDS_PER_PAGE) {
      i32[wi] = (i32[wi] | FIFO_MASKED) & ~FIFO_PENDING;
    }
    return OK;
  }

  /**
   * EVTCHNOP_set_priority: stored now, used at the next link only; an event
   * already linked stays on its old queue (event_fifo.c
   * evtchn_fifo_set_priority). -EINVAL for a bad port or priority > 15.
   */
  setPriority(port: number, priority: number): number {
    this.cost = 0;
    this.steps = 0;
    if (!(port >= 1 && port < this.portSlots) || !this.#isBound(port)) return -EINVAL;
    if (!(priority >= 0 && priority < PRIORITIES) || priority !== (priority | 0)) return -EINVAL;
    this.#u8[this.#pB + (port << 4) + PB_PRIO] = priority;
    return OK;
  }

  /**
   * EVTCHNOP_bind_vcpu: the new notify VCPU is used at the next link; a linked
   * event is delivered on its old VCPU (Linux's bind_to_cpu hook is a no-op
   * for FIFO).
   */
  bindVcpu(port: number, vcpu: number): number {
    this.cost = 0;
    this.steps = 0;
    // event_channel.c evtchn_bind_vcpu: the VCPU is checked first (-ENOENT), then the port.
    if (!(vcpu >= 0 && vcpu < this.vcpus)) return -ENOENT;
    if (!(port >= 1 && port < this.portSlots) || !this.#isBound(port)) return -EINVAL;
    this.#i32[this.#pb + (port << 2) + P_NOTIFY] = vcpu;
    return OK;
  }

  /** No-op: FIFO guests do not scan for the timer; Linux gives it priority 0 instead. */
  setTimerPort(_vcpu: number, _port: number): void {}

  /** Whether the port is still LINKED (event_fifo.c evtchn_fifo_is_busy). */
  isBusy(port: number): boolean {
    return port >= 0 && port < this.pages * FIFO_WORDS_PER_PAGE &&
      (this.#i32[this.#pb + (port << 2)] & FIFO_LINKED) !== 0;
  }

  // --------------------------------------------------------------- Xen side

  /** Xen evtchn_fifo_set_pending on the port's notify VCPU; returns the VCPU to upcall or -1. */
  raise(port: number): number {
    // Ports above portSlots were never bound.
    if (
      !(port >= 1 && port < this.portSlots) || this.#u8[this.#pB + (port << 4) + PB_BOUND] === 0
    ) {
      // Sending on an unbound or closed port delivers nothing.
      this.outcome = RAISE_DROPPED;
      this.cost = this.raiseNs;
      this.steps = 0;
      return -1;
    }
    return this.setPending(this.#i32[this.#pb + (port << 2) + P_NOTIFY], port, this.raiseNs);
  }

  /** The raise/link algorithm of evtchn_fifo_set_pending; sets cost, steps, outcome. */
  protected setPending(v: number, port: number, cost: number): number {
    this.cost = cost;
    this.steps = 0;
    this.didLink = false;
    const u8 = this.#u8, i32 = this.#i32;
    // Event array page missing: save `pending` for expand_array (event_fifo.c, 917c123029).
    if (port >= this.pages * FIFO_WORDS_PER_PAGE) {
      const s = this.#pB + (port << 4) + PB_SAVED;
      this.outcome = u8[s] !== 0 ? RAISE_COALESCED : RAISE_NEW;
      u8[s] = 1;
      return -1;
    }
    const vB = this.#vB + (v << 8);
    // No control block: the event is dropped and P left alone (8aa0e9d2d1).
    if (u8[vB + VB_MAPPED] === 0) {
      this.outcome = RAISE_DROPPED;
      return -1;
    }
    const line = this.#pB + ((port >>> 4) << 8) + PB_LINE;
    if (u8[line] === LINE_GUEST) this.cost += this.remoteNs;
    u8[line] = LINE_XEN;
    const wi = this.#pb + (port << 2);
    const w = i32[wi];
    // Coalescing: P already set means no new instance (test_and_set P).
    this.outcome = (w & FIFO_PENDING) !== 0 ? RAISE_COALESCED : RAISE_NEW;
    let newHead = false;
    const q = u8[this.#pB + (port << 4) + PB_PRIO];
    // Link only if unmasked and not already LINKED: masked events are never linked.
    if ((w & (FIFO_MASKED | FIFO_LINKED)) === 0) {
      i32[wi] = w | FIFO_PENDING | FIFO_LINKED;
      this.didLink = true;
      if (this.naiveLink) {
        const r = this.linkNaive(v, q, port);
        if (r < 0) {
          // Corrupted list: the hardened walk gives up and the raise leaves no trace.
          i32[wi] = w;
          this.didLink = false;
          this.outcome = RAISE_DROPPED;
          this.faults++;
          return -1;
        }
        newHead = r === 1;
      } else newHead = this.linkTail(v, q, port);
    } else {
      i32[wi] = w | FIFO_PENDING;
    }
    let readySet: boolean;
    if (this.naiveLink) {
      // MicroV: READY is set on every unmasked raise, new head or not.
      readySet = (w & FIFO_MASKED) === 0;
    } else {
      // READY is set only when a new HEAD is written (event_fifo.c, 70ccddb14a).
      readySet = newHead;
    }
    if (!readySet) return -1;
    const bit = 1 << q;
    const cb = this.#vb + (v << 6) + V_XREADY;
    const old = i32[cb];
    i32[cb] = old | bit;
    const cl = vB + VB_CTRL_LINE;
    if (u8[cl] === LINE_GUEST) this.cost += this.remoteNs;
    u8[cl] = LINE_XEN;
    // Edge filter 1: READY bit 0->1.
    if ((old & bit) !== 0) return -1;
    // Edge filter 2: evtchn_upcall_pending 0->1 (domain.c vcpu_mark_events_pending).
    const up = vB + VB_UP;
    if (u8[up] !== 0) return -1;
    u8[up] = 1;
    return v;
  }

  /**
   * Xen's link at the private tail, with old-queue tracking (e33d4257fc):
   * returns true when a new HEAD was written (the queue was empty).
   */
  private linkTail(v: number, q: number, port: number): boolean {
    const i32 = this.#i32;
    const lq = this.#pb + (port << 2) + P_LASTQ;
    const old = i32[lq];
    const oldIdx = this.#vb + (old >>> 8) * VCPU_WORDS + queueAt(old & 0xff) + Q_TAIL;
    const qb = this.#vb + (v << 6) + queueAt(q);
    const qi = qb + Q_TAIL;
    // "If this event was a tail, the old queue is now empty" (evtchn_fifo_set_pending).
    if (i32[oldIdx] === port) i32[oldIdx] = 0;
    // Moved to a different queue: record it as the new lastq.
    if (oldIdx !== qi) i32[lq] = (v << 8) | q;
    let linked = false;
    const t = i32[qi];
    if (t !== 0) linked = this.setLink(t, port);
    if (!linked) i32[qb + Q_HEAD] = port;
    i32[qi] = port;
    return !linked;
  }

  /**
   * MicroV's producer: no private tail, no old queue. Walk from HEAD along
   * LINK to the last word; a HEAD that is 0, unlinked (consumed) or the port
   * itself means an empty queue. Returns 1 when a new HEAD was written, 0 when
   * the port was linked after the tail (or found on the list), -1 when the list
   * is corrupted.
   *
   * Hardening (not in MicroV, which walks without limit): Xen reads the list
   * from guest memory, so the walk stops at a HEAD or LINK outside the event
   * array (a HEAD outside it starts a new list), at a cycle (Brent's
   * algorithm: O(list + cycle) steps, no allocation) and after as many nodes
   * as the array has words; the event is then dropped, never linked into
   * garbage. Steps are thus at most the array size (`pages * 1024`).
   */
  private linkNaive(v: number, q: number, port: number): number {
    const i32 = this.#i32, u8 = this.#u8, pb = this.#pb, pB = this.#pB;
    const hi = this.#vb + (v << 6) + queueAt(q) + Q_HEAD;
    const size = this.pages * FIFO_WORDS_PER_PAGE;
    // HEAD is an unsigned word of guest memory.
    const h = i32[hi] >>> 0;
    if (h === 0 || h === port || h >= size || (i32[pb + (h << 2)] & FIFO_LINKED) === 0) {
      if (h >= size) this.faults++;
      i32[hi] = port;
      return 1;
    }
    let t = h;
    let n = 1;
    let mark = h, power = 1, lam = 0;
    let l = i32[pb + (t << 2)] & FIFO_LINK_MASK;
    let broken = false;
    while (l !== 0 && l !== port) {
      if (l >= size || n >= size) {
        broken = true;
        break;
      }
      t = l;
      n++;
      if (u8[pB + ((t >>> 4) << 8) + PB_LINE] === LINE_GUEST) this.cost += this.remoteNs;
      if (t === mark) {
        broken = true; // a cycle that does not contain `port`
        break;
      }
      if (++lam === power) {
        mark = t;
        power *= 2;
        lam = 0;
      }
      l = i32[pb + (t << 2)] & FIFO_LINK_MASK;
    }
    this.steps += n;
    this.cost += n * this.walkNs;
    if (broken) return -1;
    if (l === port) return 0; // already on the list (MicroV stops there)
    if (this.setLink(t, port)) return 0;
    i32[hi] = port;
    return 1;
  }

  /**
   * Set LINK of tail word `t` iff it is still LINKED (event_fifo.c
   * evtchn_fifo_set_link): one cmpxchg, then BUSY set and at most 4 retries
   * (dae2a1c5f9). Returns false when the tail was already unlinked (the guest
   * consumed it: write a new HEAD). If every retry fails the event is treated
   * as linked and lost ("not linked" warning): outcome RAISE_DROPPED.
   */
  private setLink(t: number, port: number): boolean {
    const i32 = this.#i32, ti = this.#pb + (t << 2);
    let tw = i32[ti];
    this.steps++;
    if ((tw & FIFO_LINKED) === 0) return false;
    if (this.tailRaces <= 0) {
      i32[ti] = (tw & ~(FIFO_BUSY | FIFO_LINK_MASK)) | port;
      return true;
    }
    this.tailRaces--;
    // Lock the word against guest unmasking: set BUSY, then retry.
    i32[ti] = tw | FIFO_BUSY;
    for (let i = 0; i < SET_LINK_RETRIES; i++) {
      this.steps++;
      this.cost += this.retryNs;
      tw = i32[ti];
      if ((tw & FIFO_LINKED) === 0) {
        i32[ti] = tw & ~FIFO_BUSY;
        return false;
      }
      if (this.tailRaces > 0) {
        this.tailRaces--;
        continue;
      }
      i32[ti] = (tw & ~(FIFO_BUSY | FIFO_LINK_MASK)) | port;
      return true;
    }
    i32[ti] &= ~FIFO_BUSY;
    this.outcome = RAISE_DROPPED;
    this.faults++;
    return true;
  }

  /**
   * EVTCHNOP_unmask (event_fifo.c evtchn_fifo_unmask): clear M; if P is set,
   * run set_pending, which links the event at the TAIL (it loses its place).
   * Outcome RAISE_NEW when the event was linked, RAISE_COALESCED when there
   * was nothing to link, RAISE_DROPPED when the link failed.
   */
  unmask(port: number): number {
    this.steps = 0;
    this.outcome = RAISE_COALESCED;
    this.cost = this.maskNs;
    if (
      !(port >= 1 && port < this.pages * FIFO_WORDS_PER_PAGE) ||
      this.#u8[this.#pB + (port << 4) + PB_BOUND] === 0
    ) {
      return -1;
    }
    const i32 = this.#i32, wi = this.#pb + (port << 2);
    const w = i32[wi];
    i32[wi] = w & ~FIFO_MASKED;
    if ((w & FIFO_PENDING) === 0) return -1;
    const r = this.setPending(i32[wi + P_NOTIFY], port, this.hypercallNs + this.raiseNs);
    if (this.outcome !== RAISE_DROPPED) this.outcome = this.didLink ? RAISE_NEW : RAISE_COALESCED;
    return r;
  }

  // ------------------------------------------------------------- guest side

  /**
   * Start a pass: clear evtchn_upcall_pending, then `ready = xchg(READY, 0)`
   * (events_fifo.c __evtchn_fifo_handle_events).
   */
  beginUpcall(v: number): void {
    const u8 = this.#u8, vB = this.#vB + (v << 8);
    u8[vB + VB_UP] = 0;
    u8[vB + VB_REREAD] = 0;
    this.cost = 0;
    this.steps = 0;
    this.#i32[this.#vb + (v << 6) + V_READY] |= this.xchgReady(v);
  }

  /** xchg(&control_block->ready, 0), adding its cost to `this.cost`. */
  private xchgReady(v: number): number {
    const u8 = this.#u8, i32 = this.#i32;
    const cb = this.#vb + (v << 6) + V_XREADY;
    this.cost += this.xchgNs;
    const cl = this.#vB + (v << 8) + VB_CTRL_LINE;
    if (u8[cl] === LINE_XEN) this.cost += this.missNs;
    u8[cl] = LINE_GUEST;
    const r = i32[cb];
    i32[cb] = 0;
    // Only bits 0..15 name a queue: a robust guest ignores the rest (a hostile write).
    return r & READY_MASK;
  }

  /**
   * Which ready queue to consume from: the lowest set bit (highest priority,
   * Linux find_first_bit), or the highest (fifo:lowest-first, win-xenbus
   * _BitScanReverse). Override to try another policy.
   */
  protected pickQueue(ready: number, _vcpu: number): number {
    return this.lowestFirst ? highestBit(ready) : lowestBit(ready);
  }

  /**
   * Whether to OR in xchg(READY) after consuming one event from queue `q`
   * (`drained`: that event was the queue's last). Linux: after every event
   * (`ready |= xchg(...)` in the loop). fifo:drain: only once the queue is
   * drained. Override to try another policy (see examples/fifo_quota.ts).
   */
  protected rereadReady(_vcpu: number, _q: number, drained: boolean): boolean {
    return this.drain ? drained : true;
  }

  /**
   * One event to handle, or -1 when the local ready set is empty after a
   * READY re-read. Each consume takes the head of queue `pickQueue(ready)`
   * through the local head cursor (HEAD is read only when the cursor is 0),
   * clears L and LINK together, clears the queue's local ready bit if LINK was
   * 0 (the bit of the queue just emptied: the rule the draft-B review's
   * `r[b] = 0` meant), and skips entries with P clear or M set
   * (events_fifo.c consume_one_event). READY is OR-ed in after every event,
   * before the next queue is chosen.
   */
  next(v: number): number {
    this.cost = 0;
    let steps = 0;
    const i32 = this.#i32, u8 = this.#u8;
    const pb = this.#pb, pB = this.#pB;
    const vb = this.#vb + (v << 6), vB = this.#vB + (v << 8);
    const ri = vb + V_READY, rr = vB + VB_REREAD, cl = vB + VB_CTRL_LINE;
    let ready = i32[ri];
    if (u8[rr] !== 0) {
      u8[rr] = 0;
      ready |= this.xchgReady(v);
    }
    const size = this.pages * FIFO_WORDS_PER_PAGE;
    while (ready !== 0) {
      if (steps >= FIFO_CONSUME_LIMIT) {
        // Bounded consume loop: yield, keeping the local state, with
        // evtchn_upcall_pending set so that the next pass resumes here.
        i32[ri] = ready;
        u8[vB + VB_UP] = 1;
        this.faults++;
        this.steps = steps;
        return -1;
      }
      const q = this.pickQueue(ready, v);
      const qb = vb + queueAt(q);
      const hi = qb + Q_LHEAD;
      let port = i32[hi];
      if (port === 0) {
        // Local cursor exhausted: take Xen's HEAD (valid since READY was seen, 70ccddb14a).
        port = i32[qb + Q_HEAD];
        if (u8[cl] === LINE_XEN) this.cost += this.missNs;
        u8[cl] = LINE_GUEST;
      }
      steps++;
      this.cost += this.consumeNs;
      if (port <= 0 || port >= size) {
        // A HEAD of 0 under a READY bit, or a HEAD/LINK outside the event array:
        // only a guest that wrote its own control block or event words gets
        // here. Drop the rest of this queue rather than read outside the array.
        this.faults++;
        ready &= ~(1 << q);
        i32[hi] = 0;
        if (this.rereadReady(v, q, true)) ready |= this.xchgReady(v);
        continue;
      }
      const line = pB + ((port >>> 4) << 8) + PB_LINE;
      if (u8[line] === LINE_XEN) this.cost += this.missNs;
      u8[line] = LINE_GUEST;
      const wi = pb + (port << 2);
      const w = i32[wi];
      let link = w & FIFO_LINK_MASK;
      // clear_linked: one cmpxchg clears L and LINK together, returning the old LINK.
      i32[wi] = w & ~(FIFO_LINKED | FIFO_LINK_MASK);
      if (link >= size) {
        this.faults++; // LINK outside the event array: end the queue here
        link = 0;
      }
      const drained = link === 0;
      if (drained) ready &= ~(1 << q);
      i32[hi] = link;
      const reread = this.rereadReady(v, q, drained);
      // Handle only if pending, unmasked and bound (Linux: evtchn_to_irq finds an irq);
      // stale, acked or masked entries are skipped.
      if (
        (w & (FIFO_PENDING | FIFO_MASKED)) === FIFO_PENDING && u8[pB + (port << 4) + PB_BOUND] !== 0
      ) {
        i32[ri] = ready;
        u8[rr] = reread ? 1 : 0;
        this.steps = steps;
        return port;
      }
      if (reread) ready |= this.xchgReady(v);
    }
    i32[ri] = 0;
    this.steps = steps;
    return -1;
  }

  /** Whether evtchn_upcall_pending is set. */
  upcallPending(v: number): boolean {
    return this.#u8[this.#vB + (v << 8) + VB_UP] !== 0;
  }

  /** Clear P (Linux clear_evtchn from ack_dynirq); its cost is in fifo_consume_ns. */
  ack(port: number): void {
    this.cost = 0;
    this.steps = 0;
    if (!(port >= 0)) return;
    if (port < this.pages * FIFO_WORDS_PER_PAGE) {
      const u8 = this.#u8, line = this.#pB + ((port >>> 4) << 8) + PB_LINE;
      if (u8[line] === LINE_XEN) this.cost = this.missNs;
      u8[line] = LINE_GUEST;
      this.#i32[this.#pb + (port << 2)] &= ~FIFO_PENDING;
    } else if (port < this.portSlots) {
      this.#u8[this.#pB + (port << 4) + PB_SAVED] = 0;
    }
  }

  /** Set M (sync_set_bit on the event word). */
  mask(port: number): void {
    this.cost = this.maskNs;
    this.steps = 0;
    if (port >= 0 && port < this.pages * FIFO_WORDS_PER_PAGE) {
      this.#i32[this.#pb + (port << 2)] |= FIFO_MASKED;
    }
  }

  /** Whether P is set (or saved while the page is missing). */
  isPending(port: number): boolean {
    if (!(port >= 0)) return false;
    if (port < this.pages * FIFO_WORDS_PER_PAGE) {
      return (this.#i32[this.#pb + (port << 2)] & FIFO_PENDING) !== 0;
    }
    return port < this.portSlots && this.#u8[this.#pB + (port << 4) + PB_SAVED] !== 0;
  }

  /**
   * A hostile guest writes its own shared memory: `SHARED_EVENT_WORDS` writes
   * event word `index` (modulo the words of the pages added so far; flags and
   * LINK alike), `SHARED_CONTROL` writes word `index` of the control blocks
   * (READY, _rsvd or a HEAD; the VCPUs' blocks in turn, 18 words each),
   * `SHARED_LINK_RACE` makes the next set_link lose its cmpxchg `value % 6`
   * times (5: Xen's retries run out and the event is dropped). Returns the
   * number of instances destroyed: a bound port whose P the write cleared (its
   * port is in `lostPorts[0]`). Xen never trusts what it reads back: see
   * `next`, `linkNaive` and `setLink` for the bounds.
   *
   * @example
   * ```ts
   * import { FifoAbi } from "./fifo.ts";
   * import { SHARED_EVENT_WORDS } from "./abi.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
   * abi.bind(5, 0);
   * abi.raise(5);
   * console.log(abi.corrupt(SHARED_EVENT_WORDS, 5, 0), abi.lostPorts[0]); // 1 5
   * ```
   */
  corrupt(target: number, index: number, value: number): number {
    this.cost = 0;
    this.steps = 0;
    const i = Number.isFinite(index) ? Math.abs(Math.trunc(index)) : 0;
    const x = value >>> 0;
    if (target === SHARED_EVENT_WORDS) {
      const size = this.pages * FIFO_WORDS_PER_PAGE;
      if (size === 0) return 0;
      const port = i % size;
      const i32 = this.#i32, wi = this.#pb + (port << 2);
      const old = i32[wi];
      i32[wi] = x;
      this.#u8[this.#pB + ((port >>> 4) << 8) + PB_LINE] = LINE_GUEST;
      if (this.#isBound(port) && (old & FIFO_PENDING) !== 0 && (x & FIFO_PENDING) === 0) {
        this.lostPorts[0] = port;
        return 1;
      }
      return 0;
    }
    if (target === SHARED_CONTROL) {
      const k = i % (this.vcpus * FIFO_CONTROL_WORDS);
      const v = (k / FIFO_CONTROL_WORDS) | 0;
      this.#i32[this.#vb + v * VCPU_WORDS + controlSlot(k - v * FIFO_CONTROL_WORDS)] = x;
      this.#u8[this.#vB + v * VCPU_BYTES + VB_CTRL_LINE] = LINE_GUEST;
      return 0;
    }
    if (target === SHARED_LINK_RACE) this.tailRaces = x % (SET_LINK_RETRIES + 2);
    return 0;
  }

  /**
   * Bytes of shared memory: the event array pages (4096 B = 1024 words each,
   * at most 128 pages = 512 KiB) plus one 72-byte control block per mapped
   * VCPU (Linux gives each a whole page; the ABI needs 72 B).
   *
   * @example
   * ```ts
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new FifoAbi({ vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS });
   * abi.bind(1500, 0); // boots: 2 control blocks, 2 pages
   * console.log(abi.sharedBytes()); // 2 * 4096 + 2 * 72 = 8336
   * ```
   */
  sharedBytes(): number {
    let mapped = 0;
    for (let v = 0; v < this.vcpus; v++) if (this.#mapped(v)) mapped++;
    return this.pages * 4096 + mapped * FIFO_CONTROL_BLOCK_BYTES;
  }
}
