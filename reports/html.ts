/**
 * report.html: one self-contained file that works offline — vega, vega-lite
 * and vega-embed are inlined, the chart specs carry their data, and nothing
 * is fetched. Contents: the question, findings, interactive charts with
 * tooltips, tables with 95% CIs, the resolved scenario and the command.
 *
 * @module
 */

import type { Chart } from "./charts.ts";
import { atPoint, pointText, type ReportContext } from "./context.ts";
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

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = header.map((h) => `<th>${esc(h)}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join("")}</tr>`);
  return `<table><thead><tr>${th}</tr></thead><tbody>${body.join("")}</tbody></table>`;
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

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em;
  color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
.chart { margin: 1.5em 0; } .caption { color: #555; max-width: 70em; }
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
  const specs = JSON.stringify(charts.map((c) => c.spec)).replace(/</g, "\\u003c");
  const where = pointText(ctx.focus, ctx.params, ctx.labels);
  const chartHtml = charts.map((c, i) =>
    `<div class="chart"><h3>${esc(c.title)}</h3><p class="caption">${esc(c.caption)}</p>` +
    `<div id="chart-${i}" class="embed" data-name="${esc(c.name)}"></div></div>`
  ).join("\n");
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
${answer.length ? `<h2>Answer</h2>\n<p class="answer">${esc(answer.join(" "))}</p>` : ""}
<p>ABIs: ${esc(ctx.abis.join(", "))}; ${points} grid point(s); ${reps} replication(s) each
(common random numbers). Latency is dispatch latency, from the raise that made a port pending to
the start of its handler; “±” is the 95% confidence half-width over replications.</p>
<h2>Findings</h2>
${
    findings.length
      ? `<ul>${findings.map((f) => `<li>${esc(f)}</li>`).join("\n")}</ul>`
      : "<p>No difference between the ABIs passed the 95% test.</p>"
  }
${sections.map((x) => `<h2>${esc(x.title)}</h2>\n<pre>${esc(x.text)}</pre>`).join("\n")}
<h2>Charts</h2>
${chartHtml || "<p>No chart: the results hold too few points.</p>"}
<h2>Metrics per grid point and ABI</h2>
<p>Mean ± 95% confidence half-width over replications.</p>
${aggregateTable(ctx)}
${
    ctx.set.groups.length
      ? `<h2>Per port group</h2><p>${
        esc(where ? `At the grid point with the highest p99: ${where}.` : "")
      }</p>${groupTable(ctx)}`
      : ""
  }
<h2>Scenario (resolved)</h2>
<pre>${esc(scenarioLines(m.scenario_full ?? ctx.base).join("\n"))}</pre>
<h2>Reproduce</h2>
<pre>${esc(m.command)}</pre>
<p class="caption">evtchn-sim ${esc(m.tool_version ?? "")}</p>
<script id="specs" type="application/json">${specs}</script>
<script>
(function () {
  var specs = JSON.parse(document.getElementById("specs").textContent);
  var opts = { renderer: "svg", actions: { export: true, source: true, compiled: false,
    editor: false } };
  window.chartsRendered = Promise.all(specs.map(function (spec, i) {
    return vegaEmbed("#chart-" + i, spec, opts);
  }));
})();
</script>
</body>
</html>
`;
}
