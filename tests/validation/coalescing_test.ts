// Validation (coalescing; Linux acks before the handler): coalescing on a single port.
//
// One port, Poisson raises at rate λ, exponential handlers of mean 1/μ, zero costs, one VCPU.
// Linux acks (clears P) before running the handler, so a raise during the handler creates a new
// pending instance, and only a raise while an instance is pending (not yet dispatched)
// coalesces. Let n = instances in service + pending ∈ {0, 1, 2}:
//   n = 0: a raise makes the port pending and (zero costs) the handler starts at once: n = 1;
//   n = 1: a raise makes the port pending again: n = 2;
//   n = 2: a raise finds P set: it coalesces, n stays 2;
//   a handler ends at rate μ: 1 → 0, 2 → 1 (the pending instance starts at once).
// That is the birth–death chain of M/M/1/2 (one in service, one waiting place): with r = λ/μ,
// π_n = r^n / (1 + r + r²). By PASTA, the fraction of raises that coalesce is π₂; the delivered
// rate is λ(1 − π₂); a delivered instance waits only if it arrived at n = 1, then for the
// residual handler, exponential of mean 1/μ: W = π₁/(π₀ + π₁) · 1/μ.
//
// Parameters: λ = 800 000/s, 1/μ = 1 µs, r = 0.8: π₂ = 0.64/2.44 = 0.2623, W = 444.4 ns. The
// chain mixes in a few µs, so a 1 ms warm-up removes the start from empty and each 40 ms
// replication (≈32 000 raises) gives a near-normal replication mean.
import {
  assertAllInside,
  compare,
  type Comparison,
  num,
  replicate,
  zeroCostScenario,
} from "./helpers.ts";

const RATE_PER_S = 800_000;
const ES = 1000;
const REPLICATIONS = 10;
const DURATION_MS = 40;

Deno.test("a single port coalesces raises as an M/M/1/2 queue blocks them", () => {
  const r = RATE_PER_S / 1e9 * ES;
  const z = 1 + r + r * r;
  const pi = [1 / z, r / z, r * r / z];
  const s = zeroCostScenario(
    "coalescing",
    [{ name: "one", ports: 1, ratePerS: RATE_PER_S, service: { kind: "exp", mean_ns: ES } }],
    DURATION_MS,
    1,
    1,
  );
  const out: Comparison[] = [];
  for (const abi of ["2l", "3l", "fifo"]) {
    const res = replicate(s, abi, REPLICATIONS);
    const raised = res.map((x) => num(x.summary, "raised"));
    out.push(
      compare(
        `${abi}: coalesced / raised`,
        pi[2],
        res.map((x, k) => num(x.summary, "coalesced") / raised[k]),
      ),
    );
    out.push(
      compare(
        `${abi}: delivered per second`,
        RATE_PER_S * (1 - pi[2]),
        res.map((x) => num(x.summary, "delivered") / (DURATION_MS / 1e3)),
      ),
    );
    out.push(
      compare(
        `${abi}: mean dispatch wait (ns)`,
        pi[1] / (pi[0] + pi[1]) * ES,
        res.map((x) => num(x.summary, "lat_mean_ns")),
      ),
    );
  }
  assertAllInside(out);
});
