import assert from "node:assert/strict";
import { LatencyCounts, newHistogram } from "../../../sim/run/histogram.ts";
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
