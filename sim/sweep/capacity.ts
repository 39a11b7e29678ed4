/**
 * Capacity at an objective (DESIGN §13): for every ABI (and every point of
 * a sweep file's grid), the largest value of an integer axis (by default a
 * host's guest count, `host.guests.0.count`) whose metric meets the
 * objective. Each search is a {@linkcode CapacitySearch}; every round, the
 * runs that the searches ask for are expanded through the sweep plan (one
 * grid point per axis value, the scenario's seeds: replication r of every
 * value and ABI draws the same random streams, common random numbers), run
 * on the worker pool and recorded in the folder's journal. A search only
 * reads results, so a killed search resumed with `--resume` takes the
 * recorded runs from the journal, asks the same questions and writes the same
 * files, whatever the worker count.
 *
 * With `--robust N`, the same searches run under N cost vectors drawn by
 * the robustness check's Latin hypercube (`robust.ts`), in the same rounds.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { quoteName } from "../io/text.ts";
import { toCsv } from "../../reports/csv.ts";
import { robustCapacity } from "../../reports/capacity_text.ts";
import type { Row } from "../run/metrics.ts";
import { type Run, runOne, type RunResult } from "../run/run.ts";
import type { LoadedInput } from "../scenario/scenario.ts";
import { aggregateOf } from "./ci_target.ts";
import { checkObjectiveColumn, type Objective, parseObjective } from "./capacity_objective.ts";
import { CapacitySearch, type SearchAnswer, type StepSample } from "./capacity_search.ts";
import { classifyLimit } from "./capacity_limit.ts";
import { portLimitGuests } from "./capacity_ports.ts";
import { Journal, type JournalHeader, readJournal } from "./journal.ts";
import { executeRuns } from "./pool.ts";
import { countRuns, expandPlan, hashJson, type Plan, type PlanOverrides } from "./plan.ts";
import { createProgress, type ProgressMode } from "./progress.ts";
import { checkOutputDir, lockFolder, TOOL_VERSION, writeResults } from "./results.ts";
import { costSpace, costVectorSets, latinHypercube } from "./robust.ts";

/** The axis searched when a host scenario names none. */
export const DEFAULT_AXIS = "host.guests.0.count";

/** The search settings a sweep file may carry in its `capacity` block (flags override them). */
export interface CapacitySettings {
  /** `"<column><=<value>"` or `>=`. */
  objective?: string;
  /** Dotted path of the integer key searched. */
  axis?: string;
  /** First value tried (default: the scenario's own value). */
  start?: number;
  /** Largest value tried (default: 1024 x start). */
  max?: number;
  /** Bisection stops at gaps this wide (default 1). */
  resolution?: number;
  /** Replications a value may grow to near the boundary (default 4 x the scenario's). */
  max_replications?: number;
}

/** Options of {@linkcode runCapacity}. */
export interface CapacityOptions {
  /** Flag values, which override the file's `capacity` block. */
  settings: CapacitySettings;
  /** `--abi`, `--seed`, `--replications`, `--set`. */
  overrides: PlanOverrides;
  /**
   * Resolves a design module's path (`abis.N`, `--abi`) as `run` and `sweep` do: command-line
   * paths against the user's directory, a file's own paths against its folder. Default: as
   * written.
   */
  resolvePath?: (p: string, key: string) => string;
  /** The results folder. */
  out: string;
  /** Continue a search from the folder's journal. */
  resume?: boolean;
  /** Write into a folder holding other results. */
  force?: boolean;
  /** Workers of the pool. */
  workers?: number;
  /** Stop any run after this many events. */
  maxEvents?: number;
  /** Cost vectors of the robustness check (0: none). */
  robust?: number;
  /** The command line, for the manifest. */
  command: string;
  /** Progress on stderr. */
  progress?: ProgressMode;
  /** Where round-by-round lines go. */
  log?: (line: string) => void;
  /**
   * Called with the runs of the first values before anything is written, then
   * with each round's runs before they start: throws (an InputError) to refuse
   * work beyond a budget.
   */
  checkRuns?: (runs: readonly Run[]) => void;
}

/** One finished search, as capacity.csv reports it. */
export interface CapacityResult {
  /** The grid point's parameters (a sweep file's grid), by dotted path. */
  params: Record<string, string | number | boolean>;
  /** The ABI. */
  abi: string;
  /** The search's answer. */
  answer: SearchAnswer;
  /** capacity.csv's row. */
  row: Row;
}

/** What {@linkcode runCapacity} did. */
export interface CapacityOutcome {
  /** capacity.csv's rows, per grid point and ABI. */
  rows: Row[];
  /** Runs executed now. */
  ran: number;
  /** Runs taken from the journal. */
  reused: number;
  /** Rounds of runs. */
  rounds: number;
}

/** A loaded scenario or sweep split into its input (for the plan) and its `capacity` block. */
export function splitCapacity(
  input: LoadedInput,
): { input: LoadedInput; settings: CapacitySettings } {
  const raw = input.raw;
  if (typeof raw !== "object" || raw === null || !("capacity" in raw)) {
    return { input, settings: {} };
  }
  const { capacity, ...rest } = raw as Record<string, unknown>;
  if (typeof capacity !== "object" || capacity === null || Array.isArray(capacity)) {
    throw new InputError(`${input.source}: capacity: expected an object of search settings`);
  }
  const known = ["objective", "axis", "start", "max", "resolution", "max_replications"];
  for (const [k, v] of Object.entries(capacity)) {
    if (!known.includes(k)) {
      throw new InputError(
        `${input.source}: capacity.${k}: unknown key (expected ${known.join(", ")})`,
      );
    }
    const ok = k === "objective" || k === "axis"
      ? typeof v === "string"
      : Number.isInteger(v) && (v as number) >= (k === "max_replications" ? 2 : 1);
    if (!ok) {
      throw new InputError(
        `${input.source}: capacity.${k}: expected ${
          k === "objective" || k === "axis" ? "a string" : "a positive integer"
        }`,
      );
    }
  }
  return { input: { ...input, raw: rest }, settings: capacity as CapacitySettings };
}

/** A search of one cost vector, grid point and ABI. */
interface Unit {
  vector: number;
  point: number;
  abi: string;
  search: CapacitySearch;
  rows: Map<number, Row[]>;
}

function get(raw: unknown, path: string): unknown {
  let v = raw;
  for (const k of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/**
 * Run the capacity search of `loaded` into `options.out`: the usual CSVs
 * and manifest of every run of the scenario's own costs, `capacity.csv`,
 * and with `--robust` `capacity_robust.csv`. Throws InputError, before
 * anything is written, on a bad objective, axis or bound.
 *
 * @example
 * ```ts
 * import { runCapacity } from "./capacity.ts";
 * // await runCapacity(loadInput("dom0-capacity"), { settings: {}, overrides: {},
 * //   out: "results/x", command: "sim capacity dom0-capacity" });
 * console.log(typeof runCapacity); // "function"
 * ```
 */
export async function runCapacity(
  loaded: LoadedInput,
  options: CapacityOptions,
): Promise<CapacityOutcome> {
  const { input, settings: fileSettings } = splitCapacity(loaded);
  const settings = { ...fileSettings, ...dropUndefined(options.settings) };
  const src = input.source;
  if (settings.objective === undefined) {
    throw new InputError(
      `capacity: --objective is required (e.g. --objective "rt_p99_ns<=200us"), ` +
        `unless ${src} has a capacity.objective`,
    );
  }
  const objective = parseObjective(settings.objective);
  const overrides = options.overrides;
  // The grid points, the ABIs and the base of the study, from the file's own plan.
  const first = expandPlan(input, { ...overrides, replications: 1 }, options.resolvePath);
  const base = first.base as unknown as Record<string, unknown>;
  const axis: string = settings.axis ?? defaultAxis(base, src);
  if (first.params.includes(axis)) {
    throw new InputError(
      `--axis ${axis}: already swept by the grid of ${src}; search one or the other`,
    );
  }
  const own = get(base, axis);
  if (!Number.isInteger(own)) {
    throw new InputError(
      `--axis ${quoteName(axis)}: ${src} has ${
        own === undefined ? "no such key" : `${JSON.stringify(own)} there`
      }; expected a dotted path to an integer key (e.g. ${DEFAULT_AXIS} or groups.0.ports)`,
    );
  }
  const start = settings.start ?? Math.max(1, own as number);
  const max = settings.max ?? start * 1024;
  if (max < start) {
    throw new InputError(`--max ${max}: expected at least the start value ${start}`);
  }
  const reps = Math.max(2, countRuns(input, overrides).base.replications);
  const maxReps = settings.max_replications ?? 4 * reps;
  if (maxReps < reps) {
    throw new InputError(
      `--max-replications ${maxReps}: expected at least the ${reps} replications of a first look`,
    );
  }
  const resolution = settings.resolution ?? 1;
  const abis = first.base.abis;
  const npoints = first.runs.length / abis.length;
  const pointRuns = Array.from({ length: npoints }, (_, p) => first.runs[p * abis.length]);

  // Cost vectors: 0 is the scenario's own costs; 1..N the robustness check's.
  const vectors = options.robust ?? 0;
  if (vectors === 1) throw new InputError("--robust 1: expected 0 (off) or at least 2 vectors");
  const vectorSets: string[][] = [[]];
  let robustCosts: Record<string, number>[] = [];
  if (vectors > 0) {
    const { varied } = costSpace(first.base, first.params);
    if (varied.length === 0) {
      throw new InputError(
        `${src}: --robust: every cost field is held fixed (set by the scenario, swept by the ` +
          `grid, read by no run or of zero width); give the fields to vary in cost_ranges`,
      );
    }
    robustCosts = latinHypercube(varied, vectors, first.base.seed);
    for (const v of robustCosts) vectorSets.push(costVectorSets(first.base, v));
  }

  // The plan of one value at one grid point, under one cost vector.
  const rawSweep = input.raw as Record<string, unknown>;
  const isSweep = "base" in rawSweep;
  const gridOf = (p: number): Record<string, unknown[]> => {
    const out: Record<string, unknown[]> = {};
    for (const k of first.params) out[k] = [originalValue(rawSweep, k, pointRuns[p].params[k])];
    return out;
  };
  const plans = new Map<string, Plan>();
  const stepPlan = (vector: number, point: number, value: number, replications: number) => {
    const key = `${vector}/${point}/${value}/${replications}`;
    let plan = plans.get(key);
    if (!plan) {
      const raw = {
        ...(isSweep && typeof rawSweep.description === "string"
          ? { description: rawSweep.description }
          : {}),
        base: isSweep ? rawSweep.base : rawSweep,
        grid: { ...gridOf(point), [axis]: [value] },
      };
      plan = expandPlan({ ...input, raw }, {
        ...overrides,
        sets: [...(overrides.sets ?? []), ...vectorSets[vector]],
        replications,
      }, options.resolvePath);
      plans.set(key, plan);
    }
    return plan;
  };
  // Every start value expands (and so validates) before anything is written.
  for (let v = 0; v < vectorSets.length; v++) {
    for (let p = 0; p < npoints; p++) stepPlan(v, p, start, reps);
  }
  await checkColumn(objective, stepPlan(0, 0, start, reps).runs);
  options.checkRuns?.([...plans.values()].flatMap((p) => p.runs));

  const spec = {
    objective: objective.canonical,
    axis,
    start,
    max,
    resolution,
    replications: reps,
    max_replications: maxReps,
    robust: vectors,
  };
  const hash = hashJson({ resolved: first.resolved, spec, max_events: options.maxEvents ?? null });
  const header: JournalHeader = {
    tool_version: TOOL_VERSION,
    scenario: first.name,
    source: first.source,
    sweep_hash: hash,
    resolved: { capacity: spec, input: first.resolved },
    total_runs: 0,
    shard: null,
    options: { ports: false, max_events: options.maxEvents ?? null },
  };
  const cache = new Map<string, RunResult>();
  const previous = options.resume ? readJournal(options.out) : undefined;
  if (previous && previous.header.sweep_hash !== hash) {
    throw new InputError(
      `${options.out}: holds runs of another search (scenario '${previous.header.scenario}', ` +
        `hash ${previous.header.sweep_hash}; this one is ${hash}): cannot --resume into it; ` +
        `choose another --out, or drop --resume (and add --force) to start over`,
    );
  }
  if (!previous) {
    checkOutputDir(options.out, { name: first.name, hash, source: src }, options.force ?? false);
  }
  const units: Unit[] = [];
  for (let v = 0; v < vectorSets.length; v++) {
    for (let p = 0; p < npoints; p++) {
      for (const abi of abis) {
        units.push({
          vector: v,
          point: p,
          abi,
          search: new CapacitySearch(objective, {
            start,
            max,
            resolution,
            replications: reps,
            maxReplications: maxReps,
          }),
          rows: new Map(),
        });
      }
    }
  }
  let ran = 0, reused = 0, rounds = 0;
  const log = options.log ?? (() => {});
  const runsOf = (u: Unit, value: number, replications: number): Run[] =>
    stepPlan(u.vector, u.point, value, replications).runs.filter((r) =>
      r.abi === u.abi && r.replication < replications
    );
  // Everything is checked: from here on the folder is written, under its lock.
  const lock = lockFolder(options.out);
  try {
    return await search(
      previous ? Journal.reopen(options.out) : Journal.create(options.out, header),
    );
  } finally {
    lock.release();
  }

  async function search(journal: Journal): Promise<CapacityOutcome> {
    removeIfPresent(`${options.out}/capacity_robust.csv`);
    for (const r of previous?.results ?? []) cache.set(r.id, r);

    for (;;) {
      const asks = units.map((u) => ({ u, ask: u.search.next() }))
        .filter((a): a is { u: Unit; ask: NonNullable<typeof a.ask> } => a.ask !== undefined);
      if (asks.length === 0) break;
      rounds++;
      const wanted = new Map<string, Run>();
      for (const { u, ask } of asks) {
        for (const r of runsOf(u, ask.value, ask.replications)) wanted.set(r.id, r);
      }
      const todo = [...wanted.values()].filter((r) => !cache.has(r.id))
        .map((r, index) => ({ ...r, index }));
      reused += wanted.size - todo.length;
      log(
        `capacity: round ${rounds}: ${
          asks.map(({ u, ask }) =>
            `${
              vectorSets.length > 1 ? `v${u.vector} ` : ""
            }${u.abi}@${ask.value}x${ask.replications}`
          ).join(", ")
        } (${todo.length} runs)`,
      );
      if (todo.length > 0) {
        options.checkRuns?.(todo);
        const progress = createProgress({
          // A bar on a terminal; plain lines would repeat the round's log line.
          mode: options.progress === "off" || !Deno.stderr.isTerminal() ? "off" : "bar",
          label: `round ${rounds}`,
        });
        progress.start(todo.length, 0);
        try {
          await executeRuns(todo, {
            workers: options.workers,
            runOptions: { ports: false, maxEvents: options.maxEvents },
            onResult: (result) => {
              // A search keeps no per-guest rows: its steps are many (per_guest.csv
              // of dom0-capacity would hold 40 MB, rewritten every round) and its
              // question is the count; a sweep of the found count gives them.
              const { perGuest: _, ...r } = result;
              journal.record(r);
              cache.set(r.id, r);
              progress.tick(r.simEvents, r.index);
            },
          });
        } finally {
          progress.stop();
        }
        ran += todo.length;
      }
      for (const { u, ask } of asks) {
        const rows = runsOf(u, ask.value, ask.replications).map((r) => cache.get(r.id)!.summary);
        if (!(objective.metric in rows[0])) checkObjectiveColumn(objective, Object.keys(rows[0]));
        u.rows.set(ask.value, rows);
        u.search.record(ask.value, sampleOf(objective, rows));
      }
      writeOutputs(false);
    }
    const rows = writeOutputs(true);
    return { rows, ran, reused, rounds };
  }

  function writeOutputs(final: boolean): Row[] {
    // The runs of the scenario's own costs, ordered by grid point, ABI, value, replication.
    const own = units.filter((u) => u.vector === 0);
    const runs: Run[] = [];
    const seen = new Set<string>();
    for (const u of own) {
      for (const value of [...u.rows.keys()].sort((a, b) => a - b)) {
        const n = u.rows.get(value)!.length;
        for (const r of runsOf(u, value, n)) {
          if (!seen.has(r.id)) {
            seen.add(r.id);
            runs.push({ ...r, index: runs.length });
          }
        }
      }
    }
    const results = runs.map((r) => ({ ...cache.get(r.id)!, index: r.index }));
    const plan: Plan = {
      name: first.name,
      source: first.source,
      base: first.base,
      resolved: { ...(isSweep ? rawSweep : { base: rawSweep }), capacity: spec },
      params: [...first.params, axis],
      runs,
      hash,
    };
    const capacityRows = final ? capacityTable(own) : [];
    const extra: Record<string, Row[]> = { "aggregate.csv": aggregateOf(plan, results) };
    if (final) {
      let table = capacityRows;
      if (vectors > 0) {
        const robustRows = robustTable();
        table = robustCapacity(table, robustRows, first.params);
        writeFileAtomic(`${options.out}/capacity_robust.csv`, toCsv(robustRows));
      }
      extra["capacity.csv"] = table;
      writeResults(options.out, plan, results, options.command, extra);
      return table;
    }
    writeResults(options.out, plan, results, options.command, extra);
    return [];
  }

  function capacityTable(own: readonly Unit[]): Row[] {
    return own.map((u) => capacityRow(u, pointRuns[u.point].params));
  }

  function robustTable(): Row[] {
    return units.filter((u) => u.vector > 0).map((u) => ({
      cost_vector: u.vector,
      ...robustCosts[u.vector - 1],
      ...capacityRow(u, pointRuns[u.point].params),
    }));
  }

  function capacityRow(u: Unit, params: Record<string, string | number | boolean>): Row {
    const a = u.search.answer();
    const stepAt = (v: number | undefined) => a.steps.find((s) => s.value === v);
    const at = stepAt(a.capacity), next = stepAt(a.failedAt);
    const limit = classifyLimit(a.failedAt === undefined ? undefined : u.rows.get(a.failedAt));
    const portStep = a.steps.find((s) => s.verdict === "ports");
    const template = /^host\.guests\.(\d+)\.count$/.exec(axis);
    const byPorts = template
      ? portLimitGuests(pointRuns[u.point].scenario, u.abi, Number(template[1]))
      : undefined;
    const round = (x: number | undefined) =>
      x === undefined || !Number.isFinite(x) ? "" : Number(x.toPrecision(6));
    return {
      ...params,
      abi: u.abi,
      capacity: a.capacity,
      capacity_high: a.capacityHigh,
      limit: limit.limit,
      limit_detail: limit.detail,
      objective: objective.canonical,
      axis,
      metric_at_capacity: round(at?.mean),
      metric_at_capacity_ci: round(at?.half),
      next_value: a.failedAt ?? "",
      metric_at_next: round(next?.mean),
      metric_at_next_ci: round(next?.half),
      port_limit_value: portStep ? portStep.value : "",
      port_limit_guests: byPorts ?? "",
      steps: a.steps.length,
      runs: a.steps.reduce((n, s) => n + s.replications, 0),
    };
  }
}

function defaultAxis(base: Record<string, unknown>, src: string): string {
  if ("host" in base && base.host) return DEFAULT_AXIS;
  throw new InputError(
    `${src}: --axis: this scenario has no host (so no ${DEFAULT_AXIS}); name the ` +
      `integer key to search, e.g. --axis groups.0.ports`,
  );
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function removeIfPresent(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** The sample of one value: the metric per replication and whether the port limit was hit. */
function sampleOf(o: Objective, rows: readonly Row[]): StepSample {
  return {
    values: rows.map((r) => r[o.metric] === "" ? NaN : Number(r[o.metric])),
    portLimited: rows.some((r) =>
      Number(r.guests_refused ?? 0) > 0 || Number(r.bind_failures ?? 0) > 0
    ),
  };
}

/** The grid's own value for a point's parameter (objects are JSON text in a run's params). */
function originalValue(raw: Record<string, unknown>, key: string, shown: unknown): unknown {
  for (const lists of [raw.grid, raw.zip]) {
    const list = (lists as Record<string, unknown[]> | undefined)?.[key];
    const v = list?.find((x) => (typeof x === "object" ? JSON.stringify(x) : x) === shown);
    if (v !== undefined) return v;
  }
  return shown;
}

/**
 * Check the objective's column against a run's summary row before anything
 * is written: a built-in ABI's run of the first value, stopped at time 0.
 */
async function checkColumn(o: Objective, runs: readonly Run[]): Promise<void> {
  const run = runs.find((r) => r.module === undefined);
  if (!run) return; // design modules run sandboxed only: checked with the first results
  const probe = await runOne(run, { untilNs: 0 });
  checkObjectiveColumn(o, Object.keys(probe.summary));
}
