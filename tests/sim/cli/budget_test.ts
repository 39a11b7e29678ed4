// The work budget (sim/cli/budget.ts): memory against the largest run's set-up, and suggested
// flags that are never below the estimate they must admit.
import assert from "node:assert/strict";
import { checkBudget } from "../../../sim/cli/budget.ts";
import { InputError } from "../../../sim/io/errors.ts";
import { estimateRun } from "../../../sim/scenario/estimate.ts";
import { parseScenario } from "../../../sim/scenario/scenario.ts";
import { expandPlan } from "../../../sim/sweep/plan.ts";

const raw = {
  name: "b",
  abis: ["2l", "fifo"],
  duration_ms: 10,
  warmup_ms: 0,
  replications: 3,
  groups: [{
    name: "g",
    ports: 5000,
    arrival: { kind: "poisson", rate_per_s: 12_345 },
    service: { kind: "const", ns: 100 },
  }],
};

function budgetError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof InputError, `${e}`);
    return e.message;
  }
  assert.fail("accepted");
}

Deno.test("the memory budget is checked against the largest run's set-up, not the sum of all runs", () => {
  const plan = expandPlan({ source: "b.json", path: "b.json", raw }, {});
  assert.equal(plan.runs.length, 6);
  const one = estimateRun(plan.runs[0].scenario).bytes;
  // Room for one run's set-up (runs are set up one at a time per worker), not for six.
  const r = checkBudget({ runs: plan.runs }, { events: 1e12, bytes: one }, 1);
  assert.equal(r.bytes, one);
  // One byte less is refused, naming the flag and a value that admits the run.
  const msg = budgetError(() =>
    checkBudget({ runs: plan.runs }, { events: 1e12, bytes: one - 1 }, 1)
  );
  const mb = Number(msg.match(/--budget-mb (\d+)/)?.[1]);
  assert.ok(mb * 2 ** 20 >= one, msg);
});

Deno.test("a suggested --budget is never below the estimate", () => {
  // Run counts whose event totals have every kind of leading digits.
  const base = parseScenario(raw, "b.json");
  const per = estimateRun(base).events;
  for (let runs = 1; runs <= 60; runs++) {
    const events = per * runs;
    const msg = budgetError(() =>
      checkBudget({ count: { runs, base } }, { events: per / 2, bytes: 1e12 }, 1)
    );
    const suggested = Number(msg.match(/--budget (\S+)/)?.[1]);
    assert.ok(suggested >= events, `${runs} runs: --budget ${suggested} < ${events}`);
    // And the suggestion is accepted.
    checkBudget({ count: { runs, base } }, { events: suggested, bytes: 1e12 }, 1);
  }
});
