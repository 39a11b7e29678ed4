/**
 * Vega-Lite specs built from result rows, data inline (each
 * `charts/*.vl.json` opens as-is in the Vega editor). Every chart colours
 * ABIs through one fixed map, so an ABI has the same colour everywhere.
 * Charts that would show a single point are not built. Every chart keeps
 * within {@linkcode MAX_WIDTH_PX} × {@linkcode MAX_HEIGHT_PX}: facets wrap, and
 * a grid that would need more than {@linkcode MAX_PANELS} panels is drawn
 * along the question's axis at the focus point plus heatmaps of each ABI
 * against the baseline (`heatmap.ts`); per-entity tables are drawn as
 * distributions (`distribution.ts`). See docs/explanation/charts.md.
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { atPoint, pointText, type ReportContext } from "./context.ts";
import { distinct, getPath, pointKey } from "./load.ts";
import { num, summarize } from "./stats.ts";
import {
  type Chart,
  colorEnc,
  MAX_COLUMNS,
  MAX_PANELS,
  PANEL_H as H,
  PANEL_W as W,
  panelWidth,
  round6,
  slug,
  top,
  us,
  type VlSpec,
  wantsLog,
} from "./chart_spec.ts";
import { atFocus, type Grid, gridOf, othersOf, panelsOf, valuesText } from "./grid.ts";
import { abiHeatmap, heatmapMetrics } from "./heatmap.ts";
import { entityDistribution } from "./distribution.ts";

export {
  ABI_COLORS,
  abiColor,
  type Chart,
  MAX_COLUMNS,
  MAX_HEIGHT_PX,
  MAX_PANELS,
  MAX_WIDTH_PX,
  PAGE_PX,
  type VlSpec,
} from "./chart_spec.ts";

/**
 * Facet labels in order: by the numbers in them when they differ only in
 * numbers ("ports = 256" before "ports = 2048"), else by first appearance.
 *
 * @example
 * ```ts
 * import { facetOrder } from "./charts.ts";
 * console.log(facetOrder(["n = 2048", "n = 256"])); // ["n = 256", "n = 2048"]
 * ```
 */
export function facetOrder(labels: readonly string[]): string[] {
  const uniq = [...new Set(labels)];
  const nums = (l: string) => (l.match(/-?\d+(\.\d+)?/g) ?? []).map(Number);
  return uniq.sort((a, b) => {
    const x = nums(a), y = nums(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return uniq.indexOf(a) - uniq.indexOf(b);
  });
}

/**
 * ABIs whose line is hidden under another's: every point of the series equal
 * within 2% (same x, facet and row: about a line width). Returns sentences such as "fifo's
 * line hides 3l's".
 *
 * @example
 * ```ts
 * import { hiddenLines } from "./charts.ts";
 * const p = (abi: string, y: number) => ({ abi, x: 1, y, lo: y, hi: y, ci: 0 });
 * console.log(hiddenLines([p("2l", 5), p("fifo", 5)], ["2l", "fifo"])); // ["fifo's line hides 2l's"]
 * ```
 */
export function hiddenLines(points: readonly LinePoint[], abis: readonly string[]): string[] {
  // Per panel (facet, row): ABI -> x -> y.
  const panels = new Map<string, Map<string, Map<number, number | null>>>();
  for (const p of points) {
    const key = `${p.facet ?? ""}|${p.row ?? ""}`;
    const panel = panels.get(key) ?? new Map<string, Map<number, number | null>>();
    const line = panel.get(p.abi) ?? new Map<number, number | null>();
    line.set(p.x, p.y);
    panel.set(p.abi, line);
    panels.set(key, panel);
  }
  const same = (a?: Map<number, number | null>, b?: Map<number, number | null>) =>
    a !== undefined && b !== undefined && a.size === b.size && a.size > 0 &&
    [...a].every(([x, y]) => {
      const z = b.get(x);
      if (y === null || z === null || z === undefined) return y === z;
      return Math.abs(y - z) <= 0.02 * Math.max(Math.abs(y), Math.abs(z));
    });
  const out: string[] = [];
  const order = abis.filter((a) => points.some((p) => p.abi === a));
  for (let i = 0; i < order.length; i++) {
    for (let j = i + 1; j < order.length; j++) {
      let hid = 0, both = 0;
      for (const panel of panels.values()) {
        if (!panel.has(order[i]) || !panel.has(order[j])) continue;
        both++;
        if (same(panel.get(order[i]), panel.get(order[j]))) hid++;
      }
      if (hid === 0) continue;
      out.push(
        `${order[j]}'s line hides ${order[i]}'s` +
          (hid < both ? ` in ${hid} of ${both} panels` : ""),
      );
    }
  }
  return out;
}

/**
 * Wrap a unit/layer spec in column/row facets when the data carries them. A grid of rows and
 * columns stays a grid while it has at most {@linkcode MAX_COLUMNS} columns; wider, each panel
 * is labelled "row; column" and the panels wrap after {@linkcode MAX_COLUMNS}, so a chart's
 * width never grows with the grid (its height does, by panel rows: callers keep the panels
 * within {@linkcode MAX_PANELS}).
 */
function facetted(
  head: VlSpec,
  inner: VlSpec,
  facets: {
    column?: string;
    row?: string;
    rowSort?: string[];
    columnSort?: string[];
    independentY?: boolean;
  },
): VlSpec {
  const cols = facets.columnSort?.length ?? MAX_COLUMNS;
  const resolve = facets.independentY ? { resolve: { scale: { y: "independent" } } } : {};
  if (facets.column !== undefined && facets.row !== undefined && cols > MAX_COLUMNS) {
    const values = (head.data as { values: Record<string, unknown>[] }).values;
    const label = (v: Record<string, unknown>) => `${v.row}; ${v.facet}`;
    const order: string[] = [];
    for (const r of facets.rowSort ?? []) {
      for (const c of facets.columnSort ?? []) order.push(`${r}; ${c}`);
    }
    const data = { values: values.map((v) => ({ ...v, facet: label(v), row: undefined })) };
    return facetted({ ...head, data }, inner, {
      column: [facets.row, facets.column].filter((t) => t).join("; "),
      columnSort: order.filter((l) => data.values.some((v) => v.facet === l)),
      independentY: facets.independentY,
    });
  }
  if (facets.column !== undefined && facets.row === undefined) {
    // Columns only: wrap after MAX_COLUMNS panels (four as two by two), numeric labels in
    // numeric order, each label's "a, b" parts on lines of their own.
    const n = cols === 4 ? 2 : Math.min(cols, MAX_COLUMNS);
    return {
      ...head,
      facet: {
        field: "facet",
        type: "nominal",
        title: facets.column,
        sort: facets.columnSort,
        header: { labelExpr: "split(datum.label, ', ')", labelLimit: panelWidth(n) + 40 },
      },
      columns: n,
      spec: { width: panelWidth(n), height: H, ...inner },
      ...resolve,
    };
  }
  const facet: VlSpec = {};
  if (facets.column !== undefined) {
    facet.column = {
      field: "facet",
      type: "nominal",
      title: facets.column,
      sort: facets.columnSort,
    };
  }
  if (facets.row !== undefined) {
    facet.row = { field: "row", type: "nominal", title: facets.row, sort: facets.rowSort };
  }
  if (facets.column === undefined && facets.row === undefined) {
    return { ...head, width: W, height: H, ...inner };
  }
  return {
    ...head,
    facet,
    spec: { width: panelWidth(facets.column !== undefined ? cols : 1), height: H, ...inner },
    ...resolve,
  };
}

/** A point of a line chart with a confidence band. */
export interface LinePoint {
  /** The ABI. */
  abi: string;
  /** x value. */
  x: number;
  /** Mean y. */
  y: number | null;
  /** Band bottom (mean - half-width). */
  lo: number | null;
  /** Band top (mean + half-width). */
  hi: number | null;
  /** 95% half-width. */
  ci: number | null;
  /** Column facet label. */
  facet?: string;
  /** Row facet label. */
  row?: string;
}

/** Titles and ABIs every chart builder takes. */
export interface ChartText {
  /** Chart title. */
  title: string;
  /** Subtitle (condition, units). */
  subtitle: string;
  /** x axis title with unit. */
  xTitle: string;
  /** y axis title with unit. */
  yTitle: string;
  /** ABIs in legend order. */
  abis: readonly string[];
}

/** Options of {@link lineSpec}. */
export interface LineOptions extends ChartText {
  /** Column facet title when points carry `facet`. */
  facetTitle?: string;
  /** Row facet title when points carry `row`. */
  rowTitle?: string;
  /** Force a log y scale (default: when the values span 20× or more). */
  yLog?: boolean;
  /** y scale includes zero. */
  yZero?: boolean;
}

/**
 * A line per ABI of a metric's mean against x, with a 95% confidence band.
 *
 * @example
 * ```ts
 * import { lineSpec } from "./charts.ts";
 * const spec = lineSpec([{ abi: "fifo", x: 1, y: 2, lo: 1.5, hi: 2.5, ci: 0.5 },
 *   { abi: "fifo", x: 2, y: 3, lo: 2.5, hi: 3.5, ci: 0.5 }],
 *   { title: "t", subtitle: "", xTitle: "x", yTitle: "y (µs)", abis: ["fifo"] });
 * console.log((spec.layer as unknown[]).length); // 2
 * ```
 */
export function lineSpec(points: readonly LinePoint[], o: LineOptions): VlSpec {
  const xs = points.map((p) => p.x);
  const xLog = wantsLog(xs);
  const yLog = o.yLog ?? wantsLog(points.flatMap((p) => [p.lo, p.y]));
  const x = {
    field: "x",
    type: "quantitative",
    title: o.xTitle,
    scale: xLog ? { type: "log" } : { zero: false },
    axis: { format: "~s" },
  };
  const yScale = yLog ? { type: "log" } : { zero: o.yZero ?? false };
  const color = colorEnc(o.abis);
  // The line layer comes first: the shared ABI legend takes its symbols from it.
  const layer = [
    {
      mark: { type: "line", point: true },
      encoding: {
        x,
        y: { field: "y", type: "quantitative", title: o.yTitle, scale: yScale },
        color,
        tooltip: [
          { field: "abi", title: "ABI" },
          { field: "x", title: o.xTitle, format: ",~g" },
          { field: "y", title: `${o.yTitle}, mean`, format: ",.4~g" },
          { field: "ci", title: "± 95% CI", format: ",.3~g" },
          ...(points.some((p) => p.facet) ? [{ field: "facet", title: o.facetTitle }] : []),
        ],
      },
    },
    {
      mark: { type: "errorband", opacity: 0.2 },
      encoding: {
        x,
        y: { field: "lo", type: "quantitative", title: o.yTitle, scale: yScale },
        y2: { field: "hi" },
        color,
      },
    },
  ];
  const values = points.map((p) => ({ ...p, lo: yLog && p.lo !== null && p.lo <= 0 ? p.y : p.lo }));
  const hides = hiddenLines(points, o.abis);
  const subtitle = hides.length ? `${o.subtitle}; ${hides.join(", ")}` : o.subtitle;
  return facetted(top(o.title, subtitle, values), { layer }, {
    column: points.some((p) => p.facet) ? o.facetTitle ?? "" : undefined,
    row: points.some((p) => p.row) ? o.rowTitle ?? "" : undefined,
    rowSort: [...new Set(points.map((p) => p.row ?? ""))],
    columnSort: facetOrder(points.map((p) => p.facet ?? "")),
    independentY: true,
  });
}

/** A bar of a grouped bar chart with an error bar. */
export interface BarPoint {
  /** The ABI (bar colour and offset). */
  abi: string;
  /** The category on x. */
  cat: string;
  /** Mean. */
  y: number | null;
  /** Error bar bottom. */
  lo: number | null;
  /** Error bar top. */
  hi: number | null;
  /** 95% half-width. */
  ci: number | null;
  /** Column facet label. */
  facet?: string;
}

/** Options of {@link barSpec}. */
export interface BarOptions extends ChartText {
  /** Column facet title when bars carry `facet` (y scales independent). */
  facetTitle?: string;
}

/**
 * Bars per category and ABI (side by side) with 95% error bars.
 *
 * @example
 * ```ts
 * import { barSpec } from "./charts.ts";
 * const spec = barSpec([{ abi: "fifo", cat: "timer", y: 3, lo: 2, hi: 4, ci: 1 }],
 *   { title: "t", subtitle: "", xTitle: "group", yTitle: "events", abis: ["fifo"] });
 * console.log((spec.layer as { mark: { type: string } }[])[0].mark.type); // "bar"
 * ```
 */
export function barSpec(bars: readonly BarPoint[], o: BarOptions): VlSpec {
  const cats = [...new Set(bars.map((b) => b.cat))];
  const x = { field: "cat", type: "nominal", title: o.xTitle, sort: cats, axis: { labelAngle: 0 } };
  const xOffset = { field: "abi", type: "nominal", sort: o.abis };
  const color = colorEnc(o.abis);
  const layer = [
    {
      mark: { type: "bar" },
      encoding: {
        x,
        xOffset,
        y: { field: "y", type: "quantitative", title: o.yTitle },
        color,
        tooltip: [
          { field: "abi", title: "ABI" },
          { field: "cat", title: o.xTitle },
          { field: "y", title: `${o.yTitle}, mean`, format: ",.4~g" },
          { field: "ci", title: "± 95% CI", format: ",.3~g" },
        ],
      },
    },
    {
      mark: { type: "rule", color: "#333" },
      encoding: { x, xOffset, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } },
    },
  ];
  return facetted(top(o.title, o.subtitle, [...bars]), { layer }, {
    column: bars.some((b) => b.facet) ? o.facetTitle ?? "" : undefined,
    independentY: true,
  });
}

/** A measured quantile of one ABI and group. */
export interface QuantilePoint {
  /** The ABI. */
  abi: string;
  /** Port group. */
  group: string;
  /** "p50", "p90", "p99", "p99.9" or "max". */
  quantile: string;
  /** Fraction of events slower than `latency_us` (1/delivered for max). */
  exceed: number;
  /** Latency in µs (mean over replications). */
  latency_us: number;
}

/**
 * Quantile plot: measured dispatch-latency quantiles per ABI as an exceedance
 * curve (1 − CDF), log latency against log probability, one panel per group.
 *
 * @example
 * ```ts
 * import { quantileSpec } from "./charts.ts";
 * const spec = quantileSpec([{ abi: "fifo", group: "g", quantile: "p50", exceed: 0.5,
 *   latency_us: 2 }], { subtitle: "", abis: ["fifo"] });
 * console.log(JSON.stringify(spec).includes('"log"')); // true
 * ```
 */
export function quantileSpec(
  points: readonly QuantilePoint[],
  o: { subtitle: string; abis: readonly string[] },
): VlSpec {
  const groups = [...new Set(points.map((p) => p.group))];
  const inner = {
    mark: { type: "line", point: true },
    encoding: {
      x: {
        field: "latency_us",
        type: "quantitative",
        title: "dispatch latency (µs, log scale)",
        scale: { type: "log" },
        axis: { format: "~g" },
      },
      y: {
        field: "exceed",
        type: "quantitative",
        title: "fraction of events slower (log scale)",
        scale: { type: "log" },
        axis: { format: "~g" },
      },
      color: colorEnc(o.abis),
      order: { field: "exceed", sort: "descending" },
      tooltip: [
        { field: "abi", title: "ABI" },
        { field: "group", title: "group" },
        { field: "quantile", title: "quantile" },
        { field: "latency_us", title: "latency (µs)", format: ",.4~g" },
      ],
    },
  };
  const head = top(
    "Dispatch latency, quantile plot (1 − CDF)",
    o.subtitle,
    [...points],
  );
  if (groups.length < 2) return { ...head, width: W, height: H, ...inner };
  return {
    ...head,
    facet: { field: "group", type: "nominal", title: "port group", sort: groups },
    columns: Math.min(groups.length, MAX_COLUMNS),
    spec: { width: panelWidth(Math.min(groups.length, MAX_COLUMNS)), height: H, ...inner },
  };
}

// ---------------------------------------------------------------------------
// Chart selection from a results folder

const QUANTILES: readonly [string, string, number][] = [
  ["p50", "lat_p50_ns", 0.5],
  ["p90", "lat_p90_ns", 0.1],
  ["p99", "lat_p99_ns", 0.01],
  ["p99.9", "lat_p999_ns", 0.001],
];

/**
 * A mean and its 95% band, scaled, the band clamped to the metric's domain
 * (every metric here is ≥ 0; Jain indexes and fractions are ≤ 1): a band
 * never claims a negative latency or a Jain index above 1.
 */
function estBand(mean: number, ci: number, scale: (x: number) => number | null, max = Infinity) {
  const c = Number.isFinite(ci) ? ci : 0;
  return {
    y: scale(mean),
    lo: scale(Math.max(0, mean - c)),
    hi: scale(Math.min(max, mean + c)),
    ci: scale(ci),
  };
}

/** Rows of `groups.csv` plus summary rows as group "all events". */
/** Most port-group rows (groups and "all events") a line chart draws as panel rows. */
const MAX_GROUP_ROWS = 4;

/** The port groups of the results, in order of first appearance. */
function groupNames(ctx: ReportContext): string[] {
  return distinct(ctx.set.groups, "group").map(String);
}

/** Summary rows as group "all events", followed by `groups.csv` unless `withGroups` is false. */
function groupRowsWithAll(ctx: ReportContext, withGroups = true): CsvRow[] {
  const all = ctx.set.summary.map((r) => ({ ...r, group: "all events" }));
  return withGroups ? [...all, ...ctx.set.groups] : all;
}

/**
 * How a chart of a metric against `param` is laid out: one panel per combination of the
 * other varying axes (times `rowsPer` panel rows) while that fits in {@linkcode MAX_PANELS},
 * else the other axes held at the focus point, which the subtitle states.
 */
interface View {
  /** Axes drawn as facets. */
  facetBy: string[];
  /** Axes held at their focus value. */
  held: string[];
  /** Subtitle clause naming the held axes ("" when none). */
  note: string;
}

function viewOf(ctx: ReportContext, grid: Grid, param: string, rowsPer: number): View {
  const others = othersOf(grid, [param]);
  const panels = panelsOf(grid, others) * rowsPer;
  if (panels <= MAX_PANELS) return { facetBy: others, held: [], note: "" };
  return {
    facetBy: [],
    held: others,
    note: `${valuesText(ctx, grid, others)} held at the focus point (the whole grid would ` +
      `need ${panels} panels)`,
  };
}

function latencyQuantiles(ctx: ReportContext): Chart | null {
  const groups = groupNames(ctx);
  // Too many groups for one panel each: the whole run's quantiles only.
  const rows = groups.length > MAX_PANELS
    ? atPoint(groupRowsWithAll(ctx, false), ctx.params, ctx.focus)
    : atPoint(ctx.set.groups, ctx.params, ctx.focus);
  const est = summarize(
    rows,
    ["abi", "group"],
    [...QUANTILES.map((q) => q[1]), "lat_max_ns", "delivered"],
  );
  const points: QuantilePoint[] = [];
  for (const s of est) {
    const delivered = s.est.delivered.mean;
    if (!(delivered > 0)) continue;
    const base = { abi: String(s.keys.abi), group: String(s.keys.group) };
    for (const [name, col, exceed] of QUANTILES) {
      const v = us(s.est[col].mean);
      if (v !== null && v > 0 && exceed >= 1 / delivered) {
        points.push({ ...base, quantile: name, exceed, latency_us: v });
      }
    }
    const mx = us(s.est.lat_max_ns.mean);
    if (mx !== null && mx > 0) {
      points.push({ ...base, quantile: "max", exceed: round6(1 / delivered)!, latency_us: mx });
    }
  }
  if (points.length < 2) return null;
  const where = pointText(ctx.focus, ctx.params, ctx.labels);
  return {
    name: "latency_quantiles",
    title: "Dispatch latency, quantile plot",
    caption: "Measured quantiles (p50, p90, p99, p99.9; max plotted at 1/delivered), averaged " +
      "over replications, joined by lines: a quantile plot, not a full CDF. Lower and further " +
      "left is better." + (where ? ` Grid point with the highest p99: ${where}.` : ""),
    spec: quantileSpec(points, {
      subtitle: `quantiles averaged over replications${where ? `; ${where}` : ""}`,
      abis: ctx.abis,
    }),
  };
}

/** Line points of `col` against `param`, one per estimate; facets by the axes of `facetBy`. */
function linePoints(
  ctx: ReportContext,
  grid: Grid,
  est: ReturnType<typeof summarize>,
  param: string,
  col: string,
  scale: (x: number) => number | null,
  byGroup: boolean,
  facetBy: readonly string[],
): LinePoint[] {
  const points: LinePoint[] = [];
  for (const s of est) {
    const x = num(s.keys[param]);
    if (x === undefined || !Number.isFinite(s.est[col].mean)) continue;
    const facet = facetBy.length ? valuesText(ctx, grid, facetBy, s.keys) : "";
    // Without other facets, the groups wrap as panels instead of standing in one column.
    const group = byGroup ? String(s.keys.group) : "";
    points.push({
      abi: String(s.keys.abi),
      x,
      ...estBand(s.est[col].mean, s.est[col].ci, scale, /^jain_|fraction/.test(col) ? 1 : Infinity),
      ...(facet ? { facet } : group ? { facet: group } : {}),
      ...(facet && group ? { row: group } : {}),
    });
  }
  return points;
}

/**
 * Latency against `param`, a panel row per port group (when they fit) and a panel per
 * combination of the other axes; on a grid too large for that, only along the question's
 * axis with the other axes held at the focus point (null for the other axes: the heatmap
 * shows them).
 */
function latencyVsParam(
  ctx: ReportContext,
  grid: Grid,
  param: string,
  col: string,
  stat: string,
): Chart | null {
  const names = groupNames(ctx);
  const byGroup = names.length > 0 && names.length + 1 <= MAX_GROUP_ROWS;
  const view = viewOf(ctx, grid, param, byGroup ? names.length + 1 : 1);
  if (view.held.length && param !== grid.question) return null;
  const rows = atFocus(groupRowsWithAll(ctx, byGroup), grid, view.held);
  const est = summarize(rows, ["group", ...ctx.params, "abi"], [col]);
  const points = linePoints(ctx, grid, est, param, col, us, byGroup, view.facetBy);
  const what = stat === "mean" ? "Mean" : "p99";
  const along = view.held.length ? `; along ${ctx.labels[param]} (the question's axis), with ` : "";
  return {
    name: `lat_${stat}_vs_${slug(param)}`,
    title: `${what} dispatch latency against ${ctx.labels[param]}`,
    caption: `${stat === "mean" ? "Mean" : "99th-percentile"} dispatch latency ` +
      (byGroup
        ? `per port group (${
          view.facetBy.length ? "rows" : "panels"
        }; "all events" is the whole run)`
        : "of the whole run") +
      ", one line per ABI, with the 95% confidence band over replications. Lower is better." +
      (view.held.length ? ` ${view.note[0].toUpperCase()}${view.note.slice(1)}.` : ""),
    spec: lineSpec(points, {
      title: `${what} dispatch latency against ${ctx.labels[param]}`,
      subtitle: `mean over replications, band: 95% CI${along}${view.note}`,
      xTitle: ctx.labels[param],
      yTitle: `${stat} dispatch latency (µs)`,
      abis: ctx.abis,
      facetTitle: byGroup && !view.facetBy.length ? "port group" : "",
      rowTitle: "port group",
    }),
    metrics: [col],
  };
}

function summaryVsParam(
  ctx: ReportContext,
  grid: Grid,
  param: string,
  col: string,
  o: { name: string; title: string; yTitle: string; caption: string; scale?: number },
): Chart | null {
  const view = viewOf(ctx, grid, param, 1);
  const est = summarize(atFocus(ctx.set.summary, grid, view.held), [...ctx.params, "abi"], [col]);
  const k = o.scale ?? 1;
  const points = linePoints(ctx, grid, est, param, col, (v) => round6(v * k), false, view.facetBy);
  if (points.length < 2) return null;
  return {
    name: o.name,
    title: o.title,
    caption: o.caption,
    spec: lineSpec(points, {
      title: o.title,
      subtitle: `mean over replications, band: 95% CI${view.note ? `; ${view.note}` : ""}`,
      xTitle: ctx.labels[param],
      yTitle: o.yTitle,
      abis: ctx.abis,
      facetTitle: "",
    }),
    metrics: [col],
  };
}

function priorityLatency(ctx: ReportContext): Chart | null {
  const rows = atPoint(ctx.set.priorities, ctx.params, ctx.focus);
  if (distinct(rows, "priority").length < 2) return null;
  const est = summarize(rows, ["priority", "abi"], ["lat_mean_ns", "lat_p99_ns"]);
  const bars: BarPoint[] = [];
  for (const [col, stat] of [["lat_mean_ns", "mean"], ["lat_p99_ns", "p99"]]) {
    for (const s of est) {
      if (!Number.isFinite(s.est[col].mean)) continue;
      bars.push({
        abi: String(s.keys.abi),
        cat: String(s.keys.priority),
        facet: `${stat} dispatch latency`,
        ...estBand(s.est[col].mean, s.est[col].ci, us),
      });
    }
  }
  const where = pointText(ctx.focus, ctx.params, ctx.labels);
  return {
    name: "priority_latency",
    title: "Dispatch latency per priority",
    caption: "Mean and p99 dispatch latency of the events of each priority (0 highest), per " +
      "ABI, with 95% error bars. 2-level and 3-level ignore priorities; FIFO serves them " +
      "strictly." + (where ? ` At ${where}.` : ""),
    spec: barSpec(bars, {
      title: "Dispatch latency per priority",
      subtitle: where ? `at ${where}; error bars: 95% CI` : "error bars: 95% CI",
      xTitle: "priority (0 = highest)",
      yTitle: "dispatch latency (µs)",
      abis: ctx.abis,
      facetTitle: "",
    }),
  };
}

function starvedEvents(ctx: ReportContext): Chart | null {
  const rows = ctx.set.groups;
  if (!rows.some((r) => (num(r.starved_events) ?? 0) > 0)) return null;
  // The grid point with the most starved events.
  const byPoint = summarize(
    rows.map((r) => ({ ...r, __p: pointKey(r, ctx.params) })),
    ["__p"],
    ["starved_events"],
  );
  byPoint.sort((a, b) => b.est.starved_events.mean - a.est.starved_events.mean);
  const key = String(byPoint[0].keys.__p);
  const est = summarize(atPoint(rows, ctx.params, key), ["group", "abi"], ["starved_events"]);
  const bars: BarPoint[] = est.map((s) => ({
    abi: String(s.keys.abi),
    cat: String(s.keys.group),
    ...estBand(s.est.starved_events.mean, s.est.starved_events.ci, round6),
  }));
  const where = pointText(key, ctx.params, ctx.labels);
  const limit = getPath(ctx.base, "starvation_ms") ?? 10;
  return {
    name: "starved_events",
    title: "Starved events per ABI and group",
    caption: `Event instances that waited longer than starvation_ms (${limit} ms) per run, ` +
      "per port group and ABI, with 95% error bars." +
      (where ? ` At the grid point with the most starvation: ${where}.` : ""),
    spec: barSpec(bars, {
      title: "Starved events per ABI and group",
      subtitle: `waits over ${limit} ms per run${where ? `; ${where}` : ""}`,
      xTitle: "port group",
      yTitle: "starved events per run",
      abis: ctx.abis,
    }),
  };
}

/** Ports the scenario asks to bind at a grid point, from the resolved base and the row's params. */
export function requestedPorts(ctx: ReportContext, row: CsvRow): number | undefined {
  const point = structuredClone(ctx.base) as Record<string, unknown>;
  for (const p of ctx.params) {
    const keys = p.split(".");
    let cur = point as Record<string, unknown>;
    for (const k of keys.slice(0, -1)) {
      if (!cur[k] || typeof cur[k] !== "object") return undefined;
      cur = cur[k] as Record<string, unknown>;
    }
    cur[keys[keys.length - 1]] = row[p];
  }
  const groups = getPath(point, "groups");
  if (!Array.isArray(groups)) return undefined;
  const vcpus = Number(getPath(point, "guest.vcpus") ?? 1);
  let n = 0;
  for (const g of groups as Record<string, unknown>[]) {
    const ports = Number(g.ports ?? 1);
    n += g.vcpu === "each" ? ports * vcpus : ports;
  }
  return Number.isFinite(n) ? n : undefined;
}

function capacity(ctx: ReportContext, grid: Grid, portsParam: string | undefined): Chart[] {
  const failures = ctx.set.summary.some((r) => (num(r.bind_failures) ?? 0) > 0);
  if (!portsParam && !failures) return [];
  // Facets by the other axes while they fit; else those axes at the focus point.
  const view: View = portsParam ? viewOf(ctx, grid, portsParam, 1) : panelsOf(grid, grid.varying) <=
      MAX_PANELS
    ? { facetBy: grid.varying, held: [], note: "" }
    : {
      facetBy: [],
      held: grid.varying,
      note: `${valuesText(ctx, grid, grid.varying)} (focus point)`,
    };
  const est = summarize(atFocus(ctx.set.summary, grid, view.held), [...ctx.params, "abi"], [
    "bind_failures",
    "shared_bytes",
  ]);
  const requested = new Map<string, number | undefined>();
  const pts = est.map((s) => {
    const key = pointKey(s.keys, ctx.params);
    if (!requested.has(key)) requested.set(key, requestedPorts(ctx, s.keys));
    const req = requested.get(key) ?? num(s.keys[portsParam ?? ""]);
    return { s, req };
  }).filter((p) => p.req !== undefined);
  const reqs = new Set(pts.map((p) => p.req));
  if (reqs.size < 2) {
    // One request size: one bar per ABI, over every grid point shown.
    const req = [...reqs][0];
    const rows = pts.flatMap(({ s }) => s.rows);
    const bars: BarPoint[] = summarize(rows, ["abi"], ["bind_failures"]).map((s) => ({
      abi: String(s.keys.abi),
      cat: String(s.keys.abi),
      ...estBand(req! - s.est.bind_failures.mean, s.est.bind_failures.ci, round6),
    }));
    if (bars.length === 0) return [];
    return [{
      name: "capacity_ports",
      title: "Ports bound per ABI",
      caption: `Ports bound out of ${[...reqs][0]} requested (requested minus bind failures).`,
      spec: barSpec(bars, {
        title: "Ports bound per ABI",
        subtitle: `${[...reqs][0]} ports requested${view.note ? `; ${view.note}` : ""}`,
        xTitle: "ABI",
        yTitle: "ports bound",
        abis: ctx.abis,
      }),
      metrics: ["bind_failures"],
    }];
  }
  const others = view.facetBy.filter((p) => p !== portsParam);
  const facetOf = (row: CsvRow) => others.length ? valuesText(ctx, grid, others, row) : undefined;
  const note = view.note ? `; ${view.note}` : "";
  const bound: LinePoint[] = pts.map(({ s, req }) => ({
    abi: String(s.keys.abi),
    x: req!,
    ...estBand(req! - s.est.bind_failures.mean, s.est.bind_failures.ci, round6),
    ...(facetOf(s.keys) ? { facet: facetOf(s.keys) } : {}),
  }));
  const shared: LinePoint[] = pts.map(({ s, req }) => ({
    abi: String(s.keys.abi),
    x: req!,
    ...estBand(s.est.shared_bytes.mean, s.est.shared_bytes.ci, (v) => round6(v / 1024)),
    ...(facetOf(s.keys) ? { facet: facetOf(s.keys) } : {}),
  }));
  return [
    {
      name: "capacity_ports",
      title: "Ports bound against ports requested",
      caption: "Ports each ABI could bind (requested minus bind failures) as the scenario asks " +
        "for more: the line leaves the diagonal where the ABI's port limit is reached.",
      spec: lineSpec(bound, {
        title: "Ports bound against ports requested",
        subtitle: `bound = requested − bind failures${note}`,
        xTitle: "ports requested (all groups)",
        yTitle: "ports bound",
        abis: ctx.abis,
        facetTitle: "",
      }),
      metrics: ["bind_failures"],
    },
    {
      name: "shared_memory",
      title: "Shared memory against ports requested",
      caption: "Shared-memory footprint of the ABI's event state (KiB) per guest.",
      spec: lineSpec(shared, {
        title: "Shared memory against ports requested",
        subtitle: `event-channel shared state per guest${note}`,
        xTitle: "ports requested (all groups)",
        yTitle: "shared memory (KiB)",
        abis: ctx.abis,
        facetTitle: "",
      }),
      metrics: ["shared_bytes"],
    },
  ];
}

/** Headline metrics per ABI as bars (used when the results hold a single grid point). */
function headlineBars(ctx: ReportContext): Chart | null {
  const est = summarize(ctx.set.summary, ["abi"], [
    "lat_mean_ns",
    "lat_p99_ns",
    "jain_latency",
    "overhead_ns_per_event",
  ]);
  const bars: BarPoint[] = [];
  const metrics: [string, string, (x: number) => number | null][] = [
    ["lat_mean_ns", "mean dispatch latency (µs)", us],
    ["lat_p99_ns", "p99 dispatch latency (µs)", us],
    ["jain_latency", "Jain fairness index (1 = fair)", round6],
    ["overhead_ns_per_event", "guest overhead per event (ns)", round6],
  ];
  for (const [col, label, f] of metrics) {
    for (const s of est) {
      if (!Number.isFinite(s.est[col].mean)) continue;
      bars.push({
        abi: String(s.keys.abi),
        cat: String(s.keys.abi),
        facet: label,
        ...estBand(s.est[col].mean, s.est[col].ci, f, col === "jain_latency" ? 1 : Infinity),
      });
    }
  }
  if (est.length < 2) return null;
  return {
    name: "headline_by_abi",
    title: "Headline metrics per ABI",
    caption: "Mean dispatch latency, p99, Jain's fairness index over per-port mean latency, " +
      "and guest-side ABI overhead per delivered event, with 95% error bars.",
    spec: barSpec(bars, {
      title: "Headline metrics per ABI",
      subtitle: "mean over replications; error bars: 95% CI",
      xTitle: "ABI",
      yTitle: "value (unit in panel title)",
      abis: ctx.abis,
      facetTitle: "",
    }),
  };
}

/**
 * The charts worth drawing for a results folder, chosen by what the scenario varies.
 *
 * @example
 * ```ts
 * import { buildCharts } from "./charts.ts";
 * import { buildContext } from "./context.ts";
 * // const charts = buildCharts(buildContext(loadResults("results/default")));
 * console.log(typeof buildCharts, typeof buildContext); // "function" "function"
 * ```
 */
export function buildCharts(ctx: ReportContext): Chart[] {
  const grid = gridOf(ctx);
  const out: (Chart | null)[] = [latencyQuantiles(ctx)];
  // The question's axis first; on a grid too large for every panel, the heatmaps follow it.
  const axes = [...ctx.numeric].sort((a, b) =>
    Number(b === grid.question) - Number(a === grid.question)
  );
  for (const p of axes) {
    out.push(latencyVsParam(ctx, grid, p, "lat_p99_ns", "p99"));
    if (p === grid.question && tooManyPanels(ctx, grid, p)) {
      for (const m of heatmapMetrics(ctx)) out.push(abiHeatmap(ctx, grid, m));
    }
    out.push(latencyVsParam(ctx, grid, p, "lat_mean_ns", "mean"));
  }
  if (ctx.numeric.length === 0) out.push(headlineBars(ctx));
  out.push(priorityLatency(ctx));
  out.push(...entityCharts(ctx, grid));
  const loadParam = ctx.numeric.find((p) => /rate|period|load/.test(p)) ?? ctx.numeric[0];
  if (loadParam) {
    out.push(summaryVsParam(ctx, grid, loadParam, "jain_latency", {
      name: `fairness_vs_${slug(loadParam)}`,
      title: `Fairness against ${ctx.labels[loadParam]}`,
      yTitle: "Jain index of per-port mean latency",
      caption: "Jain's fairness index over the per-port mean dispatch latencies (1 = every " +
        "port waits alike; 1/n = one port takes all the waiting), with 95% bands.",
    }));
  }
  out.push(starvedEvents(ctx));
  const portsParam = ctx.numeric.find((p) => /(^|\.)ports$/.test(p));
  if (portsParam) {
    out.push(summaryVsParam(ctx, grid, portsParam, "overhead_ns_per_event", {
      name: `overhead_vs_${slug(portsParam)}`,
      title: `Guest overhead per event against ${ctx.labels[portsParam]}`,
      yTitle: "guest ABI time per event (ns)",
      caption: "Guest-side ABI time (upcall entry, scanning, consuming) divided by delivered " +
        "events, with 95% bands: what scanning more bound ports costs.",
    }));
  }
  out.push(...capacity(ctx, grid, portsParam));
  return out.filter((c): c is Chart => c !== null && informative(c));
}

/** Whether a latency chart against `param` would need more than {@linkcode MAX_PANELS}. */
function tooManyPanels(ctx: ReportContext, grid: Grid, param: string): boolean {
  const names = groupNames(ctx);
  const rows = names.length > 0 && names.length + 1 <= MAX_GROUP_ROWS ? names.length + 1 : 1;
  return viewOf(ctx, grid, param, rows).held.length > 0;
}

/**
 * Per-entity distributions: p99 latency across port groups when there are more groups than
 * panel rows, and across guests when the results hold a per-guest table (`guests`, one row
 * per guest, ABI and replication, as a host's `per_guest.csv` provides). A host's rows carry
 * a device class each (`net`, `blk`, `ioreq`): one chart per class, since a guest's block
 * and network round trips differ by design.
 */
function entityCharts(ctx: ReportContext, grid: Grid): (Chart | null)[] {
  const out: (Chart | null)[] = [];
  if (groupNames(ctx).length + 1 > MAX_GROUP_ROWS) {
    out.push(entityDistribution(ctx, grid, ctx.set.groups, {
      entity: "group",
      metric: "lat_p99_ns",
      yTitle: "p99 dispatch latency (µs)",
      scale: us,
      entityTitle: "port group",
    }));
  }
  const guests = ctx.set.guests ?? [];
  const entity = ["guest", "name", "template"].find((c) => guests.some((r) => c in r));
  if (entity) {
    const devices = guests.some((r) => "device" in r)
      ? [...new Set(guests.map((r) => String(r.device)))]
      : [undefined];
    for (const device of devices) {
      const rows = device === undefined ? guests : guests.filter((r) => r.device === device);
      for (const [metric, yTitle] of GUEST_METRICS) {
        if (!rows.some((r) => typeof r[metric] === "number")) continue;
        const chart = entityDistribution(ctx, grid, rows, {
          entity,
          metric,
          yTitle: device === undefined
            ? yTitle
            : yTitle.replace("round-trip", `${device} round-trip`),
          scale: us,
          entityTitle: "guest",
        });
        out.push(
          chart && device !== undefined
            ? { ...chart, name: `${chart.name}_${slug(device)}` }
            : chart,
        );
      }
    }
  }
  return out;
}

/** Per-guest metrics drawn as distributions across guests (first found of each kind). */
const GUEST_METRICS: readonly [string, string][] = [
  ["rt_p99_ns", "p99 round-trip time (µs)"],
  ["lat_p99_ns", "p99 dispatch latency (µs)"],
];

/**
 * The names of the charts the findings cite: those plotting a metric in `metrics` (a
 * finding's metric; `bind_failures` for a "not compared" flag). When none is cited, the first
 * chart that plots a named metric, else the first chart: a report always has one PNG to send.
 *
 * @example
 * ```ts
 * import { citedCharts } from "./charts.ts";
 * const c = (name: string, metrics: string[]) => ({ name, title: "", caption: "", spec: {},
 *   metrics });
 * console.log([...citedCharts([c("a", []), c("b", ["lat_p99_ns"])], ["lat_p99_ns"])]); // ["b"]
 * ```
 */
export function citedCharts(charts: readonly Chart[], metrics: Iterable<string>): Set<string> {
  const named = new Set(metrics);
  const out = new Set(
    charts.filter((c) => c.metrics?.some((m) => named.has(m))).map((c) => c.name),
  );
  if (out.size === 0 && charts.length) {
    out.add((charts.find((c) => c.metrics?.length) ?? charts[0]).name);
  }
  return out;
}

/**
 * Whether a chart carries information: some plotted value differs from the
 * others (a chart of one flat value, e.g. zero everywhere, is left out).
 */
export function informative(c: Chart): boolean {
  const data = (c.spec.data as { values?: Record<string, unknown>[] } | undefined)?.values ?? [];
  const ys = data.map((d) => [d.y, d.latency_us, d.value].find((v) => typeof v === "number"))
    .filter((v): v is number => typeof v === "number");
  if (ys.length < 2) return ys.length === 1 && ys[0] !== 0;
  return ys.some((y) => y !== ys[0]);
}
