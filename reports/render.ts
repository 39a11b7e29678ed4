/**
 * Headless rendering of Vega-Lite specs: `npm:vega-lite` compiles to Vega,
 * a `npm:vega` View renders SVG without a browser, and `npm:@resvg/resvg-js`
 * rasterises the SVG to PNG. resvg-js is a native addon: it is loaded on
 * first use and needs `--allow-ffi` (see {@link canRenderPng}).
 *
 * @module
 */

import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Chart, VlSpec } from "./chart_spec.ts";

/**
 * Render a Vega-Lite spec to SVG text.
 *
 * @example
 * ```ts
 * import { renderSvg } from "./render.ts";
 * const svg = await renderSvg({ data: { values: [{ a: 1, b: 2 }] }, mark: "point",
 *   encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } } });
 * console.log(svg.startsWith("<svg")); // true
 * ```
 */
export async function renderSvg(spec: VlSpec): Promise<string> {
  const vg = compile(spec as unknown as TopLevelSpec).spec;
  const view = new vega.View(vega.parse(vg), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Whether PNG rendering is possible: resvg-js loads a native addon, which needs FFI permission.
 *
 * @example
 * ```ts
 * import { canRenderPng } from "./render.ts";
 * console.log(typeof canRenderPng()); // "boolean"
 * ```
 */
export function canRenderPng(): boolean {
  return Deno.permissions.querySync({ name: "ffi" }).state === "granted";
}

/**
 * The most pixels a PNG gets (about 8.4 M: 32 MB of RGBA while rasterising).
 * Rasterising time grows with the pixels; only charts of many facets reach it.
 */
export const MAX_PNG_PIXELS = 4096 * 2048;

/**
 * The zoom a PNG of `svg` gets: `scale`, lowered so that the image holds at
 * most {@linkcode MAX_PNG_PIXELS} (a chart of many facets would otherwise need
 * hundreds of megabytes to rasterise).
 *
 * @example
 * ```ts
 * import { pngZoom } from "./render.ts";
 * console.log(pngZoom('<svg width="400" height="300">', 2)); // 2
 * console.log(pngZoom('<svg width="40000" height="2000">', 2) < 1); // true
 * ```
 */
export function pngZoom(svg: string, scale = 2): number {
  const head = svg.slice(0, svg.indexOf(">") + 1);
  const w = Number(/\swidth="([\d.]+)"/.exec(head)?.[1] ?? NaN);
  const h = Number(/\sheight="([\d.]+)"/.exec(head)?.[1] ?? NaN);
  if (!(w > 0 && h > 0)) return scale;
  return Math.min(scale, Math.sqrt(MAX_PNG_PIXELS / (w * h)));
}

/**
 * Rasterise SVG text to PNG bytes at `scale` (2 gives crisp images for mail
 * and slides; lowered for very large charts, see {@linkcode pngZoom}).
 *
 * @example
 * ```ts ignore
 * import { svgToPng } from "./render.ts";
 * const png = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
 * console.log(png[1] === 0x50); // true ("PNG" signature)
 * ```
 */
export async function svgToPng(svg: string, scale = 2): Promise<Uint8Array> {
  // renderAsync, not a `Resvg` object: the parse tree and font database live
  // only in the native task and are dropped when it ends. A `Resvg` object
  // holds them (native memory V8 does not see) until the garbage collector
  // finalises it, which on a report of many large charts came too late.
  const { renderAsync } = await import("@resvg/resvg-js");
  const image = await renderAsync(svg, {
    fitTo: { mode: "zoom", value: pngZoom(svg, scale) },
    background: "white",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return image.asPng();
}

/**
 * The width and height (CSS px) an SVG's root element declares; NaN when it declares none.
 *
 * @example
 * ```ts
 * import { svgSize } from "./render.ts";
 * console.log(svgSize('<svg width="400" height="300">')); // { width: 400, height: 300 }
 * ```
 */
export function svgSize(svg: string): { width: number; height: number } {
  const head = svg.slice(0, svg.indexOf(">") + 1);
  return {
    width: Number(/\swidth="([\d.]+)"/.exec(head)?.[1] ?? NaN),
    height: Number(/\sheight="([\d.]+)"/.exec(head)?.[1] ?? NaN),
  };
}

/**
 * The width and height (pixels) of a PNG, read from its IHDR chunk.
 *
 * @example
 * ```ts
 * import { pngSize } from "./render.ts";
 * const png = new Uint8Array(24);
 * new DataView(png.buffer).setUint32(16, 800);
 * new DataView(png.buffer).setUint32(20, 600);
 * console.log(pngSize(png)); // { width: 800, height: 600 }
 * ```
 */
export function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Options of {@linkcode renderCharts}. */
export interface RenderChartsOptions {
  /** Which charts also get a PNG: a set of chart names, or "all" (none when omitted). */
  png?: ReadonlySet<string> | "all";
  /** Writes a file: its path relative to the results folder, and its contents. */
  write: (name: string, data: string | Uint8Array) => void;
  /** Called after each chart is written: charts done, charts in all, the chart's name. */
  progress?: (done: number, total: number, name: string) => void;
}

/**
 * Write each chart's `charts/<name>.vl.json` and `.svg`, and `.png` for the charts `png`
 * names; each chart's `size` is set to its SVG's. The PNG of a chart is rasterised (by resvg, on a native thread) while vega renders
 * the next chart's SVG; at most one PNG is in flight, so memory stays that of one chart.
 *
 * @example
 * ```ts ignore
 * import { renderCharts } from "./render.ts";
 * await renderCharts(charts, { png: new Set(["lat_p99_vs_rate"]), write: (n, d) => save(n, d) });
 * ```
 */
export async function renderCharts(
  charts: Chart[],
  o: RenderChartsOptions,
): Promise<void> {
  let inFlight: Promise<void> = Promise.resolve();
  let done = 0;
  const finished = (name: string) => o.progress?.(++done, charts.length, name);
  for (const c of charts) {
    o.write(`charts/${c.name}.vl.json`, JSON.stringify(c.spec, null, 2) + "\n");
    const svg = await renderSvg(c.spec);
    o.write(`charts/${c.name}.svg`, svg);
    c.size = svgSize(svg);
    const png = o.png === "all" || (o.png?.has(c.name) ?? false);
    await inFlight;
    inFlight = png
      ? svgToPng(svg).then((bytes) => {
        o.write(`charts/${c.name}.png`, bytes);
        finished(c.name);
      })
      : Promise.resolve(finished(c.name));
  }
  await inFlight;
}

/**
 * Remove the chart files (`.vl.json`, `.svg`, `.png`) of `dir`/charts that are not in `keep`
 * (paths relative to `dir`): a re-rendered report leaves no chart of an earlier rendering.
 *
 * @example
 * ```ts ignore
 * import { removeStaleCharts } from "./render.ts";
 * removeStaleCharts("results/default", ["charts/latency_quantiles.svg"]);
 * ```
 */
export function removeStaleCharts(dir: string, keep: readonly string[]): void {
  const kept = new Set(keep);
  for (const e of Deno.readDirSync(`${dir}/charts`)) {
    const name = `charts/${e.name}`;
    if (e.isFile && /\.(vl\.json|svg|png)$/.test(e.name) && !kept.has(name)) {
      Deno.removeSync(`${dir}/${name}`);
    }
  }
}
