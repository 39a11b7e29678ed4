/**
 * The run journal of a results folder: `journal/sweep.json` says which sweep
 * the folder belongs to, and `journal/<run-id>.json` holds one finished run's
 * RunResult. Every file is written atomically (temporary dot-file, then
 * rename), so a crash, even `kill -9`, loses at most the runs in flight: a
 * run is either recorded whole or not at all. The CSVs are regenerated from
 * the journal ordered by run index; entries are fsynced, file and folder, so
 * they survive a power loss too; `--resume` skips the runs it holds, and
 * `merge` combines the journals of shard folders.
 *
 * @module
 */

import { syncDir, writeFileAtomic } from "../io/atomic.ts";
import { InputError } from "../io/errors.ts";
import type { RunResult } from "../run/run.ts";

// Journal entries are flushed to disk (file before the rename, folder after):
// a recorded run survives a power loss, not only a crash.
const DURABLE = { durable: true };

/** The journal's sub-folder inside a results folder. */
export const JOURNAL_DIR = "journal";
const HEADER = "sweep.json";

/** What `journal/sweep.json` holds: enough to recognise and re-expand the sweep. */
export interface JournalHeader {
  /** evtchn-sim version that started the folder. */
  tool_version: string;
  /** Scenario name. */
  scenario: string;
  /** Where the scenario or sweep came from. */
  source: string;
  /** Hash of the resolved sweep and its run ids (`Plan.hash`). */
  sweep_hash: string;
  /** The resolved sweep (overrides applied), from which merge re-expands the runs. */
  resolved: unknown;
  /** Runs in the whole sweep. */
  total_runs: number;
  /** `i/n` when the folder holds one shard, else null. */
  shard: string | null;
  /** Run options that change results: they must match to resume or merge. */
  options: { ports: boolean; max_events: number | null };
}

/** A journal read back: its header and its recorded results (any order). */
export interface JournalContents {
  /** The header. */
  header: JournalHeader;
  /** One result per recorded run. */
  results: RunResult[];
}

/**
 * The journal folder of results folder `dir`.
 *
 * @example
 * ```ts
 * import { journalDir } from "./journal.ts";
 * console.log(journalDir("results/default")); // "results/default/journal"
 * ```
 */
export function journalDir(dir: string): string {
  return `${dir}/${JOURNAL_DIR}`;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Read the journal of results folder `dir`, or undefined when it has none.
 * Unreadable entries (none are expected: they are written atomically) are
 * skipped, so that their runs are simply run again.
 *
 * @example
 * ```ts
 * import { readJournal } from "./journal.ts";
 * console.log(readJournal(Deno.makeTempDirSync())); // undefined
 * ```
 */
export function readJournal(dir: string): JournalContents | undefined {
  const jdir = journalDir(dir);
  let text: string;
  try {
    text = Deno.readTextFileSync(`${jdir}/${HEADER}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  let header: JournalHeader;
  try {
    header = JSON.parse(text);
  } catch {
    throw new InputError(`${jdir}/${HEADER}: unreadable journal header (not JSON)`);
  }
  if (typeof header?.sweep_hash !== "string" || typeof header?.total_runs !== "number") {
    throw new InputError(`${jdir}/${HEADER}: not an evtchn-sim journal header`);
  }
  const results: RunResult[] = [];
  for (const e of Deno.readDirSync(jdir)) {
    if (!e.isFile || e.name.startsWith(".") || e.name === HEADER || !e.name.endsWith(".json")) {
      continue;
    }
    try {
      const r = JSON.parse(Deno.readTextFileSync(`${jdir}/${e.name}`), revive) as RunResult;
      if (typeof r.index === "number" && `${r.id}.json` === e.name) results.push(r);
    } catch {
      // a damaged entry: its run is run again
    }
  }
  results.sort((a, b) => a.index - b.index);
  return { header, results };
}

/**
 * JSON has no Infinity or NaN (JSON.stringify writes null): a non-finite
 * number (e.g. an unbounded `latency_spread`) is kept as `{"$number": "Infinity"}`,
 * so that a resumed run's rows equal those of an uninterrupted one.
 */
function keepNonFinite(_key: string, v: unknown): unknown {
  return typeof v === "number" && !Number.isFinite(v) ? { $number: String(v) } : v;
}

function revive(_key: string, v: unknown): unknown {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === "$number" && typeof o.$number === "string") {
      return Number(o.$number);
    }
  }
  return v;
}

/**
 * An open journal that records finished runs.
 *
 * @example
 * ```ts
 * import { Journal } from "./journal.ts";
 * const dir = Deno.makeTempDirSync();
 * const header = { tool_version: "0.1.0", scenario: "t", source: "t", sweep_hash: "abc",
 *   resolved: {}, total_runs: 1, shard: null, options: { ports: false, max_events: null } };
 * const journal = Journal.create(dir, header);
 * console.log(journal.dir.endsWith("/journal")); // true
 * ```
 */
export class Journal {
  /** The journal folder. */
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Start an empty journal in results folder `dir`, discarding any previous one. */
  static create(dir: string, header: JournalHeader): Journal {
    const jdir = journalDir(dir);
    if (exists(jdir)) Deno.removeSync(jdir, { recursive: true });
    Deno.mkdirSync(jdir, { recursive: true });
    writeFileAtomic(`${jdir}/${HEADER}`, JSON.stringify(header, null, 2) + "\n", DURABLE);
    syncDir(dir);
    return new Journal(jdir);
  }

  /** Continue the journal of results folder `dir` (its header must already be checked). */
  static reopen(dir: string): Journal {
    const jdir = journalDir(dir);
    for (const e of Deno.readDirSync(jdir)) {
      // temporary files of writes a crash interrupted
      if (e.isFile && e.name.startsWith(".") && e.name.endsWith(".tmp")) {
        Deno.removeSync(`${jdir}/${e.name}`);
      }
    }
    return new Journal(jdir);
  }

  /**
   * Record one finished run, atomically and (unless `durable` is false) on
   * disk: `merge` skips the flushes, its sources stay where they were.
   */
  record(result: RunResult, durable = true): void {
    writeFileAtomic(
      `${this.dir}/${result.id}.json`,
      JSON.stringify(result, keepNonFinite) + "\n",
      durable ? DURABLE : {},
    );
  }
}
