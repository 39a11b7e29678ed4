// Work estimates (sim/scenario/estimate.ts): events from rates x simulated time,
// set-up memory from bound ports and VCPUs.
import assert from "node:assert/strict";
import {
  BYTES_PER_GUEST,
  BYTES_PER_PORT,
  BYTES_PER_VCPU,
  DEFAULT_EVENT_BUDGET,
  DEFAULT_MEMORY_BUDGET,
  estimateRun,
  EVENTS_PER_RAISE,
  EVENTS_PER_REQUEST,
  formatBytes,
  formatCount,
} from "../../../sim/scenario/estimate.ts";
import { parseScenario } from "../../../sim/scenario/scenario.ts";

function scenario(extra: Record<string, unknown>, group: Record<string, unknown> = {}) {
  return parseScenario({
    name: "e",
    duration_ms: 900,
    warmup_ms: 100,
    ...extra,
    groups: [{
      name: "g",
      ports: 10,
      arrival: { kind: "poisson", rate_per_s: 1000 },
      service: { kind: "const", ns: 100 },
      ...group,
    }],
  }, "e");
}

Deno.test("events are estimated from the rates times the simulated time, warm-up included", () => {
  // 1000 raises/s for 1 s of simulated time
  assert.equal(estimateRun(scenario({})).events, 1000 * EVENTS_PER_RAISE);
  // ten times the duration, ten times the events
  const long = scenario({ duration_ms: 9900 });
  assert.equal(estimateRun(long).events, 10 * 1000 * EVENTS_PER_RAISE);
  // a periodic group raises once per period on each of its ports
  const periodic = scenario({}, { arrival: { kind: "periodic", period_us: 100 } });
  assert.equal(estimateRun(periodic).events, 10 * 1e4 * EVENTS_PER_RAISE);
});

Deno.test("the runaway scenarios of a mailing list are estimated far beyond any budget", () => {
  // (each with the rates of a real storm: 100k raises/s)
  const huge = [
    scenario({ duration_ms: 1e9 }, { arrival: { kind: "poisson", rate_per_s: 1e5 } }),
    scenario({}, { arrival: { kind: "poisson", rate_per_s: 1e15 } }),
    scenario({}, { arrival: { kind: "periodic", period_us: 1e-6 } }),
  ];
  for (const s of huge) {
    assert.ok(estimateRun(s).events > 10 * DEFAULT_EVENT_BUDGET, JSON.stringify(s.groups[0]));
  }
});

Deno.test("set-up memory grows with the bound ports, per VCPU for 'each' groups", () => {
  const spread = estimateRun(scenario({ guest: { vcpus: 4 } }, { ports: 1000 }));
  assert.equal(spread.ports, 1000);
  assert.equal(spread.bytes, 1000 * BYTES_PER_PORT + 4 * BYTES_PER_VCPU);
  const each = estimateRun(scenario({ guest: { vcpus: 4096 } }, { ports: 1 << 20, vcpu: "each" }));
  assert.equal(each.ports, 4096 * (1 << 20));
  assert.ok(each.bytes > 100 * DEFAULT_MEMORY_BUDGET, formatBytes(each.bytes));
});

Deno.test("estimates read as orders of magnitude", () => {
  assert.equal(formatCount(31_400_000), "3.1e7");
  assert.equal(formatCount(Infinity), "unbounded");
  assert.equal(formatBytes(1536), "1.5 KiB");
});

Deno.test("a host's estimate counts its clients' requests and its guests' memory", () => {
  const s = parseScenario({
    name: "h",
    duration_ms: 1000,
    warmup_ms: 0,
    host: { guests: [{ count: 10, workload: { kind: "poisson", rate_per_s: 100 } }] },
  }, "h");
  const e = estimateRun(s);
  // 10 guests x (1 vif + 1 vbd) x 100 requests/s for 1 s.
  assert.equal(e.events, 2000 * EVENTS_PER_REQUEST);
  assert.ok(e.bytes >= 10 * BYTES_PER_GUEST);
});
