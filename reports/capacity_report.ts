/**
 * The capacity part of a report: when a results folder holds
 * `capacity.csv` (written by `deno task sim capacity`), the text that opens
 * report.md (the answer in words first) and the capacity chart.
 *
 * @module
 */

import type { Chart } from "./charts.ts";
import { type CsvRow, fromCsv } from "./csv.ts";
import { capacityChart } from "./capacity_chart.ts";
import { capacityText, objectiveWords } from "./capacity_text.ts";
import { guestAxis } from "./context.ts";

/** The columns of capacity.csv that are not a grid point's parameters. */
const OWN_COLUMNS = new Set([
  "abi",
  "capacity",
  "capacity_high",
  "limit",
  "limit_detail",
  "objective",
  "axis",
  "metric_at_capacity",
  "metric_at_capacity_ci",
  "next_value",
  "metric_at_next",
  "metric_at_next_ci",
  "port_limit_value",
  "port_limit_guests",
  "steps",
  "runs",
  "robust_low",
  "robust_high",
  "follows",
  "follows_rho",
]);

/**
 * The capacity text and chart of results folder `dir` (summary rows
 * `summary`); empty text and no chart when it holds no capacity.csv.
 *
 * @example
 * ```ts
 * import { capacitySection } from "./capacity_report.ts";
 * console.log(capacitySection(Deno.makeTempDirSync(), []).text); // ""
 * ```
 */
export function capacitySection(
  dir: string,
  summary: readonly CsvRow[],
): { text: string; chart?: Chart } {
  let rows: CsvRow[];
  try {
    rows = fromCsv(Deno.readTextFileSync(`${dir}/capacity.csv`));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { text: "" };
    throw e;
  }
  if (rows.length === 0) return { text: "" };
  const params = Object.keys(rows[0]).filter((k) => !OWN_COLUMNS.has(k));
  const chart = capacityChart(summary, rows, params);
  return { text: capacityText(rows, params) + "\n", ...(chart ? { chart } : {}) };
}

/** The parts of manifest.json that {@linkcode unsearchedCapacityNote} reads. */
export interface CapacityManifest {
  /** The scenario's name. */
  scenario?: unknown;
  /** Where it came from: `builtin:NAME` or the file's path. */
  source?: unknown;
  /** The resolved sweep, whose `capacity` block a capacity study sets. */
  resolved?: unknown;
}

/**
 * The sentence that opens the Answer of a plain run (`sim run`, no
 * capacity.csv) of a capacity study, a scenario with a `capacity` block:
 * that this run did not search, at what it held the searched axis (the guest
 * counts of the summary rows, for a host), and the command that answers the
 * question. "" for any other scenario.
 *
 * @example
 * ```ts
 * import { unsearchedCapacityNote } from "./capacity_report.ts";
 * const note = unsearchedCapacityNote({
 *   scenario: "dom0-capacity",
 *   source: "builtin:dom0-capacity",
 *   resolved: { capacity: { objective: "rt_p99_ns<=200us", axis: "host.guests.0.count" } },
 * }, [{ abi: "fifo", guests_requested: 16 }]);
 * console.log(note.startsWith("dom0-capacity is a capacity study")); // true
 * ```
 */
export function unsearchedCapacityNote(
  manifest: CapacityManifest,
  summary: readonly CsvRow[],
): string {
  const resolved = manifest.resolved as { capacity?: { objective?: unknown; axis?: unknown } };
  const c = resolved?.capacity;
  if (c === undefined || c === null || typeof c !== "object") return "";
  const name = String(manifest.scenario ?? "the scenario");
  const source = String(manifest.source ?? name);
  const target = source.startsWith("builtin:") ? source.slice("builtin:".length) : source;
  const axis = String(c.axis ?? ""), counted = guestAxis(axis);
  const guests = [...new Set(summary.map((r) => Number(r.guests_requested)))]
    .filter(Number.isFinite).sort((a, b) => a - b);
  const held = guests.length > 0 && counted
    ? `it simulated ${guests.join(", ")} guests (\`${axis}\`) at every grid point`
    : `it simulated ${axis ? `\`${axis}\`` : "the searched axis"} as the scenario sets it`;
  const objective = typeof c.objective === "string" ? ` with ${objectiveWords(c.objective)}` : "";
  const question = counted
    ? "how many guests one dom0 serves under each ABI"
    : `how far each ABI goes along ${axis ? `\`${axis}\`` : "the searched axis"}`;
  return `${name} is a capacity study, and this run did not search: ${held}. ` +
    `\`deno task sim capacity ${target}\` answers its question: ${question}${objective}, ` +
    `and what limits it.`;
}
