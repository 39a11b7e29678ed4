/**
 * What every chart builder shares: the chart record, the size limits a chart
 * keeps whatever the grid, the fixed ABI colours, and the pieces of a
 * Vega-Lite spec (title block with a wrapped subtitle, colour encoding, number
 * rounding). Builders live in `charts.ts`, `heatmap.ts` and `distribution.ts`.
 *
 * @module
 */

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
  /**
   * The result columns the chart plots (e.g. `lat_p99_ns`): a finding about one of them cites
   * the chart, and a cited chart gets a PNG (see `citedCharts` in charts.ts).
   */
  metrics?: string[];
  /** The rendered SVG's size (CSS px), set once rendered: the HTML reserves that space. */
  size?: { width: number; height: number };
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
 * import { abiColor } from "./chart_spec.ts";
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

/** Panel width (px) of a chart without facets. */
export const PANEL_W = 280;
/** Panel height (px). */
export const PANEL_H = 180;
/** The width the panels of a chart share (px): a page of a mail or a slide. */
export const PAGE_PX = 760;
/**
 * The widest a rendered chart may be (CSS px), axes, titles and legend included: it fits a
 * 1280-px browser window beside the report's margins and vega-embed's menu.
 */
export const MAX_WIDTH_PX = 1200;
/** The tallest a rendered chart may be (CSS px). */
export const MAX_HEIGHT_PX = 2000;
/** Most facet columns side by side before they wrap. */
export const MAX_COLUMNS = 3;
/**
 * Most panels a chart draws. A chart that would need more shows the comparison that matters
 * instead: the other swept axes held at the focus point, and a heatmap of the grid.
 */
export const MAX_PANELS = 12;

/**
 * Panel width (px) that keeps `columns` panels within {@linkcode PAGE_PX}.
 *
 * @example
 * ```ts
 * import { panelWidth } from "./chart_spec.ts";
 * console.log(panelWidth(1), panelWidth(3)); // 280 203
 * ```
 */
export function panelWidth(columns: number): number {
  return Math.max(120, Math.min(PANEL_W, Math.floor(PAGE_PX / Math.max(1, columns)) - 50));
}

/**
 * The colour encoding of the field `abi`, with the fixed ABI colours in legend order.
 *
 * @example
 * ```ts
 * import { colorEnc } from "./chart_spec.ts";
 * console.log((colorEnc(["2l"]).scale as { range: string[] }).range); // ["#4c78a8"]
 * ```
 */
export function colorEnc(abis: readonly string[]): VlSpec {
  return {
    field: "abi",
    type: "nominal",
    title: "ABI",
    sort: abis,
    scale: { domain: abis, range: abis.map(abiColor) },
  };
}

/**
 * A file-name stem of `s`: runs of other characters than letters and digits become `_`.
 *
 * @example
 * ```ts
 * import { slug } from "./chart_spec.ts";
 * console.log(slug("groups.1.ports")); // "groups_1_ports"
 * ```
 */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9]+/g, "_").replace(/^_|_$/g, "");
}

/**
 * Nanoseconds to microseconds, 6 significant digits; null when not a finite number.
 *
 * @example
 * ```ts
 * import { us } from "./chart_spec.ts";
 * console.log(us(1234.5)); // 1.2345
 * ```
 */
export function us(ns: number | undefined): number | null {
  return ns === undefined || !Number.isFinite(ns) ? null : Number((ns / 1000).toPrecision(6));
}

/**
 * `x` to 6 significant digits; null when not finite.
 *
 * @example
 * ```ts
 * import { round6 } from "./chart_spec.ts";
 * console.log(round6(1 / 3)); // 0.333333
 * ```
 */
export function round6(x: number): number | null {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : null;
}

/**
 * Whether positive values span enough (20× or more) to deserve a log scale.
 *
 * @example
 * ```ts
 * import { wantsLog } from "./chart_spec.ts";
 * console.log(wantsLog([1, 100]), wantsLog([1, 2])); // true false
 * ```
 */
export function wantsLog(values: readonly (number | null)[]): boolean {
  const xs = values.filter((v): v is number => v !== null && v > 0);
  if (xs.length < 2 || xs.length < values.filter((v) => v !== null).length) return false;
  let lo = Infinity, hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return hi / lo >= 20;
}

/** Longest subtitle line in characters: longer subtitles wrap, so they never widen a chart. */
export const SUBTITLE_COLUMNS = 100;

/**
 * `text` broken at spaces into lines of at most {@linkcode SUBTITLE_COLUMNS}.
 *
 * @example
 * ```ts
 * import { wrapSubtitle } from "./chart_spec.ts";
 * console.log(wrapSubtitle("short")); // "short"
 * ```
 */
export function wrapSubtitle(text: string): string | string[] {
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

/**
 * The top of a spec: schema, title with its (wrapped) subtitle, inline data, fonts.
 *
 * @example
 * ```ts
 * import { top } from "./chart_spec.ts";
 * console.log((top("t", "", [{ a: 1 }]).data as { values: unknown[] }).values.length); // 1
 * ```
 */
export function top(title: string, subtitle: string, values: unknown[]): VlSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: subtitle
      ? { text: title, subtitle: wrapSubtitle(subtitle), anchor: "start" }
      : { text: title, anchor: "start" },
    data: { values },
    config: { font: "sans-serif", view: { stroke: "#ddd" } },
  };
}
