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
  const { width: w, height: h } = svgSize(svg);
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

/** A second renderer: a worker thread with its own vega, started ahead of the charts. */
export interface Renderer {
  /** Resolves true once the worker has loaded vega, false if it could not start. */
  ready: Promise<boolean>;
  /** Render a spec to SVG in the worker. */
  svg(spec: VlSpec): Promise<string>;
  /** Stop the worker. */
  close(): void;
}

/**
 * Start a worker thread that renders SVGs (`render_worker.ts`). Started before the report
 * loads its rows and computes its findings, it has loaded vega by the time the charts are
 * built; {@linkcode renderCharts} then gives it every other chart, so the two cores render
 * at once.
 *
 * @example
 * ```ts ignore
 * import { startRenderer } from "./render.ts";
 * const r = startRenderer();
 * console.log(await r.ready); // true
 * r.close();
 * ```
 */
export function startRenderer(): Renderer {
  const worker = new Worker(new URL("./render_worker.ts", import.meta.url).href, {
    type: "module",
  });
  const waiting = new Map<number, { ok: (svg: string) => void; fail: (e: Error) => void }>();
  let next = 0, closed = false;
  let started: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => started = resolve);
  const close = () => {
    if (closed) return;
    closed = true;
    worker.terminate();
    started(false);
    for (const w of waiting.values()) w.fail(new Error("SVG worker stopped"));
    waiting.clear();
  };
  worker.onmessage = (
    e: MessageEvent<{ ready?: true; id?: number; svg?: string; error?: string }>,
  ) => {
    const m = e.data;
    if (m.ready) return started(true);
    const w = waiting.get(m.id!);
    waiting.delete(m.id!);
    if (m.svg !== undefined) w?.ok(m.svg);
    else w?.fail(new Error(m.error ?? "SVG worker failed"));
  };
  worker.onerror = (e) => {
    e.preventDefault();
    close();
  };
  return {
    ready,
    svg(spec) {
      if (closed) return Promise.reject(new Error("SVG worker stopped"));
      const id = next++;
      return new Promise<string>((ok, fail) => {
        waiting.set(id, { ok, fail });
        worker.postMessage({ id, spec });
      });
    },
    close,
  };
}

/** Options of {@linkcode renderCharts}. */
export interface RenderChartsOptions {
  /** Which charts also get a PNG: a set of chart names, or "all" (none when omitted). */
  png?: ReadonlySet<string> | "all";
  /** Writes a file: its path relative to the results folder, and its contents. */
  write: (name: string, data: string | Uint8Array) => void;
  /** Called after each chart is written: charts done, charts in all, the chart's name. */
  progress?: (done: number, total: number, name: string) => void;
  /** A worker thread that renders charts too (see {@linkcode startRenderer}); closed at the end. */
  renderer?: Renderer;
}

/**
 * Write each chart's `charts/<name>.vl.json` and `.svg`, and `.png` for the charts `png`
 * names; each chart's `size` is set to its SVG's. Charts are taken in order by this thread
 * and, once it is ready, by the `renderer` worker; a chart the worker fails on is rendered
 * here. PNGs are rasterised one at a time (by resvg, on a native thread) while vega renders
 * the next SVGs, so memory stays that of one PNG.
 *
 * @example
 * ```ts ignore
 * import { renderCharts } from "./render.ts";
 * await renderCharts(charts, { png: new Set(["lat_p99_vs_rate"]), write: (n, d) => save(n, d) });
 * ```
 */
export async function renderCharts(charts: Chart[], o: RenderChartsOptions): Promise<void> {
  let inFlight: Promise<void> = Promise.resolve();
  let done = 0, next = 0;
  const finished = (name: string) => o.progress?.(++done, charts.length, name);
  const handle = (c: Chart, svg: string) => {
    o.write(`charts/${c.name}.vl.json`, JSON.stringify(c.spec, null, 2) + "\n");
    o.write(`charts/${c.name}.svg`, svg);
    c.size = svgSize(svg);
    const png = o.png === "all" || (o.png?.has(c.name) ?? false);
    inFlight = inFlight.then(async () => {
      if (png) o.write(`charts/${c.name}.png`, await svgToPng(svg));
      finished(c.name);
    });
  };
  const here = async () => {
    while (next < charts.length) {
      const c = charts[next++];
      handle(c, await renderSvg(c.spec));
      await inFlight;
    }
  };
  const there = async (r: Renderer) => {
    if (!(await r.ready)) return;
    while (next < charts.length) {
      const c = charts[next++];
      let svg: string;
      try {
        svg = await r.svg(c.spec);
      } catch {
        svg = await renderSvg(c.spec);
      }
      handle(c, svg);
    }
  };
  try {
    await Promise.all([here(), ...(o.renderer ? [there(o.renderer)] : [])]);
    await inFlight;
  } finally {
    o.renderer?.close();
  }
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
