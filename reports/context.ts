/**
 * What every report needs to know about a loaded results folder: the ABIs,
 * the baseline, the swept parameters and their labels, and the focus grid
 * point (where the reports zoom in for per-group and per-priority views).
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import {
  abisOf,
  baseScenario,
  numericParams,
  paramLabel,
  pointKey,
  type ResultSet,
} from "./load.ts";
import { summarize } from "./stats.ts";
import { fmtNs, sig } from "./format.ts";

/** A loaded results folder with its derived facts. */
export interface ReportContext {
  /** The loaded folder. */
  set: ResultSet;
  /** ABIs in order of first appearance. */
  abis: string[];
  /** The ABI differences are measured against: the scenario's `baseline`, else the first of its `abis` (as in aggregate.csv). */
  baseline: string;
  /** Swept parameter columns. */
  params: string[];
  /** Swept parameters with numeric values and at least two of them. */
  numeric: string[];
  /** The resolved base scenario. */
  base: Record<string, unknown>;
  /** Parameter path to readable label. */
  labels: Record<string, string>;
  /** Key of the focus grid point (highest mean p99 over all ABIs). */
  focus: string;
  /** Number of grid points. */
  points: number;
}

/**
 * Derive the report context of a loaded results folder.
 *
 * @example
 * ```ts
 * import { buildContext } from "./context.ts";
 * const ctx = buildContext({ dir: ".", manifest: { scenario: "s", command: "c", resolved: {},
 *   params: [] }, summary: [{ abi: "fifo", lat_p99_ns: 5 }], groups: [], priorities: [] });
 * console.log(ctx.baseline, ctx.points); // "fifo" 1
 * ```
 */
export function buildContext(set: ResultSet): ReportContext {
  const params = set.manifest.params.filter((p) => set.summary.some((r) => p in r));
  const abis = abisOf(set.summary);
  const base = baseScenario(set.manifest.resolved);
  const labels = Object.fromEntries(params.map((p) => [p, paramLabel(p, base)]));
  const byPoint = summarize(
    set.summary.map((r) => ({ ...r, __point: pointKey(r, params) })),
    ["__point"],
    ["lat_p99_ns"],
  );
  let focus = byPoint.length ? String(byPoint[0].keys.__point) : pointKey({}, params);
  let worst = -Infinity;
  for (const s of byPoint) {
    const m = s.est.lat_p99_ns.mean;
    if (m > worst) {
      worst = m;
      focus = String(s.keys.__point);
    }
  }
  return {
    set,
    abis,
    baseline: baselineOf(base, abis),
    params,
    numeric: numericParams(set.summary, params),
    base,
    labels,
    focus,
    points: byPoint.length,
  };
}

/** The scenario's `baseline`, else the first of its `abis` that ran, else `2l`, else the first. */
function baselineOf(base: Record<string, unknown>, abis: readonly string[]): string {
  if (typeof base.baseline === "string" && abis.includes(base.baseline)) return base.baseline;
  const listed = Array.isArray(base.abis) ? base.abis.find((a) => abis.includes(String(a))) : null;
  if (typeof listed === "string") return listed;
  return abis.includes("2l") ? "2l" : abis[0] ?? "";
}

/**
 * What "latency" means in this report, in one sentence: dispatch latency for a guest's ports; on
 * a host (DESIGN §12) the round trip comes first.
 *
 * @example
 * ```ts
 * import { latencyDefinition } from "./context.ts";
 * console.log(latencyDefinition([{ rt_mean_ns: 30000 }]).startsWith("A round trip")); // true
 * ```
 */
export function latencyDefinition(summary: readonly CsvRow[]): string {
  const dispatch = "from the raise that made a port pending to the start of its handler";
  return summary.some((r) => typeof r.rt_mean_ns === "number")
    ? "A round trip runs from a guest's request until its client has the response; " +
      `dispatch latency runs ${dispatch}.`
    : `Latency is dispatch latency: ${dispatch}.`;
}

/**
 * Whether every row ran the whole requested load: no port failed to bind and, on a host, no
 * guest was refused for lack of dom0 ports. Where an ABI did not, its latency describes a
 * smaller system than its baseline's, so reports flag the point instead of comparing it.
 *
 * @example
 * ```ts
 * import { ranAll } from "./context.ts";
 * console.log(ranAll([{ bind_failures: 0 }, { guests_refused: 0 }])); // true
 * console.log(ranAll([{ guests_refused: 102 }])); // false
 * ```
 */
export function ranAll(rows: readonly CsvRow[]): boolean {
  return rows.every((r) =>
    !(typeof r.bind_failures === "number" && r.bind_failures > 0) &&
    !(typeof r.guests_refused === "number" && r.guests_refused > 0)
  );
}

/**
 * Metrics that are compared even where an ABI did not run the whole load ({@linkcode ranAll}):
 * they measure the limit itself (ports, guests, memory, hypercalls), not the latency of what ran.
 *
 * @example
 * ```ts
 * import { LIMIT_METRICS } from "./context.ts";
 * console.log(LIMIT_METRICS.has("guests_refused")); // true
 * ```
 */
export const LIMIT_METRICS: ReadonlySet<string> = new Set([
  "bind_failures",
  "shared_bytes",
  "hypercalls",
  "guests_refused",
  "guests_started",
  "dom0_ports_bound",
]);

/**
 * The rows of `rows` at the grid point `key`.
 *
 * @example
 * ```ts
 * import { atPoint } from "./context.ts";
 * console.log(atPoint([{ p: 1 }, { p: 2 }], ["p"], "[2]")); // [{ p: 2 }]
 * ```
 */
export function atPoint(rows: readonly CsvRow[], params: readonly string[], key: string): CsvRow[] {
  return rows.filter((r) => pointKey(r, params) === key);
}

/**
 * The name of a grid value that is a whole object with a `name`, such as a
 * host's guest template swept as `host.guests.0` (in the CSVs, its JSON);
 * undefined for any other value.
 *
 * @example
 * ```ts
 * import { templateName } from "./context.ts";
 * console.log(templateName('{"name":"pv-1vcpu","count":16}'), templateName(8)); // "pv-1vcpu" undefined
 * ```
 */
export function templateName(v: unknown): string | undefined {
  let o = v;
  if (typeof v === "string" && v.startsWith("{")) {
    try {
      o = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  if (o === null || typeof o !== "object") return undefined;
  const name = (o as { name?: unknown }).name;
  return typeof name === "string" ? name : undefined;
}

/**
 * A swept parameter's value in human units: durations by the unit in the
 * path's last part (`ns`, `_us`, `_ms`), rates in k/M, booleans as on/off.
 *
 * @example
 * ```ts
 * import { fmtParamValue } from "./context.ts";
 * console.log(fmtParamValue("vcpu_sched.wait.ns", 30000000)); // "30 ms"
 * ```
 */
export function fmtParamValue(path: string, v: unknown): string {
  const name = templateName(v);
  if (name !== undefined) return name;
  if (typeof v === "boolean") return v ? "on" : "off";
  if (typeof v !== "number") return String(v);
  const last = path.split(".").pop() ?? "";
  if (last === "ns" || last.endsWith("_ns")) return fmtNs(v);
  if (last.endsWith("_us")) return fmtNs(v * 1e3);
  if (last.endsWith("_ms")) return fmtNs(v * 1e6);
  if (last.includes("rate") && Math.abs(v) >= 1e4) {
    return Math.abs(v) >= 1e6 ? `${sig(v / 1e6)}M` : `${sig(v / 1e3)}k`;
  }
  return String(v);
}

/**
 * Whether `axis` counts guests (`host.guests.N.count`).
 *
 * @example
 * ```ts
 * import { guestAxis } from "./context.ts";
 * console.log(guestAxis("host.guests.0.count"), guestAxis("groups.0.ports")); // true false
 * ```
 */
export function guestAxis(axis: string): boolean {
  return /^host\.guests\.\d+\.count$/.test(axis);
}

/**
 * A grid parameter in words: an object value (a guest template) by its
 * `name`, other values as `path=value` with a leading `host.` dropped.
 *
 * @example
 * ```ts
 * import { paramWords } from "./context.ts";
 * console.log(paramWords("host.guests.0", '{"name":"pv-1vcpu","count":16}')); // "pv-1vcpu"
 * console.log(paramWords("host.dom0.vcpus", 8)); // "dom0.vcpus=8"
 * ```
 */
export function paramWords(path: string, value: unknown): string {
  return templateName(value) ?? `${path.replace(/^host\./, "")}=${value}`;
}

/**
 * A grid point described in words ("net ports requested = 2048, ..."), or "" without parameters.
 *
 * @example
 * ```ts
 * import { pointText } from "./context.ts";
 * console.log(pointText("[2048]", ["groups.1.ports"], { "groups.1.ports": "net ports requested" }));
 * // "net ports requested = 2048"
 * ```
 */
export function pointText(
  key: string,
  params: readonly string[],
  labels: Record<string, string>,
): string {
  const vals = JSON.parse(key) as unknown[];
  return params.map((p, i) => `${labels[p] ?? p} = ${fmtParamValue(p, vals[i])}`).join(", ");
}
