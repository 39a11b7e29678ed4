/**
 * The figures the manual quotes from runs, re-run. Each `<!-- figures:NAME -->`
 * region of a page shows a command and an excerpt of what it wrote (a section
 * of `report.md`, columns of `aggregate.csv`, the validation tests' table);
 * this tool runs the command again and regenerates the excerpt. Only
 * simulated figures are quoted this way: they are the same on any machine
 * (same scenario and seed, same bytes). Wall-clock times are labelled
 * machine-dependent in the pages and never checked.
 *
 * The commands are small on purpose: the tutorial's scenario and sweep, the
 * design walk-through's comparison, two runs of `timer-vs-storm`, the
 * validation tests, and the Answer of every built-in that `sim run` answers
 * (each a few seconds; a capacity built-in, whose search takes minutes, is
 * not among them).
 *
 * Usage: `deno task docs:figures` rewrites the regions; `deno task
 * docs:figures:check` (the `--check` flag) writes nothing and exits 1, naming
 * every page whose quoted figures no longer match what the commands print.
 *
 * @module
 */

import { join } from "node:path";
import { fromCsv } from "../reports/csv.ts";
import { regenerate, ROOT } from "./gen_docs.ts";
import { builtinNames } from "../sim/scenario/builtins.ts";
import { loadInput } from "../sim/scenario/scenario.ts";

/** One quoted command: what the page shows and what is run. */
export interface Quoted {
  /** The command as the page shows it (a user runs it from the project root). */
  shown: string;
  /** The arguments of `deno` that run it here; `{out}` is replaced by a fresh folder. */
  args: string[];
  /** The folder the user runs it from, relative to the root (default: the root). */
  dir?: string;
}

/** A figure region: its commands and how the excerpt is cut from their output. */
export interface Figure {
  /** The commands, run in order. */
  commands: Quoted[];
  /** The region's Markdown, from each command's output folder and stdout. */
  excerpt: (outs: string[], stdouts: string[]) => string;
}

/**
 * The `sim` task's own command line from deno.json (`run`, its permissions and flags, the
 * entry point), so that a quoted command runs exactly as `deno task sim` runs it.
 */
const SIM: string[] = (() => {
  const config = JSON.parse(
    Deno.readTextFileSync(new URL("../deno.json", import.meta.url)),
  ) as { tasks: Record<string, string> };
  const words = config.tasks.sim.trim().split(/\s+/);
  if (words[0] !== "deno") throw new Error(`deno.json: the sim task does not start with deno`);
  return words.slice(1);
})();

/** `deno task sim <args>` into `{out}` (shown with the `--out` a user would give, if any). */
function sim(shown: string, extra: string[] = []): Quoted {
  const args = shown.split(/\s+/).filter((a) => a !== "");
  const i = args.indexOf("--out");
  const run = i >= 0 ? [...args.slice(0, i), ...args.slice(i + 2)] : args;
  return {
    shown: `deno task sim ${shown}`,
    args: [...SIM, ...run, "--out", "{out}", "--quiet", "--force", ...extra],
  };
}

/** The sections of a `report.md` (a title line underlined with dashes), by title. */
export function reportSections(text: string): Map<string, string> {
  const lines = text.split("\n");
  const sections = new Map<string, string>();
  let title = "";
  let body: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const next = lines[i + 1];
    if (next !== undefined && /^-{3,}$/.test(next) && next.length === lines[i].length) {
      if (title) sections.set(title, trimLines(body));
      title = lines[i];
      body = [];
      i++;
      continue;
    }
    body.push(lines[i]);
  }
  if (title) sections.set(title, trimLines(body));
  return sections;
}

/** Lines joined, without the blank lines around them (indentation kept). */
function trimLines(lines: string[]): string {
  return lines.join("\n").replace(/^(\s*\n)+/, "").trimEnd();
}

/** Sections of the report in `out`, each under its title, as a text block. */
function reportExcerpt(out: string, titles: string[]): string {
  const sections = reportSections(Deno.readTextFileSync(join(out, "report.md")));
  const parts = titles.map((t) => {
    const body = sections.get(t);
    if (body === undefined) throw new Error(`report.md has no section '${t}'`);
    return `${t}\n${"-".repeat(t.length)}\n\n${body}`;
  });
  return "```\n" + parts.join("\n\n") + "\n```";
}

function commandBlock(figure: Figure): string {
  const lines = figure.commands.map((c) => c.dir ? `cd ${c.dir}\n${c.shown}` : c.shown);
  return "```sh\n" + lines.join("\n") + "\n```";
}

/** The rows of a results CSV. */
function csvRows(out: string, file: string): Record<string, string | number>[] {
  return fromCsv(Deno.readTextFileSync(join(out, file)));
}

/** The figures, by region name. */
export const FIGURES: Record<string, Figure> = {
  "tutorial-run": {
    commands: [sim("run examples/my-first.json")],
    excerpt: (outs) =>
      "`results/my-first/report.md` then holds, among other sections:\n\n" +
      reportExcerpt(outs[0], ["Findings", "Headline metrics per ABI"]),
  },
  "tutorial-sweep": {
    commands: [sim("sweep examples/my-first-sweep.json")],
    excerpt: (outs) => reportExcerpt(outs[0], ["Findings"]),
  },
  "design-quota": {
    commands: [
      sim("run one-vs-drain --abi fifo,fifo:drain,./examples/fifo_quota.ts --out results/quota"),
    ],
    excerpt: (outs) =>
      "`results/quota/report.md` then answers it (± the 95% half-width over the scenario's " +
      `${csvRows(outs[0], "aggregate.csv")[0].n} replications):\n\n` +
      reportExcerpt(outs[0], ["p99 dispatch latency per port group", "Headline metrics per ABI"]),
  },
  "upcall-vector": {
    commands: [
      sim("run timer-vs-storm --no-report"),
      sim("run timer-vs-storm --set guest.upcall=callback --no-report"),
    ],
    excerpt: (outs) => {
      const [vector, callback] = outs.map((o) => csvRows(o, "aggregate.csv"));
      const n = vector[0].n;
      const rows = vector.map((r, i) =>
        `| \`${r.abi}\` | ${Math.round(Number(r.delivered_mean))} | ` +
        `${Math.round(Number(r.upcalls_mean))} | ${Math.round(Number(callback[i].upcalls_mean))} |`
      );
      return `Means over the ${n} replications of each run (simulated counts, the same on any ` +
        "machine):\n\n" +
        "| ABI | events delivered a run | upcall entries, `vector` | upcall entries, `callback` |\n" +
        "| --- | ---: | ---: | ---: |\n" + rows.join("\n");
    },
  },
  "validate-estimate": {
    commands: [{
      shown: "deno task sim validate timer-vs-storm",
      args: [...SIM, "validate", "timer-vs-storm"],
    }],
    excerpt: (_, stdouts) => "```\n" + stdouts[0].trim() + "\n```",
  },
  "replay": {
    commands: [{ ...sim("run replay.json"), dir: "examples/replay" }],
    excerpt: (outs) => reportExcerpt(outs[0], ["Findings"]),
  },
  ...validationFigures(),
  ...answerFigures(),
};

/**
 * The Answer section of the report in `out`, as report.md prints it: its
 * paragraphs up to the standard lines that follow every Answer ("The question
 * is about: ...").
 */
export function answerExcerpt(report: string): string {
  const body = reportSections(report).get("Answer");
  if (body === undefined) throw new Error("report.md has no Answer section");
  const paragraphs = body.split(/\n\s*\n/);
  const end = paragraphs.findIndex((p) => p.startsWith("The question is about"));
  return "```text\n" + paragraphs.slice(0, end < 0 ? undefined : end).join("\n\n") + "\n```";
}

/**
 * One region per built-in answered by `sim run` (every built-in without a
 * `capacity` block): its Answer, re-run at its own defaults. A new built-in
 * fails the check until a page quotes its Answer.
 */
function answerFigures(): Record<string, Figure> {
  const out: Record<string, Figure> = {};
  for (const name of builtinNames()) {
    const raw = loadInput(name).raw as Record<string, unknown>;
    if ("capacity" in raw) continue;
    out[`answer-${name}`] = {
      commands: [sim(`run ${name}`)],
      excerpt: (outs) => answerExcerpt(Deno.readTextFileSync(join(outs[0], "report.md"))),
    };
  }
  return out;
}

/** One region per validation test file: the table `VALIDATION_PRINT=1` prints. */
function validationFigures(): Record<string, Figure> {
  const files = ["mg1", "priority", "little", "coalescing", "deferred"];
  const out: Record<string, Figure> = {};
  for (const f of files) {
    const path = `tests/validation/${f}_test.ts`;
    out[`validation-${f}`] = {
      commands: [{
        shown: `VALIDATION_PRINT=1 deno test -A ${path}`,
        args: ["test", "--allow-all", "--no-check", path],
      }],
      excerpt: (_, stdouts) => {
        const rows = stdouts[0].split("\n").filter((l) => l.startsWith("| "));
        if (rows.length === 0) throw new Error(`${path} printed no comparison`);
        return "| check | theory | simulated mean ± 99% half-width | |\n" +
          "| --- | ---: | ---: | --- |\n" + rows.join("\n");
      },
    };
  }
  return out;
}

/** Run a figure's commands and cut its region's Markdown. */
export async function renderFigure(figure: Figure, root: string): Promise<string> {
  const outs: string[] = [];
  const stdouts: string[] = [];
  try {
    for (const c of figure.commands) {
      const out = Deno.makeTempDirSync({ prefix: "evtchn-figures-" });
      outs.push(out);
      const res = await new Deno.Command(Deno.execPath(), {
        args: c.args.map((a) => a === "{out}" ? out : a),
        cwd: root,
        env: { INIT_CWD: join(root, c.dir ?? ""), VALIDATION_PRINT: "1", NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(res.stdout);
      if (!res.success) {
        throw new Error(
          `'${c.shown}' failed (exit ${res.code}):\n${stdout}${
            new TextDecoder().decode(res.stderr)
          }`,
        );
      }
      stdouts.push(stdout);
    }
    return commandBlock(figure) + "\n\n" + figure.excerpt(outs, stdouts);
  } finally {
    for (const o of outs) Deno.removeSync(o, { recursive: true });
  }
}

/**
 * Start `tasks` with at most `limit` running at once; their results, in order.
 *
 * @example
 * ```ts
 * import { runLimited } from "./doc_figures.ts";
 * const out = runLimited([async () => 1, async () => 2], 1);
 * console.log(await Promise.all(out)); // [1, 2]
 * ```
 */
export function runLimited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T>[] {
  const slots: ((v: void) => void)[] = [];
  let running = 0;
  const acquire = (): Promise<void> => {
    if (running < limit) {
      running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => slots.push(resolve));
  };
  const release = () => {
    const wake = slots.shift();
    if (wake) wake();
    else running--;
  };
  return tasks.map(async (task) => {
    await acquire();
    try {
      return await task();
    } finally {
      release();
    }
  });
}

if (import.meta.main) {
  const check = Deno.args.includes("--check");
  // --only=NAME,NAME: regenerate (or check) those regions only, the others are left as they are.
  const only = Deno.args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
  const root = Deno.args.find((a) => !a.startsWith("--")) ?? ROOT;
  // The figures run side by side, as many at once as there are cores.
  const selected = Object.entries(FIGURES).filter(([name]) => !only || only.includes(name));
  const rendered = runLimited(
    selected.map(([, f]) => () => renderFigure(f, root)),
    navigator.hardwareConcurrency || 1,
  );
  // A failure is reported when its region is filled, not as an unhandled rejection before.
  for (const r of rendered) r.catch(() => {});
  const gens = Object.fromEntries(selected.map(([name], i) => [name, () => rendered[i]]));
  let result;
  try {
    result = await regenerate(root, "figures", gens, only !== undefined);
  } catch (e) {
    console.error(`docs:figures: ${e instanceof Error ? e.message : e}`);
    Deno.exit(1);
  }
  for (const name of result.missing) {
    console.error(`docs:figures: no page holds the figures region '${name}'`);
  }
  if (only) {
    // Regions not selected keep their text: the check compares only the selected ones.
    for (const u of result.updates) u.regions = u.regions.filter((r) => only.includes(r));
  }
  if (check && result.missing.length > 0) Deno.exit(1);
  const stale = result.updates.filter((u) => u.before !== u.after);
  if (check) {
    for (const u of stale) {
      console.error(
        `docs:figures: the figures quoted in ${u.page} no longer match what their commands ` +
          `print (regions: ${u.regions.join(", ")}); run \`deno task docs:figures\``,
      );
    }
    if (stale.length > 0) Deno.exit(1);
    console.log(`docs:figures: the figures of ${result.updates.length} page(s) are reproduced`);
  } else {
    for (const u of stale) {
      Deno.writeTextFileSync(join(root, u.page), u.after);
      console.log(`docs:figures: wrote ${u.page}`);
    }
    if (stale.length === 0) console.log("docs:figures: every quoted figure is up to date");
  }
}
