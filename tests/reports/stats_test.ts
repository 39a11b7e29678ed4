import assert from "node:assert/strict";
import { holm, pairedDiff, pValue } from "../../reports/stats.ts";

Deno.test("holm rejects step-down from the smallest p-value and stops at the first failure", () => {
  // m = 4: 0.001 <= 0.05/4, 0.012 <= 0.05/3, 0.03 > 0.05/2: stop; 0.04 is not rejected either.
  assert.deepEqual(holm([0.03, 0.001, 0.04, 0.012]), [false, true, false, true]);
  // The same p-values in another order give the same decisions for each.
  assert.deepEqual(holm([0.012, 0.04, 0.001, 0.03]), [true, false, true, false]);
  assert.deepEqual(holm([]), []);
  // Unknown p-values (NaN) are never rejected.
  assert.deepEqual(holm([NaN, 0.001]), [false, true]);
});

Deno.test("pValue: one replication never makes a difference significant", () => {
  assert.equal(pValue({ mean: 100, ci: NaN, n: 1 }), 1);
  const d = pairedDiff([{ replication: 0, x: 50 }], [{ replication: 0, x: 1 }], "x");
  assert.equal(d.p, 1);
});

Deno.test("pValue agrees with the 95% interval: p < 0.05 exactly when the interval excludes 0", () => {
  for (const [mean, ci] of [[1, 0.9], [1, 1.1], [-3, 2.9], [-3, 3.1]]) {
    const p = pValue({ mean, ci, n: 5 });
    assert.equal(p < 0.05, Math.abs(mean) > ci, `mean ${mean} ± ${ci}: p ${p}`);
  }
  // A constant non-zero difference has no sampling noise at all.
  assert.equal(pValue({ mean: 2, ci: 0, n: 4 }), 0);
});
