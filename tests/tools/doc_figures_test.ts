import assert from "node:assert/strict";
import { join } from "node:path";
import { answerExcerpt, FIGURES, reportSections } from "../../tools/doc_figures.ts";
import { builtinNames } from "../../sim/scenario/builtins.ts";
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

Deno.test("a quoted Answer keeps every paragraph of it and stops at the lines every report adds", () => {
  const text = [
    "Question: q?",
    "",
    "Answer",
    "------",
    "",
    "2l: first paragraph",
    "of two lines.",
    "",
    "fifo against 2l: second.",
    "",
    "The question is about: mean round trip.",
    "",
    "ABIs: 2l, fifo.",
    "",
    "Findings",
    "--------",
    "",
    "- one",
  ].join("\n");
  assert.equal(
    answerExcerpt(text),
    "```text\n2l: first paragraph\nof two lines.\n\nfifo against 2l: second.\n```",
  );
});

Deno.test("every built-in that sim run answers has its Answer among the quoted figures", () => {
  const quoted = Object.keys(FIGURES).filter((n) => n.startsWith("answer-"));
  const runs = builtinNames().filter((n) => n !== "dom0-capacity");
  assert.deepEqual(quoted.sort(), runs.map((n) => `answer-${n}`).sort());
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
