/**
 * The interface every event-channel ABI model implements.
 *
 * A model is a plain state machine over typed arrays laid out as the ABI lays
 * out its shared memory. It knows nothing of time: each operation returns a
 * number (a VCPU, a port or an errno) and leaves the operation's cost in
 * nanoseconds in {@linkcode EventChannelAbi.cost}, to be read right after the
 * call. No operation allocates.
 *
 * Folder `models/` imports nothing from `sim/` or `reports/`.
 *
 * @module
 */

import type { Costs } from "./costs.ts";

/** Operation succeeded. */
export const OK = 0;
/** No such file or directory (bad VCPU in init_control). */
export const ENOENT = 2;
/** Out of memory. */
export const ENOMEM = 12;
/** Invalid argument. */
export const EINVAL = 22;
/** No space left (port above the limit, array full). */
export const ENOSPC = 28;
/** Function not implemented (e.g. set_priority under 2-level). */
export const ENOSYS = 38;
/** Operation not supported (expand_array before init_control). */
export const EOPNOTSUPP = 95;
/** Port is busy (still LINKED under FIFO). */
export const EBUSY = 16;

/** Outcome of the last {@linkcode EventChannelAbi.raise}: a new event instance. */
export const RAISE_NEW = 0;
/** Outcome of the last raise: the port was already pending (coalesced). */
export const RAISE_COALESCED = 1;
/** Outcome of the last raise: the model lost the event (failed link, hostile guest). */
export const RAISE_DROPPED = 2;

/** Hostile-guest target: per-port event state (FIFO event words; 2/3-level pending and mask words). */
export const SHARED_EVENT_WORDS = 0;
/** Hostile-guest target: per-VCPU control state (FIFO READY and HEAD[16]; 2/3-level selectors). */
export const SHARED_CONTROL = 1;
/** Hostile-guest target: the shared bitmaps (2/3-level pending and mask words; FIFO: none). */
export const SHARED_BITMAPS = 2;
/**
 * Hostile-guest target: the guest races Xen's next set_link cmpxchg on a tail
 * word `value` times (FIFO only; 5 or more exhausts Xen's bounded retries).
 */
export const SHARED_LINK_RACE = 3;
/** Most ports one {@linkcode EventChannelAbi.corrupt} call can report lost (one 32-bit word). */
export const MAX_LOST_PER_WRITE = 32;

/** Number of FIFO priorities (0 highest, 15 lowest). Other ABIs report priorities too. */
export const PRIORITIES = 16;
/** The default priority of a bound port (FIFO: EVTCHN_FIFO_PRIORITY_DEFAULT). */
export const PRIORITY_DEFAULT = 7;

/** Options every model constructor receives. */
export interface AbiOptions {
  /** Number of VCPUs of the guest. */
  vcpus: number;
  /** Guest word size in bits (32 or 64); selects the 2-level/3-level limits. */
  wordBits: 32 | 64;
  /** Per-operation costs in nanoseconds. */
  costs: Costs;
}

/**
 * The event-channel ABI as seen by the simulator: set-up, Xen side and guest
 * side. Ports are numbered from 1 (port 0 is reserved by every ABI).
 *
 * @example
 * ```ts
 * import { createAbi } from "./registry.ts";
 * import { DEFAULT_COSTS } from "./costs.ts";
 * const abi = createAbi("2l", { vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
 * abi.bind(5, 0);
 * const vcpu = abi.raise(5); // 0: upcall VCPU 0
 * abi.beginUpcall(vcpu);
 * const port = abi.next(vcpu); // 5
 * abi.ack(port);
 * ```
 */
export interface EventChannelAbi {
  /** The ABI id, e.g. `"fifo:drain"`. */
  readonly id: string;
  /** One more than the highest usable port (4096 for 64-bit 2-level). */
  readonly maxPorts: number;
  /** Number of VCPUs. */
  readonly vcpus: number;
  /** Whether the ABI orders delivery by priority (FIFO and its variants). */
  readonly hasPriorities: boolean;
  /** Cost in ns of the last operation, readable right after the call. */
  cost: number;
  /** Outcome of the last raise or unmask: RAISE_NEW, RAISE_COALESCED or RAISE_DROPPED. */
  outcome: number;
  /** Xen-side steps (loop iterations, retries) of the last operation, for bounded-work checks. */
  steps: number;

  // -- set-up (returns 0 or a negative errno) --
  /** Bind `port` to `vcpu` (EVTCHNOP_bind_*: the port becomes usable, masked clear). */
  bind(port: number, vcpu: number): number;
  /** Close `port` (EVTCHNOP_close). */
  close(port: number): number;
  /** EVTCHNOP_set_priority: takes effect at the next link (FIFO); -ENOSYS where unsupported. */
  setPriority(port: number, priority: number): number;
  /** EVTCHNOP_bind_vcpu: change the notify VCPU; takes effect at the next raise/link. */
  bindVcpu(port: number, vcpu: number): number;
  /** Tell the guest side which port is `vcpu`'s timer VIRQ (2-level/3-level: handled first). */
  setTimerPort(vcpu: number, port: number): void;
  /** Whether `port` may not be reused yet (FIFO: still LINKED). */
  isBusy(port: number): boolean;

  // -- Xen side --
  /** Xen's set_pending: returns the VCPU to upcall, or -1. See `outcome`, `cost`. */
  raise(port: number): number;
  /** EVTCHNOP_unmask (or the guest's local unmask): returns the VCPU to upcall, or -1. */
  unmask(port: number): number;

  // -- guest side --
  /**
   * Start one pass of the upcall loop on `vcpu`: clear evtchn_upcall_pending and
   * start the ABI's scan. FIFO takes its READY xchg here; 2-level and 3-level
   * take the selector xchg in the first `next`, after the timer VIRQ check
   * (events_2l.c evtchn_2l_handle_events).
   */
  beginUpcall(vcpu: number): void;
  /** One port for the handler loop to handle, or -1 when this pass finds nothing. */
  next(vcpu: number): number;
  /** Whether evtchn_upcall_pending is set (the upcall loop repeats while it is). */
  upcallPending(vcpu: number): boolean;
  /** Clear the port's pending bit (Linux acks before running the handler). */
  ack(port: number): void;
  /** Set the port's mask bit. */
  mask(port: number): void;
  /** Whether the port's pending bit is set. */
  isPending(port: number): boolean;

  /** Shared-memory footprint in bytes for the VCPUs and ports bound so far. */
  sharedBytes(): number;

  // -- optional: FIFO-family set-up, called by the hypercall layer (models/hypercalls.ts) --
  /**
   * EVTCHNOP_init_control for `vcpu`: map its control block. Present only on
   * ABIs that need it (FIFO and its variants); returns 0 or a negative errno.
   */
  initControl?(vcpu: number): number;
  /** EVTCHNOP_expand_array: add one event-array page; 0 or a negative errno (-ENOSPC when full). */
  expandArray?(): number;

  // -- optional: hostile guest (sim/run/hostile.ts, tests/models/fuzz_test.ts) --
  /**
   * A hostile guest writes `value` (a 32-bit word) into its own shared memory:
   * word `index` (taken modulo the size of the structure) of `target`
   * ({@linkcode SHARED_EVENT_WORDS}, {@linkcode SHARED_CONTROL},
   * {@linkcode SHARED_BITMAPS}, {@linkcode SHARED_LINK_RACE}). A model with no
   * such structure ignores the write. Returns the number of event instances the
   * write destroyed (a bound port's pending bit cleared without being handled);
   * their ports are in `lostPorts[0..n)` until the next call. Never throws.
   */
  corrupt?(target: number, index: number, value: number): number;
  /** The ports whose instances the last {@linkcode EventChannelAbi.corrupt} destroyed. */
  readonly lostPorts?: Int32Array;
  /**
   * Times the model found its shared state corrupted and contained the damage
   * (a LINK or HEAD outside the event array, a list walk or consume loop cut
   * short, set_link retries exhausted). Only a hostile guest makes it non-zero.
   */
  readonly faults?: number;
}

/** A constructor of a model, as registered by ABI id or exported by a user's design module. */
export type AbiFactory = (options: AbiOptions) => EventChannelAbi;
