/**
 * CSV text from result rows, and rows back from CSV text (`npm:csv-stringify`,
 * `npm:csv-parse`).
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";
import { parse } from "csv-parse/sync";

/** A result row: column name to value. */
export type CsvRow = Record<string, string | number>;

/**
 * The columns of `rows`: every key, in order of first appearance.
 *
 * @example
 * ```ts
 * import { columnsOf } from "./csv.ts";
 * console.log(columnsOf([{ a: 1 }, { a: 2, b: 3 }])); // ["a", "b"]
 * ```
 */
export function columnsOf(rows: readonly CsvRow[]): string[] {
  const seen = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/**
 * Render rows as CSV with a header line (missing values are empty).
 *
 * @example
 * ```ts
 * import { toCsv } from "./csv.ts";
 * console.log(toCsv([{ abi: "fifo", lat_p99_ns: 4100 }]));
 * // abi,lat_p99_ns
 * // fifo,4100
 * ```
 */
export function toCsv(
  rows: readonly CsvRow[],
  columns: readonly string[] = columnsOf(rows),
): string {
  return stringify(rows as CsvRow[], {
    header: true,
    columns: columns as string[],
    cast: { number: (n: number) => formatNumber(n), boolean: (b: boolean) => String(b) },
  });
}

/** A number as CSV text: integers as they are, others with at most 6 significant decimals. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  if (!Number.isFinite(n)) return n > 0 ? "inf" : n < 0 ? "-inf" : "nan";
  return String(Number(n.toPrecision(12)));
}

/**
 * Parse CSV text with a header into rows; numeric-looking cells become numbers.
 *
 * @example
 * ```ts
 * import { fromCsv } from "./csv.ts";
 * console.log(fromCsv("abi,n\nfifo,3\n")); // [{ abi: "fifo", n: 3 }]
 * ```
 */
export function fromCsv(text: string): CsvRow[] {
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  return rows.map((r) => {
    const out: CsvRow = {};
    for (const [k, v] of Object.entries(r)) {
      out[k] = v !== "" && /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) ? Number(v) : v;
    }
    return out;
  });
}
