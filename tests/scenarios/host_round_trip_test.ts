import assert from "node:assert/strict";
import { loadInput } from "../../sim/scenario/scenario.ts";
import { expandPlan } from "../../sim/sweep/plan.ts";
import { runOne } from "../../sim/run/run.ts";

Deno.test("host-round-trip sweeps the guest count under 2l and fifo with one guest template", () => {
  const plan = expandPlan(loadInput("host-round-trip"), {});
  assert.deepEqual(plan.params, ["host.guests.0.count"]);
  assert.deepEqual(plan.base.abis, ["2l", "fifo"]);
  const counts = [...new Set(plan.runs.map((r) => r.scenario.host!.guests[0].count))];
  assert.deepEqual(counts, [50, 150, 300, 450, 600]);
});

Deno.test("host-round-trip: at 600 guests 2-level refuses those past its 4095 ports, FIFO none", async () => {
  const plan = expandPlan(loadInput("host-round-trip"), {
    sets: ["duration_ms=1", "warmup_ms=0.5"],
    replications: 1,
  });
  const last = plan.runs.filter((r) => r.scenario.host!.guests[0].count === 600);
  const refused: Record<string, number> = {};
  for (const run of last) refused[run.abi] = Number((await runOne(run)).summary.guests_refused);
  // 8 dom0 VCPUs x 7 + 50 reserved = 106 own ports; (4095 - 106) / 8 = 498 guests.
  assert.deepEqual(refused, { "2l": 600 - 498, "fifo": 0 });
});
