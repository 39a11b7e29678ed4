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

import { identicalDesigns, withDesignNames } from "./designs.ts";
import { writeFileAtomic } from "../sim/io/atomic.ts";
import { buildCharts, type Chart, citedCharts } from "./charts.ts";
import { buildContext } from "./context.ts";
import { buildFindings, computeFindings } from "./findings.ts";
import { toCsv } from "./csv.ts";
import {
  assessRobustness,
  fragileAnswers,
  fragileText,
  isFragile,
  loadRobust,
  robustnessText,
} from "./robustness.ts";
import { buildHtml } from "./html.ts";
import { loadBundles } from "./bundles.ts";
import { loadResults } from "./load.ts";
import {
  canRenderPng,
  removeStaleCharts,
  renderCharts,
  type Renderer,
  startRenderer,
} from "./render.ts";
import { buildText, wrap } from "./text.ts";
import { computeAnswer } from "./answer.ts";
import { capacitySection, unsearchedCapacityNote } from "./capacity_report.ts";
import { hostCharts, hostPoints, hostRobustSentences, hostSection, hostSentences } from "./host.ts";

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
  /** Which charts get a PNG: those the findings cite (default), or all. */
  pngs?: "cited" | "all";
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
  // A second thread loads vega while the rows load and the findings are computed.
  const renderer = startRenderer();
  try {
    return await writeReport(dir, options, renderer);
  } finally {
    renderer.close();
  }
}

async function writeReport(
  dir: string,
  options: ReportOptions,
  renderer: Renderer,
): Promise<ReportFiles> {
  const loaded = loadResults(dir);
  const ctx = buildContext(withDesignNames(loaded));
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
  // A fragile finding leaves the list for the "Fragile findings" section, with its tag.
  const findings = buildFindings(ctx, [
    ...identicalDesigns(loaded.summary, loaded.manifest.params),
    ...(rob
      ? rob.findings.filter((f) => !isFragile(f, rob.design)).map((f) => `${f.text} [${f.tag}]`)
      : result.text),
  ]);
  Deno.mkdirSync(`${dir}/charts`, { recursive: true });
  const write = (name: string, data: string | Uint8Array) => {
    writeFileAtomic(`${dir}/${name}`, data);
    files.push(name);
  };
  const png = (options.png ?? true) && canRenderPng();
  if ((options.png ?? true) && !png) {
    console.error("note: charts/*.png skipped: PNG rendering (resvg) needs --allow-ffi");
  }
  // PNGs (mail attachments) for the charts the findings cite; every chart has its SVG.
  const cited = citedCharts(charts, result.findings.map((f) => f.metric || "bind_failures"));
  await renderCharts(charts, {
    png: png ? (options.pngs === "all" ? "all" : cited) : new Set(),
    write,
    progress: options.progress,
    renderer,
  });
  removeStaleCharts(dir, files);
  const fragile = rob ? fragileText(rob, wrap) : [];
  const section = rob ? [...fragile, ...robustnessText(rob, wrap)] : [];
  if (rob) write("robustness.csv", toCsv(rob.rows));
  const first = computeAnswer(ctx);
  // A host study's question is how round trips and dom0's CPU grow with the guest count and
  // what runs out first: its Answer opens with that, per ABI, before the comparisons.
  const growth = capacity.text ? [] : [
    ...hostSentences(hostPoints(ctx.set.summary, ctx.params)),
    // The same under the cost model's uncertainty, with a robustness check.
    ...(robust
      ? hostRobustSentences(robust.summary, ctx.params, robust.design.varied.map((f) => f.field))
      : []),
  ];
  // A capacity study run without its search says so first, and how to search.
  const unsearched = capacity.text ? "" : unsearchedCapacityNote(loaded.manifest, ctx.set.summary);
  const answer = [
    ...(unsearched ? [unsearched] : []),
    ...growth,
    ...(robust
      ? computeAnswer(ctx, fragileAnswers(ctx, robust, first.comparisons)).sentences
      : first.sentences),
  ];
  const pngs = new Set(
    files.filter((f) => f.startsWith("charts/") && f.endsWith(".png")).map((f) => f.slice(7, -4)),
  );
  // Host runs (DESIGN §12): round trips and dom0's CPU against the guest count.
  const host = hostSection(ctx.set.summary, wrap, ctx.params, ctx.set.guests);
  write(
    "report.md",
    capacity.text + buildText(ctx, findings, charts, [...host, ...section], answer, pngs),
  );
  // The HTML shows the same sections as preformatted text, under their own headings.
  const html = [
    ...(capacity.text ? [{ title: "Capacity", text: capacity.text.trim() }] : []),
    ...[host, fragile, section.slice(fragile.length)].filter((x) => x.length > 0)
      .map((x) => ({ title: x[0], text: x.slice(3).join("\n").trim() })),
  ];
  write("report.html", buildHtml(ctx, findings, charts, await loadBundles(), html, answer));
  return { charts, findings, files };
}
