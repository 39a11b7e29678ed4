/**
 * `renderReport(dir)`: from a results folder (CSV + manifest) write
 * charts/*.vl.json, charts/*.svg, charts/*.png, report.html and report.md.
 * Reports never simulate.
 *
 * Folder `reports/` reads rows (CSV files and the manifest) and uses
 * `sim/io/` only; it never imports the engine, a run or a sweep.
 *
 * @module
 */

import { writeFileAtomic } from "../sim/io/atomic.ts";
import { buildCharts, type Chart } from "./charts.ts";
import { buildContext } from "./context.ts";
import { buildFindings, computeFindings } from "./findings.ts";
import { toCsv } from "./csv.ts";
import { assessRobustness, loadRobust, robustnessText } from "./robustness.ts";
import { buildHtml } from "./html.ts";
import { loadBundles } from "./bundles.ts";
import { loadResults } from "./load.ts";
import { canRenderPng, renderSvg, svgToPng } from "./render.ts";
import { buildText, wrap } from "./text.ts";
import { capacitySection } from "./capacity_report.ts";
import { hostCharts, hostSection } from "./host.ts";

/** What renderReport wrote. */
export interface ReportFiles {
  /** The charts drawn. */
  charts: Chart[];
  /** The findings. */
  findings: string[];
  /** Paths written, relative to the folder. */
  files: string[];
}

/** Options of {@linkcode renderReport}. */
export interface ReportOptions {
  /** Write charts/*.png (default true; needs `--allow-ffi`). */
  png?: boolean;
  /** Called after each chart is written: charts done, charts in all, the chart's name. */
  progress?: (done: number, total: number, name: string) => void;
}

/**
 * Render every report file of the results folder `dir` (PNGs only with `--allow-ffi`).
 *
 * @example
 * ```ts
 * import { renderReport } from "./report.ts";
 * // await renderReport("results/default");
 * console.log(typeof renderReport); // "function"
 * ```
 */
export async function renderReport(
  dir: string,
  options: ReportOptions = {},
): Promise<ReportFiles> {
  const ctx = buildContext(loadResults(dir));
  const charts = [...buildCharts(ctx), ...hostCharts(ctx.set.summary, ctx.params)];
  // A capacity study (capacity.csv): its answer opens report.md, its chart comes first.
  const capacity = capacitySection(dir, ctx.set.summary);
  if (capacity.chart) charts.unshift(capacity.chart);
  const result = computeFindings(ctx);
  const files: string[] = [];
  // With a robustness check (`--robust`): tags on the findings, a section, a chart, a CSV.
  const robust = loadRobust(dir);
  const rob = robust ? assessRobustness(ctx, robust, result) : undefined;
  if (rob?.chart) charts.push(rob.chart);
  const findings = buildFindings(
    ctx,
    rob ? rob.findings.map((f) => `${f.text} [${f.tag}]`) : result.text,
  );
  Deno.mkdirSync(`${dir}/charts`, { recursive: true });
  const write = (name: string, data: string | Uint8Array) => {
    writeFileAtomic(`${dir}/${name}`, data);
    files.push(name);
  };
  const png = (options.png ?? true) && canRenderPng();
  if ((options.png ?? true) && !png) {
    console.error("note: charts/*.png skipped: PNG rendering (resvg) needs --allow-ffi");
  }
  let done = 0;
  for (const c of charts) {
    write(`charts/${c.name}.vl.json`, JSON.stringify(c.spec, null, 2) + "\n");
    const svg = await renderSvg(c.spec);
    write(`charts/${c.name}.svg`, svg);
    await collectGarbage();
    if (png) write(`charts/${c.name}.png`, await svgToPng(svg));
    options.progress?.(++done, charts.length, c.name);
    await collectGarbage();
  }
  const section = rob ? robustnessText(rob, wrap) : [];
  if (rob) write("robustness.csv", toCsv(rob.rows));
  // Host runs (DESIGN §12): round trips and dom0's CPU against the guest count.
  const host = hostSection(ctx.set.summary, wrap, ctx.params);
  write("report.md", capacity.text + buildText(ctx, findings, charts, [...host, ...section]));
  // The HTML shows the same sections as preformatted text, under their own headings.
  const html = [
    ...(capacity.text ? [{ title: "Capacity", text: capacity.text.trim() }] : []),
    ...[host, section].filter((x) => x.length > 0)
      .map((x) => ({ title: x[0], text: x.slice(3).join("\n").trim() })),
  ];
  write("report.html", buildHtml(ctx, findings, charts, await loadBundles(), html));
  return { charts, findings, files };
}

/**
 * Full garbage collections where the runtime offers them (`deno task sim` runs
 * with `--v8-flags=--expose-gc`); otherwise nothing. Between charts almost all
 * of vega's heap is garbage (a chart of many facets leaves 100–200 MB), and V8
 * would otherwise let it pile up to several hundred megabytes before collecting.
 * The turn of the event loop between the two collections lets what the first
 * one found unreachable be finalised (resvg's native images among it), so the
 * second one frees it: without it the heap stayed at about 150 MB, with it 30 MB.
 */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 0));
  gc();
}
