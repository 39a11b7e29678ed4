// --set overrides (sim/scenario/overrides.ts).
import assert from "node:assert/strict";
import { applySet } from "../../../sim/scenario/overrides.ts";
import { expandPlan } from "../../../sim/sweep/plan.ts";

Deno.test("--set of a kind replaces the object's other keys", () => {
  const raw = {
    vcpu_sched: {
      kind: "timeshare",
      run: { kind: "const", ns: 1 },
      wait: { kind: "const", ns: 2 },
    },
  };
  applySet(raw, "vcpu_sched.kind=dedicated");
  assert.deepEqual(raw.vcpu_sched, { kind: "dedicated" });
  // the same kind again keeps the other keys
  const svc = { service: { kind: "exp", mean_ns: 5 } };
  applySet(svc, "service.kind=exp");
  assert.deepEqual(svc.service, { kind: "exp", mean_ns: 5 });
  // a new kind, then its keys
  applySet(svc, "service.kind=const");
  applySet(svc, "service.ns=7");
  assert.deepEqual(svc.service, { kind: "const", ns: 7 });
});

Deno.test("a time-shared scenario becomes dedicated with one --set and validates", () => {
  const raw = {
    name: "t",
    vcpu_sched: {
      kind: "timeshare",
      run: { kind: "const", ns: 1 },
      wait: { kind: "const", ns: 1 },
    },
    groups: [{
      name: "g",
      ports: 1,
      arrival: { kind: "poisson", rate_per_s: 1 },
      service: { kind: "const", ns: 1 },
    }],
  };
  const input = { source: "t.json", path: "/t.json", raw };
  const plan = expandPlan(input, { sets: ["vcpu_sched.kind=dedicated"] });
  for (const r of plan.runs) assert.deepEqual(r.scenario.vcpu_sched, { kind: "dedicated" });
});
