/**
 * Robustness of the findings to the cost model (README: Robustness to the
 * cost model). From the rows of every cost vector (robust/*.csv, written by
 * `--robust`), each finding's assertion is checked again: does it keep its
 * sign and significance? A finding that fails in some vectors is described
 * by the one cost field that separates them ("reverses when upcall_ns >
 * 3.4 µs") when one does, else by the field its effect follows most closely.
 * The sensitivity of each headline metric to each cost field is Spearman's
 * rank correlation over the vectors. Reports never simulate: this reads rows.
 *
 * @module
 */

import { atPoint, buildContext, type ReportContext } from "./context.ts";
import { type CsvRow, fromCsv } from "./csv.ts";
import { ALPHA, differenceMatters, type Finding, type FindingsResult } from "./findings.ts";
import { fmtNs, sig, textTable } from "./format.ts";
import { type Chart, type LinePoint, lineSpec } from "./charts.ts";
import { pointKey } from "./load.ts";
import { type Estimate, holm, pairedDiff, pValue, summarize } from "./stats.ts";
import jstat from "jstat";
import { t95 } from "./aggregate.ts";

/** One side of a comparison: an ABI at a grid point (a point key, see `pointKey`). */
export interface CheckSide {
  /** The ABI. */
  abi: string;
  /** The grid point's key. */
  point: string;
}

/**
 * What a finding asserts, in a form checked again on the rows of every cost vector:
 * - `pair`: `metric` of `a` minus that of `b` (paired by replication) has sign `sign` and a
 *   95% confidence interval that excludes 0;
 * - `positive`: `metric` of `abi` at `point` is above 0 (bind failures, a host's refused guests);
 * - `nodiff`: no paired difference of `metric` between `a` and `b` passes the report's own
 *   test (Holm over the points at {@linkcode ALPHA} and the practical threshold), at every
 *   grid point when the points are "".
 * `group` restricts the metric to one port group (groups.csv).
 */
export type FindingCheck =
  | { kind: "pair"; metric: string; group?: string; a: CheckSide; b: CheckSide; sign: 1 | -1 }
  | { kind: "positive"; metric: string; abi: string; point: string }
  | { kind: "nodiff"; metric: string; group?: string; a: CheckSide; b: CheckSide };

/**
 * What a structured finding asserts (see {@linkcode FindingCheck}).
 *
 * @example
 * ```ts
 * import { checkOf } from "./robustness.ts";
 * const e = { mean: 1, ci: 0, n: 2 };
 * const c = checkOf({ kind: "abi", metric: "lat_p99_ns", answer: true, abis: ["fifo", "2l"],
 *   points: ["[]", "[]"], direction: "lower", a: e, b: e, diff: e, effect: 0.5,
 *   significant: true, text: "" });
 * console.log(c.kind); // "pair"
 * ```
 */
export function checkOf(f: Finding): FindingCheck {
  const a = { abi: f.abis[0], point: f.points[0] }, b = { abi: f.abis[1], point: f.points[1] };
  const group = f.group !== undefined ? { group: f.group } : {};
  // A flagged point: its limit (bind failures, or a host's refused guests) is still above 0.
  if (f.kind === "flag") return { kind: "positive", metric: f.metric, ...a };
  if (f.kind === "none" || f.direction === "same") {
    return { kind: "nodiff", metric: f.metric, ...group, a, b };
  }
  return { kind: "pair", metric: f.metric, ...group, a, b, sign: f.direction === "lower" ? -1 : 1 };
}

/**
 * A stable key of an assertion, to match findings across result sets.
 *
 * @example
 * ```ts
 * import { checkKey } from "./robustness.ts";
 * console.log(checkKey({ kind: "positive", metric: "bind_failures", abi: "2l:32", point: "[]" }));
 * // "positive|bind_failures||2l:32@[]"
 * ```
 */
export function checkKey(c: FindingCheck): string {
  if (c.kind === "positive") return `positive|${c.metric}||${c.abi}@${c.point}`;
  return `${c.kind}|${c.metric}|${c.group ?? ""}|${c.a.abi}@${c.a.point}|${c.b.abi}@${c.b.point}`;
}

/** Whether a paired difference's 95% interval excludes 0 (an unknown interval counts as yes). */
function significant(d: Estimate): boolean {
  if (!Number.isFinite(d.mean) || d.mean === 0) return false;
  return !Number.isFinite(d.ci) || Math.abs(d.mean) > d.ci;
}

/** The robustness design as written in robust/design.json. */
export interface RobustDesignInfo {
  /** Sampling method. */
  method: string;
  /** Number of cost vectors. */
  vectors: number;
  /** Fields varied and their ranges (ns). */
  varied: { field: string; low: number; high: number }[];
  /** Fields held fixed and why. */
  held: { field: string; why: string }[];
  /** Each vector's value of every varied field (ns). */
  costs: Record<string, number>[];
}

/** The rows of a robustness check: one set of summary and group rows per cost vector. */
export interface RobustData {
  /** robust/design.json. */
  design: RobustDesignInfo;
  /** robust/summary.csv rows (with `cost_vector`). */
  summary: CsvRow[];
  /** robust/groups.csv rows (with `cost_vector`). */
  groups: CsvRow[];
}

/**
 * Load `robust/` of a results folder, or undefined when it has none.
 *
 * @example
 * ```ts
 * import { loadRobust } from "./robustness.ts";
 * console.log(loadRobust("/nonexistent")); // undefined
 * ```
 */
export function loadRobust(dir: string): RobustData | undefined {
  let design: RobustDesignInfo;
  try {
    design = JSON.parse(Deno.readTextFileSync(`${dir}/robust/design.json`));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  const read = (name: string) => {
    try {
      return fromCsv(Deno.readTextFileSync(`${dir}/robust/${name}`));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
  };
  return { design, summary: read("summary.csv"), groups: read("groups.csv") };
}

/** A finding's assertion checked on one set of rows. */
export interface Evaluation {
  /** The measured effect: a paired difference, a count difference or a level. */
  effect: number;
  /** Sign of the effect (-1, 0, 1). */
  sign: number;
  /** Whether the effect passes the finding's test. */
  significant: boolean;
  /** Whether the finding holds: same sign and significance as asserted. */
  holds: boolean;
}

/**
 * Check a finding's assertion on the rows of `ctx`.
 *
 * @example
 * ```ts
 * import { evaluateCheck } from "./robustness.ts";
 * import { buildContext } from "./context.ts";
 * const ctx = buildContext({ dir: ".", manifest: { scenario: "s", command: "c", resolved: {},
 *   params: [] }, summary: [{ abi: "2l", replication: 0, bind_failures: 3 }], groups: [],
 *   priorities: [] });
 * const e = evaluateCheck({ kind: "positive", metric: "bind_failures", abi: "2l", point: "[]" },
 *   ctx);
 * console.log(e.holds); // true
 * ```
 */
export function evaluateCheck(check: FindingCheck, ctx: ReportContext): Evaluation {
  switch (check.kind) {
    case "pair": {
      const d = diffOf(ctx, check.metric, check.group, check.a, check.b);
      const sign = Number.isFinite(d.mean) ? Math.sign(d.mean) : 0;
      const sg = significant(d);
      return { effect: d.mean, sign, significant: sg, holds: sg && sign === check.sign };
    }
    case "positive": {
      const rows = atPoint(ctx.set.summary, ctx.params, check.point)
        .filter((r) => r.abi === check.abi);
      const m = summarize(rows, [], [check.metric])[0]?.est[check.metric].mean ?? NaN;
      const pos = m > 0;
      return { effect: m, sign: pos ? 1 : 0, significant: pos, holds: pos };
    }
    case "nodiff": {
      // The same test the report applies before it says "no difference": Holm over the points
      // compared at ALPHA, and a difference counts only past the practical threshold.
      const points = check.a.point === ""
        ? [...new Set(ctx.set.summary.map((r) => pointKey(r, ctx.params)))]
        : [check.a.point];
      const tests = points.map((p) => {
        const a = { ...check.a, point: p };
        const b = { ...check.b, point: check.a.point === "" ? p : check.b.point };
        const d = diffOf(ctx, check.metric, check.group, a, b);
        const ea = sideEstimate(ctx, check.metric, check.group, a);
        const eb = sideEstimate(ctx, check.metric, check.group, b);
        return { d, matters: differenceMatters(check.metric, ea, eb, d) };
      });
      const rejected = holm(tests.map((t) => t.d.p ?? pValue(t.d)), ALPHA);
      const any = tests.some((t, i) => rejected[i] && t.matters);
      let worst: Estimate = tests[0]?.d ?? { mean: 0, ci: NaN, n: 0 };
      for (const t of tests) if (Math.abs(t.d.mean) > Math.abs(worst.mean)) worst = t.d;
      const sign = Number.isFinite(worst.mean) ? Math.sign(worst.mean) : 0;
      return { effect: worst.mean, sign, significant: any, holds: !any };
    }
  }
}

/** The rows of one side (whole runs, or one group's rows) at its grid point. */
function sideRows(ctx: ReportContext, group: string | undefined, s: CheckSide): CsvRow[] {
  const rows = group === undefined
    ? ctx.set.summary
    : ctx.set.groups.filter((r) => String(r.group) === group);
  return atPoint(rows, ctx.params, s.point).filter((r) => r.abi === s.abi);
}

/** The mean of `metric` on one side, over replications. */
function sideEstimate(
  ctx: ReportContext,
  metric: string,
  group: string | undefined,
  s: CheckSide,
): Estimate {
  return summarize(sideRows(ctx, group, s), [], [metric])[0]?.est[metric] ??
    { mean: NaN, ci: NaN, n: 0 };
}

/** The paired difference of `metric` between two sides (whole runs, or one group). */
function diffOf(
  ctx: ReportContext,
  metric: string,
  group: string | undefined,
  a: CheckSide,
  b: CheckSide,
): Estimate {
  return pairedDiff(sideRows(ctx, group, a), sideRows(ctx, group, b), metric);
}

/**
 * Spearman's rank correlation of two equally long samples (average ranks for ties);
 * NaN when either is constant.
 *
 * @example
 * ```ts
 * import { spearman } from "./robustness.ts";
 * console.log(spearman([1, 2, 3, 4], [10, 20, 30, 25])); // 0.8
 * ```
 */
export function spearman(xs: readonly number[], ys: readonly number[]): number {
  const rx = ranks(xs), ry = ranks(ys);
  const n = rx.length;
  if (n < 2) return NaN;
  const mx = rx.reduce((a, b) => a + b, 0) / n, my = ry.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : NaN;
}

function ranks(xs: readonly number[]): number[] {
  const idx = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && xs[idx[j + 1]] === xs[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/**
 * Whether a rank correlation over `n` samples differs from 0 at 95% (t test on
 * `rho * sqrt((n - 2) / (1 - rho^2))`, n - 2 degrees of freedom), when it is
 * the largest of `fields` correlations, one per cost field tried: the level
 * is then Bonferroni's 5% / `fields` (two-sided), so that among many fields
 * one that correlates by chance is not named as the cause. With 8 vectors
 * and 22 fields, a single field needs |ρ| above about 0.9 instead of 0.71. A
 * perfect order (|ρ| = 1) is judged by its exact chance, 2 / n!.
 *
 * @example
 * ```ts
 * import { rhoSignificant } from "./robustness.ts";
 * console.log(rhoSignificant(0.9, 10), rhoSignificant(0.3, 10)); // true false
 * console.log(rhoSignificant(0.75, 8), rhoSignificant(0.75, 8, 22)); // true false
 * console.log(rhoSignificant(1, 4, 22), rhoSignificant(1, 8, 22)); // false true
 * ```
 */
export function rhoSignificant(rho: number, n: number, fields = 1): boolean {
  if (!Number.isFinite(rho) || n < 3) return false;
  if (Math.abs(rho) >= 1) {
    // The t statistic is infinite; the exact chance of a perfect order among
    // n untied values is 2 / n! (either direction), at the same level: with
    // 4 vectors (2 / 24) not even one field alone, with 22 fields from 7 on.
    let orders = 1;
    for (let k = 2; k <= n; k++) orders *= k;
    return 2 / orders < 0.05 / Math.max(1, fields);
  }
  const crit = fields <= 1 ? t95(n - 1) : jstat.studentt.inv(1 - 0.025 / fields, n - 2);
  return Math.abs(rho) * Math.sqrt((n - 2) / (1 - rho * rho)) > crit;
}

/** Where a finding stops holding along one cost field. */
export interface Threshold {
  /** The cost field. */
  field: string;
  /** The estimated value (ns) where the finding stops holding. */
  value: number;
  /** The finding holds below `value` ("below") or above it ("above"). */
  holdsWhere: "below" | "above";
  /** Whether it reverses (significant, opposite sign) past `value`, or only fades. */
  reverses: boolean;
}

/** One bullet of the findings (one or more structured findings) under every cost vector. */
export interface FindingRobustness {
  /** The bullet's sentence. */
  text: string;
  /** Its structured findings. */
  findings: Finding[];
  /** What each asserts. */
  checks: FindingCheck[];
  /** Each check under each cost vector (`[check][vector]`). */
  perCheck: Evaluation[][];
  /**
   * The bullet under each cost vector: it holds when every check holds; its effect and
   * sign are those of the first check (the bullet's leading comparison).
   */
  evaluations: Evaluation[];
  /** In how many vectors it holds. */
  holds: number;
  /** The single cost field that separates holding from failing vectors, if one does. */
  threshold?: Threshold;
  /** The cost field its effect follows most closely (largest |Spearman ρ|). */
  field?: string;
  /** That correlation. */
  rho?: number;
  /** The tag shown beside the finding. */
  tag: string;
}

/** The cost field that most changes one headline metric of one ABI. */
export interface Sensitivity {
  /** Metric column. */
  metric: string;
  /** ABI. */
  abi: string;
  /** The cost field with the largest |Spearman ρ|. */
  field: string;
  /** Its ρ. */
  rho: number;
  /** Whether |ρ| differs from 0 at 95% with this many vectors. */
  significant: boolean;
  /** The metric's smallest and largest mean over the vectors. */
  min: number;
  /** See `min`. */
  max: number;
}

/** Everything the report shows of a robustness check. */
export interface Robustness {
  /** The design. */
  design: RobustDesignInfo;
  /** Per finding, in the findings' order. */
  findings: FindingRobustness[];
  /** Per headline metric and ABI. */
  sensitivity: Sensitivity[];
  /** robustness.csv: one row per finding and cost vector. */
  rows: CsvRow[];
  /** The chart of the headline metric against its most influential field, or none. */
  chart?: Chart;
}

/** The metrics whose most influential cost field is named. */
const SENSITIVITY_METRICS: readonly [string, string][] = [
  ["lat_mean_ns", "mean latency"],
  ["lat_p99_ns", "p99 latency"],
  ["overhead_ns_per_event", "overhead/event"],
];

/** The headline metric of the chart. */
const CHART_METRIC = "lat_p99_ns";

/** A finding's evaluation along one field: the threshold when the field separates them. */
function thresholdOf(
  xs: readonly number[],
  ev: readonly Evaluation[],
  field: string,
): Threshold | undefined {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a] - xs[b]);
  const h = order.map((i) => ev[i].holds);
  const cut = h.findIndex((x) => x !== h[0]);
  if (cut <= 0 || h.slice(cut).some((x) => x === h[0])) return undefined;
  if (xs[order[cut - 1]] === xs[order[cut]]) return undefined;
  const i = order[cut - 1], j = order[cut];
  const [ei, ej] = [ev[i].effect, ev[j].effect];
  // Linear interpolation of the effect's zero crossing between the two vectors that
  // straddle the change; the midpoint when the effect keeps its sign across it.
  const t = Number.isFinite(ei) && Number.isFinite(ej) && Math.sign(ei) !== Math.sign(ej)
    ? xs[i] + (xs[j] - xs[i]) * ei / (ei - ej)
    : (xs[i] + xs[j]) / 2;
  const failing = order.filter((k) => !ev[k].holds);
  const asserted = h[0] ? ev[order[0]].sign : ev[order[order.length - 1]].sign;
  const reverses = failing.some((k) => ev[k].significant && ev[k].sign !== asserted);
  return { field, value: t, holdsWhere: h[0] ? "below" : "above", reverses };
}

function tagOf(f: Omit<FindingRobustness, "tag">, n: number, fields: number): string {
  const base = `holds in ${f.holds} of ${n} cost vectors`;
  if (f.holds === n) return base;
  const t = f.threshold;
  if (t) {
    const verb = t.reverses ? "reverses" : "loses significance";
    const op = t.holdsWhere === "below" ? ">" : "<";
    return `${base}; ${verb} when ${t.field} ${op} ${fmtNs(t.value)}`;
  }
  if (f.field && f.rho !== undefined && rhoSignificant(f.rho, n, fields)) {
    return `${base}; follows ${f.field} most (ρ ${sig(f.rho, 2)})`;
  }
  return `${base}; no single cost field explains it at ${n} vectors`;
}

/** Checks under every cost vector: per check, the bullet's evaluations, holds and threshold. */
function assessChecks(
  checks: readonly FindingCheck[],
  vctx: readonly ReportContext[],
  d: RobustDesignInfo,
): Omit<FindingRobustness, "text" | "findings" | "checks" | "tag"> {
  const n = d.costs.length;
  const fields = d.varied.map((f) => f.field);
  const xOf = (field: string) => d.costs.map((c) => c[field]);
  const perCheck = checks.map((c) => vctx.map((x) => evaluateCheck(c, x)));
  const evaluations: Evaluation[] = vctx.map((_, v) => {
    const first = perCheck[0]?.[v] ?? { effect: NaN, sign: 0, significant: false, holds: true };
    return { ...first, holds: perCheck.every((e) => e[v].holds) };
  });
  const holds = evaluations.filter((e) => e.holds).length;
  const effects = evaluations.map((e) => e.effect);
  let field: string | undefined, rho: number | undefined;
  for (const f of fields) {
    const r = spearman(xOf(f), effects);
    if (Number.isFinite(r) && (rho === undefined || Math.abs(r) > Math.abs(rho))) {
      [field, rho] = [f, r];
    }
  }
  let threshold: Threshold | undefined;
  if (holds < n && holds > 0) {
    // Of the fields that separate holding from failing vectors, the one the effect follows.
    // With few vectors and many fields, some field separates them by chance: a threshold is
    // stated only when the effect's rank correlation with that field is significant too.
    let best = -1;
    for (const f of fields) {
      const t = thresholdOf(xOf(f), evaluations, f);
      const r = Math.abs(spearman(xOf(f), effects));
      if (t && rhoSignificant(r, n, fields.length) && r > best) [threshold, best] = [t, r];
    }
  }
  return { perCheck, evaluations, holds, threshold, field, rho };
}

/**
 * Whether a finding is fragile: it holds in fewer than half of the cost vectors, or it reverses
 * or loses significance at a value of a cost field inside the middle half of the field's range
 * (the range is drawn around the default, so the finding changes near the default).
 *
 * @example
 * ```ts
 * import { isFragile } from "./robustness.ts";
 * const design = { method: "lhs", vectors: 8, varied: [], held: [], costs: Array(8).fill({}) };
 * console.log(isFragile({ holds: 1 }, design), isFragile({ holds: 8 }, design)); // true false
 * ```
 */
export function isFragile(
  f: Pick<FindingRobustness, "holds" | "threshold">,
  design: RobustDesignInfo,
): boolean {
  const n = design.costs.length;
  if (f.holds * 2 < n) return true;
  const t = f.threshold;
  if (!t) return false;
  const r = design.varied.find((v) => v.field === t.field);
  if (!r) return false;
  const q = (r.high - r.low) / 4;
  return t.value >= r.low + q && t.value <= r.high - q;
}

/**
 * The Answer's comparisons (by `comparisonKey` of answer.ts) that are fragile across the cost
 * vectors (see {@linkcode isFragile}): a difference must keep its sign and significance, a
 * "the same" must stay free of a difference passing the report's test.
 *
 * @example
 * ```ts
 * import { fragileAnswers } from "./robustness.ts";
 * // const weak = fragileAnswers(ctx, loadRobust(dir)!, computeAnswer(ctx).comparisons);
 * console.log(typeof fragileAnswers); // "function"
 * ```
 */
export function fragileAnswers(
  ctx: ReportContext,
  data: RobustData,
  comparisons: readonly {
    metric: string;
    group?: string;
    abi: string;
    ref: string;
    point: string;
    refPoint: string;
    verdict: string;
  }[],
): Set<string> {
  const vctx = data.design.costs.map((_, v) => vectorContext(ctx, data, v));
  const out = new Set<string>();
  for (const c of comparisons) {
    if (c.verdict === "unknown") continue;
    const a = { abi: c.abi, point: c.point }, b = { abi: c.ref, point: c.refPoint };
    const group = c.group !== undefined ? { group: c.group } : {};
    const check: FindingCheck = c.verdict === "same"
      ? { kind: "nodiff", metric: c.metric, ...group, a, b }
      : { kind: "pair", metric: c.metric, ...group, a, b, sign: c.verdict === "lower" ? -1 : 1 };
    if (isFragile(assessChecks([check], vctx, data.design), data.design)) {
      out.add(`${c.metric}|${c.group ?? ""}|${c.abi}@${c.point}|${c.ref}@${c.refPoint}`);
    }
  }
  return out;
}

/**
 * The "Fragile findings" section of report.md: findings moved out of the list because they do
 * not hold across the cost model (see {@linkcode isFragile}), each with its tag. Empty when none.
 *
 * @example
 * ```ts
 * import { fragileText } from "./robustness.ts";
 * // const lines = fragileText(assessRobustness(ctx, data, findings), wrap);
 * console.log(typeof fragileText); // "function"
 * ```
 */
export function fragileText(
  r: Robustness,
  wrap: (text: string, width?: number, first?: string, indent?: string) => string,
): string[] {
  const list = r.findings.filter((f) => isFragile(f, r.design));
  if (list.length === 0) return [];
  const out = ["Fragile findings", "-".repeat(16), ""];
  out.push(
    wrap(
      `These hold in fewer than half of the ${r.design.costs.length} cost vectors, or change ` +
        `near the default costs (inside the middle half of a cost field's range): they ` +
        `depend on the cost model more than on the design.`,
    ),
    "",
  );
  for (const f of list) out.push(wrap(`${f.text} [${f.tag}]`, 78, "- ", "  "));
  out.push("");
  return out;
}

/** The rows of cost vector `v`, as a result set with the base's manifest. */
function vectorContext(ctx: ReportContext, data: RobustData, v: number): ReportContext {
  const pick = (rows: CsvRow[]) =>
    rows.filter((r) => r.cost_vector === v).map(({ cost_vector: _, ...r }) => r);
  return buildContext({ ...ctx.set, summary: pick(data.summary), groups: pick(data.groups) });
}

/**
 * Check every finding under every cost vector, name the cost field that most
 * changes each headline metric, and build robustness.csv and the chart.
 *
 * @example
 * ```ts
 * import { assessRobustness } from "./robustness.ts";
 * // const r = assessRobustness(ctx, loadRobust(dir)!, computeFindings(ctx));
 * console.log(typeof assessRobustness); // "function"
 * ```
 */
export function assessRobustness(
  ctx: ReportContext,
  data: RobustData,
  result: FindingsResult,
): Robustness {
  const d = data.design;
  const n = d.costs.length;
  const vctx = d.costs.map((_, v) => vectorContext(ctx, data, v));
  const fields = d.varied.map((f) => f.field);
  const xOf = (field: string) => d.costs.map((c) => c[field]);
  const out: FindingRobustness[] = result.text.map((text) => {
    const findings = result.findings.filter((f) => f.text === text);
    const checks = findings.map(checkOf);
    const f = { text, findings, checks, ...assessChecks(checks, vctx, d) };
    return { ...f, tag: tagOf(f, n, d.varied.length) };
  });

  const sensitivity: Sensitivity[] = [];
  const means = (metric: string, abi: string) =>
    vctx.map((c) => {
      const rows = atPoint(c.set.summary, ctx.params, ctx.focus).filter((r) => r.abi === abi);
      return summarize(rows, [], [metric])[0]?.est[metric] ?? { mean: NaN, ci: NaN, n: 0 };
    });
  for (const [metric] of SENSITIVITY_METRICS) {
    for (const abi of ctx.abis) {
      const ys = means(metric, abi).map((e) => e.mean);
      if (!ys.every(Number.isFinite)) continue;
      let best: Sensitivity | undefined;
      for (const f of fields) {
        const r = spearman(xOf(f), ys);
        if (!Number.isFinite(r)) continue;
        if (!best || Math.abs(r) > Math.abs(best.rho)) {
          best = {
            metric,
            abi,
            field: f,
            rho: r,
            significant: rhoSignificant(r, n, fields.length),
            min: Math.min(...ys),
            max: Math.max(...ys),
          };
        }
      }
      if (best) sensitivity.push(best);
    }
  }

  const rows: CsvRow[] = [];
  out.forEach((f, i) => {
    f.checks.forEach((c, k) => {
      f.perCheck[k].forEach((e, v) => {
        rows.push({
          finding: i + 1,
          key: checkKey(c),
          kind: c.kind,
          metric: c.metric,
          cost_vector: v,
          ...Object.fromEntries(fields.map((x) => [x, d.costs[v][x]])),
          effect: Number.isFinite(e.effect) ? e.effect : "",
          sign: e.sign,
          significant: e.significant ? 1 : 0,
          holds: e.holds ? 1 : 0,
        });
      });
    });
  });

  return { design: d, findings: out, sensitivity, rows, chart: chartOf(ctx, sensitivity, vctx, d) };
}

/** The headline metric at the focus point against its most influential cost field, per ABI. */
function chartOf(
  ctx: ReportContext,
  sensitivity: readonly Sensitivity[],
  vctx: readonly ReportContext[],
  d: RobustDesignInfo,
): Chart | undefined {
  const mine = sensitivity.filter((s) => s.metric === CHART_METRIC);
  if (mine.length === 0 || vctx.length < 2) return undefined;
  // One x axis for every ABI: the field with the largest mean |ρ| over the ABIs.
  const score = new Map<string, number>();
  for (const s of mine) score.set(s.field, (score.get(s.field) ?? 0) + Math.abs(s.rho));
  const field = [...score.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  const points: LinePoint[] = [];
  for (const abi of ctx.abis) {
    vctx.forEach((c, v) => {
      const rows = atPoint(c.set.summary, ctx.params, ctx.focus).filter((r) => r.abi === abi);
      const e = summarize(rows, [], [CHART_METRIC])[0]?.est[CHART_METRIC];
      if (!e || !Number.isFinite(e.mean)) return;
      const us = (x: number) => Number.isFinite(x) ? Number((x / 1000).toPrecision(6)) : null;
      points.push({
        abi,
        x: d.costs[v][field],
        y: us(e.mean),
        lo: us(e.mean - e.ci),
        hi: us(e.mean + e.ci),
        ci: us(e.ci),
      });
    });
  }
  points.sort((a, b) => a.x - b.x || (a.abi < b.abi ? -1 : 1));
  const where = ctx.params.length ? " at the focus grid point" : "";
  const spec = lineSpec(points, {
    title: `p99 dispatch latency against ${field}`,
    subtitle: `${vctx.length} cost vectors (Latin hypercube)${where}; the other fields vary too`,
    xTitle: `${field} (ns)`,
    yTitle: "p99 latency (µs)",
    abis: ctx.abis,
  });
  return {
    name: "robustness",
    title: `p99 dispatch latency against the most influential cost field (${field})`,
    caption: `Each point is one cost vector of the robustness check (mean over replications ` +
      `with its 95% band); every other varied cost field changes between points as well, so ` +
      `the scatter around a trend is the other fields' share.`,
    spec,
  };
}

/**
 * The robustness section of report.md (lines of at most 72 columns, tables indented 4).
 *
 * @example
 * ```ts
 * import { robustnessText } from "./robustness.ts";
 * // const lines = robustnessText(assessRobustness(ctx, data, findings), wrap);
 * console.log(typeof robustnessText); // "function"
 * ```
 */
export function robustnessText(
  r: Robustness,
  wrap: (text: string, width?: number, first?: string, indent?: string) => string,
): string[] {
  const d = r.design;
  const n = d.costs.length;
  const out: string[] = ["Robustness to the cost model", "-".repeat(28), ""];
  const ranges = d.varied.map((f) => `${f.field} ${fmtNs(f.low)}–${fmtNs(f.high)}`).join(", ");
  out.push(
    wrap(
      `The findings were checked again under ${n} cost vectors drawn by a Latin hypercube ` +
        `across the ranges of ${d.varied.length} cost fields (${ranges}), with the same seeds. ` +
        `A finding holds in a vector when it keeps its sign and its 95% significance there; ` +
        `a "no difference" holds when no difference passes this report's test there.` +
        heldText(d.held),
    ),
    "",
  );
  const dependent = r.findings.map((f, i) => ({ f, i })).filter(({ f }) => f.holds < n);
  if (dependent.length === 0) out.push(wrap(`Every finding holds in all ${n} cost vectors.`), "");
  else {
    out.push(wrap("Findings that depend on the cost model:"), "");
    for (const { f, i } of dependent) {
      out.push(wrap(`finding ${i + 1} (${short(f.text)}): ${f.tag}.`, 72, "- ", "  "));
    }
    out.push("");
  }
  if (r.sensitivity.length) {
    out.push(
      wrap(
        `The cost field that most changes each headline metric at the focus grid point ` +
          `(Spearman rank correlation ρ over the ${n} vectors; * marks a ρ that differs ` +
          `from 0 at 95%, the others may be chance at this number of vectors):`,
      ),
      "",
    );
    const label = Object.fromEntries(SENSITIVITY_METRICS);
    const body = r.sensitivity.map((s) => [
      label[s.metric] ?? s.metric,
      s.abi,
      s.field,
      `${sig(s.rho, 2)}${s.significant ? "*" : ""}`,
      `${fmtNs(s.min)} – ${fmtNs(s.max)}`,
    ]);
    const table = textTable(["metric", "ABI", "field", "ρ", "range over vectors"], body, [
      false,
      false,
      false,
      true,
      true,
    ]);
    out.push(table.split("\n").map((l) => (l ? `    ${l}` : l)).join("\n"), "");
  }
  const named = [
    ...new Set([
      ...r.sensitivity.map((x) => x.field),
      ...r.findings.flatMap((f) => f.threshold ? [f.threshold.field] : []),
    ]),
  ];
  const pairs = confounded(d, named);
  if (pairs.length) {
    out.push(
      wrap(
        `In these ${n} vectors some fields move together, so their effects cannot be told ` +
          `apart (more vectors separate them): ` +
          pairs.map(([a, b, rho]) => `${a} with ${b} (ρ ${sig(rho, 2)})`).join(", ") + ".",
      ),
      "",
    );
  }
  return out;
}

/** Pairs of a named field and another varied field whose values are rank-correlated (|ρ| ≥ 0.5). */
function confounded(d: RobustDesignInfo, named: readonly string[]): [string, string, number][] {
  const col = (f: string) => d.costs.map((c) => c[f]);
  const out: [string, string, number][] = [];
  for (const a of named) {
    for (const { field: b } of d.varied) {
      if (b === a || (named.includes(b) && b < a)) continue;
      const rho = spearman(col(a), col(b));
      if (Math.abs(rho) >= 0.5) out.push([a, b, rho]);
    }
  }
  return out;
}

/** The held fields, grouped by reason: " Held fixed (set by the scenario): a, b." */
function heldText(held: RobustDesignInfo["held"]): string {
  const why = [...new Set(held.map((h) => h.why))];
  return why.map((w) =>
    ` Held fixed (${w}): ${held.filter((h) => h.why === w).map((h) => h.field).join(", ")}.`
  ).join("");
}

/** The start of a finding's sentence (to its first ";" or ". "), for a reference to it. */
function short(text: string): string {
  const ends = [text.indexOf("; "), text.indexOf(". ")].filter((k) => k > 0);
  const s = ends.length ? text.slice(0, Math.min(...ends)) : text.replace(/\.$/, "");
  return s.length <= 60 ? s : `${s.slice(0, 57).replace(/\s+\S*$/, "")}…`;
}
