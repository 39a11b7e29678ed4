/**
 * report.md: a plain-text report that reads well in an email — the
 * question, computed findings, fixed-width tables of headline metrics per
 * ABI with 95% confidence intervals, and the command that reproduces them.
 *
 * @module
 */

import { atPoint, pointText, type ReportContext } from "./context.ts";
import { distinct, pointKey } from "./load.ts";
import { fmtCi, fmtNsCi, textTable } from "./format.ts";
import { summarize } from "./stats.ts";
import type { Chart } from "./charts.ts";

/** Wrap `text` at `width` columns, prefixing continuation lines with `indent`. */
export function wrap(text: string, width = 72, first = "", indent = ""): string {
  // Keep "mean ± half" and "= value" together on one line.
  const glued = text.replace(/ ± /g, "\u00a0±\u00a0").replace(/ = /g, "\u00a0=\u00a0")
    .replace(/(\d) (ns|µs|ms|s)\b/g, "$1\u00a0$2");
  const words = glued.split(/[ \t\n]+/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  for (const w of words) {
    const lead = lines.length === 0 ? first : indent;
    if (line.length > lead.length && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else line = line.length > lead.length ? `${line} ${w}` : line + w;
  }
  lines.push(line);
  return lines.join("\n").replace(/\u00a0/g, " ");
}

const LATENCY: [string, string, boolean][] = [
  ["lat_mean_ns", "mean latency", true],
  ["lat_p99_ns", "p99 latency", true],
  ["lat_p999_ns", "p99.9 latency", true],
];

const OTHER: [string, string, boolean][] = [
  ["jain_latency", "Jain index", false],
  ["starved_events", "starved/run", false],
  ["overhead_ns_per_event", "overhead/event", true],
];

/** A short column name for a swept parameter: the group's name and the last path part. */
export function shortParam(path: string, base: Record<string, unknown>): string {
  const m = /^groups\.(\d+)\.(?:.*\.)?([^.]+)$/.exec(path);
  if (!m) return path;
  const groups = base.groups as { name?: string }[] | undefined;
  return `${groups?.[Number(m[1])]?.name ?? `group${m[1]}`}.${m[2]}`;
}

/**
 * A headline table: one row per grid point and ABI (only the focus point when there are
 * many) with the `cols` metrics as "mean ± 95% half-width".
 */
export function headlineTable(
  ctx: ReportContext,
  cols: readonly [string, string, boolean][] = LATENCY,
): string {
  const keys = [...new Set(ctx.set.summary.map((r) => pointKey(r, ctx.params)))];
  const show = keys.length <= 8 ? keys : [ctx.focus];
  const varying = ctx.params.filter((p) => distinct(ctx.set.summary, p).length > 1);
  const header = [...varying.map((p) => shortParam(p, ctx.base)), "ABI", ...cols.map((h) => h[1])];
  const rows: string[][] = [];
  for (const k of show) {
    const est = summarize(
      atPoint(ctx.set.summary, ctx.params, k),
      ["abi"],
      cols.map((h) => h[0]),
    );
    const vals = JSON.parse(k) as unknown[];
    for (const s of est) {
      rows.push([
        ...varying.map((p) => String(vals[ctx.params.indexOf(p)])),
        String(s.keys.abi),
        ...cols.map(([c, , ns]) =>
          ns ? fmtNsCi(s.est[c].mean, s.est[c].ci) : fmtCi(s.est[c].mean, s.est[c].ci)
        ),
      ]);
    }
  }
  const right = header.map((_, i) => i !== varying.length);
  return textTable(header, rows, right);
}

/** Per-group p99 dispatch latency at the focus point, ABIs as columns. */
export function groupTable(ctx: ReportContext): string {
  const rows = atPoint(ctx.set.groups, ctx.params, ctx.focus);
  if (rows.length === 0) return "";
  const est = summarize(rows, ["group", "abi"], ["lat_p99_ns"]);
  const groups = distinct(rows, "group").map(String);
  const body = groups.map((g) => [
    g,
    ...ctx.abis.map((a) => {
      const s = est.find((e) => e.keys.group === g && e.keys.abi === a);
      return s ? fmtNsCi(s.est.lat_p99_ns.mean, s.est.lat_p99_ns.ci) : "-";
    }),
  ]);
  return textTable(["group", ...ctx.abis], body, [false, ...ctx.abis.map(() => true)]);
}

/**
 * The text of report.md; `sections` (lines) follow the findings.
 *
 * @example
 * ```ts
 * import { buildText } from "./text.ts";
 * // Deno.writeTextFileSync("report.md", buildText(ctx, findings, charts));
 * console.log(typeof buildText); // "function"
 * ```
 */
export function buildText(
  ctx: ReportContext,
  findings: readonly string[],
  charts: readonly Chart[] = [],
  sections: readonly string[] = [],
): string {
  const m = ctx.set.manifest;
  const desc = typeof ctx.base.description === "string" ? ctx.base.description : "";
  const reps = distinct(ctx.set.summary, "replication").length;
  const out: string[] = [];
  out.push(`evtchn-sim results: ${m.scenario}`, "=".repeat(20 + m.scenario.length), "");
  if (desc) out.push(wrap(`Question: ${desc}`), "");
  out.push(
    wrap(
      `ABIs: ${ctx.abis.join(", ")}; ${ctx.points} grid point(s); ${reps} replication(s) each ` +
        `(common random numbers: replication r of every ABI sees the same arrivals). ` +
        `Latency is dispatch latency: from the raise that made a port pending to the start ` +
        `of its handler. "±" is the 95% confidence half-width over replications.`,
    ),
    "",
  );
  out.push("Findings", "--------", "");
  if (findings.length === 0) out.push("No difference between the ABIs passed the 95% test.");
  for (const f of findings) out.push(wrap(f, 72, "- ", "  "));
  out.push("", ...sections);
  out.push("Headline metrics per ABI", "------------------------", "");
  const varying = ctx.params.filter((p) => distinct(ctx.set.summary, p).length > 1);
  for (const p of varying) out.push(wrap(`${shortParam(p, ctx.base)}: ${p} (${ctx.labels[p]})`));
  if (varying.length) out.push("");
  out.push(indent(headlineTable(ctx, LATENCY)), "", indent(headlineTable(ctx, OTHER)), "");
  const gt = groupTable(ctx);
  if (gt) {
    const where = pointText(ctx.focus, ctx.params, ctx.labels);
    out.push("p99 dispatch latency per port group", "-----------------------------------", "");
    if (where) out.push(wrap(`At the grid point with the highest p99: ${where}.`), "");
    out.push(indent(gt), "");
  }
  if (charts.length) {
    out.push("Charts (charts/*.png, interactive in report.html)", "-".repeat(49), "");
    for (const c of charts) out.push(wrap(`${c.name}.png: ${c.title}`, 72, "- ", "  "));
    out.push("");
  }
  out.push("Reproduce", "---------", "", indent(m.command), "");
  return out.join("\n");
}

function indent(text: string): string {
  return text.split("\n").map((l) => (l ? `    ${l}` : l)).join("\n");
}
