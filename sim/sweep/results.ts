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
import { provenance } from "../io/provenance.ts";
import { quoteName } from "../io/text.ts";
import type { Plan } from "./plan.ts";
import type { RunResult } from "../run/run.ts";

export { TOOL_VERSION } from "../io/provenance.ts";

/** What `manifest.json` holds. */
export interface Manifest {
  /** evtchn-sim version. */
  tool_version: string;
  /** Deno version that wrote the folder. */
  deno_version: string;
  /** Git commit of the tool's checkout, or null outside a git repository. */
  git_commit: string | null;
  /** When the manifest was written (ISO 8601, UTC). */
  written_at: string;
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
    ...provenance(),
    written_at: new Date().toISOString(),
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

/** Files and folders a results folder may hold besides the CSVs (see {@linkcode isOurs}). */
const OURS = new Set([
  "manifest.json",
  "journal",
  "charts",
  "report.html",
  "report.md",
  "robust", // the robustness check's rows (sim/sweep/robust.ts)
  ".lock",
]);

/** Whether `name` is a file evtchn-sim writes into a results folder. */
function isOurs(name: string): boolean {
  return OURS.has(name) || name.endsWith(".csv") ||
    (name.startsWith(".") && name.endsWith(".tmp"));
}

/** What `manifest.json` of `dir` says, `null` when there is none, or `"unreadable"`. */
export function readManifest(dir: string): Partial<Manifest> | null | "unreadable" {
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/manifest.json`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw e;
  }
  try {
    const m = JSON.parse(text);
    return typeof m === "object" && m !== null && typeof m.scenario === "string" ? m : "unreadable";
  } catch {
    return "unreadable";
  }
}

/**
 * Check that `dir` may receive results of `plan`. A results folder is
 * recognised by its manifest (scenario and sweep hash), never by its name:
 * a folder without a manifest (the user's own files), one holding another
 * sweep's results (neither the same sweep hash nor the same scenario name and
 * source), an unreadable manifest, or files evtchn-sim does not write beside
 * its own, is refused unless `force`. A file (not a folder) at `dir` is always refused.
 *
 * @example
 * ```ts
 * import { checkOutputDir } from "./results.ts";
 * checkOutputDir(Deno.makeTempDirSync(), { name: "x", hash: "h", source: "x.json" }, false);
 * ```
 */
export function checkOutputDir(
  dir: string,
  plan: Pick<Plan, "name" | "hash" | "source">,
  force: boolean,
): void {
  let entries: string[];
  try {
    if (!Deno.statSync(dir).isDirectory) {
      throw new InputError(`${dir}: exists and is not a folder; choose another --out`);
    }
    // The lock and interrupted temporary files say nothing about the folder.
    entries = [...Deno.readDirSync(dir)].map((e) => e.name)
      .filter((n) => n !== ".lock" && !(n.startsWith(".") && n.endsWith(".tmp")));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (entries.length === 0 || force) return;
  const m = readManifest(dir);
  const advice = `choose another --out, or add --force to overwrite`;
  if (m === "unreadable") {
    throw new InputError(`${dir}: holds an unreadable manifest.json; ${advice}`);
  }
  if (m === null) {
    const shown = entries.slice(0, 5).map((e) => quoteName(e)).join(", ");
    throw new InputError(
      `${dir}: is not an evtchn-sim results folder (no manifest.json) and holds ` +
        `${entries.length} file(s) (${shown}${entries.length > 5 ? ", ..." : ""}); ${advice}`,
    );
  }
  // The same sweep, or the same scenario from the same source run with other
  // settings: this folder's own results, to be replaced.
  const same = m.sweep_hash === plan.hash || (m.scenario === plan.name && m.source === plan.source);
  if (!same) {
    const theirs = `scenario '${quoteName(String(m.scenario))}'` +
      (m.source !== undefined ? ` from ${quoteName(String(m.source))}` : "") +
      (m.sweep_hash !== undefined ? `, sweep hash ${quoteName(String(m.sweep_hash))}` : "");
    const ours = m.scenario === plan.name
      ? `this one is '${plan.name}' from ${plan.source}, sweep hash ${plan.hash}`
      : `not '${plan.name}'`;
    throw new InputError(`${dir}: holds results of ${theirs}, ${ours}; ${advice}`);
  }
  const foreign = entries.filter((e) => !isOurs(e));
  if (foreign.length > 0) {
    throw new InputError(
      `${dir}: holds files evtchn-sim did not write (${
        foreign.slice(0, 5).map(quoteName).join(", ")
      }); ${advice}`,
    );
  }
}

/** A held folder lock; {@linkcode FolderLock.release} lets the next writer in. */
export interface FolderLock {
  /** Release the lock (idempotent). */
  release(): void;
}

/**
 * Take the exclusive lock of results folder `dir` (created if needed): an
 * operating-system lock on `dir/.lock`, released on exit even after a
 * crash. A second writer gets an InputError saying who holds it. On a file
 * system that has no locks, the folder is written unlocked.
 *
 * @example
 * ```ts
 * import { lockFolder } from "./results.ts";
 * const lock = lockFolder(Deno.makeTempDirSync());
 * lock.release();
 * ```
 */
export function lockFolder(dir: string): FolderLock {
  Deno.mkdirSync(dir, { recursive: true });
  const path = `${dir}/.lock`;
  const file = Deno.openSync(path, { create: true, read: true, write: true });
  let held = false;
  try {
    held = file.tryLockSync(true);
  } catch (e) {
    file.close();
    // A file system without locks (some network or FUSE mounts): write unlocked.
    if (/ENOLCK|ENOTSUP|EOPNOTSUPP|not supported|No locks available/i.test(String(e))) {
      return { release() {} };
    }
    throw e;
  }
  if (!held) {
    let who = "";
    try {
      who = Deno.readTextFileSync(path).trim();
    } catch {
      // unreadable: say nothing more
    }
    file.close();
    throw new InputError(
      `${dir}: another evtchn-sim process is writing this folder` +
        `${who ? ` (${quoteName(who)})` : ""}; wait for it to finish, or choose another --out`,
    );
  }
  file.truncateSync(0);
  file.writeSync(new TextEncoder().encode(`pid ${Deno.pid} since ${new Date().toISOString()}\n`));
  let open = true;
  return {
    release() {
      if (!open) return;
      open = false;
      try {
        file.unlockSync();
      } finally {
        file.close();
      }
    },
  };
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
  const guests = sorted.flatMap((r) => r.guests ?? []);
  if (guests.length > 0) tables["guests.csv"] = guests;
  const dom0 = sorted.flatMap((r) => r.dom0 ?? []);
  if (dom0.length > 0) tables["dom0.csv"] = dom0;
  const perGuest = sorted.flatMap((r) => r.perGuest ?? []);
  if (perGuest.length > 0) tables["per_guest.csv"] = perGuest;
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
