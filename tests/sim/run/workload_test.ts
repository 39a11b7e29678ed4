import assert from "node:assert/strict";
import jstat from "jstat";
import { Engine } from "../../../sim/engine/engine.ts";
import { EV_ARRIVAL } from "../../../sim/run/events.ts";
import { InputError } from "../../../sim/io/errors.ts";
import type { Tracer } from "../../../sim/run/guest.ts";
import { executeRun, type Run } from "../../../sim/run/run.ts";
import { parseScenario, type Scenario } from "../../../sim/scenario/scenario.ts";
import { Workload, zipfCdf } from "../../../sim/run/workload.ts";
import { parseTrace } from "../../../sim/scenario/trace_file.ts";
import { createAbi } from "../../../models/registry.ts";

// Statistical checks use fixed seeds and 99.9% Student-t intervals over batch means:
// a correct implementation fails one of them about once in a thousand seeds, never by chance
// at the seeds fixed here.

/** Half-width of the 99.9% Student-t interval of the mean of `xs` (batch means). */
function ci999(xs: readonly number[]): { mean: number; half: number } {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  const sd = Math.sqrt(ss / (n - 1));
  return { mean, half: jstat.studentt.inv(0.9995, n - 1) * sd / Math.sqrt(n) };
}

/** Means of `batches` consecutive equal batches of `xs`. */
function batchMeans(xs: ArrayLike<number>, batches: number): number[] {
  const size = Math.floor(xs.length / batches);
  const out: number[] = [];
  for (let b = 0; b < batches; b++) {
    let s = 0;
    for (let i = b * size; i < (b + 1) * size; i++) s += xs[i];
    out.push(s / size);
  }
  return out;
}

function assertInCi(xs: readonly number[], expected: number, what: string): void {
  const { mean, half } = ci999(xs);
  assert.ok(
    Math.abs(mean - expected) <= half,
    `${what}: expected ${expected} inside ${mean} ± ${half} (99.9% CI)`,
  );
}

function scenario(groups: unknown[], extra: Record<string, unknown> = {}): Scenario {
  return parseScenario({ name: "w", warmup_ms: 0, ...extra, groups }, "workload_test");
}

/** Ports 1..n of each group in order, as setupDomain lays them out when every bind succeeds. */
function layout(counts: number[]) {
  const total = counts.reduce((a, b) => a + b, 0);
  const portGroup = new Int32Array(total + 1).fill(-1);
  const groupPorts: Int32Array[] = [];
  let next = 1;
  counts.forEach((n, g) => {
    const ports = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ports[i] = next;
      portGroup[next++] = g;
    }
    groupPorts.push(ports);
  });
  return { groupPorts, groupRequested: counts, portGroup };
}

/** Drive a Workload alone for `untilNs`; returns the arrival times and ports it produced. */
function arrivals(s: Scenario, counts: number[], untilNs: number, replication = 0) {
  const e = new Engine();
  const w = new Workload(s, layout(counts), e, replication);
  const time: number[] = [], port: number[] = [];
  w.start();
  e.run(untilNs, {
    handle(kind, a) {
      assert.equal(kind, EV_ARRIVAL);
      const p = w.fire(a);
      time.push(e.now);
      port.push(p);
    },
  });
  return { time, port, workload: w };
}

function gaps(times: readonly number[]): Float64Array {
  const g = new Float64Array(times.length - 1);
  for (let i = 1; i < times.length; i++) g[i - 1] = times[i] - times[i - 1];
  return g;
}

Deno.test("poisson arrivals have the configured rate and mean inter-arrival time", () => {
  const rate = 200000; // per s
  const s = scenario([{
    name: "net",
    ports: 64,
    arrival: { kind: "poisson", rate_per_s: rate },
    service: { kind: "const", ns: 1 },
  }], { seed: 11 });
  const T = 1e9; // 1 s: 200000 arrivals
  const { time, port } = arrivals(s, [64], T);
  // The count of a Poisson process over T has variance rate*T: 99.9% two-sided is 3.29 sd.
  const expected = rate * T / 1e9;
  assert.ok(
    Math.abs(time.length - expected) <= 3.29 * Math.sqrt(expected),
    `count ${time.length}, expected ${expected}`,
  );
  assertInCi(batchMeans(gaps(time), 50), 1e9 / rate, "mean inter-arrival (ns)");
  // Inter-arrivals are exponential: their coefficient of variation is 1.
  const g = gaps(time);
  const sq = batchMeans(g.map((x) => x * x), 50);
  assertInCi(sq, 2 * (1e9 / rate) ** 2, "second moment of inter-arrival (ns^2)");
  // Even popularity: every port gets arrivals; each port's share is 1/64.
  const perPort = new Map<number, number>();
  for (const p of port) perPort.set(p, (perPort.get(p) ?? 0) + 1);
  assert.equal(perPort.size, 64);
  const share = time.length / 64;
  for (const [p, c] of perPort) {
    const sd = Math.sqrt(time.length * (1 / 64) * (63 / 64));
    assert.ok(Math.abs(c - share) <= 4 * sd, `port ${p}: ${c} arrivals, expected ${share}`);
  }
});

Deno.test("periodic arrivals with jitter keep the per-port period on average", () => {
  const period = 100; // us
  const jitter = 40; // us
  const s = scenario([{
    name: "tick",
    ports: 8,
    arrival: { kind: "periodic", period_us: period, jitter_us: jitter },
    service: { kind: "const", ns: 1 },
  }], { seed: 5 });
  const T = 400e6; // 400 ms: 4000 periods per port
  const { time, port } = arrivals(s, [8], T);
  // Each port fires every period ± uniform jitter: per port, T/period arrivals, up to the random
  // phase (< 1 period) and the drift of a sum of jitters (sd jitter*sqrt(k/3), k = 4000).
  const k = T / (period * 1e3);
  const slack = 1 + 3.29 * (jitter / period) * Math.sqrt(k / 3);
  for (let p = 1; p <= 8; p++) {
    const mine = time.filter((_, i) => port[i] === p);
    assert.ok(Math.abs(mine.length - k) <= slack, `port ${p}: ${mine.length} arrivals in ${k}`);
    const g = gaps(mine);
    // gaps are period + U(-jitter, jitter): mean period, variance jitter^2/3, independent.
    assertInCi(batchMeans(g, 40), period * 1e3, `port ${p} mean inter-arrival (ns)`);
    const min = Math.min(...g), max = Math.max(...g);
    assert.ok(min >= (period - jitter) * 1e3 - 1e-6 && max <= (period + jitter) * 1e3 + 1e-6);
  }
});

Deno.test("periodic arrivals without jitter are exactly one period apart", () => {
  const s = scenario([{
    name: "tick",
    ports: 2,
    arrival: { kind: "periodic", period_us: 1000 },
    service: { kind: "const", ns: 1 },
  }]);
  const { time, port } = arrivals(s, [2], 20e6);
  for (const p of [1, 2]) {
    const g = gaps(time.filter((_, i) => port[i] === p));
    assert.ok(g.length >= 19);
    for (const x of g) assert.ok(Math.abs(x - 1e6) < 1e-6, `gap ${x}`);
  }
});

Deno.test("on-off arrivals have the long-run rate (on_rate*on_ms + off_rate*off_ms)/(on_ms+off_ms)", () => {
  const a = { on_rate_per_s: 400000, off_rate_per_s: 20000, on_ms: 0.5, off_ms: 1.5 };
  const s = scenario([{
    name: "burst",
    ports: 32,
    arrival: { kind: "onoff", ...a },
    service: { kind: "const", ns: 1 },
  }], { seed: 3 });
  const expected = (a.on_rate_per_s * a.on_ms + a.off_rate_per_s * a.off_ms) / (a.on_ms + a.off_ms);
  const T = 2e9; // 2 s: 1000 on/off cycles of 2 ms on average
  const { time, workload } = arrivals(s, [32], T);
  assert.equal(workload.expectedRate(0), expected);
  // Arrivals are bursty and correlated inside a cycle, so batch by time: 40 windows of 50 ms
  // (25 cycles each) give nearly independent rate estimates.
  const windows = 40, w = T / windows;
  const counts = new Array(windows).fill(0);
  for (const t of time) counts[Math.min(windows - 1, Math.floor(t / w))]++;
  assertInCi(counts.map((c) => c / (w / 1e9)), expected, "on-off rate (events/s)");
  // The mean inter-arrival is the reciprocal of the long-run rate.
  const meanGap = (time[time.length - 1] - time[0]) / (time.length - 1);
  const rel = Math.abs(meanGap - 1e9 / expected) / (1e9 / expected);
  const { half, mean } = ci999(counts);
  assert.ok(rel <= half / mean, `mean inter-arrival ${meanGap} ns, expected ${1e9 / expected}`);
  // Bursty: the squared coefficient of variation of inter-arrivals is well above Poisson's 1.
  const g = gaps(time);
  const m1 = g.reduce((x, y) => x + y, 0) / g.length;
  const m2 = g.reduce((x, y) => x + y * y, 0) / g.length;
  assert.ok((m2 - m1 * m1) / (m1 * m1) > 1.5);
});

Deno.test("zipf popularity sends each port its Zipf share of a group's arrivals", () => {
  const n = 16, exponent = 1.2;
  const s = scenario([{
    name: "hot",
    ports: n,
    arrival: { kind: "poisson", rate_per_s: 1e6 },
    popularity: { kind: "zipf", s: exponent },
    service: { kind: "const", ns: 1 },
  }], { seed: 9 });
  const { port } = arrivals(s, [n], 200e6); // 200000 arrivals
  const N = port.length;
  const counts = new Array(n + 1).fill(0);
  for (const p of port) counts[p]++;
  const cdf = zipfCdf(n, exponent);
  let chi2 = 0;
  for (let r = 0; r < n; r++) {
    const p = cdf[r] - (r > 0 ? cdf[r - 1] : 0);
    const expectedShare = 1 / Math.pow(r + 1, exponent) /
      Array.from({ length: n }, (_, i) => 1 / Math.pow(i + 1, exponent)).reduce((a, b) => a + b);
    assert.ok(Math.abs(p - expectedShare) < 1e-12);
    const c = counts[r + 1];
    // each rank's count is binomial(N, p): 99.9% two-sided bound
    const sd = Math.sqrt(N * p * (1 - p));
    assert.ok(Math.abs(c - N * p) <= 3.29 * sd + 1, `rank ${r + 1}: ${c}, expected ${N * p}`);
    chi2 += (c - N * p) ** 2 / (N * p);
  }
  assert.ok(chi2 <= jstat.chisquare.inv(0.999, n - 1), `chi-square ${chi2}`);
  assert.ok(counts[1] > counts[2] && counts[2] > counts[4] && counts[4] > counts[16]);
});

Deno.test("each service kind has its configured mean", () => {
  const kinds: [string, Record<string, unknown>, number][] = [
    ["const", { kind: "const", ns: 1500 }, 1500],
    ["exp", { kind: "exp", mean_ns: 2000 }, 2000],
    ["uniform", { kind: "uniform", min_ns: 1000, max_ns: 5000 }, 3000],
    ["lognormal", { kind: "lognormal", mean_ns: 2500, sigma: 0.8 }, 2500],
    ["pareto", { kind: "pareto", min_ns: 1000, alpha: 3 }, 1500], // alpha*min/(alpha-1)
  ];
  const s = scenario(
    kinds.map(([name, service]) => ({
      name,
      ports: 1,
      arrival: { kind: "poisson", rate_per_s: 1000 },
      service,
    })),
    { seed: 21 },
  );
  const e = new Engine();
  const w = new Workload(s, layout(kinds.map(() => 1)), e, 0);
  kinds.forEach(([name, , mean], g) => {
    const xs = new Float64Array(100000);
    for (let i = 0; i < xs.length; i++) xs[i] = w.serviceTime(g);
    assert.ok(xs.every((x) => x >= 0), `${name}: non-negative`);
    if (name === "const") {
      assert.ok(xs.every((x) => x === 1500));
      return;
    }
    assertInCi(batchMeans(xs, 50), mean, `${name} service mean (ns)`);
  });
});

Deno.test("service times of the same group and replication repeat exactly", () => {
  const s = scenario([{
    name: "g",
    ports: 1,
    arrival: { kind: "poisson", rate_per_s: 1000 },
    service: { kind: "exp", mean_ns: 1000 },
  }]);
  const draw = (rep: number) => {
    const w = new Workload(s, layout([1]), new Engine(), rep);
    return Array.from({ length: 10 }, () => w.serviceTime(0));
  };
  assert.deepEqual(draw(0), draw(0));
  assert.notDeepEqual(draw(0), draw(1));
});

// ---------------------------------------------------------------- trace replay and CRN

/** A Tracer that records raises only. */
class RaiseRecorder implements Tracer {
  readonly times: number[] = [];
  readonly ports: number[] = [];
  raise(t: number, port: number): void {
    this.times.push(t);
    this.ports.push(port);
  }
  upcall(): void {}
  handler(): void {}
  descheduled(): void {}
}

function run(s: Scenario, abi: string, replication = 0): Run {
  return { index: 0, id: "t", scenario: s, abi, replication, seed: s.seed, point: 0, params: {} };
}

function recordRaises(s: Scenario, abi: string, replication = 0): RaiseRecorder {
  const rec = new RaiseRecorder();
  executeRun(run(s, abi, replication), (o) => createAbi(abi, o), { tracer: rec });
  return rec;
}

Deno.test("trace replay raises exactly the trace's ports at the trace's times", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const lines = ["time_ns,port"];
    const want: [number, number][] = [];
    // 200 raises on ports 1..8, some at equal times, spread over 2 ms.
    for (let i = 0; i < 200; i++) {
      const t = Math.floor(i / 2) * 20000 + 123;
      const p = 1 + ((i * 5) % 8);
      want.push([t, p]);
      lines.push(`${t},${p}`);
    }
    const file = `${dir}/trace.csv`;
    Deno.writeTextFileSync(file, lines.join("\n") + "\n");
    const s = parseScenario({
      name: "replay",
      duration_ms: 3,
      warmup_ms: 0,
      guest: { vcpus: 1 },
      groups: [{
        name: "net",
        ports: 8,
        vcpu: 0,
        arrival: { kind: "trace", file },
        service: { kind: "const", ns: 500 },
      }],
    }, "replay");
    for (const abi of ["2l", "fifo"]) {
      const rec = recordRaises(s, abi);
      assert.deepEqual(rec.times, want.map(([t]) => t), `${abi}: raise times`);
      assert.deepEqual(rec.ports, want.map(([, p]) => p), `${abi}: raise ports`);
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a trace in group,index form replays into the named group's ports", () => {
  const t = parseTrace("0,b,1\n10,a,0\n10,b,0\n", "t.csv", ["a", "b"]);
  assert.deepEqual(Array.from(t.time), [0, 10, 10]);
  assert.deepEqual(Array.from(t.group), [1, 0, 1]);
  assert.deepEqual(Array.from(t.target), [1, 0, 0]);
});

Deno.test("a bad trace line gives an InputError naming the file and the line number", () => {
  const cases: [string, RegExp][] = [
    ["time_ns,port\n100,3\n200,x\n", /t\.csv: line 3: expected port/],
    ["100,3\n50,4\n", /t\.csv: line 2: expected times in non-decreasing order/],
    ["100,3\n-5,4\n", /t\.csv: line 2: expected time_ns to be a number >= 0/],
    ["100,3\n200,4\n300\n", /t\.csv: line 3: expected 'time_ns,port' or/],
    ["100,3\n200,nosuch,0\n", /t\.csv: line 2: expected a group name/],
    ["100,0\n", /t\.csv: line 1: expected port to be an integer >= 1/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseTrace(text, "t.csv", ["net"]), (e: unknown) => {
      assert.ok(e instanceof InputError, `${JSON.stringify(text)}: an InputError`);
      assert.match((e as Error).message, re);
      return true;
    });
  }
});

Deno.test("a missing trace file gives an InputError naming the file when the scenario is validated", () => {
  assert.throws(
    () =>
      parseScenario({
        name: "replay",
        duration_ms: 1,
        groups: [{
          name: "net",
          ports: 1,
          arrival: { kind: "trace", file: "/nonexistent/evtchn-trace.csv" },
          service: { kind: "const", ns: 1 },
        }],
      }, "replay"),
    /^InputError: replay: groups\.0\.arrival\.file: '\/nonexistent\/evtchn-trace\.csv' not found: no file \/nonexistent\/evtchn-trace\.csv \(a trace file\)$/,
  );
});

Deno.test("two ABIs in the same replication see identical raise sequences", () => {
  const s = parseScenario({
    name: "crn",
    duration_ms: 4,
    warmup_ms: 1,
    seed: 17,
    guest: { vcpus: 2 },
    groups: [
      {
        name: "timer",
        ports: 1,
        vcpu: "each",
        timer: true,
        arrival: { kind: "periodic", period_us: 100, jitter_us: 20 },
        service: { kind: "const", ns: 1500 },
      },
      {
        name: "net",
        ports: 128,
        arrival: { kind: "poisson", rate_per_s: 300000 },
        popularity: { kind: "zipf", s: 1 },
        service: { kind: "exp", mean_ns: 2000 },
      },
      {
        name: "disk",
        ports: 16,
        priority: 9,
        arrival: { kind: "onoff", on_rate_per_s: 200000, on_ms: 0.2, off_ms: 0.5 },
        service: { kind: "lognormal", mean_ns: 3000, sigma: 0.5 },
      },
    ],
  }, "crn");
  const base = recordRaises(s, "2l", 1);
  assert.ok(base.times.length > 1000);
  for (const abi of ["3l", "fifo", "fifo:drain"]) {
    const other = recordRaises(s, abi, 1);
    assert.deepEqual(other.times, base.times, `${abi}: raise times`);
    assert.deepEqual(other.ports, base.ports, `${abi}: raise ports`);
  }
  // Another replication draws other numbers.
  assert.notDeepEqual(recordRaises(s, "2l", 2).times, base.times);
});

Deno.test({
  name: "a bad trace line after a blank line is reported with its line number in the file",
  fn() {
    assert.throws(
      () => parseTrace("100,3\n\n200,x\n", "t.csv", ["net"]),
      /t\.csv: line 3: expected port/,
    );
  },
});
