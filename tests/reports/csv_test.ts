// CSV cells never run as spreadsheet formulas (reports/csv.ts), and read back as written.
import assert from "node:assert/strict";
import { fromCsv, safeCell, toCsv } from "../../reports/csv.ts";

Deno.test("text cells starting with = + - @ tab or CR get a leading quote; numbers never do", () => {
  for (const s of ["=1+2", "+cmd", "-x", "@SUM(A1)", "\tx", "\rx"]) {
    assert.equal(safeCell(s), `'${s}`);
  }
  for (const s of ["-3", "-2.5e3", "fifo", "./d.ts", "2l", ""]) assert.equal(safeCell(s), s);
});

Deno.test("a formula in a cell or a column name is written inert and read back as it was", () => {
  const rows = [{ abi: '=HYPERLINK("http://x")', "@n": 1, lat: -4, note: "-x" }];
  const text = toCsv(rows);
  assert.equal(text.split("\n")[0], "abi,'@n,lat,note");
  assert.ok(text.includes(`"'=HYPERLINK(""http://x"")"`), text);
  assert.ok(text.includes(",-4,'-x"), text);
  assert.deepEqual(fromCsv(text), rows);
});
