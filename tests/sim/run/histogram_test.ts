import assert from "node:assert/strict";
import { LatencyCounts, type LatencyStats, newHistogram } from "../../../sim/run/histogram.ts";
import { RandomStream } from "../../../sim/engine/random.ts";

Deno.test("latency counts give the quantiles of an HDR histogram fed the same values", () => {
  const r = RandomStream.derive(3, 0, "histogram");
  const counts = new LatencyCounts();
  const direct = newHistogram();
  for (let i = 0; i < 50000; i++) {
    // Spread over 9 decades, beyond 2^32 ns too.
    const v = Math.round(Math.exp(r.uniform() * Math.log(2e10)));
    counts.record(v);
    direct.recordValue(v);
  }
  const h = counts.toHdr();
  assert.equal(h.totalCount, direct.totalCount);
  assert.equal(h.maxValue, direct.maxValue);
  for (const q of [1, 10, 50, 90, 99, 99.9, 99.99]) {
    assert.equal(h.getValueAtPercentile(q), direct.getValueAtPercentile(q), `p${q}`);
  }
  assert.equal(h.mean, direct.mean);
});

Deno.test("latency counts add up and keep the exact maximum", () => {
  const a = new LatencyCounts(), b = new LatencyCounts();
  a.record(5);
  a.record(123456);
  b.record(7);
  b.record(9e9);
  a.add(b);
  const h = a.toHdr();
  assert.equal(h.totalCount, 4);
  assert.equal(h.maxValue, 9e9);
  assert.equal(h.minNonZeroValue, 5);
});

/** Every statistic the CSVs carry, from `s`. */
function stats(s: LatencyStats): number[] {
  const qs = [0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100];
  return [s.totalCount, s.maxValue, s.mean, ...qs.map((q) => s.getValueAtPercentile(q))];
}

Deno.test("quantiles, maximum and mean from the counts equal hdr-histogram-js's on the same values", () => {
  const r = RandomStream.derive(5, 0, "histogram-stats");
  // Many shapes: tiny counts, point masses, values on bucket edges, 9 decades, beyond 2^32.
  const shapes: ((i: number) => number)[] = [
    () => Math.round(Math.exp(r.uniform() * Math.log(2e10))),
    () => Math.round(-Math.log(1 - r.uniform()) * 1500),
    () => 2048 * 2 ** r.int(20) - r.int(2),
    () => 1000,
    (i) => i % 2 === 0 ? 0 : 3e9 + r.int(1e6),
  ];
  for (const [k, draw] of shapes.entries()) {
    for (const n of [1, 2, 3, 7, 1000, 20000]) {
      const counts = new LatencyCounts();
      const direct = newHistogram();
      for (let i = 0; i < n; i++) {
        const v = draw(i);
        counts.record(v);
        direct.recordValue(v);
      }
      assert.deepEqual(stats(counts), stats(direct), `shape ${k}, ${n} values`);
    }
  }
});

Deno.test("a sum of counts has the statistics of one HDR histogram fed every part's values", () => {
  const r = RandomStream.derive(6, 0, "histogram-sum");
  const parts = [new LatencyCounts(), new LatencyCounts(), new LatencyCounts()];
  const direct = newHistogram();
  parts.forEach((p, k) => {
    for (let i = 0; i < 5000 * (k + 1); i++) {
      const v = Math.round(-Math.log(1 - r.uniform()) * 10 ** (k + 2));
      p.record(v);
      direct.recordValue(v);
    }
  });
  assert.deepEqual(stats(LatencyCounts.sum(parts)), stats(direct));
  assert.deepEqual(stats(LatencyCounts.sum([parts[1]])), stats(parts[1].toHdr()));
});

Deno.test("empty counts report zeros like an empty HDR histogram", () => {
  assert.deepEqual(stats(new LatencyCounts(0)), stats(newHistogram()));
});
