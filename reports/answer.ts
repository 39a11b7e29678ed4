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
import { atPoint, fmtParamValue, LIMIT_METRICS, ranAll, type ReportContext } from "./context.ts";
import { distinct, pointKey } from "./load.ts";
import { type Estimate, holm, num, pValue, summarize } from "./stats.ts";
import { fmtCount, fmtNs, fmtNsCi, fmtRatio, sig } from "./format.ts";
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

/**
 * The scenario's question with defaults: `question` when set, else its `answer` metrics with
 * ABIs against the baseline (or, with one ABI, the swept parameters' effect).
 *
 * @example
 * ```ts
 * import { questionOf } from "./answer.ts";
 * console.log(questionOf({ answer: ["lat_p99_ns"], abis: ["fifo"] }, 1).comparison); // "param"
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
export function computeAnswer(
  ctx: ReportContext,
  fragile: ReadonlySet<string> = new Set(),
): Answer {
  const q = questionOf(ctx.base, ctx.abis.length);
  const keys = keysOf(ctx);
  const focus = q.focus.length ? q.focus : [undefined];
  const attackers = attackerGroups(ctx);
  const victims = (abi: string, k: string) =>
    atPoint(ctx.set.groups, ctx.params, k).filter((r) =>
      r.abi === abi && !attackers.has(String(r.group))
    );
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
    // A metric the groups do not carry is the whole run's, whatever the focus: compared once.
    if (
      cands.some((c) =>
        c.metric === m && c.group === s.group && c.abi === abi && c.point === k &&
        c.refPoint === rk
      )
    ) return;
    const at = (x: string, p: string) => atPoint(s.rows, ctx.params, p).filter((r) => r.abi === x);
    const sum = (x: string, p: string) =>
      atPoint(ctx.set.summary, ctx.params, p).filter((r) => r.abi === x);
    if (!LIMIT_METRICS.has(m) && !(ranAll(sum(abi, k)) && ranAll(sum(ref, rk)))) return;
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
      coalesced: f === "victims"
        ? Math.max(coalescedShare(victims(abi, k)), coalescedShare(victims(ref, rk)))
        : Math.max(coalescedShare(a), coalescedShare(b)),
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
  const comparisons = cands.map((c, i) => ({
    ...c,
    ...decide(c.metric, c.a, c.b, c.diff, sig[i]),
  }));
  const starved = starvedGroups(ctx, q);
  const capacity = q.metrics.includes("bind_failures") ? capacities(ctx) : [];
  const answer = { question: q, comparisons, starved, capacity, sentences: [] as string[] };
  answer.sentences = sentences(ctx, answer, fragile);
  return answer;
}

/**
 * A stable key of a comparison, to match it with a robustness check.
 *
 * @example
 * ```ts
 * import { comparisonKey } from "./answer.ts";
 * const e = { mean: 1, ci: 0, n: 2 };
 * console.log(comparisonKey({ metric: "lat_p99_ns", abi: "fifo", ref: "2l", point: "[]",
 *   refPoint: "[]", a: e, b: e, diff: e, delta: 0, verdict: "same", coalesced: 0 }));
 * // "lat_p99_ns||fifo@[]|2l@[]"
 * ```
 */
export function comparisonKey(c: AnswerComparison): string {
  return `${c.metric}|${c.group ?? ""}|${c.abi}@${c.point}|${c.ref}@${c.refPoint}`;
}

/** The names of the scenario's attacker groups. */
function attackerGroups(ctx: ReportContext): Set<string> {
  const base = ctx.base.groups as { name?: string; attacker?: boolean }[] | undefined;
  return new Set((base ?? []).filter((g) => g.attacker).map((g) => String(g.name)));
}

/** Groups (not the attacker) that starved: waits past starvation_ms, under 90% delivered. */
function starvedGroups(ctx: ReportContext, q: QuestionSpec): Starved[] {
  const attackers = attackerGroups(ctx);
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
      if (ranAll(rows)) bound = Number.isFinite(bound) ? Math.max(bound, req) : req;
      else failed = Number.isFinite(failed) ? Math.min(failed, req) : req;
    }
    out.push({ abi, bound, failed });
  }
  return out;
}

// ---- wording ----

/** A value of metric `m` without its interval (large counts to 3 significant digits). */
function val(m: string, x: number): string {
  if (!isNs(m) && !/_bytes$/.test(m) && !isUnitIndex(m) && Math.abs(x) >= 10000) {
    const p = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 2);
    return fmtCount(Math.round(x / p) * p);
  }
  return fmtMetric(m, x, NaN);
}

/** Values of `m` of several ABIs, in ABI order: "4.2 / 3.57 µs", or one value when they print alike. */
function vals(m: string, xs: readonly number[]): string {
  const s = xs.map((x) => val(m, x));
  if (s.every((x) => x === s[0])) return s[0] ?? "n/a";
  if (isNs(m) || m === "shared_bytes") {
    const units = s.map((x) => x.split(" ")[1]);
    if (units.every((u) => u === units[0])) {
      return `${s.map((x) => x.split(" ")[0]).join(" / ")} ${units[0]}`;
    }
  }
  return s.join(" / ");
}

/**
 * The size of a difference: "12% lower", "2.3× higher", or for ratios of 100× and more only the
 * direction (the sentence shows the two values).
 *
 * @example
 * ```ts
 * import { sizeWord } from "./answer.ts";
 * const e = (mean: number) => ({ mean, ci: 0, n: 3 });
 * console.log(sizeWord("lat_p99_ns", { metric: "lat_p99_ns", abi: "fifo", ref: "2l",
 *   point: "[]", refPoint: "[]", a: e(6.39), b: e(2.8), diff: e(3.59), delta: 0.2,
 *   verdict: "higher", coalesced: 0 })); // "2.3× higher"
 * ```
 */
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
  // A difference is not a quantile: no histogram bucket, its own interval.
  const v = isNs(c.metric)
    ? fmtNsCi(Math.abs(d.mean), d.ci)
    : fmtMetric(c.metric, Math.abs(d.mean), d.ci);
  return `${sign}${v}`;
}

/** "±3%" or "±0.01". */
function withinWord(m: string): string {
  return isUnitIndex(m) ? `±${PRACTICAL.absolute}` : `±${PRACTICAL.relative * 100}%`;
}

/**
 * Replications above which "would settle it" is no longer a plan: the
 * difference lies so near the practical margin that no study would run them.
 */
export const PRACTICAL_REPLICATIONS = 1000;

/**
 * "; about 12 would settle it", or "; more than 1000 would be needed" when
 * the estimate passes {@linkcode PRACTICAL_REPLICATIONS} (its figure would only
 * say that the difference lies near the margin); "" when unknown.
 *
 * @example
 * ```ts
 * import { settleWords } from "./answer.ts";
 * console.log(settleWords(12) + settleWords(800579)); // "; about 12 would settle it; more than 1000 would be needed, as the difference lies near the margin"
 * ```
 */
export function settleWords(needed: number | undefined, some = false): string {
  if (needed === undefined || !Number.isFinite(needed) || needed <= 0) return "";
  if (needed <= PRACTICAL_REPLICATIONS) return `; about ${fmtCount(needed)} would settle it`;
  return some
    ? `; more than ${PRACTICAL_REPLICATIONS} would be needed at some, where the difference lies ` +
      `near the margin`
    : `; more than ${PRACTICAL_REPLICATIONS} would be needed, as the difference lies near the margin`;
}

/** "cannot tell at 5 replications; about 12 would settle it". */
function unknownWord(c: AnswerComparison): string {
  return `cannot tell at ${c.diff.n} replications${settleWords(c.needed)}`;
}

/** Short names of swept parameters for sentences. */
const PARAM_WORDS: Record<string, string> = {
  "vcpu_sched.wait.ns": "wait between slices",
  "vcpu_sched.run.ns": "run slice",
  "guest.loop_ctrl": "loop control",
  "guest.eoi_backoff": "EOI backoff",
  "guest.vcpus": "VCPUs",
};

const GROUP_PARAM_WORDS: Record<string, string> = {
  "arrival.rate_per_s": "rate",
  "ports": "ports",
  "lateeoi": "late EOI",
  "priority": "priority",
};

/** One parameter's value in words: ["net rate", "200k/s"]. */
function paramWords(ctx: ReportContext, p: string, v: unknown): [string, string] {
  const value = v === "true" || v === true
    ? "on"
    : v === "false" || v === false
    ? "off"
    : typeof v === "number" && fmtParamValue(p, v) === String(v)
    ? fmtCount(v)
    : fmtParamValue(p, v) + (/rate_per_s$/.test(p) && typeof v === "number" ? "/s" : "");
  const m = /^groups\.(\d+)\.(.+)$/.exec(p);
  if (m && GROUP_PARAM_WORDS[m[2]]) {
    const groups = ctx.base.groups as { name?: string }[] | undefined;
    return [`${groups?.[Number(m[1])]?.name ?? `group ${m[1]}`} ${GROUP_PARAM_WORDS[m[2]]}`, value];
  }
  return [PARAM_WORDS[p] ?? ctx.labels[p] ?? p, value];
}

/**
 * A grid point in words: only the parameters that differ from `ref` (all when `ref` is ""),
 * a parameter read in the question's other unit, zipped parameters of several groups with one
 * value merged ("netback and blkback late EOI on").
 */
function pointWords(ctx: ReportContext, k: string, ref = "", per?: QuestionSpec["per"]): string {
  if (ctx.params.length === 0) return "";
  const v = JSON.parse(k) as unknown[];
  const rv = ref ? JSON.parse(ref) as unknown[] : [];
  const parts: [string, string][] = [];
  ctx.params.forEach((p, i) => {
    if (ref && JSON.stringify(v[i]) === JSON.stringify(rv[i])) return;
    if (per && per.param === p && typeof v[i] === "number") {
      parts.push(["", `${fmtCount((v[i] as number) / per.per)} ${per.unit}`]);
    } else parts.push(paramWords(ctx, p, v[i]));
  });
  // Zipped group parameters with one value: "netback late EOI on, blkback late EOI on".
  const merged: string[] = [];
  const done = new Set<number>();
  parts.forEach(([label, value], i) => {
    if (done.has(i)) return;
    const m = /^(\S+) (.+)$/.exec(label);
    const same = m
      ? parts.map((x, j) => [x, j] as const).filter(([x, j]) =>
        j > i && x[1] === value && x[0].endsWith(` ${m[2]}`) && !x[0].slice(0, -m[2].length - 1)
          .includes(" ")
      )
      : [];
    if (m && same.length) {
      same.forEach(([, j]) => done.add(j));
      const names = [m[1], ...same.map(([x]) => x[0].split(" ")[0])];
      merged.push(`${joinAnd(names)} ${m[2]} ${value}`);
    } else merged.push(label ? `${label} ${value}` : value);
  });
  return merged.join(", ");
}

/** Several points in words; with one parameter changing, its values joined ("wait 30 ms and 60 ms"). */
function pointsWords(
  ctx: ReportContext,
  keys: readonly string[],
  ref = "",
  per?: QuestionSpec["per"],
): string {
  const words = keys.map((k) => pointWords(ctx, k, ref, per));
  const split = words.map((w) => /^(.*) (\S+(?: \S+)?)$/.exec(w));
  const varying = ctx.params.filter((_, i) =>
    new Set(keys.map((k) => JSON.stringify((JSON.parse(k) as unknown[])[i]))).size > 1
  );
  if (keys.length > 1 && varying.length === 1 && !(per && per.param === varying[0])) {
    const [label] = paramWords(ctx, varying[0], undefined);
    const values = keys.map((k) =>
      paramWords(ctx, varying[0], (JSON.parse(k) as unknown[])[ctx.params.indexOf(varying[0])])[1]
    );
    if (split.every((s) => s)) return `${label} ${joinAnd(values)}`;
  }
  return joinAnd(words);
}

function subjectWords(m: string, group?: string): string {
  return `${metricLabel(m)}${group !== undefined ? ` of group ${group}` : ""}`;
}

function joinAnd(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join("") : `${xs.slice(0, -1).join(", ")} and ${xs[xs.length - 1]}`;
}

/** Capitalise a sentence's first letter, except a metric such as "p99 ...". */
function cap(s: string): string {
  return /^p\d/.test(s) ? s : s.charAt(0).toUpperCase() + s.slice(1);
}

/** A note on quantiles when many raises were coalesced (they are not in the quantiles). */
function coalescedNote(list: readonly AnswerComparison[]): string {
  if (!list.some((c) => /_p\d+_ns$/.test(c.metric))) return "";
  const worst = Math.max(...list.map((c) => c.coalesced));
  if (!(worst >= 0.1)) return "";
  return ` (up to ${sig(worst * 100, 2)}% of the raises were coalesced into an event already ` +
    `pending and are not in the quantiles)`;
}

/** One comparison at one point: "6.39 µs vs 2.8 µs (2.3× higher; difference +3.59 µs ± 0.48)". */
function oneClause(c: AnswerComparison, withRef: boolean): string {
  const vs = `${val(c.metric, c.a.mean)} vs ${val(c.metric, c.b.mean)}`;
  const than = withRef ? ` than ${c.ref}` : "";
  switch (c.verdict) {
    case "same":
      return `the same${withRef ? ` as ${c.ref}` : ""} within ${withinWord(c.metric)} (${vs})`;
    case "unknown":
      return `${vs} (${unknownWord(c)})`;
    default:
      return `${sizeWord(c.metric, c)}${than} (${vs}; difference ${diffWord(c)})`;
  }
}

/** One ABI's comparisons of one metric over the grid points, against the baseline. */
function abiOverPoints(ctx: ReportContext, q: QuestionSpec, mine: AnswerComparison[]): string {
  const c0 = mine[0];
  if (mine.length === 1) {
    const w = keysOf(ctx).length > 1 ? pointWords(ctx, c0.point, "", q.per) : "";
    return `${oneClause(c0, true)}${w ? ` at ${w}` : ""}`;
  }
  const by = (v: Verdict) => mine.filter((c) => c.verdict === v);
  const n = mine.length;
  const count = (k: number) => k === n ? `at all ${n} grid points` : `at ${k} of ${n} grid points`;
  const bits: string[] = [];
  for (const v of ["lower", "higher"] as const) {
    const l = by(v);
    if (l.length === 0) continue;
    const ratio = (c: AnswerComparison) =>
      v === "higher" ? c.a.mean / c.b.mean : c.b.mean / c.a.mean;
    const big = [...l].sort((x, y) => ratio(y) - ratio(x))[0];
    const rel = l.map((c) => Math.abs(c.diff.mean) / Math.abs(c.b.mean) * 100);
    const lo = sig(Math.min(...rel), 2), hi = sig(Math.max(...rel), 2);
    const range = !isUnitIndex(c0.metric) && Math.max(...rel) < 50
      ? `by ${lo === hi ? lo : `${lo}–${hi}`}%; `
      : "";
    bits.push(
      `${v} than ${c0.ref} ${count(l.length)} (${range}most at ` +
        `${pointWords(ctx, big.point, "", q.per)}: ${val(c0.metric, big.a.mean)} vs ` +
        `${val(c0.metric, big.b.mean)})`,
    );
  }
  const same = by("same"), unknown = by("unknown");
  if (same.length) {
    bits.push(
      `the same${bits.length ? "" : ` as ${c0.ref}`} within ${withinWord(c0.metric)} ` +
        count(same.length),
    );
  }
  if (unknown.length) {
    const need = Math.max(...unknown.map((c) => c.needed ?? NaN).filter(Number.isFinite));
    const where = bits.length ? `at the other ${unknown.length}` : count(unknown.length);
    bits.push(
      `cannot tell ${where} (${c0.diff.n} replications${settleWords(need, unknown.length > 1)})`,
    );
  }
  return joinAnd(bits);
}

/** ABI comparisons: one sentence per metric, or per ABI when the metrics outnumber the ABIs. */
function abiSentences(ctx: ReportContext, a: Answer): string[] {
  const q = a.question;
  const keyOf = (c: AnswerComparison) => `${c.metric}|${c.group ?? ""}`;
  const metricKeys = [...new Set(a.comparisons.map(keyOf))];
  const abis = ctx.abis.filter((x) => a.comparisons.some((c) => c.abi === x));
  const out: string[] = [];
  if (metricKeys.length > 2 && metricKeys.length > abis.length) {
    for (const abi of abis) {
      const parts = metricKeys.flatMap((k) => {
        const mine = a.comparisons.filter((c) => c.abi === abi && keyOf(c) === k);
        if (mine.length === 0) return [];
        const text = mine.length === 1
          ? oneClause(mine[0], false) +
            (keysOf(ctx).length > 1 ? ` at ${pointWords(ctx, mine[0].point, "", q.per)}` : "")
          : abiOverPoints(ctx, q, mine);
        return [`${subjectWords(mine[0].metric, mine[0].group)} ${text}${coalescedNote(mine)}`];
      });
      out.push(`${abi} against ${ctx.baseline}: ${parts.join("; ")}.`);
    }
    return out;
  }
  for (const k of metricKeys) {
    const list = a.comparisons.filter((c) => keyOf(c) === k);
    const parts = abis.flatMap((abi) => {
      const mine = list.filter((c) => c.abi === abi);
      return mine.length ? [`${abi} ${abiOverPoints(ctx, q, mine)}`] : [];
    });
    out.push(
      `${cap(subjectWords(list[0].metric, list[0].group))}: ${parts.join("; ")}` +
        `${coalescedNote(list)}.`,
    );
  }
  return out;
}

/**
 * The points a parameter comparison states for an ABI: every point but the reference, or with
 * one numeric parameter over more than 3 points, the furthest one compared (its range).
 */
function statedPoints(ctx: ReportContext, list: readonly AnswerComparison[]): string[] {
  const pts = [...new Set(list.map((c) => c.point))];
  if (keysOf(ctx).length <= 3 || ctx.numeric.length !== 1 || ctx.params.length !== 1) return pts;
  return [pts[pts.length - 1]];
}

/** Parameter comparisons: one sentence per set of ABIs whose verdicts agree. */
function paramSentences(ctx: ReportContext, a: Answer): string[] {
  const q = a.question;
  const keyOf = (c: AnswerComparison) => `${c.metric}|${c.group ?? ""}`;
  const rk = a.comparisons[0]?.refPoint ?? "";
  const stated = new Map<string, string[]>();
  for (const abi of ctx.abis) {
    stated.set(abi, statedPoints(ctx, a.comparisons.filter((c) => c.abi === abi)));
  }
  const shown = a.comparisons.filter((c) => stated.get(c.abi)?.includes(c.point));
  // ABIs whose verdicts agree at every metric and point share one sentence ("4.2 / 3.57 µs").
  const signature = (abi: string) =>
    shown.filter((c) => c.abi === abi).map((c) => `${keyOf(c)}${c.point}${c.verdict}`).join(",");
  const sets = new Map<string, string[]>();
  for (const abi of ctx.abis) {
    if (!shown.some((c) => c.abi === abi)) continue;
    sets.set(signature(abi), [...(sets.get(signature(abi)) ?? []), abi]);
  }
  const out: string[] = [];
  for (const abis of sets.values()) {
    const mine = shown.filter((c) => abis.includes(c.abi));
    const first = mine.filter((c) => c.abi === abis[0]);
    const points = [...new Set(first.map((c) => c.point))];
    const metrics = [...new Set(first.map(keyOf))];
    const at = (k: string, p: string) => mine.filter((c) => keyOf(c) === k && c.point === p);
    // Metrics the same at every stated point: one short clause.
    const steady = metrics.filter((k) =>
      first.filter((c) => keyOf(c) === k)
        .every((c) => c.verdict === "same")
    );
    const moving = metrics.filter((k) => !steady.includes(k));
    const piece = (list: AnswerComparison[], where: string) => {
      const c = list[0];
      const to = vals(c.metric, list.map((x) => x.a.mean));
      const from = vals(c.metric, list.map((x) => x.b.mean));
      const w = where ? ` with ${where}` : "";
      const how = c.verdict === "same"
        ? `the same within ${withinWord(c.metric)}`
        : c.verdict === "unknown"
        ? unknownWord(c)
        : `${sizeWord(c.metric, c)}${list.length === 1 ? `; difference ${diffWord(c)}` : ""}`;
      return { from, text: `${to}${w} (${how})` };
    };
    const clauses: string[] = [];
    const lead = points.length === 1 && ctx.params.length
      ? `, ${pointWords(ctx, points[0], rk, q.per)} against ${
        pointWords(ctx, rk, points[0], q.per)
      }`
      : ctx.params.length
      ? ` (against ${pointWords(ctx, rk, "", q.per)})`
      : "";
    if (points.length > 1 && moving.length > 1) {
      // Point by point: what changed at each.
      for (const p of points) {
        const items = moving.flatMap((k) => {
          const list = at(k, p);
          if (list.every((c) => c.verdict === "same")) return [];
          const pc = piece(list, "");
          return [`${subjectWords(list[0].metric, list[0].group)} from ${pc.from} to ${pc.text}`];
        });
        const where = pointWords(ctx, p, rk, q.per);
        clauses.push(
          items.length
            ? `${where}: ${items.join(", ")}`
            : `${where}: no change (each the same within ${
              withinWord(moving.map((k) => at(k, p)[0].metric)[0])
            })`,
        );
      }
    } else {
      for (const k of moving) {
        const ps = points.map((p) =>
          piece(at(k, p), points.length > 1 ? pointWords(ctx, p, rk, q.per) : "")
        );
        const list = mine.filter((c) => keyOf(c) === k);
        clauses.push(
          `${subjectWords(list[0].metric, list[0].group)} from ${ps[0].from} to ` +
            `${ps.map((x) => x.text).join(" and ")}${coalescedNote(list)}`,
        );
      }
    }
    if (steady.length) {
      const names = steady.map((k) => {
        const list = mine.filter((c) => keyOf(c) === k);
        const m = list[0].metric;
        const side = (f: (c: AnswerComparison) => number) =>
          vals(
            m,
            abis.map((x) => {
              const c = list.find((y) => y.abi === x);
              return c ? f(c) : NaN;
            }),
          );
        // One point: both values; several: the reference's (the others are within the band).
        const shown = points.length === 1
          ? `${side((c) => c.a.mean)} vs ${side((c) => c.b.mean)}`
          : side((c) => c.b.mean);
        return `${subjectWords(m, list[0].group)} (${shown})`;
      });
      clauses.push(
        `${joinAnd(names)} the same within ${
          withinWord(a.comparisons.find((c) => keyOf(c) === steady[0])!.metric)
        }${points.length > 1 ? " at every point" : ""}`,
      );
    }
    const who = abis.length > 1 ? `Under ${abis.join(" / ")}` : `Under ${abis[0]}`;
    out.push(`${who}${lead}: ${clauses.join("; ")}.`);
  }
  if (out.length > 2) {
    return [
      out.map((s, i) => i === 0 ? s.slice(0, -1) : s.charAt(0).toLowerCase() + s.slice(1, -1))
        .join("; ") + ".",
    ];
  }
  return out;
}

/** The starvation sentence. */
function starvedSentence(ctx: ReportContext, a: Answer): string {
  if (a.starved.length === 0) return "";
  const ms = typeof ctx.base.starvation_ms === "number" ? ctx.base.starvation_ms : 10;
  const pct = (x: number) => `${sig(x * 100, 2)}%`;
  const parts: string[] = [];
  for (const g of [...new Set(a.starved.map((s) => s.group))]) {
    const mine = a.starved.filter((s) => s.group === g);
    const abis = [...new Set(mine.map((s) => s.abi))];
    const points = [...new Set(mine.map((s) => s.point))];
    const who = abis.length === ctx.abis.length && ctx.abis.length > 1
      ? "under every ABI"
      : `under ${joinAnd(abis)}`;
    const where = keysOf(ctx).length > 1
      ? ` with ${pointsWords(ctx, points, "", a.question.per)}`
      : "";
    const lo = Math.min(...mine.map((s) => s.delivered)),
      hi = Math.max(...mine.map((s) => s.delivered));
    const frac = mine.length === 1
      ? `${fmtCount(Math.round(mine[0].deliveredCount))} of ${
        fmtCount(Math.round(mine[0].raised))
      } ` +
        `raises delivered per run (${pct(lo)})`
      : `${pct(lo)}${pct(lo) === pct(hi) ? "" : `–${pct(hi)}`} of its raises delivered`;
    const others = ctx.abis.filter((x) => !abis.includes(x));
    const contrast = others.length && points.length === 1
      ? `, against ${
        joinAnd(others.map((x) => {
          const rows = atPoint(ctx.set.groups, ctx.params, points[0])
            .filter((r) => r.abi === x && String(r.group) === g);
          const r = mean(rows, "raised").mean, d = mean(rows, "delivered").mean;
          return `${r > 0 ? pct(d / r) : "n/a"} under ${x}`;
        }))
      }`
      : "";
    parts.push(`group ${g} starved ${who}${where}: ${frac}${contrast}`);
  }
  return `${cap(parts.join("; "))} (starved: waits over ${fmtNs(ms * 1e6)}).`;
}

/** The capacity sentence: how far each ABI bound every requested port. */
function capacitySentence(a: Answer): string {
  if (a.capacity.length === 0) return "";
  const per = a.question.per;
  const inUnits = (ports: number) =>
    per
      ? `${fmtCount(ports / per.per)} ${per.unit} (${fmtCount(ports)} ports)`
      : `${fmtCount(ports)} ports`;
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
    parts.push(
      `${joinAnd(never.map((c) => c.abi))} bind${never.length > 1 ? "" : "s"} every port up to ` +
        `the largest count tried, ${inUnits(top)}`,
    );
  }
  return parts.length ? `${cap(parts.join("; "))}.` : "";
}

function sentences(ctx: ReportContext, a: Answer, fragile: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const capacity = capacitySentence(a);
  if (capacity) out.push(capacity);
  out.push(...(a.question.comparison === "abis" ? abiSentences(ctx, a) : paramSentences(ctx, a)));
  const st = starvedSentence(ctx, a);
  if (st) out.push(st);
  const weak = a.comparisons.filter((c) => fragile.has(comparisonKey(c)));
  if (weak.length) {
    const what = [...new Set(weak.map((c) => `${subjectWords(c.metric, c.group)} of ${c.abi}`))];
    out.push(
      `Fragile: the answer on ${joinAnd(what)} does not hold across the cost model (see ` +
        `"Fragile findings").`,
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
