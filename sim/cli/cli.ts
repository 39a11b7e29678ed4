/**
 * The `sim` command (README: Quick start). Thin: parse, call the library, print.
 * Exit status: 0 done, 2 bad input, 1 internal failure.
 *
 * Folder `sim/cli/` is the only place that knows the command line: flags,
 * help text, exit statuses. Nothing else imports it. Flags and subcommands
 * are defined once, in `flags.ts`.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import { printable, quoteName } from "../io/text.ts";
import { versionText } from "../io/provenance.ts";
import {
  builtinNames,
  loadInput,
  resolveUserPath,
  scenarioJsonSchema,
} from "../scenario/scenario.ts";
import {
  countRuns,
  expandPlan,
  formatShard,
  parseShard,
  type Plan,
  type PlanOverrides,
  selectShard,
} from "../sweep/plan.ts";
import { checkOutputDir, type FolderLock, lockFolder, writeResults } from "../sweep/results.ts";
import type { Run, RunResult } from "../run/run.ts";
import { defaultWorkers, probeDesigns, RunFailedError } from "../sweep/pool.ts";
import { disposeDesigns, setDesignLimits } from "../sweep/design_process.ts";
import { setInputLimit } from "../io/bounded_read.ts";
import { resolveInputPath } from "../io/paths.ts";
import { journalHeader, runSweep, type SweepOptions } from "../sweep/sweep.ts";
import { Journal } from "../sweep/journal.ts";
import { describeMissing, mergeFolders } from "../sweep/merge.ts";
import { renderReport } from "../../reports/report.ts";
import { traceCommand } from "./trace_command.ts";
import { runCapacity, splitCapacity } from "../sweep/capacity.ts";
import { capacityAnswer } from "../../reports/capacity_text.ts";
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

/** `--robust [N]`: the number is optional, so `--robust` alone becomes `--robust=default`. */
function robustArg(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== "--robust") out.push(args[i]);
    else if (/^\d+$/.test(args[i + 1] ?? "")) out.push(`--robust=${args[++i]}`);
    else out.push("--robust=default");
  }
  return out;
}
import {
  COMMANDS,
  type Flags,
  helpText,
  numberFlag,
  parseCommandLine,
  suggestCommand,
} from "./flags.ts";
import { checkBudget, checkDesigns, type WorkBudget } from "./budget.ts";
import { DEFAULT_EVENT_BUDGET, DEFAULT_MEMORY_BUDGET } from "../scenario/estimate.ts";

/** Print to stderr, every non-printable character from input escaped. */
function say(text: string): void {
  console.error(printable(text));
}

/** Run the command line `args`; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  try {
    const { command: cmd, positionals: rest, flags } = parseCommandLine(robustArg(args));
    applyLimits(flags);
    if (flags.version) {
      console.log(versionText());
      return 0;
    }
    if (cmd === "help" || flags.help) {
      const topic = cmd === "help" ? rest[0] : cmd;
      if (topic !== undefined && topic !== "default" && !(topic in COMMANDS)) {
        throw unknownCommand(topic);
      }
      console.log(helpText(topic === "default" ? undefined : topic));
      return 0;
    }
    const command = `deno task sim ${args.join(" ")}`.trimEnd();
    switch (cmd) {
      case "default":
        if (rest.length > 0) throw unknownCommand(rest[0]);
        return await simulate("default", flags, "deno task sim", DEFAULT_COMPARISON_VECTORS);
      case "run":
      case "sweep": {
        if (rest.length !== 1) throw new InputError(`${cmd}: expected one scenario file or name`);
        return await simulate(rest[0], flags, command);
      }
      case "merge":
        return merge(rest, flags, command);
      case "capacity":
        return await capacity(rest, flags, command);
      case "list":
        for (const name of builtinNames()) {
          const raw = loadInput(name).raw as Record<string, unknown>;
          const base = raw.base && typeof raw.base === "object"
            ? raw.base as Record<string, unknown>
            : raw;
          const desc = (raw.description ?? base.description ?? "") as string;
          console.log(printable(`${name.padEnd(28)} ${desc}`));
        }
        return 0;
      case "validate":
        return await validate(rest, flags);
      case "report":
        return await report(rest, flags);
      case "trace":
        return await trace(rest, flags);
      case "schema": {
        const schema = JSON.stringify(scenarioJsonSchema(), null, 2);
        if (typeof flags.out === "string") {
          Deno.writeTextFileSync(resolveUserPath(flags.out), schema + "\n");
        } else console.log(schema);
        return 0;
      }
      default:
        throw unknownCommand(cmd);
    }
  } catch (e) {
    return failed(e);
  }
}

function unknownCommand(word: string): InputError {
  const hint = suggestCommand(word);
  return new InputError(
    `unknown command '${quoteName(word)}'${hint ? ` (did you mean '${hint}'?)` : ""}; ` +
      `'deno task sim help' lists the commands`,
  );
}

/** Print an error and return its exit status. */
function failed(e: unknown): number {
  if (e instanceof InputError) {
    say(`error: ${e.message}`);
    return 2;
  }
  if (e instanceof RunFailedError) {
    say(`error: ${e.message}`);
    if (e.detail.name !== "EventLimitError") say(e.detail.stack);
    say("runs already finished are kept: add --resume to continue");
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
    say(`error: cannot write: ${(e as Error).message}`);
    return 1;
  }
  say(`internal error: ${(e as Error).stack ?? e}`);
  return 1;
}

/** The input and design-process limits the flags set (`--input-limit-mb`, `--design-*`). */
function applyLimits(flags: Flags): void {
  const input = numberFlag("input-limit-mb", flags["input-limit-mb"], { min: 0, above: true });
  if (input !== undefined) setInputLimit(input * 2 ** 20);
  const memoryMb = numberFlag("design-memory-mb", flags["design-memory-mb"], {
    min: 16,
    integer: true,
  });
  const watchdogS = numberFlag("design-watchdog-s", flags["design-watchdog-s"], {
    min: 0,
    above: true,
  });
  setDesignLimits({
    ...(memoryMb !== undefined ? { memoryMb } : {}),
    ...(watchdogS !== undefined ? { watchdogS } : {}),
  });
}

/**
 * How design module paths resolve: one given with --abi on the command line
 * against the user's directory; one written in the file against the file's folder.
 */
function pathsOf(overrides: PlanOverrides): (p: string, key: string) => string {
  return (p, key) => overrides.abis?.includes(p) ? resolveUserPath(p) : resolveInputPath(p, key);
}

function str(v: Flags[string]): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function overridesOf(flags: Flags): PlanOverrides {
  const abi = str(flags.abi);
  return {
    abis: abi ? abi.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
    seed: numberFlag("seed", flags.seed, { min: 0, integer: true }),
    replications: numberFlag("replications", flags.replications, { min: 1, integer: true }),
    sets: (flags.set as string[] | undefined) ?? [],
  };
}

function budgetOf(flags: Flags): WorkBudget {
  return {
    events: numberFlag("budget", flags.budget, { min: 0, above: true }) ?? DEFAULT_EVENT_BUDGET,
    bytes: (numberFlag("budget-mb", flags["budget-mb"], { min: 0, above: true }) ??
      DEFAULT_MEMORY_BUDGET / 2 ** 20) * 2 ** 20,
  };
}

/**
 * Load and expand `target`, refusing work beyond the budget: first by
 * counting runs (before expanding a grid), then run by run.
 */
function plan(target: string, flags: Flags, overrides: PlanOverrides, workers = 1) {
  const input = loadInput(target);
  const budget = budgetOf(flags);
  checkBudget({ count: countRuns(input, overrides) }, budget, workers);
  const expanded = expandPlan(input, overrides, pathsOf(overrides));
  return { input, plan: expanded, budget };
}

async function validate(rest: string[], flags: Flags): Promise<number> {
  if (rest.length !== 1) throw new InputError("validate: expected one file or built-in name");
  const { plan: p, budget } = plan(rest[0], flags, overridesOf(flags));
  const work = checkBudget({ runs: p.runs }, budget, 1);
  for (const line of checkDesigns(p.runs)) say(line);
  await probeDesigns(p.runs);
  console.log(printable(`${rest[0]}: valid (${p.runs.length} runs; ${work.text})`));
  return 0;
}

async function report(rest: string[], flags: Flags): Promise<number> {
  if (rest.length !== 1) throw new InputError("report: expected one results folder");
  const dir = resolveUserPath(rest[0]);
  try {
    Deno.statSync(`${dir}/manifest.json`);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
    throw new InputError(
      `${rest[0]}: not a results folder (no manifest.json); ` +
        `an interrupted sweep? run it again with --resume`,
    );
  }
  const lock = lockFolder(dir);
  try {
    const { files } = await renderReport(dir, { progress: reportProgress(Boolean(flags.quiet)) });
    say(`wrote ${files.length} report files in ${dir}/`);
  } finally {
    lock.release();
  }
  return 0;
}

async function trace(rest: string[], flags: Flags): Promise<number> {
  if (rest.length !== 1) throw new InputError("trace: expected one scenario file or name");
  const out = str(flags.out);
  if (!out) throw new InputError("trace: --out FILE is required");
  const r = await traceCommand(rest[0], {
    out,
    untilMs: numberFlag("until-ms", flags["until-ms"], { min: 0, above: true }),
    abi: str(flags.abi),
    sets: (flags.set as string[] | undefined) ?? [],
    seed: numberFlag("seed", flags.seed, { min: 0, integer: true }),
    maxEvents: numberFlag("max-events", flags["max-events"], { min: 1, integer: true }),
    budget: budgetOf(flags),
    log: flags.quiet ? undefined : say,
  });
  say(`wrote ${r.events} trace events to ${resolveUserPath(out)}`);
  return 0;
}

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

/**
 * Progress of a report on stderr: one line per chart (rewritten in place on
 * a terminal), nothing with `--quiet`.
 */
function reportProgress(quiet?: boolean): (done: number, total: number, name: string) => void {
  if (quiet) return () => {};
  const tty = Deno.stderr.isTerminal();
  const t0 = performance.now();
  return (done, total, name) => {
    const s = ((performance.now() - t0) / 1e3).toFixed(1);
    const line = printable(`report: chart ${done}/${total} ${name} (${s} s)`);
    if (tty) {
      Deno.stderr.writeSync(
        new TextEncoder().encode(`\r\x1b[K${line}${done === total ? "\n" : ""}`),
      );
    } else say(line);
  };
}

/** Run a scenario or sweep; `robustByDefault` cost vectors are checked unless `--robust` says. */
async function simulate(
  target: string,
  flags: Flags,
  command: string,
  robustByDefault = 0,
): Promise<number> {
  const overrides = overridesOf(flags);
  const maxEvents = numberFlag("max-events", flags["max-events"], { min: 1, integer: true });
  const workers = numberFlag("workers", flags.workers, { min: 1, integer: true });
  const shardFlag = str(flags.shard);
  const shard = shardFlag === undefined ? undefined : parseShard(shardFlag);
  const cores = defaultWorkers();
  if (workers !== undefined && workers > cores && !flags.quiet) {
    say(
      `warning: --workers ${workers} is more than the ${cores} cores: runs will share them ` +
        `and finish no sooner`,
    );
  }
  const { input, plan: first, budget } = plan(target, flags, overrides, workers ?? cores);
  let p = first;
  // A capacity study run plainly: its question is answered by `sim capacity`.
  const raw = input.raw;
  if (!flags.quiet && typeof raw === "object" && raw !== null && "capacity" in raw) {
    say(
      `note: ${p.name} is a capacity study: this run simulates its grid without searching; ` +
        `\`deno task sim capacity ${target}\` searches`,
    );
  }
  const selected: Run[] = selectShard(p.runs, shard);
  const expand = (replications?: number) =>
    expandPlan(
      input,
      { ...overrides, replications: replications ?? overrides.replications },
      pathsOf(overrides),
    );
  // The robustness check (--robust [N]): its runs count in the budget, shown up front.
  const robustFlag = str(flags.robust);
  const vectors = robustFlag === undefined
    ? (shard ? 0 : robustByDefault) // a shard of the default comparison: no check
    : robustFlag === "default"
    ? DEFAULT_ROBUST_VECTORS
    : numberFlag("robust", robustFlag, { min: 0, integer: true })!;
  if (vectors === 1) throw new InputError("--robust 1: expected 0 (off) or at least 2 vectors");
  if (vectors > 0 && shard) throw new InputError("--robust: cannot be combined with --shard");
  const robustOf = (q: Plan) =>
    robustPlans(q, vectors, (sets) =>
      expandPlan(
        input,
        {
          ...overrides,
          sets: [...overrides.sets ?? [], ...sets],
          replications: q.base.replications,
        },
        pathsOf(overrides),
      ));
  let robust = vectors > 0 ? robustOf(p) : undefined;
  const checked = [...selected, ...(robust?.plans.flatMap((q) => q.runs) ?? [])];
  checkBudget({ runs: checked }, budget, Math.min(workers ?? cores, checked.length));
  if (robust && !flags.quiet) say(robustBudgetText(robust.design));
  const defaultOut = shard
    ? `results/${p.name}/shard-${shard.number}-of-${shard.count}`
    : `results/${p.name}`;
  const out = resolveUserPath(str(flags.out) ?? defaultOut);
  const shardText = shard ? formatShard(shard) : undefined;
  const resume = flags.resume === true;
  const force = flags.force === true;
  // Checks before anything is written: the folder, then the designs in their sandbox.
  if (!resume) checkOutputDir(out, p, force);
  const designs = checkDesigns(selected);
  if (!flags.quiet) { for (const line of designs) say(line); }
  await probeDesigns(selected);
  const existed = exists(out);
  let lock: FolderLock | undefined = lockFolder(out);
  try {
    const options: SweepOptions = {
      out,
      workers,
      shard,
      resume,
      force,
      locked: true,
      ports: flags.ports === true,
      maxEvents,
      progress: flags.quiet ? "off" : "auto",
      onCheckpoint: (results) => writeFolder(out, p, results, command, shardText),
    };
    let outcome;
    const ciTarget = str(flags["ci-target"]);
    if (ciTarget !== undefined) {
      const target = numberFlag("ci-target", ciTarget, { min: 0, above: true })!;
      if (!(target < 1)) {
        throw new InputError(`--ci-target ${ciTarget}: expected a fraction in (0, 1)`);
      }
      if (shard) throw new InputError("--ci-target: cannot be combined with --shard");
      const max = numberFlag("max-replications", flags["max-replications"], {
        min: 2,
        integer: true,
      }) ?? 50;
      const log = flags.quiet ? undefined : (line: string) => say(line);
      ({ plan: p, outcome } = await runToCiTarget(expand, options, target, max, log));
    } else outcome = await runSweep(p, options);
    writeFolder(out, p, outcome.results, command, shardText);
    if (!shard) clearRobust(out);
    if (robust) {
      if (robust.design.runs_per_vector !== p.runs.length) {
        robust = robustOf(p); // --ci-target changed the replications
        if (!flags.quiet) say(robustBudgetText(robust.design));
      }
      const perVector = await runRobust(robust.plans, {
        workers,
        maxEvents,
        progress: flags.quiet ? "off" : "auto",
      });
      writeRobust(out, robust.design, perVector);
    }
    if (!shard && !flags["no-report"]) {
      await renderReport(out, { progress: reportProgress(Boolean(flags.quiet)) });
    }
    if (!flags.quiet) {
      const skipped = outcome.skipped ? ` (${outcome.skipped} already recorded)` : "";
      say(`wrote ${out}/: ${outcome.results.length} runs${skipped}`);
    }
  } catch (e) {
    // Bad input found while running (a design's reply that breaks a rule, a
    // limit): a folder this command created is removed, so nothing is left.
    if (e instanceof InputError && !existed) {
      lock?.release();
      lock = undefined;
      Deno.removeSync(out, { recursive: true });
    }
    throw e;
  } finally {
    lock?.release();
    lock = undefined;
  }
  return 0;
}

/** Whether `path` exists. */
function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** `capacity <file|name> --objective X`: the search, then the report (its answer first). */
async function capacity(rest: string[], flags: Flags, command: string): Promise<number> {
  if (rest.length !== 1) throw new InputError("capacity: expected one scenario file or name");
  const input = loadInput(rest[0]);
  // The study's name from its own plan, whose base path resolves as every sweep's does.
  const name = expandPlan(splitCapacity(input).input, {
    ...overridesOf(flags),
    replications: 1,
  }, pathsOf(overridesOf(flags))).name;
  const out = resolveUserPath(str(flags.out) ?? `results/${name}-capacity`);
  const robustFlag = str(flags.robust);
  const robust = robustFlag === undefined
    ? 0
    : robustFlag === "default"
    ? DEFAULT_ROBUST_VECTORS
    : numberFlag("robust", robustFlag, { min: 0, integer: true })!;
  const int = (flag: string, min: number) => numberFlag(flag, flags[flag], { min, integer: true });
  const workers = int("workers", 1);
  const settings = {
    objective: str(flags.objective),
    axis: str(flags.axis),
    start: int("start", 1),
    max: int("max", 1),
    resolution: int("resolution", 1),
    max_replications: int("max-replications", 2),
  };
  const { rows } = await runCapacity(input, {
    settings,
    overrides: overridesOf(flags),
    resolvePath: pathsOf(overridesOf(flags)),
    out,
    resume: flags.resume === true,
    force: flags.force === true,
    workers,
    maxEvents: numberFlag("max-events", flags["max-events"], { min: 1, integer: true }),
    robust,
    command,
    progress: flags.quiet ? "off" : "auto",
    log: flags.quiet ? undefined : say,
    checkRuns: (runs) =>
      checkBudget({ runs }, budgetOf(flags), Math.min(workers ?? defaultWorkers(), runs.length)),
  });
  if (!flags["no-report"]) {
    const lock = lockFolder(out);
    try {
      await renderReport(out, { progress: reportProgress(Boolean(flags.quiet)) });
    } finally {
      lock.release();
    }
  }
  const params = Object.keys(rows[0] ?? {}).slice(0, Object.keys(rows[0] ?? {}).indexOf("abi"));
  for (const line of capacityAnswer(rows, params)) console.log(printable(line));
  if (!flags.quiet) say(`wrote ${out}/ (capacity.csv)`);
  return 0;
}

function merge(dirs: string[], flags: Flags, command: string): number {
  const outFlag = str(flags.out);
  if (outFlag === undefined) throw new InputError("merge: --out DIR is required");
  const out = resolveUserPath(outFlag);
  const paths = dirs.map(resolveUserPath);
  if (paths.some((p) => p.replace(/\/+$/, "") === out.replace(/\/+$/, ""))) {
    throw new InputError(`merge: --out ${outFlag} must differ from the folders merged`);
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
    say(`warning: ${msg}`);
  }
  checkOutputDir(out, m.plan, flags.force === true);
  const lock = lockFolder(out);
  try {
    const journal = Journal.create(out, { ...journalHeaderOf(m.plan, m.header), shard: null });
    // Not flushed run by run: the shard folders merged stay as they were.
    for (const r of m.results) journal.record(r, false);
    writeFolder(out, m.plan, m.results, command);
  } finally {
    lock.release();
  }
  if (!flags.quiet) {
    say(
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
  const status = await main(Deno.args);
  await disposeDesigns(); // the private copies of the designs
  Deno.exit(status);
}
