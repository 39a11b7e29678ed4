import assert from "node:assert/strict";
import { type CpuProfile, selfTimes } from "../../bench/host_profile.ts";
import { loadLatencyNs } from "../../bench/memory_latency.ts";

function profile(): CpuProfile {
  return {
    nodes: [
      {
        id: 1,
        callFrame: { functionName: "pick", url: "file:///x/host.ts", lineNumber: 9 },
        positionTicks: [{ line: 12, ticks: 3 }, { line: 15, ticks: 1 }],
      },
      { id: 2, callFrame: { functionName: "", url: "file:///x/calendar.ts", lineNumber: 0 } },
    ],
    samples: [1, 2, 1, 1],
    timeDeltas: [100, 50, 300, 200],
  };
}

Deno.test("host profile gives each function its samples' time per delivery", () => {
  const p = profile(), delivered = 40;
  const r = selfTimes(p, delivered, 7);
  let pickUs = 0, calUs = 0;
  p.samples.forEach((id, i) => id === 1 ? pickUs += p.timeDeltas[i] : calUs += p.timeDeltas[i]);
  assert.equal(r.guests, 7);
  assert.equal(r.byFunction.get("pick host.ts:10"), pickUs * 1e3 / delivered);
  assert.equal(r.byFunction.get("(anonymous) calendar.ts:1"), calUs * 1e3 / delivered);
});

Deno.test("host profile spreads a function's time over its lines by their ticks", () => {
  const r = selfTimes(profile(), 10, 1);
  const fn = r.byFunction.get("pick host.ts:10")!;
  const a = r.byLine.get("file:///x/host.ts\u000012")!,
    b = r.byLine.get("file:///x/host.ts\u000015")!;
  assert.ok(Math.abs(a + b - fn) < 1e-9);
  assert.ok(Math.abs(a - 3 * b) < 1e-9);
  // A node without line ticks has no lines.
  assert.equal([...r.byLine.keys()].filter((k) => k.includes("calendar")).length, 0);
});

Deno.test("memory latency is a positive time per load for any buffer size", () => {
  for (const kib of [1, 64]) {
    const ns = loadLatencyNs(kib, 1e4);
    assert.ok(Number.isFinite(ns) && ns > 0, `${kib} KiB: ${ns}`);
  }
});
