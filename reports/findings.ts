/**
 * Findings computed from result rows: comparisons between ABIs stated with
 * their condition (grid point, group) and their 95% confidence intervals.
 * Nothing here is hard-coded: a finding appears only when the data shows it.
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { atPoint, pointText, type ReportContext } from "./context.ts";
import { distinct, pointKey } from "./load.ts";
import { fmtCi, fmtNsCi, fmtRatio, sig } from "./format.ts";
import { type Estimate, pairedDiff, summarize } from "./stats.ts";

/** One side of a comparison: an ABI at a grid point (a point key, see `pointKey`). */
export interface FindingSide {
  /** The ABI. */
  abi: string;
  /** The grid point's key. */
  point: string;
}

/**
 * What a finding asserts, in a form that can be checked again on other rows
 * (the robustness check re-evaluates it under every cost vector):
 * - `pair`: `metric` of `a` minus that of `b` (paired by replication) has sign `sign`;
 * - `count`: `abi` against `baseline` on `metric` over every grid point: the
 *   majority of significant points go `sign` (-1 lower, 1 higher, 0 none);
 * - `positive`: `metric` of `abi` at `point` is above 0;
 * - `none`: `metric` is 0 for every ABI of `abis` at every grid point.
 * `group` restricts a metric to one port group (groups.csv).
 */
export type FindingCheck =
  | { kind: "pair"; metric: string; group?: string; a: FindingSide; b: FindingSide; sign: 1 | -1 }
  | { kind: "count"; metric: string; abi: string; baseline: string; sign: 1 | -1 | 0 }
  | { kind: "positive"; metric: string; group?: string; abi: string; point: string }
  | { kind: "none"; metric: string; abis: string[] };

/** A finding: its sentence and what it asserts. */
export interface Finding {
  /** One sentence with its condition. */
  text: string;
  /** The assertion, checkable on other rows. */
  check: FindingCheck;
}

/**
 * A stable key of a finding's assertion, to match findings across result sets.
 *
 * @example
 * ```ts
 * import { findingKey } from "./findings.ts";
 * console.log(findingKey({ kind: "none", metric: "starved_events", abis: ["fifo"] }));
 * // "none|starved_events|fifo"
 * ```
 */
export function findingKey(c: FindingCheck): string {
  switch (c.kind) {
    case "pair":
      return `pair|${c.metric}|${c.group ?? ""}|${c.a.abi}@${c.a.point}|${c.b.abi}@${c.b.point}`;
    case "count":
      return `count|${c.metric}|${c.abi}|${c.baseline}`;
    case "positive":
      return `positive|${c.metric}|${c.group ?? ""}|${c.abi}@${c.point}`;
    case "none":
      return `none|${c.metric}|${c.abis.join(",")}`;
  }
}

/**
 * Whether a paired difference is significant at 95% (CI excludes 0); unknown CI counts as yes.
 *
 * @example
 * ```ts
 * import { significant } from "./findings.ts";
 * console.log(significant({ mean: 5, ci: 2, n: 5 }), significant({ mean: 1, ci: 2, n: 5 }));
 * // true false
 * ```
 */
export function significant(d: Estimate): boolean {
  if (!Number.isFinite(d.mean) || d.mean === 0) return false;
  return !Number.isFinite(d.ci) || Math.abs(d.mean) > d.ci;
}

function at(ctx: ReportContext, key: string): string {
  const t = pointText(key, ctx.params, ctx.labels);
  return t ? ` at ${t}` : "";
}

/** Per group at the focus point: the best ABI against the worst on p99 latency. */
function groupP99(ctx: ReportContext): Finding[] {
  const rows = atPoint(ctx.set.groups, ctx.params, ctx.focus);
  const out: Finding[] = [];
  for (const group of distinct(rows, "group")) {
    const est = summarize(rows.filter((r) => r.group === group), ["abi"], ["lat_p99_ns"])
      .filter((s) => Number.isFinite(s.est.lat_p99_ns.mean));
    if (est.length < 2) continue;
    est.sort((a, b) => a.est.lat_p99_ns.mean - b.est.lat_p99_ns.mean);
    const best = est[0], worst = est[est.length - 1];
    const b = best.est.lat_p99_ns, w = worst.est.lat_p99_ns;
    const ratio = w.mean / b.mean;
    if (!(ratio >= 1.2)) continue;
    if (!significant(pairedDiff(worst.rows, best.rows, "lat_p99_ns"))) continue;
    out.push({
      text: `${best.keys.abi} p99 dispatch latency for group ${group}: ${fmtNsCi(b.mean, b.ci)} ` +
        `vs ${worst.keys.abi} ${fmtNsCi(w.mean, w.ci)} (${fmtRatio(ratio)} lower)` +
        `${at(ctx, ctx.focus)}.`,
      check: {
        kind: "pair",
        metric: "lat_p99_ns",
        group: String(group),
        a: { abi: String(best.keys.abi), point: ctx.focus },
        b: { abi: String(worst.keys.abi), point: ctx.focus },
        sign: -1,
      },
    });
  }
  return out;
}

/**
 * `abi` against `baseline` on `metric` at every grid point: the number of points where it is
 * significantly lower and higher (95% paired CI), and the relative differences there.
 *
 * @example
 * ```ts
 * import { countVsBaseline } from "./findings.ts";
 * import { buildContext } from "./context.ts";
 * const row = (abi: string, replication: number, x: number) => ({ abi, replication, x });
 * const ctx = buildContext({ dir: ".", manifest: { scenario: "s", command: "c", resolved: {},
 *   params: [] }, summary: [row("2l", 0, 10), row("2l", 1, 11), row("fifo", 0, 5),
 *   row("fifo", 1, 6)], groups: [], priorities: [] });
 * console.log(countVsBaseline(ctx, "fifo", "2l", "x").lower); // 1
 * ```
 */
export function countVsBaseline(
  ctx: ReportContext,
  abi: string,
  baseline: string,
  metric: string,
): { lower: number; higher: number; rel: number[]; points: number } {
  const keys = [...new Set(ctx.set.summary.map((r) => pointKey(r, ctx.params)))];
  let lower = 0, higher = 0;
  const rel: number[] = [];
  for (const k of keys) {
    const rows = atPoint(ctx.set.summary, ctx.params, k);
    const a = rows.filter((r) => r.abi === abi), b = rows.filter((r) => r.abi === baseline);
    const d = pairedDiff(a, b, metric);
    const bm = summarize(b, [], [metric])[0]?.est[metric].mean;
    if (!significant(d) || !(bm > 0)) continue;
    if (d.mean < 0) lower++;
    else higher++;
    rel.push(d.mean / bm);
  }
  return { lower, higher, rel, points: keys.length };
}

/** Each ABI against the baseline on mean latency over every grid point. */
function meanVsBaseline(ctx: ReportContext): Finding[] {
  if (ctx.points < 2) return [];
  const out: Finding[] = [];
  for (const abi of ctx.abis) {
    if (abi === ctx.baseline) continue;
    const metric = "lat_mean_ns";
    const { lower, higher, rel, points } = countVsBaseline(ctx, abi, ctx.baseline, metric);
    const check = (sign: 1 | -1 | 0): FindingCheck => ({
      kind: "count",
      metric,
      abi,
      baseline: ctx.baseline,
      sign,
    });
    if (lower + higher === 0) {
      out.push({
        text: `${abi} mean dispatch latency is not distinguishable from ${ctx.baseline} ` +
          `at any of the ${points} grid points (95% paired CI).`,
        check: check(0),
      });
      continue;
    }
    const pct = rel.map((x) => Math.abs(x) * 100);
    const [pl, ph] = [sig(Math.min(...pct), 2), sig(Math.max(...pct), 2)];
    const range = pl === ph
      ? `${pl}%`
      : `${sig(Math.min(...pct), 2)}% to ${sig(Math.max(...pct), 2)}%`;
    const dir = lower >= higher ? "lower" : "higher";
    out.push({
      text: `${abi} mean dispatch latency is ${dir} than ${ctx.baseline} at ` +
        `${Math.max(lower, higher)} of ${points} grid points (by ${range}, 95% paired CI)` +
        (lower > 0 && higher > 0 ? `; ${Math.min(lower, higher)} go the other way.` : "."),
      check: check(lower >= higher ? -1 : 1),
    });
  }
  return out;
}

/** Starvation: the worst grid point of each ABI, and the ABIs that never starve. */
function starvation(ctx: ReportContext): Finding[] {
  const rows = ctx.set.groups.length ? ctx.set.groups : ctx.set.summary;
  const limit = ctx.base.starvation_ms ?? 10;
  const est = summarize(rows, [...ctx.params, "abi", "group"], ["starved_events"]);
  const out: Finding[] = [];
  const never: string[] = [];
  for (const abi of ctx.abis) {
    const mine = est.filter((s) => s.keys.abi === abi && s.est.starved_events.mean > 0);
    if (mine.length === 0) {
      never.push(abi);
      continue;
    }
    mine.sort((a, b) => b.est.starved_events.mean - a.est.starved_events.mean);
    const w = mine[0];
    const g = w.keys.group !== undefined ? ` in group ${w.keys.group}` : "";
    const point = pointKey(w.keys, ctx.params);
    out.push({
      text: `${abi} starved ${fmtCi(w.est.starved_events.mean, w.est.starved_events.ci)} events ` +
        `per run${g} (waits over ${limit} ms)${at(ctx, point)}.`,
      check: {
        kind: "positive",
        metric: "starved_events",
        ...(w.keys.group !== undefined ? { group: String(w.keys.group) } : {}),
        abi,
        point,
      },
    });
  }
  if (out.length > 0 && never.length > 0) {
    out.push({
      text: `${never.join(", ")} starved no event at any grid point (waits over ${limit} ms).`,
      check: { kind: "none", metric: "starved_events", abis: never },
    });
  }
  return out;
}

/** Fairness at the focus point: the least and most fair ABI. */
function fairness(ctx: ReportContext): Finding[] {
  const est = summarize(atPoint(ctx.set.summary, ctx.params, ctx.focus), ["abi"], [
    "jain_latency",
  ]).filter((s) => Number.isFinite(s.est.jain_latency.mean));
  if (est.length < 2) return [];
  est.sort((a, b) => a.est.jain_latency.mean - b.est.jain_latency.mean);
  const lo = est[0], hi = est[est.length - 1];
  if (!significant(pairedDiff(hi.rows, lo.rows, "jain_latency"))) return [];
  if (hi.est.jain_latency.mean - lo.est.jain_latency.mean < 0.02) return [];
  return [{
    text: `Fairness (Jain index of per-port mean latency, 1 = fair): ${hi.keys.abi} ` +
      `${fmtCi(hi.est.jain_latency.mean, hi.est.jain_latency.ci)} vs ${lo.keys.abi} ` +
      `${fmtCi(lo.est.jain_latency.mean, lo.est.jain_latency.ci)}${at(ctx, ctx.focus)}.`,
    check: {
      kind: "pair",
      metric: "jain_latency",
      a: { abi: String(hi.keys.abi), point: ctx.focus },
      b: { abi: String(lo.keys.abi), point: ctx.focus },
      sign: 1,
    },
  }];
}

/** Guest overhead per event as the bound ports grow. */
function overhead(ctx: ReportContext): Finding[] {
  const param = ctx.numeric.find((p) => /(^|\.)ports$/.test(p));
  if (!param) return [];
  const vals = distinct(ctx.set.summary, param) as number[];
  const lo = vals[0], hi = vals[vals.length - 1];
  const others = ctx.params.filter((p) => p !== param);
  // Hold the other parameters at the focus point's values.
  const focusVals = JSON.parse(ctx.focus) as unknown[];
  const keep = (r: CsvRow) =>
    others.every((p) => r[p] === focusVals[ctx.params.indexOf(p)] || r[p] === undefined);
  const cond = others.map((p) => `${ctx.labels[p]} = ${focusVals[ctx.params.indexOf(p)]}`);
  const out: Finding[] = [];
  for (const abi of ctx.abis) {
    const rows = ctx.set.summary.filter((r) => r.abi === abi && keep(r));
    // Only points where every port bound: past an ABI's limit the overhead is that of the few
    // ports it could bind, not of the ports asked for.
    const bound = vals.filter((v) =>
      rows.some((r) => r[param] === v) &&
      rows.filter((r) => r[param] === v).every((r) => r.bind_failures === 0)
    );
    const top = bound.length ? bound[bound.length - 1] : lo;
    if (top === lo) continue;
    const a = summarize(rows.filter((r) => r[param] === lo), [], ["overhead_ns_per_event"])[0];
    const b = summarize(rows.filter((r) => r[param] === top), [], ["overhead_ns_per_event"])[0];
    if (!a || !b) continue;
    const x = a.est.overhead_ns_per_event, y = b.est.overhead_ns_per_event;
    if (!(x.mean > 0 && y.mean > 0)) continue;
    const r = y.mean / x.mean;
    if (r < 1.5 && r > 1 / 1.5) continue;
    const pointOf = (v: string | number) => {
      const row = rows.find((q) => q[param] === v);
      return row ? pointKey(row, ctx.params) : "";
    };
    out.push({
      text: `${abi} guest overhead per event ${r > 1 ? "grows" : "falls"} from ` +
        `${fmtNsCi(x.mean, x.ci)} to ${fmtNsCi(y.mean, y.ci)} (${fmtRatio(r > 1 ? r : 1 / r)}) ` +
        `as ${ctx.labels[param]} goes from ${lo} to ${top}` +
        (top !== hi ? ` (its limit: it cannot bind ${hi})` : "") +
        (cond.length ? ` (${cond.join(", ")})` : "") + ".",
      check: {
        kind: "pair",
        metric: "overhead_ns_per_event",
        a: { abi, point: pointOf(top) },
        b: { abi, point: pointOf(lo) },
        sign: r > 1 ? 1 : -1,
      },
    });
  }
  return out;
}

/** Bind failures: the ABIs that hit their port limit. */
function capacity(ctx: ReportContext): Finding[] {
  const est = summarize(ctx.set.summary, [...ctx.params, "abi"], ["bind_failures"]);
  const out: Finding[] = [];
  for (const abi of ctx.abis) {
    const mine = est.filter((s) => s.keys.abi === abi && s.est.bind_failures.mean > 0);
    if (mine.length === 0) continue;
    mine.sort((a, b) => a.est.bind_failures.mean - b.est.bind_failures.mean);
    const first = mine[0];
    const point = pointKey(first.keys, ctx.params);
    out.push({
      text: `${abi} failed to bind ${sig(first.est.bind_failures.mean)} of the requested ports` +
        `${at(ctx, point)}` +
        (mine.length > 1 ? `, and failed binds at ${mine.length - 1} more grid point(s)` : "") +
        ".",
      check: { kind: "positive", metric: "bind_failures", abi, point },
    });
  }
  return out;
}

/**
 * Findings computed from the results, each one sentence with its condition.
 *
 * @example
 * ```ts
 * import { buildFindings } from "./findings.ts";
 * import { buildContext } from "./context.ts";
 * // const findings = buildFindings(buildContext(loadResults("results/default")));
 * console.log(typeof buildFindings, typeof buildContext); // "function" "function"
 * ```
 */
export function buildFindings(ctx: ReportContext): string[] {
  return buildFindingList(ctx).map((f) => f.text);
}

/**
 * Findings with what each asserts (see {@linkcode FindingCheck}).
 *
 * @example
 * ```ts
 * import { buildFindingList } from "./findings.ts";
 * // for (const f of buildFindingList(ctx)) console.log(f.text, f.check.kind);
 * console.log(typeof buildFindingList); // "function"
 * ```
 */
export function buildFindingList(ctx: ReportContext): Finding[] {
  if (ctx.set.summary.length === 0) return [];
  return [
    ...groupP99(ctx),
    ...meanVsBaseline(ctx),
    ...starvation(ctx),
    ...fairness(ctx),
    ...overhead(ctx),
    ...capacity(ctx),
  ];
}
