import assert from "node:assert/strict";
import { builtinNames, loadInput } from "../../sim/scenario/scenario.ts";
import { portLimitGuests } from "../../sim/sweep/capacity_ports.ts";
import { expandPlan, type Plan } from "../../sim/sweep/plan.ts";
import { type Run, runOne } from "../../sim/run/run.ts";
import { setupDomain } from "../../sim/run/setup.ts";
import { createAbi } from "../../models/registry.ts";
import { DEFAULT_COSTS } from "../../models/costs.ts";

/** The built-ins this project ships; each answers one design question. */
const EXPECTED = [
  "backend-lateeoi",
  "default",
  "dom0-capacity",
  "equal-priority-fairness",
  "event-flood",
  "init-control-failure",
  "one-vs-drain",
  "overcommit",
  "port-scaling",
  "strict-priority-starvation",
  "timer-vs-storm",
];

/** Every built-in, shortened: 2 ms measured after 0.5 ms of warm-up, one replication. */
function shortPlan(name: string): Plan {
  return expandPlan(loadInput(name), {
    sets: ["duration_ms=2", "warmup_ms=0.5"],
    replications: 1,
  });
}

/** The first run of each ABI at grid points `points` (default: the first and the last). */
function sample(plan: Plan, points?: number[]): Run[] {
  const last = Math.max(...plan.runs.map((r) => r.point));
  const want = new Set(points ?? [0, last]);
  const seen = new Set<string>();
  return plan.runs.filter((r) => {
    const key = `${r.point}/${r.abi}`;
    if (!want.has(r.point) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

Deno.test("every expected built-in scenario is shipped", () => {
  const names = builtinNames();
  for (const n of EXPECTED) assert.ok(names.includes(n), `scenarios/${n}.json`);
});

Deno.test("every built-in validates, is named after its file and states its question", () => {
  for (const name of builtinNames()) {
    const full = expandPlan(loadInput(name), {});
    assert.equal(full.name, name, `${name}: the scenario's name is the file's`);
    assert.ok(full.runs.length > 0, `${name}: has runs`);
    const raw = loadInput(name).raw as Record<string, unknown>;
    const desc = String(raw.description ?? full.base.description);
    assert.ok(desc.length > 40 && desc.includes("?"), `${name}: a description asking a question`);
    // Kept small so that `deno task sim run <name>` takes seconds.
    const simulatedMs = full.runs.reduce(
      (acc, r) => acc + r.scenario.duration_ms + r.scenario.warmup_ms,
      0,
    );
    assert.ok(full.runs.length <= 150, `${name}: ${full.runs.length} runs`);
    assert.ok(simulatedMs <= 6000, `${name}: ${simulatedMs} simulated ms in all`);
  }
});

for (const name of EXPECTED) {
  Deno.test(`built-in ${name} runs briefly with every ABI at its first and last grid point`, async () => {
    const plan = shortPlan(name);
    const runs = sample(plan);
    assert.ok(runs.length >= plan.base.abis.length);
    for (const run of runs) {
      const r = await runOne(run, { maxEvents: 2_000_000 });
      const s = r.summary;
      const where = `${name} ${run.abi} point ${run.point}`;
      assert.equal(s.scenario, name, where);
      if (run.scenario.host) {
        // A host: its guests start and complete round trips (DESIGN §12 columns).
        assert.ok(Number(s.guests_started) > 0, `${where}: guests_started ${s.guests_started}`);
        assert.ok(Number(s.requests) > 0, `${where}: requests ${s.requests}`);
      } else {
        assert.ok(Number(s.raised) > 0, `${where}: raised ${s.raised}`);
        assert.ok(Number(s.delivered) > 0, `${where}: delivered ${s.delivered}`);
        assert.ok(Number(s.shared_bytes) > 0, `${where}: shared_bytes`);
      }
      for (const k of Object.keys(run.params)) assert.ok(k in s, `${where}: column ${k}`);
    }
  });
}

Deno.test("dom0-capacity: its port-count answer follows the per-guest port formula", () => {
  // Ports a guest costs dom0 (DESIGN §12): 1-VCPU PV 5, 2-VCPU PVH 8, 4-VCPU HVM 19 (4 netback
  // queues x 2 + 4 blkback rings + 4 + 1 ioreq, + xenstore + console) when dom0 has 4 or more
  // VCPUs. dom0's own: 7 per VCPU under 2-level, 6 under FIFO, plus 50 reserved. Usable ports:
  // 1023 (32-bit 2-level), 4095 (2-level), 131071 (FIFO); port 0 is never bound.
  const perGuest: Record<string, number> = { "pv-1vcpu": 5, "pvh-2vcpu": 8, "hvm-4vcpu": 19 };
  const usable: Record<string, number> = { "2l:32": 1023, "2l": 4095, "fifo": 131071 };
  const plan = expandPlan(loadInput("dom0-capacity"), { replications: 1 });
  let checked = 0;
  for (const run of plan.runs) {
    const host = run.scenario.host!;
    const own = host.dom0.vcpus * (run.abi === "fifo" ? 6 : 7) + host.dom0.reserved_ports;
    const want = Math.floor((usable[run.abi] - own) / perGuest[host.guests[0].name]);
    assert.equal(portLimitGuests(run.scenario, run.abi), want, `${run.abi} ${host.guests[0].name}`);
    checked++;
  }
  assert.equal(checked, 36);
});

Deno.test("port-scaling: 2-level fails to bind above 4095 ports; 3-level and FIFO bind 131071", async () => {
  const plan = shortPlan("port-scaling");
  for (const run of plan.runs) {
    const ports = run.scenario.groups[0].ports;
    if (ports !== 4095 && ports !== 131071) continue;
    const f = Number((await runOne(run)).summary.bind_failures);
    const limit = run.abi === "2l" ? 4095 : 131071;
    assert.equal(f, Math.max(0, ports - limit), `${run.abi} at ${ports} ports`);
  }
});

Deno.test("init-control-failure offlines VCPU 3 under offline and keeps all 8 on 2-level under fallback-2l", () => {
  const plan = shortPlan("init-control-failure");
  assert.deepEqual(plan.params, ["init_fail_policy"]);
  assert.deepEqual(
    [...new Set(plan.runs.map((r) => r.scenario.init_fail_policy))],
    ["offline", "fallback-2l"],
  );
  for (const r of plan.runs) {
    assert.deepEqual(r.scenario.faults.init_control_fail_vcpus, [3]);
    assert.equal(r.scenario.guest.vcpus, 8);
    const d = setupDomain(r.scenario, (o) => createAbi(r.abi, o), DEFAULT_COSTS);
    const online = Array.from(d.vcpuOnline);
    if (r.scenario.init_fail_policy === "offline") {
      assert.equal(d.fellBackTo2l, false);
      assert.deepEqual(online, [1, 1, 1, 0, 1, 1, 1, 1]);
    } else {
      assert.equal(d.fellBackTo2l, true);
      assert.deepEqual(online, [1, 1, 1, 1, 1, 1, 1, 1]);
    }
  }
});

Deno.test("overcommit time-shares its VCPUs in 30 ms slices and runs several of them", () => {
  const full = expandPlan(loadInput("overcommit"), {});
  for (const r of full.runs) {
    const ts = r.scenario.vcpu_sched;
    assert.equal(ts.kind, "timeshare");
    if (ts.kind !== "timeshare" || ts.run.kind !== "const") continue;
    assert.equal(ts.run.ns, 30_000_000);
    assert.ok(r.scenario.duration_ms >= 5 * 30 * 2, "at least five slice cycles at 2:1");
  }
});

Deno.test("backend-lateeoi compares the same backends with late EOI off and on", () => {
  const plan = shortPlan("backend-lateeoi");
  const modes = new Set(plan.runs.map((r) => r.scenario.groups.map((g) => g.lateeoi).join(",")));
  assert.deepEqual([...modes], ["false,false", "true,true"]);
});

Deno.test("every built-in names the metrics its question is about, and each is a column a run writes", async () => {
  for (const name of builtinNames()) {
    const plan = shortPlan(name);
    assert.ok(plan.base.answer.length > 0, `${name}: no answer metrics`);
    const r = await runOne(plan.runs[0]);
    const cols = new Set([...Object.keys(r.summary), ...Object.keys(r.groups[0] ?? {})]);
    for (const m of plan.base.answer) assert.ok(cols.has(m), `${name}: answer ${m} is no column`);
  }
});

Deno.test("built-ins keep Linux's priorities unless their question is about priorities", () => {
  for (const name of builtinNames()) {
    const s = shortPlan(name).base;
    const set = s.groups.filter((g) =>
      g.priority !== undefined && g.priority !== (g.timer ? 0 : 7)
    );
    if (set.length === 0) continue;
    assert.match(
      s.description,
      /priorit/i,
      `${name} sets priorities but its question is not about them`,
    );
  }
});
