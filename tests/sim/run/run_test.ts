import assert from "node:assert/strict";
import type { Tracer } from "../../../sim/run/guest.ts";
import { executeRun, type RunResult } from "../../../sim/run/run.ts";
import { parseScenario, type Scenario } from "../../../sim/scenario/scenario.ts";
import { createAbi } from "../../../models/registry.ts";

/** Records which VCPU ran each handler, by port. */
class HandlerLog implements Tracer {
  vcpusOf = new Map<number, Set<number>>();
  starts: { port: number; vcpu: number; t: number }[] = [];
  raise(): void {}
  upcall(): void {}
  descheduled(): void {}
  handler(vcpu: number, port: number, _g: number, start: number): void {
    let s = this.vcpusOf.get(port);
    if (!s) this.vcpusOf.set(port, s = new Set());
    s.add(vcpu);
    this.starts.push({ port, vcpu, t: start });
  }
}

function run(s: Scenario, abi: string, tracer: Tracer | null = null): RunResult {
  return executeRun(
    { index: 0, id: abi, scenario: s, abi, replication: 0, seed: 1, point: 0, params: {} },
    (o) => createAbi(abi, o),
    { tracer },
  );
}

Deno.test("rebalancing moves a group's ports over every VCPU through bind_vcpu", () => {
  const s = parseScenario({
    name: "rebalance",
    duration_ms: 8,
    warmup_ms: 0,
    guest: { vcpus: 4 },
    groups: [{
      name: "net",
      ports: 8,
      vcpu: 0,
      rebalance_ms: 1,
      arrival: { kind: "poisson", rate_per_s: 200000 },
      service: { kind: "const", ns: 500 },
    }],
  }, "rebalance");
  for (const abi of ["2l", "3l", "fifo"]) {
    const log = new HandlerLog();
    const r = run(s, abi, log);
    // Every port ran on all 4 VCPUs over 8 rotations.
    for (const [port, vcpus] of log.vcpusOf) assert.equal(vcpus.size, 4, `${abi} port ${port}`);
    // Before the first rotation (1 ms) everything ran on VCPU 0.
    assert.ok(log.starts.filter((h) => h.t < 1e6).every((h) => h.vcpu === 0), abi);
    // No event is stranded by a move: mask, bind_vcpu, unmask delivers it on the new VCPU.
    const sum = r.summary as Record<string, number>;
    assert.ok(sum.pending_at_end <= 8, `${abi} pending ${sum.pending_at_end}`);
    assert.ok(sum.hypercalls >= 8 * 7 * 2, `${abi} hypercalls ${sum.hypercalls}`);
  }
});

Deno.test("a group's priority change applies to later links and is reported", () => {
  const s = parseScenario({
    name: "prio",
    duration_ms: 20,
    warmup_ms: 0,
    costs: "zero",
    guest: { vcpus: 1 },
    groups: [
      {
        name: "a",
        ports: 200,
        priority: 5,
        arrival: { kind: "poisson", rate_per_s: 300000 },
        service: { kind: "exp", mean_ns: 2000 },
      },
      {
        name: "b",
        ports: 200,
        priority: 9,
        // From 10 ms, b outranks a.
        priority_change: { at_ms: 10, priority: 2 },
        arrival: { kind: "poisson", rate_per_s: 300000 },
        service: { kind: "exp", mean_ns: 2000 },
      },
    ],
  }, "prio");
  const r = run(s, "fifo");
  const groups = r.groups as Record<string, number | string>[];
  assert.equal(groups.find((g) => g.group === "b")!.priority, 2);
  const prios = (r.priorities as Record<string, number>[]).map((p) => p.priority).sort((x, y) =>
    x - y
  );
  // Deliveries at b's old priority 9 and its new priority 2, and a's 5.
  assert.deepEqual(prios, [2, 5, 9]);
  const p = new Map((r.priorities as Record<string, number>[]).map((x) => [x.priority, x]));
  // Under overload (rho = 1.2) the top class is served first in each half: its wait is the lowest.
  assert.ok(p.get(2)!.lat_mean_ns < p.get(5)!.lat_mean_ns);
  assert.ok(p.get(5)!.lat_mean_ns < p.get(9)!.lat_mean_ns);
  // 2-level has no priorities: set_priority fails with -ENOSYS and ordering is unchanged,
  // but the group is still reported at the priority it asked for.
  const twoL = run(s, "2l").groups as Record<string, number | string>[];
  assert.equal(twoL.find((g) => g.group === "b")!.priority, 2);
});

Deno.test("rebalancing a late-EOI port while its handler runs keeps it masked until the EOI", () => {
  // Linux events_base.c: lateeoi_ack_dynirq do_mask(EOI_PENDING); xen_rebind_evtchn_to_cpu
  // masks and unmasks with reason TEMPORARY only; do_unmask unmasks when no reason is left.
  // So a raise during the handler waits for the EOI and never runs on the new VCPU at once.
  const dir = Deno.makeTempDirSync();
  try {
    const file = `${dir}/late.csv`;
    // Port 1 at 100 µs (handler to 150 µs); the rebalance at 120 µs moves it to VCPU 1;
    // port 1 again at 130 µs, while its late EOI is pending.
    Deno.writeTextFileSync(file, "time_ns,port\n100000,1\n130000,1\n");
    const s = parseScenario({
      name: "late-rebalance",
      duration_ms: 0.2,
      warmup_ms: 0,
      costs: "zero",
      guest: { vcpus: 2 },
      groups: [{
        name: "blk",
        ports: 1,
        vcpu: 0,
        lateeoi: true,
        rebalance_ms: 0.12,
        arrival: { kind: "trace", file },
        service: { kind: "const", ns: 50_000 },
      }],
    }, "late-rebalance");
    for (const abi of ["2l", "3l", "fifo"]) {
      const log = new HandlerLog();
      run(s, abi, log);
      assert.deepEqual(
        log.starts.map((h) => [h.vcpu, h.t]),
        [[0, 100_000], [1, 150_000]],
        `${abi}: the second event is delivered at the EOI (150 µs), on the new VCPU`,
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
