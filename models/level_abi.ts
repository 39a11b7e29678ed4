/**
 * The logic the 2-level and 3-level ABIs share: shared pending/mask bitmaps,
 * per-VCPU selectors, Xen's set_pending/unmask, and the Linux round-robin scan
 * (`evtchn_2l_handle_events`) as a resumable state machine, one port per
 * {@linkcode LevelAbi.next} call.
 *
 * The 3-level ABI (Wei Liu's proposal) adds one per-VCPU selector level; its
 * guest scan is the 2-level loop lifted one level [inferred: the proposal's
 * guest code was not retrieved]. Linux's 2-level loop walks a selector
 * snapshot round-robin from the cursor word, scanning the start word twice
 * (first from the start bit up, then whole) and every other word once. The
 * lift treats the two selector levels together as one W*W-bit selector over
 * the pending words:
 * - L1 is taken with xchg at the start of a pass, after the timer VIRQ check
 *   (as 2-level takes its selector after it); each L2 selector word is
 *   taken with xchg once per pass, on the first visit of its L1 bit (the
 *   lazy form of 2-level's single selector snapshot per pass);
 * - inside an L1 word the L2 bits are walked upward without wrapping (as the
 *   2-level bit loop stops when bit_idx wraps to 0);
 * - the start L1 word is visited twice: first L2 bits from the cursor's L2
 *   index up (the start pending word from the start bit), keeping the L1 bit,
 *   the start L2 bit and the lower L2 bits of that snapshot; then, after the
 *   other L1 words, the kept L2 bits from 0, which ends with the start pending
 *   word scanned whole ("scan start word twice; all others once");
 * - no second xchg of the start L2 word: as in 2-level, events raised after a
 *   selector word was taken wait for the next pass (upcall loop). (A second
 *   take would either serve new L2 bits above the start word out of cyclic
 *   order or, if the visit stopped at the start word, strand them.)
 * So a pass serves the pending ports in cyclic order from the cursor, exactly
 * as 2-level does over its 4096 ports.
 *
 * Cost model (documented choices, all from `Costs`):
 * - Xen raise: `xen_raise_2l_ns` / `xen_raise_3l_ns` per raise, whatever the
 *   path, plus `remote_line_ns` per line (pending bitmap, selector) Xen writes
 *   that the guest touched last.
 * - `beginUpcall`: `line_miss_ns` when Xen wrote the vcpu_info line since
 *   the guest last touched it (clearing evtchn_upcall_pending).
 * - `next`: the first call of a pass adds `xchg_ns` for the selector xchg
 *   (after the timer check; plus `line_miss_ns` if Xen wrote the line again
 *   meanwhile); `scan_word_ns` per word examined (selector snapshot searches and
 *   live pending-word reads, so sparse bitmaps cost more), `line_miss_ns` per
 *   pending-bitmap or L2-selector 64-byte line Xen wrote since the guest last
 *   touched it, `xchg_ns` per L2 selector xchg (3-level), and
 *   `bitmap_consume_ns` per port returned.
 * - `ack`: 0 (its lock btr is counted in `bitmap_consume_ns`), plus a line miss
 *   if Xen wrote the line meanwhile; `mask`: `mask_ns`; `unmask`: `mask_ns`
 *   when nothing is pending, else `hypercall_ns` plus the raise cost (Linux
 *   HVM guests re-mask and call EVTCHNOP_unmask when the port is pending,
 *   events_2l.c evtchn_2l_unmask).
 *
 * @module
 */

import {
  type AbiOptions,
  EBUSY,
  EINVAL,
  ENOENT,
  ENOSPC,
  ENOSYS,
  type EventChannelAbi,
  MAX_LOST_PER_WRITE,
  OK,
  RAISE_COALESCED,
  RAISE_DROPPED,
  RAISE_NEW,
  SHARED_BITMAPS,
  SHARED_CONTROL,
  SHARED_EVENT_WORDS,
} from "./abi.ts";
import {
  findFrom,
  isZero,
  LINE_GUEST,
  LINE_XEN,
  lowestBit,
  testAndClear,
  testAndSet,
  testBit,
  xchgZero,
} from "./bitmap.ts";

/** Scan phase: this pass is exhausted (next returns -1 until beginUpcall). */
const PH_IDLE = 0;
/** Scan phase: the timer VIRQ check comes first. */
const PH_TIMER = 1;
/** Scan phase (3-level): top of the outer loop over the L1 snapshot. */
const PH_OUTER = 2;
/** Scan phase: top of the word loop over the selector snapshot. */
const PH_WORDS = 3;
/** Scan phase: inside one pending word (the `do { } while (bit_idx != 0)` loop). */
const PH_BITS = 4;
/** Scan phase: the timer check is done; take the selector snapshot next. */
const PH_TAKE = 5;

/** Bits of a pending bitmap per 64-byte cache line. */
const LINE_BITS_SHIFT = 9;
/** EVTCHNS_PER_BUCKET (xen/include/xen/sched.h): 64 ports per struct evtchn bucket. */
const EVTCHN_BUCKET = 64;

/**
 * Base class of {@linkcode TwoLevelAbi} and {@linkcode ThreeLevelAbi}: an
 * n-level bitmap ABI (`levels` 2 or 3) over `wordBits`-bit ABI words.
 *
 * @example
 * ```ts
 * import { TwoLevelAbi } from "./two_level.ts";
 * import { DEFAULT_COSTS } from "./costs.ts";
 * const abi = new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }, "2l");
 * abi.bind(3, 0);
 * console.log(abi.raise(3)); // 0
 * ```
 */
export abstract class LevelAbi implements EventChannelAbi {
  /** The ABI id, e.g. `"2l"`. */
  readonly id: string;
  /** One more than the highest usable port. */
  readonly maxPorts: number;
  /** Number of VCPUs. */
  readonly vcpus: number;
  /** Always false: bitmap ABIs have no priorities. */
  readonly hasPriorities = false;
  /** Cost of the last operation (ns). */
  cost = 0;
  /** Outcome of the last raise or unmask: RAISE_NEW, RAISE_COALESCED or RAISE_DROPPED. */
  outcome: number = RAISE_NEW;
  /** Xen-side steps of the last operation. */
  steps = 0;
  /** The ports whose instances the last {@linkcode LevelAbi.corrupt} destroyed. */
  readonly lostPorts: Int32Array = new Int32Array(MAX_LOST_PER_WRITE);
  /**
   * Corrupted state found and contained: always 0, since no bit pattern a
   * guest can write into its bitmaps or selectors makes Xen's set_pending or
   * the Linux scan walk further (every selector bit names a real word).
   */
  readonly faults = 0;

  /** Selector levels above the shared bitmaps' words: 2 (2-level) or 3 (3-level). */
  readonly levels: 2 | 3;
  /** Bits per ABI word (`xen_ulong_t`): 64 or 32. */
  readonly wordBits: number;
  /** `Uint32` halves per ABI word. */
  protected readonly halves: number;
  /** Number of L1 selector bits that index something (2-level: 1 word group; 3-level: wordBits). */
  protected readonly l1Width: number;

  // -- shared memory, laid out as the ABI lays it out --
  /** shared_info.evtchn_pending (3-level: the L3 pending pages). */
  readonly pendingMap: Uint32Array;
  /** shared_info.evtchn_mask (3-level: the L3 mask pages). */
  readonly maskMap: Uint32Array;
  /** Per VCPU: vcpu_info.evtchn_pending_sel (the L1 selector), `halves` words each. */
  readonly sel1: Uint32Array;
  /** Per VCPU (3-level only): the L2 selector, `wordBits` ABI words each. */
  readonly sel2: Uint32Array;
  /** Per VCPU: vcpu_info.evtchn_upcall_pending. */
  readonly upcall: Uint8Array;

  // -- Xen-private per port --
  // Both cover the ports bound so far (at least 64, doubling up to maxPorts):
  // Xen allocates struct evtchn buckets as evtchn_allocate_port reaches them
  // (event_channel.c), so bind reallocates them; ports above are unbound.
  /** Per port: notify_vcpu_id. */
  notify: Int32Array = new Int32Array(EVTCHN_BUCKET);
  /** Per port: 1 when bound. */
  bound: Uint8Array = new Uint8Array(EVTCHN_BUCKET);

  // -- Linux guest state --
  /** Per VCPU: Linux cpu_evtchn_mask (only ports bound to this VCPU), one bitmap each. */
  protected readonly cpuMask: Uint32Array;
  /** `Uint32` words per bitmap (pending, mask, one cpu mask). */
  protected readonly bitmapWords: number;
  /** Per VCPU: its timer VIRQ port (0: none). */
  protected readonly timerPort: Int32Array;
  /** Per VCPU: the persistent cursor (current_word_idx, current_bit_idx), lifted to 3 levels. */
  protected readonly c1: Int32Array;
  /** Cursor: L2 index (2-level: current_word_idx). */
  protected readonly c2: Int32Array;
  /** Cursor: bit index (current_bit_idx). */
  protected readonly c3: Int32Array;
  // Per-pass state of the resumable scan.
  /** Per VCPU: where the scan resumes (one of the PH_* phases). */
  protected readonly phase: Uint8Array;
  /** Per VCPU (3-level): snapshot of the L1 selector taken by xchg, `halves` words each. */
  protected readonly snapOut: Uint32Array;
  /** Per VCPU: snapshot of the selector whose words are walked (2-level: L1; 3-level: L2). */
  protected readonly snapIn: Uint32Array;
  /** 3-level: the start L1 word's L2 snapshot bits left after its first visit. */
  protected readonly snapKeep: Uint32Array;
  /** Per VCPU: the pending word being walked (pending & cpu mask & ~mask), read once per visit. */
  protected readonly pbits: Uint32Array;
  /** Per VCPU: the pass's start L1 index (the cursor when the pass began). */
  protected readonly startW1: Int32Array;
  /** Per VCPU: the pass's start L2 index. */
  protected readonly startW2: Int32Array;
  /** Per VCPU: the pass's start bit index. */
  protected readonly startBit: Int32Array;
  /** Per VCPU: the current L1 index. */
  protected readonly w1: Int32Array;
  /** Per VCPU: L1 words visited this pass (3-level). */
  protected readonly i1: Int32Array;
  /** Per VCPU: the current L2 index (2-level: the selector word index). */
  protected readonly w2: Int32Array;
  /** Per VCPU: L2 words visited in the current L1 word. */
  protected readonly i2: Int32Array;
  /** Per VCPU: the L2 word visited twice in the current L1 word, or -1. */
  protected readonly sw2: Int32Array;
  /** Per VCPU: the bit the first visit of `sw2` starts at. */
  protected readonly sb: Int32Array;
  /** Per VCPU: the next bit to look at in `pbits`. */
  protected readonly bit: Int32Array;

  // -- cache-line ownership (cost model only) --
  /** Per cache line of the pending bitmap: LINE_XEN or LINE_GUEST, whoever wrote it last. */
  protected readonly leafLine: Uint8Array;
  /** Per VCPU: owner of the L1 selector's line. */
  protected readonly selLine: Uint8Array;
  /** Per (VCPU, line) of the L2 selector (3-level): owner of the line. */
  protected readonly sel2Line: Uint8Array;
  /** Cache lines of the L2 selector per VCPU (2-level: 0). */
  protected readonly sel2LinesPerVcpu: number;

  // -- costs, copied for speed --
  /** Xen set_pending for this level count (ns). */
  protected readonly raiseNs: number;
  /** Xen write to a line the guest holds: remote_line_ns. */
  protected readonly remoteNs: number;
  /** Guest read of a line Xen wrote: line_miss_ns. */
  protected readonly missNs: number;
  /** One xchg: xchg_ns. */
  protected readonly xchgNs: number;
  /** One word examined by the scan: scan_word_ns. */
  protected readonly scanNs: number;
  /** One event consumed: bitmap_consume_ns. */
  protected readonly consumeNs: number;
  /** One guest mask (or unmask with P clear): mask_ns. */
  protected readonly maskNs: number;
  /** One hypercall round trip: hypercall_ns. */
  protected readonly hypercallNs: number;

  /** Build an n-level model; `raiseNs` is the Xen set_pending cost for this level count. */
  protected constructor(options: AbiOptions, id: string, levels: 2 | 3, raiseNs: number) {
    const W = options.wordBits;
    if (W !== 32 && W !== 64) throw new RangeError(`wordBits must be 32 or 64, got ${W}`);
    if (!(options.vcpus >= 1)) throw new RangeError(`vcpus must be >= 1`);
    const H = W >>> 5;
    const V = options.vcpus;
    this.id = id;
    this.levels = levels;
    this.wordBits = W;
    this.halves = H;
    this.vcpus = V;
    // Capacity: BITS_PER_EVTCHN_WORD^levels (xen/common/event_channel.h max_evtchns;
    // 3-level: 32768 / 262144 from the V4 libxl doc, xen-devel 2013-03 msg00516).
    this.maxPorts = levels === 2 ? W * W : W * W * W;
    this.l1Width = levels === 2 ? 1 : W;
    this.bitmapWords = this.maxPorts >>> 5;
    this.pendingMap = new Uint32Array(this.bitmapWords);
    this.maskMap = new Uint32Array(this.bitmapWords);
    this.sel1 = new Uint32Array(V * H);
    this.sel2 = new Uint32Array(levels === 3 ? V * W * H : 0);
    this.upcall = new Uint8Array(V);
    this.cpuMask = new Uint32Array(V * this.bitmapWords);
    this.timerPort = new Int32Array(V);
    this.c1 = new Int32Array(V);
    this.c2 = new Int32Array(V);
    this.c3 = new Int32Array(V);
    this.phase = new Uint8Array(V);
    this.snapOut = new Uint32Array(V * H);
    this.snapIn = new Uint32Array(V * H);
    this.snapKeep = new Uint32Array(levels === 3 ? V * H : 0);
    this.pbits = new Uint32Array(V * H);
    this.startW1 = new Int32Array(V);
    this.startW2 = new Int32Array(V);
    this.startBit = new Int32Array(V);
    this.w1 = new Int32Array(V);
    this.i1 = new Int32Array(V);
    this.w2 = new Int32Array(V);
    this.i2 = new Int32Array(V);
    this.sw2 = new Int32Array(V);
    this.sb = new Int32Array(V);
    this.bit = new Int32Array(V);
    this.leafLine = new Uint8Array(Math.max(1, this.maxPorts >>> LINE_BITS_SHIFT));
    this.selLine = new Uint8Array(V);
    this.sel2LinesPerVcpu = levels === 3 ? Math.max(1, (W * W) >>> LINE_BITS_SHIFT) : 0;
    this.sel2Line = new Uint8Array(V * this.sel2LinesPerVcpu);
    const c = options.costs;
    this.raiseNs = raiseNs;
    this.remoteNs = c.remote_line_ns;
    this.missNs = c.line_miss_ns;
    this.xchgNs = c.xchg_ns;
    this.scanNs = c.scan_word_ns;
    this.consumeNs = c.bitmap_consume_ns;
    this.maskNs = c.mask_ns;
    this.hypercallNs = c.hypercall_ns;
  }

  /** Shared-memory footprint in bytes; each subclass documents its layout. */
  abstract sharedBytes(): number;

  // ------------------------------------------------------------------ set-up

  /**
   * Bind `port` to `vcpu`: notify VCPU, Linux cpu_evtchn_mask, mask and
   * pending clear. Errnos in Xen's order: -ENOENT for a bad VCPU
   * (event_channel.c evtchn_bind_virq/ipi check it first), then
   * evtchn_allocate_port's -ENOSPC above the ABI's limit and -EBUSY for a
   * port not free (bound already, or port 0, which is reserved).
   */
  bind(port: number, vcpu: number): number {
    this.cost = 0;
    this.steps = 0;
    if (!(vcpu >= 0 && vcpu < this.vcpus)) return -ENOENT;
    if (!(port >= 0 && port < this.maxPorts)) return -ENOSPC;
    if (port === 0 || (port < this.bound.length && this.bound[port] !== 0)) return -EBUSY;
    if (port >= this.bound.length) this.growPorts(port);
    this.bound[port] = 1;
    this.notify[port] = vcpu;
    // A freed channel had its pending bit cleared (event_channel.c evtchn_free);
    // Linux unmasks the port when the irq starts up (events_base.c startup_dynirq).
    testAndClear(this.pendingMap, 0, port);
    testAndClear(this.maskMap, 0, port);
    // Linux: only ports bound to this CPU are scanned (events_2l.c evtchn_2l_bind_to_cpu).
    testAndSet(this.cpuMask, vcpu * this.bitmapWords, port);
    return OK;
  }

  /**
   * Cover `port` with per-port Xen state (evtchn_allocate_port's buckets),
   * doubling so that binding n ports copies O(n) bytes; at bind only.
   */
  private growPorts(port: number): void {
    let n = this.bound.length;
    while (n <= port) n *= 2;
    n = Math.min(n, this.maxPorts);
    const bound = new Uint8Array(n);
    bound.set(this.bound);
    this.bound = bound;
    const notify = new Int32Array(n);
    notify.set(this.notify);
    this.notify = notify;
  }

  /** Close `port`: Linux masks it first, Xen clears pending and resets it to VCPU 0. */
  close(port: number): number {
    this.cost = 0;
    this.steps = 0;
    if (!(port >= 1 && port < this.bound.length) || this.bound[port] === 0) return -EINVAL;
    this.bound[port] = 0;
    testAndSet(this.maskMap, 0, port); // events_base.c __unbind_from_irq masks before EVTCHNOP_close
    testAndClear(this.pendingMap, 0, port); // event_channel.c evtchn_free: clear_pending
    testAndClear(this.cpuMask, this.notify[port] * this.bitmapWords, port);
    this.notify[port] = 0; // evtchn_free: "Reset binding to vcpu0"
    for (let v = 0; v < this.vcpus; v++) if (this.timerPort[v] === port) this.timerPort[v] = 0;
    return OK;
  }

  /** No priorities in the bitmap ABIs: EVTCHNOP_set_priority has no hook (event_2l.c). */
  setPriority(_port: number, _priority: number): number {
    this.cost = 0;
    this.steps = 0;
    return -ENOSYS;
  }

  /**
   * EVTCHNOP_bind_vcpu plus Linux's bind_to_cpu: change notify_vcpu_id and the
   * per-CPU mask. A port already pending stays flagged in the old VCPU's
   * selector (Linux follows a rebind with mask/unmask to move it:
   * call `mask`, `bindVcpu`, `unmask` to model that).
   */
  bindVcpu(port: number, vcpu: number): number {
    this.cost = 0;
    this.steps = 0;
    // event_channel.c evtchn_bind_vcpu: the VCPU is checked first (-ENOENT), then the port.
    if (!(vcpu >= 0 && vcpu < this.vcpus)) return -ENOENT;
    if (!(port >= 1 && port < this.bound.length) || this.bound[port] === 0) return -EINVAL;
    testAndClear(this.cpuMask, this.notify[port] * this.bitmapWords, port);
    this.notify[port] = vcpu;
    testAndSet(this.cpuMask, vcpu * this.bitmapWords, port);
    return OK;
  }

  /** The timer VIRQ port of `vcpu`, checked first by the guest scan (events_2l.c). */
  setTimerPort(vcpu: number, port: number): void {
    this.timerPort[vcpu] = port;
  }

  /** Bitmap ABIs never keep a closed port busy. */
  isBusy(_port: number): boolean {
    return false;
  }

  // ---------------------------------------------------------------- Xen side

  /**
   * Xen set_pending. 2-level: test_and_set pending (coalesce if set); if
   * unmasked and the selector bit goes 0->1, mark events pending
   * (event_2l.c evtchn_2l_set_pending). 3-level: the L2 bit then the L1 bit
   * must go 0->1 [inferred generalisation, Wei Liu V1 cover letter "more or
   * less the same as 2-level"]. Then evtchn_upcall_pending 0->1
   * (x86 domain.c vcpu_mark_events_pending).
   */
  raise(port: number): number {
    let cost = this.raiseNs;
    this.steps = 1;
    if (!(port >= 1 && port < this.bound.length) || this.bound[port] === 0) {
      // Sending on an unbound/closed port delivers nothing.
      this.outcome = RAISE_DROPPED;
      this.cost = cost;
      return -1;
    }
    const line = port >>> LINE_BITS_SHIFT;
    if (this.leafLine[line] === LINE_GUEST) cost += this.remoteNs;
    this.leafLine[line] = LINE_XEN;
    // Coalescing: a raise on a pending port creates no new work (event_2l.c).
    if (testAndSet(this.pendingMap, 0, port)) {
      this.outcome = RAISE_COALESCED;
      this.cost = cost;
      return -1;
    }
    this.outcome = RAISE_NEW;
    // Masked: "the 'edge' is lost" (public/xen.h); found on a later scan after unmask.
    if (testBit(this.maskMap, 0, port)) {
      this.cost = cost;
      return -1;
    }
    const v = this.notify[port];
    const r = this.propagate(v, port, cost);
    return r;
  }

  /**
   * Set the selector bits above `port` for `v` and, if the ABI's edge filter
   * passes, evtchn_upcall_pending; returns the VCPU to upcall or -1. Sets cost.
   */
  protected propagate(v: number, port: number, cost: number): number {
    const W = this.wordBits;
    const lw = (port / W) | 0; // pending word index = L2 bit (3-level) or L1 bit (2-level)
    let l1bit = lw;
    if (this.levels === 3) {
      const li = v * this.sel2LinesPerVcpu + (lw >>> LINE_BITS_SHIFT);
      if (this.sel2Line[li] === LINE_GUEST) cost += this.remoteNs;
      this.sel2Line[li] = LINE_XEN;
      this.steps++;
      // 3-level edge filter: L2 selector bit 0->1 [inferred].
      if (testAndSet(this.sel2, v * W * this.halves, lw)) {
        this.cost = cost;
        return -1;
      }
      l1bit = (lw / W) | 0;
    }
    if (this.selLine[v] === LINE_GUEST) cost += this.remoteNs;
    this.selLine[v] = LINE_XEN;
    this.steps++;
    // Edge filter 1: selector bit 0->1 (event_2l.c evtchn_2l_set_pending).
    if (testAndSet(this.sel1, v * this.halves, l1bit)) {
      this.cost = cost;
      return -1;
    }
    // Edge filter 2: evtchn_upcall_pending 0->1 (domain.c vcpu_mark_events_pending).
    this.cost = cost;
    if (this.upcall[v] !== 0) return -1;
    this.upcall[v] = 1;
    return v;
  }

  /**
   * EVTCHNOP_unmask: if the mask bit was set and the port is pending, set the
   * selector bit(s) and upcall_pending as a raise would (event_2l.c
   * evtchn_2l_unmask). Outcome RAISE_NEW when a pending event became
   * deliverable, RAISE_COALESCED when there was nothing to do.
   */
  unmask(port: number): number {
    this.steps = 0;
    this.outcome = RAISE_COALESCED;
    this.cost = this.maskNs;
    if (!(port >= 1 && port < this.bound.length) || this.bound[port] === 0) return -1;
    const wasMasked = testAndClear(this.maskMap, 0, port);
    if (!testBit(this.pendingMap, 0, port)) return -1;
    // Pending: Linux HVM re-masks and calls EVTCHNOP_unmask (events_2l.c evtchn_2l_unmask).
    if (!wasMasked) {
      this.cost = this.hypercallNs;
      return -1;
    }
    this.outcome = RAISE_NEW;
    return this.propagate(this.notify[port], port, this.hypercallNs + this.raiseNs);
  }

  // -------------------------------------------------------------- guest side

  /**
   * Start a pass: clear evtchn_upcall_pending (events_base.c
   * __xen_evtchn_do_upcall). The selector snapshot is taken later, by the
   * first {@linkcode LevelAbi.next} after the timer check (see `takeSelector`).
   */
  beginUpcall(v: number): void {
    let cost = 0;
    if (this.selLine[v] === LINE_XEN) cost += this.missNs; // upcall_pending shares the vcpu_info line
    this.selLine[v] = LINE_GUEST;
    this.upcall[v] = 0;
    this.phase[v] = PH_TIMER;
    this.cost = cost;
    this.steps = 0;
  }

  /**
   * Take the selector snapshot with xchg and capture the cursor as the pass's
   * start (events_2l.c evtchn_2l_handle_events: after the timer VIRQ check,
   * `pending_words = xchg(&vcpu_info->evtchn_pending_sel, 0)`, then
   * current_word_idx/current_bit_idx). Returns its cost.
   */
  private takeSelector(v: number): number {
    const H = this.halves;
    let cost = this.xchgNs;
    if (this.selLine[v] === LINE_XEN) cost += this.missNs;
    this.selLine[v] = LINE_GUEST;
    this.startW1[v] = this.c1[v];
    this.startW2[v] = this.c2[v];
    this.startBit[v] = this.c3[v];
    if (this.levels === 2) {
      xchgZero(this.sel1, v * H, this.snapIn, v * H, H);
      this.w1[v] = 0;
      this.w2[v] = this.c2[v];
      this.i2[v] = 0;
      this.sw2[v] = this.c2[v];
      this.sb[v] = this.c3[v];
    } else {
      // 3-level: the L1 selector is taken the same way, after the timer check too
      // [inferred: the lifted 2-level loop keeps 2-level's order].
      xchgZero(this.sel1, v * H, this.snapOut, v * H, H);
      this.w1[v] = this.c1[v];
      this.i1[v] = 0;
    }
    return cost;
  }

  /**
   * One port to handle, resuming the Linux scan where the last call left it,
   * or -1 when this pass is exhausted. Calling it repeatedly yields the port
   * sequence `evtchn_2l_handle_events` would handle.
   */
  next(v: number): number {
    const W = this.wordBits;
    const H = this.halves;
    const vb = v * H;
    let cost = 0;
    let examined = 0;
    let ph = this.phase[v];
    if (ph === PH_TIMER) {
      ph = PH_TAKE;
      // "Timer interrupt has highest priority" (events_2l.c): handle the VIRQ_TIMER
      // port first if it is pending, unmasked and bound to this CPU, BEFORE the
      // selector xchg, so that a port raised while the timer handler runs is
      // found in this same pass.
      const t = this.timerPort[v];
      if (t > 0) {
        examined++;
        cost += this.touchLeaf(t);
        if (
          testBit(this.pendingMap, 0, t) && !testBit(this.maskMap, 0, t) &&
          testBit(this.cpuMask, v * this.bitmapWords, t)
        ) {
          this.phase[v] = ph;
          this.steps = examined;
          this.cost = cost + examined * this.scanNs + this.consumeNs;
          return t;
        }
      }
    }
    if (ph === PH_TAKE) {
      cost += this.takeSelector(v);
      ph = this.levels === 3 ? PH_OUTER : PH_WORDS;
    }
    for (;;) {
      if (ph === PH_BITS) {
        const x = findFrom(this.pbits, vb, W, this.bit[v]);
        if (x < 0) {
          // "If we masked out all events, move on."
          this.finishWord(v);
          ph = PH_WORDS;
          continue;
        }
        const w1 = this.w1[v];
        const w2 = this.w2[v];
        const port = (w1 * W + w2) * W + x;
        const nb = (x + 1) & (W - 1);
        this.bit[v] = nb;
        // "Next caller starts at last processed + 1" (events_2l.c), carried up a level in 3-level.
        this.c3[v] = nb;
        if (nb !== 0) {
          this.c2[v] = w2;
          this.c1[v] = w1;
        } else {
          const n2 = (w2 + 1) & (W - 1);
          this.c2[v] = n2;
          this.c1[v] = n2 !== 0 ? w1 : (w1 + 1) % this.l1Width;
          // The do/while ends when bit_idx wraps to 0.
          this.finishWord(v);
          ph = PH_WORDS;
        }
        this.phase[v] = ph;
        this.steps = examined;
        this.cost = cost + examined * this.scanNs + this.consumeNs;
        return port;
      }
      if (ph === PH_WORDS) {
        if (isZero(this.snapIn, vb, H)) {
          if (this.levels === 2) break;
          this.finishOuterWord(v);
          ph = PH_OUTER;
          continue;
        }
        examined++;
        const w = findFrom(this.snapIn, vb, W, this.w2[v]);
        if (w < 0) {
          if (this.levels === 3) {
            // 3-level: the L2 walk inside an L1 word does not wrap (the lifted bit loop).
            this.finishOuterWord(v);
            ph = PH_OUTER;
            continue;
          }
          // "If we masked out all events, wrap to beginning." (the for loop's i++ still runs)
          this.w2[v] = 0;
          this.bit[v] = 0;
          this.i2[v]++;
          continue;
        }
        this.w2[v] = w;
        // active_evtchns: pending & cpu_evtchn_mask & ~mask, read live, once per visit.
        const leafWord = this.w1[v] * W + w;
        const base = leafWord * H;
        const cb = v * this.bitmapWords + base;
        for (let h = 0; h < H; h++) {
          this.pbits[vb + h] = this.pendingMap[base + h] & this.cpuMask[cb + h] &
            ~this.maskMap[base + h];
        }
        examined++;
        cost += this.touchLeaf(leafWord * W);
        // "Scan start_l1i twice": the first visit of the start word begins at the start bit.
        this.bit[v] = w === this.sw2[v] && this.i2[v] === 0 ? this.sb[v] : 0;
        ph = PH_BITS;
        continue;
      }
      if (ph === PH_OUTER) {
        if (isZero(this.snapOut, vb, H)) break;
        examined++;
        const w = findFrom(this.snapOut, vb, W, this.w1[v]);
        if (w < 0) {
          this.w1[v] = 0;
          this.i1[v]++;
          continue;
        }
        this.w1[v] = w;
        if (w === this.startW1[v] && this.i1[v] !== 0) {
          // Second visit of the start L1 word [inferred]: the L2 bits its first visit left
          // (below the start L2 word, and the start word itself), from L2 word 0, each once;
          // the start pending word is now scanned whole. No new xchg (one take per pass).
          for (let h = 0; h < H; h++) this.snapIn[vb + h] = this.snapKeep[vb + h];
          this.sw2[v] = this.startW2[v];
          this.sb[v] = 0;
          this.w2[v] = 0;
          this.i2[v] = 1;
          ph = PH_WORDS;
          continue;
        }
        // 3-level [inferred]: take L2 selector word `w` with xchg, like the L1 selector.
        const li = v * this.sel2LinesPerVcpu + ((w * W) >>> LINE_BITS_SHIFT);
        cost += this.xchgNs;
        if (this.sel2Line[li] === LINE_XEN) cost += this.missNs;
        this.sel2Line[li] = LINE_GUEST;
        xchgZero(this.sel2, (v * W + w) * H, this.snapIn, vb, H);
        if (w === this.startW1[v]) {
          // First visit of the start L1 word: L2 words from the cursor's L2 index up, the start
          // pending word from the start bit; finishWord keeps the start L2 bit for the second
          // visit.
          this.sw2[v] = this.startW2[v];
          this.sb[v] = this.startBit[v];
          this.w2[v] = this.startW2[v];
        } else {
          // Any other L1 word: every L2 word from 0, once (no start word: sw2 = -1).
          this.sw2[v] = -1;
          this.sb[v] = 0;
          this.w2[v] = 0;
        }
        this.i2[v] = 0;
        ph = PH_WORDS;
        continue;
      }
      break; // PH_IDLE
    }
    this.phase[v] = PH_IDLE;
    this.steps = examined;
    this.cost = cost + examined * this.scanNs;
    return -1;
  }

  /** End of a visit to pending word w2: clear its snapshot bit unless it is the start word's first visit. */
  private finishWord(v: number): void {
    const w2 = this.w2[v];
    // "Scan start_l1i twice; all others once." (events_2l.c)
    if (w2 !== this.sw2[v] || this.i2[v] !== 0) testAndClear(this.snapIn, v * this.halves, w2);
    // 2-level: word_idx = (word_idx + 1) % BITS_PER_EVTCHN_WORD. 3-level: the L2 walk does
    // not wrap, so past the last L2 word the search finds nothing and the L1 visit ends.
    this.w2[v] = this.levels === 2 ? (w2 + 1) & (this.wordBits - 1) : w2 + 1;
    this.i2[v]++;
  }

  /**
   * End of a visit to L1 word w1 (3-level): the start-twice rule one level up.
   * The first visit of the start L1 word keeps its L1 bit and saves the L2
   * snapshot bits it left (those below the start L2 word, and the start L2
   * word) for the second visit; any other visit clears the L1 bit.
   */
  private finishOuterWord(v: number): void {
    const w1 = this.w1[v];
    const vb = v * this.halves;
    if (w1 !== this.startW1[v] || this.i1[v] !== 0) {
      testAndClear(this.snapOut, vb, w1);
    } else {
      for (let h = 0; h < this.halves; h++) this.snapKeep[vb + h] = this.snapIn[vb + h];
    }
    this.w1[v] = (w1 + 1) & (this.wordBits - 1);
    this.i1[v]++;
  }

  /** Guest touch of the pending line holding `bit`: line_miss_ns if Xen wrote it last. */
  private touchLeaf(bit: number): number {
    const line = bit >>> LINE_BITS_SHIFT;
    const miss = this.leafLine[line] === LINE_XEN ? this.missNs : 0;
    this.leafLine[line] = LINE_GUEST;
    return miss;
  }

  /** Whether evtchn_upcall_pending is set. */
  upcallPending(v: number): boolean {
    return this.upcall[v] !== 0;
  }

  /** Clear the pending bit (Linux clear_evtchn from ack_dynirq); its cost is in next(). */
  ack(port: number): void {
    this.cost = this.touchLeaf(port);
    this.steps = 0;
    testAndClear(this.pendingMap, 0, port);
  }

  /** Set the mask bit (sync_set_bit on evtchn_mask). */
  mask(port: number): void {
    this.cost = this.maskNs;
    this.steps = 0;
    testAndSet(this.maskMap, 0, port);
  }

  /**
   * A hostile guest writes its own shared memory: `SHARED_EVENT_WORDS` and
   * `SHARED_BITMAPS` write `Uint32` word `index` of the pending bitmap then the
   * mask bitmap (one index space, modulo both), `SHARED_CONTROL` writes a
   * selector word (the L1 selectors of every VCPU, then the 3-level L2
   * selectors). Returns the number of instances destroyed: bound ports whose
   * pending bit the write cleared (listed in `lostPorts`). Xen's set_pending
   * is O(1) whatever the bits, and the scan only follows selector bits that
   * name real words, so no write can make either walk further.
   *
   * @example
   * ```ts
   * import { TwoLevelAbi } from "./two_level.ts";
   * import { SHARED_BITMAPS } from "./abi.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
   * abi.bind(3, 0);
   * abi.raise(3);
   * console.log(abi.corrupt(SHARED_BITMAPS, 0, 0), abi.lostPorts[0]); // 1 3
   * ```
   */
  corrupt(target: number, index: number, value: number): number {
    this.cost = 0;
    this.steps = 0;
    const i = Number.isFinite(index) ? Math.abs(Math.trunc(index)) : 0;
    const x = value >>> 0;
    if (target === SHARED_EVENT_WORDS || target === SHARED_BITMAPS) {
      const n = this.bitmapWords;
      const k = i % (2 * n);
      this.leafLine[((k % n) * 32) >>> LINE_BITS_SHIFT] = LINE_GUEST;
      if (k >= n) {
        this.maskMap[k - n] = x;
        return 0;
      }
      const old = this.pendingMap[k];
      this.pendingMap[k] = x;
      let gone = old & ~x;
      let lost = 0;
      while (gone !== 0) {
        const port = k * 32 + lowestBit(gone);
        gone &= gone - 1;
        if (port < this.bound.length && this.bound[port] !== 0) this.lostPorts[lost++] = port;
      }
      return lost;
    }
    if (target === SHARED_CONTROL) {
      const n1 = this.sel1.length;
      const k = i % (n1 + this.sel2.length);
      if (k < n1) this.sel1[k] = x;
      else this.sel2[k - n1] = x;
    }
    return 0;
  }

  /** Whether the pending bit is set. */
  isPending(port: number): boolean {
    return testBit(this.pendingMap, 0, port);
  }
}
