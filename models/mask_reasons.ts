/**
 * Linux's mask reasons (drivers/xen/events/events_base.c, `irq_info.mask_reason`,
 * `do_mask` / `do_unmask`): a port is masked while any reason holds and
 * unmasked only when the last one is cleared. Linux added them (XSA-332) so
 * that a temporary mask (rebinding a port to another VCPU) cannot unmask a
 * port whose late EOI is still pending.
 *
 * A plain state machine over one ABI model, like the models themselves: it
 * knows nothing of time and allocates nothing per call.
 *
 * @module
 */

import type { EventChannelAbi } from "./abi.ts";

/** EVT_MASK_REASON_EXPLICIT: masked by the irq core (disable_irq, shutdown). */
export const MASK_EXPLICIT = 0x01;
/** EVT_MASK_REASON_TEMPORARY: masked around EVTCHNOP_bind_vcpu (xen_rebind_evtchn_to_cpu). */
export const MASK_TEMPORARY = 0x02;
/** EVT_MASK_REASON_EOI_PENDING: masked at ack of a late-EOI port until xen_irq_lateeoi. */
export const MASK_EOI_PENDING = 0x04;

/**
 * Per-port mask reasons over an ABI model.
 *
 * @example
 * ```ts
 * import { MASK_EOI_PENDING, MASK_TEMPORARY, MaskReasons } from "./mask_reasons.ts";
 * import { TwoLevelAbi } from "./two_level.ts";
 * import { DEFAULT_COSTS } from "./costs.ts";
 * const abi = new TwoLevelAbi({ vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS });
 * const masks = new MaskReasons(abi);
 * abi.bind(5, 0);
 * masks.mask(5, MASK_EOI_PENDING); // late-EOI handler running
 * masks.mask(5, MASK_TEMPORARY); // rebalanced meanwhile
 * abi.bindVcpu(5, 1);
 * masks.unmask(5, MASK_TEMPORARY);
 * console.log(masks.isMasked(5)); // true: the late EOI is still pending
 * ```
 */
export class MaskReasons {
  /** The model whose ports are masked and unmasked. */
  readonly abi: EventChannelAbi;
  /** Per port: the reasons it is masked for (MASK_* bits). */
  readonly reasons: Uint8Array;
  /** Cost in ns of the last mask or unmask (0 when the port's mask bit did not change). */
  cost = 0;
  /** Whether the last {@linkcode MaskReasons.unmask} reached the ABI (the last reason went). */
  unmasked = false;

  /** Track the mask reasons of every port of `abi` (all clear: Linux unmasks at irq start-up). */
  constructor(abi: EventChannelAbi) {
    this.abi = abi;
    this.reasons = new Uint8Array(abi.maxPorts);
  }

  /**
   * do_mask: add `reason`; the first reason masks the port (events_base.c:
   * `if (!info->mask_reason) mask_evtchn(...)`).
   *
   * @example
   * ```ts
   * import { MASK_TEMPORARY, MaskReasons } from "./mask_reasons.ts";
   * import { FifoAbi } from "./fifo.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const masks = new MaskReasons(new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * masks.abi.bind(3, 0);
   * masks.mask(3, MASK_TEMPORARY);
   * console.log(masks.isMasked(3)); // true
   * ```
   */
  mask(port: number, reason: number): void {
    const r = this.reasons[port];
    this.reasons[port] = r | reason;
    if (r === 0) {
      this.abi.mask(port);
      this.cost = this.abi.cost;
    } else this.cost = 0;
  }

  /**
   * do_unmask: clear `reason`; when no reason is left the port is unmasked
   * (events_base.c: `if (!info->mask_reason) unmask_evtchn(...)`, whether or
   * not `reason` was set).
   * Returns the VCPU to upcall, or -1; {@linkcode MaskReasons.unmasked} says
   * whether the ABI's unmask ran.
   *
   * @example
   * ```ts
   * import { MASK_TEMPORARY, MaskReasons } from "./mask_reasons.ts";
   * import { TwoLevelAbi } from "./two_level.ts";
   * import { DEFAULT_COSTS } from "./costs.ts";
   * const masks = new MaskReasons(new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
   * masks.abi.bind(3, 0);
   * masks.mask(3, MASK_TEMPORARY);
   * masks.abi.raise(3);
   * console.log(masks.unmask(3, MASK_TEMPORARY), masks.unmasked); // 0 true
   * ```
   */
  unmask(port: number, reason: number): number {
    const left = this.reasons[port] & ~reason;
    this.reasons[port] = left;
    if (left !== 0) {
      // Another reason still holds: the port stays masked.
      this.cost = 0;
      this.unmasked = false;
      return -1;
    }
    const target = this.abi.unmask(port);
    this.cost = this.abi.cost;
    this.unmasked = true;
    return target;
  }

  /** Whether any reason holds for `port`. */
  isMasked(port: number): boolean {
    return this.reasons[port] !== 0;
  }
}
