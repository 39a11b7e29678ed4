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
/** `Uint32` words per control block in {@linkcode FifoAbi.control}. */
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
  /** The ABI id reported, e.g. `"fifo:drain"`. */
  readonly id: string;
  /** One more than the highest usable port: FIFO_NR_CHANNELS. */
  readonly maxPorts: number = FIFO_NR_CHANNELS;
  /** Number of VCPUs. */
  readonly vcpus: number;
  /** Always true: FIFO queues events by priority. */
  readonly hasPriorities = true;
  /** Cost of the last operation (ns). */
  cost = 0;
  /** Outcome of the last raise or unmask: RAISE_NEW, RAISE_COALESCED or RAISE_DROPPED. */
  outcome: number = RAISE_NEW;
  /** Xen-side steps of the last operation. */
  steps = 0;

  /** Variant: pick the highest set READY bit (win-xenbus). */
  readonly lowestFirst: boolean;
  /** Variant: walk from HEAD to the tail, READY on every raise (MicroV). */
  readonly naiveLink: boolean;
  /** Variant: consume a whole queue before re-reading READY. */
  readonly drain: boolean;

  // Hot-path views: one 32-bit and one byte view over each of the two
  // buffers, so that an operation on a domain reads four array headers
  // instead of a dozen (a host touches thousands of domains in turn). The
  // named arrays below are views of the same memory. Declared first, with
  // the costs, so that the fields an operation reads share a few cache lines.
  /** The per-port buffer as 32-bit words: event words at 0, lastq at `oLastq`, notify at `oNotify`. */
  #p32: Int32Array = new Int32Array(0);
  /** The per-port buffer as bytes: wordLine at `oLine`, priority at `oPrio`, bound at `oBound`. */
  #p8: Uint8Array = new Uint8Array(0);
  #oLastq = 0;
  #oNotify = 0;
  #oLine = 0;
  #oPrio = 0;
  #oBound = 0;
  /** The per-VCPU buffer as 32-bit words: control blocks at 0, tails at `oTail`. */
  readonly #v32: Int32Array;
  /** The per-VCPU buffer as bytes: upcall at `oUp`, controlMapped at `oMapped`, ctrlLine at `oCtrlLine`. */
  readonly #v8: Uint8Array;
  readonly #oTail: number;
  readonly #oHead: number;
  readonly #oReady: number;
  readonly #oReread: number;
  readonly #oUp: number;
  readonly #oMapped: number;
  readonly #oCtrlLine: number;

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

  // -- shared memory --
  /**
   * The event array: one 32-bit event word per port (P M L B, LINK), exactly
   * `pages * 1024` words; {@linkcode FifoAbi.expandArray} replaces it by one a
   * page longer (evtchn_fifo_expand_array), so hold it only across calls
   * that do not expand.
   */
  words: Uint32Array = new Uint32Array(0);
  /** Per VCPU: the control block, {@linkcode FIFO_CONTROL_WORDS} words: ready, _rsvd, head[16]. */
  readonly control: Uint32Array;
  /** Per VCPU: vcpu_info.evtchn_upcall_pending. */
  readonly upcall: Uint8Array;

  // -- Xen-private --
  /** Per (VCPU, queue): the queue's tail port (struct evtchn_fifo_queue.tail). */
  readonly tail: Uint32Array;
  // Per-port Xen state covers `portSlots` ports: the bound ports and the event
  // array, rounded up to whole pages. It grows (reallocated and copied) when a
  // port is bound above it or the array is expanded, as Xen allocates struct
  // evtchn buckets in evtchn_allocate_port; ports above it are unbound.
  /** Per port: evtchn_fifo_lastq, the queue last linked onto: `(vcpu << 8) | priority`. */
  lastq: Uint32Array = new Uint32Array(0);
  /** Per port: evtchn->priority. */
  priority: Uint8Array = new Uint8Array(0);
  /** Per port: notify_vcpu_id. */
  notify: Int32Array = new Int32Array(0);
  /** Per port: 1 when bound. */
  bound: Uint8Array = new Uint8Array(0);
  /** Per port: evtchn->pending, saved when the port's array page did not exist. */
  savedPending: Uint8Array = new Uint8Array(0);
  /** Ports the per-port Xen state covers: a multiple of 1024, at least `pages * 1024`. */
  portSlots = 0;
  /** Per VCPU: 1 when its control block is mapped. */
  readonly controlMapped: Uint8Array;
  /** Event-array pages added so far (0..128). */
  pages = 0;
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
  /** Whether the last setPending linked the event onto a queue. */
  private didLink = false;
  // -- Linux guest --
  /** Per VCPU: the local `ready` of __evtchn_fifo_handle_events. */
  protected readonly localReady: Uint32Array;
  /** Per (VCPU, queue): Linux per_cpu(cpu_queue).head[], the local head cursor. */
  protected readonly localHead: Uint32Array;
  /** Per VCPU: 1 when READY must be OR-ed in before choosing the next queue. */
  protected readonly rereadPending: Uint8Array;

  // -- cache-line ownership (cost model only) --
  /** Per 64-byte line of event words (16 ports): LINE_XEN or LINE_GUEST; grows with `words`. */
  protected wordLine: Uint8Array = new Uint8Array(0);
  /** Per VCPU: owner of the control block's line. */
  protected readonly ctrlLine: Uint8Array;

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
    // Every per-VCPU array in one buffer: a domain's VCPU state is a few
    // adjacent cache lines, not eight allocations scattered over the heap
    // (a host touches thousands of domains in turn).
    const b32 = (2 * FIFO_CONTROL_WORDS + 3 * PRIORITIES + 2) * V * 4;
    const buf = new ArrayBuffer(b32 + 4 * V);
    let at = 0;
    const u32 = (n: number): Uint32Array => {
      const a = new Uint32Array(buf, at, n);
      at += 4 * n;
      return a;
    };
    const u8 = (n: number): Uint8Array => {
      const a = new Uint8Array(buf, at, n);
      at += n;
      return a;
    };
    this.control = u32(V * FIFO_CONTROL_WORDS);
    this.#oTail = at / 4;
    this.tail = u32(V * PRIORITIES);
    this.#oHead = at / 4;
    this.localHead = u32(V * PRIORITIES);
    this.#oReady = at / 4;
    this.localReady = u32(V);
    this.#oUp = at;
    this.upcall = u8(V);
    this.#oMapped = at;
    this.controlMapped = u8(V);
    this.#oReread = at;
    this.rereadPending = u8(V);
    this.#oCtrlLine = at;
    this.ctrlLine = u8(V);
    this.#v32 = new Int32Array(buf, 0, b32 / 4);
    this.#v8 = new Uint8Array(buf);
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
    if (this.controlMapped[vcpu] !== 0) return -EINVAL;
    this.explicitSetup = true;
    this.controlMapped[vcpu] = 1;
    this.control.fill(0, vcpu * FIFO_CONTROL_WORDS, (vcpu + 1) * FIFO_CONTROL_WORDS);
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
    let mapped = 0;
    for (let v = 0; v < this.vcpus; v++) mapped |= this.controlMapped[v];
    if (mapped === 0) return -EOPNOTSUPP;
    if (this.pages >= FIFO_MAX_PAGES) return -ENOSPC;
    const first = this.pages * FIFO_WORDS_PER_PAGE;
    const end = first + FIFO_WORDS_PER_PAGE;
    // evtchn_fifo_expand_array / add_page_to_event_array: the array grows by
    // exactly one page: `words` (and their cache-line owners) become one page
    // longer, never longer than the pages added.
    this.growPorts(end);
    const buf = this.words.buffer;
    const n = this.portSlots;
    const words = new Uint32Array(buf, 0, end);
    words.fill(FIFO_MASKED, first, end);
    this.words = words;
    this.wordLine = new Uint8Array(buf, 12 * n, end >>> 4);
    this.pages++;
    for (let p = first; p < end; p++) {
      if (this.savedPending[p] !== 0) {
        this.savedPending[p] = 0;
        this.setPending(this.notify[p], p, 0);
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
    // One buffer holds the event words and every per-port array, so that a
    // domain's port state is one allocation, not seven scattered over the heap
    // (a host touches thousands of domains in turn). Layout, n ports:
    // words 4n | lastq 4n | notify 4n | wordLine n/16 | priority n | bound n | saved n.
    const buf = new ArrayBuffer(12 * n + (n >>> 4) + 3 * n);
    const words = new Uint32Array(buf, 0, this.words.length);
    words.set(this.words);
    this.words = words;
    const lastq = new Uint32Array(buf, 4 * n, n);
    lastq.set(this.lastq);
    this.lastq = lastq;
    const notify = new Int32Array(buf, 8 * n, n);
    notify.set(this.notify);
    this.notify = notify;
    const lines = new Uint8Array(buf, 12 * n, this.wordLine.length);
    lines.set(this.wordLine);
    this.wordLine = lines;
    const at = 12 * n + (n >>> 4);
    const priority = new Uint8Array(buf, at, n);
    priority.set(this.priority);
    // A new port's priority: EVTCHN_FIFO_PRIORITY_DEFAULT (evtchn_fifo_init).
    priority.fill(PRIORITY_DEFAULT, this.portSlots);
    this.priority = priority;
    const bound = new Uint8Array(buf, at + n, n);
    bound.set(this.bound);
    this.bound = bound;
    const saved = new Uint8Array(buf, at + 2 * n, n);
    saved.set(this.savedPending);
    this.savedPending = saved;
    this.#p32 = new Int32Array(buf, 0, 3 * n);
    this.#p8 = new Uint8Array(buf);
    this.#oLastq = n;
    this.#oNotify = 2 * n;
    this.#oLine = 12 * n;
    this.#oPrio = at;
    this.#oBound = at + n;
    this.portSlots = n;
  }

  /** Implicit guest boot (no explicit initControl): map every control block. */
  private autoBoot(port: number): void {
    for (let v = 0; v < this.vcpus; v++) this.controlMapped[v] = 1;
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
    if (port === 0 || (port < this.portSlots && this.bound[port] !== 0)) return -EBUSY;
    if (this.isBusy(port)) return -EBUSY;
    if (!this.explicitSetup) this.autoBoot(port);
    this.growPorts(port + 1);
    this.bound[port] = 1;
    this.notify[port] = vcpu;
    this.priority[port] = PRIORITY_DEFAULT;
    this.savedPending[port] = 0;
    if (port < this.pages * FIFO_WORDS_PER_PAGE) {
      this.words[port] &= ~(FIFO_PENDING | FIFO_MASKED | FIFO_BUSY);
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
    if (!(port >= 1 && port < this.portSlots) || this.bound[port] === 0) return -EINVAL;
    this.bound[port] = 0;
    this.savedPending[port] = 0;
    this.notify[port] = 0;
    if (port < this.pages * FIFO_WORDS_PER_PAGE) {
      this.words[port] = (this.words[port] | FIFO_MASKED) & ~FIFO_PENDING;
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
    if (!(port >= 1 && port < this.portSlots) || this.bound[port] === 0) return -EINVAL;
    if (!(priority >= 0 && priority < PRIORITIES) || priority !== (priority | 0)) return -EINVAL;
    this.priority[port] = priority;
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
    if (!(port >= 1 && port < this.portSlots) || this.bound[port] === 0) return -EINVAL;
    this.notify[port] = vcpu;
    return OK;
  }

  /** No-op: FIFO guests do not scan for the timer; Linux gives it priority 0 instead. */
  setTimerPort(_vcpu: number, _port: number): void {}

  /** Whether the port is still LINKED (event_fifo.c evtchn_fifo_is_busy). */
  isBusy(port: number): boolean {
    return port < this.pages * FIFO_WORDS_PER_PAGE && (this.words[port] & FIFO_LINKED) !== 0;
  }

  // --------------------------------------------------------------- Xen side

  /** Xen evtchn_fifo_set_pending on the port's notify VCPU; returns the VCPU to upcall or -1. */
  raise(port: number): number {
    // Ports above portSlots were never bound.
    if (!(port >= 1 && port < this.portSlots) || this.#p8[this.#oBound + port] === 0) {
      // Sending on an unbound or closed port delivers nothing.
      this.outcome = RAISE_DROPPED;
      this.cost = this.raiseNs;
      this.steps = 0;
      return -1;
    }
    return this.setPending(this.#p32[this.#oNotify + port], port, this.raiseNs);
  }

  /** The raise/link algorithm of evtchn_fifo_set_pending; sets cost, steps, outcome. */
  protected setPending(v: number, port: number, cost: number): number {
    this.cost = cost;
    this.steps = 0;
    this.didLink = false;
    // Event array page missing: save `pending` for expand_array (event_fifo.c, 917c123029).
    if (port >= this.pages * FIFO_WORDS_PER_PAGE) {
      this.outcome = this.savedPending[port] !== 0 ? RAISE_COALESCED : RAISE_NEW;
      this.savedPending[port] = 1;
      return -1;
    }
    const v8 = this.#v8, p8 = this.#p8, p32 = this.#p32;
    // No control block: the event is dropped and P left alone (8aa0e9d2d1).
    if (v8[this.#oMapped + v] === 0) {
      this.outcome = RAISE_DROPPED;
      return -1;
    }
    const line = this.#oLine + (port >>> 4);
    if (p8[line] === LINE_GUEST) this.cost += this.remoteNs;
    p8[line] = LINE_XEN;
    const w = p32[port];
    // Coalescing: P already set means no new instance (test_and_set P).
    this.outcome = (w & FIFO_PENDING) !== 0 ? RAISE_COALESCED : RAISE_NEW;
    let newHead = false;
    const q = p8[this.#oPrio + port];
    // Link only if unmasked and not already LINKED: masked events are never linked.
    if ((w & (FIFO_MASKED | FIFO_LINKED)) === 0) {
      p32[port] = w | FIFO_PENDING | FIFO_LINKED;
      this.didLink = true;
      if (this.naiveLink) {
        const r = this.linkNaive(v, q, port);
        if (r < 0) {
          // Corrupted list: the hardened walk gives up and the raise leaves no trace.
          this.words[port] = w;
          this.didLink = false;
          this.outcome = RAISE_DROPPED;
          this.faults++;
          return -1;
        }
        newHead = r === 1;
      } else newHead = this.linkTail(v, q, port);
    } else {
      p32[port] = w | FIFO_PENDING;
    }
    const cb = v * FIFO_CONTROL_WORDS;
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
    const v32 = this.#v32;
    const old = v32[cb];
    v32[cb] = old | bit;
    const cl = this.#oCtrlLine + v;
    if (v8[cl] === LINE_GUEST) this.cost += this.remoteNs;
    v8[cl] = LINE_XEN;
    // Edge filter 1: READY bit 0->1.
    if ((old & bit) !== 0) return -1;
    // Edge filter 2: evtchn_upcall_pending 0->1 (domain.c vcpu_mark_events_pending).
    const up = this.#oUp + v;
    if (v8[up] !== 0) return -1;
    v8[up] = 1;
    return v;
  }

  /**
   * Xen's link at the private tail, with old-queue tracking (e33d4257fc):
   * returns true when a new HEAD was written (the queue was empty).
   */
  private linkTail(v: number, q: number, port: number): boolean {
    const p32 = this.#p32, v32 = this.#v32;
    const lq = this.#oLastq + port;
    const old = p32[lq];
    const oldIdx = this.#oTail + (old >>> 8) * PRIORITIES + (old & 0xff);
    const qi = this.#oTail + v * PRIORITIES + q;
    // "If this event was a tail, the old queue is now empty" (evtchn_fifo_set_pending).
    if (v32[oldIdx] === port) v32[oldIdx] = 0;
    // Moved to a different queue: record it as the new lastq.
    if (oldIdx !== qi) p32[lq] = (v << 8) | q;
    let linked = false;
    const t = v32[qi];
    if (t !== 0) linked = this.setLink(t, port);
    if (!linked) v32[v * FIFO_CONTROL_WORDS + HEAD0 + q] = port;
    v32[qi] = port;
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
    const hi = v * FIFO_CONTROL_WORDS + HEAD0 + q;
    const size = this.pages * FIFO_WORDS_PER_PAGE;
    const words = this.words;
    const h = this.control[hi];
    if (h === 0 || h === port || h >= size || (words[h] & FIFO_LINKED) === 0) {
      if (h >= size) this.faults++;
      this.control[hi] = port;
      return 1;
    }
    let t = h;
    let n = 1;
    let mark = h, power = 1, lam = 0;
    let l = words[t] & FIFO_LINK_MASK;
    let broken = false;
    while (l !== 0 && l !== port) {
      if (l >= size || n >= size) {
        broken = true;
        break;
      }
      t = l;
      n++;
      const line = t >>> 4;
      if (this.wordLine[line] === LINE_GUEST) this.cost += this.remoteNs;
      if (t === mark) {
        broken = true; // a cycle that does not contain `port`
        break;
      }
      if (++lam === power) {
        mark = t;
        power *= 2;
        lam = 0;
      }
      l = words[t] & FIFO_LINK_MASK;
    }
    this.steps += n;
    this.cost += n * this.walkNs;
    if (broken) return -1;
    if (l === port) return 0; // already on the list (MicroV stops there)
    if (this.setLink(t, port)) return 0;
    this.control[hi] = port;
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
    let tw = this.words[t];
    this.steps++;
    if ((tw & FIFO_LINKED) === 0) return false;
    if (this.tailRaces <= 0) {
      this.words[t] = (tw & ~(FIFO_BUSY | FIFO_LINK_MASK)) | port;
      return true;
    }
    this.tailRaces--;
    // Lock the word against guest unmasking: set BUSY, then retry.
    this.words[t] = tw | FIFO_BUSY;
    for (let i = 0; i < SET_LINK_RETRIES; i++) {
      this.steps++;
      this.cost += this.retryNs;
      tw = this.words[t];
      if ((tw & FIFO_LINKED) === 0) {
        this.words[t] = tw & ~FIFO_BUSY;
        return false;
      }
      if (this.tailRaces > 0) {
        this.tailRaces--;
        continue;
      }
      this.words[t] = (tw & ~(FIFO_BUSY | FIFO_LINK_MASK)) | port;
      return true;
    }
    this.words[t] &= ~FIFO_BUSY;
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
    const p32 = this.#p32;
    if (
      !(port >= 1 && port < this.pages * FIFO_WORDS_PER_PAGE) ||
      this.#p8[this.#oBound + port] === 0
    ) {
      return -1;
    }
    const w = p32[port];
    p32[port] = w & ~FIFO_MASKED;
    if ((w & FIFO_PENDING) === 0) return -1;
    const r = this.setPending(p32[this.#oNotify + port], port, this.hypercallNs + this.raiseNs);
    if (this.outcome !== RAISE_DROPPED) this.outcome = this.didLink ? RAISE_NEW : RAISE_COALESCED;
    return r;
  }

  // ------------------------------------------------------------- guest side

  /**
   * Start a pass: clear evtchn_upcall_pending, then `ready = xchg(READY, 0)`
   * (events_fifo.c __evtchn_fifo_handle_events).
   */
  beginUpcall(v: number): void {
    const v8 = this.#v8;
    v8[this.#oUp + v] = 0;
    v8[this.#oReread + v] = 0;
    this.cost = 0;
    this.steps = 0;
    this.#v32[this.#oReady + v] |= this.xchgReady(v);
  }

  /** xchg(&control_block->ready, 0), adding its cost to `this.cost`. */
  private xchgReady(v: number): number {
    const cb = v * FIFO_CONTROL_WORDS;
    const v8 = this.#v8, v32 = this.#v32;
    this.cost += this.xchgNs;
    const cl = this.#oCtrlLine + v;
    if (v8[cl] === LINE_XEN) this.cost += this.missNs;
    v8[cl] = LINE_GUEST;
    const r = v32[cb];
    v32[cb] = 0;
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
    const v32 = this.#v32, v8 = this.#v8, p32 = this.#p32, p8 = this.#p8;
    const ri = this.#oReady + v, rr = this.#oReread + v, cl = this.#oCtrlLine + v;
    let ready = v32[ri];
    if (v8[rr] !== 0) {
      v8[rr] = 0;
      ready |= this.xchgReady(v);
    }
    const size = this.pages * FIFO_WORDS_PER_PAGE;
    while (ready !== 0) {
      if (steps >= FIFO_CONSUME_LIMIT) {
        // Bounded consume loop: yield, keeping the local state, with
        // evtchn_upcall_pending set so that the next pass resumes here.
        v32[ri] = ready;
        v8[this.#oUp + v] = 1;
        this.faults++;
        this.steps = steps;
        return -1;
      }
      const q = this.pickQueue(ready, v);
      const hi = this.#oHead + v * PRIORITIES + q;
      let port = v32[hi];
      if (port === 0) {
        // Local cursor exhausted: take Xen's HEAD (valid since READY was seen, 70ccddb14a).
        port = v32[v * FIFO_CONTROL_WORDS + HEAD0 + q];
        if (v8[cl] === LINE_XEN) this.cost += this.missNs;
        v8[cl] = LINE_GUEST;
      }
      steps++;
      this.cost += this.consumeNs;
      if (port <= 0 || port >= size) {
        // A HEAD of 0 under a READY bit, or a HEAD/LINK outside the event array:
        // only a guest that wrote its own control block or event words gets
        // here. Drop the rest of this queue rather than read outside the array.
        this.faults++;
        ready &= ~(1 << q);
        v32[hi] = 0;
        if (this.rereadReady(v, q, true)) ready |= this.xchgReady(v);
        continue;
      }
      const line = this.#oLine + (port >>> 4);
      if (p8[line] === LINE_XEN) this.cost += this.missNs;
      p8[line] = LINE_GUEST;
      const w = p32[port];
      let link = w & FIFO_LINK_MASK;
      // clear_linked: one cmpxchg clears L and LINK together, returning the old LINK.
      p32[port] = w & ~(FIFO_LINKED | FIFO_LINK_MASK);
      if (link >= size) {
        this.faults++; // LINK outside the event array: end the queue here
        link = 0;
      }
      const drained = link === 0;
      if (drained) ready &= ~(1 << q);
      v32[hi] = link;
      const reread = this.rereadReady(v, q, drained);
      // Handle only if pending, unmasked and bound (Linux: evtchn_to_irq finds an irq);
      // stale, acked or masked entries are skipped.
      if ((w & (FIFO_PENDING | FIFO_MASKED)) === FIFO_PENDING && p8[this.#oBound + port] !== 0) {
        v32[ri] = ready;
        v8[rr] = reread ? 1 : 0;
        this.steps = steps;
        return port;
      }
      if (reread) ready |= this.xchgReady(v);
    }
    v32[ri] = 0;
    this.steps = steps;
    return -1;
  }

  /** Whether evtchn_upcall_pending is set. */
  upcallPending(v: number): boolean {
    return this.#v8[this.#oUp + v] !== 0;
  }

  /** Clear P (Linux clear_evtchn from ack_dynirq); its cost is in fifo_consume_ns. */
  ack(port: number): void {
    this.cost = 0;
    this.steps = 0;
    if (port < this.pages * FIFO_WORDS_PER_PAGE) {
      const p8 = this.#p8, line = this.#oLine + (port >>> 4);
      if (p8[line] === LINE_XEN) this.cost = this.missNs;
      p8[line] = LINE_GUEST;
      this.#p32[port] &= ~FIFO_PENDING;
    } else if (port < this.portSlots) {
      this.savedPending[port] = 0;
    }
  }

  /** Set M (sync_set_bit on the event word). */
  mask(port: number): void {
    this.cost = this.maskNs;
    this.steps = 0;
    if (port < this.pages * FIFO_WORDS_PER_PAGE) this.#p32[port] |= FIFO_MASKED;
  }

  /** Whether P is set (or saved while the page is missing). */
  isPending(port: number): boolean {
    if (port < this.pages * FIFO_WORDS_PER_PAGE) return (this.words[port] & FIFO_PENDING) !== 0;
    return port < this.portSlots && this.savedPending[port] !== 0;
  }

  /**
   * A hostile guest writes its own shared memory: `SHARED_EVENT_WORDS` writes
   * event word `index` (modulo the words of the pages added so far; flags and
   * LINK alike), `SHARED_CONTROL` writes word `index` of the control blocks
   * (READY, _rsvd or a HEAD), `SHARED_LINK_RACE` makes the next set_link lose
   * its cmpxchg `value % 6` times (5: Xen's retries run out and the event is
   * dropped). Returns the number of instances destroyed: a bound port whose P
   * the write cleared (its port is in `lostPorts[0]`). Xen never trusts what
   * it reads back: see `next`, `linkNaive` and `setLink` for the bounds.
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
      const old = this.words[port];
      this.words[port] = x;
      this.wordLine[port >>> 4] = LINE_GUEST;
      if (this.bound[port] !== 0 && (old & FIFO_PENDING) !== 0 && (x & FIFO_PENDING) === 0) {
        this.lostPorts[0] = port;
        return 1;
      }
      return 0;
    }
    if (target === SHARED_CONTROL) {
      const k = i % this.control.length;
      this.control[k] = x;
      this.ctrlLine[(k / FIFO_CONTROL_WORDS) | 0] = LINE_GUEST;
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
    for (let v = 0; v < this.vcpus; v++) mapped += this.controlMapped[v];
    return this.pages * 4096 + mapped * FIFO_CONTROL_BLOCK_BYTES;
  }
}
