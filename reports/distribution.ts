/**
 * Per-entity results as a distribution: one box per ABI over the entities
 * (port groups, guests, ...) of a grid point, instead of one panel per
 * entity. Generic over the entity column, so any per-entity table
 * (`groups.csv`, a host's `guests.csv`) can be drawn the same way; the chart's
 * size depends on the number of ABIs only.
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import type { ReportContext } from "./context.ts";
import { summarize } from "./stats.ts";
import {
  type Chart,
  colorEnc,
  PANEL_H,
  PANEL_W,
  slug,
  top,
  type VlSpec,
  wantsLog,
} from "./chart_spec.ts";
import { atFocus, type Grid, valuesText } from "./grid.ts";

/** One entity's value for one ABI (mean over replications). */
export interface EntityValue {
  /** The ABI. */
  abi: string;
  /** The entity (guest, port group, ...). */
  entity: string;
  /** The value, in display units. */
  value: number;
}

/** Options of {@linkcode distributionSpec}. */
export interface DistributionOptions {
  /** Chart title. */
  title: string;
  /** Subtitle. */
  subtitle: string;
  /** y axis title with unit. */
  yTitle: string;
  /** What an entity is, for the tooltip ("guest"). */
  entityTitle: string;
  /** ABIs in order. */
  abis: readonly string[];
}

/**
 * A box per ABI of the values across entities (whiskers: min and max; box: quartiles; line:
 * median), log y when the values span 20× or more.
 *
 * @example
 * ```ts
 * import { distributionSpec } from "./distribution.ts";
 * const spec = distributionSpec([{ abi: "fifo", entity: "g1", value: 3 },
 *   { abi: "fifo", entity: "g2", value: 5 }], { title: "t", subtitle: "", yTitle: "µs",
 *   entityTitle: "guest", abis: ["fifo"] });
 * console.log((spec.mark as { type: string }).type); // "boxplot"
 * ```
 */
export function distributionSpec(values: readonly EntityValue[], o: DistributionOptions): VlSpec {
  const log = wantsLog(values.map((v) => v.value));
  return {
    ...top(o.title, o.subtitle, [...values]),
    width: Math.min(PANEL_W * 2, Math.max(PANEL_W, 70 * o.abis.length)),
    height: PANEL_H,
    mark: { type: "boxplot", extent: "min-max", size: 28 },
    encoding: {
      x: { field: "abi", type: "nominal", title: "ABI", sort: o.abis, axis: { labelAngle: 0 } },
      y: {
        field: "value",
        type: "quantitative",
        title: o.yTitle,
        scale: log ? { type: "log" } : { zero: false },
      },
      color: { ...colorEnc(o.abis), legend: null },
    },
  };
}

/** Options of {@linkcode entityDistribution}. */
export interface EntityChartOptions {
  /** The column naming the entity in `rows` (e.g. "guest", "group"). */
  entity: string;
  /** The metric column. */
  metric: string;
  /** The metric in words, with its unit ("p99 round-trip time (µs)"). */
  yTitle: string;
  /** Display scale of the metric (e.g. ns to µs). */
  scale: (x: number) => number | null;
  /** What an entity is, in words ("guest"). */
  entityTitle: string;
}

/**
 * The distribution across entities of `rows` (one row per entity, ABI and replication at
 * each grid point) at the focus point: each entity's mean over replications, one box per
 * ABI. Null with fewer than two entities or no value.
 *
 * @example
 * ```ts
 * import { entityDistribution } from "./distribution.ts";
 * import { buildContext } from "./context.ts";
 * import { gridOf } from "./grid.ts";
 * const rows = [1, 2, 3].map((g) => ({ abi: "fifo", guest: `g${g}`, rt_p99_ns: g * 1000 }));
 * const ctx = buildContext({ dir: ".", manifest: { scenario: "s", command: "c", resolved: {},
 *   params: [] }, summary: [{ abi: "fifo", lat_p99_ns: 1 }], groups: [], priorities: [] });
 * const c = entityDistribution(ctx, gridOf(ctx), rows, { entity: "guest", metric: "rt_p99_ns",
 *   yTitle: "p99 (µs)", scale: (x) => x / 1000, entityTitle: "guest" });
 * console.log(c?.name); // "dist_rt_p99_ns_by_guest"
 * ```
 */
export function entityDistribution(
  ctx: ReportContext,
  grid: Grid,
  rows: readonly CsvRow[],
  o: EntityChartOptions,
): Chart | null {
  const here = atFocus(rows, grid, ctx.params);
  const est = summarize(here, [o.entity, "abi"], [o.metric]);
  const values: EntityValue[] = [];
  for (const s of est) {
    const v = o.scale(s.est[o.metric].mean);
    if (v === null || !Number.isFinite(v)) continue;
    values.push({ abi: String(s.keys.abi), entity: String(s.keys[o.entity]), value: v });
  }
  const entities = new Set(values.map((v) => v.entity)).size;
  if (entities < 2) return null;
  const abis = ctx.abis.filter((a) => values.some((v) => v.abi === a));
  const where = valuesText(ctx, grid, grid.varying);
  const title = `${o.yTitle} across ${o.entityTitle}s`;
  return {
    name: `dist_${slug(o.metric)}_by_${slug(o.entity)}`,
    title,
    caption: `Distribution over the ${entities} ${o.entityTitle}s of each one's ${o.yTitle} ` +
      "(mean over replications): box from the first to the third quartile, line at the " +
      "median, whiskers at the lowest and highest." + (where ? ` At ${where}.` : ""),
    spec: distributionSpec(values, {
      title,
      subtitle: `${entities} ${o.entityTitle}s, one box per ABI` +
        (where ? `; at the focus point: ${where}` : ""),
      yTitle: o.yTitle,
      entityTitle: o.entityTitle,
      abis,
    }),
    metrics: [o.metric],
  };
}
