/**
 * The results folder (README: Metrics): CSV files with rows ordered by run index,
 * and `manifest.json` with the wall-clock figures. Every file is written
 * atomically.
 *
 * @module
 */

import { toCsv } from "../../reports/csv.ts";
import type { Row } from "../run/metrics.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { InputError } from "../io/errors.ts";
import type { Plan } from "./plan.ts";
import type { RunResult } from "../run/run.ts";

/** The tool's version, recorded in every manifest. */
export const TOOL_VERSION = "0.1.0";

/** What `manifest.json` holds. */
export interface Manifest {
  /** evtchn-sim version. */
  tool_version: string;
  /** Scenario name. */
  scenario: string;
  /** Where the scenario came from. */
  source: string;
  /** Hash of the resolved sweep and its run ids. */
  sweep_hash: string;
  /** The command line that produced the folder. */
  command: string;
  /** The resolved scenario or sweep. */
  resolved: unknown;
  /** The base scenario with every default filled in (what the reports show). */
  scenario_full?: unknown;
  /** Swept parameters. */
  params: string[];
  /** Number of runs in the whole sweep. */
  total_runs: number;
  /** `i/n` when this folder holds one shard. */
  shard?: string;
  /** Per run: id, index, abi, replication, seed, wall_ms, sim_events, fingerprint. */
  runs: {
    id: string;
    index: number;
    abi: string;
    replication: number;
    seed: number;
    wall_ms: number;
    sim_events: number;
    fingerprint: string;
  }[];
}

/** Build the manifest of `results` (any order) for `plan`. */
export function buildManifest(
  plan: Plan,
  results: readonly RunResult[],
  command: string,
  shard?: string,
): Manifest {
  const byIndex = [...results].sort((a, b) => a.index - b.index);
  return {
    tool_version: TOOL_VERSION,
    scenario: plan.name,
    source: plan.source,
    sweep_hash: plan.hash,
    command,
    resolved: plan.resolved,
    scenario_full: plan.base,
    params: plan.params,
    total_runs: plan.runs.length,
    ...(shard ? { shard } : {}),
    runs: byIndex.map((r) => {
      const run = plan.runs[r.index];
      return {
        id: r.id,
        index: r.index,
        abi: run.abi,
        replication: run.replication,
        seed: run.seed,
        wall_ms: Math.round(r.wallMs * 1000) / 1000,
        sim_events: r.simEvents,
        fingerprint: r.fingerprint,
      };
    }),
  };
}

/**
 * Check that `dir` may receive results of `plan`: refused when it holds a
 * manifest of another scenario, unless `force`.
 */
export function checkOutputDir(dir: string, plan: Plan, force: boolean): void {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/manifest.json`);
  } catch {
    return;
  }
  let m: Partial<Manifest>;
  try {
    m = JSON.parse(text);
  } catch {
    if (force) return;
    throw new InputError(`${dir}: holds an unreadable manifest.json; use --force to overwrite`);
  }
  if (m.scenario !== plan.name && !force) {
    throw new InputError(
      `${dir}: holds results of scenario '${m.scenario}', not '${plan.name}'; ` +
        `choose another --out or use --force to overwrite`,
    );
  }
}

/** The CSV tables of a set of results, rows ordered by run index. */
export function resultTables(results: readonly RunResult[]): Record<string, Row[]> {
  const sorted = [...results].sort((a, b) => a.index - b.index);
  const tables: Record<string, Row[]> = {
    "summary.csv": sorted.map((r) => r.summary),
    "groups.csv": sorted.flatMap((r) => r.groups),
    "priorities.csv": sorted.flatMap((r) => r.priorities),
  };
  const ports = sorted.flatMap((r) => r.ports);
  if (ports.length > 0) tables["ports.csv"] = ports;
  return tables;
}

/**
 * Write the CSVs and the manifest of `results` into `dir` (created if needed).
 * `extra` tables (e.g. aggregate.csv) are written beside them.
 *
 * @example
 * ```ts
 * import { writeResults } from "./results.ts";
 * // writeResults("results/x", plan, results, "deno task sim run x");
 * console.log(typeof writeResults); // "function"
 * ```
 */
export function writeResults(
  dir: string,
  plan: Plan,
  results: readonly RunResult[],
  command: string,
  extra: Record<string, Row[]> = {},
  shard?: string,
): void {
  Deno.mkdirSync(dir, { recursive: true });
  const tables = { ...resultTables(results), ...extra };
  for (const [name, rows] of Object.entries(tables)) writeFileAtomic(`${dir}/${name}`, toCsv(rows));
  writeFileAtomic(
    `${dir}/manifest.json`,
    JSON.stringify(buildManifest(plan, results, command, shard), null, 2) + "\n",
  );
}
