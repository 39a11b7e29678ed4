import assert from "node:assert/strict";
import { pairedRatio } from "../../bench/host_scale.ts";

Deno.test("host scale takes the host's rate over the reference's pair by pair, not median over median", () => {
  // Per pair 0.5, 0.4 and 0.45; the medians taken apart (4 and 10) would give 0.4.
  const r = pairedRatio([{ host: 1, ref: 2 }, { host: 4, ref: 10 }, { host: 9, ref: 20 }]);
  assert.equal(r.median, 0.45);
  assert.equal(r.low, 0.4);
  assert.equal(r.high, 0.5);
  assert.throws(() => pairedRatio([]), RangeError);
});
