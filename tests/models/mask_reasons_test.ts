// Linux's mask reasons: drivers/xen/events/events_base.c `irq_info.mask_reason`
// (EVT_MASK_REASON_EXPLICIT / TEMPORARY / EOI_PENDING), do_mask and do_unmask.
import assert from "node:assert/strict";
import { DEFAULT_COSTS } from "../../models/costs.ts";
import { FifoAbi } from "../../models/fifo.ts";
import {
  MASK_EOI_PENDING,
  MASK_EXPLICIT,
  MASK_TEMPORARY,
  MaskReasons,
} from "../../models/mask_reasons.ts";
import { TwoLevelAbi } from "../../models/two_level.ts";

const opts = (vcpus = 2) => ({ vcpus, wordBits: 64 as const, costs: DEFAULT_COSTS });

Deno.test("a rebind's temporary unmask leaves a port masked while its late EOI is pending", () => {
  // events_base.c xen_rebind_evtchn_to_cpu: do_mask(TEMPORARY), EVTCHNOP_bind_vcpu,
  // do_unmask(TEMPORARY); lateeoi_ack_dynirq do_mask(EOI_PENDING); xen_irq_lateeoi_locked
  // do_unmask(EOI_PENDING). do_unmask unmasks only when mask_reason is 0.
  for (const abi of [new TwoLevelAbi(opts()), new FifoAbi(opts())]) {
    const masks = new MaskReasons(abi);
    abi.bind(5, 0);
    masks.mask(5, MASK_EOI_PENDING);
    masks.mask(5, MASK_TEMPORARY);
    assert.equal(abi.bindVcpu(5, 1), 0);
    assert.equal(masks.unmask(5, MASK_TEMPORARY), -1);
    assert.equal(masks.unmasked, false, `${abi.id}: still masked for the late EOI`);
    assert.equal(abi.raise(5), -1, `${abi.id}: a raise meanwhile finds the port masked`);
    assert.equal(masks.unmask(5, MASK_EOI_PENDING), 1, `${abi.id}: the EOI delivers on VCPU 1`);
    assert.equal(masks.unmasked, true);
    assert.equal(masks.isMasked(5), false);
  }
});

Deno.test("only the first reason masks the port and only the last one unmasks it", () => {
  // events_base.c do_mask: `if (!info->mask_reason) mask_evtchn()`; do_unmask likewise
  const abi = new TwoLevelAbi(opts(1));
  const masks = new MaskReasons(abi);
  abi.bind(3, 0);
  masks.mask(3, MASK_EXPLICIT);
  assert.equal(masks.cost, DEFAULT_COSTS.mask_ns, "the first reason writes the mask bit");
  masks.mask(3, MASK_TEMPORARY);
  assert.equal(masks.cost, 0, "a second reason changes nothing");
  masks.unmask(3, MASK_EXPLICIT);
  assert.equal(masks.unmasked, false);
  abi.raise(3);
  assert.equal(abi.upcallPending(0), false, "still masked: the edge is lost");
  assert.equal(masks.unmask(3, MASK_TEMPORARY), 0, "the last reason unmasks and delivers");
  assert.equal(masks.unmasked, true);
});

Deno.test("unmasking a reason that was not set unmasks the port, as do_unmask does", () => {
  // events_base.c do_unmask: `mask_reason &= ~reason; if (!mask_reason) unmask_evtchn()`
  const abi = new TwoLevelAbi(opts(1));
  const masks = new MaskReasons(abi);
  abi.bind(3, 0);
  abi.mask(3);
  abi.raise(3);
  assert.equal(masks.unmask(3, MASK_TEMPORARY), 0);
  assert.equal(masks.unmasked, true);
});
