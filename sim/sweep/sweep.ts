/**
 * Run a sweep into a results folder: select the shard, open (or resume) the
 * folder's journal, run what is left on the worker pool, record each result
 * as it completes and report progress. Writing the CSVs is the caller's job
 * (it gets every result, ordered by run index).
 *
 * Folder `sim/sweep/` owns many runs: the plan (grid/zip expansion and
 * seeds), the worker pool, the journal and resume, shards and merge, CI
 * targets, progress and the results folder. It never imports the command
 * line; of the reports it uses only CSV writing and aggregation.
 *
 * @module
 */

import { checkOutputDir, lockFolder, TOOL_VERSION } from "./results.ts";
import { InputError } from "../io/errors.ts";
import { executeRuns, probeDesigns } from "./pool.ts";
import { Journal, journalDir, type JournalHeader, readJournal } from "./journal.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import { formatShard, type Plan, selectShard, type Shard } from "./plan.ts";
import type { Run, RunResult } from "../run/run.ts";

/** Options of {@linkcode runSweep}. */
export interface SweepOptions {
  /** The results folder (absolute or relative to the process's directory). */
  out: string;
  /** Number of workers; default: the core count. */
  workers?: number;
  /** Run only this shard of the sweep. */
  shard?: Shard;
  /** Skip the runs already recorded in the folder's journal. */
  resume?: boolean;
  /** Overwrite a folder that holds another scenario's results. */
  force?: boolean;
  /** Collect per-port rows (ports.csv). */
  ports?: boolean;
  /** Stop a run after this many events. */
  maxEvents?: number;
  /** How progress is shown on stderr; default `auto`. */
  progress?: ProgressMode;
  /** Called at most every `checkpointMs` with every result so far (e.g. to write CSVs). */
  onCheckpoint?: (results: RunResult[]) => void;
  /** Minimum time between checkpoints in ms; default 10000. */
  checkpointMs?: number;
  /**
   * The caller already holds the folder's lock ({@linkcode lockFolder}) and
   * has probed the designs ({@linkcode probeDesigns}) before taking it.
   */
  locked?: boolean;
}

/** What {@linkcode runSweep} did. */
export interface SweepOutcome {
  /** The runs this invocation is responsible for (the shard's, or all). */
  selected: Run[];
  /** Every result of the selected runs, ordered by run index. */
  results: RunResult[];
  /** Runs found already recorded (resume). */
  skipped: number;
  /** Runs executed now. */
  ran: number;
}

/**
 * The journal header of `plan` run with `options`.
 *
 * @example
 * ```ts
 * import { journalHeader } from "./sweep.ts";
 * import { expandPlan } from "./plan.ts";
 * import { loadInput } from "../scenario/scenario.ts";
 * const plan = expandPlan(loadInput("default"), {});
 * console.log(journalHeader(plan, { out: "x" }).sweep_hash === plan.hash); // true
 * ```
 */
export function journalHeader(plan: Plan, options: SweepOptions): JournalHeader {
  return {
    tool_version: TOOL_VERSION,
    scenario: plan.name,
    source: plan.source,
    sweep_hash: plan.hash,
    resolved: plan.resolved,
    total_runs: plan.runs.length,
    shard: options.shard ? formatShard(options.shard) : null,
    options: { ports: options.ports ?? false, max_events: options.maxEvents ?? null },
  };
}

function readManifestHash(dir: string): { hash?: string; scenario?: string } | undefined {
  try {
    const m = JSON.parse(Deno.readTextFileSync(`${dir}/manifest.json`));
    return { hash: m.sweep_hash, scenario: m.scenario };
  } catch {
    return undefined;
  }
}

/**
 * Check a `--resume` into `dir` and return the results already recorded there
 * for `selected` runs. Refuses (InputError) a folder of another sweep, shard
 * or run options.
 */
function resumable(
  dir: string,
  plan: Plan,
  header: JournalHeader,
  selected: readonly Run[],
): RunResult[] | undefined {
  const j = readJournal(dir);
  if (j === undefined) {
    const m = readManifestHash(dir);
    if (m?.hash !== undefined && m.hash !== plan.hash) {
      throw new InputError(
        `${dir}: holds results of another sweep (scenario '${m.scenario}', sweep hash ${m.hash}; ` +
          `this sweep is '${plan.name}', ${plan.hash}): cannot --resume into it; ` +
          `choose another --out, or drop --resume (and add --force) to overwrite`,
      );
    }
    return undefined;
  }
  const h = j.header;
  if (h.sweep_hash !== plan.hash) {
    throw new InputError(
      `${dir}: holds runs of another sweep (scenario '${h.scenario}' from ${h.source}, ` +
        `sweep hash ${h.sweep_hash}; this sweep is '${plan.name}', ${plan.hash}): ` +
        `cannot --resume into it; choose another --out, or drop --resume ` +
        `(and add --force) to start over`,
    );
  }
  if (h.shard !== header.shard) {
    throw new InputError(
      `${dir}: was started ${h.shard ? `with --shard ${h.shard}` : "without --shard"}; ` +
        `resume it with the same shard (got ${header.shard ? `--shard ${header.shard}` : "none"})`,
    );
  }
  if (JSON.stringify(h.options) !== JSON.stringify(header.options)) {
    throw new InputError(
      `${dir}: was started with run options ${JSON.stringify(h.options)}; ` +
        `resume it with the same --ports / --max-events (got ${JSON.stringify(header.options)})`,
    );
  }
  const wanted = new Map(selected.map((r) => [r.index, r.id]));
  const done = j.results.filter((r) => wanted.get(r.index) === r.id);
  if (done.length !== j.results.length) {
    throw new InputError(`${journalDir(dir)}: holds runs that are not part of this sweep`);
  }
  return done;
}

/**
 * Run `plan` (or one shard of it) into `options.out`.
 *
 * @example
 * ```ts
 * import { runSweep } from "./sweep.ts";
 * // const { results } = await runSweep(plan, { out: "results/x", workers: 2 });
 * console.log(typeof runSweep); // "function"
 * ```
 */
export async function runSweep(plan: Plan, options: SweepOptions): Promise<SweepOutcome> {
  const out = options.out;
  const selected = selectShard(plan.runs, options.shard);
  const header = journalHeader(plan, options);
  const previous = options.resume ? resumable(out, plan, header, selected) : undefined;
  if (previous === undefined) checkOutputDir(out, plan, options.force ?? false);
  // Designs are imported in their sandbox before anything is written: a
  // missing module or an escape at import leaves the folder untouched.
  if (!options.locked) await probeDesigns(selected);
  const lock = options.locked ? undefined : lockFolder(out);
  let journal: Journal;
  try {
    if (previous === undefined) journal = Journal.create(out, header);
    else journal = Journal.reopen(out);
  } catch (e) {
    lock?.release();
    throw e;
  }
  const results: RunResult[] = [...(previous ?? [])];
  const doneIds = new Set(results.map((r) => r.id));
  const todo = selected.filter((r) => !doneIds.has(r.id));

  const progress = createProgress({ mode: options.progress ?? "auto", label: plan.name });
  const every = options.checkpointMs ?? 10000;
  let lastCheckpoint = performance.now();
  progress.start(selected.length, results.length);
  try {
    await executeRuns(todo, {
      workers: options.workers,
      runOptions: { ports: options.ports ?? false, maxEvents: options.maxEvents },
      onProgress: (p) => {
        const s = plan.runs[p.index].scenario;
        progress.running(p.index, p.simNs, (s.warmup_ms + s.duration_ms) * 1e6, p.events);
      },
      onResult: (r) => {
        journal.record(r);
        results.push(r);
        progress.tick(r.simEvents, r.index);
        if (options.onCheckpoint && performance.now() - lastCheckpoint >= every) {
          options.onCheckpoint([...results].sort((a, b) => a.index - b.index));
          lastCheckpoint = performance.now();
        }
      },
    });
  } finally {
    progress.stop();
    lock?.release();
  }
  results.sort((a, b) => a.index - b.index);
  return { selected, results, skipped: selected.length - todo.length, ran: todo.length };
}
