import assert from "node:assert/strict";
import { ChromeTracer, type TraceEvent } from "../../sim/run/trace.ts";

Deno.test("trace: Chrome trace JSON with VCPU tracks, slices and instants", () => {
  const t = new ChromeTracer(["timer", "net"], 2);
  t.raise(1000, 5, 1, 0);
  t.raise(1200, 5, 1, 1);
  t.upcall(1, 1000, 1800);
  t.handler(1, 5, 1, 2000, 4500);
  t.descheduled(0, 0, 3000);
  const doc = JSON.parse(t.toJson()) as { traceEvents: TraceEvent[] };
  const ev = doc.traceEvents;
  const names = ev.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => e.args!.name);
  assert.deepEqual(names, ["Xen: raises", "VCPU 0", "VCPU 1"]);
  const slices = ev.filter((e) => e.ph === "X");
  assert.deepEqual(slices.map((e) => e.name), ["upcall", "port 5 (net)", "descheduled"]);
  const handler = slices[1];
  assert.equal(handler.tid, 2);
  assert.equal(handler.ts, 2);
  assert.equal(handler.dur, 2.5);
  const instants = ev.filter((e) => e.ph === "i");
  assert.deepEqual(instants.map((e) => e.cat), ["raise", "coalesced"]);
  assert.ok(instants.every((e) => e.s === "t" && e.tid === 0));
});

Deno.test("trace command: one traced run of a built-in scenario writes valid JSON", async () => {
  const { traceCommand } = await import("../../sim/cli/trace_command.ts");
  const out = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    const { events: n } = await traceCommand("default", { untilMs: 1, out, abi: "2l" });
    const doc = JSON.parse(Deno.readTextFileSync(out)) as { traceEvents: TraceEvent[] };
    assert.equal(doc.traceEvents.length, n);
    const phases = new Set(doc.traceEvents.map((e) => e.ph));
    assert.deepEqual([...phases].sort(), ["M", "X", "i"]);
    assert.ok(doc.traceEvents.every((e) => e.ts <= 1000 + (e.dur ?? 0)));
  } finally {
    Deno.removeSync(out);
  }
});
