/**
 * The layout check (README: Layout): reads the import graph of the project
 * with `deno info --json` and fails on an import that crosses a room's wall
 * or on an import cycle.
 *
 * Rooms and what each may import (besides itself, `npm:` and `node:`):
 * - `models/`: nothing else;
 * - `sim/io/`: nothing else;
 * - `sim/engine/`: nothing else;
 * - `sim/scenario/`: `sim/io/`, `models/`;
 * - `sim/run/`: `sim/engine/`, `sim/scenario/`, `sim/io/`, `models/`, `sim/host/`;
 * - `sim/host/`: `sim/engine/`, `sim/scenario/`, `sim/io/`, `models/`, `sim/run/`;
 * - `sim/sweep/`: everything but `sim/cli/` (of the reports: rows to CSV and aggregation);
 * - `reports/`: `sim/io/`;
 * - `sim/cli/`: everything; nothing outside `tests/` imports it, but the docs
 *   generator (`tools/gen_docs.ts`), which documents its flags;
 * - `bench/lists/` (benchmark-only event lists): imported by `bench/` and `tests/` only.
 *
 * Usage: `deno task check:imports [ROOT]` (ROOT defaults to the project).
 * Exit status 0 when clean, 1 with one line per violation otherwise.
 *
 * @module
 */

/** One import edge: `from` imports `to`, both paths relative to the root. */
export interface ImportEdge {
  /** The importing file. */
  from: string;
  /** The imported file. */
  to: string;
}

/** A room: a folder prefix and the prefixes it may import. */
export interface Room {
  /** Folder prefix, e.g. `sim/engine/`. */
  prefix: string;
  /** Prefixes this room may import besides its own; `"*"` allows all. */
  may: readonly string[];
}

/** The rooms of the project, most specific prefix first. */
export const ROOMS: readonly Room[] = [
  { prefix: "models/", may: [] },
  { prefix: "sim/io/", may: [] },
  { prefix: "sim/engine/", may: [] },
  { prefix: "sim/scenario/", may: ["sim/io/", "models/"] },
  {
    prefix: "sim/run/",
    may: ["sim/engine/", "sim/scenario/", "sim/io/", "models/", "sim/host/"],
  },
  // Hosts (DESIGN §1): domains and what joins them; run/ composes a run from them.
  {
    prefix: "sim/host/",
    may: ["sim/engine/", "sim/scenario/", "sim/io/", "models/", "sim/run/"],
  },
  // The sandbox worker loads the library entry before a design module, so that
  // the design's imports of it need no read access to the project (README: Security).
  {
    prefix: "sim/sweep/worker.ts",
    may: ["sim/engine/", "sim/scenario/", "sim/run/", "sim/host/", "sim/io/", "models/", "mod.ts"],
  },
  // A design's own process: the same, plus the worker's request handling.
  {
    prefix: "sim/sweep/design_child.ts",
    may: ["sim/engine/", "sim/scenario/", "sim/run/", "sim/io/", "models/", "mod.ts", "sim/sweep/"],
  },
  {
    prefix: "sim/sweep/",
    may: [
      "sim/engine/",
      "sim/scenario/",
      "sim/run/",
      "sim/host/",
      "sim/io/",
      "models/",
      "reports/",
    ],
  },
  { prefix: "reports/", may: ["sim/io/"] },
  { prefix: "sim/cli/", may: ["*"] },
  { prefix: "mod.ts", may: ["sim/", "models/", "reports/"] },
];

/** Who may import these prefixes, whatever their own room allows. */
const GUARDED: readonly { prefix: string; importers: readonly string[] }[] = [
  // The docs generator reads the command line's vocabulary (flags.ts) to write its reference.
  { prefix: "sim/cli/", importers: ["sim/cli/", "tests/", "tools/gen_docs.ts"] },
  { prefix: "bench/lists/", importers: ["bench/", "tests/"] },
];

/**
 * The violations among `edges`: imports a room may not make, and imports of
 * guarded folders from outside their importers.
 *
 * @example
 * ```ts
 * import { forbiddenImports } from "./check_imports.ts";
 * const bad = forbiddenImports([{ from: "models/fifo.ts", to: "sim/engine/engine.ts" }]);
 * console.log(bad.length); // 1
 * ```
 */
export function forbiddenImports(
  edges: readonly ImportEdge[],
  rooms: readonly Room[] = ROOMS,
): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    const room = rooms.find((r) => from.startsWith(r.prefix));
    if (room !== undefined && !to.startsWith(room.prefix)) {
      const ok = room.may.some((p) => p === "*" || to.startsWith(p));
      if (!ok) out.push(`${from} imports ${to}: ${room.prefix} may not import it`);
    }
    for (const g of GUARDED) {
      if (to.startsWith(g.prefix) && !g.importers.some((p) => from.startsWith(p))) {
        out.push(`${from} imports ${to}: only ${g.importers.join(", ")} may import ${g.prefix}`);
      }
    }
  }
  return out;
}

/**
 * The import cycles among `edges`: each strongly connected component of more
 * than one file (or a file importing itself), as a sorted list of files.
 *
 * @example
 * ```ts
 * import { importCycles } from "./check_imports.ts";
 * console.log(importCycles([{ from: "a.ts", to: "b.ts" }, { from: "b.ts", to: "a.ts" }]));
 * // [["a.ts", "b.ts"]]
 * ```
 */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, []);
    if (!next.has(to)) next.set(to, []);
    next.get(from)!.push(to);
  }
  // Tarjan's strongly connected components, iteratively.
  const index = new Map<string, number>(), low = new Map<string, number>();
  const onStack = new Set<string>(), stack: string[] = [], out: string[][] = [];
  let counter = 0;
  for (const start of [...next.keys()].sort()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    index.set(start, counter), low.set(start, counter++), stack.push(start), onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1];
      const [v, i] = top;
      const succ = next.get(v)!;
      if (i < succ.length) {
        top[1]++;
        const w = succ[i];
        if (!index.has(w)) {
          index.set(w, counter), low.set(w, counter++), stack.push(w), onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const u = work[work.length - 1][0];
        low.set(u, Math.min(low.get(u)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        if (comp.length > 1 || succ.includes(v)) out.push(comp.sort());
      }
    }
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** The TypeScript files under `root` that the check reads (tests excluded, fixtures too). */
function sourceFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${root}/${dir}`)) {
    const rel = dir === "" ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory) {
      if (["tests", "results", "node_modules"].includes(e.name) || e.name.startsWith(".")) {
        continue;
      }
      out.push(...sourceFiles(root, rel));
    } else if (e.isFile && e.name.endsWith(".ts")) out.push(rel);
  }
  return out.sort();
}

interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
}

/**
 * The project's import edges under `root`, read with `deno info --json`
 * (static imports, type-only imports included).
 *
 * @example
 * ```ts ignore
 * import { readImportGraph } from "./check_imports.ts";
 * const edges = await readImportGraph(".");
 * console.log(edges.length > 0);
 * ```
 */
export async function readImportGraph(root: string): Promise<ImportEdge[]> {
  const abs = Deno.realPathSync(root);
  const files = sourceFiles(abs);
  const entry = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(
      entry,
      files.map((f) => `import ${JSON.stringify(`file://${abs}/${f}`)};\n`).join(""),
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", `--config=${abs}/deno.json`, entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: InfoModule[] };
    const prefix = `file://${abs}/`;
    const rel = (s: string) => s.startsWith(prefix) ? s.slice(prefix.length) : null;
    const edges: ImportEdge[] = [];
    for (const m of graph.modules) {
      const from = rel(m.specifier);
      if (from === null || !files.includes(from)) continue;
      for (const d of m.dependencies ?? []) {
        for (const target of [d.code?.specifier, d.type?.specifier]) {
          const to = target === undefined ? null : rel(target);
          if (to !== null) edges.push({ from, to });
        }
      }
    }
    return edges;
  } finally {
    await Deno.remove(entry);
  }
}

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("..", import.meta.url).pathname;
  const edges = await readImportGraph(root);
  const problems = [
    ...forbiddenImports(edges),
    ...importCycles(edges).map((c) => `import cycle: ${c.join(" -> ")}`),
  ];
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`check:imports: ${problems.length} problem(s) in ${root}`);
    Deno.exit(1);
  }
  console.log(`check:imports: ${edges.length} imports, no forbidden import, no cycle`);
}
