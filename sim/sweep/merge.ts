/**
 * Merge results folders (typically the shards of one sweep run on a cluster)
 * into one: the journals must come from the same sweep (same sweep hash and
 * run options); the sweep is re-expanded from the resolved sweep recorded in
 * the journal, and the runs no folder holds are reported.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import { resolveInputPath, setInputFile } from "../io/paths.ts";
import { journalDir, type JournalHeader, readJournal } from "./journal.ts";
import { expandPlan, type Plan } from "./plan.ts";
import type { Run, RunResult } from "../run/run.ts";

/** The outcome of {@linkcode mergeFolders}. */
export interface MergeOutcome {
  /** The sweep, re-expanded. */
  plan: Plan;
  /** The header of the first folder. */
  header: JournalHeader;
  /** One result per run found, ordered by run index. */
  results: RunResult[];
  /** Runs no folder holds, in index order. */
  missing: Run[];
  /** Runs found in more than one folder (kept once). */
  duplicates: number;
}

/**
 * Read and combine the journals of `dirs`. Refuses (InputError) a folder with
 * no journal, folders of different sweeps or run options, and a run recorded
 * twice with different results.
 *
 * @example
 * ```ts
 * import { mergeFolders } from "./merge.ts";
 * // const { results, missing } = mergeFolders(["out/shard-1", "out/shard-2"]);
 * console.log(typeof mergeFolders); // "function"
 * ```
 */
export function mergeFolders(
  dirs: readonly string[],
  resolvePath: (p: string) => string = (p) => p,
): MergeOutcome {
  if (dirs.length === 0) throw new InputError("merge: expected one or more results folders");
  const read = dirs.map((dir) => {
    const j = readJournal(dir);
    if (j === undefined) {
      throw new InputError(
        `${dir}: not a results folder of a sweep (no ${journalDir(dir)}/sweep.json)`,
      );
    }
    return { dir, ...j };
  });
  const first = read[0];
  for (const r of read.slice(1)) {
    if (r.header.sweep_hash !== first.header.sweep_hash) {
      throw new InputError(
        `cannot merge folders of different sweeps:\n` +
          read.map((x) =>
            `  ${x.dir}: scenario '${x.header.scenario}' from ${x.header.source}, ` +
            `sweep hash ${x.header.sweep_hash}`
          ).join("\n"),
      );
    }
    if (JSON.stringify(r.header.options) !== JSON.stringify(first.header.options)) {
      throw new InputError(
        `cannot merge folders run with different options: ${first.dir} ` +
          `${JSON.stringify(first.header.options)}, ${r.dir} ${JSON.stringify(r.header.options)}`,
      );
    }
  }
  const h = first.header;
  // Paths written in the scenario file resolve against its folder, as when it ran.
  const file = h.source.startsWith("builtin:") ? undefined : resolvePath(h.source);
  setInputFile(file, h.source);
  const plan = expandPlan(
    { source: h.source, path: h.source, raw: h.resolved },
    {},
    (
      p,
      key,
    ) => (file !== undefined && !p.startsWith("/") ? resolveInputPath(p, key) : resolvePath(p)),
  );
  if (plan.hash !== h.sweep_hash) {
    throw new InputError(
      `${first.dir}: the recorded sweep re-expands to hash ${plan.hash}, not ${h.sweep_hash} ` +
        `(another tool version, or ABI module paths that resolve elsewhere from here?)`,
    );
  }
  const byIndex = new Map<number, { result: RunResult; dir: string }>();
  let duplicates = 0;
  for (const r of read) {
    for (const result of r.results) {
      const run = plan.runs[result.index];
      if (run === undefined || run.id !== result.id) {
        throw new InputError(`${journalDir(r.dir)}/${result.id}.json: not a run of this sweep`);
      }
      const had = byIndex.get(result.index);
      if (had === undefined) {
        byIndex.set(result.index, { result, dir: r.dir });
        continue;
      }
      duplicates++;
      const diff = resultDifference(had.result, result);
      if (diff !== undefined) {
        throw new InputError(
          `run ${result.index} (${run.abi}, replication ${run.replication}) differs between ` +
            `${had.dir} and ${r.dir} (${diff}): were they made by different tool versions?`,
        );
      }
    }
  }
  const results = [...byIndex.values()].map((x) => x.result).sort((a, b) => a.index - b.index);
  const missing = plan.runs.filter((run) => !byIndex.has(run.index));
  return { plan, header: h, results, missing, duplicates };
}

/**
 * How two records of one run differ, or undefined when they agree: the event
 * fingerprint, then every row (wall time alone may differ).
 */
function resultDifference(a: RunResult, b: RunResult): string | undefined {
  if (a.fingerprint !== b.fingerprint) {
    return `event fingerprints ${a.fingerprint} and ${b.fingerprint}`;
  }
  for (const [k, v] of Object.entries(a.summary)) {
    if (b.summary[k] !== v) return `summary ${k}: ${v} and ${b.summary[k]}`;
  }
  for (const part of ["summary", "groups", "priorities", "ports", "simEvents"] as const) {
    if (JSON.stringify(a[part]) !== JSON.stringify(b[part])) return `different ${part}`;
  }
  return undefined;
}

/**
 * A short, readable list of missing runs (at most `limit` lines).
 *
 * @example
 * ```ts
 * import { describeMissing } from "./merge.ts";
 * console.log(describeMissing([], 4)); // ""
 * ```
 */
export function describeMissing(missing: readonly Run[], shards: number, limit = 20): string {
  const lines = missing.slice(0, limit).map((r) =>
    `  run ${r.index} (${r.abi}, replication ${r.replication}` +
    `${Object.keys(r.params).length ? ", " + JSON.stringify(r.params) : ""}) id ${r.id}` +
    (shards > 1 ? `, shard ${(r.index % shards) + 1}/${shards}` : "")
  );
  if (missing.length > limit) lines.push(`  ... and ${missing.length - limit} more`);
  return lines.join("\n");
}
