/**
 * Findings of a flood study (a scenario with an `attacker` group, such as
 * the built-in `event-flood`): per ABI and grid point, what the flood costs
 * the victims (p99 dispatch and completion latency, their CPU share) and how
 * far the attacker is throttled, against the point where the victims fare
 * best. Values are means over replications with 95% confidence intervals.
 *
 * @module
 */

import { atPoint, pointText, type ReportContext } from "./context.ts";
import { pointKey } from "./load.ts";
import { fmtCi, fmtQuantile, fmtRatio, sig } from "./format.ts";
import { summarize } from "./stats.ts";

const METRICS = [
  "victim_lat_p99_ns",
  "victim_done_p99_ns",
  "victim_cpu_share",
  "attacker_rate_per_s",
  "attacker_cpu_share",
] as const;

/**
 * One sentence per ABI and grid point when the summary carries the flood
 * columns; none otherwise.
 *
 * @example
 * ```ts
 * import { floodFindings } from "./flood.ts";
 * // const lines = floodFindings(buildContext(loadResults("results/event-flood")));
 * console.log(typeof floodFindings); // "function"
 * ```
 */
export function floodFindings(ctx: ReportContext): string[] {
  const rows = ctx.set.summary;
  if (rows.length === 0 || !("victim_lat_p99_ns" in rows[0])) return [];
  const keys = [...new Set(rows.map((r) => pointKey(r, ctx.params)))];
  const out: string[] = [];
  for (const abi of ctx.abis) {
    const points = keys.map((k) => {
      const s = summarize(atPoint(rows, ctx.params, k).filter((r) => r.abi === abi), [], [
        ...METRICS,
      ]);
      return { key: k, est: s[0]?.est };
    }).filter((p) => p.est !== undefined && Number.isFinite(p.est.victim_done_p99_ns.mean));
    if (points.length === 0) continue;
    const best = points.reduce((a, b) =>
      b.est!.victim_done_p99_ns.mean < a.est!.victim_done_p99_ns.mean ? b : a
    );
    for (const p of points) {
      const e = p.est!;
      const where = pointText(p.key, ctx.params, ctx.labels);
      const ratio = e.victim_done_p99_ns.mean / best.est!.victim_done_p99_ns.mean;
      out.push(
        `${abi}${where ? ` with ${where}` : ""}: victims' p99 dispatch latency ` +
          `${fmtQuantile(e.victim_lat_p99_ns.mean, e.victim_lat_p99_ns.ci)}, p99 completion ` +
          `${fmtQuantile(e.victim_done_p99_ns.mean, e.victim_done_p99_ns.ci)}` +
          (p === best
            ? " (the best point)"
            : ratio < 1.1
            ? " (within 10% of the best point)"
            : ` (${fmtRatio(ratio)} the best point's)`) +
          `, victim CPU share ${fmtCi(e.victim_cpu_share.mean, e.victim_cpu_share.ci)}; ` +
          `the attacker is delivered ${sig(e.attacker_rate_per_s.mean)} events/s ` +
          `(CPU share ${fmtCi(e.attacker_cpu_share.mean, e.attacker_cpu_share.ci)}).`,
      );
    }
  }
  return out;
}
