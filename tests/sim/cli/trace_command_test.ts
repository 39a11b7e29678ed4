import assert from "node:assert/strict";
import { TRACE_BYTES_PER_HOST_EVENT, traceCommand } from "../../../sim/cli/trace_command.ts";
import type { TraceEvent } from "../../../sim/run/trace.ts";
import { formatBytes } from "../../../sim/scenario/estimate.ts";

function readTrace(path: string): TraceEvent[] {
  const doc = JSON.parse(Deno.readTextFileSync(path)) as { traceEvents: TraceEvent[] };
  assert.ok(Array.isArray(doc.traceEvents), "a JSON object with a traceEvents list");
  return doc.traceEvents;
}

Deno.test("trace of the built-in host-round-trip, run in its sandbox, writes a valid timeline of dom0 and its 50 guests", async () => {
  const out = Deno.makeTempFileSync({ suffix: ".json" });
  try {
    const { events: n, stopped } = await traceCommand("host-round-trip", {
      untilMs: 1,
      out,
      abi: "fifo",
    });
    assert.equal(stopped, false);
    const ev = readTrace(out);
    assert.equal(ev.length, n);
    assert.deepEqual([...new Set(ev.map((e) => e.ph))].sort(), ["M", "X", "i"]);
    // The first grid point: 50 guests beside dom0, each a process.
    const processes = ev.filter((e) => e.name === "process_name").map((e) => e.args!.name);
    assert.equal(processes.length, 51);
    assert.equal(processes[0], "dom0");
    assert.ok(ev.every((e) => e.ts >= 0 && e.ts + (e.dur ?? 0) <= 1000 + 1e-9));
    // Both devices' paths appear within the first millisecond.
    const names = new Set(ev.map((e) => e.name));
    for (const f of ["xen_blkif_schedule", "xenvif_tx_action", "blkif_interrupt", "xennet_poll"]) {
      assert.ok(names.has(f), f);
    }
  } finally {
    Deno.removeSync(out);
  }
});

Deno.test("trace of a host stops at --max-events and writes what was recorded", async () => {
  const out = Deno.makeTempFileSync({ suffix: ".json" });
  const notes: string[] = [];
  try {
    const r = await traceCommand("host-round-trip", {
      out,
      maxEvents: 500,
      log: (l) => notes.push(l),
    });
    assert.equal(r.stopped, true);
    assert.ok(notes.some((l) => /stopped after 500 simulated events/.test(l)));
    const slices = readTrace(out).filter((e) => e.ph === "X");
    assert.ok(slices.length > 0 && slices.length < 500, `${slices.length} slices`);
  } finally {
    Deno.removeSync(out);
  }
});

Deno.test("trace of a host refuses an output over the budget, estimated at the host's bytes per event", async () => {
  const out = `${Deno.makeTempDirSync()}/t.json`;
  await assert.rejects(
    () =>
      traceCommand("host-round-trip", {
        out,
        sets: ["duration_ms=2000"],
        // Above the host's set-up memory, below two seconds of its trace.
        budget: { events: 1e10, bytes: 100 * 2 ** 20 },
      }),
    (e: Error) => {
      const m = /trace would be about (.*) \((\d+) events to 2002 ms\)/.exec(e.message);
      assert.ok(m, e.message);
      assert.equal(m[1], formatBytes(Number(m[2]) * TRACE_BYTES_PER_HOST_EVENT));
      return true;
    },
  );
  assert.throws(() => Deno.statSync(out), Deno.errors.NotFound);
});
