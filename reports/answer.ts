/**
 * The Answer section: one to three sentences that answer the scenario's
 * question as asked (docs/explanation/answers.md), computed from the rows.
 *
 * The question (`question` of the scenario, else `answer` with ABIs against
 * the baseline) names metrics, where to look (port groups, or the victims of
 * a flood) and what is compared: each ABI against the baseline, or the swept
 * parameters' effect within each ABI. Each comparison is a paired difference
 * over replications and gets one verdict:
 *
 * - `higher` / `lower`: the difference passes Holm–Bonferroni at 5% within
 *   its metric and is at least the practical threshold (3% of the larger
 *   value; 0.01 for indexes in [0, 1]);
 * - `same`: two one-sided tests (TOST, 5% each) put the difference inside
 *   ± the practical threshold — never a failed difference test;
 * - `unknown`: neither; the replications that would settle it are estimated
 *   from the sample's spread.
 *
 * Groups that starved (waits over `starvation_ms`, under 90% of their raises
 * delivered) are named with their delivered fraction; an attacker is not a
 * victim and is never called starved.
 *
 * @module
 */

import jstat from "jstat";
import type { CsvRow } from "./csv.ts";
import { atPoint, fmtParamValue, type ReportContext } from "./context.ts";
import { distinct, pointKey } from "./load.ts";
import { type Estimate, holm, num, pValue, summarize } from "./stats.ts";
import { fmtCount, fmtNs, fmtRatio, sig } from "./format.ts";
import { ALPHA, fmtMetric, isNs, isUnitIndex, metricLabel, PRACTICAL } from "./findings.ts";

/** The question of a scenario, defaults filled in. */
export interface QuestionSpec {
  /** Metric columns, in order of importance. */
  metrics: string[];
  /** Group names, `victims` or `all` (the whole run); empty: the whole run. */
  focus: string[];
  /** ABIs against the baseline, or the swept parameters' effect within each ABI. */
  comparison: "abis" | "param";
  /** The reference grid point of a `param` comparison (values by path). */
  reference?: Record<string, string | number | boolean>;
  /** A swept parameter read in another unit. */
  per?: { param: string; per: number; unit: string };
}

/** A verdict on one comparison. */
export type Verdict = "higher" | "lower" | "same" | "unknown";

/** One comparison of the Answer: `abi` at `point` against `ref` at `refPoint`. */
export interface AnswerComparison {
  /** Metric column. */
  metric: string;
  /** The focus group whose rows were compared (undefined: the whole run). */
  group?: string;
  /** Subject ABI. */
  abi: string;
  /** Reference ABI (the baseline, or `abi` itself for a parameter's effect). */
  ref: string;
  /** Subject grid point key. */
  point: string;
  /** Reference grid point key. */
  refPoint: string;
  /** Subject estimate. */
  a: Estimate;
  /** Reference estimate. */
  b: Estimate;
  /** Paired difference subject − reference (95% half-width, p-value). */
  diff: Estimate;
  /** The practical threshold in the metric's unit (± this is "the same"). */
  delta: number;
  /** The verdict. */
  verdict: Verdict;
  /** For `unknown`: about how many replications would settle it. */
  needed?: number;
  /** Share of raises coalesced into an already pending event (not in the quantiles). */
  coalesced: number;
}

/** A group that starved at some ABI and grid point. */
export interface Starved {
  /** Group name. */
  group: string;
  /** ABI. */
  abi: string;
  /** Grid point key. */
  point: string;
  /** Delivered events over raises, mean over replications. */
  delivered: number;
  /** Raises per run (mean). */
  raised: number;
  /** Delivered per run (mean). */
  deliveredCount: number;
}

/** How far each ABI could bind the requested ports along a swept port count. */
export interface Capacity {
  /** ABI. */
  abi: string;
  /** Largest swept value where every run bound every port (NaN: none). */
  bound: number;
  /** Smallest swept value where it failed (NaN: never). */
  failed: number;
}

/** The Answer: the comparisons, starved groups, capacities and the sentences. */
export interface Answer {
  /** The question, defaults filled in. */
  question: QuestionSpec;
  /** Every comparison, in the question's order. */
  comparisons: AnswerComparison[];
  /** Starved groups (the attacker excluded). */
  starved: Starved[];
  /** Per ABI, how far it bound every port (when the question asks about bind failures). */
  capacity: Capacity[];
  /** The sentences (one to three, plus one naming fragile parts when there are some). */
  sentences: string[];
}

/** Metrics defined as the same quantity (the longest wait is the max dispatch latency). */
export const SAME_BY_DEFINITION: readonly (readonly string[])[] = [["max_wait_ns", "lat_max_ns"]];

/**
 * The scenario's question with defaults: `question` when set, else its `answer` metrics with
 * ABIs against the baseline (or, with one ABI, the swept parameters' effect).
 *
 * @example
 * ```ts
 * import { questionOf } from "./answer.ts";
 * console.log(questionOf({ answer: ["lat_p99_ns"], abis: ["fifo"] }, 2).comparison); // "param"
 * ```
 */
export function questionOf(base: Record<string, unknown>, abis: number): QuestionSpec {
  const q = base.question as Partial<QuestionSpec> | undefined;
  const answer = Array.isArray(base.answer) ? base.answer.map(String) : [];
  const metrics = q?.metrics?.length ? q.metrics.map(String) : answer;
  return {
    metrics,
    focus: Array.isArray(q?.focus) ? q.focus.map(String) : [],
    comparison: q?.comparison ?? (abis > 1 ? "abis" : "param"),
    ...(q?.reference ? { reference: q.reference } : {}),
    ...(q?.per ? { per: q.per } : {}),
  };
}

/** Whether every row bound every requested port. */
function boundAll(rows: readonly CsvRow[]): boolean {
  return rows.every((r) => !(typeof r.bind_failures === "number" && r.bind_failures > 0));
}

/** Metrics worth comparing where an ABI could not bind every port. */
const CAPACITY = new Set(["bind_failures", "shared_bytes"]);

function mean(rows: readonly CsvRow[], m: string): Estimate {
  return summarize(rows, [], [m])[0]?.est[m] ?? { mean: NaN, ci: NaN, n: 0 };
}

/** One-sided 95% t quantile with `df` degrees of freedom. */
function t1(df: number): number {
  return jstat.studentt.inv(0.95, df);
}

/** Two-sided 95% t quantile with `df` degrees of freedom. */
function t2(df: number): number {
  return jstat.studentt.inv(0.975, df);
}

/**
 * The verdict on a paired difference `d` of metric `m` between estimates `a` and `b`, given
 * whether it passed the (corrected) difference test: see the module's doc.
 *
 * @example
 * ```ts
 * import { decide } from "./answer.ts";
 * const e = (mean: number, ci = 0) => ({ mean, ci, n: 5 });
 * console.log(decide("lat_p99_ns", e(100), e(100.5), e(-0.5, 0.2), false).verdict); // "same"
 * console.log(decide("lat_p99_ns", e(100), e(130), e(-30, 40), false).verdict); // "unknown"
 * ```
 */
export function decide(
  m: string,
  a: Estimate,
  b: Estimate,
  d: Estimate,
  significant: boolean,
): { verdict: Verdict; delta: number; needed?: number } {
  const delta = isUnitIndex(m)
    ? PRACTICAL.absolute
    : PRACTICAL.relative * Math.max(Math.abs(a.mean), Math.abs(b.mean));
  const abs = Math.abs(d.mean);
  if (!Number.isFinite(d.mean)) return { verdict: "unknown", delta };
  if (significant && abs >= delta && abs > 0) {
    return { verdict: d.mean > 0 ? "higher" : "lower", delta };
  }
  if (d.n >= 2 && Number.isFinite(d.ci)) {
    const se = d.ci / t2(d.n - 1);
    // TOST: both one-sided 95% bounds inside (−delta, +delta).
    if (abs + t1(d.n - 1) * se < delta || (abs === 0 && se === 0)) {
      return { verdict: "same", delta };
    }
    const sd = se * Math.sqrt(d.n);
    // The margin the interval must shrink to: |d| for a difference, delta − |d| for sameness.
    const margin = abs >= delta ? abs : delta - abs;
    const two = abs >= delta;
    let n = d.n;
    for (let k = 0; k < 20 && margin > 0; k++) {
      const t = two ? t2(Math.max(n - 1, 1)) : t1(Math.max(n - 1, 1));
      const next = Math.max(d.n + 1, Math.ceil((t * sd / margin) ** 2));
      if (next === n) break;
      n = next;
    }
    return { verdict: "unknown", delta, ...(margin > 0 ? { needed: n } : {}) };
  }
  return { verdict: "unknown", delta };
}

/** The rows a comparison reads: the whole run, one focus group, or the victims' columns. */
function scope(
  ctx: ReportContext,
  m: string,
  focus: string | undefined,
): { rows: CsvRow[]; group?: string } {
  if (focus && focus !== "victims" && focus !== "all" && ctx.set.groups.some((r) => m in r)) {
    return { rows: ctx.set.groups.filter((r) => String(r.group) === focus), group: focus };
  }
  return { rows: ctx.set.summary };
}

/** Grid point keys in sweep order. */
function keysOf(ctx: ReportContext): string[] {
  return [...new Set(ctx.set.summary.map((r) => pointKey(r, ctx.params)))];
}

/** The reference point of a `param` comparison: the one matching `reference`, else the first. */
function referencePoint(ctx: ReportContext, q: QuestionSpec): string {
  const keys = keysOf(ctx);
  if (!q.reference) return keys[0];
  const want = q.reference;
  const hit = keys.find((k) => {
    const vals = JSON.parse(k) as unknown[];
    return Object.entries(want).every(([p, v]) => {
      const i = ctx.params.indexOf(p);
      return i < 0 || String(vals[i]) === String(v);
    });
  });
  return hit ?? keys[0];
}

/** The paired difference of two row lists by replication, with its standard error kept. */
function paired(a: readonly CsvRow[], b: readonly CsvRow[], m: string): Estimate {
  const byRep = new Map(b.map((r) => [r.replication, num(r[m])]));
  const xs: number[] = [];
  for (const r of a) {
    const x = num(r[m]), y = byRep.get(r.replication);
    if (x !== undefined && y !== undefined) xs.push(x - y);
  }
  const e = summarize(xs.map((x) => ({ x })), [], ["x"])[0]?.est.x ??
    { mean: NaN, ci: NaN, n: 0 };
  return { ...e, p: pValue(e) };
}

/** Share of raises coalesced in `rows` (sums over runs). */
function coalescedShare(rows: readonly CsvRow[]): number {
  let raised = 0, coal = 0;
  for (const r of rows) {
    raised += num(r.raised) ?? 0;
    coal += num(r.coalesced) ?? 0;
  }
  return raised > 0 ? coal / raised : 0;
}

/**
 * Compute the Answer of a results context (pure; no I/O). `fragile` names comparisons (by
 * {@linkcode comparisonKey}) that do not hold across the cost model (see robustness.ts).
 *
 * @example
 * ```ts
 * import { computeAnswer } from "./answer.ts";
 * import { buildContext } from "./context.ts";
 * const rows = [0, 1, 2].flatMap((r) => [
 *   { scenario: "s", abi: "2l", replication: r, seed: r, lat_p99_ns: 100 + r },
 *   { scenario: "s", abi: "fifo", replication: r, seed: r, lat_p99_ns: 50 + r * 1.1 },
 * ]);
 * const ctx = buildContext({ dir: ".", manifest: { scenario: "s", command: "c",
 *   resolved: { answer: ["lat_p99_ns"] }, params: [] }, summary: rows, groups: [], priorities: [] });
 * console.log(computeAnswer(ctx).comparisons[0].verdict); // "lower"
 * ```
 */
export function computeAnswer(ctx: ReportContext, fragile: ReadonlySet<string> = new Set()): Answer {
  const q = questionOf(ctx.base, ctx.abis.length);
  const keys = keysOf(ctx);
  const focus = q.focus.length ? q.focus : [undefined];
  const cands: Omit<AnswerComparison, "verdict" | "delta" | "needed">[] = [];
  const push = (
    m: string,
    f: string | undefined,
    abi: string,
    ref: string,
    k: string,
    rk: string,
  ) => {
    const s = scope(ctx, m, f);
    const at = (x: string, p: string) =>
      atPoint(s.rows, ctx.params, p).filter((r) => r.abi === x);
    const sum = (x: string, p: string) =>
      atPoint(ctx.set.summary, ctx.params, p).filter((r) => r.abi === x);
    if (!CAPACITY.has(m) && !(boundAll(sum(abi, k)) && boundAll(sum(ref, rk)))) return;
    const a = at(abi, k), b = at(ref, rk);
    if (a.length === 0 || b.length === 0 || !(m in a[0])) return;
    const diff = paired(a, b, m);
    if (!(diff.n >= 1)) return;
    cands.push({
      metric: m,
      ...(s.group !== undefined ? { group: s.group } : {}),
      abi,
      ref,
      point: k,
      refPoint: rk,
      a: mean(a, m),
      b: mean(b, m),
      diff,
      coalesced: Math.max(coalescedShare(a), coalescedShare(b)),
    });
  };
  for (const m of q.metrics) {
    if (m === "bind_failures") continue; // answered by the capacity sentence
    for (const f of focus) {
      if (q.comparison === "abis") {
        for (const abi of ctx.abis) {
          if (abi === ctx.baseline) continue;
          for (const k of keys) push(m, f, abi, ctx.baseline, k, k);
        }
      } else {
        const rk = referencePoint(ctx, q);
        for (const abi of ctx.abis) {
          for (const k of keys) if (k !== rk) push(m, f, abi, abi, k, rk);
        }
      }
    }
  }
  // Holm–Bonferroni within each metric (and group).
  const sig = cands.map(() => false);
  const families = new Map<string, number[]>();
  cands.forEach((c, i) => {
    const key = `${c.metric}|${c.group ?? ""}`;
    families.set(key, [...(families.get(key) ?? []), i]);
  });
  for (const idx of families.values()) {
    const rej = holm(idx.map((i) => cands[i].diff.p ?? pValue(cands[i].diff)), ALPHA);
    idx.forEach((i, j) => sig[i] = rej[j]);
  }
  const comparisons = cands.map((c, i) => ({ ...c, ...decide(c.metric, c.a, c.b, c.diff, sig[i]) }));
  const starved = starvedGroups(ctx, q);
  const capacity = q.metrics.includes("bind_failures") ? capacities(ctx) : [];
  const answer = { question: q, comparisons, starved, capacity, sentences: [] as string[] };
  answer.sentences = sentences(ctx, answer, fragile);
  return answer;
}

/** A stable key of a comparison, to match it with a robustness check. */
export function comparisonKey(c: AnswerComparison): string {
  return `${c.metric}|${c.group ?? ""}|${c.abi}@${c.point}|${c.ref}@${c.refPoint}`;
}

/** Groups (not the attacker) that starved: waits past starvation_ms, under 90% delivered. */
function starvedGroups(ctx: ReportContext, q: QuestionSpec): Starved[] {
  const base = ctx.base.groups as { name?: string; attacker?: boolean }[] | undefined;
  const attackers = new Set((base ?? []).filter((g) => g.attacker).map((g) => g.name));
  const focus = q.focus.filter((f) => f !== "victims" && f !== "all");
  const out: Starved[] = [];
  for (const g of distinct(ctx.set.groups, "group").map(String)) {
    if (attackers.has(g) || (focus.length && !focus.includes(g))) continue;
    for (const k of keysOf(ctx)) {
      for (const abi of ctx.abis) {
        const rows = atPoint(ctx.set.groups, ctx.params, k)
          .filter((r) => r.abi === abi && String(r.group) === g);
        if (rows.length === 0) continue;
        const raised = mean(rows, "raised").mean, delivered = mean(rows, "delivered").mean;
        const starvedEvents = mean(rows, "starved_events").mean;
        const frac = raised > 0 ? delivered / raised : NaN;
        if (starvedEvents > 0 && frac < 0.9) {
          out.push({ group: g, abi, point: k, delivered: frac, raised, deliveredCount: delivered });
        }
      }
    }
  }
  return out;
}

/** Per ABI along the swept port count: the largest value it bound and the first it did not. */
function capacities(ctx: ReportContext): Capacity[] {
  const out: Capacity[] = [];
  for (const abi of ctx.abis) {
    let bound = NaN, failed = NaN;
    for (const k of keysOf(ctx)) {
      const rows = atPoint(ctx.set.summary, ctx.params, k).filter((r) => r.abi === abi);
      if (rows.length === 0) continue;
      const req = mean(rows, "ports_requested").mean;
      if (boundAll(rows)) bound = Number.isFinite(bound) ? Math.max(bound, req) : req;
      else failed = Number.isFinite(failed) ? Math.min(failed, req) : req;
    }
    out.push({ abi, bound, failed });
  }
  return out;
}

// ---- wording ----

/** A value of metric `m` without its interval. */
function val(m: string, x: number): string {
  return fmtMetric(m, x, NaN);
}

/** Values of `m` over several ABIs as one value or a range ("2.8–3.5 µs"). */
function valRange(m: string, xs: readonly number[]): string {
  const fin = xs.filter(Number.isFinite);
  if (fin.length === 0) return "n/a";
  const lo = Math.min(...fin), hi = Math.max(...fin);
  const a = val(m, lo), b = val(m, hi);
  if (a === b) return a;
  if (isNs(m)) {
    const [na, ua] = a.split(" "), [nb, ub] = b.split(" ");
    if (ua === ub) return `${na}–${nb} ${ua}`;
  }
  return `${a}–${b}`;
}

/** The size of a difference: "12% lower", "2.3× higher", or for huge ratios just the word. */
export function sizeWord(m: string, c: AnswerComparison): string {
  const dir = c.verdict === "higher" ? "higher" : "lower";
  if (isUnitIndex(m)) return `${dir} by ${sig(Math.abs(c.diff.mean), 2)}`;
  const a = Math.abs(c.a.mean), b = Math.abs(c.b.mean);
  const r = dir === "lower" ? b / a : a / b;
  if (!Number.isFinite(r) || r >= 100) return dir;
  if (r >= 1.5) return `${fmtRatio(r)} ${dir}`;
  return `${sig(Math.abs(c.diff.mean) / (b || a) * 100, 2)}% ${dir}`;
}

/** The paired difference "+3.59 µs ± 0.48". */
function diffWord(c: AnswerComparison): string {
  const d = c.diff;
  const sign = d.mean > 0 ? "+" : d.mean < 0 ? "−" : "";
  return `${sign}${fmtMetric(c.metric, Math.abs(d.mean), d.ci)}`;
}

/** "±3%" or "±0.01". */
function withinWord(m: string): string {
  return isUnitIndex(m) ? `±${PRACTICAL.absolute}` : `±${PRACTICAL.relative * 100}%`;
}

/** A grid point in words, only the parameters that differ from `ref` (all when `ref` is ""). */
function pointWords(ctx: ReportContext, k: string, ref = "", per?: QuestionSpec["per"]): string {
  if (ctx.params.length === 0) return "";
  const vals = JSON.parse(k) as unknown[];
  const rv = ref ? JSON.parse(ref) as unknown[] : [];
  const parts: string[] = [];
  ctx.params.forEach((p, i) => {
    if (ref && JSON.stringify(vals[i]) === JSON.stringify(rv[i])) return;
    if (per && per.param === p && typeof vals[i] === "number") {
      parts.push(`${fmtCount((vals[i] as number) / per.per)} ${per.unit}`);
    } else parts.push(`${ctx.labels[p] ?? p} ${fmtParamValue(p, vals[i])}`);
  });
  return parts.join(", ");
}

function subjectWords(m: string, group?: string): string {
  return `${group !== undefined ? `${group}'s ` : ""}${metricLabel(m)}`;
}

/** The clause of one ABI comparison at one point: "2.3× higher than 2l (6.39 µs vs 2.8 µs; ...)". */
function abiClause(c: AnswerComparison): string {
  const vs = `${val(c.metric, c.a.mean)} vs ${val(c.metric, c.b.mean)}`;
  switch (c.verdict) {
    case "same":
      return `the same as ${c.ref} within ${withinWord(c.metric)} (${vs})`;
    case "unknown":
      return `cannot tell from ${c.ref} at ${c.diff.n} replications (${vs}${
        c.needed ? `; about ${c.needed} would settle it` : ""
      })`;
    default:
      return `${sizeWord(c.metric, c)} than ${c.ref} (${vs}; difference ${diffWord(c)})`;
  }
}

/** One point of a parameter's effect: "162 µs (9.4× higher; difference +145 µs ± 8.3)". */
function paramPiece(c: AnswerComparison, where: string, list: readonly AnswerComparison[]): string {
  const to = valRange(c.metric, list.map((x) => x.a.mean));
  const at = where ? ` with ${where}` : "";
  switch (c.verdict) {
    case "same":
      return `${to}${at} (the same within ${withinWord(c.metric)})`;
    case "unknown":
      return `${to}${at} (cannot tell at ${c.diff.n} replications${
        c.needed ? `; about ${c.needed} would settle it` : ""
      })`;
    default:
      return `${to}${at} (${sizeWord(c.metric, c)}${
        list.length === 1 ? `; difference ${diffWord(c)}` : ""
      })`;
  }
}

/** A note on quantiles when many raises were coalesced (they are not in the quantiles). */
function coalescedNote(list: readonly AnswerComparison[]): string {
  if (!list.some((c) => /_p\d+_ns$/.test(c.metric))) return "";
  const worst = Math.max(...list.map((c) => c.coalesced));
  if (!(worst >= 0.1)) return "";
  return ` (up to ${sig(worst * 100, 2)}% of the raises were coalesced into an event already ` +
    `pending and are not in the quantiles)`;
}

/** The sentence for one metric (and focus group) in an ABI comparison. */
function abiSentence(ctx: ReportContext, list: AnswerComparison[]): string {
  const c0 = list[0];
  const parts: string[] = [];
  const keys = keysOf(ctx);
  for (const abi of ctx.abis) {
    const mine = list.filter((c) => c.abi === abi);
    if (mine.length === 0) continue;
    if (mine.length === 1) {
      const w = keys.length > 1 ? pointWords(ctx, mine[0].point) : "";
      parts.push(`${abi} ${abiClause(mine[0])}${w ? ` at ${w}` : ""}`);
      continue;
    }
    const by = (v: Verdict) => mine.filter((c) => c.verdict === v);
    const bits: string[] = [];
    for (const v of ["lower", "higher"] as const) {
      const l = by(v);
      if (l.length === 0) continue;
      const sizes = l.map((c) => Math.abs(c.diff.mean) / Math.max(Math.abs(c.b.mean), 1e-300));
      const big = l[sizes.indexOf(Math.max(...sizes))];
      const lo = Math.min(...sizes) * 100, hi = Math.max(...sizes) * 100;
      const range = isUnitIndex(c0.metric)
        ? ""
        : hi >= 50
        ? ""
        : `by ${sig(lo, 2)}${sig(lo, 2) === sig(hi, 2) ? "" : `–${sig(hi, 2)}`}%, `;
      bits.push(
        `${v} than ${c0.ref} at ${l.length} of ${mine.length} grid points (${range}most ` +
          `${sizeWord(c0.metric, big)} at ${pointWords(ctx, big.point)}: ` +
          `${val(c0.metric, big.a.mean)} vs ${val(c0.metric, big.b.mean)})`,
      );
    }
    const same = by("same").length, unknown = by("unknown").length;
    if (same) bits.push(`the same within ${withinWord(c0.metric)} at ${same}`);
    if (unknown) bits.push(`undecided at ${unknown}`);
    if (by("same").length === mine.length) {
      parts.push(
        `${abi} the same as ${c0.ref} within ${withinWord(c0.metric)} at all ${mine.length} ` +
          `grid points`,
      );
    } else parts.push(`${abi} ${bits.join(", ")}`);
  }
  return `${cap(subjectWords(c0.metric, c0.group))}: ${parts.join("; ")}${coalescedNote(list)}.`;
}

/** The sentence for the ABIs of `abis` (whose verdicts agree) in a parameter comparison. */
function paramSentence(
  ctx: ReportContext,
  q: QuestionSpec,
  abis: readonly string[],
  list: AnswerComparison[],
): string {
  const rk = list[0].refPoint;
  const ref = pointWords(ctx, rk, "", q.per);
  const byMetric = new Map<string, AnswerComparison[]>();
  for (const c of list) {
    const key = `${c.metric}|${c.group ?? ""}`;
    byMetric.set(key, [...(byMetric.get(key) ?? []), c]);
  }
  const clauses: string[] = [];
  for (const cs of byMetric.values()) {
    const first = cs.filter((c) => c.abi === abis[0]);
    const from = valRange(cs[0].metric, first.length ? cs.filter((x) => x.point === first[0].point)
      .map((x) => x.b.mean) : []);
    const pts = first.map((c) => {
      const where = first.length > 1 ? pointWords(ctx, c.point, rk, q.per) : "";
      return paramPiece(c, where, cs.filter((x) => x.point === c.point));
    });
    clauses.push(
      `${subjectWords(cs[0].metric, cs[0].group)} from ${from} to ${pts.join(" and ")}` +
        coalescedNote(cs),
    );
  }
  const who = abis.length === ctx.abis.length && abis.length > 1
    ? `Under ${joinAnd(abis)} alike`
    : `Under ${joinAnd(abis)}`;
  const against = ctx.params.length ? `, against ${ref}` : "";
  // A single parameter with one other value: name it in the lead.
  const keys = new Set(list.map((c) => c.point));
  const lead = keys.size === 1 && ctx.params.length
    ? `, ${pointWords(ctx, [...keys][0], rk, q.per)} against ${pointWords(ctx, rk, [...keys][0], q.per)}`
    : against;
  return `${who}${lead}: ${clauses.join("; ")}.`;
}

function joinAnd(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The starvation sentence. */
function starvedSentence(ctx: ReportContext, a: Answer): string {
  if (a.starved.length === 0) return "";
  const ms = typeof ctx.base.starvation_ms === "number" ? ctx.base.starvation_ms : 10;
  const parts: string[] = [];
  for (const g of [...new Set(a.starved.map((s) => s.group))]) {
    const mine = a.starved.filter((s) => s.group === g);
    const abis = [...new Set(mine.map((s) => s.abi))];
    const points = [...new Set(mine.map((s) => s.point))];
    const who = abis.length === ctx.abis.length && ctx.abis.length > 1
      ? "under every ABI"
      : `under ${joinAnd(abis)}`;
    const where = keysOf(ctx).length > 1
      ? ` at ${joinAnd(points.map((k) => pointWords(ctx, k)))}`
      : "";
    const lo = Math.min(...mine.map((s) => s.delivered)),
      hi = Math.max(...mine.map((s) => s.delivered));
    const pct = (x: number) => `${sig(x * 100, 2)}%`;
    const frac = mine.length === 1
      ? `${fmtCount(mine[0].deliveredCount)} of ${fmtCount(mine[0].raised)} raises delivered ` +
        `per run (${pct(lo)})`
      : `${pct(lo)}${pct(lo) === pct(hi) ? "" : `–${pct(hi)}`} of its raises delivered`;
    const others = ctx.abis.filter((x) => !abis.includes(x));
    const contrast = others.length && points.length === 1
      ? `; ${joinAnd(others)} delivered ${
        others.map((x) => {
          const rows = atPoint(ctx.set.groups, ctx.params, points[0])
            .filter((r) => r.abi === x && String(r.group) === g);
          const r = mean(rows, "raised").mean, d = mean(rows, "delivered").mean;
          return r > 0 ? pct(d / r) : "n/a";
        }).join(", ")
      }`
      : "";
    parts.push(`group ${g} starved ${who}${where}: ${frac}${contrast}`);
  }
  return `${cap(parts.join("; "))} (waits over ${fmtNs(ms * 1e6)}).`;
}

/** The capacity sentence: how far each ABI bound every requested port. */
function capacitySentence(ctx: ReportContext, a: Answer): string {
  if (a.capacity.length === 0) return "";
  const per = a.question.per;
  const inUnits = (ports: number) =>
    per ? `${fmtCount(ports / per.per)} ${per.unit} (${fmtCount(ports)} ports)` : `${fmtCount(ports)} ports`;
  const never = a.capacity.filter((c) => !Number.isFinite(c.failed) && Number.isFinite(c.bound));
  const parts: string[] = [];
  for (const c of a.capacity) {
    if (!Number.isFinite(c.failed)) continue;
    parts.push(
      Number.isFinite(c.bound)
        ? `${c.abi} binds every port up to ${inUnits(c.bound)} and fails at ${inUnits(c.failed)}`
        : `${c.abi} fails already at ${inUnits(c.failed)}`,
    );
  }
  if (never.length) {
    const top = Math.max(...never.map((c) => c.bound));
    parts.push(`${joinAnd(never.map((c) => c.abi))} bind every port up to the largest tried, ${
      inUnits(top)
    }`);
  }
  void ctx;
  return parts.length ? `${cap(parts.join("; "))}.` : "";
}

function sentences(ctx: ReportContext, a: Answer, fragile: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const cap1 = capacitySentence(ctx, a);
  if (cap1) out.push(cap1);
  const q = a.question;
  if (q.comparison === "abis") {
    const seen = new Set<string>();
    for (const c of a.comparisons) {
      const key = `${c.metric}|${c.group ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(abiSentence(ctx, a.comparisons.filter((x) => `${x.metric}|${x.group ?? ""}` === key)));
    }
  } else {
    // ABIs whose verdicts agree at every metric and point share one sentence.
    const sig = (abi: string) =>
      a.comparisons.filter((c) => c.abi === abi).map((c) => `${c.metric}${c.point}${c.verdict}`)
        .join(",");
    const groups = new Map<string, string[]>();
    for (const abi of ctx.abis) {
      if (!a.comparisons.some((c) => c.abi === abi)) continue;
      const s = sig(abi);
      groups.set(s, [...(groups.get(s) ?? []), abi]);
    }
    for (const abis of groups.values()) {
      out.push(paramSentence(ctx, q, abis, a.comparisons.filter((c) => abis.includes(c.abi))));
    }
  }
  const st = starvedSentence(ctx, a);
  if (st) out.push(st);
  const weak = a.comparisons.filter((c) => fragile.has(comparisonKey(c)));
  if (weak.length) {
    const what = [...new Set(weak.map((c) => `${subjectWords(c.metric, c.group)} of ${c.abi}`))];
    out.push(
      `Fragile: ${joinAnd(what)} ${what.length > 1 ? "do" : "does"} not hold across the cost ` +
        `model (see "Fragile findings").`,
    );
  }
  if (out.length === 0) out.push("The question names no metric these results carry.");
  return out;
}

/**
 * The facts of an Answer as plain data (for tests and tools): per comparison, the metric, the
 * group, the ABIs, the point in words and the verdict.
 *
 * @example
 * ```ts
 * import { answerFacts } from "./answer.ts";
 * console.log(answerFacts({ question: { metrics: [], focus: [], comparison: "abis" },
 *   comparisons: [], starved: [], capacity: [], sentences: [] }).length); // 0
 * ```
 */
export function answerFacts(a: Answer): {
  metric: string;
  group?: string;
  abi: string;
  ref: string;
  point: string;
  refPoint: string;
  verdict: Verdict;
}[] {
  return a.comparisons.map((c) => ({
    metric: c.metric,
    ...(c.group !== undefined ? { group: c.group } : {}),
    abi: c.abi,
    ref: c.ref,
    point: c.point,
    refPoint: c.refPoint,
    verdict: c.verdict,
  }));
}
