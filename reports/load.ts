/**
 * Reading a results folder (README: Metrics) into rows for the reports: the CSV
 * tables, the manifest, and the grid points the sweep visited. Reports read
 * results; they never simulate.
 *
 * @module
 */

import { type CsvRow, fromCsv } from "./csv.ts";

/** The parts of `manifest.json` the reports use. */
export interface ManifestInfo {
  /** Scenario name. */
  scenario: string;
  /** The command line that produced the folder. */
  command: string;
  /** The resolved scenario or sweep. */
  resolved: unknown;
  /** The base scenario with every default filled in (newer manifests). */
  scenario_full?: unknown;
  /** Swept parameter paths (CSV columns). */
  params: string[];
  /** evtchn-sim version. */
  tool_version?: string;
}

/** A results folder, loaded. */
export interface ResultSet {
  /** The folder. */
  dir: string;
  /** manifest.json. */
  manifest: ManifestInfo;
  /** summary.csv rows. */
  summary: CsvRow[];
  /** groups.csv rows. */
  groups: CsvRow[];
  /** priorities.csv rows. */
  priorities: CsvRow[];
  /**
   * Per-guest rows (a host's per_guest.csv: one per run, started guest and
   * device class), when the folder has them.
   */
  guests?: CsvRow[];
}

function readCsv(path: string): CsvRow[] {
  try {
    return fromCsv(Deno.readTextFileSync(path));
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/**
 * Load the CSVs and manifest of the results folder `dir`.
 *
 * @example
 * ```ts
 * import { loadResults } from "./load.ts";
 * // const set = loadResults("results/default");
 * console.log(typeof loadResults); // "function"
 * ```
 */
export function loadResults(dir: string): ResultSet {
  const manifest = JSON.parse(Deno.readTextFileSync(`${dir}/manifest.json`)) as ManifestInfo;
  const guests = readCsv(`${dir}/per_guest.csv`);
  return {
    dir,
    manifest: { ...manifest, params: manifest.params ?? [] },
    summary: readCsv(`${dir}/summary.csv`),
    groups: readCsv(`${dir}/groups.csv`),
    priorities: readCsv(`${dir}/priorities.csv`),
    ...(guests.length > 0 ? { guests } : {}),
  };
}

/**
 * The ABIs of `rows` in order of first appearance.
 *
 * @example
 * ```ts
 * import { abisOf } from "./load.ts";
 * console.log(abisOf([{ abi: "2l" }, { abi: "fifo" }, { abi: "2l" }])); // ["2l", "fifo"]
 * ```
 */
export function abisOf(rows: readonly CsvRow[]): string[] {
  return [...new Set(rows.map((r) => String(r.abi)))];
}

/**
 * A grid point's key: the JSON of its parameter values, in `params` order.
 *
 * @example
 * ```ts
 * import { pointKey } from "./load.ts";
 * console.log(pointKey({ a: 1, b: 2 }, ["a"])); // "[1]"
 * ```
 */
export function pointKey(row: CsvRow, params: readonly string[]): string {
  return JSON.stringify(params.map((p) => row[p] ?? null));
}

/**
 * The distinct values of column `col`, numbers sorted ascending, others in order of appearance.
 *
 * @example
 * ```ts
 * import { distinct } from "./load.ts";
 * console.log(distinct([{ x: 3 }, { x: 1 }, { x: 3 }], "x")); // [1, 3]
 * ```
 */
export function distinct(rows: readonly CsvRow[], col: string): (string | number)[] {
  const vals = [...new Set(rows.map((r) => r[col]).filter((v) => v !== undefined && v !== ""))];
  return vals.every((v) => typeof v === "number") ? (vals as number[]).sort((a, b) => a - b) : vals;
}

/**
 * The swept parameters whose values are numbers and take at least two values.
 *
 * @example
 * ```ts
 * import { numericParams } from "./load.ts";
 * console.log(numericParams([{ p: 1, q: "a" }, { p: 2, q: "b" }], ["p", "q"])); // ["p"]
 * ```
 */
export function numericParams(rows: readonly CsvRow[], params: readonly string[]): string[] {
  return params.filter((p) => {
    const vals = distinct(rows, p);
    return vals.length > 1 && vals.every((v) => typeof v === "number");
  });
}

/**
 * Read a dotted path (`groups.1.ports`) from a JSON value; undefined when absent.
 *
 * @example
 * ```ts
 * import { getPath } from "./load.ts";
 * console.log(getPath({ groups: [{ name: "t" }] }, "groups.0.name")); // "t"
 * ```
 */
export function getPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const k of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/**
 * The base scenario of a resolved manifest value (a sweep's `base` or the scenario itself).
 *
 * @example
 * ```ts
 * import { baseScenario } from "./load.ts";
 * console.log(baseScenario({ base: { name: "x" }, grid: {} })); // { name: "x" }
 * ```
 */
export function baseScenario(resolved: unknown): Record<string, unknown> {
  if (resolved && typeof resolved === "object") {
    const r = resolved as Record<string, unknown>;
    if (r.base && typeof r.base === "object") return r.base as Record<string, unknown>;
    return r;
  }
  return {};
}

/**
 * A readable label for a swept parameter, naming the group when the path is inside one.
 *
 * @example
 * ```ts
 * import { paramLabel } from "./load.ts";
 * const base = { groups: [{ name: "timer" }, { name: "net" }] };
 * console.log(paramLabel("groups.1.arrival.rate_per_s", base)); // "net arrival rate (events/s)"
 * ```
 */
export function paramLabel(path: string, base: Record<string, unknown>): string {
  const m = /^groups\.(\d+)\.(.+)$/.exec(path);
  const known: Record<string, string> = {
    "arrival.rate_per_s": "arrival rate (events/s)",
    "arrival.period_us": "period (µs)",
    "ports": "ports requested",
    "priority": "priority",
    "service.mean_ns": "mean service time (ns)",
    "service.ns": "service time (ns)",
    "guest.vcpus": "VCPUs",
    "duration_ms": "duration (ms)",
    "starvation_ms": "starvation threshold (ms)",
    "vcpu_sched.wait.ns": "wait between run slices",
    "vcpu_sched.run.ns": "run slice",
    "init_fail_policy": "init_fail_policy",
  };
  // A whole guest template swept (its values are templates, shown by name).
  if (/^host\.guests\.\d+$/.test(path)) return "guest template";
  // A host's guest template (DESIGN §12): `host.guests.0.count` reads "guests (pvh)".
  const g = /^host\.guests\.(\d+)\.(.+)$/.exec(path);
  if (g) {
    const name = getPath(base, `host.guests.${g[1]}.name`);
    const guests = (base.host as { guests?: unknown[] } | undefined)?.guests?.length ?? 1;
    const which = guests > 1 ? ` (${typeof name === "string" ? name : `template ${g[1]}`})` : "";
    const field: Record<string, string> = { count: "guests", vcpus: "guest VCPUs" };
    return `${field[g[2]] ?? `guest ${g[2]}`}${which}`;
  }
  const hostKnown: Record<string, string> = {
    "host.dom0.vcpus": "dom0 VCPUs",
    "host.dom0.notify": "dom0 notify policy",
    "host.pcpus": "physical CPUs",
  };
  if (hostKnown[path]) return hostKnown[path];
  if (m) {
    const name = getPath(base, `groups.${m[1]}.name`);
    const rest = known[m[2]] ?? m[2];
    return `${typeof name === "string" ? name : `group ${m[1]}`} ${rest}`;
  }
  return known[path] ?? path;
}
