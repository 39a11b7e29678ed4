// The Answer and the lines around it, on hand-made rows whose truth is known: each test is one
// of the misleading cases of the reports (a failed difference test read as "the same", a ratio
// of five digits, "± 0" from one histogram bucket, unmarked figures from a point where an ABI
// bound too few ports, a starved group never named, ...).
import assert from "node:assert/strict";
import type { CsvRow } from "../../reports/csv.ts";
import { buildContext, type ReportContext } from "../../reports/context.ts";
import {
  answerFacts,
  computeAnswer,
  decide,
  PRACTICAL_REPLICATIONS,
  settleWords,
} from "../../reports/answer.ts";
import { computeFindings, fmtMetric } from "../../reports/findings.ts";
import { fmtRatio } from "../../reports/format.ts";
import { buildText, caveats, headlineTable, PAGE } from "../../reports/text.ts";
import {
  fragileAnswers,
  fragileText,
  isFragile,
  type Robustness,
} from "../../reports/robustness.ts";
import { wrap } from "../../reports/text.ts";
import { parseScenario } from "../../sim/scenario/scenario.ts";

/** A context from rows and a resolved scenario (one grid parameter `p` when rows carry it). */
function ctxOf(
  summary: CsvRow[],
  resolved: Record<string, unknown>,
  groups: CsvRow[] = [],
  params: string[] = [],
): ReportContext {
  return buildContext({
    dir: ".",
    manifest: { scenario: "t", command: "deno task sim run t", resolved, params },
    summary,
    groups,
    priorities: [],
  });
}

/** Rows of ABIs `abis` over `reps` replications, `f(abi, r)` giving each row's metrics. */
function rows(abis: string[], reps: number, f: (abi: string, r: number) => CsvRow): CsvRow[] {
  return abis.flatMap((abi) =>
    Array.from(
      { length: reps },
      (_, r) => ({ scenario: "t", abi, replication: r, seed: r, ...f(abi, r) }),
    )
  );
}

Deno.test("a difference test that fails is not 'the same': TOST decides, else 'cannot tell'", () => {
  // Noisy: the means differ by 2% but the paired differences swing by ±30%.
  const noisy = rows(["2l", "fifo"], 5, (abi, r) => ({
    lat_p99_ns: abi === "2l" ? 1000 : 1020 + [-300, 300, -250, 250, 0][r],
  }));
  const a = computeAnswer(ctxOf(noisy, { answer: ["lat_p99_ns"] }));
  assert.equal(a.comparisons[0].verdict, "unknown");
  assert.ok((a.comparisons[0].needed ?? 0) > 5, `needed ${a.comparisons[0].needed}`);
  assert.match(a.sentences[0], /cannot tell at 5 replications; more than 1000 would be needed/);
  // Tight: within 1% every time, so both one-sided tests pass at ±3%.
  const tight = rows(["2l", "fifo"], 5, (abi, r) => ({
    lat_p99_ns: abi === "2l" ? 1000 + r : 1005 + r + (r % 2),
  }));
  const b = computeAnswer(ctxOf(tight, { answer: ["lat_p99_ns"] }));
  assert.equal(b.comparisons[0].verdict, "same");
  assert.match(b.sentences[0], /fifo the same as 2l within ±3%/);
});

Deno.test("decide: a significant difference under the practical threshold is not a difference", () => {
  const e = (mean: number, ci: number) => ({ mean, ci, n: 5 });
  assert.equal(decide("lat_p99_ns", e(100, 0), e(101, 0), e(-1, 0.1), true).verdict, "same");
  assert.equal(decide("lat_p99_ns", e(100, 0), e(150, 0), e(-50, 5), true).verdict, "lower");
  assert.equal(
    decide("jain_latency", e(0.9, 0), e(0.95, 0), e(-0.05, 0.01), true).verdict,
    "lower",
  );
});

Deno.test("the Answer looks where the question points: the timer group, not the whole run", () => {
  const summary = rows(
    ["2l", "fifo"],
    4,
    (abi, r) => ({ lat_p99_ns: abi === "2l" ? 4290 : 3780 + r }),
  );
  const groups = summary.flatMap((s) => [
    { ...s, group: "timer", lat_p99_ns: 2800 + Number(s.replication) },
    { ...s, group: "net", lat_p99_ns: s.lat_p99_ns },
  ]);
  const resolved = {
    question: { metrics: ["lat_p99_ns"], focus: ["timer"], comparison: "abis" },
    groups: [{ name: "timer" }, { name: "net" }],
  };
  const a = computeAnswer(ctxOf(summary, resolved, groups));
  assert.deepEqual(answerFacts(a).map((f) => [f.group, f.abi, f.verdict]), [[
    "timer",
    "fifo",
    "same",
  ]]);
  assert.match(a.sentences[0], /^p99 dispatch latency of group timer: fifo the same as 2l/);
});

Deno.test("a group that got none of its raises delivered is named as starved", () => {
  const summary = rows(["2l", "fifo"], 3, () => ({ lat_p99_ns: 1000 }));
  const groups = summary.flatMap((s) => [
    {
      ...s,
      group: "low",
      raised: 387,
      delivered: s.abi === "fifo" ? 0 : 387,
      starved_events: s.abi === "fifo" ? 387 : 0,
    },
    { ...s, group: "flood", raised: 1e6, delivered: 10, starved_events: 5 },
  ]);
  const resolved = {
    answer: ["lat_p99_ns"],
    starvation_ms: 1,
    groups: [{ name: "low" }, { name: "flood", attacker: true }],
  };
  const a = computeAnswer(ctxOf(summary, resolved, groups));
  assert.deepEqual(a.starved.map((s) => [s.group, s.abi, s.delivered]), [["low", "fifo", 0]]);
  assert.match(
    a.sentences.join(" "),
    /Group low starved under fifo: 0 of 387 raises delivered per run \(0%\), against 100% under 2l/,
  );
});

Deno.test("ratios from 100× on print two significant digits, and findings give the two values instead", () => {
  assert.equal(fmtRatio(21593), "about 22 000×");
  assert.equal(fmtRatio(10763), "about 11 000×");
  assert.equal(fmtRatio(15.2), "15×");
  const summary = rows(
    ["2l", "fifo"],
    3,
    (abi, r) => ({ lat_p99_ns: abi === "2l" ? 2790 + r : 59.8e6 + r * 1e4 }),
  );
  const text = computeFindings(ctxOf(summary, { answer: ["lat_p99_ns"] })).text.join("\n");
  assert.doesNotMatch(text, /\d{4,}×/);
  assert.match(text, /59\.8 ms ± [\d.]+ vs 2l 2\.79 µs ± [\d.]+ \(higher;/);
});

Deno.test("a quantile whose replications share one histogram bucket shows the bucket, not ± 0", () => {
  assert.equal(fmtMetric("lat_p99_ns", 4291, 0), "4.29 µs (4 ns bin)");
  assert.equal(fmtMetric("lat_p99_ns", 29835263, 0), "29.8 ms (16.4 µs bin)");
  assert.equal(fmtMetric("lat_p99_ns", 4291, 12), "4.29 µs ± 0.012");
  // A count that is the same in every run is exact: ± 0 stays.
  assert.equal(fmtMetric("starved_events", 0, 0), "0 ± 0");
});

Deno.test("table rows from a point where an ABI bound too few ports, carried little or delivered few are marked", () => {
  const summary = [256, 131071].flatMap((ports) =>
    rows(["2l", "fifo"], 3, (abi, r) => {
      const short = abi === "2l" && ports > 4095;
      return {
        "groups.0.ports": ports,
        ports_requested: ports,
        ports_bound: short ? 4095 : ports,
        bind_failures: short ? ports - 4095 : 0,
        raised: short ? 6 : 30000,
        unbound_raises: short ? 29994 : 0,
        delivered: short ? 6 : 30000,
        lat_p99_ns: 1000 + r,
      };
    })
  );
  const ctx = ctxOf(summary, { groups: [{ name: "io" }] }, [], ["groups.0.ports"]);
  const t = headlineTable(ctx, ["lat_p99_ns"]);
  assert.match(t, /131071\s+2l \*/);
  assert.doesNotMatch(t, /256\s+2l \*/);
  assert.match(
    t.replace(/\s+/g, " "),
    /\* 2l at io ports requested = 131071: bound 4095 of 131071 requested ports; carried 0\.02% of its offered load; delivered 6 events per run\./,
  );
  assert.deepEqual(
    caveats([{ ports_requested: 8, ports_bound: 8, raised: 500, delivered: 500 }]),
    [],
  );
});

Deno.test("a flood study's table keeps the victims' and the attacker's figures apart", () => {
  const summary = rows(["2l", "fifo"], 3, (_abi, r) => ({
    lat_p99_ns: 4e6,
    jain_latency: 0.985,
    starved_events: 0,
    victim_lat_p99_ns: 3500 + r,
    victim_done_p99_ns: 32000 + r,
    victim_cpu_share: 0.2,
    attacker_rate_per_s: 500,
    attacker_cpu_share: 0.0001,
  }));
  const md = buildText(ctxOf(summary, { answer: ["victim_done_p99_ns"] }), []);
  const table = md.slice(md.indexOf("Headline metrics"));
  assert.match(table, /victims' p99 done/);
  assert.match(table, /attacker events\/s/);
  assert.doesNotMatch(table, /Jain index|starved\/run/);
});

Deno.test("'identical in every run' only for values equal at every point; a design constant keeps its size", () => {
  // The median is constant within each point but not across points: a finding, not the line.
  const summary = [200000, 600000].flatMap((rate) =>
    rows(["2l", "fifo"], 3, (abi, r) => ({
      rate,
      lat_p99_ns: abi === "2l" ? 5000 + r : 4000 + r,
      lat_p50_ns: abi === "2l" ? (rate === 200000 ? 2780 : 2700) : 2790,
      hypercalls: abi === "2l" ? 1032 : 2067,
    }))
  );
  const text = computeFindings(ctxOf(summary, { answer: ["lat_p99_ns"] }, [], ["rate"])).text;
  const line = text.find((t) => t.startsWith("Identical in every run")) ?? "";
  assert.doesNotMatch(line, /median/);
  assert.match(line, /hypercalls per run 2067 vs 1032 \(2× higher\)/);
  assert.ok(!text.some((t) => /The same in every run/.test(t)));
});

Deno.test("the longest wait and the max dispatch latency, equal by definition, get one line", () => {
  const summary = rows(["2l", "fifo"], 3, (abi, r) => {
    const v = abi === "2l" ? 7170 + r * 10 : 6050 + r * 13;
    return { lat_p99_ns: 1000 + r, max_wait_ns: v, lat_max_ns: v };
  });
  const text = computeFindings(ctxOf(summary, { answer: ["lat_p99_ns"] })).text;
  assert.equal(text.filter((t) => /longest wait|max dispatch latency/.test(t)).length, 1);
  assert.ok(text.some((t) => t.startsWith("longest wait (= max dispatch latency)")));
});

Deno.test("a swept parameter's effect within an ABI is one sentence over its points", () => {
  const summary = [0, 30e6, 60e6].flatMap((w) =>
    rows(["2l"], 3, (_, r) => ({ "vcpu_sched.wait.ns": w, lat_p99_ns: 3000 + w + r * 7 }))
  );
  const ctx = ctxOf(summary, { answer: ["lat_p99_ns"] }, [], ["vcpu_sched.wait.ns"]);
  const text = computeFindings(ctx).text.filter((t) => t.startsWith("p99 dispatch latency of 2l"));
  assert.equal(text.length, 1);
  assert.match(
    text[0],
    /with wait between run slices = 30 ms .* with wait between run slices = 60 ms/,
  );
  const a = computeAnswer(ctx);
  assert.match(
    a.sentences[0],
    /from 3\.01 µs to 30 ms with wait between slices 30 ms \(higher; difference \+30 ms ± 0\) and 60 ms with wait between slices 60 ms \(higher; difference \+60 ms ± 0\)\.$/,
  );
});

Deno.test("a finding that holds in fewer than half of the cost vectors, or changes near the default, is fragile", () => {
  const design = {
    method: "latin-hypercube",
    vectors: 8,
    varied: [{ field: "upcall_ns", low: 300, high: 2400 }],
    held: [],
    costs: Array.from({ length: 8 }, (_, i) => ({ upcall_ns: 300 + i * 300 })),
  };
  assert.equal(isFragile({ holds: 1 }, design), true);
  assert.equal(isFragile({ holds: 8 }, design), false);
  const near = { field: "upcall_ns", value: 1000, holdsWhere: "below" as const, reverses: false };
  const edge = { ...near, value: 2300 };
  assert.equal(isFragile({ holds: 5, threshold: near }, design), true);
  assert.equal(isFragile({ holds: 7, threshold: edge }, design), false);
  const rob = {
    design,
    findings: [
      { text: "p99: fifo lower.", holds: 1, tag: "holds in 1 of 8 cost vectors" },
      { text: "overhead: fifo higher.", holds: 8, tag: "holds in 8 of 8 cost vectors" },
    ],
  } as unknown as Robustness;
  const lines = fragileText(rob, wrap).join("\n");
  assert.match(lines, /^Fragile findings/);
  assert.match(lines, /p99: fifo lower\. \[holds in 1 of 8 cost vectors\]/);
  assert.doesNotMatch(lines, /overhead/);
});

Deno.test("report.md stays within 78 columns with group names as long as the schema accepts", () => {
  const long = "a".repeat(24), other = "b".repeat(24);
  const summary = [1, 2].flatMap((x) =>
    [10, 20].flatMap((y) =>
      rows(["2l", "fifo:lowest-first"], 3, (abi, r) => ({
        "groups.0.arrival.rate_per_s": x * 1e5,
        "groups.1.arrival.rate_per_s": y * 1e5,
        lat_p99_ns: (abi === "2l" ? 5000 : 90000) * x + r,
        lat_mean_ns: 1000 + r,
        victim_cpu_share: 0.2,
      }))
    )
  );
  const groups = summary.flatMap((s) => [
    { ...s, group: long, lat_p99_ns: Number(s.lat_p99_ns) + 1 },
    { ...s, group: other, lat_p99_ns: Number(s.lat_p99_ns) * 2 },
  ]);
  const resolved = {
    name: "t",
    description: `Does ${long} keep up beside ${other}?`,
    question: { metrics: ["lat_p99_ns"], focus: [long, "all"], comparison: "abis" },
    groups: [{ name: long }, { name: other }],
  };
  const ctx = ctxOf(summary, resolved, groups, [
    "groups.0.arrival.rate_per_s",
    "groups.1.arrival.rate_per_s",
  ]);
  const md = buildText(ctx, computeFindings(ctx).text);
  for (const [i, l] of md.split("\n").entries()) {
    assert.ok([...l].length <= PAGE, `line ${i + 1} (${[...l].length}): ${l}`);
  }
  assert.ok(md.includes(long));
});

Deno.test("the schema caps group names and checks the question's focus", () => {
  const g = (name: string) => ({
    name,
    ports: 1,
    vcpu: 0,
    arrival: { kind: "periodic", period_us: 100 },
    service: { kind: "const", ns: 100 },
  });
  assert.doesNotThrow(() => parseScenario({ name: "x", groups: [g("a".repeat(24))] }, "x"));
  assert.throws(
    () => parseScenario({ name: "x", groups: [g("a".repeat(25))] }, "x"),
    /groups\.0\.name/,
  );
  const q = (focus: string[]) =>
    parseScenario(
      { name: "x", groups: [g("net")], question: { metrics: ["lat_p99_ns"], focus } },
      "x",
    );
  assert.equal(q(["net", "victims", "all"]).question?.comparison, "abis");
  assert.throws(() => q(["timer"]), /question\.focus\.0/);
});

Deno.test("the Answer says so when its own comparison does not hold across the cost vectors", () => {
  const base = rows(
    ["2l", "fifo"],
    3,
    (abi, r) => ({ lat_p99_ns: abi === "2l" ? 5000 + r : 4000 + r }),
  );
  const ctx = ctxOf(base, { answer: ["lat_p99_ns"] });
  // fifo is lower only in vector 0; in vectors 1 to 3 it is higher.
  const summary = [0, 1, 2, 3].flatMap((v) =>
    rows(["2l", "fifo"], 3, (abi, r) => ({
      cost_vector: v,
      lat_p99_ns: abi === "2l" ? 5000 + r : (v === 0 ? 4000 : 6000) + r,
    }))
  );
  const design = {
    method: "latin-hypercube",
    vectors: 4,
    varied: [{ field: "upcall_ns", low: 100, high: 900 }],
    held: [],
    costs: [100, 300, 500, 700].map((x) => ({ upcall_ns: x })),
  };
  const first = computeAnswer(ctx);
  assert.equal(first.comparisons[0].verdict, "lower");
  const weak = fragileAnswers(ctx, { design, summary, groups: [] }, first.comparisons);
  assert.equal(weak.size, 1);
  const again = computeAnswer(ctx, weak);
  assert.match(
    again.sentences.at(-1) ?? "",
    /^Fragile: the answer on p99 dispatch latency of fifo/,
  );
  assert.doesNotMatch(first.sentences.join(" "), /Fragile/);
});

Deno.test("an impractical replication estimate reads as one, not as a figure", () => {
  assert.equal(settleWords(12), "; about 12 would settle it");
  assert.match(settleWords(PRACTICAL_REPLICATIONS + 1), /more than 1000 would be needed/);
  assert.match(settleWords(800579, true), /would be needed at some, where the difference lies/);
  // Said without parentheses: the words go inside the Answer's own.
  assert.doesNotMatch(settleWords(800579, true) + settleWords(800579), /[()]/);
  assert.equal(settleWords(undefined), "");
});
