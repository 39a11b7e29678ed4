/**
 * report.html: one self-contained file that works offline — vega, vega-lite
 * and vega-embed are inlined, the chart specs carry their data, and nothing
 * is fetched. Contents: the question, a table of contents, findings,
 * interactive charts with tooltips (each drawn as it comes into view, so a
 * report of a hundred charts opens at once), tables with 95% CIs (scrolling
 * sideways in their own box: the page never does), the resolved scenario and
 * the command.
 *
 * @module
 */

import type { Chart } from "./charts.ts";
import { atPoint, latencyDefinition, pointText, type ReportContext } from "./context.ts";
import { distinct, pointKey } from "./load.ts";
import { fmtCi, fmtNsCi } from "./format.ts";
import { summarize } from "./stats.ts";
import { type Bundles, inlineScript } from "./bundles.ts";
import { scenarioLines } from "./text.ts";

/**
 * Escape text for HTML.
 *
 * @example
 * ```ts
 * import { esc } from "./html.ts";
 * console.log(esc("a < b & c")); // "a &lt; b &amp; c"
 * ```
 */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** A table in a box that scrolls sideways by itself, so a wide table never widens the page. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`);
  return `<div class="wide"><table><thead><tr>${th}</tr></thead><tbody>${
    body.join("")
  }</tbody></table></div>`;
}

const METRICS: [string, string, boolean][] = [
  ["lat_mean_ns", "mean latency", true],
  ["lat_p50_ns", "p50", true],
  ["lat_p99_ns", "p99", true],
  ["lat_p999_ns", "p99.9", true],
  ["jain_latency", "Jain index", false],
  ["starved_events", "starved / run", false],
  ["inversions", "inversions / run", false],
  ["overhead_ns_per_event", "guest overhead / event", true],
  ["bind_failures", "bind failures", false],
];

function aggregateTable(ctx: ReportContext): string {
  const varying = ctx.params.filter((p) => distinct(ctx.set.summary, p).length > 1);
  const est = summarize(ctx.set.summary, [...ctx.params, "abi"], METRICS.map((m) => m[0]));
  const rows = est.map((s) => [
    ...varying.map((p) => String(s.keys[p])),
    String(s.keys.abi),
    ...METRICS.map(([c, , ns]) =>
      ns ? fmtNsCi(s.est[c].mean, s.est[c].ci) : fmtCi(s.est[c].mean, s.est[c].ci)
    ),
  ]);
  return table([...varying.map((p) => ctx.labels[p]), "ABI", ...METRICS.map((m) => m[1])], rows);
}

function groupTable(ctx: ReportContext): string {
  const rows = atPoint(ctx.set.groups, ctx.params, ctx.focus);
  if (rows.length === 0) return "";
  const est = summarize(rows, ["group", "abi"], ["lat_mean_ns", "lat_p99_ns", "starved_events"]);
  return table(
    ["group", "ABI", "mean latency", "p99 latency", "starved / run"],
    est.map((s) => [
      String(s.keys.group),
      String(s.keys.abi),
      fmtNsCi(s.est.lat_mean_ns.mean, s.est.lat_mean_ns.ci),
      fmtNsCi(s.est.lat_p99_ns.mean, s.est.lat_p99_ns.ci),
      fmtCi(s.est.starved_events.mean, s.est.starved_events.ci),
    ]),
  );
}

/** A chart's block: title, caption, a container of its rendered size, and its spec. */
function chartBlock(c: Chart, i: number): string {
  const spec = JSON.stringify(c.spec).replace(/</g, "\\u003c");
  const size = c.size && Number.isFinite(c.size.height)
    ? ` style="min-height:${Math.ceil(c.size.height)}px"`
    : "";
  return `<div class="chart" id="chart-${esc(c.name)}"><h3>${esc(c.title)}</h3>` +
    `<p class="caption">${esc(c.caption)}</p>` +
    `<div id="chart-${i}" class="embed" data-name="${esc(c.name)}" data-state="pending"${size}>` +
    `</div><script type="application/json" id="spec-${i}">${spec}</script></div>`;
}

/** The table of contents: the report's sections, and every chart under "Charts". */
function toc(
  charts: readonly Chart[],
  sections: readonly { title: string }[],
  groups: boolean,
  answer = false,
): string {
  const li = (id: string, text: string, inner = "") =>
    `<li><a href="#${esc(id)}">${esc(text)}</a>${inner}</li>`;
  const chartList = charts.length
    ? `<ol>${charts.map((c) => li(`chart-${c.name}`, c.title)).join("")}</ol>`
    : "";
  return `<nav class="toc" aria-label="Contents"><h2>Contents</h2><ul>` +
    (answer ? li("answer", "Answer") : "") + li("findings", "Findings") +
    sections.map((x, i) => li(`section-${i}`, x.title)).join("") +
    li("charts", `Charts (${charts.length})`, chartList) +
    li("metrics", "Metrics per grid point and ABI") +
    (groups ? li("groups", "Per port group") : "") +
    li("scenario", "Scenario (resolved)") + li("reproduce", "Reproduce") +
    "</ul></nav>";
}

/**
 * Charts are drawn as they come into view (an IntersectionObserver with a margin of about a
 * screen), so a report of a hundred charts opens at once; each spec is parsed only then.
 * Each container's `data-state` goes pending → drawing → done (or error).
 * `window.renderChart(i)` draws chart i now and `window.renderAllCharts()` draws every one
 * (both return promises), for printing and for tests.
 */
const LAZY_SCRIPT = `
(function () {
  var opts = { renderer: "svg", actions: { export: true, source: true, compiled: false,
    editor: false } };
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".embed"));
  var drawn = [];
  function renderChart(i) {
    if (drawn[i]) return drawn[i];
    var box = boxes[i];
    box.setAttribute("data-state", "drawing");
    var spec = JSON.parse(document.getElementById("spec-" + i).textContent);
    drawn[i] = vegaEmbed(box, spec, opts).then(function (r) {
      box.setAttribute("data-state", "done");
      box.style.minHeight = "";
      return r;
    }, function (e) {
      box.setAttribute("data-state", "error");
      throw e;
    });
    return drawn[i];
  }
  window.renderChart = renderChart;
  window.renderAllCharts = function () { return Promise.all(boxes.map(function (b, i) {
    return renderChart(i); })); };
  if (!("IntersectionObserver" in window)) { window.renderAllCharts(); return; }
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) {
      if (!e.isIntersecting) return;
      seen.unobserve(e.target);
      renderChart(boxes.indexOf(e.target));
    });
  }, { rootMargin: "800px 0px" });
  boxes.forEach(function (b) { seen.observe(b); });
})();
`;

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em;
  color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.chart { margin: 1.5em 0; } .caption { color: #555; max-width: 70em; }
.embed { max-width: 100%; } .embed[data-state="pending"] { min-height: 300px; } .embed .vega-embed { max-width: 100%; }
.embed svg { max-width: 100%; height: auto; }
.wide { max-width: 100%; overflow-x: auto; }
nav.toc ol { columns: 2 20em; margin: .5em 0; } nav.toc li { break-inside: avoid; }
table { border-collapse: collapse; font-size: .9em; margin: 1em 0; }
th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: right; }
th { background: #f5f5f5; } td:first-child, th:first-child { text-align: left; }
pre { background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: .85em; }
`;

/**
 * The text of report.html; `answer` (the Answer's sentences) comes first, after the question;
 * `sections` (title, preformatted text) follow the findings.
 *
 * @example
 * ```ts
 * import { buildHtml } from "./html.ts";
 * // const html = buildHtml(ctx, findings, charts, await loadBundles());
 * console.log(typeof buildHtml); // "function"
 * ```
 */
export function buildHtml(
  ctx: ReportContext,
  findings: readonly string[],
  charts: readonly Chart[],
  bundles: Bundles,
  sections: readonly { title: string; text: string }[] = [],
  answer: readonly string[] = [],
): string {
  const m = ctx.set.manifest;
  const desc = typeof ctx.base.description === "string" ? ctx.base.description : "";
  const reps = distinct(ctx.set.summary, "replication").length;
  const where = pointText(ctx.focus, ctx.params, ctx.labels);
  const chartHtml = charts.map((c, i) => chartBlock(c, i)).join("\n");
  const points = new Set(ctx.set.summary.map((r) => pointKey(r, ctx.params))).size;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>evtchn-sim: ${esc(m.scenario)}</title>
<style>${STYLE}</style>
<script>${inlineScript(bundles.vega)}</script>
<script>${inlineScript(bundles.vegaLite)}</script>
<script>${inlineScript(bundles.vegaEmbed)}</script>
</head>
<body>
<h1>evtchn-sim: ${esc(m.scenario)}</h1>
${desc ? `<p><strong>Question:</strong> ${esc(desc)}</p>` : ""}
${
    answer.length
      ? `<h2 id="answer">Answer</h2>\n<p class="answer">${esc(answer.join(" "))}</p>`
      : ""
  }
<p>ABIs: ${esc(ctx.abis.join(", "))}; ${points} grid point(s); ${reps} replication(s) each
(common random numbers). ${esc(latencyDefinition(ctx.set.summary))} “±” is the 95% confidence
half-width over replications.</p>
${toc(charts, sections, ctx.set.groups.length > 0, answer.length > 0)}
<h2 id="findings">Findings</h2>
${
    findings.length
      ? `<ul>${findings.map((f) => `<li>${esc(f)}</li>`).join("\n")}</ul>`
      : "<p>No difference between the ABIs passed the 95% test.</p>"
  }
${
    sections.map((x, i) => `<h2 id="section-${i}">${esc(x.title)}</h2>\n<pre>${esc(x.text)}</pre>`)
      .join("\n")
  }
<h2 id="charts">Charts</h2>
${chartHtml || "<p>No chart: the results hold too few points.</p>"}
<h2 id="metrics">Metrics per grid point and ABI</h2>
<p>Mean ± 95% confidence half-width over replications.</p>
${aggregateTable(ctx)}
${
    ctx.set.groups.length
      ? `<h2 id="groups">Per port group</h2><p>${
        esc(where ? `At the grid point with the highest p99: ${where}.` : "")
      }</p>${groupTable(ctx)}`
      : ""
  }
<h2 id="scenario">Scenario (resolved)</h2>
<pre>${esc(scenarioLines(m.scenario_full ?? ctx.base).join("\n"))}</pre>
<h2 id="reproduce">Reproduce</h2>
<pre>${esc(m.command)}</pre>
<p class="caption">evtchn-sim ${esc(m.tool_version ?? "")}</p>
<script>${LAZY_SCRIPT}</script>
</body>
</html>
`;
}
