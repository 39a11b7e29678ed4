// Validation (README: Validation): with zero-cost top halves, every event's work deferred
// to one item on a dedicated VCPU, and Poisson arrivals over many ports, the bottom half
// is an M/M/1 queue: the VCPU serves deferred items one at a time, never idles while one
// waits, and picks the next without looking at service times (the kthread takes its queue
// of ports in order, NAPI its poll list). The mean completion latency (raise to the end of
// the deferred work) is then the M/M/1 sojourn time W + E[S] = E[S]/(1−ρ) whatever the
// order, and the dispatch latency is zero (the top half takes no time).
//
// Parameters: λ = 600 000/s over 4000 ports, E[S] = 1 µs exponential, ρ = 0.6: sojourn
// 2500 ns. Warm-up 2 ms (≈100 relaxation times, see mg1_test.ts), 40 ms replications.
import assert from "node:assert/strict";
import { parseScenario } from "../../sim/scenario/scenario.ts";
import { assertAllInside, compare, type Comparison, num, replicate } from "./helpers.ts";

const LAMBDA_PER_S = 600_000;
const ES = 1000;
const REPLICATIONS = 10;

Deno.test("with zero-cost top halves, completion latency of deferred work is the M/M/1 sojourn time", () => {
  const rho = LAMBDA_PER_S / 1e9 * ES;
  const sojourn = ES / (1 - rho);
  const out: Comparison[] = [];
  for (const kind of ["thread", "softirq"]) {
    const s = parseScenario({
      name: `deferred-${kind}`,
      costs: "zero",
      duration_ms: 40,
      warmup_ms: 2,
      seed: 1,
      guest: { vcpus: 1 },
      starvation_ms: 1000,
      groups: [{
        name: "g",
        ports: 4000,
        vcpu: 0,
        arrival: { kind: "poisson", rate_per_s: LAMBDA_PER_S },
        service: { kind: "const", ns: 0 },
        deferred: { kind, item: { kind: "exp", mean_ns: ES } },
      }],
    }, "deferred_test");
    for (const abi of ["2l", "fifo"]) {
      const results = replicate(s, abi, REPLICATIONS);
      for (const r of results) assert.equal(num(r.summary, "lat_max_ns"), 0, "dispatch is instant");
      out.push(compare(
        `${kind} ${abi}: sojourn (ns)`,
        sojourn,
        results.map((r) => num(r.summary, "done_mean_ns")),
      ));
    }
  }
  assertAllInside(out);
});
