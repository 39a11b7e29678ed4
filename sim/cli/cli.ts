/**
 * The `sim` command (README: Quick start). Thin: parse, call the library, print.
 * Exit status: 0 done, 2 bad input, 1 internal failure.
 *
 * Folder `sim/cli/` is the only place that knows the command line: flags,
 * help text, exit statuses. Nothing else imports it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { InputError } from "../io/errors.ts";
import {
  builtinNames,
  loadInput,
  resolveUserPath,
  scenarioJsonSchema,
} from "../scenario/scenario.ts";
import {
  expandPlan,
  formatShard,
  parseShard,
  type Plan,
  type PlanOverrides,
} from "../sweep/plan.ts";
import { checkOutputDir, writeResults } from "../sweep/results.ts";
import type { RunResult } from "../run/run.ts";
import { RunFailedError } from "../sweep/pool.ts";
import { journalHeader, runSweep, type SweepOptions } from "../sweep/sweep.ts";
import { Journal } from "../sweep/journal.ts";
import { describeMissing, mergeFolders } from "../sweep/merge.ts";
import { ABI_IDS } from "../../models/registry.ts";
import { renderReport } from "../../reports/report.ts";
import { traceCommand } from "./trace_command.ts";
import { aggregateOf, runToCiTarget } from "../sweep/ci_target.ts";
import {
  clearRobust,
  DEFAULT_ROBUST_VECTORS,
  robustBudgetText,
  robustPlans,
  runRobust,
  writeRobust,
} from "../sweep/robust.ts";

/** Cost vectors of the robustness check in `deno task sim` (the default comparison). */
const DEFAULT_COMPARISON_VECTORS = 8;

const USAGE = `evtchn-sim: a discrete-event simulator of Xen event-channel ABIs

usage:
  deno task sim                         the default comparison -> results/default/
  deno task sim run <file|name> [--out DIR] [--abi LIST] [--seed N] [--replications N]
                                        [--set k=v]... [--ports] [--force] [--max-events N]
  deno task sim sweep <file|name> [--out DIR] [--workers N] [--shard i/n] [--resume]
                                        [--quiet] [--no-report] [--ci-target F [--max-replications N]]
                                        [--robust [N]]  findings checked under N cost vectors
                                        (run and sweep take each other's flags)
  deno task sim merge <dir>... --out DIR [--partial] [--force]
                                        combine shard folders of one sweep
  deno task sim list                    built-in scenarios and their questions
  deno task sim validate <file>         check a scenario or sweep file
  deno task sim schema [--out F]        the JSON Schema of scenario files
  deno task sim report <dir>            re-render charts, report.html and report.md
  deno task sim trace <file|name> [--until-ms N] --out F [--abi ID]
                                        Chrome trace (Perfetto) of one run

ABI ids: ${ABI_IDS.join(", ")}, or a module path (./designs/my_abi.ts)
`;

const OPTIONS = {
  out: { type: "string" },
  abi: { type: "string" },
  seed: { type: "string" },
  replications: { type: "string" },
  set: { type: "string", multiple: true },
  ports: { type: "boolean" },
  force: { type: "boolean" },
  "max-events": { type: "string" },
  "until-ms": { type: "string" },
  workers: { type: "string" },
  shard: { type: "string" },
  resume: { type: "boolean" },
  partial: { type: "boolean" },
  "ci-target": { type: "string" },
  "max-replications": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  "no-report": { type: "boolean" },
  robust: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(`--${name} ${v}: expected an integer >= ${min}`);
  }
  return n;
}

/** Run the command line `args`; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: robustArg(args),
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const [cmd = "default", ...rest] = positionals;
  try {
    switch (cmd) {
      case "default":
        return await simulate("default", flags, "deno task sim", DEFAULT_COMPARISON_VECTORS);
      case "run":
      case "sweep": {
        if (rest.length !== 1) throw new InputError(`${cmd}: expected one scenario file or name`);
        return await simulate(rest[0], flags, `deno task sim ${args.join(" ")}`);
      }
      case "merge":
        return merge(rest, flags, `deno task sim ${args.join(" ")}`);
      case "list":
        for (const name of builtinNames()) {
          const raw = loadInput(name).raw as Record<string, unknown>;
          const base = raw.base && typeof raw.base === "object"
            ? raw.base as Record<string, unknown>
            : raw;
          const desc = (raw.description ?? base.description ?? "") as string;
          console.log(`${name.padEnd(28)} ${desc}`);
        }
        return 0;
      case "validate": {
        if (rest.length !== 1) throw new InputError("validate: expected one file");
        const plan = expandPlan(loadInput(rest[0]), {}, resolveUserPath);
        console.log(`${rest[0]}: valid (${plan.runs.length} runs)`);
        return 0;
      }
      case "report": {
        if (rest.length !== 1) throw new InputError("report: expected one results folder");
        const dir = resolveUserPath(rest[0]);
        const { files } = await renderReport(dir);
        console.error(`wrote ${files.length} report files in ${dir}/`);
        return 0;
      }
      case "trace": {
        if (rest.length !== 1) throw new InputError("trace: expected one scenario file or name");
        if (!flags.out) throw new InputError("trace: --out FILE is required");
        const until = flags["until-ms"] === undefined ? undefined : Number(flags["until-ms"]);
        const n = await traceCommand(rest[0], {
          out: flags.out,
          untilMs: until,
          abi: flags.abi,
          sets: flags.set ?? [],
          seed: intFlag("seed", flags.seed, 0),
        });
        console.error(`wrote ${n} trace events to ${resolveUserPath(flags.out)}`);
        return 0;
      }
      case "schema": {
        const schema = JSON.stringify(scenarioJsonSchema(), null, 2);
        if (flags.out) Deno.writeTextFileSync(resolveUserPath(flags.out), schema + "\n");
        else console.log(schema);
        return 0;
      }
      default:
        throw new InputError(`unknown command '${cmd}'\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof InputError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    if (e instanceof RunFailedError) {
      console.error(`error: ${e.message}`);
      if (e.detail.name !== "EventLimitError") console.error(e.detail.stack);
      console.error("runs already finished are kept: add --resume to continue");
      return 1;
    }
    if (
      e instanceof Deno.errors.NotADirectory || e instanceof Deno.errors.NotFound ||
      e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable ||
      e instanceof Deno.errors.IsADirectory || e instanceof Deno.errors.AlreadyExists ||
      (e instanceof Error && /No space left|ENOSPC|Read-only file system/i.test(e.message))
    ) {
      // A file-system failure (full disk, permissions): earlier results are intact
      // because every file is written to a temporary name and renamed.
      console.error(`error: cannot write: ${(e as Error).message}`);
      return 1;
    }
    console.error(`internal error: ${(e as Error).stack ?? e}`);
    return 1;
  }
}

/** `--robust [N]`: the number is optional, so `--robust` alone becomes `--robust=default`. */
function robustArg(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== "--robust") out.push(args[i]);
    else if (/^\d+$/.test(args[i + 1] ?? "")) out.push(`--robust=${args[++i]}`);
    else out.push("--robust=default");
  }
  return out;
}

type Flags = {
  robust?: string;
  out?: string;
  abi?: string;
  seed?: string;
  replications?: string;
  set?: string[];
  ports?: boolean;
  force?: boolean;
  "max-events"?: string;
  "until-ms"?: string;
  workers?: string;
  shard?: string;
  resume?: boolean;
  partial?: boolean;
  quiet?: boolean;
  "no-report"?: boolean;
  "ci-target"?: string;
  "max-replications"?: string;
};

/**
 * Write a results folder: the CSVs and manifest.json (plus, later, aggregate
 * tables and charts). Called at checkpoints during a sweep and at the end.
 */
function writeFolder(
  out: string,
  plan: Plan,
  results: readonly RunResult[],
  command: string,
  shard?: string,
): void {
  writeResults(out, plan, results, command, { "aggregate.csv": aggregateOf(plan, results) }, shard);
}

/** Run a scenario or sweep; `robustByDefault` cost vectors are checked unless `--robust` says. */
async function simulate(
  target: string,
  flags: Flags,
  command: string,
  robustByDefault = 0,
): Promise<number> {
  const overrides: PlanOverrides = {
    abis: flags.abi ? flags.abi.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
    seed: intFlag("seed", flags.seed, 0),
    replications: intFlag("replications", flags.replications, 1),
    sets: flags.set ?? [],
  };
  const maxEvents = intFlag("max-events", flags["max-events"], 1);
  const workers = intFlag("workers", flags.workers, 1);
  const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
  const input = loadInput(target);
  const expand = (replications?: number) =>
    expandPlan(
      input,
      { ...overrides, replications: replications ?? overrides.replications },
      resolveUserPath,
    );
  let plan = expand();
  const vectors = flags.robust === undefined
    ? (shard ? 0 : robustByDefault) // a shard of the default comparison: no check
    : flags.robust === "default"
    ? DEFAULT_ROBUST_VECTORS
    : intFlag("robust", flags.robust, 0)!;
  if (vectors === 1) throw new InputError("--robust 1: expected 0 (off) or at least 2 vectors");
  if (vectors > 0 && shard) throw new InputError("--robust: cannot be combined with --shard");
  const robustOf = (p: Plan) =>
    robustPlans(p, vectors, (sets) =>
      expandPlan(
        input,
        {
          ...overrides,
          sets: [...overrides.sets ?? [], ...sets],
          replications: p.base.replications,
        },
        resolveUserPath,
      ));
  let robust = vectors > 0 ? robustOf(plan) : undefined;
  if (robust && !flags.quiet) console.error(robustBudgetText(robust.design));
  const defaultOut = shard
    ? `results/${plan.name}/shard-${shard.number}-of-${shard.count}`
    : `results/${plan.name}`;
  const out = resolveUserPath(flags.out ?? defaultOut);
  const shardText = shard ? formatShard(shard) : undefined;
  const options: SweepOptions = {
    out,
    workers,
    shard,
    resume: flags.resume ?? false,
    force: flags.force ?? false,
    ports: flags.ports ?? false,
    maxEvents,
    progress: flags.quiet ? "off" : "auto",
    onCheckpoint: (results) => writeFolder(out, plan, results, command, shardText),
  };
  let outcome;
  if (flags["ci-target"] !== undefined) {
    const target = Number(flags["ci-target"]);
    if (!(target > 0 && target < 1)) {
      throw new InputError(`--ci-target ${flags["ci-target"]}: expected a fraction in (0, 1)`);
    }
    if (shard) throw new InputError("--ci-target: cannot be combined with --shard");
    const max = intFlag("max-replications", flags["max-replications"], 2) ?? 50;
    const log = flags.quiet ? undefined : (line: string) => console.error(line);
    ({ plan, outcome } = await runToCiTarget(expand, options, target, max, log));
  } else outcome = await runSweep(plan, options);
  writeFolder(out, plan, outcome.results, command, shardText);
  if (!shard) clearRobust(out);
  if (robust) {
    if (robust.design.runs_per_vector !== plan.runs.length) {
      robust = robustOf(plan); // --ci-target changed the replications
      if (!flags.quiet) console.error(robustBudgetText(robust.design));
    }
    const perVector = await runRobust(robust.plans, {
      workers,
      maxEvents,
      progress: flags.quiet ? "off" : "auto",
    });
    writeRobust(out, robust.design, perVector);
  }
  if (!shard && !flags["no-report"]) await renderReport(out);
  if (!flags.quiet) {
    const skipped = outcome.skipped ? ` (${outcome.skipped} already recorded)` : "";
    console.error(`wrote ${out}/: ${outcome.results.length} runs${skipped}`);
  }
  return 0;
}

function merge(dirs: string[], flags: Flags, command: string): number {
  if (flags.out === undefined) throw new InputError("merge: --out DIR is required");
  const out = resolveUserPath(flags.out);
  const paths = dirs.map(resolveUserPath);
  if (paths.some((p) => p.replace(/\/+$/, "") === out.replace(/\/+$/, ""))) {
    throw new InputError(`merge: --out ${flags.out} must differ from the folders merged`);
  }
  const m = mergeFolders(paths, resolveUserPath);
  const shards = Math.max(1, ...m.header.shard ? [Number(m.header.shard.split("/")[1])] : []);
  if (m.missing.length > 0) {
    const list = describeMissing(m.missing, shards);
    const msg = `${m.missing.length} of ${m.plan.runs.length} runs are in none of the folders:\n` +
      list;
    if (!flags.partial) {
      throw new InputError(`${msg}\nrun the missing shards (--resume), or add --partial`);
    }
    console.error(`warning: ${msg}`);
  }
  checkOutputDir(out, m.plan, flags.force ?? false);
  Deno.mkdirSync(out, { recursive: true });
  const journal = Journal.create(out, { ...journalHeaderOf(m.plan, m.header), shard: null });
  for (const r of m.results) journal.record(r);
  writeFolder(out, m.plan, m.results, command);
  if (!flags.quiet) {
    console.error(
      `merged ${dirs.length} folders into ${out}/: ${m.results.length} of ` +
        `${m.plan.runs.length} runs` +
        (m.duplicates ? ` (${m.duplicates} duplicates dropped)` : ""),
    );
  }
  return 0;
}

function journalHeaderOf(
  plan: Plan,
  h: { options: { ports: boolean; max_events: number | null } },
) {
  return journalHeader(plan, {
    out: "",
    ports: h.options.ports,
    maxEvents: h.options.max_events ?? undefined,
  });
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
