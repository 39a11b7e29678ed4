import assert from "node:assert/strict";
import { parseCachegrindTotals, parseCounts, perDelivery } from "../../bench/host_cache.ts";

/** A cachegrind summary with the given totals, as valgrind 3.19 prints it. */
function summary(ir: number, d1: [number, number], ll: [number, number]): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return [
    "==42== I   refs:      " + n(ir),
    "==42== I1  misses:       19,859,145",
    "==42== LLi misses:          318,660",
    "==42== D   refs:        875,504,377  (583,549,902 rd   + 291,954,475 wr)",
    `==42== D1  misses:       ${n(d1[0] + d1[1])}  ( ${n(d1[0])} rd   +   ${n(d1[1])} wr)`,
    `==42== LLd misses:        ${n(ll[0] + ll[1])}  (    ${n(ll[0])} rd   +   ${n(ll[1])} wr)`,
    "==42== LL misses:          2,857,961  (  1,080,020 rd   +   1,777,941 wr)",
  ].join("\n");
}

Deno.test("host cache reads the instruction and data-miss totals of cachegrind's summary", () => {
  const t = parseCachegrindTotals(summary(3_069_676_625, [29_238_771, 6_574_836], [5_230, 3_510]));
  assert.equal(t.instructions, 3_069_676_625);
  assert.equal(t.d1Misses, 29_238_771 + 6_574_836);
  // The data side's last-level misses, not the combined "LL misses" line.
  assert.equal(t.llMisses, 5_230 + 3_510);
});

Deno.test("host cache names the summary line it cannot find", () => {
  assert.throws(
    () => parseCachegrindTotals("==1== I   refs:      12\n"),
    /no 'D1 {2}misses' line/,
  );
});

Deno.test("host cache counts the steady state per delivery between two runs", () => {
  const short = { delivered: 1000, instructions: 4e9, d1Misses: 3e7, llMisses: 5e6 };
  const long = { delivered: 3000, instructions: 4.5e9, d1Misses: 3.2e7, llMisses: 5.1e6 };
  const p = perDelivery(short, long);
  assert.equal(p.instructions, (long.instructions - short.instructions) / 2000);
  assert.equal(p.d1Misses, (long.d1Misses - short.d1Misses) / 2000);
  assert.equal(p.llMisses, (long.llMisses - short.llMisses) / 2000);
  assert.throws(() => perDelivery(long, short), /must deliver more/);
});

Deno.test("host cache takes guest counts and mm1, the single-guest reference, and names a bad token", () => {
  assert.deepEqual(parseCounts("mm1,10,1000"), ["mm1", 10, 1000]);
  assert.deepEqual(parseCounts("24"), [24]);
  for (const bad of ["0", "ten", "1.5", "mm2"]) {
    assert.throws(
      () => parseCounts(`10,${bad}`),
      new RegExp(`'${bad.replace(".", "\\.")}' is neither`),
    );
  }
});
