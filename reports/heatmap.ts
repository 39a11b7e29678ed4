/**
 * Heatmaps of each ABI against the baseline over two swept axes: the view a
 * report draws when a grid has too many points for one panel per combination.
 * A cell is the ratio of the ABI's mean to the baseline's (a difference for
 * indexes in [0, 1]); cells whose paired difference does not pass the test
 * are marked "ns", cells where either ABI could not bind every port are
 * marked "×" (not compared, as in the findings).
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { fmtParamValue, LIMIT_METRICS, ranAll, type ReportContext } from "./context.ts";
import { pointKey } from "./load.ts";
import { holm, num, pairedDiff } from "./stats.ts";
import {
  type Chart,
  MAX_COLUMNS,
  MAX_PANELS,
  round6,
  slug,
  top,
  type VlSpec,
} from "./chart_spec.ts";
import { atFocus, type Grid, othersOf, panelsOf, valuesText } from "./grid.ts";

/** One cell of an ABI-against-baseline heatmap. */
export interface HeatCell {
  /** The ABI compared with the baseline (one panel each). */
  abi: string;
  /** Value of the x axis. */
  x: number | string;
  /** Value of the y axis. */
  y: number | string;
  /** Row facet label (a third axis), if any. */
  row?: string;
  /** ABI ÷ baseline (or ABI − baseline for indexes); null when undefined. */
  value: number | null;
  /** The ABI's mean, for the tooltip. */
  a: number | null;
  /** The baseline's mean, for the tooltip. */
  b: number | null;
  /** "" when the difference passed the test, "ns" when not, "×" when not compared. */
  mark: "" | "ns" | "×";
}

/** Options of {@linkcode heatmapSpec}. */
export interface HeatmapOptions {
  /** Chart title. */
  title: string;
  /** Subtitle: what is compared, where the other axes are held, what marks mean. */
  subtitle: string;
  /** x axis title. */
  xTitle: string;
  /** y axis title. */
  yTitle: string;
  /** Row facet title (when cells carry `row`). */
  rowTitle?: string;
  /** Colour legend title. */
  valueTitle: string;
  /** Whether values are ratios (log colour scale centred on 1) or differences (centred on 0). */
  ratio: boolean;
  /** ABIs in panel order. */
  abis: readonly string[];
  /** x values in order. */
  xValues: readonly (number | string)[];
  /** y values in order (drawn bottom to top). */
  yValues: readonly (number | string)[];
  /** Row labels in order. */
  rowSort?: readonly string[];
}

/**
 * A heatmap per ABI (panels) of its value against the baseline over two axes, with a
 * diverging colour scale centred on "no difference" and a text mark on cells that did not
 * pass the test or were not compared. Cells are at most 24 px: the chart's size depends on the
 * number of ABIs and rows, never on a long axis (its cells shrink instead).
 *
 * @example
 * ```ts
 * import { heatmapSpec } from "./heatmap.ts";
 * const spec = heatmapSpec([{ abi: "fifo", x: 1, y: 2, value: 0.5, a: 1, b: 2, mark: "" }], {
 *   title: "t", subtitle: "", xTitle: "x", yTitle: "y", valueTitle: "ratio", ratio: true,
 *   abis: ["fifo"], xValues: [1], yValues: [2] });
 * console.log((spec.spec as { layer: unknown[] }).layer.length); // 2
 * ```
 */
export function heatmapSpec(cells: readonly HeatCell[], o: HeatmapOptions): VlSpec {
  const finite = cells.map((c) => c.value).filter((v): v is number => v !== null && v > -Infinity);
  let m = 0;
  for (const v of finite) {
    const d = o.ratio ? Math.abs(Math.log(v > 0 ? v : 1)) : Math.abs(v);
    if (d > m) m = d;
  }
  const span = o.ratio ? Math.exp(Math.max(m, Math.log(1.05))) : Math.max(m, 1e-3);
  const domain = o.ratio ? [round6(1 / span), round6(span)] : [round6(-span), round6(span)];
  const width = Math.max(80, Math.min(220, o.xValues.length * 22));
  const height = Math.max(60, Math.min(160, o.yValues.length * 28));
  const x = {
    field: "x",
    type: "ordinal",
    title: o.xTitle,
    sort: o.xValues,
    axis: { labelAngle: -45, labelOverlap: "greedy" },
  };
  const y = { field: "y", type: "ordinal", title: o.yTitle, sort: [...o.yValues].reverse() };
  const inner = {
    width,
    height,
    layer: [
      {
        mark: { type: "rect" },
        encoding: {
          x,
          y,
          color: {
            field: "value",
            type: "quantitative",
            title: o.valueTitle,
            scale: {
              ...(o.ratio ? { type: "log" } : {}),
              domain,
              scheme: "blueorange",
              clamp: true,
            },
            legend: { format: ".2~g", titleLimit: 240 },
          },
          tooltip: [
            { field: "abi", title: "ABI" },
            { field: "x", title: o.xTitle },
            { field: "y", title: o.yTitle },
            ...(cells.some((c) => c.row) ? [{ field: "row", title: o.rowTitle ?? "" }] : []),
            { field: "value", title: o.valueTitle, format: ",.4~g" },
            { field: "a", title: "ABI mean", format: ",.4~g" },
            { field: "b", title: "baseline mean", format: ",.4~g" },
            { field: "mark", title: "mark" },
          ],
        },
      },
      {
        mark: { type: "text", fontSize: 9, color: "#222" },
        encoding: { x, y, text: { field: "mark" } },
      },
    ],
  };
  const head = top(o.title, o.subtitle, cells.map((c) => ({ ...c })));
  const hasRow = cells.some((c) => c.row !== undefined);
  if (hasRow && o.abis.length <= MAX_COLUMNS) {
    return {
      ...head,
      facet: {
        column: { field: "abi", type: "nominal", title: "ABI", sort: o.abis },
        row: {
          field: "row",
          type: "nominal",
          title: o.rowTitle ?? "",
          sort: o.rowSort,
          header: { labelAngle: 0, labelOrient: "right", titleOrient: "right", labelLimit: 120 },
        },
      },
      spec: inner,
    };
  }
  if (hasRow && (o.rowSort?.length ?? 0) <= MAX_COLUMNS) {
    // More ABIs than columns: one panel row per ABI, the third axis across.
    return {
      ...head,
      facet: {
        row: {
          field: "abi",
          type: "nominal",
          title: "ABI",
          sort: o.abis,
          header: { labelAngle: 0, labelOrient: "right", titleOrient: "right", labelLimit: 120 },
        },
        column: { field: "row", type: "nominal", title: o.rowTitle ?? "", sort: o.rowSort },
      },
      spec: inner,
    };
  }
  if (hasRow) {
    const order = o.abis.flatMap((a) => (o.rowSort ?? []).map((r) => `${a}; ${r}`));
    const values = cells.map((c) => ({ ...c, abi_row: `${c.abi}; ${c.row}` }));
    return {
      ...head,
      data: { values },
      facet: { field: "abi_row", type: "nominal", title: `ABI; ${o.rowTitle ?? ""}`, sort: order },
      columns: MAX_COLUMNS,
      spec: inner,
    };
  }
  return {
    ...head,
    facet: { field: "abi", type: "nominal", title: "ABI", sort: o.abis },
    columns: Math.min(MAX_COLUMNS, Math.max(1, o.abis.length)),
    spec: inner,
  };
}

/** Whether a metric is an index or fraction in [0, 1] (compared by difference, not ratio). */
function isIndex(metric: string): boolean {
  return /^jain_|fraction|_share$/.test(metric);
}

/**
 * The metrics a grid's heatmaps compare: the scenario's `answer` metrics found in
 * summary.csv (at most two), else p99 dispatch latency.
 *
 * @example
 * ```ts
 * import { heatmapMetrics } from "./heatmap.ts";
 * const ctx = { base: {}, set: { summary: [{ lat_p99_ns: 1 }] } };
 * // deno-lint-ignore no-explicit-any
 * console.log(heatmapMetrics(ctx as any)); // ["lat_p99_ns"]
 * ```
 */
export function heatmapMetrics(ctx: ReportContext): string[] {
  const has = (m: string) => ctx.set.summary.some((r) => typeof r[m] === "number");
  const answer = Array.isArray(ctx.base.answer) ? ctx.base.answer.map(String).filter(has) : [];
  if (answer.length) return answer.slice(0, 2);
  return has("lat_p99_ns") ? ["lat_p99_ns"] : [];
}

/**
 * The heatmap of `metric` for every ABI against the baseline: x is the question's axis, y
 * the other varying axis with the most values, row panels a third axis when the panels fit in
 * {@linkcode MAX_PANELS}; every further axis is held at the focus point. Null when the grid
 * has fewer than two varying axes, or there is no ABI besides the baseline.
 *
 * @example
 * ```ts
 * import { abiHeatmap } from "./heatmap.ts";
 * import { buildContext } from "./context.ts";
 * import { gridOf } from "./grid.ts";
 * const summary = [1, 2].flatMap((x) => ["2l", "fifo"].map((abi) => ({ abi, x, y: 1,
 *   replication: 0, lat_p99_ns: x })));
 * const ctx = buildContext({ dir: ".", manifest: { scenario: "s", command: "c", resolved: {},
 *   params: ["x", "y"] }, summary, groups: [], priorities: [] });
 * console.log(abiHeatmap(ctx, gridOf(ctx), "lat_p99_ns")); // null: y does not vary
 * ```
 */
export function abiHeatmap(ctx: ReportContext, grid: Grid, metric: string): Chart | null {
  const others = ctx.abis.filter((a) => a !== ctx.baseline);
  const xAxis = grid.question;
  if (xAxis === undefined || others.length === 0) return null;
  const byCount = (ps: string[]) =>
    [...ps].sort((a, b) => panelsOf(grid, [b]) - panelsOf(grid, [a]) || 0);
  const [yAxis, ...rest] = byCount(othersOf(grid, [xAxis]));
  if (yAxis === undefined) return null;
  const rowAxis = rest.length && others.length * panelsOf(grid, [rest[0]]) <= MAX_PANELS
    ? rest[0]
    : undefined;
  const held = rest.filter((p) => p !== rowAxis);
  const rows = atFocus(ctx.set.summary, grid, held);
  const index = new Map<string, CsvRow[]>();
  for (const r of rows) {
    const k = `${pointKey(r, ctx.params)}|${r.abi}`;
    const list = index.get(k);
    if (list) list.push(r);
    else index.set(k, [r]);
  }
  const ratio = !isIndex(metric);
  const mean = (list: readonly CsvRow[]) => {
    let s = 0, n = 0;
    for (const r of list) {
      const v = num(r[metric]);
      if (v !== undefined) [s, n] = [s + v, n + 1];
    }
    return n ? s / n : NaN;
  };
  const failed = (list: readonly CsvRow[]) => !ranAll(list);
  const cells: HeatCell[] = [], ps: number[] = [], tested: number[] = [];
  const points = new Set(rows.map((r) => pointKey(r, ctx.params)));
  const reps = new Set(rows.map((r) => r.replication)).size;
  for (const key of points) {
    const b = index.get(`${key}|${ctx.baseline}`) ?? [];
    if (b.length === 0) continue;
    const first = b[0];
    for (const abi of others) {
      const a = index.get(`${key}|${abi}`) ?? [];
      if (a.length === 0) continue;
      const ma = mean(a), mb = mean(b);
      const value = ratio ? (mb > 0 && ma >= 0 ? ma / mb : NaN) : ma - mb;
      const flag = !LIMIT_METRICS.has(metric) && (failed(a) || failed(b));
      cells.push({
        abi,
        x: fmtParamValue(xAxis, first[xAxis]),
        y: fmtParamValue(yAxis, first[yAxis]),
        ...(rowAxis ? { row: fmtParamValue(rowAxis, first[rowAxis]) } : {}),
        value: round6(value),
        a: round6(ma),
        b: round6(mb),
        mark: flag ? "×" : reps < 2 ? "" : "ns",
      });
      if (!flag) {
        ps.push(pairedDiff(a, b, metric).p ?? 1);
        tested.push(cells.length - 1);
      }
    }
  }
  if (cells.length < 2) return null;
  // Holm–Bonferroni over the chart's compared cells, as the findings correct within a metric.
  holm(ps).forEach((pass, i) => {
    if (pass) cells[tested[i]].mark = "";
  });
  const label = METRIC_LABELS[metric] ?? metric;
  const versus = ratio ? `÷ ${ctx.baseline}` : `− ${ctx.baseline}`;
  const groups = new Set(ctx.set.groups.map((r) => r.group)).size;
  const total = panelsOf(grid, othersOf(grid, [xAxis])) * (groups ? groups + 1 : 1);
  const where = held.length ? `; ${valuesText(ctx, grid, held)} (focus point)` : "";
  const test = reps < 2
    ? "one replication: no cell can be tested"
    : "ns: not significant (paired t over replications, Holm-corrected over the cells, 95%)";
  const subtitle = `${label} of each ABI ${versus}, over ${ctx.labels[xAxis]} and ` +
    `${ctx.labels[yAxis]}${rowAxis ? ` (rows: ${ctx.labels[rowAxis]})` : ""}${where}; ` +
    `${test}; ×: not compared (an ABI could not bind every port). Shown instead of a line ` +
    `chart of about ${total} panels.`;
  const rowSort = rowAxis ? grid.values[rowAxis].map((v) => fmtParamValue(rowAxis, v)) : undefined;
  const title = `${label}: each ABI against ${ctx.baseline}`;
  return {
    name: `${ratio ? "ratio" : "diff"}_${slug(metric)}_vs_${slug(ctx.baseline)}`,
    title,
    caption: `Each cell compares an ABI's mean ${label} with the baseline's (${ctx.baseline}) ` +
      `at one grid point: ${ratio ? "a ratio; below 1 (blue)" : "a difference; below 0 (blue)"} ` +
      `the ABI's value is lower. Cells marked ns did not pass the paired test; × marks points ` +
      "where an ABI could not bind every requested port (not compared).",
    spec: heatmapSpec(cells, {
      title,
      subtitle,
      xTitle: ctx.labels[xAxis],
      yTitle: ctx.labels[yAxis],
      ...(rowAxis ? { rowTitle: ctx.labels[rowAxis], rowSort } : {}),
      valueTitle: versus,
      ratio,
      abis: others,
      xValues: grid.values[xAxis].map((v) => fmtParamValue(xAxis, v)),
      yValues: grid.values[yAxis].map((v) => fmtParamValue(yAxis, v)),
    }),
    metrics: [metric],
  };
}

/** Short labels of the metrics a heatmap may show. */
const METRIC_LABELS: Record<string, string> = {
  lat_p99_ns: "p99 dispatch latency",
  lat_mean_ns: "mean dispatch latency",
  lat_p999_ns: "p99.9 dispatch latency",
  lat_p50_ns: "median dispatch latency",
  overhead_ns_per_event: "guest overhead per event",
  jain_latency: "Jain index of per-port latency",
  rt_p99_ns: "p99 round trip",
  rt_mean_ns: "mean round trip",
};
