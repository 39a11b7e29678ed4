// The findings' rules on hand-made rows (no simulation): effect sizes, thresholds, the reference
// point of a long sweep, the order of the findings outside the question, and where a finding
// stops holding under the cost vectors of a robustness check.
import assert from "node:assert/strict";
import { buildContext } from "../../reports/context.ts";
import { computeFindings, differenceMatters, PRACTICAL } from "../../reports/findings.ts";
import { assessRobustness, rhoSignificant, type RobustData } from "../../reports/robustness.ts";
import type { CsvRow } from "../../reports/csv.ts";
import type { ResultSet } from "../../reports/load.ts";

const e = (mean: number) => ({ mean, ci: 0, n: 5 });

function resultSet(summary: CsvRow[], answer: string[], params: string[] = []): ResultSet {
  return {
    dir: ".",
    manifest: { scenario: "s", command: "c", resolved: { answer }, params },
    summary,
    groups: [],
    priorities: [],
  };
}

Deno.test("a relative effect divides by the larger of the two means", () => {
  // |d| / max(|a|, |b|): 3.05 / 103.05 = 2.96%, below the 3% threshold, either way round;
  // dividing by the smaller mean (3.05%) would pass it.
  assert.equal(PRACTICAL.relative, 0.03);
  assert.equal(differenceMatters("lat_p99_ns", e(100), e(103.05), e(-3.05)), false);
  assert.equal(differenceMatters("lat_p99_ns", e(103.05), e(100), e(3.05)), false);
  // 3.1 / 103.1 = 3.007%: passes.
  assert.equal(differenceMatters("lat_p99_ns", e(100), e(103.1), e(-3.1)), true);
  assert.equal(differenceMatters("lat_p99_ns", e(103.1), e(100), e(3.1)), true);
});

Deno.test("shares and other indexes in [0, 1] are judged by the absolute threshold, not the relative one", () => {
  // 0.010 against 0.015 is 33% apart but only 0.005 apart: not a finding for an index.
  assert.equal(PRACTICAL.absolute, 0.01);
  for (const m of ["hardirq_share", "cpu_share", "delivered_fraction", "jain_latency"]) {
    assert.equal(differenceMatters(m, e(0.01), e(0.015), e(-0.005)), false, m);
    // 0.50 against 0.52 is only 3.8% apart relative, but 0.02 absolute: a finding.
    assert.equal(differenceMatters(m, e(0.5), e(0.52), e(-0.02)), true, m);
    // 0.90 against 0.905: 0.005 apart, below the absolute threshold.
    assert.equal(differenceMatters(m, e(0.9), e(0.905), e(-0.005)), false, m);
  }
});

Deno.test("the findings outside the question are ordered by decreasing effect", () => {
  // The question is shared_bytes; three other metrics differ between fifo and 2l by 10%, 50%
  // and 20% (with replication noise, so none is "the same in every run").
  const summary: CsvRow[] = [];
  for (let r = 0; r < 5; r++) {
    for (const abi of ["2l", "fifo"]) {
      const f = abi === "fifo";
      summary.push({
        abi,
        replication: r,
        shared_bytes: f ? 4096 : 1024,
        lat_p50_ns: (f ? 1100 : 1000) + 3 * r,
        lat_p90_ns: (f ? 1500 : 1000) + 5 * r,
        upcalls: (f ? 1200 : 1000) + 7 * r,
      });
    }
  }
  const { text } = computeFindings(buildContext(resultSet(summary, ["shared_bytes"])));
  const at = (label: RegExp) => text.findIndex((t) => label.test(t));
  const p90 = at(/p90 dispatch latency/), up = at(/upcalls/i), p50 = at(/median dispatch/);
  assert.ok(p90 > 0 && up > 0 && p50 > 0, text.join("\n"));
  assert.ok(p90 < up && up < p50, text.join("\n"));
});

Deno.test("in a sweep of more than 4 points, a parameter's effect is measured against the first point", () => {
  // Six points of p; the answer's p99 is 1 µs at p = 1, 2 µs at p = 2, 5 µs at p = 6. Only the
  // last point is compared, and with the first (the reference), not with its neighbour.
  const p99: Record<number, number> = { 1: 1000, 2: 2000, 3: 3000, 4: 3500, 5: 4000, 6: 5000 };
  const summary: CsvRow[] = [];
  for (let p = 1; p <= 6; p++) {
    for (let r = 0; r < 4; r++) {
      summary.push({ abi: "2l", replication: r, p, lat_p99_ns: p99[p] + 10 * r });
    }
  }
  const { findings } = computeFindings(buildContext(resultSet(summary, ["lat_p99_ns"], ["p"])));
  const param = findings.filter((f) => f.kind === "param" && f.significant);
  assert.equal(param.length, 1, findings.map((f) => f.text).join("\n"));
  assert.equal(param[0].a.mean, 5015);
  assert.equal(param[0].b.mean, 1015);
  assert.equal(param[0].direction, "higher");
});

Deno.test("a 'reverses when' threshold names the side on which the finding fails", () => {
  // fifo's p99 is 1 µs in every cost vector; 2l's rises with x, 20 ns per ns of x, crossing
  // fifo's at x = 50 (x = 80 in the base run: fifo lower). The finding holds above 50 and
  // reverses below it: its tag must say "< 50", the side where it fails.
  const rows = (x: number, extra: CsvRow = {}) => {
    const out: CsvRow[] = [];
    for (let r = 0; r < 4; r++) {
      out.push({ ...extra, abi: "2l", replication: r, lat_p99_ns: 1000 + 20 * (x - 50) + 3 * r });
      out.push({ ...extra, abi: "fifo", replication: r, lat_p99_ns: 1000 + r });
    }
    return out;
  };
  const ctx = buildContext(resultSet(rows(80), ["lat_p99_ns"]));
  const result = computeFindings(ctx);
  const xs = [5, 15, 25, 35, 45, 55, 65, 75, 85, 95];
  const data: RobustData = {
    design: {
      method: "latin-hypercube",
      vectors: xs.length,
      varied: [{ field: "bitmap_consume_ns", low: 0, high: 100 }],
      held: [],
      costs: xs.map((x) => ({ bitmap_consume_ns: x })),
    },
    summary: xs.flatMap((x, v) => rows(x, { cost_vector: v })),
    groups: [],
  };
  const r = assessRobustness(ctx, data, result);
  const f = r.findings.find((x) => x.checks[0]?.kind === "pair");
  assert.ok(f, result.text.join("\n"));
  assert.equal(f.holds, 5);
  assert.ok(f.threshold);
  assert.equal(f.threshold.holdsWhere, "above");
  assert.equal(f.threshold.reverses, true);
  assert.ok(Math.abs(f.threshold.value - 50) <= 1, `${f.threshold.value}`);
  assert.match(f.tag, /reverses when bitmap_consume_ns < (49|50)(\.\d+)? ns/);
});

Deno.test("a rank correlation is tested with n - 2 degrees of freedom", () => {
  // t = rho sqrt((n - 2) / (1 - rho^2)) against t(0.975, n - 2): at n = 10, t(0.975, 8) = 2.306,
  // so the critical rho is 2.306 / sqrt(8 + 2.306^2) = 0.6319 (with 9 degrees of freedom it
  // would be 0.6246).
  assert.equal(rhoSignificant(0.633, 10), true);
  assert.equal(rhoSignificant(-0.633, 10), true);
  assert.equal(rhoSignificant(0.630, 10), false);
  assert.equal(rhoSignificant(0.999, 3), true); // t = 22.3 > t(0.975, 1) = 12.7
  assert.equal(rhoSignificant(0.99, 3), false); // t = 7.0
  assert.equal(rhoSignificant(0.99, 2), false);
});

Deno.test("a group carrying less than 90% of the deliveries is compared on its own", () => {
  // `big` carries 60% of the deliveries and is 2x slower under fifo; `small` (40%) is the same.
  // Both are compared per group; a group with 90% or more would only repeat the whole-run figure.
  const summary: CsvRow[] = [], groups: CsvRow[] = [];
  for (let r = 0; r < 4; r++) {
    for (const abi of ["2l", "fifo"]) {
      const f = abi === "fifo";
      summary.push({ abi, replication: r, delivered: 1000, lat_p99_ns: 1500 + 3 * r });
      groups.push({
        abi,
        replication: r,
        group: "big",
        delivered: 600,
        lat_p99_ns: (f ? 2000 : 1000) + 5 * r,
      });
      groups.push({
        abi,
        replication: r,
        group: "small",
        delivered: 400,
        lat_p99_ns: 1000 + 7 * r,
      });
    }
  }
  const set = { ...resultSet(summary, ["lat_p99_ns"]), groups };
  const { findings } = computeFindings(buildContext(set));
  const big = findings.filter((f) => f.group === "big" && f.significant);
  assert.equal(big.length, 1, findings.map((f) => f.text).join("\n"));
  assert.equal(big[0].direction, "higher");
  assert.equal(findings.filter((f) => f.group === "small" && f.significant).length, 0);
});
