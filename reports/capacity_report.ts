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
import { capacityText } from "./capacity_text.ts";

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
