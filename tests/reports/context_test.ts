import assert from "node:assert/strict";
import { latencyDefinition, LIMIT_METRICS, ranAll } from "../../reports/context.ts";

Deno.test("a host's report defines the round trip before dispatch latency; a guest's only dispatch", () => {
  const host = latencyDefinition([{ abi: "fifo", rt_mean_ns: 30000, dom0_busy: 0.2 }]);
  assert.match(host, /^A round trip runs from a guest's request/);
  assert.match(host, /dispatch latency runs from the raise/);
  const guest = latencyDefinition([{ abi: "fifo", lat_mean_ns: 3000 }]);
  assert.match(guest, /^Latency is dispatch latency: from the raise/);
  assert.doesNotMatch(guest, /round trip/);
});

Deno.test("a point where ports failed to bind or guests were refused did not run the whole load", () => {
  assert.ok(ranAll([{ bind_failures: 0, guests_refused: 0 }, {}]));
  assert.ok(!ranAll([{ bind_failures: 0 }, { bind_failures: 3 }]));
  assert.ok(!ranAll([{ guests_refused: 102 }]));
  // What measures the limit itself stays comparable there; latency does not.
  assert.ok(LIMIT_METRICS.has("guests_refused") && LIMIT_METRICS.has("bind_failures"));
  assert.ok(!LIMIT_METRICS.has("rt_p99_ns") && !LIMIT_METRICS.has("lat_p99_ns"));
});
