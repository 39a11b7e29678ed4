/**
 * The shared late-EOI state machine (sim/run/late_eoi.ts) on its own, each
 * rule from drivers/xen/events/events_base.c.
 */
import assert from "node:assert/strict";
import {
  DEFER_LOOP,
  DEFER_SPURIOUS,
  EOI_LISTED,
  EOI_NOW,
  LateEoi,
  LOOP_CHECK_EVENTS,
} from "../../../sim/run/late_eoi.ts";

const HZ = 250, TICK = 1e9 / HZ;

Deno.test("the backoff delays a spurious EOI 1 << (spurious_cnt - 2) jiffies, doubling with the count and capped at HZ", () => {
  // xen_irq_lateeoi_locked: spurious_cnt++ (while 1 << cnt < HZ << 2), then,
  // past the xenbus threshold 1, delay = 1 << (cnt - 1 - 1), at most HZ.
  const now = 3 * TICK; // jiffy 3
  for (let before = 1; before <= 12; before++) {
    const le = new LateEoi(1, 1, { hz: HZ });
    le.setSpuriousCount(0, before);
    const cnt = (1 << before) < HZ * 4 ? before + 1 : before;
    const delay = Math.min(2 ** (cnt - 2), HZ);
    assert.equal(le.eoi(0, 0, true, now), 3 + delay, `count ${before} -> ${cnt}`);
    assert.equal(le.spuriousCount(0), cnt);
    assert.equal(le.lastDefer, DEFER_SPURIOUS);
  }
});

Deno.test("the first spurious EOI unmasks at once, the second waits a jiffy, and the worker's EOI resets the count", () => {
  const le = new LateEoi(1, 1, { hz: HZ });
  assert.equal(le.eoi(0, 0, true, 0.5 * TICK), EOI_NOW);
  assert.equal(le.eoi(0, 0, true, 0.6 * TICK), 1);
  // On the list: a further EOI does nothing (list_empty(&info->eoi_list) fails).
  assert.equal(le.eoi(0, 0, true, 0.7 * TICK), EOI_LISTED);
  assert.equal(le.spuriousCount(0), 2);
  le.worker(0); // xen_irq_lateeoi_worker: xen_irq_lateeoi_locked(info, false)
  assert.equal(le.spuriousCount(0), 0);
  assert.equal(le.eoi(0, 0, true, TICK), EOI_NOW);
});

Deno.test("a non-spurious EOI resets spurious_cnt, so the next spurious EOI is not delayed", () => {
  const le = new LateEoi(1, 1, { hz: HZ });
  assert.equal(le.eoi(0, 0, true, 0), EOI_NOW);
  assert.equal(le.eoi(0, 0, false, 0), EOI_NOW);
  assert.equal(le.spuriousCount(0), 0);
  assert.equal(le.eoi(0, 0, true, 0), EOI_NOW);
});

Deno.test("loop control defers the EOIs of events handled past the timeout, only within their own loop", () => {
  // handle_irq_for_port: the 256th event sets the timeout (event_loop_timeout
  // 2 jiffies = 8 ms), the 512th past it sets defer_eoi; eoi_time = jiffies +
  // event_eoi_delay (10); xen_irq_lateeoi_locked defers while irq_epoch is unchanged.
  const le = new LateEoi(4, 1, { hz: HZ });
  le.upcallStart(0);
  const step = 40e3; // 40 µs per event: 256 events take 10.24 ms, longer than the 8 ms timeout
  for (let k = 1; k < 2 * LOOP_CHECK_EVENTS; k++) le.handled(0, 0, k * step);
  assert.equal(le.deferring(0), false);
  const t512 = 2 * LOOP_CHECK_EVENTS * step;
  le.handled(0, 1, t512);
  assert.equal(le.deferring(0), true);
  le.handled(0, 2, t512 + step);
  const due = Math.floor(t512 / TICK) + 10;
  assert.equal(le.eoi(0, 0, false, t512), EOI_NOW); // handled before defer_eoi
  assert.equal(le.eoi(0, 1, false, t512), due);
  assert.equal(le.lastDefer, DEFER_LOOP);
  le.loopEnd(0); // irq_epoch++: an EOI after the loop is not deferred
  assert.equal(le.eoi(0, 2, false, t512 + 2 * step), EOI_NOW);
  // The next upcall starts a fresh ctrl: its events record nothing.
  le.upcallStart(0);
  le.handled(0, 3, t512 + 3 * step);
  assert.equal(le.eoi(0, 3, false, t512 + 3 * step), EOI_NOW);
});

Deno.test("a deferred EOI whose time has passed runs one jiffy later (lateeoi_list_add)", () => {
  const le = new LateEoi(1, 1, { hz: HZ });
  le.setEoiTime(0, 2); // recorded by loop control in this loop, due at jiffy 2
  assert.equal(le.eoi(0, 0, false, 5.5 * TICK), 6);
});

Deno.test("with loop control and the backoff off, every late EOI unmasks at once", () => {
  const le = new LateEoi(1, 1, { hz: HZ, loopCtrl: false, backoff: false });
  le.upcallStart(0);
  for (let k = 1; k <= 4 * LOOP_CHECK_EVENTS; k++) le.handled(0, 0, k * 1e6);
  for (let k = 0; k < 5; k++) assert.equal(le.eoi(0, 0, true, 1e9), EOI_NOW);
});
