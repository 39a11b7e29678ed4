// Conformance of the guest runtime's Linux rules (sim/run/guest.ts), one rule per test, each on a
// constructed timeline whose expected figures are worked out by hand from the rule and its source.
// The runtime follows Linux 6.1 (docs/explanation/guest-runtime.md says where later kernels differ).
import assert from "node:assert/strict";
import { jiffiesToMsecs, msecsToJiffies } from "../../../sim/run/guest.ts";
import { exec, group, grp, napi, num, scenario, trace } from "./guest_fixture.ts";

Deno.test("loop control counts every event handed to an IRQ, not only late-EOI ones", () => {
  // drivers/xen/events/events_base.c handle_irq_for_port: `++ctrl->count` runs for every port
  // with an IRQ, before anything looks at the IRQ's chip. 300 events of a plain group, then 300
  // of a late-EOI group, 40 µs each, in one loop: the 256th event (a plain one) sets the
  // timeout 8 ms (2 jiffies at HZ 250) later, the 512th (10.24 ms later) is past it, so events
  // 512..600, all late-EOI, defer their EOI: 89. Counting late-EOI events only, the late-EOI
  // group's 256th event would be the loop's 556th and nothing would be deferred.
  const lines: [number, string, number][] = [];
  for (let i = 0; i < 600; i++) lines.push([1000 + i, i < 300 ? "plain" : "be", i % 300]);
  const file = trace(lines);
  const s = scenario({
    duration_ms: 30,
    guest: { vcpus: 1 },
    groups: [grp("plain", file, 40_000, {}, 300), grp("be", null, 40_000, { lateeoi: true }, 300)],
  });
  for (const abi of ["2l", "fifo"]) {
    assert.equal(num(group(exec(s, abi), "be"), "eoi_deferred"), 89, abi);
  }
});

Deno.test("when net_rx_action stops on its budget, untouched polls run first, then new ones, then repolls", () => {
  // net/core/dev.c net_rx_action, on time_squeeze: list_splice_tail_init(&sd->poll_list, &list);
  // list_splice_tail(&repoll, &list); list_splice(&list, &sd->poll_list). Weight 100, budget 300:
  // p1, p2, p3 (150 items of 1 µs each) take 100 each and the budget is gone at 306 µs; p4 was
  // not yet polled; p5 was scheduled meanwhile (raised at 100 µs, its 1 µs top half delaying p1).
  // The next round runs p4 (done 307 µs), p5 (308 µs), then the repolls.
  const file = trace([[1000, "p1", 0], [1001, "p2", 0], [1002, "p3", 0], [1003, "p4", 0], [
    100_000,
    "p5",
    0,
  ]]);
  const s = scenario({
    duration_ms: 1,
    groups: [
      grp("p1", file, 1000, { deferred: napi(150, 1000, 100) }),
      grp("p2", null, 1000, { deferred: napi(150, 1000, 100) }),
      grp("p3", null, 1000, { deferred: napi(150, 1000, 100) }),
      grp("p4", null, 1000, { deferred: napi(1, 1000, 100) }),
      grp("p5", null, 1000, { deferred: napi(1, 1000, 100) }),
    ],
  });
  for (const abi of ["2l", "fifo"]) {
    const r = exec(s, abi);
    assert.equal(num(group(r, "p4"), "done_mean_ns"), 307_000 - 1003, abi);
    assert.equal(num(group(r, "p5"), "done_mean_ns"), 308_000 - 100_000, abi);
    // The repolls follow: p1's last 50 items end at 358 µs.
    assert.equal(num(group(r, "p1"), "done_mean_ns"), 358_000 - 1000, abi);
  }
});

Deno.test("net_rx_action stops when its budget is exactly used up, not only below zero", () => {
  // net_rx_action: `if (budget <= 0 || time_after_eq(jiffies, time_limit))` ends the action.
  // Four polls of weight 100 with 1000 items of 100 ns each: every action takes three polls
  // (300 items, budget 0) and stops, so __do_softirq's 10 rounds (MAX_SOFTIRQ_RESTART) do 3000
  // items (300 µs) and ksoftirqd the last 1000 (100 µs). Stopping only below zero, every
  // action would take four polls and softirq context would do all 4000.
  const file = trace([[1000, "a", 0], [1001, "b", 0], [1002, "c", 0], [1003, "d", 0]]);
  const r = exec(scenario({
    duration_ms: 1,
    groups: ["a", "b", "c", "d"].map((n) => grp(n, file, 1000, { deferred: napi(1000, 100, 100) })),
  }));
  assert.equal(num(r.summary, "ksoftirqd_wakeups"), 1);
  assert.equal(num(r.summary, "softirq_share"), 300_000 / 1e6);
  assert.equal(num(r.summary, "thread_share"), 100_000 / 1e6);
  assert.equal(num(r.summary, "hardirq_share"), 4000 / 1e6);
});

Deno.test("in thread context ksoftirqd and a kthread take turns: a busy ksoftirqd does not starve it", () => {
  // A NAPI backlog of 20 000 items of 1 µs from 1 µs; a kthread woken at 100 µs with one 10 µs
  // item. __do_softirq does 10 rounds of 64 items (to 641 µs) and wakes ksoftirqd; ksoftirqd
  // runs one __do_softirq (10 more rounds, to 1281 µs), then the kthread gets its turn (a fair
  // scheduler runs each runnable thread): done at 1291 µs, 1191 µs after its raise, while
  // ksoftirqd still has 18 720 items to go.
  const file = trace([[1000, "net", 0], [100_000, "blk", 0]]);
  const r = exec(scenario({
    duration_ms: 30,
    groups: [
      grp("net", file, 0, { deferred: napi(20_000, 1000) }),
      grp("blk", null, 0, { deferred: { kind: "thread", item: { kind: "const", ns: 10_000 } } }),
    ],
  }));
  assert.equal(num(group(r, "blk"), "done_mean_ns"), 1_191_000);
  assert.equal(num(r.summary, "ksoftirqd_wakeups"), 1);
});

Deno.test("a late EOI issued after the upcall loop, from a bottom half, is never deferred by loop control", () => {
  // events_base.c: irq_epoch is incremented when the loop ends, and xen_irq_lateeoi_locked
  // defers only an EOI whose info->irq_epoch is the current one. 600 events of 40 µs in one
  // loop (FIFO, raise order), alternating a top-half late-EOI group (`be`, EOI in the loop) and
  // a NAPI late-EOI group (`net`, EOI after napi_complete, after the loop). Loop control defers
  // from the 512th event on: 44 of be's EOIs; none of net's, though 45 of its events came then.
  const lines: [number, string, number][] = [];
  for (let i = 0; i < 600; i++) lines.push([1000 + i, i % 2 === 0 ? "be" : "net", i >> 1]);
  const file = trace(lines);
  const r = exec(scenario({
    duration_ms: 30,
    guest: { vcpus: 1 },
    groups: [
      grp("be", file, 40_000, { lateeoi: true }, 300),
      grp("net", null, 40_000, { lateeoi: true, deferred: napi(1, 1) }, 300),
    ],
  }));
  assert.equal(num(group(r, "be"), "eoi_deferred"), 44);
  assert.equal(num(group(r, "net"), "eoi_deferred"), 0);
  assert.equal(num(group(r, "net"), "completed"), 300);
});

Deno.test("jiffies convert to milliseconds rounding up, as jiffies_to_msecs does, at an HZ not dividing 1000", () => {
  // include/linux/jiffies.h jiffies_to_msecs: DIV_ROUND_UP(j * HZ_TO_MSEC_NUM, HZ_TO_MSEC_DEN)
  // when HZ does not divide 1000; msecs_to_jiffies rounds up too.
  assert.equal(jiffiesToMsecs(2, 300), 7);
  assert.equal(jiffiesToMsecs(2, 250), 8);
  assert.equal(jiffiesToMsecs(1, 1000), 1);
  assert.equal(msecsToJiffies(2, 300), 1);
  assert.equal(msecsToJiffies(2, 250), 1);
  assert.equal(msecsToJiffies(2, 1000), 2);
  assert.equal(msecsToJiffies(3, 300), 1);
  assert.equal(msecsToJiffies(4, 300), 2);
  // In the model: loop control's timeout at HZ 300 is jiffies_to_msecs(2) = 7 ms, not 6.67.
  // 600 late-EOI events in one loop, `svc` apart: the 512th checks 256 × svc after the 256th.
  // At 27 µs that is 6.912 ms, inside 7 ms: nothing deferred. At 28 µs, 7.168 ms: 89 deferred.
  const lines: [number, string, number][] = [];
  for (let i = 0; i < 600; i++) lines.push([1000 + i, "be", i]);
  const file = trace(lines);
  const s = (svc: number) =>
    scenario({
      duration_ms: 30,
      guest: { vcpus: 1, hz: 300 },
      groups: [grp("be", file, svc, { lateeoi: true }, 600)],
    });
  assert.equal(num(group(exec(s(27_000)), "be"), "eoi_deferred"), 0);
  assert.equal(num(group(exec(s(28_000)), "be"), "eoi_deferred"), 89);
});

Deno.test("a kthread that finds no work issues a spurious late EOI, so the backoff applies to thread backends", () => {
  // blkback xen_blkif_schedule ends with xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS) when it
  // found no request; xen_irq_lateeoi_locked's backoff then delays every second consecutive
  // spurious EOI to the next jiffy (xenbus threshold 1). A port raised every 100 µs for 38 ms at
  // HZ 250 whose kthread never finds work is delivered twice per 4 ms jiffy: 20 times, 10 EOIs
  // deferred (the same figures as the top-half case in guest_bottom_half_test.ts).
  const r = exec(scenario({
    duration_ms: 38,
    guest: { vcpus: 1, hz: 250 },
    groups: [{
      name: "blk",
      ports: 1,
      vcpu: 0,
      lateeoi: true,
      spurious: 1,
      arrival: { kind: "periodic", period_us: 100 },
      service: { kind: "const", ns: 500 },
      deferred: { kind: "thread", item: { kind: "const", ns: 1000 } },
    }],
  }));
  assert.equal(num(group(r, "blk"), "delivered"), 20);
  assert.equal(num(group(r, "blk"), "eoi_deferred"), 10);
  assert.equal(num(group(r, "blk"), "spurious_events"), 20);
});

Deno.test("a spurious event of a kthread group completes when its kthread runs, not with its top half", () => {
  // blk1's kthread item runs 1–11 µs; blk2's event at 2 µs is spurious (no request on the ring)
  // but its top half still wakes its kthread, which runs after blk1's item, at 11 µs: blk2's
  // instance completes 9 µs after its raise.
  const file = trace([[1000, "blk1", 0], [2000, "blk2", 0]]);
  const thread = { kind: "thread", item: { kind: "const", ns: 10_000 } };
  const r = exec(scenario({
    duration_ms: 1,
    groups: [
      grp("blk1", file, 0, { deferred: thread }),
      grp("blk2", null, 0, { deferred: thread, spurious: 1 }),
    ],
  }));
  assert.equal(num(group(r, "blk2"), "done_mean_ns"), 9000);
  assert.equal(num(group(r, "blk1"), "done_mean_ns"), 10_000);
});

Deno.test("a deferred late EOI waits at least until the next jiffy, even when its eoi_time has come", () => {
  // events_base.c lateeoi_list_add: delay = eoi_time - jiffies, at least 1 jiffy. With
  // event_eoi_delay 0 the probe's eoi_time is the jiffy of its handling (6: 24.061 ms at
  // HZ 250) and its EOI at 24.101 ms is in that jiffy: the worker unmasks at jiffy 7 (28 ms).
  // 599 other late-EOI events come first, so loop control defers from the 512th on. The probe's
  // second raise at 25 ms waits until 28 ms. Its first waited 24.061 ms - 101.599 µs.
  const lines: [number, string, number][] = [];
  for (let i = 0; i < 599; i++) lines.push([101_000 + i, "be", i]);
  lines.push([101_599, "probe", 0], [25_000_000, "probe", 0]);
  const file = trace(lines);
  const r = exec(scenario({
    duration_ms: 30,
    guest: { vcpus: 1, event_eoi_delay: 0 },
    groups: [
      grp("be", file, 40_000, { lateeoi: true }, 599),
      grp("probe", null, 40_000, { lateeoi: true }),
    ],
  }));
  const probe = group(r, "probe");
  assert.equal(num(probe, "delivered"), 2);
  assert.equal(num(probe, "eoi_deferred"), 1);
  assert.equal(num(probe, "lat_mean_ns"), Math.round((24_061_000 - 101_599 + 3_000_000) / 2));
});

Deno.test("irq_exit leaves softirqs to ksoftirqd while it is woken, as Linux 6.1 does", () => {
  // kernel/softirq.c invoke_softirq before Linux 6.5: `if (ksoftirqd_running(...)) return;`
  // (4cd13c21b207; d15121be7485 removed it in 6.5). Port a's 768 items of 100 ns: 10 rounds of
  // 64 in softirq context (to 65 µs), then ksoftirqd. Port b's event at 70 µs schedules a poll,
  // but its irq_exit runs no softirq: ksoftirqd polls b after a's current 64 items (71.4 µs),
  // so b's item ends at 71.5 µs, in thread context, and softirq context never runs again.
  const file = trace([[1000, "a", 0], [70_000, "b", 0]]);
  const r = exec(scenario({
    duration_ms: 1,
    groups: [
      grp("a", file, 0, { deferred: napi(768, 100) }),
      grp("b", null, 0, {
        deferred: napi(1, 100),
      }),
    ],
  }));
  assert.equal(num(r.summary, "ksoftirqd_wakeups"), 1);
  assert.equal(num(r.summary, "softirq_share"), 64_000 / 1e6);
  assert.equal(num(r.summary, "thread_share"), 12_900 / 1e6);
  assert.equal(num(group(r, "b"), "done_mean_ns"), 1500);
});

Deno.test("net_rx_action stops once 2 jiffies have passed, whatever budget is left", () => {
  // net_rx_action: time_limit = jiffies + usecs_to_jiffies(netdev_budget_usecs) (2 jiffies),
  // checked after each poll with time_after_eq. HZ 1000; four ports of 100 items of 10 µs,
  // raised at 500 µs (top halves 1 µs): the action polls a, b, c (64 items, 640 µs each) to
  // 2.424 ms, now in jiffy 2, and stops with 108 of its 300 items left; past MAX_SOFTIRQ_TIME
  // (msecs_to_jiffies(2) = 2 jiffies) the rest goes to ksoftirqd. Softirq context: 1.92 ms.
  const file = trace([[500_000, "a", 0], [500_001, "b", 0], [500_002, "c", 0], [500_003, "d", 0]]);
  const r = exec(scenario({
    duration_ms: 10,
    guest: { vcpus: 1, hz: 1000 },
    groups: ["a", "b", "c", "d"].map((n, i) =>
      grp(n, i === 0 ? file : null, 1000, { deferred: napi(100, 10_000) })
    ),
  }));
  assert.equal(num(r.summary, "ksoftirqd_wakeups"), 1);
  assert.equal(num(r.summary, "softirq_share"), 1_920_000 / 10e6);
  assert.equal(num(r.summary, "thread_share"), 2_080_000 / 10e6);
});

Deno.test("loop control starts counting afresh in every upcall", () => {
  // events_base.c __xen_evtchn_do_upcall: `struct evtchn_loop_ctrl ctrl = { 0 }` per upcall.
  // Two loops of 400 late-EOI events of 40 µs, 10 ms apart: each loop's 256th event sets its
  // timeout and neither reaches a 512th, so nothing is deferred. One loop of 800: events
  // 512..800 are deferred (289).
  const s = (gapNs: number) => {
    const lines: [number, string, number][] = [];
    for (let i = 0; i < 800; i++) lines.push([1000 + i + (i >= 400 ? gapNs : 0), "be", i]);
    return scenario({
      duration_ms: 60,
      guest: { vcpus: 1 },
      groups: [grp("be", trace(lines), 40_000, { lateeoi: true }, 800)],
    });
  };
  assert.equal(num(group(exec(s(26_000_000)), "be"), "eoi_deferred"), 0);
  assert.equal(num(group(exec(s(0)), "be"), "eoi_deferred"), 289);
});
