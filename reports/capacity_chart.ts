/**
 * The chart of a capacity study: the objective's metric against the axis
 * (the guest count) per ABI, mean and 95% band over replications, the
 * objective as a horizontal rule and each ABI's capacity as a dashed
 * vertical rule in its colour; one panel per grid point of a sweep file.
 * Built on the line chart of `charts.ts`.
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { type Chart, type LinePoint, lineSpec, type VlSpec } from "./charts.ts";
import { num } from "./stats.ts";
import { meanCi } from "./aggregate.ts";
import { objectiveWords } from "./capacity_text.ts";
import { paramWords } from "./context.ts";

/**
 * The capacity chart of `summary` rows and `capacity` rows (capacity.csv);
 * undefined when there is nothing to draw.
 *
 * @example
 * ```ts
 * import { capacityChart } from "./capacity_chart.ts";
 * const summary = [1, 2, 4].flatMap((n) => [0, 1].map((r) => ({ abi: "fifo", replication: r,
 *   "host.guests.0.count": n, rt_p99_ns: 1000 * n + r })));
 * const capacity = [{ abi: "fifo", capacity: 2, capacity_high: 2, axis: "host.guests.0.count",
 *   objective: "rt_p99_ns<=3000" }];
 * console.log(capacityChart(summary, capacity, [])?.name); // "capacity"
 * ```
 */
export function capacityChart(
  summary: readonly CsvRow[],
  capacity: readonly CsvRow[],
  params: readonly string[],
): Chart | undefined {
  if (capacity.length === 0) return undefined;
  const axis = String(capacity[0].axis);
  const objective = String(capacity[0].objective);
  const m = /^([A-Za-z0-9_]+)(<=|>=)(.*)$/.exec(objective);
  if (!m) return undefined;
  const [, metric, , boundText] = m;
  const ns = metric.endsWith("_ns");
  const scale = ns ? 1e-3 : 1; // ns columns are drawn in µs
  const bound = Number(boundText) * scale;
  const abis = [...new Set(capacity.map((r) => String(r.abi)))];
  const facetOf = (r: CsvRow) =>
    params.length ? params.map((p) => paramWords(p, r[p])).join(", ") : undefined;
  const groups = new Map<string, CsvRow[]>();
  for (const r of summary) {
    const key = JSON.stringify([r.abi, facetOf(r) ?? "", Number(r[axis])]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const points: LinePoint[] = [];
  for (const [key, rows] of groups) {
    const [abi, facet, x] = JSON.parse(key) as [string, string, number];
    const s = meanCi(rows.map((r) => num(r[metric])).filter((v): v is number => v !== undefined));
    if (!Number.isFinite(x)) continue;
    const y = Number.isFinite(s.mean) ? s.mean * scale : null;
    const ci = Number.isFinite(s.half) ? s.half * scale : null;
    points.push({
      abi,
      x,
      y,
      lo: y !== null && ci !== null ? y - ci : y,
      hi: y !== null && ci !== null ? y + ci : y,
      ci,
      ...(facet ? { facet } : {}),
    });
  }
  if (points.length === 0) return undefined;
  points.sort((a, b) => (a.facet ?? "").localeCompare(b.facet ?? "") || a.x - b.x);
  const spec = lineSpec(points, {
    title: `${objectiveWords(objective).split(/ [≤≥] /)[0]} against ${axis}`,
    subtitle: `objective ${objectiveWords(objective)} (grey rule); dashed: each ABI's capacity`,
    xTitle: axis,
    yTitle: ns ? `${metric} (µs)` : metric,
    abis,
    facetTitle: params.join(", "),
    yZero: true,
  });
  const marks = capacity.map((r) => ({
    abi: String(r.abi),
    x: Number(r.capacity),
    ...(facetOf(r) ? { facet: facetOf(r) } : {}),
  }));
  const layer = ((spec.spec as VlSpec | undefined)?.layer ?? spec.layer) as VlSpec[];
  layer.push(
    { mark: { type: "rule", color: "#777" }, encoding: { y: { datum: bound } } },
    {
      data: { values: marks },
      mark: { type: "rule", strokeDash: [4, 3] },
      encoding: {
        x: { field: "x", type: "quantitative" },
        color: { field: "abi", type: "nominal", legend: null },
      },
    },
  );
  return {
    name: "capacity",
    title: `Capacity at ${objectiveWords(objective)}`,
    caption: `${metric} (mean and 95% band over replications) against ${axis} for every value ` +
      `the search ran; the grey rule is the objective, a dashed rule each ABI's capacity.`,
    spec,
  };
}
