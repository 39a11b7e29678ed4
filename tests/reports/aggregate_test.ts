import assert from "node:assert/strict";
import { aggregateRows, ciTargetMet, meanCi, t95 } from "../../reports/aggregate.ts";
import { RandomStream } from "../../sim/engine/random.ts";
import { shuffled } from "./fixture.ts";

Deno.test("meanCi gives the Student-t half-width of a known sample", () => {
  // mean 2, sd 1, n 3: half = t(0.975, 2) * 1 / sqrt(3) = 4.3027 / 1.7321
  const ci = meanCi([1, 2, 3]);
  assert.equal(ci.mean, 2);
  assert.ok(Math.abs(ci.half - 4.302653 / Math.sqrt(3)) < 1e-5);
  assert.ok(Number.isNaN(meanCi([5]).half));
  assert.ok(Math.abs(t95(31) - 2.042272) < 1e-5);
});

Deno.test("aggregate pairs each ABI with the baseline by replication", () => {
  const rows = [0, 1, 2, 3].flatMap((r) => [
    { scenario: "s", abi: "2l", replication: r, seed: r, x: 100 + 10 * r },
    { scenario: "s", abi: "fifo", replication: r, seed: r, x: 90 + 10 * r + (r % 2) },
  ]);
  const agg = aggregateRows(rows, [], "2l");
  assert.equal(agg.length, 2);
  const fifo = agg.find((r) => r.abi === "fifo")!;
  assert.equal(fifo.n, 4);
  assert.equal(fifo.x_mean, 105.5);
  assert.equal(fifo.x_diff, -9.5);
  // Paired differences are -10, -9, -10, -9: far tighter than the unpaired spread.
  assert.ok((fifo.x_diff_ci95 as number) < (fifo.x_ci95 as number) / 10);
  const base = agg.find((r) => r.abi === "2l")!;
  assert.equal(base.x_diff, 0);
});

Deno.test("aggregate keeps one row per grid point and ABI with the parameter columns", () => {
  const rows = [1, 2].flatMap((p) =>
    [0, 1].flatMap((r) => [{ scenario: "s", abi: "fifo", replication: r, seed: 0, load: p, y: p }])
  );
  const agg = aggregateRows(rows, ["load"], "fifo");
  assert.deepEqual(agg.map((r) => [r.load, r.y_mean]), [[1, 1], [2, 2]]);
});

Deno.test("ciTargetMet compares the half-width with a fraction of the mean", () => {
  assert.equal(ciTargetMet([{ m_mean: 100, m_ci95: 6 }], 0.05, ["m"]), false);
  assert.equal(ciTargetMet([{ m_mean: 100, m_ci95: 4 }], 0.05, ["m"]), true);
});

Deno.test("the 95% interval covers the true mean about 95% of the time", () => {
  const r = RandomStream.derive(7, 0, "coverage-normal");
  let covered = 0;
  const trials = 2000;
  for (let k = 0; k < trials; k++) {
    const xs = Array.from({ length: 5 }, () => 10 + 2 * r.normal());
    const ci = meanCi(xs);
    if (Math.abs(ci.mean - 10) <= ci.half) covered++;
  }
  // Binomial(2000, 0.95): sd = 0.00487; 99.9% band = 0.95 +- 3.29 sd.
  const p = covered / trials;
  assert.ok(Math.abs(p - 0.95) <= 3.29 * Math.sqrt(0.95 * 0.05 / trials), `coverage ${p}`);
});

Deno.test("aggregate gives the same means and paired differences for shuffled rows", () => {
  // Values swing with the replication; fifo is always 7 below 2l at the same replication.
  const rows = [0, 1, 2, 3, 4].flatMap((r) =>
    [100, 200].flatMap((load) => [
      { scenario: "s", abi: "2l", replication: r, seed: r, load, x: load * (r + 1) ** 2 },
      { scenario: "s", abi: "fifo", replication: r, seed: r, load, x: load * (r + 1) ** 2 - 7 },
    ])
  );
  const key = (r: Record<string, unknown>) => `${r.load}/${r.abi}`;
  const sorted = (agg: Record<string, unknown>[]) =>
    [...agg].sort((p, q) => key(p).localeCompare(key(q)));
  const want = sorted(aggregateRows(rows, ["load"], "2l"));
  for (const row of want.filter((r) => r.abi === "fifo")) {
    assert.equal(row.x_diff, -7);
    assert.equal(row.x_diff_ci95, 0);
  }
  for (let k = 0; k < 3; k++) {
    const xs = shuffled(rows, `aggregate${k}`);
    assert.deepEqual(sorted(aggregateRows(xs, ["load"], "2l")), want, `shuffle ${k}`);
  }
});

Deno.test("one replication has an unknown half-width and never meets a CI target", () => {
  const one = [
    { scenario: "s", abi: "2l", replication: 0, seed: 0, lat_mean_ns: 100, lat_p99_ns: 900 },
    { scenario: "s", abi: "fifo", replication: 0, seed: 0, lat_mean_ns: 100, lat_p99_ns: 900 },
  ];
  const agg = aggregateRows(one, [], "2l");
  assert.equal(agg[1].lat_mean_ns_ci95, "");
  assert.equal(ciTargetMet(agg, 0.99, ["lat_mean_ns", "lat_p99_ns"]), false);
  // Two equal replications: a known half-width of 0 meets any target.
  const two = [...one, ...one.map((r) => ({ ...r, replication: 1 }))];
  assert.equal(
    ciTargetMet(aggregateRows(two, [], "2l"), 0.01, ["lat_mean_ns", "lat_p99_ns"]),
    true,
  );
});
