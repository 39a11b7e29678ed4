import assert from "node:assert/strict";
import { join } from "node:path";
import { FIGURES, reportSections } from "../../tools/doc_figures.ts";
import { copyProject, runTool } from "./docs_helpers.ts";

Deno.test("a report's sections are cut at their underlined titles, indentation kept", () => {
  const text = [
    "title",
    "=====",
    "",
    "Findings",
    "--------",
    "",
    "- one",
    "",
    "Table",
    "-----",
    "",
    "  a  b",
    "  -  -",
    "",
  ].join("\n");
  const s = reportSections(text);
  assert.deepEqual([...s.keys()], ["Findings", "Table"]);
  assert.equal(s.get("Findings"), "- one");
  assert.equal(s.get("Table"), "  a  b\n  -  -");
});

Deno.test("every quoted figure names the command a user would type", () => {
  for (const [name, f] of Object.entries(FIGURES)) {
    for (const c of f.commands) {
      assert.match(c.shown, /^(deno task sim |VALIDATION_PRINT=1 deno test )/, name);
      assert.ok(!c.shown.includes("{out}"), name);
    }
  }
});

Deno.test("docs:figures:check fails, naming the page, when a model change moves a quoted figure", async () => {
  const dir = await copyProject();
  try {
    const args = ["--check", "--only=tutorial-run"];
    const same = await runTool(dir, "tools/doc_figures.ts", args);
    assert.equal(same.code, 0, `an unchanged copy must pass:\n${same.stderr}`);
    const costs = join(dir, "models/costs.ts");
    const text = Deno.readTextFileSync(costs);
    assert.ok(text.includes("upcall_ns: 2000,"));
    Deno.writeTextFileSync(costs, text.replace("upcall_ns: 2000,", "upcall_ns: 2500,"));
    const moved = await runTool(dir, "tools/doc_figures.ts", args);
    assert.equal(moved.code, 1, moved.stderr);
    assert.match(
      moved.stderr,
      /the figures quoted in docs\/tutorial\.md no longer match .*run `deno task docs:figures`/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
