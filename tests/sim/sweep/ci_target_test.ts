import assert from "node:assert/strict";
import { runToCiTarget } from "../../../sim/sweep/ci_target.ts";
import { expandPlan } from "../../../sim/sweep/plan.ts";

Deno.test("--ci-target never stops at one replication, whose half-width is unknown", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const raw = {
      name: "one-rep",
      abis: ["fifo"],
      duration_ms: 2,
      warmup_ms: 0,
      replications: 1,
      groups: [{
        name: "net",
        ports: 8,
        arrival: { kind: "poisson", rate_per_s: 200000 },
        service: { kind: "exp", mean_ns: 1500 },
      }],
    };
    const expand = (replications?: number) =>
      expandPlan({ source: "one-rep.json", path: `${dir}/one-rep.json`, raw }, { replications });
    // A target any two replications of this run meet (half-width under 99% of the mean).
    const { plan, outcome } = await runToCiTarget(
      expand,
      { out: `${dir}/out`, workers: 1, progress: "off" },
      0.99,
      8,
    );
    assert.equal(plan.base.replications, 2);
    assert.deepEqual(outcome.results.map((r) => r.index), [0, 1]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
