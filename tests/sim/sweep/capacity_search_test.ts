import assert from "node:assert/strict";
import {
  CapacitySearch,
  decideStep,
  type SearchOptions,
  type StepSample,
} from "../../../sim/sweep/capacity_search.ts";
import { parseObjective } from "../../../sim/sweep/capacity_objective.ts";

/** Run a search to its end against `evaluate`; returns the answer and the values asked. */
function drive(
  objective: string,
  options: SearchOptions,
  evaluate: (value: number, replications: number) => StepSample,
) {
  const s = new CapacitySearch(parseObjective(objective), options);
  const asked: [number, number][] = [];
  for (let r = s.next(); r; r = s.next()) {
    asked.push([r.value, r.replications]);
    assert.ok(asked.length < 1000, "the search does not end");
    s.record(r.value, evaluate(r.value, r.replications));
  }
  return { answer: s.answer(), asked };
}

/** A deterministic metric: `f(value)` in every replication. */
const exact = (f: (v: number) => number) => (v: number, n: number): StepSample => ({
  values: Array(n).fill(f(v)),
  portLimited: false,
});

Deno.test("a deterministic metric's capacity is the largest value meeting the bound", () => {
  for (const bound of [1, 7, 100, 413, 999]) {
    const { answer } = drive(
      `lat_mean_ns<=${bound * 10}`,
      { start: 3, max: 5000, replications: 2, maxReplications: 8 },
      exact((v) => 10 * v),
    );
    assert.equal(answer.capacity, bound);
    assert.equal(answer.capacityHigh, bound);
    assert.equal(answer.failedAt, bound + 1);
  }
});

Deno.test("the search grows by doubling until the objective fails, then bisects", () => {
  const { asked } = drive(
    "lat_mean_ns<=50",
    { start: 4, max: 1000, replications: 2, maxReplications: 2 },
    exact((v) => v),
  );
  assert.deepEqual(asked.slice(0, 5).map(([v]) => v), [4, 8, 16, 32, 64]);
  // then between 32 (meets) and 64 (fails)
  assert.deepEqual(asked.slice(5).map(([v]) => v), [48, 56, 52, 50, 51]);
});

Deno.test("a start value that already fails makes the search bisect downwards", () => {
  const { answer } = drive(
    "lat_mean_ns<=30",
    { start: 100, max: 1000, replications: 2, maxReplications: 2 },
    exact((v) => v),
  );
  assert.equal(answer.capacity, 30);
  const none = drive(
    "lat_mean_ns<=0",
    { start: 8, max: 1000, replications: 2, maxReplications: 2 },
    exact((v) => v),
  );
  assert.equal(none.answer.capacity, 0);
});

Deno.test("a search that still meets the objective at max reports max and no failure", () => {
  const { answer } = drive(
    "lat_mean_ns<=1e9",
    { start: 3, max: 40, replications: 2, maxReplications: 2 },
    exact((v) => v),
  );
  assert.equal(answer.capacity, 40);
  assert.equal(answer.failedAt, undefined);
});

Deno.test("the port limit fails a value without statistics", () => {
  const { answer } = drive(
    "lat_mean_ns<=1e9",
    { start: 8, max: 1000, replications: 2, maxReplications: 8 },
    (v, n) => ({ values: Array(n).fill(1), portLimited: v > 77 }),
  );
  assert.equal(answer.capacity, 77);
  assert.equal(answer.steps.find((s) => s.value === 78)?.verdict, "ports");
});

Deno.test("near the boundary the search adds replications before it decides", () => {
  // Noise of ±5 around 10·v: a value within the interval's reach of the bound needs more runs.
  const noisy = (v: number, n: number): StepSample => ({
    values: Array.from({ length: n }, (_, r) => 10 * v + (r % 2 === 0 ? 5 : -5)),
    portLimited: false,
  });
  const { answer, asked } = drive(
    "lat_mean_ns<=403",
    { start: 4, max: 1000, replications: 2, maxReplications: 16 },
    noisy,
  );
  assert.equal(answer.capacity, 40);
  assert.equal(answer.capacityHigh, 40);
  // 40 (mean 400): the 95% half-width is 63.5 with 2 replications, 9.2 with 4, 4.5 with 8
  // and 2.75 with 16, the first below the 3 between the mean and the bound.
  const at40 = asked.filter(([v]) => v === 40).map(([, n]) => n);
  assert.deepEqual(at40, [2, 4, 8, 16]);
  // 41 (mean 410) is decided to fail with 8.
  assert.deepEqual(asked.filter(([v]) => v === 41).map(([, n]) => n), [2, 4, 8]);
});

Deno.test("a boundary the replication cap cannot resolve is reported as an interval", () => {
  // Values 40..43 sit within noise of the bound, whatever the replications (noise ±50).
  const grey = (v: number, n: number): StepSample => ({
    values: Array.from({ length: n }, (_, r) => 10 * v - 15 + (r % 2 === 0 ? 50 : -50)),
    portLimited: false,
  });
  const { answer } = drive(
    "lat_mean_ns<=400",
    { start: 4, max: 1000, replications: 2, maxReplications: 4 },
    grey,
  );
  assert.ok(answer.capacity < answer.capacityHigh, JSON.stringify(answer));
  // Everything decided to meet is below the truth (41.5), everything decided to fail above.
  assert.ok(answer.capacity <= 41 && answer.capacityHigh >= 41, JSON.stringify(answer));
  for (const s of answer.steps) {
    if (s.verdict === "meets") assert.ok(s.value <= answer.capacity);
    if (s.verdict === "fails") assert.ok(s.value > answer.capacityHigh);
  }
});

Deno.test("a resolution above 1 stops bisection at that gap and says so with an interval", () => {
  const { answer } = drive(
    "lat_mean_ns<=437",
    { start: 100, max: 100000, resolution: 50, replications: 2, maxReplications: 2 },
    exact((v) => v),
  );
  assert.ok(answer.capacity <= 437 && answer.capacityHigh >= 437);
  assert.ok(answer.capacityHigh - answer.capacity < 50);
});

Deno.test("a step is decided only when its 95% interval lies on one side of the bound", () => {
  const o = parseObjective("lat_mean_ns<=100");
  // mean 95, sd 1 over 4: half-width 3.18 * 0.5 = 1.59: below 100.
  assert.equal(decideStep(o, { values: [94, 96, 94, 96], portLimited: false }).verdict, "meets");
  // mean 99, half-width 1.59: the interval reaches 100.59.
  assert.equal(
    decideStep(o, { values: [98, 100, 98, 100], portLimited: false }).verdict,
    "undecided",
  );
  assert.equal(
    decideStep(o, { values: [104, 106, 104, 106], portLimited: false }).verdict,
    "fails",
  );
  const ge = parseObjective("jain_latency>=0.9");
  assert.equal(
    decideStep(ge, { values: [0.95, 0.95, 0.96, 0.96], portLimited: false }).verdict,
    "meets",
  );
  assert.equal(decideStep(ge, { values: [0.5, 0.51], portLimited: false }).verdict, "fails");
  assert.equal(decideStep(o, { values: [1, NaN], portLimited: false }).verdict, "fails");
  assert.equal(decideStep(o, { values: [1, 1], portLimited: true }).verdict, "ports");
});
