// Conformance of the guest's bottom halves and late EOI (sim/run/guest.ts) on
// constructed timelines: every expected figure is worked out by hand from the
// rule it tests, and each rule names its Linux source.
import assert from "node:assert/strict";
import { executeRun, type RunResult } from "../../../sim/run/run.ts";
import { parseScenario, type Scenario } from "../../../sim/scenario/scenario.ts";
import { createAbi } from "../../../models/registry.ts";

/** A trace file of `time_ns,group,index` lines. */
function trace(lines: [number, string, number][]): string {
  const f = Deno.makeTempFileSync({ prefix: "guest_bh_", suffix: ".csv" });
  Deno.writeTextFileSync(f, lines.map(([t, g, i]) => `${t},${g},${i}`).join("\n") + "\n");
  return f;
}

function scenario(raw: Record<string, unknown>): Scenario {
  return parseScenario({
    name: "bh",
    warmup_ms: 0,
    replications: 1,
    costs: "zero",
    starvation_ms: 1000,
    ...raw,
  }, "guest_bottom_half_test");
}

function exec(s: Scenario, abi = "fifo"): RunResult {
  return executeRun(
    { index: 0, id: "bh", scenario: s, abi, replication: 0, seed: s.seed, point: 0, params: {} },
    (o) => createAbi(abi, o),
  );
}

/**
 * Group `net`: one port on VCPU 0, one event at `at` ns, a top half of `topNs`, then a NAPI
 * poll of `n` items of `itemNs` each.
 */
function oneSoftirqEvent(at: number, topNs: number, n: number, itemNs: number) {
  return {
    name: "net",
    ports: 1,
    vcpu: 0,
    arrival: { kind: "trace", file: trace([[at, "net", 0]]) },
    service: { kind: "const", ns: topNs },
    deferred: {
      kind: "softirq",
      items: { kind: "const", n },
      item: { kind: "const", ns: itemNs },
    },
  };
}

const group = (r: RunResult, name: string) => r.groups.find((g) => g.group === name)!;
const num = (row: Record<string, string | number>, col: string) => {
  const v = row[col];
  assert.equal(typeof v, "number", `${col} is '${v}'`);
  return v as number;
};

Deno.test("completion latency runs from the raise through upcall, dispatch, top half and deferred items", () => {
  // One event at 1 µs: upcall 200 ns, dispatch 50 ns (dispatch latency 250 ns), top half
  // 500 ns, then a NAPI poll of 3 items of 100 ns at irq_exit: completion 250 + 500 + 300.
  for (const abi of ["2l", "fifo"]) {
    const r = exec(
      scenario({
        duration_ms: 1,
        costs: { preset: "zero", upcall_ns: 200, dispatch_ns: 50 },
        groups: [oneSoftirqEvent(1000, 500, 3, 100)],
      }),
      abi,
    );
    assert.equal(num(r.summary, "lat_mean_ns"), 250, abi);
    assert.equal(num(r.summary, "done_mean_ns"), 1050, abi);
    assert.equal(num(r.summary, "completed"), 1, abi);
    // Context shares of the 1 ms run: hard IRQ 50 + 500 ns (dispatch and top half), softirq 300 ns.
    assert.equal(num(r.summary, "hardirq_share"), 550e-6, abi);
    assert.equal(num(r.summary, "softirq_share"), 300e-6, abi);
    assert.equal(num(r.summary, "thread_share"), 0, abi);
  }
});

Deno.test("a NAPI poll takes at most its weight of items and is rescheduled behind later polls", () => {
  // net/core/dev.c napi_poll: a poll that used its whole weight (64) goes to the repoll
  // list, which net_rx_action puts back behind polls scheduled meanwhile. Port a brings
  // 150 items of 1 µs at t = 1 µs; port b 1 item at t = 1.001 µs (its upcall preempts a's
  // first item). Order: a 64, b 1, a 64, a 22. b completes 65 µs after a's start, a at 151 µs.
  const t0 = 1000;
  const file = trace([[t0, "a", 0], [t0 + 1, "b", 0]]);
  const deferred = (n: number) => ({
    kind: "softirq",
    items: { kind: "const", n },
    item: { kind: "const", ns: 1000 },
  });
  const r = exec(scenario({
    duration_ms: 1,
    groups: [
      {
        name: "a",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file },
        service: { kind: "const", ns: 0 },
        deferred: deferred(150),
      },
      {
        name: "b",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file: trace([]) },
        service: { kind: "const", ns: 0 },
        deferred: deferred(1),
      },
    ],
  }));
  assert.equal(num(group(r, "a"), "done_mean_ns"), 151_000);
  assert.equal(num(group(r, "b"), "done_mean_ns"), 65_000 - 1);
  // With a weight above the backlog, b waits for all of a's items.
  const s2 = scenario({
    duration_ms: 1,
    groups: [
      {
        name: "a",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file },
        service: { kind: "const", ns: 0 },
        deferred: { ...deferred(150), weight: 1000 },
      },
      {
        name: "b",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file: trace([]) },
        service: { kind: "const", ns: 0 },
        deferred: deferred(1),
      },
    ],
  });
  assert.equal(num(group(exec(s2), "b"), "done_mean_ns"), 151_000 - 1);
});

Deno.test("softirq work past MAX_SOFTIRQ_RESTART rounds goes to ksoftirqd in thread context", () => {
  // kernel/softirq.c __do_softirq restarts while --max_restart (10) stays positive: ten
  // net_rx_action rounds of one 64-item poll (well inside one jiffy at HZ 250), then
  // wakeup_softirqd. 768 items of 100 ns: 640 in softirq (64 µs), 128 in ksoftirqd (12.8 µs).
  const r = exec(scenario({
    duration_ms: 1,
    groups: [oneSoftirqEvent(1000, 0, 768, 100)],
  }));
  assert.equal(num(r.summary, "ksoftirqd_wakeups"), 1);
  assert.equal(num(r.summary, "softirq_share"), 64_000 / 1e6);
  assert.equal(num(r.summary, "thread_share"), 12_800 / 1e6);
  assert.equal(num(r.summary, "done_mean_ns"), 76_800);
});

Deno.test("softirq work past MAX_SOFTIRQ_TIME goes to ksoftirqd", () => {
  // MAX_SOFTIRQ_TIME = msecs_to_jiffies(2): 2 jiffies at HZ 1000. The event at 0.5 ms starts
  // __do_softirq in jiffy 0 (end = jiffy 2); each round is one 64-item poll of 640 µs, ending
  // at 1.14 ms and 1.78 ms (restart) and 2.42 ms (jiffy 2: hand-off). 320 items: 192 in
  // softirq (1.92 ms), 128 in ksoftirqd (1.28 ms).
  const r = exec(scenario({
    duration_ms: 5,
    guest: { vcpus: 1, hz: 1000 },
    groups: [oneSoftirqEvent(500_000, 0, 320, 10_000)],
  }));
  assert.equal(num(r.summary, "ksoftirqd_wakeups"), 1);
  assert.equal(num(r.summary, "softirq_share"), 1_920_000 / 5e6);
  assert.equal(num(r.summary, "thread_share"), 1_280_000 / 5e6);
});

Deno.test("a thread runs only when no hard-IRQ or softirq work is pending, and an upcall preempts it", () => {
  // A kthread item of 10 µs starts at 1 µs; an event of a softirq group at 5 µs (top half 1 µs,
  // one 2 µs item) preempts it: the thread resumes at 8 µs with 6 µs left and ends at 14 µs.
  const r = exec(scenario({
    duration_ms: 1,
    groups: [
      {
        name: "blk",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file: trace([[1000, "blk", 0], [5000, "net", 0]]) },
        service: { kind: "const", ns: 0 },
        deferred: { kind: "thread", item: { kind: "const", ns: 10_000 } },
      },
      {
        name: "net",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file: trace([]) },
        service: { kind: "const", ns: 1000 },
        deferred: { kind: "softirq", item: { kind: "const", ns: 2000 } },
      },
    ],
  }));
  assert.equal(num(group(r, "blk"), "done_mean_ns"), 13_000);
  assert.equal(num(group(r, "net"), "done_mean_ns"), 3000);
  assert.equal(num(r.summary, "thread_share"), 10_000 / 1e6);
});

Deno.test("a late-EOI port stays masked until its deferred work ends", () => {
  // Linux netback: the EOI follows napi_complete. A raise at 1 µs, a second at 11 µs while
  // the 50 µs poll item runs: the port is masked, so the second is delivered at the unmask
  // (51 µs), 40 µs after its raise, and completes at 101 µs, 90 µs after it.
  const r = exec(scenario({
    duration_ms: 1,
    groups: [{
      name: "netback",
      ports: 1,
      vcpu: 0,
      lateeoi: true,
      arrival: { kind: "trace", file: trace([[1000, "netback", 0], [11_000, "netback", 0]]) },
      service: { kind: "const", ns: 0 },
      // A frontend that sends regardless of the ring's event index.
      deferred: { kind: "softirq", item: { kind: "const", ns: 50_000 }, notify: "always" },
    }],
  }));
  assert.equal(num(r.summary, "delivered"), 2);
  assert.equal(num(r.summary, "lat_max_ns"), 40_000);
  assert.equal(num(r.summary, "done_mean_ns"), (50_000 + 90_000) / 2);
});

Deno.test("the spurious backoff delays every second consecutive spurious EOI to the next jiffy", () => {
  // events_base.c xen_irq_lateeoi_locked with the xenbus spurious_threshold of 1: the first
  // spurious EOI makes spurious_cnt 1 (no delay); the second makes it 2 and delays the EOI
  // 1 << (2 - 2) = 1 jiffy; xen_irq_lateeoi_worker EOIs with spurious false, which resets
  // the count. A port raised every 100 µs for 38 ms at HZ 250 is delivered twice per 4 ms
  // jiffy (ticks at 4, 8, ..., 36 ms): 20 times, 10 of its EOIs delayed. Without the
  // backoff every raise is delivered: 380.
  const s = (backoff: boolean) =>
    scenario({
      duration_ms: 38,
      guest: { vcpus: 1, hz: 250, eoi_backoff: backoff },
      groups: [{
        name: "flood",
        ports: 1,
        vcpu: 0,
        lateeoi: true,
        spurious: 1,
        arrival: { kind: "periodic", period_us: 100 },
        service: { kind: "const", ns: 500 },
      }],
    });
  const on = exec(s(true));
  assert.equal(num(group(on, "flood"), "delivered"), 20);
  assert.equal(num(group(on, "flood"), "eoi_deferred"), 10);
  const off = exec(s(false));
  assert.equal(num(group(off, "flood"), "delivered"), 380);
  assert.equal(num(group(off, "flood"), "eoi_deferred"), 0);
});

Deno.test("loop control defers the late EOIs of a loop past event_loop_timeout", () => {
  // events_base.c handle_irq_for_port: the 256th event of the loop (at 255 × 40 µs =
  // 10.2 ms) sets the timeout 2 jiffies (8 ms at HZ 250) later; the 512th (at 20.44 ms) is
  // past it, so it and every later event of the loop defer their EOI: events 512..600.
  const lines: [number, string, number][] = [];
  for (let i = 0; i < 600; i++) lines.push([1000 + i, "be", i]);
  const s = (ctrl: boolean) =>
    scenario({
      duration_ms: 30,
      guest: { vcpus: 1, loop_ctrl: ctrl },
      groups: [{
        name: "be",
        ports: 600,
        vcpu: 0,
        lateeoi: true,
        arrival: { kind: "trace", file: trace(lines) },
        service: { kind: "const", ns: 40_000 },
      }],
    });
  for (const abi of ["2l", "fifo"]) {
    assert.equal(num(group(exec(s(true), abi), "be"), "eoi_deferred"), 89, abi);
    assert.equal(num(group(exec(s(false), abi), "be"), "eoi_deferred"), 0, abi);
  }
});

Deno.test("an unmask by a softirq preempts the softirq work that follows it", () => {
  // a (late EOI) is raised at 1 µs and again at 2 µs while masked; b at 1.5 µs. a's poll
  // item runs 1–11 µs; its EOI at 11 µs finds P set, so the upcall comes at once and
  // preempts b's first item: a's second instance is dispatched at 11 µs (9 µs after its
  // raise). b's five items end at 61 µs (59.5 µs after its raise); a's second poll runs
  // 61–71 µs (69 µs after its raise).
  const item = { kind: "const", ns: 10_000 };
  const r = exec(scenario({
    duration_ms: 1,
    groups: [
      {
        name: "a",
        ports: 1,
        vcpu: 0,
        lateeoi: true,
        arrival: { kind: "trace", file: trace([[1000, "a", 0], [1500, "b", 0], [2000, "a", 0]]) },
        service: { kind: "const", ns: 0 },
        deferred: { kind: "softirq", item, notify: "always" },
      },
      {
        name: "b",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file: trace([]) },
        service: { kind: "const", ns: 0 },
        deferred: { kind: "softirq", items: { kind: "const", n: 5 }, item },
      },
    ],
  }));
  assert.equal(num(group(r, "a"), "lat_max_ns"), 9000);
  assert.equal(num(group(r, "a"), "done_mean_ns"), (10_000 + 69_000) / 2);
  assert.equal(num(group(r, "b"), "done_mean_ns"), 59_500);
});

Deno.test("work still waiting at the end counts with its wait so far in the victims' p99", () => {
  // One kthread item of 10 ms raised at 1 ms in a 5 ms run: dispatched at once, never
  // completed. Its completion wait so far (4 ms) is the victims' p99; the attacker group
  // only marks the others as victims.
  const r = exec(scenario({
    duration_ms: 5,
    groups: [
      {
        name: "blk",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file: trace([[1_000_000, "blk", 0]]) },
        service: { kind: "const", ns: 0 },
        deferred: { kind: "thread", item: { kind: "const", ns: 10_000_000 } },
      },
      {
        name: "flood",
        ports: 1,
        vcpu: 0,
        attacker: true,
        arrival: { kind: "trace", file: trace([]) },
        service: { kind: "const", ns: 0 },
      },
    ],
  }));
  assert.equal(num(group(r, "blk"), "completed"), 0);
  assert.equal(num(group(r, "blk"), "outstanding"), 1);
  const p99 = num(r.summary, "victim_done_p99_ns");
  assert.ok(Math.abs(p99 - 4_000_000) <= 4_000_000 * 1e-3, `${p99}`); // HDR: 3 digits
  assert.equal(num(r.summary, "victim_lat_p99_ns"), 0);
});

Deno.test("work that arrives while the port's deferred work is scheduled goes on the ring without an event", () => {
  // xen/interface/io/ring.h: the producer notifies only when the consumer re-armed its event
  // index, which netback and netfront do once their poll is done. A raise at 1 µs schedules a
  // poll of one 50 µs item; arrivals at 11 and 21 µs join its backlog without an event and
  // complete at 101 and 151 µs; an arrival at 200 µs (poll done) raises the port again.
  const s = (notify: string) =>
    scenario({
      duration_ms: 1,
      groups: [{
        name: "net",
        ports: 1,
        vcpu: 0,
        arrival: {
          kind: "trace",
          file: trace([[1000, "net", 0], [11_000, "net", 0], [21_000, "net", 0], [
            200_000,
            "net",
            0,
          ]]),
        },
        service: { kind: "const", ns: 0 },
        deferred: { kind: "softirq", item: { kind: "const", ns: 50_000 }, notify },
      }],
    });
  const r = exec(s("ring"));
  const g = group(r, "net");
  assert.equal(num(g, "raised"), 2);
  assert.equal(num(g, "absorbed"), 2);
  assert.equal(num(g, "completed"), 4);
  assert.equal(num(g, "done_mean_ns"), (50_000 + 90_000 + 130_000 + 50_000) / 4);
  // A sender that ignores the protocol raises every time: 4 events, 4 top halves.
  const always = group(exec(s("always")), "net");
  assert.equal(num(always, "raised"), 4);
  assert.equal(num(always, "absorbed"), 0);
});
