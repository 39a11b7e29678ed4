/**
 * The hypercall layer: a domain's event-channel hypercalls applied to an ABI
 * model with Xen's rules and error codes (negative errnos from `abi.ts`).
 *
 * Sources: xen/common/event_channel.c (evtchn_allocate_port, set_priority
 * dispatch), event_fifo.c (init_control, expand_array), the FIFO draft-B
 * review (set_limit), XEN_DOMCTL_set_max_evtchn (8ec7763c80), Linux
 * events_fifo.c evtchn_fifo_setup (expand on bind).
 *
 * @module
 */

import {
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
  ENOSYS,
  EOPNOTSUPP,
  type EventChannelAbi,
  OK,
  PRIORITIES,
} from "./abi.ts";

/** Bytes of a guest page. */
const PAGE_SIZE = 4096;
/** sizeof(struct evtchn_fifo_control_block). */
const CONTROL_BLOCK_BYTES = 72;
/** Event words per event-array page. */
const WORDS_PER_PAGE = PAGE_SIZE / 4;
/** EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES. */
const MAX_PAGES = 128;
/**
 * EVTCHNS_PER_BUCKET (xen/include/xen/sched.h): PAGE_SIZE over sizeof(struct
 * evtchn) rounded up to a power of two; the struct is aligned(64) and fits
 * 64 bytes, so 64 ports per bucket.
 */
const EVTCHNS_PER_BUCKET = 64;

/** Options of a {@linkcode Domain}. */
export interface DomainOptions {
  /** max_evtchn_port (XEN_DOMCTL_set_max_evtchn); default: the ABI's maximum. */
  maxEvtchnPort?: number;
  /** Fault injection: VCPUs whose EVTCHNOP_init_control fails with -ENOMEM. */
  initControlFailVcpus?: readonly number[];
}

/**
 * A domain's event-channel hypercalls over one ABI model. Counts every
 * hypercall in {@linkcode Domain.hypercalls}.
 *
 * @example
 * ```ts
 * import { Domain } from "./hypercalls.ts";
 * import { FifoAbi } from "./fifo.ts";
 * import { DEFAULT_COSTS } from "./costs.ts";
 * const d = new Domain(new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
 * d.initControl(0);
 * const port = d.bind(0); // 1: lowest free port; the array grew one page on demand
 * console.log(port, d.hypercalls); // 1 3
 * ```
 */
export class Domain {
  /** The ABI model the domain runs. */
  readonly abi: EventChannelAbi;
  /** Hypercalls made so far (including expand_array calls made on demand by bind). */
  hypercalls = 0;
  /** The highest port the domain may bind (max_evtchn_port). */
  maxPort: number;
  /** After {@linkcode Domain.unmask}: the VCPU to upcall, or -1. */
  upcallVcpu: number = -1;
  /** Whether the ABI is FIFO-family (has init_control/expand_array). */
  readonly isFifo: boolean;
  /** Event-array pages added (FIFO). */
  pages = 0;
  /** Whether a control block was set up (the domain switched to FIFO port ops). */
  fifoActive = false;
  /**
   * Per port below {@linkcode Domain.validPorts}: 1 when bound through this
   * domain. It grows with validPorts (reallocated and copied at bind), as
   * Xen's struct evtchn buckets do; ports above it are unbound.
   */
  bound: Uint8Array = new Uint8Array(EVTCHNS_PER_BUCKET);
  private readonly controlDone: Uint8Array;
  private readonly failInit: Uint8Array;
  /** Every port below this one is bound (bind's search starts here; busy ports are rare). */
  private firstUnbound = 1;
  /**
   * d->valid_evtchns: ports below it have a struct evtchn (port_is_valid).
   * One bucket at domain creation (evtchn_init); evtchn_allocate_port adds
   * buckets up to the port it allocates; it never shrinks.
   */
  validPorts: number = EVTCHNS_PER_BUCKET;

  /** Wrap `abi`; `options` sets the port limit and injected faults. */
  constructor(abi: EventChannelAbi, options: DomainOptions = {}) {
    this.abi = abi;
    this.isFifo = typeof abi.initControl === "function" && typeof abi.expandArray === "function";
    this.maxPort = Math.min(abi.maxPorts - 1, options.maxEvtchnPort ?? abi.maxPorts - 1);
    this.controlDone = new Uint8Array(abi.vcpus);
    this.failInit = new Uint8Array(abi.vcpus);
    for (const v of options.initControlFailVcpus ?? []) {
      if (v >= 0 && v < abi.vcpus) this.failInit[v] = 1;
    }
  }

  /**
   * EVTCHNOP_init_control (event_fifo.c evtchn_fifo_init_control): -ENOENT
   * bad VCPU; -EINVAL offset not 8-aligned or the block would cross the page,
   * or already initialised, or a bad control gfn (`gfnValid` false,
   * map_control_block); -ENOMEM by injected fault; -EOPNOTSUPP on an ABI
   * without FIFO (Xen built without CONFIG_EVTCHN_FIFO). A failed first
   * init_control leaves the domain without FIFO (evtchn_fifo_destroy, the
   * XSA-188 fix): expand_array then still fails with -EOPNOTSUPP.
   *
   * @example
   * ```ts
   * import { Domain } from "./hypercalls.ts";
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const d = new Domain(new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * console.log(d.initControl(0, 4)); // -22: offset not 8-byte aligned
   * ```
   */
  initControl(vcpu: number, offset = 0, gfnValid = true): number {
    this.hypercalls++;
    if (!this.isFifo) return -EOPNOTSUPP;
    if (!(vcpu >= 0 && vcpu < this.abi.vcpus) || vcpu !== (vcpu | 0)) return -ENOENT;
    // "Must not cross page boundary" and "Must be 8-bytes aligned".
    if (!(offset >= 0 && offset <= PAGE_SIZE - CONTROL_BLOCK_BYTES) || (offset & 7) !== 0) {
      return -EINVAL;
    }
    if (this.controlDone[vcpu] !== 0) return -EINVAL; // control block already mapped
    if (this.failInit[vcpu] !== 0) return -ENOMEM;
    if (!gfnValid) return -EINVAL; // map_guest_page fails; nothing is kept
    const rc = this.abi.initControl!(vcpu);
    if (rc < 0) return rc;
    this.controlDone[vcpu] = 1;
    this.fifoActive = true;
    return OK;
  }

  /**
   * EVTCHNOP_expand_array, errnos in Xen's order: -EOPNOTSUPP before any
   * init_control (event_fifo.c evtchn_fifo_expand_array, a66765eb06), then
   * -ENOSPC past 128 pages (add_page_to_event_array checks the slot before it
   * maps the gfn), then -EINVAL for a bad gfn (`gfnValid` false,
   * map_guest_page).
   *
   * @example
   * ```ts
   * import { Domain } from "./hypercalls.ts";
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const d = new Domain(new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * console.log(d.expandArray()); // -95: init_control first
   * ```
   */
  expandArray(gfnValid = true): number {
    this.hypercalls++;
    if (!this.isFifo || !this.fifoActive) return -EOPNOTSUPP;
    if (this.pages >= MAX_PAGES) return -ENOSPC;
    if (!gfnValid) return -EINVAL;
    const rc = this.abi.expandArray!();
    if (rc < 0) return rc;
    this.pages++;
    return OK;
  }

  /**
   * EVTCHNOP_set_priority, errnos in Xen's order (event_channel.c
   * evtchn_set_priority): -EINVAL for a port with no struct evtchn
   * (_evtchn_from_port: at or above {@linkcode Domain.validPorts}); then
   * -ENOSYS when the ABI has no priorities (2-level, 3-level:
   * evtchn_port_set_priority has no hook); then -EINVAL for a priority above
   * 15 (event_fifo.c evtchn_fifo_set_priority). A valid port that is not
   * bound takes the call and returns 0; the priority has no effect, since
   * binding resets it to 7 (evtchn_fifo_init).
   *
   * @example
   * ```ts
   * import { Domain } from "./hypercalls.ts";
   * import { TwoLevelAbi } from "./two_level.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const d = new Domain(new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * const p = d.bind(0);
   * console.log(d.setPriority(p, 0)); // -38
   * ```
   */
  setPriority(port: number, priority: number): number {
    this.hypercalls++;
    if (!(port >= 0 && port < this.validPorts) || port !== (port | 0)) return -EINVAL;
    if (!this.abi.hasPriorities) return -ENOSYS;
    if (!(priority >= 0 && priority < PRIORITIES) || priority !== (priority | 0)) return -EINVAL;
    if (!this.isBoundPort(port)) return OK;
    return this.abi.setPriority(port, priority);
  }

  /**
   * Set max_evtchn_port (XEN_DOMCTL_set_max_evtchn / the draft's
   * EVTCHNOP_set_limit): later binds above it fail with -ENOSPC; ports already
   * bound keep working ("Event channels that are already bound are not
   * affected"). Clamped to the ABI's maximum.
   *
   * @example
   * ```ts
   * import { Domain } from "./hypercalls.ts";
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const d = new Domain(new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * d.setLimit(1023);
   * console.log(d.maxPort); // 1023
   * ```
   */
  setLimit(maxPort: number): number {
    this.hypercalls++;
    if (!(maxPort >= 0)) return -EINVAL;
    this.maxPort = Math.min(this.abi.maxPorts - 1, Math.floor(maxPort));
    return OK;
  }

  /**
   * Bind a new channel to `vcpu` on the LOWEST free port that is not still
   * LINKED (event_channel.c evtchn_allocate_port, 78e24c269b): returns the
   * port, or -ENOSPC above max_evtchn_port or the ABI maximum, -ENOENT for a
   * bad VCPU. Under FIFO the guest then grows the event array to cover the
   * port (Linux evtchn_fifo_setup), one expand_array per page; if that fails
   * the port is closed again and the error returned.
   *
   * @example
   * ```ts
   * import { Domain } from "./hypercalls.ts";
   * import { TwoLevelAbi } from "./two_level.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const d = new Domain(new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * console.log(d.bind(0), d.bind(0)); // 1 2
   * ```
   */
  bind(vcpu: number): number {
    this.hypercalls++;
    if (!(vcpu >= 0 && vcpu < this.abi.vcpus)) return -ENOENT;
    const max = this.abi.maxPorts;
    let port = this.firstUnbound;
    for (;; port++) {
      if (port > this.maxPort || port >= max) return -ENOSPC;
      if ((port >= this.bound.length || this.bound[port] === 0) && !this.abi.isBusy(port)) break;
    }
    if (this.isFifo && this.fifoActive) {
      while (this.pages * WORDS_PER_PAGE <= port) {
        const rc = this.expandArray();
        if (rc < 0) {
          this.hypercalls++; // Linux closes the channel it could not set up
          return rc;
        }
      }
    }
    const rc = this.abi.bind(port, vcpu);
    if (rc < 0) return rc;
    // evtchn_allocate_port: add buckets until the port has its struct evtchn.
    while (this.validPorts <= port) this.validPorts += EVTCHNS_PER_BUCKET;
    if (this.bound.length < this.validPorts) {
      const bound = new Uint8Array(this.validPorts);
      bound.set(this.bound);
      this.bound = bound;
    }
    this.bound[port] = 1;
    const end = this.bound.length;
    while (this.firstUnbound < end && this.bound[this.firstUnbound] !== 0) this.firstUnbound++;
    return port;
  }

  /**
   * EVTCHNOP_bind_vcpu, errnos in Xen's order (event_channel.c
   * evtchn_bind_vcpu): -ENOENT for a bad VCPU (domain_vcpu, checked first),
   * then -EINVAL for a port not bound.
   *
   * @example
   * ```ts
   * import { Domain } from "./hypercalls.ts";
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const d = new Domain(new FifoAbi({ vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS }));
   * console.log(d.bindVcpu(d.bind(0), 1)); // 0
   * ```
   */
  bindVcpu(port: number, vcpu: number): number {
    this.hypercalls++;
    if (!(vcpu >= 0 && vcpu < this.abi.vcpus) || vcpu !== (vcpu | 0)) return -ENOENT;
    if (!this.isBoundPort(port)) return -EINVAL;
    return this.abi.bindVcpu(port, vcpu);
  }

  /**
   * EVTCHNOP_close: -EINVAL for a port not bound. A FIFO port still LINKED is
   * not reused by {@linkcode Domain.bind} until the guest unlinks it.
   *
   * @example
   * ```ts
   * import { Domain } from "./hypercalls.ts";
   * import { TwoLevelAbi } from "./two_level.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const d = new Domain(new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * const p = d.bind(0);
   * console.log(d.close(p), d.close(p)); // 0 -22
   * ```
   */
  close(port: number): number {
    this.hypercalls++;
    if (!this.isBoundPort(port)) return -EINVAL;
    const rc = this.abi.close(port);
    if (rc < 0) return rc;
    this.bound[port] = 0;
    if (port < this.firstUnbound) this.firstUnbound = port;
    return OK;
  }

  /**
   * EVTCHNOP_unmask: -EINVAL for a port not bound; else 0, with the VCPU to
   * upcall (or -1) in {@linkcode Domain.upcallVcpu}.
   *
   * @example
   * ```ts
   * import { Domain } from "./hypercalls.ts";
   * import { TwoLevelAbi } from "./two_level.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const d = new Domain(new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * const p = d.bind(0);
   * d.abi.mask(p);
   * d.abi.raise(p);
   * console.log(d.unmask(p), d.upcallVcpu); // 0 0
   * ```
   */
  unmask(port: number): number {
    this.hypercalls++;
    this.upcallVcpu = -1;
    if (!this.isBoundPort(port)) return -EINVAL;
    this.upcallVcpu = this.abi.unmask(port);
    return OK;
  }

  /** Whether `port` is a bound port of this domain. */
  private isBoundPort(port: number): boolean {
    return port >= 1 && port < this.bound.length && this.bound[port] === 1;
  }
}
