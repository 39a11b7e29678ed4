import assert from "node:assert/strict";
import { InputError } from "../../../sim/io/errors.ts";
import type { LoadedInput } from "../../../sim/scenario/scenario.ts";
import { countRuns, expandPlan, parseShard, selectShard } from "../../../sim/sweep/plan.ts";

const base = {
  name: "tiny",
  abis: ["2l", "fifo"],
  duration_ms: 2,
  warmup_ms: 0,
  replications: 2,
  groups: [{
    name: "net",
    ports: 8,
    arrival: { kind: "poisson", rate_per_s: 100000 },
    service: { kind: "const", ns: 1000 },
  }],
};

function input(raw: unknown): LoadedInput {
  return { source: "sweep.json", path: "sweep.json", raw: structuredClone(raw) };
}

Deno.test("a grid expands to the product of its lists, the last key varying fastest", () => {
  const plan = expandPlan(
    input({ base, grid: { "groups.0.ports": [8, 16, 32], "duration_ms": [1, 2] } }),
    {},
  );
  assert.deepEqual(plan.params, ["groups.0.ports", "duration_ms"]);
  assert.equal(plan.runs.length, 3 * 2 * 2 * 2);
  const points = plan.runs.filter((r) => r.abi === "2l" && r.replication === 0).map((r) =>
    r.params
  );
  assert.deepEqual(points, [
    { "groups.0.ports": 8, duration_ms: 1 },
    { "groups.0.ports": 8, duration_ms: 2 },
    { "groups.0.ports": 16, duration_ms: 1 },
    { "groups.0.ports": 16, duration_ms: 2 },
    { "groups.0.ports": 32, duration_ms: 1 },
    { "groups.0.ports": 32, duration_ms: 2 },
  ]);
  assert.deepEqual(plan.runs.map((r) => r.index), plan.runs.map((_, i) => i));
  assert.equal(plan.runs[8].scenario.groups[0].ports, 16); // point 2: 2 ABIs x 2 replications a point
});

Deno.test("zip lists advance together as one more dimension of the grid", () => {
  const plan = expandPlan(
    input({
      base: { ...base, abis: ["fifo"], replications: 1 },
      grid: { "groups.0.ports": [8, 16] },
      zip: { "groups.0.arrival.rate_per_s": [1000, 2000, 3000], seed: [1, 2, 3] },
    }),
    {},
  );
  assert.equal(plan.runs.length, 2 * 3);
  assert.deepEqual(plan.runs[4].params, {
    "groups.0.ports": 16,
    "groups.0.arrival.rate_per_s": 2000,
    seed: 2,
  });
  assert.equal(plan.runs[4].scenario.seed, 2);
});

Deno.test("run ids and the sweep hash are stable and change with the resolved point", () => {
  const a = expandPlan(input({ base, grid: { "groups.0.ports": [8, 16] } }), {});
  const b = expandPlan(input({ base, grid: { "groups.0.ports": [8, 16] } }), {});
  assert.deepEqual(a.runs.map((r) => r.id), b.runs.map((r) => r.id));
  assert.equal(a.hash, b.hash);
  assert.equal(new Set(a.runs.map((r) => r.id)).size, a.runs.length);
  const c = expandPlan(input({ base, grid: { "groups.0.ports": [8, 17] } }), {});
  assert.equal(c.runs[0].id, a.runs[0].id);
  assert.notEqual(c.runs.at(-1)!.id, a.runs.at(-1)!.id);
  assert.notEqual(c.hash, a.hash);
  const d = expandPlan(input({ base, grid: { "groups.0.ports": [8, 16] } }), { seed: 9 });
  assert.notEqual(d.hash, a.hash);
});

Deno.test("an invalid grid point is reported with its coordinates before anything runs", () => {
  assert.throws(
    () => expandPlan(input({ base, grid: { "groups.0.ports": [8, -1], warmup_ms: [0, 1] } }), {}),
    (e: Error) =>
      e instanceof InputError && e.message.includes("grid point 2") &&
      e.message.includes("groups.0.ports=-1, warmup_ms=0") && e.message.includes("groups.0.ports"),
  );
});

Deno.test("malformed sweep files are refused with the key at fault", () => {
  const bad = (raw: unknown, needle: string) =>
    assert.throws(
      () => expandPlan(input(raw), {}),
      (e: Error) => e instanceof InputError && e.message.includes(needle),
    );
  bad({ base, zip: { seed: [1, 2], duration_ms: [1] } }, "seed has 2, duration_ms has 1");
  bad({ base, grid: { seed: [1, 2] }, zip: { seed: [3, 4] } }, "zip.seed");
  bad({ base, grid: { "groups.0.ports": [] } }, "grid.groups.0.ports");
  bad({ base, grid: { "groups..ports": [1] } }, "dotted path");
  bad({ base, grid: { "groups.0.ports": [8, 8] } }, "same scenario as grid point 0");
  bad({ base, rgid: {} }, "rgid");
  bad({ grid: { seed: [1] }, ...base }, "needs a base scenario");
});

Deno.test("shards split the runs by index modulo the shard count, each run in exactly one", () => {
  assert.deepEqual(parseShard("3/4"), { number: 3, count: 4 });
  for (const bad of ["0/4", "5/4", "1", "a/b", "1/0"]) {
    assert.throws(() => parseShard(bad), InputError);
  }
  const runs = Array.from({ length: 10 }, (_, index) => ({ index }));
  const parts = [1, 2, 3].map((number) => selectShard(runs, { number, count: 3 }));
  assert.deepEqual(parts[0].map((r) => r.index), [0, 3, 6, 9]);
  assert.deepEqual(
    parts.flat().map((r) => r.index).sort((a, b) => a - b),
    runs.map((r) => r.index),
  );
  assert.equal(selectShard(runs, undefined).length, 10);
});

Deno.test("a sweep's runs are counted from its lists, equal to what it expands to", () => {
  const base = {
    name: "c",
    abis: ["2l", "fifo"],
    replications: 2,
    groups: [{
      name: "g",
      ports: 4,
      arrival: { kind: "poisson", rate_per_s: 1000 },
      service: { kind: "const", ns: 1 },
    }],
  };
  const sweeps = [
    { base, grid: { seed: [1, 2, 3], "groups.0.ports": [4, 8] } },
    { base, grid: { abis: [["2l"], ["fifo", "3l"]] }, zip: { seed: [5, 6] } },
    {
      base,
      grid: { seed: [1, 2] },
      zip: { abis: [["2l"], ["2l", "fifo", "3l"]], duration_ms: [5, 6] },
    },
    base,
  ];
  for (const raw of sweeps) {
    const input = { source: "c.json", path: "/c.json", raw };
    assert.equal(countRuns(input, {}).runs, expandPlan(input, {}).runs.length, JSON.stringify(raw));
  }
});
