/**
 * A user design: FIFO with a per-queue quota. The guest consumes up to
 * `QUOTA` events from the queue it is serving before it re-reads READY (or
 * sooner, when the queue empties). `QUOTA = 1` is Linux as shipped
 * (`"fifo"`); a very large quota is `"fifo:drain"`. In between, a design point
 * trading READY exchanges (fewer locked xchg, fewer control-block line
 * transfers) against how long a newly ready higher-priority queue waits.
 *
 * Run it like a built-in ABI: `"abis": ["fifo", "./examples/fifo_quota.ts"]`.
 *
 * Everything a design needs comes from the library entry, `../mod.ts`.
 *
 * @module
 */

import { type AbiOptions, type EventChannelAbi, FifoAbi } from "../mod.ts";

/** Events taken from one queue before READY is re-read. */
export const QUOTA = 4;

/**
 * FIFO whose guest re-reads READY only after `quota` events from the same
 * queue, or when that queue empties. Only the guest's consume policy changes;
 * Xen's side (linking, READY for new heads, upcalls) is the shipped one.
 *
 * @example
 * ```ts
 * import { FifoQuotaAbi } from "./fifo_quota.ts";
 * import { DEFAULT_COSTS } from "../mod.ts";
 * const abi = new FifoQuotaAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }, 2);
 * console.log(abi.id); // "fifo:quota-2"
 * ```
 */
export class FifoQuotaAbi extends FifoAbi {
  /** Events per queue before READY is re-read. */
  readonly quota: number;
  /** Per VCPU: events taken from the current queue since READY was last read. */
  private readonly taken: Uint32Array;

  /** Build the model with `quota` events per READY re-read (at least 1). */
  constructor(options: AbiOptions, quota: number = QUOTA) {
    const q = Math.max(1, Math.floor(quota));
    // Xen side and queue choice as shipped; the id names the design and its parameter.
    super(options, "fifo", `fifo:quota-${q}`);
    this.quota = q;
    this.taken = new Uint32Array(options.vcpus);
  }

  /** Re-read READY when the queue empties or the quota is used up. */
  protected override rereadReady(vcpu: number, _q: number, drained: boolean): boolean {
    const n = this.taken[vcpu] + 1;
    if (drained || n >= this.quota) {
      this.taken[vcpu] = 0;
      return true;
    }
    this.taken[vcpu] = n;
    return false;
  }

  /** A new pass starts a new quota. */
  override beginUpcall(vcpu: number): void {
    this.taken[vcpu] = 0;
    super.beginUpcall(vcpu);
  }
}

/**
 * The factory the simulator loads by module path.
 *
 * @example
 * ```ts
 * import factory from "./fifo_quota.ts";
 * import { DEFAULT_COSTS } from "../mod.ts";
 * const abi = factory({ vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS });
 * console.log(abi.hasPriorities); // true
 * ```
 */
export default function fifoQuota(options: AbiOptions): EventChannelAbi {
  return new FifoQuotaAbi(options, QUOTA);
}
