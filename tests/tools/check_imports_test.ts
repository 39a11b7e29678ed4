import assert from "node:assert/strict";
import { forbiddenImports, importCycles, readImportGraph } from "../../tools/check_imports.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const FIXTURE = new URL("./fixtures/bad_layout/", import.meta.url).pathname;

Deno.test("the project's own tree has no forbidden import and no cycle", async () => {
  const edges = await readImportGraph(ROOT);
  assert.ok(edges.length > 100, `expected the whole graph, got ${edges.length} edges`);
  assert.deepEqual(forbiddenImports(edges), []);
  assert.deepEqual(importCycles(edges), []);
});

Deno.test("the import check fails on a model that imports the engine and on a cycle", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      `${ROOT}tools/check_imports.ts`,
      FIXTURE,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 1, err);
  assert.match(err, /models\/leaky\.ts imports sim\/engine\/clock\.ts: models\/ may not import it/);
  assert.match(err, /reports\/report\.ts imports sim\/run\/ping\.ts: reports\/ may not import it/);
  assert.match(err, /import cycle: sim\/run\/ping\.ts -> sim\/run\/pong\.ts/);
});

Deno.test("only the command line and tests may import sim/cli/", () => {
  const bad = forbiddenImports([
    { from: "sim/sweep/sweep.ts", to: "sim/cli/cli.ts" },
    { from: "tests/sim/cli/cli_run_test.ts", to: "sim/cli/cli.ts" },
  ]);
  assert.equal(bad.length, 2, bad.join("\n")); // outside the sweep's room, and guarded
  assert.ok(bad.every((b) => b.startsWith("sim/sweep/sweep.ts imports sim/cli/cli.ts")));
});

Deno.test("benchmark-only event lists stay out of the product", () => {
  const bad = forbiddenImports([
    { from: "sim/engine/engine.ts", to: "bench/lists/ladder.ts" },
    { from: "bench/event_list_bench.ts", to: "bench/lists/ladder.ts" },
  ]);
  assert.equal(bad.length, 2, bad.join("\n")); // outside the engine's room, and guarded
  assert.ok(bad.every((b) => b.startsWith("sim/engine/engine.ts")));
});

Deno.test("a chain without a back edge is not a cycle, a self-import is", () => {
  assert.deepEqual(importCycles([{ from: "a.ts", to: "b.ts" }, { from: "b.ts", to: "c.ts" }]), []);
  assert.deepEqual(importCycles([{ from: "a.ts", to: "a.ts" }]), [["a.ts"]]);
});
