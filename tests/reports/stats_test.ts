import assert from "node:assert/strict";
import { holm, pairedDiff, pValue, summarize } from "../../reports/stats.ts";
import type { CsvRow } from "../../reports/csv.ts";
import { shuffled } from "./fixture.ts";

/**
 * Two ABIs over 6 replications whose values swing widely with the replication (common random
 * numbers), while `a` is always 3 above `b` plus a small per-replication wobble.
 */
function rows(abi: string, offset: number): CsvRow[] {
  return [0, 1, 2, 3, 4, 5].map((r) => ({
    scenario: "s",
    abi,
    replication: r,
    seed: 10 + r,
    x: 1000 * r * r + offset + (r % 2),
  }));
}

Deno.test("paired differences pair rows by replication whatever their order", () => {
  const a = rows("a", 3), b = rows("b", 0);
  const inOrder = pairedDiff(a, b, "x");
  // Every paired difference is exactly 3: mean 3, half-width 0.
  assert.deepEqual([inOrder.mean, inOrder.ci, inOrder.n], [3, 0, 6]);
  for (const k of [1, 2, 3]) {
    const sa = shuffled(a, `a${k}`), sb = shuffled(b, `b${k}`);
    assert.notDeepEqual(sb.map((r) => r.replication), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(pairedDiff(sa, sb, "x"), inOrder, `shuffle ${k}`);
  }
});

Deno.test("summaries of shuffled rows equal those of ordered rows", () => {
  const all = [...rows("a", 3), ...rows("b", 0)];
  const byAbi = (xs: CsvRow[]) =>
    Object.fromEntries(summarize(xs, ["abi"], ["x"]).map((s) => [s.keys.abi, s.est.x]));
  const want = byAbi(all);
  for (const k of [1, 2, 3]) {
    const got = byAbi(shuffled(all, `all${k}`));
    for (const abi of ["a", "b"]) {
      assert.equal(got[abi].n, want[abi].n);
      assert.ok(Math.abs(got[abi].mean - want[abi].mean) < 1e-9, `${abi} mean`);
      assert.ok(Math.abs(got[abi].ci - want[abi].ci) < 1e-9, `${abi} ci`);
    }
  }
});

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

Deno.test("holm rejects more than Bonferroni on a hand-computed example where they disagree", () => {
  // m = 3, alpha 0.05. Bonferroni rejects p <= 0.05/3 = 0.0167: 0.01 and 0.015 only. Holm steps
  // down: 0.01 <= 0.05/3, 0.015 <= 0.05/2, 0.04 <= 0.05/1: all three.
  assert.deepEqual(holm([0.04, 0.01, 0.015]), [true, true, true]);
  // With 0.03 instead of 0.015 Holm stops at the second step (0.03 > 0.025): only 0.01, and the
  // 0.04 after it is kept although 0.04 <= 0.05.
  assert.deepEqual(holm([0.04, 0.01, 0.03]), [false, true, false]);
  // A smaller alpha scales every step: 0.001 <= 0.01/3, 0.004 <= 0.01/2, 0.009 <= 0.01.
  assert.deepEqual(holm([0.009, 0.004, 0.001], 0.01), [true, true, true]);
});
