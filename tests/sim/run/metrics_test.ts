import assert from "node:assert/strict";
import fc from "fast-check";
import { jain, Metrics } from "../../../sim/run/metrics.ts";
import { executeRun } from "../../../sim/run/run.ts";
import { parseScenario } from "../../../sim/scenario/scenario.ts";
import { ABI_IDS, createAbi } from "../../../models/registry.ts";

function layout(ports: number, groups = ["g"], vcpus = 1, starvationNs = 1e7) {
  const portGroup = new Int32Array(ports).fill(0);
  portGroup[0] = -1;
  return new Metrics({ ports, vcpus, groupNames: groups, portGroup, starvationNs });
}

Deno.test("jain's index of known vectors", () => {
  // (1+1+1+1)^2 / (4 * 4) = 1; (1+0+0+0)^2 / (4 * 1) = 0.25; (1+2+3)^2/(3*14) = 36/42
  assert.equal(jain(4, 4, 4), 1);
  assert.equal(jain(1, 1, 4), 0.25);
  assert.equal(jain(6, 14, 3), 36 / 42);
  const m = layout(4);
  m.measuring = true;
  // Port latencies 100, 200, 300: Jain = 600^2 / (3 * 140000) = 0.857142...
  [1, 2, 3].forEach((p) => m.onRaise(p, 0, 7, 0, 0, 0));
  [1, 2, 3].forEach((p) => m.onDispatch(p, 0, 7, p * 100, p * 100, p * 100));
  assert.ok(Math.abs(m.jainLatency() - 36 / 42) < 1e-12);
  assert.equal(m.latencySpread(), 3);
});

Deno.test("jain_service counts delivered over raised per port", () => {
  const m = layout(3);
  m.measuring = true;
  m.onRaise(1, 0, 7, 0, 0, 0);
  m.onDispatch(1, 0, 7, 1, 1, 1);
  m.onRaise(2, 0, 7, 0, 0, 0);
  m.onRaise(2, 0, 7, 0, 1, 0); // coalesced
  // Port 1: 1/1, port 2: 0/2 -> (1 + 0)^2 / (2 * 1) = 0.5
  assert.equal(m.jainService(), 0.5);
});

Deno.test("starved events count slow deliveries and long-pending instances at the end", () => {
  const m = layout(5, ["g"], 1, 1000);
  m.measuring = true;
  m.onRaise(1, 0, 7, 0, 0, 0);
  m.onDispatch(1, 0, 7, 999, 999, 1000); // 999 <= 1000: not starved
  m.onRaise(2, 0, 7, 0, 0, 1000);
  m.onDispatch(2, 0, 7, 2001, 2001, 2500); // waited 1001: starved
  m.onRaise(3, 0, 7, 0, 0, 2100); // pending at the end for 1000: starved
  m.onRaise(4, 0, 7, 0, 0, 2500); // pending for 600: not starved
  m.finish(3100);
  assert.equal(m.starved, 2);
  assert.equal(m.pendingAtEnd(), 2);
  assert.equal(m.gMaxWait[0], 1001);
  // Group stalls: 999, 1001 (pending from 1000, dispatched at 2001), then 1000 at the end.
  assert.equal(m.gMaxStall[0], 1001);
});

Deno.test("inversions count dispatches while a higher priority is pending on the same VCPU", () => {
  const m = new Metrics({
    ports: 5,
    vcpus: 2,
    groupNames: ["hi", "lo"],
    portGroup: Int32Array.of(-1, 0, 1, 1, 0),
    starvationNs: 1e9,
  });
  m.measuring = true;
  m.onRaise(1, 0, 0, 0, 0, 0); // hi, prio 0, vcpu 0
  m.onRaise(2, 1, 7, 0, 0, 0); // lo, prio 7, vcpu 0
  m.onRaise(3, 1, 7, 1, 0, 0); // lo, prio 7, vcpu 1
  m.onDispatch(3, 1, 7, 1, 1, 2); // other VCPU: no inversion
  m.onDispatch(2, 1, 7, 2, 2, 3); // hi pending on VCPU 0: inversion
  m.onDispatch(1, 0, 0, 3, 3, 4); // highest: none
  m.onRaise(4, 0, 7, 0, 0, 5); // equal priority 7 pending...
  m.onRaise(2, 1, 7, 0, 0, 5);
  m.onDispatch(2, 1, 7, 6, 6, 7); // ...is not strictly higher: none
  assert.equal(m.inversions, 1);
  assert.equal(m.gInversions[1], 1);
});

Deno.test("latency quantiles of a known sample are within HDR precision", () => {
  const m = layout(1002);
  m.measuring = true;
  // Latencies 1000, 2000, ..., 1000000 ns (1000 values).
  for (let i = 1; i <= 1000; i++) {
    m.onRaise(i, 0, 7, 0, 0, 0);
    m.onDispatch(i, 0, 7, i * 1000, i * 1000, i * 1000);
  }
  const s = m.summary(1);
  const within = (got: unknown, want: number) =>
    assert.ok(Math.abs((got as number) - want) <= want * 1e-3, `${got} vs ${want}`);
  within(s.lat_p50_ns, 500000);
  within(s.lat_p90_ns, 900000);
  within(s.lat_p99_ns, 990000);
  within(s.lat_max_ns, 1000000);
  assert.equal(s.lat_mean_ns, 500500);
});

Deno.test("an instance pending when measurement starts is measured from its own raise", () => {
  const m = layout(4);
  m.onRaise(1, 0, 7, 0, 0, 0); // during warm-up, still pending at its end
  m.onRaise(2, 0, 7, 0, 0, 5);
  assert.equal(m.onDispatch(2, 0, 7, 8, 8, 9), false); // delivered inside the warm-up
  m.startMeasuring(10);
  assert.equal(m.raised, 1); // the carried instance counts as raised when measuring starts
  m.onRaise(1, 0, 7, 0, 1, 12); // coalesces into a measured instance
  assert.equal(m.onDispatch(1, 0, 7, 40, 40, 41), true);
  assert.equal(m.delivered, 1);
  assert.equal(m.gMaxWait[0], 40); // from its raise at 0, not from the warm-up's end
  assert.equal(m.spurious, 0);
  assert.equal(m.onDispatch(3, 0, 7, 50, 50, 51), false); // nothing pending: spurious
  assert.equal(m.spurious, 1);
  m.finish(60);
  assert.equal(m.raised, m.delivered + m.coalesced + m.pendingAtEnd() + m.dropped);
});

Deno.test("raises coalesced behind a starved instance count as starved", () => {
  const m = layout(3, ["g"], 1, 1000);
  m.measuring = true;
  m.onRaise(1, 0, 7, 0, 0, 0);
  m.onRaise(1, 0, 7, 0, 1, 500); // waited 500 so far: not yet starved
  m.onRaise(1, 0, 7, 0, 1, 1500); // behind an instance that waited 1500: starved
  m.onRaise(1, 0, 7, 0, 1, 2500);
  m.finish(3000); // the instance itself, pending 3000: starved
  assert.equal(m.starved, 3);
  assert.equal(m.gMaxWait[0], 3000);
  assert.equal(m.gMaxStall[0], 3000);
});

Deno.test("a port still pending at the end pulls the Jain index down with its censored wait", () => {
  const m = layout(4);
  m.measuring = true;
  m.onRaise(1, 0, 7, 0, 0, 0);
  m.onDispatch(1, 0, 7, 100, 100, 100);
  m.onRaise(2, 0, 7, 0, 0, 0);
  m.onDispatch(2, 0, 7, 100, 100, 100);
  m.onRaise(3, 0, 7, 0, 0, 0); // never delivered
  m.finish(10000);
  // Mean waits 100, 100, 10000: (10200)^2 / (3 * (100^2 + 100^2 + 10000^2)).
  const want = 10200 ** 2 / (3 * (2 * 100 ** 2 + 10000 ** 2));
  assert.ok(Math.abs(m.jainLatency() - want) < 1e-12);
  assert.equal(m.latencySpread(), 100);
});

function smallScenario(
  seed: number,
  vcpus: number,
  rate: number,
  ports: number,
  lateeoi: boolean,
  hiPrio: number,
) {
  return parseScenario({
    name: "inv",
    duration_ms: 3,
    warmup_ms: 0.5,
    seed,
    guest: { vcpus },
    groups: [
      {
        name: "timer",
        ports: 1,
        vcpu: "each",
        timer: true,
        arrival: { kind: "periodic", period_us: 250, jitter_us: 20 },
        service: { kind: "const", ns: 1500 },
      },
      {
        name: "hi",
        ports,
        priority: hiPrio,
        arrival: { kind: "poisson", rate_per_s: rate },
        service: { kind: "exp", mean_ns: 2000 },
      },
      {
        name: "lo",
        ports: ports * 2,
        priority: 12,
        lateeoi,
        arrival: { kind: "onoff", on_rate_per_s: rate, on_ms: 0.5, off_ms: 0.5 },
        service: { kind: "uniform", min_ns: 500, max_ns: 4000 },
      },
    ],
  }, "property");
}

Deno.test("the accounting invariant holds for every ABI, seed and workload", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...ABI_IDS),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 10000, max: 900000 }),
      fc.integer({ min: 1, max: 300 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 15 }),
      (abi, seed, vcpus, rate, ports, lateeoi, hiPrio) => {
        const scenario = smallScenario(seed, vcpus, rate, ports, lateeoi, hiPrio);
        const r = executeRun(
          { index: 0, id: "p", scenario, abi, replication: 0, seed, point: 0, params: {} },
          (o) => createAbi(abi, o),
        );
        const s = r.summary as Record<string, number>;
        assert.equal(s.raised, s.delivered + s.coalesced + s.pending_at_end + s.dropped);
        for (const g of r.groups as Record<string, number>[]) {
          assert.equal(g.raised, g.delivered + g.coalesced + g.pending_at_end + g.dropped);
        }
        assert.ok(s.delivered > 0);
      },
    ),
    { numRuns: 40, seed: 20261125 },
  );
});

Deno.test("a fifo high-priority storm starves the low group while 2-level bounds its wait", () => {
  const scenario = parseScenario({
    name: "storm",
    duration_ms: 30,
    warmup_ms: 2,
    starvation_ms: 5,
    guest: { vcpus: 1 },
    costs: "zero",
    groups: [
      {
        name: "hi",
        ports: 400,
        priority: 2,
        // rho = 2: the high class alone overloads the VCPU. Coalescing caps its
        // backlog (about half of its 400 ports stay pending), so it never empties.
        arrival: { kind: "poisson", rate_per_s: 1000000 },
        service: { kind: "exp", mean_ns: 2000 },
      },
      {
        name: "lo",
        ports: 50,
        priority: 9,
        arrival: { kind: "poisson", rate_per_s: 5000 },
        service: { kind: "const", ns: 1000 },
      },
    ],
  }, "storm");
  const run = (abi: string) =>
    executeRun(
      { index: 0, id: abi, scenario, abi, replication: 0, seed: 1, point: 0, params: {} },
      (o) => createAbi(abi, o),
    ).groups.find((g) => g.group === "lo")! as Record<string, number>;
  const fifo = run("fifo"), twoL = run("2l");
  // FIFO: the low queue is never reached while the high queue is never empty.
  // Its ports stay pending (later raises coalesce) and nearly all of them starve.
  assert.ok(fifo.delivered < 0.05 * fifo.raised, `fifo delivered ${fifo.delivered}`);
  assert.ok(
    fifo.starved_events >= 0.8 * fifo.pending_at_end,
    `fifo starved ${fifo.starved_events}`,
  );
  assert.ok(fifo.max_wait_ns > 20e6);
  // 2-level: the round-robin cursor reaches every pending port within one sweep of the bitmap.
  assert.equal(twoL.starved_events, 0);
  assert.ok(twoL.delivered > 0.9 * (twoL.raised - twoL.coalesced));
  assert.ok(twoL.max_wait_ns < 5e6, `2l max wait ${twoL.max_wait_ns}`);
});

Deno.test("a wait of exactly starvation_ms is not starved; one ns more is", () => {
  const m = layout(4, ["g"], 1, 1000);
  m.measuring = true;
  m.onRaise(1, 0, 7, 0, 0, 0);
  m.onDispatch(1, 0, 7, 1000, 1000, 1500); // waited exactly the threshold
  assert.equal(m.starved, 0);
  m.onRaise(2, 0, 7, 0, 0, 2000);
  m.onDispatch(2, 0, 7, 3001, 3001, 3500); // waited 1001
  assert.equal(m.starved, 1);
  assert.equal(m.gStarved[0], 1);
  // Still pending at the end after exactly the threshold: its dispatch, later than the end,
  // would wait longer than the threshold, so it is starved; 1 ns less is not yet.
  m.onRaise(3, 0, 7, 0, 0, 4000);
  m.onRaise(2, 0, 7, 0, 0, 4001);
  m.finish(5000);
  assert.equal(m.starved, 2);
  assert.equal(m.summary(1)["starved_events"], 2);
});

Deno.test("completion latency runs from the raise to the handler's end", () => {
  // Raised at 100; the dispatch decision at 300, the handler runs from 350 to 1350.
  const m = layout(3);
  m.measuring = true;
  m.onRaise(1, 0, 7, 0, 0, 100);
  m.onDispatch(1, 0, 7, 300, 350, 1350);
  // Raised at 2000, handled at once from 2000 to 2010.
  m.onRaise(2, 0, 7, 0, 0, 2000);
  m.onDispatch(2, 0, 7, 2000, 2000, 2010);
  const s = m.summary(1);
  assert.equal(s.lat_mean_ns, (250 + 0) / 2);
  assert.equal(s.done_mean_ns, (1250 + 10) / 2);
  // HDR buckets keep 3 significant digits: the p99 is the larger completion, 1250.
  assert.ok(Math.abs(Number(s.done_p99_ns) - 1250) <= 2, `done_p99_ns ${s.done_p99_ns}`);
  const g = m.groupRows([7])[0];
  assert.equal(g.done_mean_ns, 630);
});

Deno.test("a coalesced raise is counted raised and coalesced, never delivered", () => {
  const m = layout(3);
  m.measuring = true;
  m.onRaise(1, 0, 7, 0, 0, 0);
  m.onRaise(1, 0, 7, 0, 1, 10); // P already set: coalesced into the pending instance
  m.onRaise(1, 0, 7, 0, 1, 20);
  m.onDispatch(1, 0, 7, 30, 30, 40); // the one instance is delivered once
  m.finish(100);
  const s = m.summary(1);
  assert.deepEqual(
    [s.raised, s.delivered, s.coalesced, s.pending_at_end, s.dropped],
    [3, 1, 2, 0, 0],
  );
  assert.equal(s.lat_mean_ns, 30); // from the first raise: the instance the later ones joined
  const g = m.groupRows([7])[0];
  assert.deepEqual([g.raised, g.delivered, g.coalesced], [3, 1, 2]);
  const p = m.portRows()[0];
  assert.deepEqual([p.raised, p.delivered, p.coalesced], [3, 1, 2]);
});

Deno.test("raises while a port is pending coalesce in a run and are not delivered", () => {
  // One port raised at 1, 1.1 and 1.2 µs; the upcall takes 2 µs, so the last two find P set.
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/three.csv`;
    Deno.writeTextFileSync(file, "time_ns,port\n1000,1\n1100,1\n1200,1\n");
    const s = parseScenario({
      name: "coalesce",
      duration_ms: 1,
      warmup_ms: 0,
      costs: { preset: "zero", upcall_ns: 2000 },
      groups: [{
        name: "g",
        ports: 1,
        vcpu: 0,
        arrival: { kind: "trace", file },
        service: { kind: "const", ns: 500 },
      }],
    }, "coalesce");
    for (const abi of ["2l", "3l", "fifo"]) {
      const run = { index: 0, id: "c", scenario: s, abi, replication: 0, seed: 1, point: 0 };
      const r = executeRun({ ...run, params: {} }, (o) => createAbi(abi, o));
      const got = ["raised", "delivered", "coalesced", "upcalls"].map((c) => r.summary[c]);
      assert.deepEqual(got, [3, 1, 2, 1], abi);
      assert.equal(r.summary.lat_mean_ns, 2000, abi);
      assert.equal(r.summary.done_mean_ns, 2500, abi);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

const STRICT = JSON.parse(
  Deno.readTextFileSync(
    new URL("../../../scenarios/strict-priority-starvation.json", import.meta.url),
  ),
);

function strictRun(abi: string, rate: number, replication: number) {
  const sc = structuredClone(STRICT);
  sc.groups[0].arrival.rate_per_s = rate;
  const scenario = parseScenario(sc, "strict");
  const r = executeRun(
    { index: 0, id: abi, scenario, abi, replication, seed: 1, point: 0, params: {} },
    (o) => createAbi(abi, o),
  );
  const low = r.groups.find((g) => g.group === "low")! as Record<string, number>;
  return { low, summary: r.summary as Record<string, number> };
}

Deno.test("as the high-priority load rises through overload, the low group's starvation never eases", () => {
  // strict-priority-starvation: 64 high ports at priority 2 beside 16 low at 10, one VCPU.
  // 400k events/s is below overload; from about 600k FIFO never reaches the low queue.
  const rates = [400000, 500000, 700000, 900000];
  for (const rep of [0, 1, 2]) {
    let prev: ReturnType<typeof strictRun> | null = null;
    for (const rate of rates) {
      const cur = strictRun("fifo", rate, rep);
      if (prev !== null) {
        const at = `replication ${rep}, ${rate} events/s`;
        assert.ok(cur.low.starved_events >= prev.low.starved_events, `starved fell at ${at}`);
        assert.ok(cur.low.max_wait_ns >= prev.low.max_wait_ns, `max wait fell at ${at}`);
        assert.ok(cur.low.max_stall_ns >= prev.low.max_stall_ns, `max stall fell at ${at}`);
        // Jain may drift up by rounding-level amounts once the low group gets nothing
        // (its censored waits are fixed); it must never rise by a visible amount.
        assert.ok(
          cur.summary.jain_latency <= prev.summary.jain_latency + 0.01,
          `fifo fairness rose at ${at}: ${prev.summary.jain_latency} -> ${cur.summary.jain_latency}`,
        );
      }
      prev = cur;
    }
  }
  // At the top of the sweep FIFO delivers nothing to the low group: it must read as starved
  // and unfair, never as perfect fairness.
  const top = strictRun("fifo", 900000, 0), twoL = strictRun("2l", 900000, 0);
  assert.equal(top.low.delivered, 0);
  assert.equal(top.low.delivered_fraction, 0);
  assert.ok(top.low.starved_events >= 0.9 * top.low.raised, `starved ${top.low.starved_events}`);
  assert.ok(top.summary.jain_latency < 0.5, `fifo jain ${top.summary.jain_latency}`);
  assert.ok(twoL.summary.jain_latency > 0.85, `2l jain ${twoL.summary.jain_latency}`);
});

Deno.test("a group starved from the start of measurement, past a warm-up, reads as starved", () => {
  // With a 5 ms warm-up most low ports are raised before measuring starts; FIFO never serves
  // them. Their instances are carried into the measurement and censored at the end.
  const { low } = strictRun("fifo", 900000, 1);
  const durationNs = STRICT.duration_ms * 1e6;
  assert.ok(low.max_wait_ns > durationNs, `max wait ${low.max_wait_ns}`);
  assert.ok(low.max_stall_ns >= durationNs - 1, `max stall ${low.max_stall_ns}`);
  assert.equal(low.pending_at_end, 16);
  assert.equal(low.raised, low.delivered + low.coalesced + low.pending_at_end + low.dropped);
});

Deno.test("a VCPU that never runs reports its ports starved", () => {
  const scenario = parseScenario({
    name: "dead",
    duration_ms: 20,
    warmup_ms: 2,
    starvation_ms: 1,
    guest: { vcpus: 1 },
    // It runs for at most 1 ns, then waits far longer than the run.
    vcpu_sched: {
      kind: "timeshare",
      run: { kind: "const", ns: 1 },
      wait: { kind: "const", ns: 1e12 },
    },
    groups: [
      {
        name: "net",
        ports: 8,
        arrival: { kind: "poisson", rate_per_s: 20000 },
        service: { kind: "const", ns: 1000 },
      },
    ],
  }, "dead");
  for (const abi of ["2l", "fifo"]) {
    const r = executeRun(
      { index: 0, id: abi, scenario, abi, replication: 0, seed: 7, point: 0, params: {} },
      (o) => createAbi(abi, o),
    );
    const s = r.summary as Record<string, number>;
    const g = r.groups[0] as Record<string, number>;
    assert.equal(s.delivered, 0);
    assert.equal(g.delivered_fraction, 0);
    assert.equal(s.pending_at_end, 8);
    // Every raise waited past 1 ms except those in the run's last millisecond.
    assert.ok(
      s.starved_events >= 0.85 * s.raised,
      `${abi} starved ${s.starved_events}/${s.raised}`,
    );
    assert.ok(s.max_wait_ns > 20e6 && s.max_stall_ns >= 20e6 - 1, `${abi} waits`);
    assert.equal(s.raised, s.delivered + s.coalesced + s.pending_at_end + s.dropped);
  }
});

Deno.test("an instance raised in the warm-up and served after it waits from its raise", () => {
  const m = layout(4);
  m.onRaise(2, 0, 7, 0, 0, 1); // a warm-up instance served in the warm-up
  m.onDispatch(2, 0, 7, 2, 2, 2);
  m.onRaise(1, 0, 7, 0, 0, 3); // raised at 3, still pending when measuring starts at 10
  m.startMeasuring(10);
  m.onDispatch(1, 0, 7, 40, 40, 45);
  const s = m.summary(1);
  assert.deepEqual([s.raised, s.delivered, s.lat_mean_ns, s.done_mean_ns], [1, 1, 37, 42]);
});

Deno.test("a raise coalescing into an instance that has waited exactly starvation_ms is not starved", () => {
  // The same threshold as a delivery: longer than starvation_ms starves, exactly it does not.
  const m = layout(4, ["g"], 1, 1000);
  m.measuring = true;
  m.onRaise(1, 0, 7, 0, 0, 0);
  m.onRaise(1, 0, 7, 0, 1, 1000); // coalesces after exactly the threshold
  assert.equal(m.starved, 0);
  m.onRaise(1, 0, 7, 0, 1, 1001); // one ns later
  assert.equal(m.starved, 1);
  assert.equal(m.gStarved[0], 1);
});
