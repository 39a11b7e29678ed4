import assert from "node:assert/strict";
import {
  checkObjectiveColumn,
  meets,
  parseObjective,
} from "../../../sim/sweep/capacity_objective.ts";
import { InputError } from "../../../sim/io/errors.ts";

Deno.test("an objective's time units are converted to nanoseconds", () => {
  assert.equal(parseObjective("rt_p99_ns<=200us").bound, 200_000);
  assert.equal(parseObjective("rt_p99_ns<=200µs").bound, 200_000);
  assert.equal(parseObjective("lat_mean_ns <= 1.5ms").bound, 1_500_000);
  assert.equal(parseObjective("lat_mean_ns<=2s").bound, 2e9);
  assert.equal(parseObjective("lat_mean_ns<=750").bound, 750);
  assert.equal(parseObjective("rt_p99_ns<=200us").canonical, "rt_p99_ns<=200000");
});

Deno.test("an objective may ask for a metric at or above a bound", () => {
  const o = parseObjective("jain_latency>=0.9");
  assert.equal(o.op, ">=");
  assert.equal(o.bound, 0.9);
  assert.ok(meets(o, 0.95));
  assert.ok(meets(o, 0.9));
  assert.ok(!meets(o, 0.85));
});

Deno.test("a bound equal to the metric meets a <= objective, a missing metric meets none", () => {
  const o = parseObjective("lat_p99_ns<=1us");
  assert.ok(meets(o, 1000));
  assert.ok(!meets(o, 1001));
  assert.ok(!meets(o, NaN));
});

Deno.test("a malformed objective is refused with the flag and the expected form", () => {
  for (const bad of ["rt_p99_ns", "rt_p99_ns<200us", "<=200us", "rt_p99_ns<=fast", ""]) {
    assert.throws(
      () => parseObjective(bad),
      (e: unknown) =>
        e instanceof InputError && e.message.startsWith("--objective") &&
        e.message.includes('"<column><=<value>"'),
      bad,
    );
  }
});

Deno.test("a time unit on a column that is not a time, or an unknown unit, is refused", () => {
  assert.throws(() => parseObjective("dom0_busy<=80ms"), /needs a time column/);
  assert.throws(() => parseObjective("lat_p99_ns<=3weeks"), /unknown unit 'weeks'/);
});

Deno.test("an objective on a column the runs do not have names the column and some that exist", () => {
  const o = parseObjective("rt_p99_ns<=200us");
  assert.throws(
    () => checkObjectiveColumn(o, ["raised", "lat_p99_ns", "lat_mean_ns"]),
    (e: unknown) =>
      e instanceof InputError && /'rt_p99_ns' is not a summary\.csv column/.test(e.message) &&
      e.message.includes("lat_p99_ns"),
  );
  checkObjectiveColumn(o, ["rt_p99_ns"]);
});
