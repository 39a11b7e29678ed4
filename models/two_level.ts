/**
 * The 2-level ABI (the baseline): Xen's `event_2l.c` raise and unmask, and the
 * Linux guest's `evtchn_2l_handle_events` round-robin scan. The logic lives
 * in {@linkcode LevelAbi}, shared with the 3-level model.
 *
 * Layout (xen/include/public/xen.h, event_2l.c):
 * - shared_info.evtchn_pending[W] and evtchn_mask[W]: W words of W bits
 *   (W = 64 on 64-bit guests, 32 on 32-bit x86), so W*W ports: 4096 / 1024,
 *   port 0 reserved;
 * - per VCPU (vcpu_info): evtchn_upcall_pending, evtchn_upcall_mask and the
 *   L1 selector evtchn_pending_sel (bit i covers pending word i).
 *
 * @module
 */

import type { AbiOptions } from "./abi.ts";
import { LevelAbi } from "./level_abi.ts";

/** The 2-level ABI ids. */
export type TwoLevelId = "2l" | "2l:32";

/**
 * The 2-level ABI model. `"2l:32"` forces 32-bit words (1024 ports).
 *
 * @example
 * ```ts
 * import { TwoLevelAbi } from "./two_level.ts";
 * import { DEFAULT_COSTS } from "./costs.ts";
 * const abi = new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }, "2l");
 * abi.bind(70, 0);
 * abi.bind(5, 0);
 * abi.raise(70);
 * abi.raise(5);
 * abi.beginUpcall(0);
 * console.log(abi.next(0), abi.next(0), abi.next(0)); // 5 70 -1 (port order, not arrival)
 * ```
 */
export class TwoLevelAbi extends LevelAbi {
  /** Build the model; `id` defaults to `"2l"`. */
  constructor(options: AbiOptions, id: TwoLevelId = "2l") {
    const o = id === "2l:32" ? { ...options, wordBits: 32 as const } : options;
    super(o, id, 2, o.costs.xen_raise_2l_ns);
  }

  /**
   * Bytes of shared memory: the two bitmaps in shared_info plus each VCPU's
   * event fields in vcpu_info. 64-bit: 2 x 64 words x 8 B = 1024 B, plus per
   * VCPU upcall_pending + upcall_mask padded to 8 B and an 8-byte selector =
   * 16 B. 32-bit: 2 x 32 x 4 B = 256 B plus 4 + 4 = 8 B per VCPU. Fixed: it
   * does not grow with the ports bound.
   *
   * @example
   * ```ts
   * import { TwoLevelAbi } from "./two_level.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const abi = new TwoLevelAbi({ vcpus: 4, wordBits: 64, costs: DEFAULT_COSTS });
   * console.log(abi.sharedBytes()); // 1088
   * ```
   */
  sharedBytes(): number {
    const wordBytes = this.wordBits / 8;
    const bitmaps = 2 * this.wordBits * wordBytes;
    const perVcpu = 2 * wordBytes; // u8 pending, u8 mask, padding to xen_ulong_t; then the selector
    return bitmaps + this.vcpus * perVcpu;
  }
}
