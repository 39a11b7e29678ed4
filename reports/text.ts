/**
 * report.md: a plain-text report that reads well in an email — the
 * question, computed findings, fixed-width tables of headline metrics per
 * ABI with 95% confidence intervals, and the command that reproduces them.
 *
 * @module
 */

import {
  atPoint,
  fmtParamValue,
  latencyDefinition,
  pointText,
  type ReportContext,
} from "./context.ts";
import { distinct, pointKey } from "./load.ts";
import { sig, textTable } from "./format.ts";
import type { CsvRow } from "./csv.ts";
import { summarize } from "./stats.ts";
import { answerMetrics, fmtMetric, metricLabel } from "./findings.ts";
import type { Chart } from "./charts.ts";
import { computeAnswer } from "./answer.ts";

/** The widest line of report.md (columns), so that it pastes into a mail. */
export const PAGE = 78;

/** Wrap `text` at `width` columns, prefixing continuation lines with `indent`. */
export function wrap(text: string, width = PAGE, first = "", indent = ""): string {
  // Keep "mean ± half" and "= value" together on one line.
  const glued = text.replace(/ ± /g, "\u00a0±\u00a0").replace(/ = /g, "\u00a0=\u00a0")
    .replace(/(\d) (ns|µs|ms|s)\b/g, "$1\u00a0$2").replace(/(\d) (?=\d{3}\b)/g, "$1\u00a0");
  const room = Math.max(8, width - Math.max(first.length, indent.length));
  // A word longer than a line (a long name) is cut into pieces that fit.
  const words = glued.split(/[ \t\n]+/).filter(Boolean).flatMap((w) =>
    [...w].length <= room ? [w] : [...w].join("").match(new RegExp(`.{1,${room}}`, "gu")) ?? [w]
  );
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

const LATENCY: readonly string[] = ["lat_mean_ns", "lat_p99_ns", "lat_p999_ns"];

const OTHER: readonly string[] = ["jain_latency", "starved_events", "overhead_ns_per_event"];

const VICTIMS: readonly string[] = [
  "victim_lat_p99_ns",
  "victim_done_p99_ns",
  "victim_cpu_share",
  "attacker_rate_per_s",
  "attacker_cpu_share",
];

/** Short table headers of known metrics. */
const SHORT: Record<string, string> = {
  lat_mean_ns: "mean latency",
  lat_p50_ns: "p50 latency",
  lat_p90_ns: "p90 latency",
  lat_p99_ns: "p99 latency",
  lat_p999_ns: "p99.9 latency",
  lat_max_ns: "max latency",
  jain_latency: "Jain index",
  starved_events: "starved/run",
  overhead_ns_per_event: "overhead/event",
  hypercalls: "hypercalls/run",
  bind_failures: "bind failures",
  shared_bytes: "shared memory",
  max_wait_ns: "longest wait",
  latency_spread: "spread",
  delivered_fraction: "delivered",
  done_mean_ns: "mean completion",
  done_p99_ns: "p99 completion",
  victim_lat_p99_ns: "victims' p99",
  victim_done_p99_ns: "victims' p99 done",
  victim_cpu_share: "victims' CPU",
  attacker_rate_per_s: "attacker events/s",
  attacker_cpu_share: "attacker CPU",
};

function header(m: string): string {
  return SHORT[m] ?? metricLabel(m);
}

/**
 * A text table no wider than `width`: when the columns after the first
 * `keys` do not fit, they are split over several tables that repeat the key
 * columns.
 *
 * @example
 * ```ts
 * import { fitTable } from "./text.ts";
 * console.log(fitTable(["ABI", "p99"], [["fifo", "4 µs"]], 1, 40));
 * ```
 */
export function fitTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  keys: number,
  width = PAGE - 2,
): string {
  const w = (i: number) => Math.max(...[head, ...rows].map((r) => [...(r[i] ?? "")].length));
  const keyW = Array.from({ length: keys }, (_, i) => w(i) + 2).reduce((a, b) => a + b, 0);
  const parts: number[][] = [];
  let cur: number[] = [], used = keyW;
  for (let i = keys; i < head.length; i++) {
    const cw = w(i) + 2;
    if (cur.length && used + cw > width) {
      parts.push(cur);
      cur = [];
      used = keyW;
    }
    cur.push(i);
    used += cw;
  }
  if (cur.length || parts.length === 0) parts.push(cur);
  const pick = (r: readonly string[], cols: number[]) => [
    ...r.slice(0, keys),
    ...cols.map((i) => r[i]),
  ];
  return parts.map((cols) => {
    const right = [...Array(keys).fill(false), ...cols.map(() => true)];
    return textTable(pick(head, cols), rows.map((r) => pick(r, cols)), right);
  }).join("\n\n");
}

/** A short column name for a swept parameter: the group's name and the last path part. */
export function shortParam(path: string, base: Record<string, unknown>): string {
  // A host's whole guest template: its values are templates, shown by name.
  if (/^host\.guests\.\d+$/.test(path)) return "template";
  const m = /^groups\.(\d+)\.(?:.*\.)?([^.]+)$/.exec(path);
  // Outside groups, the last part names it ("guest.loop_ctrl" -> "loop_ctrl"), but a last part
  // that is only a unit ("vcpu_sched.wait.ns") keeps the part before it.
  if (!m) return /^(ns|us|ms)$/.test(path.split(".").pop() ?? "") ? path : path.split(".").pop()!;
  const groups = base.groups as { name?: string }[] | undefined;
  return `${groups?.[Number(m[1])]?.name ?? `group${m[1]}`}.${m[2]}`;
}

/**
 * Why the figures of one ABI at one grid point are not comparable: it bound fewer ports than
 * requested, carried under 90% of its offered load, or delivered fewer than 100 events per run.
 * Empty when they are.
 *
 * @example
 * ```ts
 * import { caveats } from "./text.ts";
 * console.log(caveats([{ ports_requested: 8, ports_bound: 8, raised: 50, delivered: 6 }]));
 * // ["delivered 6 events per run"]
 * ```
 */
export function caveats(rows: readonly CsvRow[]): string[] {
  const avg = (c: string) => {
    const xs = rows.map((r) => r[c]).filter((x): x is number => typeof x === "number");
    return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
  };
  const out: string[] = [];
  const req = avg("ports_requested"), bound = avg("ports_bound"), fail = avg("bind_failures");
  if (fail > 0 || (bound < req)) {
    out.push(
      Number.isFinite(req) && Number.isFinite(bound)
        ? `bound ${sig(bound)} of ${sig(req)} requested ports`
        : `failed to bind ${sig(fail)} ports`,
    );
  }
  const raised = avg("raised"), lost = avg("unbound_raises");
  if (raised + lost > 0 && raised / (raised + lost) < 0.9) {
    out.push(`carried ${sig(raised / (raised + lost) * 100, 2)}% of its offered load`);
  }
  const delivered = avg("delivered");
  if (delivered < 100) out.push(`delivered ${sig(delivered, 2)} events per run`);
  return out;
}

/** Headers of the key columns; aliases `p1`, `p2` with a legend when the names are too wide. */
function keyHeaders(ctx: ReportContext, varying: readonly string[]): {
  head: string[];
  legend: string[];
} {
  const names = varying.map((p) => shortParam(p, ctx.base));
  if (names.reduce((a, n) => a + n.length + 2, 0) <= (PAGE - 2) / 2) {
    return { head: names, legend: [] };
  }
  return {
    head: names.map((_, i) => `p${i + 1}`),
    legend: names.map((n, i) => `p${i + 1}: ${n}`),
  };
}

/**
 * A headline table: one row per grid point and ABI (only the focus point when there are
 * many) with the `cols` metrics as "mean ± 95% half-width", split to fit the page. A row from
 * a point where the ABI's figures are not comparable (see {@linkcode caveats}) is marked `*`
 * and explained under the table.
 */
export function headlineTable(ctx: ReportContext, cols: readonly string[] = LATENCY): string {
  const keys = [...new Set(ctx.set.summary.map((r) => pointKey(r, ctx.params)))];
  const show = keys.length <= 8 ? keys : [ctx.focus];
  const varying = ctx.params.filter((p) => distinct(ctx.set.summary, p).length > 1);
  const present = cols.filter((c) => ctx.set.summary.some((r) => typeof r[c] === "number"));
  const kh = keyHeaders(ctx, varying);
  const head = [...kh.head, "ABI", ...present.map(header)];
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const k of show) {
    const at = atPoint(ctx.set.summary, ctx.params, k);
    const est = summarize(at, ["abi"], present);
    const vals = JSON.parse(k) as unknown[];
    for (const s of est) {
      const abi = String(s.keys.abi);
      const ran = at.find((r) => r.abi === abi)?.abi_ran;
      const why = caveats(at.filter((r) => r.abi === abi));
      const label = typeof ran === "string" && ran !== abi ? `${abi}→${ran}` : abi;
      if (why.length) {
        const where = pointText(k, ctx.params, ctx.labels);
        notes.push(`* ${abi}${where ? ` at ${where}` : ""}: ${why.join("; ")}.`);
      }
      rows.push([
        ...varying.map((p) => fmtParamValue(p, vals[ctx.params.indexOf(p)])),
        why.length ? `${label} *` : label,
        ...present.map((c) => fmtMetric(c, s.est[c].mean, s.est[c].ci)),
      ]);
    }
  }
  const out: string[] = [];
  for (const l of kh.legend) out.push(wrap(l, PAGE - 2));
  if (kh.legend.length) out.push("");
  out.push(fitTable(head, rows, varying.length + 1));
  if (notes.length) {
    out.push("");
    for (const n of notes) out.push(wrap(n, PAGE - 2, "", "  "));
    out.push(
      wrap(
        "* marks figures that are not comparable with the other rows: they describe the few " +
          "ports bound, a small share of the offered load, or too few events for a quantile.",
        PAGE - 2,
      ),
    );
  }
  const bins = rows.some((r) => r.some((c) => / bin\)$/.test(c)));
  if (bins) {
    out.push(
      "",
      wrap(
        "(x bin): every replication's quantile fell in the same histogram bucket, of width x; " +
          "the quantile is known to that resolution, not exactly.",
        PAGE - 2,
      ),
    );
  }
  return out.join("\n");
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
      return s ? fmtMetric("lat_p99_ns", s.est.lat_p99_ns.mean, s.est.lat_p99_ns.ci) : "-";
    }),
  ]);
  return fitTable(["group", ...ctx.abis], body, 1);
}

/**
 * The scenario as YAML-like lines, defaults filled in, values in human units
 * (keys ending in `ns`, `_us` are durations), wrapped at the page width.
 *
 * @example
 * ```ts
 * import { scenarioLines } from "./text.ts";
 * console.log(scenarioLines({ service: { kind: "const", ns: 30000000 } }).join("\n"));
 * // service:
 * //   kind: const
 * //   ns: 30 ms
 * ```
 */
export function scenarioLines(value: unknown, indentBy = ""): string[] {
  const out: string[] = [];
  const scalar = (k: string, v: unknown): string =>
    typeof v === "number" ? fmtParamValue(k, v) : typeof v === "string" ? v : JSON.stringify(v);
  const isScalar = (v: unknown) => v === null || typeof v !== "object";
  const emit = (k: string, v: unknown, pre: string) => {
    if (v === undefined) return;
    if (isScalar(v)) {
      out.push(wrap(`${k}: ${scalar(k, v)}`, PAGE, pre, `${pre}    `));
    } else if (Array.isArray(v)) {
      if (v.every(isScalar)) {
        out.push(wrap(`${k}: [${v.map((x) => scalar(k, x)).join(", ")}]`, PAGE, pre, `${pre}    `));
      } else {
        out.push(`${pre}${k}:`);
        for (const item of v) {
          const lines = scenarioLines(item, `${pre}    `);
          if (lines.length) lines[0] = `${pre}  - ${lines[0].slice(pre.length + 4)}`;
          out.push(...lines);
        }
      }
    } else {
      out.push(`${pre}${k}:`);
      out.push(...scenarioLines(v, `${pre}  `));
    }
  };
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) emit(k, v, indentBy);
  }
  return out;
}

/** A shell command wrapped at the page width with `\` continuations. */
function wrapCommand(cmd: string, width = PAGE - 4): string {
  const words = cmd.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - 2) {
      lines.push(`${line} \\`);
      line = `  ${w}`;
    } else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.join("\n");
}

/**
 * The text of report.md: every line at most {@linkcode PAGE} columns; `sections`
 * (lines) follow the findings; `pngs` names the charts drawn as PNG (the others are
 * listed by their SVG; unset: every chart has a PNG).
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
  answer: readonly string[] = computeAnswer(ctx).sentences,
  pngs?: ReadonlySet<string>,
): string {
  const m = ctx.set.manifest;
  const sweep = m.resolved && typeof m.resolved === "object"
    ? (m.resolved as Record<string, unknown>).description
    : undefined;
  const desc = typeof ctx.base.description === "string" && ctx.base.description
    ? ctx.base.description
    : typeof sweep === "string"
    ? sweep
    : "";
  const reps = distinct(ctx.set.summary, "replication").length;
  const out: string[] = [];
  const title = wrap(`evtchn-sim results: ${m.scenario}`);
  out.push(title, "=".repeat(Math.min(PAGE, title.length)), "");
  if (desc) out.push(wrap(`Question: ${desc}`), "");
  if (answer.length) {
    out.push("Answer", "------", "");
    for (const s of answer) out.push(wrap(s), "");
  }
  const metrics = answerMetrics(ctx);
  if (metrics.length) {
    out.push(wrap(`The question is about: ${metrics.map(metricLabel).join("; ")}.`), "");
  }
  out.push(
    wrap(
      `ABIs: ${ctx.abis.join(", ")} (baseline ${ctx.baseline}); ${ctx.points} grid ` +
        `point(s); ${reps} replication(s) each (common random numbers: replication r of ` +
        `every ABI sees the same arrivals). ${latencyDefinition(ctx.set.summary)} "±" is ` +
        `the 95% confidence half-width over replications.`,
    ),
    "",
  );
  out.push("Findings", "--------", "");
  if (findings.length === 0) out.push(wrap("No difference between the ABIs passed the test."));
  for (const f of findings) out.push(wrap(f, PAGE, "- ", "  "));
  out.push(
    "",
    wrap(
      `A finding is a paired difference over replications that passes ` +
        `Holm-Bonferroni at 5% within its metric and is at least 3% of the larger ` +
        `value (0.01 for indexes in [0, 1]); see docs/explanation/reports.md.`,
    ),
    "",
    ...sections,
  );
  out.push("Headline metrics per ABI", "------------------------", "");
  const varying = ctx.params.filter((p) => distinct(ctx.set.summary, p).length > 1);
  const legend = [
    ...new Set(
      varying.filter((p) => shortParam(p, ctx.base) !== ctx.labels[p])
        .map((p) => `${shortParam(p, ctx.base)}: ${ctx.labels[p]}`),
    ),
  ];
  for (const l of legend) out.push(wrap(l));
  if (ctx.set.summary.some((r) => typeof r.abi_ran === "string" && r.abi_ran !== r.abi)) {
    out.push(wrap("a→b: runs of ABI a in which the domain ran b (init_fail_policy)."));
  }
  if (legend.length) out.push("");
  // In a flood study, whole-run latency, fairness and starvation mix the attacker's events with
  // the victims': the table shows the victims' and the attacker's figures apart instead.
  const flood = ctx.set.summary.some((r) => typeof r.victim_lat_p99_ns === "number");
  const cols = flood
    ? [...new Set([...metrics, ...VICTIMS])]
    : [...new Set([...metrics, ...LATENCY, ...OTHER])];
  if (flood) {
    out.push(
      wrap(
        "Victims (every group but the attacker) and the attacker apart; whole-run figures, " +
          "which mix them, are in summary.csv.",
      ),
      "",
    );
  }
  out.push(indent(headlineTable(ctx, cols)), "");
  const gt = groupTable(ctx);
  if (gt) {
    const where = pointText(ctx.focus, ctx.params, ctx.labels);
    out.push("p99 dispatch latency per port group", "-----------------------------------", "");
    if (where) out.push(wrap(`At the grid point with the highest p99: ${where}.`), "");
    out.push(indent(gt), "");
  }
  if (charts.length) {
    // Every chart has its SVG; a PNG (for mail) only where it was drawn (`pngs`; all if unset).
    out.push("Charts (charts/, interactive in report.html)", "-".repeat(44), "");
    for (const c of charts) {
      const ext = !pngs || pngs.has(c.name) ? "png" : "svg";
      out.push(wrap(`${c.name}.${ext}: ${c.title}`, PAGE, "- ", "  "));
    }
    out.push("");
  }
  const full = m.scenario_full ?? ctx.base;
  out.push("Scenario (resolved)", "-------------------", "");
  out.push(...scenarioLines(full, "  "), "");
  out.push("Reproduce", "---------", "", indent(wrapCommand(m.command)), "");
  return out.join("\n");
}

function indent(text: string): string {
  return text.split("\n").map((l) => (l ? `  ${l}` : l)).join("\n");
}
