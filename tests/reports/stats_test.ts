import assert from "node:assert/strict";
import { pairedDiff, summarize } from "../../reports/stats.ts";
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
