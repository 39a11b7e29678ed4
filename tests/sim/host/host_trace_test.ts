import assert from "node:assert/strict";
import { traceHostRun } from "../../../sim/host/host_trace.ts";
import { executeRun, type Run } from "../../../sim/run/run.ts";
import type { TraceEvent } from "../../../sim/run/trace.ts";
import { parseScenario, type Scenario } from "../../../sim/scenario/scenario.ts";
import { createAbi } from "../../../models/registry.ts";

/**
 * Two dom0 VCPUs pinned, four 2-VCPU HVM guests sharing two physical CPUs,
 * open clients on both devices and emulated I/O exits: VCPUs wait for a CPU,
 * stall for QEMU and resume stopped items.
 */
const POOLED = {
  pcpus: 4,
  dom0: { vcpus: 2 },
  guests: [{
    count: 4,
    kind: "hvm",
    vcpus: 2,
    ioreq_rate_per_s: 5000,
    workload: { kind: "poisson", rate_per_s: 20000 },
  }],
};

function scenario(host: unknown, durationMs = 6): Scenario {
  return parseScenario({ name: "h", duration_ms: durationMs, warmup_ms: 1, host }, "h.json");
}

function run(s: Scenario, abi: string): Run {
  return {
    index: 0,
    id: "r",
    scenario: s,
    abi,
    replication: 0,
    seed: s.seed,
    point: 0,
    params: {},
  };
}

function trace(s: Scenario, abi: string, options: { untilNs?: number; maxEvents?: number } = {}) {
  return traceHostRun(run(s, abi), (o) => createAbi(abi, o), options);
}

const slices = (ev: readonly TraceEvent[]) => ev.filter((e) => e.ph === "X");

for (const abi of ["2l", "fifo"]) {
  Deno.test(`${abi}: a traced host's slices on each VCPU never overlap, through waits for a CPU and for QEMU`, () => {
    const { tracer } = trace(scenario(POOLED), abi);
    const tracks = new Map<string, TraceEvent[]>();
    for (const e of slices(tracer.events)) {
      const k = `${e.pid}/${e.tid}`;
      if (!tracks.has(k)) tracks.set(k, []);
      tracks.get(k)!.push(e);
    }
    // The scenario exercises every kind of time off a CPU and a resumed item.
    const names = new Set(slices(tracer.events).map((e) => e.name));
    for (const n of ["runnable", "wait_for_io", "qemu: cpu_handle_ioreq", "evtchn_interrupt"]) {
      assert.ok(names.has(n), n);
    }
    assert.ok(slices(tracer.events).some((e) => e.args?.resumed === true), "a resumed item");
    // dom0's two VCPUs and the guests' eight each have a track with slices.
    assert.equal(tracks.size, 2 + 4 * 2);
    for (const [k, list] of tracks) {
      list.sort((a, b) => a.ts - b.ts);
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1], cur = list[i];
        assert.ok(
          prev.ts + prev.dur! <= cur.ts + 1e-9,
          `track ${k}: ${prev.name} [${prev.ts}, +${prev.dur}] overlaps ${cur.name} at ${cur.ts}`,
        );
      }
    }
  });
}

Deno.test("every slice and instant of a traced host lies within the traced time, stopped by time or by events", () => {
  const s = scenario(POOLED);
  // Stop in the middle of a slice that a longer trace shows in progress, so
  // that something must be cut at the end.
  const longer = trace(s, "fifo", { untilNs: 3e6 }).tracer.events;
  const open = longer.find((e) => e.ph === "X" && e.ts > 1000 && e.dur! > 1);
  assert.ok(open, "a slice of more than 1 µs after 1 ms");
  const untilNs = Math.round((open.ts + open.dur! / 2) * 1000);
  const byTime = trace(s, "fifo", { untilNs });
  assert.equal(byTime.stopped, false);
  const byEvents = trace(s, "fifo", { maxEvents: 3000 });
  assert.equal(byEvents.stopped, true);
  assert.equal(byTime.endNs, untilNs);
  assert.ok(byEvents.endNs > 0 && byEvents.endNs < 6e6);
  for (const t of [byTime, byEvents]) {
    const ev = t.tracer.events.filter((e) => e.ph !== "M");
    assert.ok(ev.length > 100, `${ev.length} events`);
    const end = t.endNs / 1000;
    // Items in progress at the end are cut there.
    assert.ok(ev.some((e) => e.ph === "X" && Math.abs(e.ts + e.dur! - end) < 1e-9));
    for (const e of ev) {
      assert.ok(e.ts >= 0 && e.ts + (e.dur ?? 0) <= end + 1e-9, `${e.name} at ${e.ts} +${e.dur}`);
    }
  }
});

Deno.test("a 2-VCPU guest's network reply reaches its client through the guest's own call-function IPI, named as Linux names it", () => {
  const s = scenario({
    guests: [{
      count: 1,
      kind: "pvh",
      vcpus: 2,
      vbds: 0,
      workload: { kind: "closed", window: 1, think_us: 300, devices: "net" },
    }],
  }, 3);
  const { tracer } = trace(s, "fifo");
  const ipi = slices(tracer.events).filter((e) => e.name === "xen_call_function_single_interrupt");
  // In the guest (pid 2), on the client's VCPU 0 (tid 1), while its replies
  // are consumed on VCPU 1 (dom0, whose kthreads wake no halted VCPU in so
  // short a run, takes none).
  assert.ok(ipi.length >= 2, `${ipi.length} IPI handlers`);
  for (const e of ipi) assert.deepEqual([e.pid, e.tid], [2, 1]);
  const rx = slices(tracer.events).filter((e) => e.name === "xennet_poll" && e.pid === 2);
  assert.ok(
    rx.length >= ipi.length && rx.every((e) => e.tid === 2),
    "replies are consumed on VCPU 1",
  );
});

Deno.test("a block request's path at very low load runs client, dom0 handler, blkback kthread, the guest's handler and reaping, then the client's wake-up", () => {
  const s = scenario({
    guests: [{
      count: 1,
      vcpus: 2,
      workload: { kind: "closed", window: 1, think_us: 1000, devices: "blk" },
    }],
  }, 3);
  const { tracer } = trace(s, "fifo");
  const ev = tracer.events.filter((e) => e.ph !== "M").sort((a, b) => a.ts - b.ts);
  // The first round trip: everything up to the first completion, in time order.
  const done = ev.findIndex((e) => e.name === "__schedule");
  assert.ok(done > 0);
  const path = ev.slice(0, done + 1).map((e) =>
    `${e.pid === 1 ? "dom0" : "guest"} ${e.name.replace(/ port \d+/, "")}`
  );
  // drivers/block/xen-blkfront.c blkif_queue_request pushes and notifies;
  // Xen raises dom0's port and enters its upcall; xen_blkif_be_int wakes
  // xen_blkif_schedule, which answers and notifies; the guest's
  // blkif_interrupt reaps the response (blkif_completion) and wakes the
  // client, on the same VCPU, which is switched to (__schedule).
  assert.deepEqual(path, [
    "guest blkif_queue_request",
    "dom0 raise",
    "dom0 xen_evtchn_do_upcall",
    "dom0 xen_blkif_be_int",
    "dom0 xen_blkif_schedule",
    "guest raise",
    "guest xen_evtchn_do_upcall",
    "guest blkif_interrupt",
    "guest blkif_completion",
    "guest __schedule",
  ]);
  const steps = ev.slice(0, done + 1);
  for (let i = 1; i < steps.length; i++) {
    const a = steps[i - 1];
    assert.ok(a.ts + (a.dur ?? 0) <= steps[i].ts + 1e-9, `${a.name} ends before ${steps[i].name}`);
  }
  // The kthread's slice is its work and its wake-up, from the host's costs.
  const k = s.host!.costs;
  const blkback = steps.find((e) => e.name === "xen_blkif_schedule")!;
  assert.ok(Math.abs(blkback.dur! * 1000 - (k.blkback_ns + k.kthread_wake_ns)) < 1e-6);
  // The client's wake-up and the switch to it, on the VCPU that reaped.
  const woken = steps[steps.length - 1];
  assert.ok(Math.abs(woken.dur! * 1000 - k.client_wake_ns) < 1e-6);
  assert.equal(woken.args!.woken, "block client");
  assert.equal(woken.tid, steps[steps.length - 2].tid);
  // The handler and kthread name the same ring, guest and device as the request.
  const req = steps[0].args!;
  for (const e of steps.filter((e) => e.ph === "X" && e.name !== "xen_evtchn_do_upcall")) {
    assert.deepEqual(
      [e.args!.ring, e.args!.guest, e.args!.device],
      [req.ring, 1, req.device],
      e.name,
    );
  }
});

for (
  const [label, host] of [["dedicated CPUs", { guests: [{ count: 3 }] }], ["a CPU pool", POOLED]]
) {
  Deno.test(`tracing a host with ${label} does not change the run: same fingerprint and figures`, () => {
    const s = scenario(host);
    const plain = executeRun(run(s, "fifo"), (o) => createAbi("fifo", o));
    const traced = trace(s, "fifo");
    assert.equal(traced.figures.fingerprint.toString(16).padStart(8, "0"), plain.fingerprint);
    assert.equal(traced.figures.simEvents, plain.simEvents);
    const { sim_events: _, ...summary } = plain.summary;
    for (const [k, v] of Object.entries(traced.figures.summary)) assert.equal(v, summary[k], k);
    assert.ok(traced.tracer.events.length > 100);
  });
}

Deno.test("a traced host names one process per domain and one track per VCPU and Xen's raises", () => {
  const s = scenario({
    dom0: { vcpus: 3 },
    guests: [{ name: "web", count: 2, kind: "pv", vcpus: 2 }, { count: 1, kind: "pvh", vcpus: 1 }],
  }, 1);
  const { tracer } = trace(s, "2l");
  const meta = (name: string) =>
    tracer.events.filter((e) => e.name === name).map((e) => `${e.pid}:${e.tid} ${e.args!.name}`);
  assert.deepEqual(meta("process_name"), [
    "1:0 dom0",
    "2:0 guest 1 (pv, web)",
    "3:0 guest 2 (pv, web)",
    "4:0 guest 3 (pvh)",
  ]);
  const vcpus = [3, 2, 2, 1];
  const expected = vcpus.flatMap((n, d) =>
    [`${d + 1}:0 Xen: raises`].concat(
      Array.from({ length: n }, (_, v) => `${d + 1}:${v + 1} VCPU ${v}`),
    )
  );
  assert.deepEqual(meta("thread_name"), expected);
  // Raises sit on the Xen track of the domain raised into.
  const raises = tracer.events.filter((e) => e.ph === "i");
  assert.ok(raises.length > 0 && raises.every((e) => e.tid === 0 && e.pid >= 1 && e.pid <= 4));
});
