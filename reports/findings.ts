/**
 * Findings computed from result rows (README: How to read the report).
 *
 * Every comparison is a paired difference over replications (common random
 * numbers: replication r of every ABI and grid point sees the same arrivals):
 *
 * - each ABI against the baseline, at each grid point, for every metric
 *   column (and per port group for the scenario's `answer` metrics and p99);
 * - within one ABI, the effect of the swept parameters: each grid point
 *   against the first (only with at most 4 points; with more, the last point
 *   where every port bound against the first), for the `answer` metrics.
 *
 * A comparison is a finding when it passes Holm–Bonferroni at 5% family-wise
 * within its metric and its size passes the practical threshold
 * ({@linkcode PRACTICAL}). Latency and overhead are never compared at a grid
 * point where an ABI could not bind every requested port: the point is
 * flagged instead. Findings about the scenario's `answer` metrics come
 * first; for each of them and each ABI the text says so when nothing passed.
 *
 * {@linkcode computeFindings} is a pure function of the context (no I/O):
 * it returns structured findings and their text.
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { atPoint, LIMIT_METRICS, pointText, ranAll, type ReportContext } from "./context.ts";
import { distinct, pointKey } from "./load.ts";
import { fmtCi, fmtNsCi, fmtQuantile, fmtRatio, sig } from "./format.ts";
import { type Estimate, holm, pairedDiff, pValue, summarize } from "./stats.ts";
import { floodFindings } from "./flood.ts";

/** The practical thresholds: a smaller difference is never a bullet. */
export const PRACTICAL = {
  /** Relative difference, |a − b| / max(|a|, |b|), for every metric not bounded to [0, 1]. */
  relative: 0.03,
  /** Absolute difference for indexes bounded to [0, 1] (Jain indexes, fractions). */
  absolute: 0.01,
} as const;

/** Family-wise error rate of each metric's family of comparisons (Holm–Bonferroni). */
export const ALPHA = 0.05;

/** Summary columns that describe the offered load or the run, not the design: never compared. */
const NOT_COMPARED = new Set([
  "raised",
  "sim_events",
  "ports_requested",
  "ports_bound",
  "unbound_raises",
  "priority",
  "n",
]);

/** Metrics that are meaningless where an ABI could not bind every port (they describe the few it bound). */

/** Readable names of known metric columns. */
const LABELS: Record<string, string> = {
  lat_mean_ns: "mean dispatch latency",
  lat_p50_ns: "median dispatch latency",
  lat_p90_ns: "p90 dispatch latency",
  lat_p99_ns: "p99 dispatch latency",
  lat_p999_ns: "p99.9 dispatch latency",
  lat_max_ns: "max dispatch latency",
  done_mean_ns: "mean completion latency",
  done_p99_ns: "p99 completion latency",
  jain_latency: "Jain index of per-port mean latency (1 = fair)",
  jain_service: "Jain index of per-port service (1 = fair)",
  latency_spread: "spread of per-port mean latency (slowest/fastest)",
  starved_events: "starved events per run",
  max_wait_ns: "longest wait",
  max_stall_ns: "longest stall",
  inversions: "priority inversions per run",
  upcalls: "upcalls per run",
  overhead_ns_per_event: "guest overhead per event",
  xen_ns_per_raise: "Xen time per raise",
  spurious: "spurious dispatches per run",
  hypercalls: "hypercalls per run",
  bind_failures: "bind failures",
  shared_bytes: "shared memory",
  max_xen_steps: "most Xen steps in one operation",
  delivered: "events delivered per run",
  coalesced: "coalesced raises per run",
  pending_at_end: "instances pending at the end",
  dropped: "events dropped per run",
  delivered_fraction: "delivered fraction",
  completed: "deferred work completed per run",
  hardirq_share: "share of VCPU time in hard-IRQ context",
  softirq_share: "share of VCPU time in softirq context",
  thread_share: "share of VCPU time in kthreads",
  eoi_deferred: "late EOIs deferred by loop control per run",
  ksoftirqd_wakeups: "ksoftirqd wakeups per run",
  victim_lat_p99_ns: "victims' p99 dispatch latency",
  victim_done_p99_ns: "victims' p99 completion latency",
  victim_cpu_share: "victims' share of VCPU time",
  attacker_cpu_share: "attacker's share of VCPU time",
  attacker_rate_per_s: "attacker's delivered events per second",
  // Hosts (DESIGN §12).
  rt_mean_ns: "mean round trip",
  rt_p50_ns: "median round trip",
  rt_p99_ns: "p99 round trip",
  rt_p999_ns: "p99.9 round trip",
  rt_max_ns: "longest round trip",
  guests_requested: "guests requested",
  guests_started: "guests started",
  guests_refused: "guests refused",
  dom0_ports_bound: "dom0 ports bound",
  requests: "requests completed per run",
  events_per_request: "events per request",
  notifies_suppressed: "notifications suppressed per run",
  dom0_busy: "dom0 busy fraction",
  dom0_busy_max: "busiest dom0 VCPU's busy fraction",
  dom0_hardirq: "dom0 share in hard-IRQ context",
  dom0_softirq: "dom0 share in softirq context",
  dom0_kthread: "dom0 share in kthreads",
  dom0_user: "dom0 share in user-space daemons",
  jain_rt: "Jain index of guests' mean round trips (1 = fair)",
  ring_stalls: "full-ring stalls per run",
  guest_cpu_wait: "guests' wait for a physical CPU",
  ioreq_rt_mean_ns: "mean ioreq round trip",
  ioreq_rt_p99_ns: "p99 ioreq round trip",
};

/** A readable name of metric column `m`. */
export function metricLabel(m: string): string {
  return LABELS[m] ?? m.replace(/_/g, " ");
}

/** Whether metric `m` is an index bounded to [0, 1]. */
export function isUnitIndex(m: string): boolean {
  return /^jain_/.test(m) || /fraction/.test(m) || /_share$/.test(m) ||
    /^dom0_(busy|busy_max|hardirq|softirq|kthread|user)$/.test(m);
}

/**
 * Whether metric `m` is a latency quantile read from an HDR histogram (p50 to p99.9).
 *
 * @example
 * ```ts
 * import { isQuantile } from "./findings.ts";
 * console.log(isQuantile("victim_lat_p99_ns"), isQuantile("lat_mean_ns")); // true false
 * ```
 */
export function isQuantile(m: string): boolean {
  return /(^|_)p\d+_ns$/.test(m);
}

/** Whether metric `m` is a duration in ns. */
export function isNs(m: string): boolean {
  return /(_ns$|_ns_|^ns$)/.test(m);
}

/**
 * A value of metric `m` in human units ("4.1 µs", "64 KiB", "0.953", "12").
 *
 * @example
 * ```ts
 * import { fmtMetric } from "./findings.ts";
 * console.log(fmtMetric("lat_p99_ns", 4100, 200)); // "4.1 µs ± 0.2"
 * ```
 */
export function fmtMetric(m: string, mean: number, ci: number): string {
  if (isQuantile(m) && ci === 0 && Number.isFinite(mean)) {
    // Every replication fell in one histogram bucket: "± 0" would claim a precision the
    // histogram does not have; its bucket's width is the resolution.
    return fmtQuantile(mean, ci);
  }
  if (isNs(m)) return fmtNsCi(mean, ci);
  if (m === "shared_bytes" || /_bytes$/.test(m)) {
    const k = Math.abs(mean) >= 1024 * 1024 ? [1024 * 1024, "MiB"] as const : Math.abs(mean) >=
        1024
      ? [1024, "KiB"] as const
      : [1, "B"] as const;
    const h = Number.isFinite(ci) && ci > 0 ? ` ± ${sig(ci / k[0], 2)}` : "";
    return `${sig(mean / k[0])} ${k[1]}${h}`;
  }
  if (m === "latency_spread") {
    return `${sig(mean)}×${Number.isFinite(ci) ? ` ± ${sig(ci, 2)}` : ""}`;
  }
  return fmtCi(mean, ci);
}

/** What a finding compares. */
export type FindingKind =
  /** An ABI against the baseline at one or more grid points. */
  | "abi"
  /** One ABI at a grid point against the same ABI at the reference point (a swept parameter's effect). */
  | "param"
  /** An ABI could not bind every requested port: flagged, not compared. */
  | "flag"
  /** A metric of the scenario's question where no comparison passed. */
  | "none";

/** One comparison that passed (or, for `flag` and `none`, a statement about the data). */
export interface Finding {
  /** What is compared. */
  kind: FindingKind;
  /** The metric column (for a flag: the limit it reports, `bind_failures` or `guests_refused`). */
  metric: string;
  /** Whether the metric is one the scenario's question is about (`answer`). */
  answer: boolean;
  /** The port group, when the comparison is per group. */
  group?: string;
  /** `[subject, reference]`: the ABI and the baseline, or for `param` the same ABI twice. */
  abis: [string, string];
  /** Grid point keys of the subject and the reference (equal for `abi`). */
  points: [string, string];
  /** The subject's metric against the reference's. */
  direction: "higher" | "lower" | "same";
  /** Subject's estimate over replications. */
  a: Estimate;
  /** Reference's estimate. */
  b: Estimate;
  /** Paired difference subject − reference, with its 95% half-width and p-value. */
  diff: Estimate;
  /** Effect size: |diff| / max(|a|, |b|), or |diff| for [0, 1] indexes. */
  effect: number;
  /** Whether it passed Holm–Bonferroni within its metric at {@linkcode ALPHA}. */
  significant: boolean;
  /** The sentence. */
  text: string;
}

/** Findings and their text lines, in report order. */
export interface FindingsResult {
  /** Structured findings, in report order. */
  findings: Finding[];
  /** One sentence per finding (some findings are summarised together). */
  text: string[];
}

/** A candidate comparison before the multiple-comparison correction. */
interface Candidate extends Omit<Finding, "significant" | "text" | "direction"> {
  practical: boolean;
}

/** The label of `abi` in `rows`: with the ABI that ran when it differs ("fifo (ran as 2l)"). */
function abiLabel(rows: readonly CsvRow[], abi: string): string {
  const ran = [...new Set(rows.filter((r) => r.abi === abi).map((r) => r.abi_ran))]
    .filter((x) => x !== undefined && x !== "" && x !== abi);
  return ran.length ? `${abi} (ran as ${ran.join("/")})` : abi;
}

function effectOf(m: string, a: Estimate, b: Estimate, d: Estimate): number {
  if (isUnitIndex(m)) return Math.abs(d.mean);
  const den = Math.max(Math.abs(a.mean), Math.abs(b.mean));
  return den > 0 ? Math.abs(d.mean) / den : 0;
}

function practical(m: string, effect: number): boolean {
  return effect >= (isUnitIndex(m) ? PRACTICAL.absolute : PRACTICAL.relative);
}

/**
 * Whether a difference `d` between estimates `a` and `b` of metric `m` is large enough to be
 * a finding: the practical threshold of {@linkcode PRACTICAL}, the same rule the report uses.
 *
 * @example
 * ```ts
 * import { differenceMatters } from "./findings.ts";
 * const e = (mean: number) => ({ mean, ci: 0, n: 5 });
 * console.log(differenceMatters("lat_p99_ns", e(100), e(101), e(-1))); // false
 * console.log(differenceMatters("lat_p99_ns", e(100), e(150), e(-50))); // true
 * ```
 */
export function differenceMatters(m: string, a: Estimate, b: Estimate, d: Estimate): boolean {
  return practical(m, effectOf(m, a, b, d));
}

/** The metric columns eligible for comparison, answer metrics first. */
function eligible(ctx: ReportContext, answer: readonly string[]): string[] {
  const skip = new Set([...ctx.params, "scenario", "abi", "replication", "seed", ...NOT_COMPARED]);
  const cols: string[] = [];
  for (const r of ctx.set.summary) {
    for (const [k, v] of Object.entries(r)) {
      if (!skip.has(k) && typeof v === "number" && !cols.includes(k)) cols.push(k);
    }
  }
  return [...answer.filter((m) => cols.includes(m)), ...cols.filter((m) => !answer.includes(m))];
}

/** The metrics of the scenario's question (`question.metrics`, else `answer`). */
export function answerMetrics(ctx: ReportContext): string[] {
  const q = ctx.base.question as { metrics?: unknown } | undefined;
  if (q && Array.isArray(q.metrics) && q.metrics.length) {
    return q.metrics.filter((x): x is string => typeof x === "string");
  }
  const a = ctx.base.answer;
  return Array.isArray(a) ? a.filter((x): x is string => typeof x === "string") : [];
}

function estimate(rows: readonly CsvRow[], m: string): Estimate {
  return summarize(rows, [], [m])[0]?.est[m] ?? { mean: NaN, ci: NaN, n: 0 };
}

function candidate(
  m: string,
  answer: boolean,
  kind: "abi" | "param",
  abis: [string, string],
  points: [string, string],
  a: readonly CsvRow[],
  b: readonly CsvRow[],
  group?: string,
): Candidate | null {
  const d = pairedDiff(a, b, m);
  if (!(d.n >= 1) || !Number.isFinite(d.mean)) return null;
  const ea = estimate(a, m), eb = estimate(b, m);
  const effect = effectOf(m, ea, eb, d);
  return {
    kind,
    metric: m,
    answer,
    ...(group !== undefined ? { group } : {}),
    abis,
    points,
    a: ea,
    b: eb,
    diff: d,
    effect,
    practical: practical(m, effect),
  };
}

/** Grid point keys in the order the sweep lists them. */
function pointKeys(ctx: ReportContext): string[] {
  return [...new Set(ctx.set.summary.map((r) => pointKey(r, ctx.params)))];
}

/**
 * The port groups worth comparing on their own: those carrying less than 90%
 * of the delivered events (a group carrying nearly all repeats the overall figure).
 */
function minorGroups(ctx: ReportContext): string[] {
  const total = ctx.set.summary.reduce((a, r) => a + (Number(r.delivered) || 0), 0);
  const groups = distinct(ctx.set.groups, "group").map(String);
  if (groups.length < 2) return [];
  return groups.filter((g) => {
    const d = ctx.set.groups.filter((r) => r.group === g)
      .reduce((a, r) => a + (Number(r.delivered) || 0), 0);
    return !(total > 0 && d / total >= 0.9);
  });
}

/** Every ABI-against-baseline comparison, skipping points where either ABI did not bind every port. */
function abiCandidates(ctx: ReportContext, metrics: string[], answer: string[]): Candidate[] {
  const out: Candidate[] = [];
  const minor = minorGroups(ctx);
  const groupMetrics = new Set(
    ctx.set.groups.length ? [...answer, "lat_p99_ns"].filter((m) => m in ctx.set.groups[0]) : [],
  );
  for (const k of pointKeys(ctx)) {
    const rows = atPoint(ctx.set.summary, ctx.params, k);
    const grows = atPoint(ctx.set.groups, ctx.params, k);
    const base = rows.filter((r) => r.abi === ctx.baseline);
    for (const abi of ctx.abis) {
      if (abi === ctx.baseline) continue;
      const mine = rows.filter((r) => r.abi === abi);
      const bound = ranAll(mine) && ranAll(base);
      for (const m of metrics) {
        if (!bound && !LIMIT_METRICS.has(m)) continue;
        const c = candidate(m, answer.includes(m), "abi", [abi, ctx.baseline], [k, k], mine, base);
        if (c) out.push(c);
      }
      if (!bound) continue;
      for (const m of groupMetrics) {
        for (const g of minor) {
          const a = grows.filter((r) => r.abi === abi && r.group === g);
          const b = grows.filter((r) => r.abi === ctx.baseline && r.group === g);
          const c = candidate(m, answer.includes(m), "abi", [abi, ctx.baseline], [k, k], a, b, g);
          if (c) out.push(c);
        }
      }
    }
  }
  return out;
}

/**
 * The effect of the swept parameters within each ABI, for the answer metrics:
 * each grid point against the first (the reference), paired by replication.
 * With more than 4 grid points only the last point where the ABI bound every
 * port is compared with the first.
 */
function paramCandidates(ctx: ReportContext, answer: string[]): Candidate[] {
  const keys = pointKeys(ctx);
  if (keys.length < 2 || answer.length === 0) return [];
  // One-dimensional sweeps (one parameter, or parameters zipped together), and grids of several
  // dimensions up to 4 points (on/off switches such as loop control x backoff): every point is
  // compared with the first. In a larger grid the charts show each parameter's trend.
  const varying = ctx.params.filter((p) => distinct(ctx.set.summary, p).length > 1);
  if (
    keys.length > 4 && varying.some((p) => distinct(ctx.set.summary, p).length !== keys.length)
  ) return [];
  const out: Candidate[] = [];
  const minor = minorGroups(ctx);
  const groupAnswer = ctx.set.groups.length
    ? answer.filter((m) => m in ctx.set.groups[0] && m !== "lat_mean_ns")
    : [];
  for (const abi of ctx.abis) {
    const at = (k: string) => atPoint(ctx.set.summary, ctx.params, k).filter((r) => r.abi === abi);
    const ref = keys[0];
    if (!ranAll(at(ref))) continue;
    let others = keys.slice(1);
    if (keys.length > 4) {
      const ok = others.filter((k) => at(k).length > 0 && ranAll(at(k)));
      others = ok.length ? [ok[ok.length - 1]] : [];
    }
    for (const k of others) {
      if (!ranAll(at(k))) continue;
      for (const m of answer) {
        if (!(m in (at(k)[0] ?? {}))) continue;
        const c = candidate(m, true, "param", [abi, abi], [k, ref], at(k), at(ref));
        if (c) out.push(c);
      }
      const ga = atPoint(ctx.set.groups, ctx.params, k),
        gb = atPoint(ctx.set.groups, ctx.params, ref);
      for (const m of groupAnswer) {
        for (const g of minor) {
          const c = candidate(
            m,
            true,
            "param",
            [abi, abi],
            [k, ref],
            ga.filter((r) => r.abi === abi && r.group === g),
            gb.filter((r) => r.abi === abi && r.group === g),
            g,
          );
          if (c) out.push(c);
        }
      }
    }
  }
  return out;
}

/** Holm–Bonferroni within each metric's family (all its comparisons, groups and points). */
function correct(cands: readonly Candidate[]): Finding[] {
  const byMetric = new Map<string, number[]>();
  cands.forEach((c, i) => {
    const list = byMetric.get(c.metric) ?? [];
    list.push(i);
    byMetric.set(c.metric, list);
  });
  const sig = cands.map(() => false);
  for (const idx of byMetric.values()) {
    const rej = holm(idx.map((i) => cands[i].diff.p ?? pValue(cands[i].diff)), ALPHA);
    idx.forEach((i, j) => sig[i] = rej[j]);
  }
  return cands.map((c, i) => {
    const { practical: _p, ...rest } = c;
    return {
      ...rest,
      direction: c.diff.mean > 0 ? "higher" : c.diff.mean < 0 ? "lower" : "same",
      significant: sig[i],
      text: "",
    };
  });
}

function where(ctx: ReportContext, key: string): string {
  const t = pointText(key, ctx.params, ctx.labels);
  return t ? ` at ${t}` : "";
}

/** "3.6× lower" or "12% higher". */
function sizeText(f: Finding): string {
  if (isUnitIndex(f.metric)) return `${f.direction} by ${sig(Math.abs(f.diff.mean), 2)}`;
  const a = Math.abs(f.a.mean), b = Math.abs(f.b.mean);
  const r = f.direction === "lower" ? b / a : a / b;
  // From 100× on, a ratio of two noisy values is noise in its digits: the values say it.
  if (!Number.isFinite(r) || r >= 100) return f.direction;
  if (r >= 1.5) return `${fmtRatio(r)} ${f.direction}`;
  return `${sig(Math.abs(f.diff.mean) / (b || a) * 100, 2)}% ${f.direction}`;
}

function diffText(f: Finding): string {
  const d = f.diff;
  const v = isNs(f.metric)
    ? fmtNsCi(d.mean, d.ci)
    : f.metric === "latency_spread"
    ? fmtCi(d.mean, d.ci)
    : fmtMetric(f.metric, d.mean, d.ci);
  return `paired difference ${d.mean > 0 ? "+" : ""}${v}`;
}

function subject(f: Finding): string {
  return `${metricLabel(f.metric)}${f.group !== undefined ? ` of group ${f.group}` : ""}`;
}

/** One sentence for a set of ABI comparisons of one metric, ABI and group over grid points. */
function abiSentence(ctx: ReportContext, list: Finding[], tested: number): string {
  const f = list[0];
  const a = abiLabel(ctx.set.summary, f.abis[0]), b = abiLabel(ctx.set.summary, f.abis[1]);
  const show = (x: Finding) =>
    `${a} ${fmtMetric(x.metric, x.a.mean, x.a.ci)} vs ${b} ` +
    `${fmtMetric(x.metric, x.b.mean, x.b.ci)} (${sizeText(x)}; ${diffText(x)})`;
  if (tested <= 1) {
    return `${subject(f)}: ${show(f)}${where(ctx, f.points[0])}${coalescedNote(ctx, f)}.`;
  }
  const lower = list.filter((x) => x.direction === "lower").length;
  const higher = list.length - lower;
  const dir = lower >= higher ? "lower" : "higher";
  const main = list.filter((x) => x.direction === dir);
  const big =
    [...main].sort((x, y) =>
      y.effect - x.effect || Math.abs(y.diff.mean) - Math.abs(x.diff.mean)
    )[0];
  const other = Math.min(lower, higher);
  return `${subject(f)}: ${a} is ${dir} than ${b} at ${main.length} of ${tested} grid ` +
    `points${other ? ` (${other} go the other way)` : ""}; the largest difference is ` +
    `${show(big)}${where(ctx, big.points[0])}${coalescedNote(ctx, big)}.`;
}

/**
 * For a quantile at a point where many raises were coalesced into an event already pending:
 * they are not among the quantile's events, so the quantile understates the wait.
 */
function coalescedNote(ctx: ReportContext, f: Finding): string {
  if (!isQuantile(f.metric)) return "";
  // The rows the quantile counts: its group's, the victims' (every group but the attacker) for
  // a victim_* metric, else the whole run's.
  const attackers = new Set(
    ((ctx.base.groups ?? []) as { name?: string; attacker?: boolean }[])
      .filter((g) => g.attacker).map((g) => String(g.name)),
  );
  const share = (abi: string, k: string) => {
    const rows = f.group !== undefined || f.metric.startsWith("victim_")
      ? atPoint(ctx.set.groups, ctx.params, k).filter((r) =>
        r.abi === abi &&
        (f.group !== undefined ? String(r.group) === f.group : !attackers.has(String(r.group)))
      )
      : atPoint(ctx.set.summary, ctx.params, k).filter((r) => r.abi === abi);
    const raised = rows.reduce((a, r) => a + (Number(r.raised) || 0), 0);
    const coal = rows.reduce((a, r) => a + (Number(r.coalesced) || 0), 0);
    return raised > 0 ? coal / raised : 0;
  };
  const worst = Math.max(share(f.abis[0], f.points[0]), share(f.abis[1], f.points[1]));
  return worst >= 0.1
    ? `; ${sig(worst * 100, 2)}% of the raises were coalesced into an event already pending ` +
      `and are not in the quantiles`
    : "";
}

function paramSentence(ctx: ReportContext, f: Finding): string {
  const ran = (k: string) => {
    const l = abiLabel(atPoint(ctx.set.summary, ctx.params, k), f.abis[0]);
    return l === f.abis[0] ? "" : ` (${l.slice(f.abis[0].length + 2, -1)})`;
  };
  const vals = (k: string) => JSON.parse(k) as unknown[];
  const changed = ctx.params.filter((_, i) =>
    JSON.stringify(vals(f.points[0])[i]) !== JSON.stringify(vals(f.points[1])[i])
  );
  const desc = (k: string) =>
    pointText(k, ctx.params, ctx.labels).split(", ").filter((_, i) =>
      changed.includes(ctx.params[i])
    ).join(", ");
  return `${subject(f)} of ${f.abis[0]} with ${desc(f.points[0])}${ran(f.points[0])} ` +
    `against ${desc(f.points[1])}${ran(f.points[1])}: ` +
    `${fmtMetric(f.metric, f.a.mean, f.a.ci)} vs ${fmtMetric(f.metric, f.b.mean, f.b.ci)} ` +
    `(${sizeText(f)}; ${diffText(f)})${coalescedNote(ctx, f)}.`;
}

/** One ABI's parameter effects at several points against one reference, in one sentence. */
function paramRangeSentence(ctx: ReportContext, list: Finding[]): string {
  const f = list[0];
  const vals = (k: string) => JSON.parse(k) as unknown[];
  const changed = (k: string) =>
    ctx.params.filter((_, i) =>
      JSON.stringify(vals(k)[i]) !== JSON.stringify(vals(f.points[1])[i])
    );
  const desc = (k: string, against: string) =>
    pointText(k, ctx.params, ctx.labels).split(", ").filter((_, i) =>
      changed(against).includes(ctx.params[i])
    ).join(", ");
  const at = list.map((x) =>
    `${fmtMetric(x.metric, x.a.mean, x.a.ci)} with ${desc(x.points[0], x.points[0])} ` +
    `(${sizeText(x)}; ${diffText(x)})`
  );
  const worst = [...list].sort((x, y) => y.effect - x.effect)[0];
  return `${subject(f)} of ${f.abis[0]}: ${fmtMetric(f.metric, f.b.mean, f.b.ci)} with ` +
    `${desc(f.points[1], f.points[0])}, against ${at.join(", ")}${coalescedNote(ctx, worst)}.`;
}

/** Points where an ABI could not bind every requested port: flagged, never compared. */
function flags(ctx: ReportContext): { findings: Finding[]; text: string[] } {
  const findings: Finding[] = [], text: string[] = [];
  const none: Estimate = { mean: NaN, ci: NaN, n: 0 };
  for (const abi of ctx.abis) {
    const parts: string[] = [];
    for (const k of pointKeys(ctx)) {
      const rows = atPoint(ctx.set.summary, ctx.params, k).filter((r) => r.abi === abi);
      if (rows.length === 0 || ranAll(rows)) continue;
      const req = estimate(rows, "ports_requested").mean;
      const fail = estimate(rows, "bind_failures").mean;
      const raised = estimate(rows, "raised").mean;
      const lost = estimate(rows, "unbound_raises").mean;
      const carried = raised + lost > 0 ? raised / (raised + lost) : NaN;
      const bound = Number.isFinite(req)
        ? `${sig(req - fail)} of ${sig(req)}`
        : `all but ${sig(fail)} of the`;
      const load = Number.isFinite(carried)
        ? `; it carried ${sig(carried * 100, 2)}% of the offered load`
        : "";
      const w = pointText(k, ctx.params, ctx.labels);
      // A host: guests refused for lack of dom0 ports (DESIGN §12), not ports of one guest.
      const refused = estimate(rows, "guests_refused").mean;
      const what = refused > 0
        ? `started ${sig(estimate(rows, "guests_started").mean)} of ` +
          `${sig(estimate(rows, "guests_requested").mean)} guests (${sig(refused)} refused ` +
          `for lack of dom0 ports)`
        : `bound ${bound} requested ports${load}`;
      parts.push(`${w ? `at ${w}, ` : ""}${abi} ${what}`);
      // What was not run: a host's refused guests, a single guest's unbound ports.
      const limit = refused > 0 ? "guests_refused" : "bind_failures";
      findings.push({
        kind: "flag",
        metric: limit,
        answer: false,
        abis: [abi, abi],
        points: [k, k],
        direction: "same",
        a: estimate(rows, limit),
        b: none,
        diff: none,
        effect: Number.isFinite(carried) ? 1 - carried : NaN,
        significant: true,
        text: "",
      });
    }
    if (parts.length === 0) continue;
    const host = ctx.set.summary.some((r) => typeof r.guests_refused === "number");
    const t = `Not compared: ${parts.join("; ")}. Latency and overhead there describe ` +
      (host ? `the smaller host ${abi} could start.` : `the few ports ${abi} could bind.`);
    findings.filter((f) => f.abis[0] === abi && f.text === "").forEach((f) => f.text = t);
    text.push(t);
  }
  return { findings, text };
}

/** Pairs of metrics that are one quantity by definition: findings state them once. */
export const SAME_BY_DEFINITION: readonly (readonly [string, string])[] = [
  ["max_wait_ns", "lat_max_ns"],
];

/** How many bullets about metrics outside the scenario's question the report lists at most. */
const MAX_OTHER = 6;

/**
 * Compute the findings of a results context: a pure function of its rows
 * (no I/O). Returns the structured findings and one sentence per bullet.
 *
 * @example
 * ```ts
 * import { computeFindings } from "./findings.ts";
 * import { buildContext } from "./context.ts";
 * const rows = [0, 1, 2].flatMap((r) => [
 *   { scenario: "s", abi: "2l", replication: r, seed: r, lat_p99_ns: 100 + r },
 *   { scenario: "s", abi: "fifo", replication: r, seed: r, lat_p99_ns: 50 + r * 1.1 },
 * ]);
 * const ctx = buildContext({ dir: ".", manifest: { scenario: "s", command: "c",
 *   resolved: { answer: ["lat_p99_ns"] }, params: [] }, summary: rows, groups: [], priorities: [] });
 * console.log(computeFindings(ctx).findings[0].direction); // "lower"
 * ```
 */
export function computeFindings(ctx: ReportContext): FindingsResult {
  if (ctx.set.summary.length === 0) return { findings: [], text: [] };
  const answer = answerMetrics(ctx);
  const metrics = eligible(ctx, answer);
  const all = correct([...abiCandidates(ctx, metrics, answer), ...paramCandidates(ctx, answer)]);
  const passed = all.filter((f) => f.significant && practical(f.metric, f.effect));
  const findings: Finding[] = [], text: string[] = [];
  // "No run-to-run variation" only for a metric whose value is one and the same in every run
  // of both ABIs at every grid point; a value that differs between points is a finding.
  const constant = (abi: string, m: string) => {
    const xs = ctx.set.summary.filter((r) => r.abi === abi).map((r) => r[m]);
    return xs.length > 0 && xs.every((x) => x === xs[0]);
  };
  const fixed = (f: Finding) =>
    fixedAtPoint(f) && constant(f.abis[0], f.metric) && constant(f.abis[1], f.metric);
  const tested = (m: string, abi: string, group?: string) =>
    all.filter((f) => f.kind === "abi" && f.metric === m && f.abis[0] === abi && f.group === group)
      .length;
  // ABI comparisons, one sentence per (metric, ABI, group).
  // A whole-run comparison that one group's comparison repeats (same values) is left to the group.
  const repeated = (f: Finding) =>
    f.group === undefined &&
    passed.some((g) =>
      g.group !== undefined && g.kind === f.kind && g.metric === f.metric &&
      g.abis[0] === f.abis[0] && g.points[0] === f.points[0] && g.a.mean === f.a.mean &&
      g.b.mean === f.b.mean
    );
  // A whole-run metric goes to the "same in every run" line only when it is the same in every
  // run at every grid point where it passed; when it varies at some, all its points stay together
  // in one sentence.
  const mixed = (f: Finding) =>
    f.group === undefined &&
    passed.some((g) =>
      g.kind === "abi" && g.group === undefined && g.metric === f.metric &&
      g.abis[0] === f.abis[0] && !fixed(g)
    );
  // Metrics that are one quantity by definition (the longest wait is the max dispatch latency
  // when nothing was censored) get one line: the second of a pair is dropped when its values are
  // the first's; `twinOf(f, 0)` names the dropped twin of a first, `twinOf(f, 1)` the kept one.
  const twinOf = (f: Finding, side: 0 | 1): string | undefined => {
    for (const pair of SAME_BY_DEFINITION) {
      if (pair[side] !== f.metric) continue;
      const other = pair[1 - side];
      const hit = passed.some((g) =>
        g.metric === other && g.kind === f.kind && g.abis[0] === f.abis[0] &&
        g.group === f.group && g.points[0] === f.points[0] && g.a.mean === f.a.mean &&
        g.b.mean === f.b.mean
      );
      if (hit) return other;
    }
    return undefined;
  };
  const emitAbi = (m: string) => {
    const sentences: { effect: number; f: Finding[]; t: string }[] = [];
    for (const abi of ctx.abis) {
      const groups = [undefined, ...distinct(ctx.set.groups, "group").map(String)];
      for (const g of groups) {
        const list = passed.filter((f) =>
          f.kind === "abi" && f.metric === m && f.abis[0] === abi && f.group === g &&
          !repeated(f) && !(fixed(f) && !f.answer && !mixed(f)) && !twinOf(f, 1)
        );
        if (list.length === 0) continue;
        let t = abiSentence(ctx, list, tested(m, abi, g));
        const twin = list.map((f) => twinOf(f, 0)).find((x) => x);
        if (twin) t = t.replace(metricLabel(m), `${metricLabel(m)} (= ${metricLabel(twin)})`);
        list.forEach((f) => f.text = t);
        sentences.push({ effect: Math.max(...list.map((f) => f.effect)), f: list, t });
      }
    }
    return sentences;
  };
  for (const m of answer) {
    for (const s of emitAbi(m)) {
      findings.push(...s.f);
      text.push(s.t);
    }
    // A parameter's effect within an ABI: one sentence per ABI and group, over its points.
    const params = passed.filter((f) => f.kind === "param" && f.metric === m);
    const seen = new Set<string>();
    for (const f of params) {
      const key = `${f.abis[0]}|${f.group ?? ""}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = params.filter((g) => `${g.abis[0]}|${g.group ?? ""}` === key);
      const t = list.length === 1 ? paramSentence(ctx, f) : paramRangeSentence(ctx, list);
      list.forEach((g) => g.text = t);
      findings.push(...list);
      text.push(t);
    }
    // Say so when a swept parameter changed none of the question's metric for an ABI.
    for (const abi of ctx.abis) {
      const tried = all.filter((f) =>
        f.kind === "param" && f.metric === m && f.abis[0] === abi && f.group === undefined
      );
      if (tried.length === 0 || passed.some((f) => tried.includes(f))) continue;
      // "No change" is news only beside an ABI whose metric did change.
      const contrast = passed.some((f) =>
        f.kind === "param" && f.metric === m && f.abis[0] !== abi && f.group === undefined
      );
      if (!contrast) continue;
      const t = `${metricLabel(m)} of ${abi}: no change across the grid points passed the test ` +
        `(Holm-corrected 95%, at least ${thresholdText(m)}).`;
      findings.push({ ...tried[0], kind: "none", significant: false, text: t });
      text.push(t);
    }
    // Say so when the question's metric showed no difference for an ABI.
    for (const abi of ctx.abis) {
      if (abi === ctx.baseline && ctx.abis.length > 1) continue;
      const any = findings.some((f) => f.metric === m && f.abis[0] === abi && f.kind === "abi");
      const triedAbi = all.some((f) => f.metric === m && f.abis[0] === abi && f.kind === "abi");
      if (any || !triedAbi) continue;
      const ref = ctx.abis.length > 1 && abi !== ctx.baseline ? ` against ${ctx.baseline}` : "";
      // A failed difference test is not sameness: the Answer's equivalence test decides that.
      const t = `${metricLabel(m)}: no difference of ${abi}${ref} passed the test ` +
        `(Holm-corrected 95%, at least ${thresholdText(m)}), which alone does not show ` +
        `they are the same (the Answer's equivalence test does).`;
      const none: Estimate = { mean: NaN, ci: NaN, n: 0 };
      findings.push({
        kind: "none",
        metric: m,
        answer: true,
        abis: [abi, ctx.baseline],
        points: ["", ""],
        direction: "same",
        a: none,
        b: none,
        diff: none,
        effect: 0,
        significant: false,
        text: t,
      });
      text.push(t);
    }
  }
  const fl = flags(ctx);
  findings.push(...fl.findings);
  text.push(...fl.text);
  const others = metrics.filter((m) => !answer.includes(m)).flatMap((m) => emitAbi(m));
  others.sort((x, y) => y.effect - x.effect || x.t.localeCompare(y.t));
  for (const s of others.slice(0, MAX_OTHER)) {
    findings.push(...s.f);
    text.push(s.t);
  }
  // Differences that are the same in every run (a property of the design, not of the load):
  // one line per ABI.
  for (const abi of ctx.abis) {
    const list = passed.filter((f) =>
      f.kind === "abi" && !f.answer && f.abis[0] === abi && fixed(f) && f.group === undefined &&
      !mixed(f)
    );
    const byMetric = new Map<string, Finding>();
    for (const f of list) if (!byMetric.has(f.metric)) byMetric.set(f.metric, f);
    if (byMetric.size === 0) continue;
    const parts = [...byMetric.values()].map((f) =>
      `${metricLabel(f.metric)} ${fmtMetric(f.metric, f.a.mean, NaN)} vs ` +
      `${fmtMetric(f.metric, f.b.mean, NaN)} (${sizeText(f)})`
    );
    const every = pointKeys(ctx).length > 1 ? " at every grid point" : "";
    const t = `Identical in every run${every} (no run-to-run variation), ${abi} vs ` +
      `${ctx.baseline}: ${parts.join("; ")}.`;
    for (const f of list) f.text = t;
    findings.push(...list);
    text.push(t);
  }
  return { findings, text };
}

/** Whether a comparison's values are the same in every replication (no sampling noise at all). */
function fixedAtPoint(f: Finding): boolean {
  return f.a.ci === 0 && f.b.ci === 0 && f.diff.ci === 0;
}

function thresholdText(m: string): string {
  return isUnitIndex(m) ? `${PRACTICAL.absolute} apart` : `${PRACTICAL.relative * 100}% apart`;
}

/**
 * The findings' sentences, in report order (see {@linkcode computeFindings}): a flood study's
 * per-point lines first, then `sentences` (the computed findings' text, or that text with
 * robustness tags).
 *
 * @example
 * ```ts
 * import { buildFindings } from "./findings.ts";
 * import { buildContext } from "./context.ts";
 * // const findings = buildFindings(buildContext(loadResults("results/default")));
 * console.log(typeof buildFindings, typeof buildContext); // "function" "function"
 * ```
 */
export function buildFindings(
  ctx: ReportContext,
  sentences: readonly string[] = computeFindings(ctx).text,
): string[] {
  // A flood study (an `attacker` group) first states each point's victim cost and attacker rate.
  return [...floodFindings(ctx), ...sentences];
}
