/**
 * Linux's late-EOI rules inside a host: the spurious-event backoff and loop
 * control of drivers/xen/events/events_base.c, shared with the single guest
 * through sim/run/late_eoi.ts, driven through a host's own handlers.
 */
import assert from "node:assert/strict";
import type { HostSimulation } from "../../../sim/host/host.ts";
import { hostFigures } from "../../../sim/host/run_host.ts";
import { vcpu0Host } from "./host_fixture.ts";
import { resolveCosts } from "../../../models/costs.ts";

/** The test's own engine event: Xen delivers an EVTCHNOP_send to dom0's port `b`. */
const EV_TEST_RAISE = 99;
const R_BLK = 0, R_NET_TX = 1; // host.ts ring kinds

/** Run `h` to `until`, with the test's raises of dom0 ports besides the host's own events. */
function run(h: HostSimulation, until: number): void {
  h.engine.run(until, {
    handle: (kind: number, a: number, b: number) => {
      if (kind === EV_TEST_RAISE) h.raise(a, b);
      else h.handle(kind, a, b);
    },
  });
}

/**
 * Record, at each unmask of dom0's `port` (the EOI reaching the ABI), what
 * `seen` reads then (by default the time).
 */
function unmasks(h: HostSimulation, port: number, seen = () => h.engine.now): number[] {
  const abi = h.abis[0], at: number[] = [];
  const unmask = abi.unmask.bind(abi);
  abi.unmask = (p: number) => {
    if (p === port) at.push(seen());
    return unmask(p);
  };
  return at;
}

/**
 * One 1-VCPU guest with one vif (split channels), its client idle with a
 * window of `window`: only the test drives it. Its TX ring and RX ring.
 */
function netHost(window: number): { h: HostSimulation; tx: number; rx: number } {
  const h = vcpu0Host({
    guests: 1,
    vifs: 1,
    vbds: 0,
    workload: { kind: "closed", window, think_us: 1e9, devices: "net" },
  });
  const tx = h.ringKind.indexOf(R_NET_TX);
  return { h, tx, rx: tx + 1 };
}

/** One 1-VCPU guest with one vbd, its client idle: only the test raises dom0's blkback port. */
function blkHost(
  stopIssuingNs?: number,
  dom0Hz?: number,
  guestHz?: number,
): { h: HostSimulation; ring: number; port: number } {
  const h = vcpu0Host({
    guests: 1,
    vifs: 0,
    vbds: 1,
    workload: { kind: "closed", window: 1, think_us: 1e9, devices: "blk" },
    stopIssuingNs,
    dom0Hz,
    guestHz,
  });
  const ring = h.ringKind.indexOf(R_BLK);
  return { h, ring, port: h.ringPort0[ring] };
}

for (const [dom0Hz, guestHz] of [[250, 250], [1000, 100]]) {
  Deno.test(`a blkback port raised with no request gets spurious EOIs; every second one waits for dom0's next jiffy (dom0 at HZ ${dom0Hz}, guests at ${guestHz})`, () => {
    // A frontend that notifies with no new request: xen_blkif_be_int wakes the
    // kthread, do_block_io_op finds nothing, and xen_blkif_schedule EOIs with
    // eoi_flags still XEN_EOI_FLAG_SPURIOUS. xen_irq_lateeoi_locked: spurious_cnt
    // 1 is within the xenbus threshold (1): unmasked at once; 2 delays
    // 1 << (2 - 1 - 1) = 1 jiffy; the lateeoi worker's own EOI
    // (xen_irq_lateeoi_locked(info, false)) resets the count, so the pattern repeats.
    const { h, port } = blkHost(0, dom0Hz, guestHz);
    h.start();
    const at = unmasks(h, port);
    const every = 50e3, end = 40e6;
    for (let t = 0; t < end; t += every) h.engine.schedule(t, EV_TEST_RAISE, 0, port);
    run(h, end + 1e6);
    const tick = h.lateEoi[0].tickNs;
    assert.equal(tick, 1e9 / dom0Hz); // dom0's jiffy, not the guests'
    // Every jiffy of the raises defers one EOI to the next jiffy's start.
    const jiffies = end / tick;
    const onBoundary = at.filter((t) => t % tick === 0);
    assert.deepEqual(onBoundary, Array.from({ length: jiffies }, (_, j) => (j + 1) * tick));
    assert.equal(h.eoiDeferredBackoff, jiffies);
    assert.equal(h.eoiDeferredLoop, 0);
    // Each deferred unmask finds the port pending (raised meanwhile): the upcall
    // runs, the first spurious EOI of the new count unmasks at once, and the next
    // raise (within 50 µs) is deferred again: two unmasks per jiffy.
    assert.equal(at.length, 1 + 2 * jiffies);
    for (let k = 1; k < at.length; k += 2) {
      assert.equal(at[k] % tick, 0, `unmask ${k} at ${at[k]}`);
      assert.ok(at[k + 1] - at[k] < every, `immediate unmask ${k + 1} at ${at[k + 1]}`);
    }
  });
}

Deno.test("a blkback EOI after a real request resets the spurious count: the next spurious EOI unmasks at once", () => {
  // xen_irq_lateeoi_locked: a non-spurious EOI sets spurious_cnt = 0;
  // blkback's eoi_flags lose XEN_EOI_FLAG_SPURIOUS when __do_block_io_op
  // consumed a request.
  const { h, port, ring } = blkHost();
  h.startMeasuring();
  const i = h.portBase[0] + port;
  const at = unmasks(h, port);
  h.engine.schedule(0, EV_TEST_RAISE, 0, port); // spurious: count 1, unmasked at once
  run(h, 1e6);
  assert.equal(h.lateEoi[0].spuriousCount(i), 1);
  assert.equal(at.length, 1);
  const d = h.ringDev[ring];
  h.issue(d); // the client's request: blkback consumes it and EOIs, not spurious
  run(h, 2e6);
  assert.equal(h.completed[d], 1);
  assert.equal(h.lateEoi[0].spuriousCount(i), 0);
  assert.equal(at.length, 2);
  h.engine.schedule(2e6, EV_TEST_RAISE, 0, port); // spurious again: count 1, at once
  run(h, 2.5e6);
  assert.equal(at.length, 3);
  assert.equal(h.eoiDeferredBackoff, 0);
  h.engine.schedule(2.5e6, EV_TEST_RAISE, 0, port); // count 2: deferred to the next jiffy
  run(h, 3e6);
  assert.equal(at.length, 3);
  assert.equal(h.eoiDeferredBackoff, 1);
  run(h, 4e6 + 1);
  assert.deepEqual(at.slice(3), [4e6]);
});

Deno.test("loop control in a host: late EOIs issued in a dom0 loop past event_loop_timeout wait event_eoi_delay jiffies", () => {
  // events_base.c handle_irq_for_port: the 256th event of the loop sets a
  // timeout of event_loop_timeout (2 jiffies: 8 ms at HZ 250); the 512th,
  // past it, sets defer_eoi and from then on every handled port records
  // eoi_time = jiffies + event_eoi_delay (10). netback's xenvif_tx_interrupt
  // finds no request and EOIs at once in the same loop (same irq_epoch), so
  // that EOI goes on the list (xen_irq_lateeoi_locked).
  const guests = 600;
  const h = vcpu0Host({
    guests,
    vifs: 1,
    vbds: 0,
    workload: { kind: "closed", window: 1, think_us: 1000, devices: "net" },
    // 40 µs per handled event: 256 events take 10.24 ms, past the 8 ms timeout.
    costs: resolveCosts({ preset: "default", dispatch_ns: 40e3 }),
    stopIssuingNs: 0,
  });
  h.start();
  const tx: number[] = [];
  for (let r = 0; r < h.ringCount; r++) if (h.ringKind[r] === R_NET_TX) tx.push(h.ringPort0[r]);
  assert.equal(tx.length, guests);
  for (const p of tx) h.raise(0, p); // every TX port pending before the upcall arrives
  const firstUnmask = new Map<number, number>();
  const abi = h.abis[0], unmask = abi.unmask.bind(abi);
  abi.unmask = (p: number) => {
    if (!firstUnmask.has(p)) firstUnmask.set(p, h.engine.now);
    return unmask(p);
  };
  run(h, 70e6); // the last deferred EOIs are due at jiffy 16 (64 ms)
  assert.equal(h.upcalls, 1); // one loop handled them all
  // Events 512..600 were handled with defer_eoi set: 600 - 511 EOIs deferred.
  assert.equal(h.eoiDeferredLoop, guests - 511);
  assert.equal(h.eoiDeferredBackoff, 0); // each port's first spurious EOI is not delayed
  // A deferred EOI unmasks at a jiffy boundary, event_eoi_delay (10) jiffies
  // after the jiffy its event was handled in: later than the loop's end.
  const tick = h.lateEoi[0].tickNs;
  const late = [...firstUnmask.values()].filter((t) => t % tick === 0 && t >= 10 * tick);
  assert.equal(late.length, guests - 511);
  assert.equal(firstUnmask.size, guests);
});

Deno.test("netback and netfront EOI with XEN_EOI_FLAG_SPURIOUS when their interrupt finds nothing, and without it after real work", () => {
  // netback interface.c xenvif_tx_interrupt: no unconsumed request -> no NAPI,
  // xen_irq_lateeoi(irq, XEN_EOI_FLAG_SPURIOUS); with one, the poll's end
  // (xenvif_napi_schedule_or_enable_events) EOIs with flags 0. netfront
  // xennet_rx_interrupt: no more unconsumed responses than rx_rsp_unconsumed
  // -> *eoi stays XEN_EOI_FLAG_SPURIOUS.
  const { h, tx, rx } = netHost(1);
  h.startMeasuring();
  const txIdx = h.portBase[0] + h.ringPort0[tx], rxIdx = h.portBase[1] + h.ringPortG[rx];
  h.engine.schedule(0, EV_TEST_RAISE, 0, h.ringPort0[tx]);
  h.engine.schedule(0, EV_TEST_RAISE, 1, h.ringPortG[rx]);
  run(h, 1e6);
  assert.equal(h.lateEoi[0].spuriousCount(txIdx), 1);
  assert.equal(h.lateEoi[0].spuriousCount(rxIdx), 1);
  assert.equal(h.softOn[tx], 0); // no poll was scheduled
  assert.equal(h.spurious, 2);
  h.issue(h.ringDev[tx]); // a ping-pong: TX request, TX response, RX response
  run(h, 2e6);
  assert.equal(h.completed[h.ringDev[tx]], 1);
  assert.equal(h.lateEoi[0].spuriousCount(txIdx), 0);
  assert.equal(h.lateEoi[0].spuriousCount(rxIdx), 0);
  assert.equal(h.spurious, 2);
});

Deno.test("spurious events count per template and per guest: the guest whose port was raised for nothing has them all", () => {
  // Two 1-VCPU guests with one vbd, their clients idle; only guest 1's blkback port is raised.
  const h = vcpu0Host({
    guests: 2,
    vifs: 0,
    vbds: 1,
    workload: { kind: "closed", window: 1, think_us: 1e9, devices: "blk" },
    stopIssuingNs: 0,
  });
  h.start();
  const d1 = h.devGuest.indexOf(1);
  const port = h.ringPort0[h.devReq[d1]];
  const end = 10e6;
  for (let t = 0; t < end; t += 100e3) h.engine.schedule(t, EV_TEST_RAISE, 0, port);
  run(h, end);
  const f = hostFigures(h, end);
  assert.ok(h.spurious > 0, "xen_blkif_be_int found no request");
  const blk = f.guests.find((r) => r.device === "blk")!;
  assert.equal(blk.spurious_events, h.spurious);
  const byGuest = f.perGuest.filter((r) => r.device === "blk")
    .map((r) => [r.guest, r.spurious_events]);
  assert.deepEqual(byGuest, [[0, 0], [1, h.spurious]]);
  assert.equal(f.summary.spurious_events, h.spurious);
});

Deno.test("netback's guest-rx takes the RX late EOI when it goes to sleep, not in its interrupt (xenvif_wait_for_rx_work)", () => {
  // interface.c xenvif_rx_interrupt sets NETBK_RX_EOI in eoi_pending; with
  // xenvif_have_rx_work it only kicks the guest-rx kthread, and rx.c
  // xenvif_wait_for_rx_work clears the bit and calls xen_irq_lateeoi(rx_irq, 0)
  // when the kthread has no more work and sleeps. Without work the interrupt
  // clears the bit and EOIs at once with XEN_EOI_FLAG_SPURIOUS.
  const { h, tx, rx } = netHost(2);
  h.startMeasuring();
  const port = h.ringPort0[rx];
  // At each unmask of dom0's RX port: packets guest-rx has yet to copy or push.
  const leftAtUnmask = unmasks(h, port, () => h.rxQueued[rx] + h.rxBatch[rx]);
  // Nothing queued for the guest: a spurious RX interrupt, EOI at once.
  h.engine.schedule(0, EV_TEST_RAISE, 0, port);
  run(h, 1e6);
  assert.deepEqual(leftAtUnmask, [0]);
  assert.equal(h.lateEoi[0].spuriousCount(h.portBase[0] + port), 1);
  // netfront has posted one RX buffer (req_prod 1, not the full ring): two
  // echoes, so guest-rx copies one, runs
  // out of buffers and sleeps with the other queued; the guest's next buffer
  // notifies dom0's RX port, whose interrupt finds work and kicks guest-rx.
  h.rings.prefill(rx, 1);
  const d = h.ringDev[tx];
  h.issue(d);
  h.issue(d);
  run(h, 3e6);
  assert.equal(h.completed[d], 2);
  // The interrupt came while a packet waited, and its EOI (flags 0, so the
  // spurious count is reset) came when guest-rx had nothing left.
  assert.equal(leftAtUnmask.length, 2);
  assert.deepEqual(leftAtUnmask, [0, 0]);
  assert.equal(h.lateEoi[0].spuriousCount(h.portBase[0] + port), 0);
});

Deno.test("each domain keeps late-EOI books and softirq limits at its own HZ; domains of one HZ share them", () => {
  const h = vcpu0Host({
    guests: 2,
    vifs: 1,
    vbds: 0,
    workload: { kind: "closed", window: 1, think_us: 100, devices: "net" },
    dom0Hz: 1000,
    guestHz: 100,
  });
  assert.deepEqual(Array.from(h.hz), [1000, 100, 100]);
  assert.deepEqual(h.lateEoi.map((le) => le.tickNs), [1e6, 1e7, 1e7]);
  assert.equal(h.lateEoi[1], h.lateEoi[2]);
  assert.notEqual(h.lateEoi[0], h.lateEoi[1]);
  assert.equal(h.softirq[1], h.softirq[2]);
  assert.notEqual(h.softirq[0], h.softirq[1]);
});
