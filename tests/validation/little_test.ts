// Validation (README: Validation): Little's law for the events waiting on one zero-cost VCPU.
//
// The number of pending instances is measured independently of the dispatch-latency metric:
// a Tracer (sim/run/guest.ts) counts +1 at every raise that creates an instance (outcome 0) and
// −1 at every handler start, and integrates that count over the measured window. Little's
// law says its time average is Lq = λ·Wq; with Pollaczek–Khinchine, Lq = λ²E[S²]/(2(1−ρ)).
// Applied to the server instead of the queue, the time-average number in service is λ·E[S] =
// ρ. Three checks per ABI, each at 99%: the replications' Lq against λ·Wq of theory, the paired
// difference Lq − λ·W (W the run's measured mean dispatch latency, λ the nominal rate) against
// 0, and the fraction of time a handler runs against ρ.
//
// The paired difference is not zero by construction: Lq comes from the tracer's counts, W from
// the metrics, and λ is the nominal rate, not the run's count. Its expectation differs from 0
// only by edge effects (instances straddling the window ends, ≈ Lq·W/T ≈ 3·10⁻⁵ relative) and
// by the coalesced fraction (< 10⁻³, asserted; ≈ 2·10⁻⁴ relative), both far below the ≈1%
// half-width.
//
// Parameters: M/M/1, λ = 600 000/s over 4000 ports, E[S] = 1 µs, ρ = 0.6. Warm-up and length as
// in mg1_test.ts: 2 ms of warm-up is ≈100 relaxation times (E[S]/(1−√ρ)² ≈ 20 µs); each 40 ms
// replication spans ≈2000 of them.
import assert from "node:assert/strict";
import type { Tracer } from "../../sim/run/guest.ts";
import {
  assertAllInside,
  compare,
  type Comparison,
  num,
  pollaczekKhinchine,
  runReplication,
  zeroCostScenario,
} from "./helpers.ts";

/** Integrates the number of pending instances and of running handlers over [from, to]. */
class PendingIntegrator implements Tracer {
  readonly #pending: Uint8Array;
  readonly #from: number;
  readonly #to: number;
  #n = 0;
  #last = 0;
  /** ∫ pending instances dt over the window (instance·ns). */
  area = 0;
  /** Handler time inside the window (ns). */
  busy = 0;
  /** Events that contradict the count: a new instance on a pending port, a dispatch of a
   * port with none, time going backwards. */
  anomalies = 0;

  constructor(ports: number, from: number, to: number) {
    this.#pending = new Uint8Array(ports);
    this.#from = from;
    this.#to = to;
  }

  #advance(t: number): void {
    if (t < this.#last) this.anomalies++;
    const a = Math.max(this.#last, this.#from), b = Math.min(t, this.#to);
    if (b > a) this.area += this.#n * (b - a);
    this.#last = t;
  }

  raise(t: number, port: number, _group: number, outcome: number): void {
    if (outcome !== 0) return;
    this.#advance(t);
    if (this.#pending[port] === 1) this.anomalies++;
    else this.#n++;
    this.#pending[port] = 1;
  }

  handler(_vcpu: number, port: number, _group: number, start: number, done: number): void {
    this.#advance(start);
    if (this.#pending[port] === 1) {
      this.#pending[port] = 0;
      this.#n--;
    } else {
      this.anomalies++;
    }
    this.busy += Math.max(0, Math.min(done, this.#to) - Math.max(start, this.#from));
  }

  upcall(): void {}

  descheduled(): void {}

  /** Close the integral at the window's end. */
  finish(): void {
    this.#advance(this.#to);
  }
}

const LAMBDA = 600_000 / 1e9; // per ns
const ES = 1000;
const REPLICATIONS = 10;
const WARMUP_MS = 2;
const DURATION_MS = 40;

Deno.test("the time-average number of pending events obeys Little's law L = λW", () => {
  const s = zeroCostScenario(
    "little",
    [{ name: "g", ports: 4000, ratePerS: LAMBDA * 1e9, service: { kind: "exp", mean_ns: ES } }],
    DURATION_MS,
    WARMUP_MS,
    1,
  );
  const wq = pollaczekKhinchine(LAMBDA, ES, 2 * ES * ES);
  const from = WARMUP_MS * 1e6, to = (WARMUP_MS + DURATION_MS) * 1e6, T = to - from;
  const out: Comparison[] = [];
  for (const abi of ["2l", "fifo"]) {
    const lq: number[] = [], diff: number[] = [], util: number[] = [];
    for (let r = 0; r < REPLICATIONS; r++) {
      const tr = new PendingIntegrator(1 << 17, from, to);
      const res = runReplication(s, abi, r, tr);
      tr.finish();
      assert.equal(tr.anomalies, 0, `${abi} replication ${r}: the pending count went wrong`);
      const raised = num(res.summary, "raised");
      assert.ok(num(res.summary, "coalesced") / raised < 1e-3, `${abi}: coalescing`);
      lq.push(tr.area / T);
      diff.push(tr.area / T - LAMBDA * num(res.summary, "lat_mean_ns"));
      util.push(tr.busy / T);
    }
    out.push(compare(`${abi}: Lq (time-average pending)`, LAMBDA * wq, lq));
    out.push(compare(`${abi}: paired Lq − λ·W`, 0, diff));
    out.push(compare(`${abi}: fraction of time in a handler`, LAMBDA * ES, util));
  }
  assertAllInside(out);
});
