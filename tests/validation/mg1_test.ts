// Validation (README: Validation): with zero costs, one dedicated VCPU and ports numerous enough that
// coalescing is negligible, every ABI is an M/G/1 queue with a work-conserving,
// non-preemptive order of service that does not look at service times. Such an order
// leaves the queue-length process that of FCFS, so by Little's law the mean dispatch
// wait is the Pollaczek–Khinchine Wq = λE[S²]/(2(1−ρ)) whatever the order: the port
// scan of 2l/3l, FIFO's arrival order, the drain and lowest-first variants.
//
// Parameters: λ = 600 000/s over 4000 ports (150/s per port), E[S] = 1 µs, ρ = 0.6.
// Warm-up and length: the queue starts empty; its relaxation time is about
// E[S]/(1−√ρ)² ≈ 20 µs, so the 2 ms warm-up (≈100 relaxation times) leaves an initial
// bias of order e^−100, and each 40 ms replication averages ≈24 000 waits over ≈2000
// relaxation times, enough for its mean to be near-normal (the Student-t interval's
// assumption). Coalescing: a raise coalesces only when the port's previous instance is
// still pending, probability ≈ 150/s × Wq ≈ 2·10⁻⁴; it removes that fraction of the
// load, which moves Wq by ≈ 2·10⁻⁴/(1−ρ) ≈ 0.05%, far inside the ≈3% half-width; the
// test asserts the fraction stays below 10⁻³. The mean completion latency (raise to the
// handler's end) is then the mean sojourn time Wq + E[S].
import assert from "node:assert/strict";
import {
  assertAllInside,
  compare,
  type Comparison,
  maxCoalescedFraction,
  num,
  pollaczekKhinchine,
  replicate,
  zeroCostScenario,
} from "./helpers.ts";

const ABIS = ["2l", "3l", "fifo", "fifo:drain", "fifo:lowest-first"];
const LAMBDA_PER_S = 600_000;
const ES = 1000;
const REPLICATIONS = 10;

function check(kind: string, id: string, service: Record<string, unknown>, es2: number): void {
  const s = zeroCostScenario(
    id,
    [{ name: "g", ports: 4000, ratePerS: LAMBDA_PER_S, service }],
    40,
    2,
    1,
  );
  const wq = pollaczekKhinchine(LAMBDA_PER_S / 1e9, ES, es2);
  const out: Comparison[] = [];
  const waits = new Map<string, number[]>();
  for (const abi of ABIS) {
    const results = replicate(s, abi, REPLICATIONS);
    assert.ok(maxCoalescedFraction(results) < 1e-3, `${abi}: coalescing is not negligible`);
    const w = results.map((r) => num(r.summary, "lat_mean_ns"));
    waits.set(abi, w);
    out.push(compare(`${kind} ${abi}: Wq (ns)`, wq, w));
    // Completion latency runs from the raise to the handler's end: the sojourn time Wq + E[S].
    const done = results.map((r) => num(r.summary, "done_mean_ns"));
    out.push(compare(`${kind} ${abi}: sojourn Wq + E[S] (ns)`, wq + ES, done));
  }
  // The order of service does not change the mean, seen directly: replication r of every ABI
  // saw the same arrivals and service draws (common random numbers), so the paired
  // difference from fifo is a much sharper test than the distance to theory.
  const base = waits.get("fifo")!;
  for (const abi of ABIS.filter((a) => a !== "fifo")) {
    const d = waits.get(abi)!.map((x, r) => x - base[r]);
    out.push(compare(`${kind} ${abi} − fifo: paired ΔWq (ns)`, 0, d));
  }
  assertAllInside(out);
}

Deno.test("M/M/1: every ABI's mean wait is the Pollaczek–Khinchine Wq and its sojourn Wq + E[S]", () => {
  check("M/M/1", "mm1", { kind: "exp", mean_ns: ES }, 2 * ES * ES);
});

Deno.test("M/D/1: every ABI's mean wait is the Pollaczek–Khinchine Wq and its sojourn Wq + E[S]", () => {
  check("M/D/1", "md1", { kind: "const", ns: ES }, ES * ES);
});
