/**
 * Vega-Lite specs built from result rows, data inline (each
 * `charts/*.vl.json` opens as-is in the Vega editor). Every chart colours
 * ABIs through one fixed map, so an ABI has the same colour everywhere.
 * Charts that would show a single point are not built.
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { atPoint, fmtParamValue, pointText, type ReportContext } from "./context.ts";
import { distinct, getPath, pointKey } from "./load.ts";
import { num, summarize } from "./stats.ts";

/** A Vega-Lite specification (JSON). */
export type VlSpec = Record<string, unknown>;

/** One chart: file stem, title and spec. */
export interface Chart {
  /** File stem under charts/ (e.g. "latency_quantiles"). */
  name: string;
  /** Title shown above the chart. */
  title: string;
  /** What the chart shows and how to read it. */
  caption: string;
  /** The Vega-Lite spec with inline data. */
  spec: VlSpec;
}

/** Fixed colour of each built-in ABI (Tableau 10, variants in lighter shades of their family). */
export const ABI_COLORS: Readonly<Record<string, string>> = Object.freeze({
  "2l": "#4c78a8",
  "2l:32": "#9ecae9",
  "3l": "#f58518",
  "3l:32": "#ffbf79",
  "fifo": "#54a24b",
  "fifo:drain": "#b279a2",
  "fifo:lowest-first": "#e45756",
  "fifo:naive-link": "#9d755d",
});

const EXTRA_COLORS = ["#72b7b2", "#eeca3b", "#ff9da6", "#bab0ac", "#88d27a", "#d6a5c9"];

/**
 * The colour of `abi`: fixed for built-in ABIs, derived from a hash of the id otherwise.
 *
 * @example
 * ```ts
 * import { abiColor } from "./charts.ts";
 * console.log(abiColor("fifo")); // "#54a24b"
 * ```
 */
export function abiColor(abi: string): string {
  const c = ABI_COLORS[abi];
  if (c) return c;
  let h = 0;
  for (const ch of abi) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return EXTRA_COLORS[h % EXTRA_COLORS.length];
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const W = 280, H = 180;
/** The widest a chart may be (px): a page of a mail or a slide. */
export const PAGE_PX = 760;
/** Most facet columns side by side before they wrap. */
const MAX_COLUMNS = 3;

/** Panel width that keeps `columns` panels within the page. */
function panelWidth(columns: number): number {
  return Math.max(120, Math.min(W, Math.floor(PAGE_PX / Math.max(1, columns)) - 50));
}

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

function colorEnc(abis: readonly string[]): VlSpec {
  return {
    field: "abi",
    type: "nominal",
    title: "ABI",
    sort: abis,
    scale: { domain: abis, range: abis.map(abiColor) },
  };
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

function us(ns: number | undefined): number | null {
  return ns === undefined || !Number.isFinite(ns) ? null : Number((ns / 1000).toPrecision(6));
}

function round6(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : null;
}

/** Whether positive values span enough to deserve a log scale. */
function wantsLog(values: readonly (number | null)[]): boolean {
  const xs = values.filter((v): v is number => v !== null && v > 0);
  if (xs.length < 2 || xs.length < values.filter((v) => v !== null).length) return false;
  return Math.max(...xs) / Math.min(...xs) >= 20;
}

/** Longest subtitle line in characters: longer subtitles wrap, so they never widen a chart. */
const SUBTITLE_COLUMNS = 100;

/** `text` broken at spaces into lines of at most {@linkcode SUBTITLE_COLUMNS}. */
function wrapSubtitle(text: string): string | string[] {
  if (text.length <= SUBTITLE_COLUMNS) return text;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > SUBTITLE_COLUMNS) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function top(title: string, subtitle: string, values: unknown[]): VlSpec {
  return {
    $schema: SCHEMA,
    title: subtitle
      ? { text: title, subtitle: wrapSubtitle(subtitle), anchor: "start" }
      : { text: title, anchor: "start" },
    data: { values },
    config: { font: "sans-serif", view: { stroke: "#ddd" } },
  };
}

/** Wrap a unit/layer spec in column/row facets when the data carries them. */
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
  if (facets.column !== undefined && facets.row === undefined) {
    // Columns only: wrap after MAX_COLUMNS panels, numeric labels in numeric order.
    const n = Math.min(cols, MAX_COLUMNS);
    return {
      ...head,
      facet: { field: "facet", type: "nominal", title: facets.column, sort: facets.columnSort },
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
function groupRowsWithAll(ctx: ReportContext): CsvRow[] {
  return [...ctx.set.summary.map((r) => ({ ...r, group: "all events" })), ...ctx.set.groups];
}

function othersLabel(ctx: ReportContext, row: CsvRow, param: string): string | undefined {
  const others = ctx.params.filter((q) => q !== param && distinct(ctx.set.summary, q).length > 1);
  if (others.length === 0) return undefined;
  return others.map((q) => `${ctx.labels[q]} = ${fmtParamValue(q, row[q])}`).join(", ");
}

function latencyQuantiles(ctx: ReportContext): Chart | null {
  const rows = atPoint(ctx.set.groups, ctx.params, ctx.focus);
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

/** Line points of `col` against `param`, one per estimate; facets by the other parameters. */
function linePoints(
  ctx: ReportContext,
  est: ReturnType<typeof summarize>,
  param: string,
  col: string,
  scale: (x: number) => number | null,
  byGroup: boolean,
): LinePoint[] {
  const points: LinePoint[] = [];
  for (const s of est) {
    const x = num(s.keys[param]);
    if (x === undefined || !Number.isFinite(s.est[col].mean)) continue;
    const facet = othersLabel(ctx, s.keys, param);
    points.push({
      abi: String(s.keys.abi),
      x,
      ...estBand(s.est[col].mean, s.est[col].ci, scale, /^jain_|fraction/.test(col) ? 1 : Infinity),
      ...(facet ? { facet } : {}),
      ...(byGroup ? { row: String(s.keys.group) } : {}),
    });
  }
  return points;
}

function latencyVsParam(ctx: ReportContext, param: string, col: string, stat: string): Chart {
  const rows = groupRowsWithAll(ctx);
  const groups = [...new Set(rows.map((r) => String(r.group)))];
  const est = summarize(rows, ["group", ...ctx.params, "abi"], [col]);
  const points = linePoints(ctx, est, param, col, us, groups.length > 1);
  return {
    name: `lat_${stat}_vs_${slug(param)}`,
    title: `${stat === "mean" ? "Mean" : "p99"} dispatch latency against ${ctx.labels[param]}`,
    caption:
      `${
        stat === "mean" ? "Mean" : "99th-percentile"
      } dispatch latency per port group (rows; "all events" is the whole run), one line per ABI, ` +
      "with the 95% confidence band over replications. Lower is better.",
    spec: lineSpec(points, {
      title: `${stat === "mean" ? "Mean" : "p99"} dispatch latency against ${ctx.labels[param]}`,
      subtitle: "mean over replications, band: 95% CI",
      xTitle: ctx.labels[param],
      yTitle: `${stat} dispatch latency (µs)`,
      abis: ctx.abis,
      facetTitle: "",
      rowTitle: "port group",
    }),
  };
}

function summaryVsParam(
  ctx: ReportContext,
  param: string,
  col: string,
  o: { name: string; title: string; yTitle: string; caption: string; scale?: number },
): Chart | null {
  const est = summarize(ctx.set.summary, [...ctx.params, "abi"], [col]);
  const k = o.scale ?? 1;
  const points = linePoints(ctx, est, param, col, (v) => round6(v * k), false);
  if (points.length < 2) return null;
  return {
    name: o.name,
    title: o.title,
    caption: o.caption,
    spec: lineSpec(points, {
      title: o.title,
      subtitle: "mean over replications, band: 95% CI",
      xTitle: ctx.labels[param],
      yTitle: o.yTitle,
      abis: ctx.abis,
      facetTitle: "",
    }),
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

function capacity(ctx: ReportContext, portsParam: string | undefined): Chart[] {
  const failures = ctx.set.summary.some((r) => (num(r.bind_failures) ?? 0) > 0);
  if (!portsParam && !failures) return [];
  const est = summarize(ctx.set.summary, [...ctx.params, "abi"], ["bind_failures", "shared_bytes"]);
  const pts = est.map((s) => {
    const req = requestedPorts(ctx, s.keys) ?? num(s.keys[portsParam ?? ""]);
    return { s, req };
  }).filter((p) => p.req !== undefined);
  const reqs = new Set(pts.map((p) => p.req));
  if (reqs.size < 2) {
    const bars: BarPoint[] = pts.map(({ s, req }) => ({
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
        subtitle: `${[...reqs][0]} ports requested`,
        xTitle: "ABI",
        yTitle: "ports bound",
        abis: ctx.abis,
      }),
    }];
  }
  const facetOf = (row: CsvRow) => othersLabel(ctx, row, portsParam ?? "");
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
        subtitle: "bound = requested − bind failures",
        xTitle: "ports requested (all groups)",
        yTitle: "ports bound",
        abis: ctx.abis,
        facetTitle: "",
      }),
    },
    {
      name: "shared_memory",
      title: "Shared memory against ports requested",
      caption: "Shared-memory footprint of the ABI's event state (KiB) per guest.",
      spec: lineSpec(shared, {
        title: "Shared memory against ports requested",
        subtitle: "event-channel shared state per guest",
        xTitle: "ports requested (all groups)",
        yTitle: "shared memory (KiB)",
        abis: ctx.abis,
        facetTitle: "",
      }),
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
  const out: (Chart | null)[] = [latencyQuantiles(ctx)];
  for (const p of ctx.numeric) {
    out.push(latencyVsParam(ctx, p, "lat_p99_ns", "p99"));
    out.push(latencyVsParam(ctx, p, "lat_mean_ns", "mean"));
  }
  if (ctx.numeric.length === 0) out.push(headlineBars(ctx));
  out.push(priorityLatency(ctx));
  const loadParam = ctx.numeric.find((p) => /rate|period|load/.test(p)) ?? ctx.numeric[0];
  if (loadParam) {
    out.push(summaryVsParam(ctx, loadParam, "jain_latency", {
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
    out.push(summaryVsParam(ctx, portsParam, "overhead_ns_per_event", {
      name: `overhead_vs_${slug(portsParam)}`,
      title: `Guest overhead per event against ${ctx.labels[portsParam]}`,
      yTitle: "guest ABI time per event (ns)",
      caption: "Guest-side ABI time (upcall entry, scanning, consuming) divided by delivered " +
        "events, with 95% bands: what scanning more bound ports costs.",
    }));
  }
  out.push(...capacity(ctx, portsParam));
  return out.filter((c): c is Chart => c !== null && informative(c));
}

/**
 * Whether a chart carries information: some plotted value differs from the
 * others (a chart of one flat value, e.g. zero everywhere, is left out).
 */
export function informative(c: Chart): boolean {
  const data = (c.spec.data as { values?: Record<string, unknown>[] } | undefined)?.values ?? [];
  const ys = data.map((d) => d.y ?? d.latency_us).filter((v): v is number => typeof v === "number");
  if (ys.length < 2) return ys.length === 1 && ys[0] !== 0;
  return ys.some((y) => y !== ys[0]);
}
