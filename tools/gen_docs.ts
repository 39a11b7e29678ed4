/**
 * The generated parts of the manual. The tables of scenario keys come from
 * the zod schema (`sim/scenario/schema.ts`: keys, types, bounds, defaults and
 * `.describe()` texts), the command line from the flag table
 * (`sim/cli/flags.ts`), the CSV columns from the files small runs write (a
 * sweep, a host sweep and a capacity search, in `tools/docs/`; described by
 * `sim/run/columns.ts` and `sim/sweep/capacity_columns.ts`), the cost fields from
 * `models/costs.ts` and `models/cost_docs.ts`, and the built-ins from
 * `scenarios/`.
 *
 * A page holds a generated region between `<!-- generated:NAME -->` and
 * `<!-- /generated:NAME -->`; everything else in the page is written by hand.
 * Pages are formatted with `deno fmt` after filling, so the result is stable.
 *
 * Usage: `deno task docs` rewrites the regions; `deno task docs:check` (the
 * `--check` flag) writes nothing and exits 1, naming every page that is out
 * of date, when a region differs from what the code says.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fromCsv } from "../reports/csv.ts";
import { scenarioJsonSchema } from "../sim/scenario/schema.ts";
import { COMMANDS, FLAGS, helpText } from "../sim/cli/flags.ts";
import { COST_FIELDS, COST_RANGES, type Costs, DEFAULT_COSTS } from "../models/costs.ts";
import { COST_DOCS } from "../models/cost_docs.ts";
import { COLUMN_DOCS, type ColumnDoc, HOST_COLUMN_DOCS } from "../sim/run/columns.ts";
import { CAPACITY_COLUMN_DOCS } from "../sim/sweep/capacity_columns.ts";
import { builtinNames } from "../sim/scenario/builtins.ts";
import { loadInput } from "../sim/scenario/scenario.ts";
import { countRuns } from "../sim/sweep/plan.ts";

/** The project's root: the folder above this tool's own. */
export const ROOT: string = new URL("..", import.meta.url).pathname;

type Json = Record<string, unknown>;

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Escape a table cell: `|` would end it. */
function cell(s: string): string {
  // Outside inline code, `<` would open an HTML tag on GitHub.
  const text = s.split("`").map((part, i) => i % 2 ? part : part.replace(/</g, "&lt;")).join("`");
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** A Markdown table; a column of numbers only is aligned right. */
function table(head: string[], rows: string[][]): string {
  const numeric = head.map((_, c) =>
    rows.length > 0 && rows.every((r) => /^-?[0-9][0-9.e+]*$/.test(r[c] ?? ""))
  );
  return [
    `| ${head.join(" | ")} |`,
    `| ${numeric.map((n) => n ? "---:" : "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

function code(s: string): string {
  return "`" + s + "`";
}

function num(n: number): string {
  return n === 2 ** 32 - 1 ? "2^32−1" : String(n);
}

/** A JSON Schema value's type in words: `integer 1–4096`, `"busy" or "halt"`, ... */
export function typeOf(p: Json): string {
  if (p.const !== undefined) return code(JSON.stringify(p.const));
  if (Array.isArray(p.enum)) {
    // A long list of names (the ABI ids) is named by its meaning, not repeated.
    if (p.enum.length > 4) return "string";
    return p.enum.map((v) => code(JSON.stringify(v))).join(" or ");
  }
  const alts = (p.anyOf ?? p.oneOf) as Json[] | undefined;
  if (alts) {
    const kinds = alts.map((a) => (a.properties as Json | undefined)?.kind as Json | undefined);
    if (kinds.every((k) => k?.const !== undefined)) {
      return `object with ${code("kind")}: ` +
        kinds.map((k) => code(JSON.stringify(k!.const))).join(", ");
    }
    return [...new Set(alts.map(typeOf))].join(" or ");
  }
  const lo = p.minimum as number | undefined;
  const xlo = p.exclusiveMinimum as number | undefined;
  const hi = p.maximum as number | undefined;
  const xhi = p.exclusiveMaximum as number | undefined;
  const bounds = () => {
    const max = hi !== undefined && hi < MAX_SAFE ? hi : undefined;
    if (lo !== undefined && max !== undefined) return ` ${num(lo)}–${num(max)}`;
    const parts: string[] = [];
    if (lo !== undefined) parts.push(`>= ${lo}`);
    if (xlo !== undefined) parts.push(`> ${xlo}`);
    if (max !== undefined) parts.push(`<= ${max}`);
    if (xhi !== undefined) parts.push(`< ${xhi}`);
    return parts.length ? ` ${parts.join(", ")}` : "";
  };
  switch (p.type) {
    case "integer":
      return `integer${bounds()}`;
    case "number":
      return `number${bounds()}`;
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "array": {
      const min = p.minItems as number | undefined;
      return `list of ${typeOf(p.items as Json)}${min ? ` (at least ${min})` : ""}`;
    }
    case "object":
      return "object";
  }
  return "any";
}

function defaultOf(p: Json, required: boolean): string {
  if (required) return "required";
  if (p.default === undefined) return "none";
  if (typeof p.default === "object" && p.default !== null && !Array.isArray(p.default)) {
    const text = JSON.stringify(p.default);
    return text.length <= 40 ? code(text) : "each key's default";
  }
  return code(JSON.stringify(p.default));
}

/** The table of an object's keys: key, type, default, meaning. */
function keysTable(obj: Json): string {
  const props = (obj.properties ?? {}) as Record<string, Json>;
  const required = new Set((obj.required ?? []) as string[]);
  return table(
    ["key", "type", "default", "meaning"],
    Object.entries(props).map(([k, p]) => [
      code(k),
      typeOf(p),
      defaultOf(p, required.has(k)),
      (p.description as string | undefined) ?? "",
    ]),
  );
}

/** The table of a union's kinds: kind, keys (type, default, meaning), meaning. */
function kindsTable(union: Json): string {
  const alts = (union.oneOf ?? union.anyOf) as Json[];
  return table(
    ["kind", "keys", "meaning"],
    alts.map((a) => {
      const props = a.properties as Record<string, Json>;
      const required = new Set((a.required ?? []) as string[]);
      const keys = Object.entries(props).filter(([k]) => k !== "kind").map(([k, p]) =>
        `${code(k)} (${typeOf(p)}, ${defaultOf(p, required.has(k))})${
          p.description ? `: ${p.description}` : ""
        }`
      );
      return [
        code(String((props.kind as Json).const)),
        keys.length ? keys.join("; ") : "none",
        (a.description as string | undefined) ?? "",
      ];
    }),
  );
}

/** The scenario schema's parts, as the reference presents them. */
function scenarioParts(): Record<string, Json> {
  const defs = (scenarioJsonSchema().$defs ?? {}) as Record<string, Json>;
  const sc = defs.scenario;
  const top = sc.properties as Record<string, Json>;
  const group = top.groups.items as Json;
  const gp = group.properties as Record<string, Json>;
  const deferred = gp.deferred;
  return { sc, guest: top.guest, group, arrival: gp.arrival, service: gp.service, deferred, gp };
}

/** The `host` block's parts: the block, `dom0`, a guest template, its workload, `costs`. */
function hostParts(): Record<string, Json> {
  const host = scenarioParts().sc.properties as Record<string, Json>;
  const block = host.host;
  const hp = block.properties as Record<string, Json>;
  const guest = (hp.guests as Json).items as Json;
  const workload = (guest.properties as Record<string, Json>).workload;
  return { block, dom0: hp.dom0, guest, workload, costs: hp.costs };
}

/** The sweep file's `capacity` block (the search settings of `sim capacity`). */
function capacityBlock(): Json {
  const defs = (scenarioJsonSchema().$defs ?? {}) as Record<string, Json>;
  return (defs.sweep.properties as Record<string, Json>).capacity;
}

/** Block generators: name -> the Markdown of the region. */
export function generators(root: string): Record<string, () => string | Promise<string>> {
  return {
    "scenario-top": () => keysTable(scenarioParts().sc),
    "scenario-guest": () => keysTable(scenarioParts().guest),
    "scenario-group": () => keysTable(scenarioParts().group),
    "scenario-arrival": () => kindsTable(scenarioParts().arrival),
    "scenario-distribution": () => kindsTable(scenarioParts().service),
    "scenario-deferred": () => keysTable(scenarioParts().deferred),
    "scenario-items": () =>
      kindsTable((scenarioParts().deferred.properties as Record<string, Json>).items),
    "scenario-popularity": () =>
      kindsTable((scenarioParts().gp as Record<string, Json>).popularity),
    "scenario-vcpu-sched": () =>
      kindsTable((scenarioParts().sc.properties as Record<string, Json>).vcpu_sched),
    "scenario-small-objects": () => {
      const top = scenarioParts().sc.properties as Record<string, Json>;
      const gp = scenarioParts().gp as Record<string, Json>;
      const guest = scenarioParts().guest.properties as Record<string, Json>;
      const parts: [string, Json][] = [
        ["guest.irq_off", guest.irq_off],
        ["faults", top.faults],
        ["hostile", top.hostile],
        ["groups[i].priority_change", gp.priority_change],
      ];
      return parts.map(([name, obj]) => `${code(name)}:\n\n${keysTable(obj)}`).join("\n\n");
    },
    "scenario-host": () => keysTable(hostParts().block),
    "scenario-host-dom0": () => keysTable(hostParts().dom0),
    "scenario-host-guest": () => keysTable(hostParts().guest),
    "scenario-host-workload": () => kindsTable(hostParts().workload),
    "scenario-host-costs": () => keysTable(hostParts().costs),
    "sweep-capacity": () => keysTable(capacityBlock()),
    "cli-help": () => "```\n" + helpText() + "```",
    "cli-commands": () =>
      table(
        ["command", "arguments", "what it does"],
        [
          ["(none)", "", "the default comparison (`default`, with its robustness check)"],
          ...Object.entries(COMMANDS).map((
            [n, c],
          ) => [code(n), c.args ? code(c.args) : "", c.summary]),
        ],
      ),
    "cli-flags": () =>
      table(
        ["flag", "value", "commands", "meaning"],
        Object.entries(FLAGS).map(([n, f]) => [
          code(`${f.short ? `-${f.short}, ` : ""}--${n}`),
          f.value ? code(f.value) : "",
          f.commands.includes("*")
            ? "all"
            : [...new Set(f.commands.map((c) => c === "default" ? "(none)" : c))].join(", "),
          f.help + (f.multiple ? " (repeatable)" : ""),
        ]),
      ),
    "costs-xen": () => costsTable("xen"),
    "costs-delivery": () => costsTable("delivery"),
    "costs-guest": () => costsTable("guest"),
    "costs-ranges": () =>
      table(
        ["field", "default (ns)", "low (ns)", "high (ns)", "where the bounds come from"],
        COST_FIELDS.map((k) => [
          code(k),
          String(DEFAULT_COSTS[k]),
          String(COST_RANGES[k].low),
          String(COST_RANGES[k].high),
          COST_DOCS[k].range_source,
        ]),
      ),
    "results-summary": async () => columnsTable((await csvColumns(root))["summary.csv"]),
    "results-groups": async () => columnsTable((await csvColumns(root))["groups.csv"]),
    "results-priorities": async () => columnsTable((await csvColumns(root))["priorities.csv"]),
    "results-ports": async () => columnsTable((await csvColumns(root))["ports.csv"]),
    "results-aggregate": async () => aggregateTable((await csvColumns(root))["aggregate.csv"]),
    "results-host-summary": async () =>
      columnsTable((await hostColumns(root))["summary.csv"], HOST_DOCS),
    "results-host-guests": async () =>
      columnsTable((await hostColumns(root))["guests.csv"], HOST_DOCS),
    "results-host-dom0": async () => columnsTable((await hostColumns(root))["dom0.csv"], HOST_DOCS),
    "results-host-per-guest": async () =>
      columnsTable((await hostColumns(root))["per_guest.csv"], HOST_DOCS),
    "results-host-aggregate": async () =>
      aggregateMetrics((await hostColumns(root))["aggregate.csv"], HOST_DOCS),
    "results-capacity": async () =>
      columnsTable((await capacityColumns(root))["capacity.csv"], CAPACITY_DOCS),
    "results-capacity-robust": async () =>
      columnsTable((await capacityColumns(root))["capacity_robust.csv"], CAPACITY_DOCS),
    "builtins": () =>
      table(
        ["name", "question", "answer metrics", "runs"],
        builtinNames().map((name) => {
          const input = loadInput(name);
          const { runs, base } = countRuns(input, {});
          const raw = input.raw as Json;
          const question = (raw.description as string | undefined) ?? base.description;
          return [
            `[${code(name)}](#${name})`,
            question,
            base.answer.map(code).join(", "),
            String(runs),
          ];
        }),
      ),
  };
}

function costsTable(side: "xen" | "delivery" | "guest"): string {
  return table(
    ["field", "default (ns)", "hardware operation", "source / reasoning"],
    COST_FIELDS.filter((k) => COST_DOCS[k].side === side).map((k: keyof Costs) => [
      code(k),
      String(DEFAULT_COSTS[k]),
      COST_DOCS[k].operation,
      COST_DOCS[k].source,
    ]),
  );
}

/** Where a column's meaning is looked up, in order, and the module to name when none has it. */
interface ColumnSource {
  /** The tables, first match wins. */
  tables: Readonly<Record<string, ColumnDoc>>[];
  /** The module that should describe a column none of the tables has. */
  module: string;
}

const RUN_DOCS: ColumnSource = { tables: [COLUMN_DOCS], module: "sim/run/columns.ts" };
const HOST_DOCS: ColumnSource = {
  tables: [HOST_COLUMN_DOCS, COLUMN_DOCS],
  module: "sim/run/columns.ts (HOST_COLUMN_DOCS)",
};
const CAPACITY_DOCS: ColumnSource = {
  tables: [CAPACITY_COLUMN_DOCS],
  module: "sim/sweep/capacity_columns.ts",
};

/**
 * The header of every CSV that `sim <args>` writes into a fresh folder, run
 * through the project's own command line.
 */
async function writtenColumns(root: string, args: string[]): Promise<Record<string, string[]>> {
  const out = Deno.makeTempDirSync({ prefix: "evtchn-docs-" });
  try {
    const res = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-write",
        "--allow-env",
        "--allow-sys",
        "--allow-ffi",
        join(root, "sim/cli/cli.ts"),
        ...args,
        "--out",
        out,
        "--no-report",
        "--quiet",
        "--force",
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!res.success) {
      throw new Error(`'sim ${args.join(" ")}' failed: ${new TextDecoder().decode(res.stderr)}`);
    }
    const cols: Record<string, string[]> = {};
    for (const e of Deno.readDirSync(out)) {
      if (!e.name.endsWith(".csv")) continue;
      const text = Deno.readTextFileSync(join(out, e.name));
      cols[e.name] = Object.keys(fromCsv(text)[0] ?? {});
    }
    return cols;
  } finally {
    Deno.removeSync(out, { recursive: true });
  }
}

const columnsCache = new Map<string, Promise<Record<string, string[]>>>();

/** The CSVs `sim <args>` writes, run once per set of arguments. */
function cachedColumns(root: string, args: string[]): Promise<Record<string, string[]>> {
  const key = JSON.stringify([root, args]);
  let cols = columnsCache.get(key);
  if (!cols) {
    cols = writtenColumns(root, args);
    columnsCache.set(key, cols);
  }
  return cols;
}

/**
 * The CSVs of a small sweep (`tools/docs/columns_sweep.json`: deferred work,
 * late EOI, an attacker, per-port rows, one swept key).
 */
function csvColumns(root: string): Promise<Record<string, string[]>> {
  return cachedColumns(root, [
    "run",
    join(root, "tools/docs/columns_sweep.json"),
    "--ports",
    "--robust",
    "0",
  ]);
}

/**
 * The CSVs of a small host sweep (`tools/docs/columns_host.json`: a shared
 * CPU pool, PVH and HVM templates with emulated I/O, the guest count swept).
 */
function hostColumns(root: string): Promise<Record<string, string[]>> {
  return cachedColumns(root, ["run", join(root, "tools/docs/columns_host.json"), "--robust", "0"]);
}

/**
 * The CSVs of a small capacity search (`tools/docs/columns_capacity.json`,
 * with `--robust 2` so that the robustness columns appear).
 */
function capacityColumns(root: string): Promise<Record<string, string[]>> {
  return cachedColumns(root, [
    "capacity",
    join(root, "tools/docs/columns_capacity.json"),
    "--robust",
    "2",
  ]);
}

/** A swept parameter's column: a dotted path into the scenario. */
function isParam(c: string): boolean {
  return c.includes(".");
}

function lookup(c: string, source: ColumnSource): ColumnDoc | undefined {
  for (const t of source.tables) if (Object.hasOwn(t, c)) return t[c];
  return undefined;
}

function docOf(c: string, source: ColumnSource): ColumnDoc {
  const d = lookup(c, source);
  if (!d) {
    throw new Error(
      `column ${c} is written to the results but has no description in ${source.module}`,
    );
  }
  return d;
}

function columnsTable(cols: string[] | undefined, source: ColumnSource = RUN_DOCS): string {
  if (!cols) throw new Error("the columns run wrote no such CSV");
  const rows: string[][] = [];
  let params = false;
  let costs = false;
  for (const c of cols) {
    if ((COST_FIELDS as readonly string[]).includes(c)) {
      if (!costs) {
        rows.push([
          "_one per varied cost field_",
          "ns",
          "the vector's value of each cost field the robustness check varies (see the " +
          "[cost reference](costs.md))",
        ]);
      }
      costs = true;
      continue;
    }
    if (isParam(c)) {
      if (!params) {
        const keys = ["scenario", "abi", "replication", "seed"].every((k) => cols.includes(k));
        rows.push([
          "_one per swept key_",
          "",
          "the value of each parameter a sweep varies (a dotted path such as " +
          (keys ? "`groups.1.ports`), right after the run's key columns" : "`host.dom0.vcpus`)"),
        ]);
      }
      params = true;
      continue;
    }
    const d = docOf(c, source);
    rows.push([code(c), d.unit, d.text]);
  }
  return table(["column", "unit", "meaning"], rows);
}

/**
 * The metrics of an `aggregate.csv` (the bases of its `_mean` columns), in
 * column order; each must be described, as its other columns must.
 */
function aggregateMetrics(cols: string[] | undefined, source: ColumnSource): string {
  if (!cols) throw new Error("the columns run wrote no aggregate.csv");
  const metrics: string[] = [];
  for (const c of cols) {
    if (!c.endsWith("_mean") || c.endsWith("_diff_mean")) continue;
    const base = c.slice(0, -"_mean".length);
    if (lookup(base, source)) metrics.push(base);
  }
  for (const c of cols) {
    if (isParam(c)) continue;
    const base = c.replace(/(_diff_ci95|_diff|_ci95|_mean)$/, "");
    if (base !== c && metrics.includes(base)) continue;
    docOf(c, source);
  }
  return `The metrics, in column order: ${metrics.map(code).join(", ")}.`;
}

function aggregateTable(cols: string[] | undefined): string {
  if (!cols) throw new Error("the columns sweep wrote no aggregate.csv");
  const suffixes: [string, string][] = [
    ["_mean", "the mean over the replications"],
    ["_ci95", "the 95% Student-t half-width of that mean"],
    ["_diff", "the mean paired difference from the baseline ABI (same replication)"],
    ["_diff_ci95", "the 95% half-width of the paired difference"],
  ];
  const rows: string[][] = [];
  const metrics: string[] = [];
  let params = false;
  for (const c of cols) {
    const suffix = suffixes.find(([s]) => c.endsWith(s) && !c.endsWith("_diff" + s));
    const base = suffix ? c.slice(0, -suffix[0].length) : "";
    if (suffix && lookup(base, RUN_DOCS)) {
      if (suffix[0] === "_mean") metrics.push(base);
      continue;
    }
    if (isParam(c)) {
      if (!params) {
        rows.push(["_one per swept key_", "", "the grid point's value of each swept parameter"]);
      }
      params = true;
      continue;
    }
    const d = docOf(c, RUN_DOCS);
    rows.push([code(c), d.unit, d.text]);
  }
  for (const [s, text] of suffixes) {
    rows.push([code(`<metric>${s}`), "the metric's", text]);
  }
  return table(["column", "unit", "meaning"], rows) +
    `\n\nThe metrics, in column order: ${metrics.map(code).join(", ")}.`;
}

/** The markers of a page's regions of one kind (`generated`, `figures`). */
function regionPattern(kind: string): RegExp {
  return new RegExp(`<!-- ${kind}:([a-z0-9-]+) -->\\n[\\s\\S]*?<!-- \\/${kind}:\\1 -->`, "g");
}

/** Every Markdown page that may hold regions: README.md and docs/**. */
export function pages(root: string): string[] {
  const out = ["README.md"];
  const walk = (dir: string) => {
    let entries: Deno.DirEntry[] = [];
    try {
      entries = [...Deno.readDirSync(join(root, dir))];
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory && e.name !== "api") walk(`${dir}/${e.name}`);
      else if (e.name.endsWith(".md")) out.push(`${dir}/${e.name}`);
    }
  };
  walk("docs");
  return out;
}

/** Format Markdown the way `deno fmt` formats the project's pages. */
export async function formatMarkdown(text: string, root: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

/** The result of regenerating one page. */
export interface PageUpdate {
  /** The page, relative to the root. */
  page: string;
  /** Its text now. */
  before: string;
  /** Its text with every region regenerated (and formatted). */
  after: string;
  /** The regions it holds. */
  regions: string[];
}

/**
 * Regenerate every region of one kind (`generated` by default) of every page
 * under `root` with `gens` (nothing is written). `missing` names the
 * generators no page holds a region for.
 */
export async function regenerate(
  root: string,
  kind = "generated",
  gens: Record<string, () => string | Promise<string>> = generators(root),
  keepUnknown = false,
): Promise<{ updates: PageUpdate[]; missing: string[] }> {
  const REGION = regionPattern(kind);
  const seen = new Set<string>();
  const updates: PageUpdate[] = [];
  for (const page of pages(root)) {
    let before: string;
    try {
      before = Deno.readTextFileSync(join(root, page));
    } catch {
      continue;
    }
    const names = [...before.matchAll(REGION)].map((m) => m[1]);
    if (names.length === 0) continue;
    const content: Record<string, string> = {};
    for (const name of names) {
      const gen = gens[name];
      if (!gen) {
        if (keepUnknown) continue;
        throw new Error(`${page}: unknown ${kind} region '${name}'`);
      }
      content[name] = await gen();
      seen.add(name);
    }
    const filled = before.replace(
      REGION,
      (region, name: string) =>
        name in content
          ? `<!-- ${kind}:${name} -->\n${content[name]}\n<!-- /${kind}:${name} -->`
          : region,
    );
    updates.push({ page, before, after: await formatMarkdown(filled, root), regions: names });
  }
  const missing = Object.keys(gens).filter((n) => !seen.has(n));
  return { updates, missing };
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  const root = Deno.args.find((a) => !a.startsWith("--")) ?? ROOT;
  let updates: PageUpdate[];
  let missing: string[];
  try {
    ({ updates, missing } = await regenerate(root));
  } catch (e) {
    console.error(`docs: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
  // Every region is on some page: a page that lost one fails the check.
  for (const name of missing) {
    console.error(`docs: no page holds the generated region '${name}'`);
  }
  if (check && missing.length > 0) Deno.exit(1);
  const stale = updates.filter((u) => u.before !== u.after);
  if (check) {
    for (const u of stale) {
      console.error(
        `docs:check: ${u.page} is out of date (regions: ${u.regions.join(", ")}); ` +
          `run \`deno task docs\``,
      );
    }
    if (stale.length > 0) Deno.exit(1);
    console.log(`docs:check: ${updates.length} generated page(s) match the code`);
  } else {
    for (const u of stale) {
      Deno.mkdirSync(dirname(join(root, u.page)), { recursive: true });
      Deno.writeTextFileSync(join(root, u.page), u.after);
      console.log(`docs: wrote ${u.page}`);
    }
    if (stale.length === 0) console.log("docs: every generated region is up to date");
  }
}
