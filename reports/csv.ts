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
    columns: columns.map((key) => ({ key, header: safeCell(key) })),
    cast: {
      number: (n: number) => formatNumber(n),
      boolean: (b: boolean) => String(b),
      string: (s: string) => safeCell(s),
    },
  });
}

/** A text cell a spreadsheet would run as a formula: one that starts with = + - @, tab or CR. */
const FORMULA = /^[=+\-@\t\r]/;
/** A number as CSV text writes it (those are data, never escaped). */
const NUMERIC = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * A text cell made inert for spreadsheets (OWASP "CSV injection"): text that
 * starts with `=`, `+`, `-`, `@`, a tab or a carriage return, and is not a
 * number, gets a leading `'`; {@linkcode fromCsv} takes it off again.
 *
 * @example
 * ```ts
 * import { safeCell } from "./csv.ts";
 * console.log(safeCell("=HYPERLINK(\"x\")"), safeCell("-3"), safeCell("fifo")); // '=HYPERLINK("x") -3 fifo
 * ```
 */
export function safeCell(text: string): string {
  return FORMULA.test(text) && !NUMERIC.test(text) ? `'${text}` : text;
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
  const unquote = (v: string) => (v.startsWith("'") && FORMULA.test(v.slice(1)) ? v.slice(1) : v);
  return rows.map((r) => {
    const out: CsvRow = {};
    for (const [key, v] of Object.entries(r)) {
      const k = unquote(key);
      out[k] = v !== "" && NUMERIC.test(v) ? Number(v) : unquote(v);
    }
    return out;
  });
}
