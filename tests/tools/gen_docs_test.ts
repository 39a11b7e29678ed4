import assert from "node:assert/strict";
import { join } from "node:path";
import { typeOf } from "../../tools/gen_docs.ts";
import { copyProject, runTool } from "./docs_helpers.ts";

function edit(path: string, from: string, to: string): void {
  const text = Deno.readTextFileSync(path);
  assert.ok(text.includes(from), `${path} no longer holds ${from}`);
  Deno.writeTextFileSync(path, text.replace(from, to));
}

Deno.test("docs:check fails, naming each page and the task, when a default, a flag or a CSV column changes", async () => {
  const dir = await copyProject();
  try {
    const clean = await runTool(dir, "tools/gen_docs.ts", ["--check"]);
    assert.equal(clean.code, 0, `an unchanged copy must pass:\n${clean.stderr}`);

    edit(
      join(dir, "sim/scenario/schema.ts"),
      "duration_ms: pos.default(100)",
      "duration_ms: pos.default(200)",
    );
    edit(join(dir, "sim/cli/flags.ts"), `help: "master seed"`, `help: "the master seed"`);
    edit(
      join(dir, "sim/run/metrics.ts"),
      "upcalls: this.upcalls,",
      "upcalls: this.upcalls, upcall_entries: this.upcalls,",
    );
    edit(
      join(dir, "sim/run/columns.ts"),
      "  upcalls: {",
      '  upcall_entries: { unit: "upcalls", text: "upcall entries" },\n  upcalls: {',
    );
    const stale = await runTool(dir, "tools/gen_docs.ts", ["--check"]);
    assert.equal(stale.code, 1, stale.stderr);
    for (
      const page of [
        "docs/reference/scenario.md",
        "docs/reference/cli.md",
        "docs/reference/results.md",
      ]
    ) {
      assert.match(stale.stderr, new RegExp(`${page} is out of date .*run \`deno task docs\``));
    }
    assert.doesNotMatch(stale.stderr, /costs\.md/);

    const write = await runTool(dir, "tools/gen_docs.ts", []);
    assert.equal(write.code, 0, write.stderr);
    const scenario = Deno.readTextFileSync(join(dir, "docs/reference/scenario.md"));
    assert.match(scenario, /\| `duration_ms` +\| number > 0 +\| `200` /);
    assert.match(Deno.readTextFileSync(join(dir, "docs/reference/results.md")), /`upcall_entries`/);
    const again = await runTool(dir, "tools/gen_docs.ts", ["--check"]);
    assert.equal(again.code, 0, again.stderr);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("docs:check fails when a column is written that nothing describes", async () => {
  const dir = await copyProject();
  try {
    edit(
      join(dir, "sim/run/metrics.ts"),
      "upcalls: this.upcalls,",
      "upcalls: this.upcalls, mystery: 1,",
    );
    const res = await runTool(dir, "tools/gen_docs.ts", ["--check"]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(
      res.stderr,
      /column mystery is written to the results but has no description in sim\/run\/columns\.ts/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("docs:check fails when a host run or a capacity search writes a column that nothing describes", async () => {
  const dir = await copyProject();
  try {
    const host = join(dir, "sim/host/run_host.ts");
    const before = Deno.readTextFileSync(host);
    edit(host, "ring_stalls: sim.ringStalls,", "ring_stalls: sim.ringStalls, host_mystery: 1,");
    const res = await runTool(dir, "tools/gen_docs.ts", ["--check"]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(
      res.stderr,
      /column host_mystery is written to the results but has no description in sim\/run\/columns\.ts/,
    );
    Deno.writeTextFileSync(host, before);
    edit(
      join(dir, "sim/sweep/capacity.ts"),
      "steps: a.steps.length,",
      "steps: a.steps.length, capacity_mystery: 1,",
    );
    const cap = await runTool(dir, "tools/gen_docs.ts", ["--check"]);
    assert.equal(cap.code, 1, cap.stderr);
    assert.match(
      cap.stderr,
      /column capacity_mystery is written to the results but has no description in sim\/sweep\/capacity_columns\.ts/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a key's type reads as its bounds and choices", () => {
  assert.equal(typeOf({ type: "integer", minimum: 1, maximum: 4096 }), "integer 1–4096");
  assert.equal(typeOf({ type: "number", exclusiveMinimum: 0 }), "number > 0");
  assert.equal(typeOf({ type: "number", minimum: 0, exclusiveMaximum: 1 }), "number >= 0, < 1");
  assert.equal(typeOf({ type: "string", enum: ["busy", "halt"] }), '`"busy"` or `"halt"`');
  assert.equal(
    typeOf({ type: "array", items: { type: "integer", minimum: 0 }, minItems: 1 }),
    "list of integer >= 0 (at least 1)",
  );
});
