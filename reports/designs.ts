/**
 * Designs in a report: a design is named by its id and its file
 * ("fifo:quota-4 (./examples/fifo_quota.ts)"), and one whose results are
 * identical to a built-in ABI's in every run is called out: the usual cause
 * is a hook that is never called (a misspelt name, a missing `override`).
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import type { ResultSet } from "./load.ts";

/** Whether an `abi` cell names a design module (a path) rather than a built-in id. */
function isDesign(abi: unknown): abi is string {
  return typeof abi === "string" && /\.(ts|js|mjs|mts)$/.test(abi) &&
    /^(\.{0,2}\/|file:)/.test(abi);
}

/** Columns that say which run a row is, not what it measured. */
const LABELS = new Set(["scenario", "abi", "abi_ran", "replication", "seed"]);

/**
 * The results with each design's rows naming it as itself: its `abi_ran`
 * (the model's own id) is not shown as another ABI it "ran as".
 *
 * @example
 * ```ts
 * import { withDesignNames } from "./designs.ts";
 * const set = { dir: "", manifest: { params: [] }, groups: [], priorities: [],
 *   summary: [{ abi: "./d.ts", abi_ran: "fifo:d" }] } as never;
 * console.log(withDesignNames(set).summary[0].abi_ran); // "./d.ts"
 * ```
 */
export function withDesignNames(set: ResultSet): ResultSet {
  const rename = (rows: CsvRow[]) =>
    rows.map((r) => (isDesign(r.abi) && "abi_ran" in r ? { ...r, abi_ran: r.abi } : r));
  return { ...set, summary: rename(set.summary) };
}

/**
 * One sentence per design whose rows equal a built-in ABI's in every run
 * (same grid point and replication, every measured column alike).
 *
 * @example
 * ```ts
 * import { identicalDesigns } from "./designs.ts";
 * import type { CsvRow } from "./csv.ts";
 * const rows: CsvRow[] = [
 *   { abi: "fifo", replication: 0, lat_p99_ns: 7 },
 *   { abi: "./d.ts", abi_ran: "fifo:d", replication: 0, lat_p99_ns: 7 },
 * ];
 * console.log(identicalDesigns(rows, [])[0]);
 * // design fifo:d (./d.ts) behaved exactly like fifo in every run: check that its hooks are called
 * ```
 */
export function identicalDesigns(summary: readonly CsvRow[], params: readonly string[]): string[] {
  const key = (r: CsvRow) => JSON.stringify([...params.map((p) => r[p]), r.replication]);
  const measured = (r: CsvRow) =>
    JSON.stringify(
      Object.keys(r).filter((k) => !LABELS.has(k) && !params.includes(k)).sort().map((k) => [
        k,
        r[k],
      ]),
    );
  const byAbi = new Map<string, Map<string, string>>();
  for (const r of summary) {
    const abi = String(r.abi);
    if (!byAbi.has(abi)) byAbi.set(abi, new Map());
    byAbi.get(abi)!.set(key(r), measured(r));
  }
  const out: string[] = [];
  for (const [abi, runs] of byAbi) {
    if (!isDesign(abi)) continue;
    const ids = [
      ...new Set(summary.filter((r) => r.abi === abi).map((r) => String(r.abi_ran ?? ""))),
    ].filter((x) => x !== "" && x !== abi);
    const name = ids.length ? `${ids.join("/")} (${abi})` : abi;
    for (const [other, theirs] of byAbi) {
      if (isDesign(other) || theirs.size !== runs.size) continue;
      if ([...runs].every(([k, v]) => theirs.get(k) === v)) {
        out.push(
          `design ${name} behaved exactly like ${other} in every run: ` +
            `check that its hooks are called`,
        );
        break;
      }
    }
  }
  return out;
}
