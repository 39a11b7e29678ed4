/**
 * The shape of a sweep's grid as the charts see it: which swept parameters
 * vary and over which values, the focus point's value of each, and the axis
 * the question is about. Charts use it to count the panels a view needs and
 * to hold axes at the focus point when the grid has too many.
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { fmtParamValue, type ReportContext } from "./context.ts";

/** A sweep's grid, for laying out charts. */
export interface Grid {
  /** Swept parameters with more than one value, in grid order. */
  varying: string[];
  /** The distinct values of each varying parameter, numbers ascending. */
  values: Record<string, (string | number | boolean)[]>;
  /** Each swept parameter's value at the focus point (`ctx.focus`). */
  focus: Record<string, unknown>;
  /** The numeric axis the question is about (see {@linkcode questionAxis}), if any. */
  question?: string;
}

/**
 * The grid of a report context.
 *
 * @example
 * ```ts
 * import { gridOf } from "./grid.ts";
 * import { buildContext } from "./context.ts";
 * const summary = [1, 2].map((x) => ({ abi: "2l", x, lat_p99_ns: x }));
 * const g = gridOf(buildContext({ dir: ".", manifest: { scenario: "s", command: "c",
 *   resolved: {}, params: ["x"] }, summary, groups: [], priorities: [] }));
 * console.log(g.varying, g.focus); // ["x"] { x: 2 }
 * ```
 */
export function gridOf(ctx: ReportContext): Grid {
  const seen: Record<string, Set<string | number | boolean>> = {};
  for (const p of ctx.params) seen[p] = new Set();
  for (const r of ctx.set.summary) {
    for (const p of ctx.params) {
      const v = r[p];
      if (v !== undefined) seen[p].add(v as string | number | boolean);
    }
  }
  const varying = ctx.params.filter((p) => seen[p].size > 1);
  const values: Grid["values"] = {};
  for (const p of varying) {
    values[p] = [...seen[p]].sort((a, b) =>
      typeof a === "number" && typeof b === "number" ? a - b : 0
    );
  }
  const at = JSON.parse(ctx.focus) as unknown[];
  const focus = Object.fromEntries(ctx.params.map((p, i) => [p, at[i]]));
  const question = questionAxis(ctx);
  return { varying, values, focus, ...(question !== undefined ? { question } : {}) };
}

/**
 * The numeric swept axis the question is about: the one whose label shares the most words
 * (of four letters or more) with the scenario's description, the first in grid order on a tie
 * (so a sweep file that lists the question's axis first gets it).
 *
 * @example
 * ```ts
 * import { questionAxis } from "./grid.ts";
 * const ctx = { numeric: ["a.rate", "b.ports"], base: { description: "How do ports scale?" },
 *   labels: { "a.rate": "net arrival rate", "b.ports": "disk ports requested" } };
 * // deno-lint-ignore no-explicit-any
 * console.log(questionAxis(ctx as any)); // "b.ports"
 * ```
 */
export function questionAxis(ctx: ReportContext): string | undefined {
  const words = (s: string) =>
    new Set(
      s.toLowerCase().replace(/\([^)]*\)/g, " ").split(/[^a-z0-9]+/).filter((w) => w.length >= 4),
    );
  const text = words(typeof ctx.base.description === "string" ? ctx.base.description : "");
  let best: string | undefined, score = -1;
  for (const p of ctx.numeric) {
    const n = [...words(ctx.labels[p] ?? p)].filter((w) => text.has(w)).length;
    if (n > score) [best, score] = [p, n];
  }
  return best;
}

/**
 * How many panels a view needs that draws one panel per combination of `params`' values.
 *
 * @example
 * ```ts
 * import { panelsOf } from "./grid.ts";
 * const g = { varying: ["a", "b"], values: { a: [1, 2, 3], b: [1, 2] }, focus: {} };
 * console.log(panelsOf(g, ["a", "b"]), panelsOf(g, [])); // 6 1
 * ```
 */
export function panelsOf(grid: Grid, params: readonly string[]): number {
  let n = 1;
  for (const p of params) n *= grid.values[p]?.length ?? 1;
  return n;
}

/**
 * The varying parameters other than `params`, in grid order.
 *
 * @example
 * ```ts
 * import { othersOf } from "./grid.ts";
 * console.log(othersOf({ varying: ["a", "b", "c"], values: {}, focus: {} }, ["b"])); // ["a", "c"]
 * ```
 */
export function othersOf(grid: Grid, params: readonly string[]): string[] {
  return grid.varying.filter((p) => !params.includes(p));
}

/**
 * The rows of `rows` where every parameter of `held` has its focus value.
 *
 * @example
 * ```ts
 * import { atFocus } from "./grid.ts";
 * const g = { varying: ["a", "b"], values: {}, focus: { a: 1, b: 2 } };
 * console.log(atFocus([{ a: 1, b: 1 }, { a: 2, b: 1 }], g, ["a"])); // [{ a: 1, b: 1 }]
 * ```
 */
export function atFocus(rows: readonly CsvRow[], grid: Grid, held: readonly string[]): CsvRow[] {
  return rows.filter((r) => held.every((p) => r[p] === grid.focus[p]));
}

/**
 * "label = value, ..." of `params` at the values of `row` (the focus point when omitted).
 *
 * @example
 * ```ts
 * import { valuesText } from "./grid.ts";
 * const ctx = { labels: { "g.ports": "ports" } };
 * const g = { varying: ["g.ports"], values: {}, focus: { "g.ports": 64 } };
 * // deno-lint-ignore no-explicit-any
 * console.log(valuesText(ctx as any, g, ["g.ports"])); // "ports = 64"
 * ```
 */
export function valuesText(
  ctx: ReportContext,
  grid: Grid,
  params: readonly string[],
  row: CsvRow | Record<string, unknown> = grid.focus,
): string {
  return params.map((q) => `${ctx.labels[q] ?? q} = ${fmtParamValue(q, row[q])}`).join(", ");
}
