import assert from "node:assert/strict";
import { join } from "node:path";
import { pages, ROOT } from "../../tools/gen_docs.ts";
import { checkScenario } from "../../sim/scenario/schema.ts";
import { expandPlan } from "../../sim/sweep/plan.ts";

/** A JSON code block of a page: its line, its info string and its text. */
interface Block {
  page: string;
  line: number;
  info: string;
  text: string;
}

function jsonBlocks(root: string): Block[] {
  const blocks: Block[] = [];
  for (const page of pages(root)) {
    const lines = Deno.readTextFileSync(join(root, page)).split("\n");
    for (let i = 0; i < lines.length; i++) {
      const open = lines[i].match(/^(\s*)```(json\S*)(.*)$/);
      if (!open) continue;
      const indent = open[1].length;
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) {
        body.push(lines[j].slice(indent));
      }
      blocks.push({ page, line: i + 1, info: (open[2] + open[3]).trim(), text: body.join("\n") });
      i = j;
    }
  }
  return blocks;
}

/** The JSON values of a block: the whole block, or one value per line when it holds several. */
function valuesOf(b: Block): unknown[] {
  try {
    return [JSON.parse(b.text)];
  } catch {
    return b.text.split("\n").filter((l) => l.trim() !== "").map((l, k) => {
      try {
        return JSON.parse(l);
      } catch (e) {
        throw new Error(`${b.page}:${b.line + 1 + k}: not JSON: ${(e as Error).message}`);
      }
    });
  }
}

/** A minimal valid scenario that a fragment (`{ "costs": ... }`) is laid over. */
const MINIMAL = {
  name: "fragment",
  groups: [{
    name: "g",
    ports: 1,
    arrival: { kind: "poisson", rate_per_s: 1000 },
    service: { kind: "const", ns: 100 },
  }],
};

/** Every problem of the JSON blocks of the pages under `root`. */
function problems(root: string): { checked: number; errors: string[] } {
  const errors: string[] = [];
  let checked = 0;
  for (const b of jsonBlocks(root)) {
    if (b.info.includes("ignore")) continue;
    let values: unknown[];
    try {
      values = valuesOf(b);
    } catch (e) {
      errors.push((e as Error).message);
      continue;
    }
    for (const v of values) {
      checked++;
      const where = `${b.page}:${b.line}`;
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        errors.push(`${where}: a JSON block that is not an object`);
        continue;
      }
      const obj = v as Record<string, unknown>;
      if ("base" in obj) {
        try {
          expandPlan({ source: where, path: join(root, b.page), raw: obj }, {});
        } catch (e) {
          errors.push(`${where}: ${(e as Error).message}`);
        }
        continue;
      }
      const scenario = "groups" in obj ? obj : { ...MINIMAL, ...obj };
      const res = checkScenario(scenario);
      if (!res.success) {
        errors.push(`${where}: ${JSON.stringify(res.error.issues)}`);
      }
    }
  }
  return { checked, errors };
}

Deno.test("every JSON scenario, sweep and scenario fragment shown in README.md and docs/ validates", () => {
  const { checked, errors } = problems(ROOT);
  assert.ok(checked >= 10, `expected the docs' JSON blocks, found ${checked}`);
  assert.deepEqual(errors, []);
});

Deno.test("a docs page showing an invalid scenario or a broken sweep is reported with its line", () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${root}/docs`);
    Deno.writeTextFileSync(`${root}/README.md`, "# x\n");
    Deno.writeTextFileSync(
      `${root}/docs/page.md`,
      [
        "# Page",
        "",
        "```json",
        JSON.stringify({ ...MINIMAL, duration_ms: -1 }),
        "```",
        "",
        "```json",
        JSON.stringify({ base: MINIMAL, grid: { "groups.0.ports": [1, -5] } }),
        "```",
        "",
        "```json",
        '{ "costs": { "upcall_ns": 5000 } }',
        '{ "costs": { "no_such_cost_ns": 1 } }',
        "```",
        "",
        "```json ignore",
        '{ "abis": ["fifo"], "...": "..." }',
        "```",
        "",
      ].join("\n"),
    );
    const { checked, errors } = problems(root);
    assert.equal(checked, 4);
    assert.equal(errors.length, 3, errors.join("\n"));
    assert.match(errors[0], /^docs\/page\.md:3: .*duration_ms/);
    assert.match(errors[1], /^docs\/page\.md:7: .*groups\.0\.ports/);
    assert.match(errors[2], /^docs\/page\.md:11: .*no_such_cost_ns/);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
