/**
 * Wei Liu's 3-level ABI proposal (2013, never merged): the 2-level ABI with
 * one more per-VCPU selector level. The logic lives in {@linkcode LevelAbi},
 * shared with the 2-level model.
 *
 * Verified (xen-devel 2013-01..03, V1 cover letter, V4 18/18, V5 00/15):
 * 32768 ports (32-bit guests, 32^3) and 262144 (64-bit, 64^3); a per-VCPU L1
 * selector (the existing evtchn_pending_sel), a per-VCPU L2 selector
 * registered by the guest, and shared L3 pending and mask bitmaps in
 * guest-registered pages; no priorities; "more or less the same as 2-level".
 *
 * Assumptions where the proposal's code was not retrieved [inferred]:
 * - raise: test_and_set L3 pending (coalesce if set); if unmasked, L2 bit
 *   0->1, then L1 bit 0->1, then evtchn_upcall_pending 0->1 (each an edge
 *   filter, as the selector is in 2-level);
 * - guest: the Linux 2-level loop lifted one level, the two selector levels
 *   acting as one W*W-bit selector over the L3 words (details in
 *   level_abi.ts): the timer VIRQ port checked first, then L1 taken with
 *   xchg (2-level's order, events_2l.c: a port raised while the timer
 *   handler runs is found in the same pass); each L2
 *   selector word taken with xchg once per pass, on the first visit of its L1
 *   bit; L1 round-robin from the cursor with wrap to 0; inside an L1 word the
 *   L2 bits walked upward without wrapping; the start L1 word visited twice
 *   (first from the cursor's L2 word and bit up, then its remaining L2 bits
 *   from 0, with no second xchg), so the start L3 word is scanned twice and
 *   all others once; L3 words read live (pending & cpu mask & ~mask); the
 *   cursor (l1, l2, bit) saved as last handled + 1 with carries. A pass
 *   thus serves ports in cyclic order from the cursor, and below 4096 ports
 *   in the same order as 2-level;
 * - EVTCHNOP_set_priority has no hook: -ENOSYS, as under 2-level;
 * - unmask: if the mask bit was set and the port is pending, set the L2 and L1
 *   bits as a raise would.
 *
 * @module
 */

import type { AbiOptions } from "./abi.ts";
import { LevelAbi } from "./level_abi.ts";

/** The 3-level ABI ids. */
export type ThreeLevelId = "3l" | "3l:32";

/**
 * The 3-level ABI model. `"3l:32"` forces 32-bit words (32768 ports).
 *
 * @example
 * ```ts
 * import { ThreeLevelAbi } from "./three_level.ts";
 * import { DEFAULT_COSTS } from "./costs.ts";
 * const abi = new ThreeLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }, "3l");
 * console.log(abi.maxPorts); // 262144
 * abi.bind(200000, 0);
 * console.log(abi.raise(200000)); // 0
 * ```
 */
export class ThreeLevelAbi extends LevelAbi {
  /** Build the model; `id` defaults to `"3l"`. */
  constructor(options: AbiOptions, id: ThreeLevelId = "3l") {
    const o = id === "3l:32" ? { ...options, wordBits: 32 as const } : options;
    super(o, id, 3, o.costs.xen_raise_3l_ns);
  }

  /**
   * Bytes of shared memory: L3 pending and mask bitmaps of W^3 bits each
   * (64-bit: 262144 / 8 = 32 KiB = 8 pages each; 32-bit: 4 KiB = 1 page
   * each), plus per VCPU the vcpu_info event fields (as 2-level: 16 B / 8 B)
   * and the L2 selector of W words (64-bit: 64 x 8 = 512 B; 32-bit: 32 x 4 =
   * 128 B).
   *
   * @example
   * ```ts
   * import { ThreeLevelAbi } from "./three_level.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new ThreeLevelAbi({ vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS });
   * console.log(abi.sharedBytes()); // 65536 + 2 * (16 + 512) = 66592
   * ```
   */
  sharedBytes(): number {
    const W = this.wordBits;
    const wordBytes = W / 8;
    const bitmaps = 2 * (W * W * W) / 8;
    const perVcpu = 2 * wordBytes + W * wordBytes;
    return bitmaps + this.vcpus * perVcpu;
  }
}
