// Validation (README: Validation): priority classes on one zero-cost VCPU.
//
// FIFO serves the highest-priority ready queue one event at a time and re-reads READY after
// every event, FIFO within a queue: a non-preemptive priority M/G/1 queue, whose per-class
// mean waits are Cobham's W_k = W0/((1−σ_{k−1})(1−σ_k)), W0 = Σ λ_i E[S_i²]/2,
// σ_k = Σ_{i≤k} ρ_i, classes taken in order of service. fifo:lowest-first scans READY from
// the other end, so the same formula holds with the classes in reverse order. 2l and 3l
// ignore priorities and serve in port order, which does not look at the class: with every
// port of every class raised at the same rate and the classes' service times alike, the ports
// are exchangeable and every class gets the pooled M/G/1 wait. With unlike service times, the
// overall mean is still the pooled M/G/1 wait (the order does not look at service times).
//
// Parameters: E[S] = 1 µs in every class, total ρ = 0.7, 200 raises/s per port (so the class
// sizes are proportional to their rates), 4000 ports or fewer; coalescing probability
// ≈ 200/s × W ≲ 10⁻³ (asserted), a negligible change of load. Warm-up and length: the
// relaxation time of the whole queue is about E[S]/(1−√ρ)² ≈ 35 µs; the lowest class's
// waits are correlated over busy periods of the higher classes, shorter still. A 2 ms warm-up
// (≈60 relaxation times) removes the empty-start bias, and each 40 ms replication averages
// ≥ 8000 waits per class over ≈1000 relaxation times, near-normal per replication.
import assert from "node:assert/strict";
import {
  assertAllInside,
  type ClassSpec,
  cobham,
  compare,
  type Comparison,
  groupRow,
  maxCoalescedFraction,
  num,
  pollaczekKhinchine,
  type PriorityClass,
  replicate,
  zeroCostScenario,
} from "./helpers.ts";

const REPLICATIONS = 10;
const PER_PORT_RATE = 200;
const ES = 1000;
const EXP: Record<string, unknown> = { kind: "exp", mean_ns: ES };

/** A class of `ratePerS` events/s spread at PER_PORT_RATE over as many ports as that takes. */
function klass(name: string, ratePerS: number, priority: number, service = EXP): ClassSpec {
  return { name, ports: ratePerS / PER_PORT_RATE, ratePerS, priority, service };
}

/** Second moment (ns²) of the service distributions used here. */
function es2(service: Record<string, unknown>): number {
  switch (service.kind) {
    case "exp":
      return 2 * (service.mean_ns as number) ** 2;
    case "const":
      return (service.ns as number) ** 2;
    case "uniform": {
      const a = service.min_ns as number, b = service.max_ns as number;
      return (a * a + a * b + b * b) / 3;
    }
  }
  throw new Error(`no second moment for ${service.kind}`);
}

function moments(c: ClassSpec): PriorityClass {
  return { lambda: c.ratePerS / 1e9, es: ES, es2: es2(c.service) };
}

// Two classes, exponential service: high (priority 3) 300 000/s, low (priority 9) 400 000/s.
const TWO = [klass("high", 300_000, 3), klass("low", 400_000, 9)];
// Three classes with unlike service times of mean 1 µs.
const THREE = [
  klass("p1", 200_000, 1, { kind: "const", ns: ES }),
  klass("p7", 200_000, 7, EXP),
  klass("p14", 300_000, 14, { kind: "uniform", min_ns: 0, max_ns: 2 * ES }),
];
// Three classes with alike (exponential) service times, for the no-separation check.
const THREE_ALIKE = THREE.map((c) => ({ ...c, service: EXP }));

/** Per-class mean waits of `classes` under `abi`, one array per class. */
function classWaits(id: string, classes: ClassSpec[], abi: string): number[][] {
  const s = zeroCostScenario(id, classes, 40, 2, 1);
  const results = replicate(s, abi, REPLICATIONS);
  assert.ok(maxCoalescedFraction(results) < 1e-3, `${abi}: coalescing is not negligible`);
  return classes.map((c) => results.map((r) => num(groupRow(r, c.name), "lat_mean_ns")));
}

/** Compare each class with Cobham's formula, `order` giving the classes in order of service. */
function checkCobham(
  id: string,
  classes: ClassSpec[],
  abi: string,
  reversed: boolean,
): Comparison[] {
  const order = reversed ? [...classes].reverse() : classes;
  const theory = cobham(order.map(moments));
  const waits = classWaits(id, classes, abi);
  return order.map((c, k) =>
    compare(
      `${id} ${abi}: class ${c.name} (served #${k + 1}) W (ns)`,
      theory[k],
      waits[classes.indexOf(c)],
    )
  );
}

Deno.test("fifo classes follow Cobham's non-preemptive priority formula", () => {
  assertAllInside([
    ...checkCobham("two-class", TWO, "fifo", false),
    ...checkCobham("three-class", THREE, "fifo", false),
  ]);
});

Deno.test("fifo:lowest-first serves the classes in reverse and follows Cobham reversed", () => {
  assertAllInside([
    ...checkCobham("two-class", TWO, "fifo:lowest-first", true),
    ...checkCobham("three-class", THREE, "fifo:lowest-first", true),
  ]);
});

/**
 * Under a priority-blind ABI, every class of `classes` (alike service times) gets the pooled
 * M/G/1 wait; with THREE's unlike service times the overall mean is the M/G/1 wait.
 */
function checkPooled(abi: string): Comparison[] {
  const out: Comparison[] = [];
  for (const [id, classes] of [["two-class", TWO], ["three-alike", THREE_ALIKE]] as const) {
    const lambda = classes.reduce((a, c) => a + c.ratePerS, 0) / 1e9;
    const wq = pollaczekKhinchine(lambda, ES, 2 * ES * ES);
    const waits = classWaits(id, [...classes], abi);
    classes.forEach((c, k) =>
      out.push(compare(`${id} ${abi}: class ${c.name} W (ns)`, wq, waits[k]))
    );
  }
  const s = zeroCostScenario("three-class", THREE, 40, 2, 1);
  const rate = THREE.reduce((a, c) => a + c.ratePerS, 0);
  const meanEs2 = THREE.reduce((a, c) => a + c.ratePerS * es2(c.service), 0) / rate;
  const results = replicate(s, abi, REPLICATIONS);
  out.push(
    compare(
      `three-class ${abi}: all classes W (ns)`,
      pollaczekKhinchine(rate / 1e9, ES, meanEs2),
      results.map((r) => num(r.summary, "lat_mean_ns")),
    ),
  );
  return out;
}

Deno.test("2l gives every priority class the pooled M/G/1 wait", () => {
  assertAllInside(checkPooled("2l"));
});

// The classes occupy consecutive port blocks (1–1500 and 1501–3500; 1–1000, 1001–2000 and
// 2001–3500), so this also checks that 3l's round-robin scan gives no port an advantage for
// its number, as 2l's does.
Deno.test("3l gives every priority class the pooled M/G/1 wait", () => {
  assertAllInside(checkPooled("3l"));
});
