/**
 * Sweeps: a scenario or a sweep file expanded into numbered runs (grid point
 * x ABI x replication), each with a stable id and a seed derived by hashing.
 * A plain scenario is a sweep of one point.
 *
 * Sweep file: `{ "base": <scenario object or built-in name>, "grid": {
 * "<dotted.path>": [values] }, "zip": { "<dotted.path>": [values] } }`. Grid
 * keys form a product (the last key varies fastest); zip lists advance
 * together as one more dimension. Every point is validated before anything
 * runs. `--shard i/n` selects the runs whose index modulo n is i - 1.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { deriveSeed } from "../engine/random.ts";
import { InputError } from "../io/errors.ts";
import {
  applySet,
  type LoadedInput,
  loadInput,
  parseScenario,
  type Scenario,
  setPath,
} from "../scenario/scenario.ts";
import { isModulePath } from "../../models/registry.ts";
import { notFoundText, resolveInputPath } from "../io/paths.ts";
import type { ParamValue, Run } from "../run/run.ts";

/** Command-line overrides applied to every point. */
export interface PlanOverrides {
  /** `--abi a,b`: the ABIs to run instead of the scenario's. */
  abis?: string[];
  /** `--seed N`. */
  seed?: number;
  /** `--replications N`. */
  replications?: number;
  /** `--set k=v` assignments, applied in order. */
  sets?: string[];
}

/** An expanded sweep. */
export interface Plan {
  /** Scenario name (the base's). */
  name: string;
  /** Where it came from. */
  source: string;
  /** The base scenario, validated, with overrides applied. */
  base: Scenario;
  /** The raw sweep (or scenario) after overrides, for the manifest. */
  resolved: unknown;
  /** Swept parameter paths (CSV columns), in order. */
  params: string[];
  /** Every run, in index order. */
  runs: Run[];
  /** A hash identifying the sweep: its resolved content. */
  hash: string;
}

/**
 * SHA-256 hex of a JSON value with sorted keys (first `length` digits).
 *
 * @example
 * ```ts
 * import { hashJson } from "./plan.ts";
 * console.log(hashJson({ a: 1, b: 2 }) === hashJson({ b: 2, a: 1 })); // true
 * ```
 */
export function hashJson(value: unknown, length = 16): string {
  return createHash("sha256").update(stableJson(value)).digest("hex").slice(0, length);
}

/**
 * JSON with object keys sorted, for hashing.
 *
 * @example
 * ```ts
 * import { stableJson } from "./plan.ts";
 * console.log(stableJson({ b: 1, a: [2] })); // '{"a":[2],"b":1}'
 * ```
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]));
    }
    return v;
  });
}

function clone<T>(x: T): T {
  return structuredClone(x);
}

function isSweep(raw: unknown): raw is { base: unknown; grid?: unknown; zip?: unknown } {
  return typeof raw === "object" && raw !== null && "base" in raw;
}

/** Whether `path` is a file (symlinks followed). */
function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Resolve module-path ABIs against the user's directory (absolute file URLs). */
function resolveAbis(
  abis: string[],
  resolvePath: (p: string, key: string) => string,
): string[] {
  return abis.map((
    a,
    i,
  ) => (isModulePath(a) && !a.startsWith("file:") ? `file://${resolvePath(a, `abis.${i}`)}` : a));
}

/** A sweep before expansion: the base (overrides applied) and its lists. */
interface Prepared {
  baseRaw: unknown;
  baseSource: string;
  grid: Record<string, unknown[]>;
  zip: Record<string, unknown[]>;
  base: Scenario;
}

function prepare(input: LoadedInput, overrides: PlanOverrides): Prepared {
  const src = input.source;
  let baseRaw: unknown;
  let grid: Record<string, unknown[]> = {};
  let zip: Record<string, unknown[]> = {};
  let baseSource = src;
  if (!isSweep(input.raw) && typeof input.raw === "object" && input.raw !== null) {
    const r = input.raw as Record<string, unknown>;
    if ("grid" in r || "zip" in r) {
      throw new InputError(`${src}: base: a sweep file needs a base scenario (object or name)`);
    }
  }
  if (isSweep(input.raw)) {
    const sw = input.raw as Record<string, unknown>;
    for (const k of Object.keys(sw)) {
      // `capacity`: the settings of `sim capacity` (sim/sweep/capacity.ts); a sweep ignores them.
      if (!["base", "grid", "zip", "description", "capacity"].includes(k)) {
        throw new InputError(
          `${src}: ${k}: unknown key in a sweep file (expected base, grid, zip, capacity)`,
        );
      }
    }
    if (typeof sw.base === "string") {
      // A base named by path resolves against the sweep file's folder.
      const looksLikePath = sw.base.includes("/") || sw.base.endsWith(".json");
      const path = looksLikePath ? resolveInputPath(sw.base, "base") : sw.base;
      if (looksLikePath && !isFile(path)) {
        throw new InputError(`${notFoundText(sw.base, path, "base")} (a base scenario)`);
      }
      const b = loadInput(path);
      if (isSweep(b.raw)) throw new InputError(`${src}: base: expected a scenario, not a sweep`);
      baseRaw = clone(b.raw);
      baseSource = b.source;
    } else baseRaw = clone(sw.base);
    grid = checkLists(sw.grid, `${src}: grid`);
    zip = checkLists(sw.zip, `${src}: zip`);
    const zl = Object.entries(zip).map(([k, v]) => `${k} has ${v.length}`);
    if (new Set(Object.values(zip).map((v) => v.length)).size > 1) {
      throw new InputError(
        `${src}: zip: expected every list to have the same length (${zl.join(", ")})`,
      );
    }
    for (const k of Object.keys(zip)) {
      if (k in grid) {
        throw new InputError(`${src}: zip.${k}: already swept by grid.${k}; keep it in one`);
      }
    }
    if (typeof sw.description === "string" && typeof baseRaw === "object" && baseRaw) {
      (baseRaw as Record<string, unknown>).description = sw.description;
    }
  } else baseRaw = clone(input.raw);

  for (const set of overrides.sets ?? []) applySet(baseRaw, set);
  if (typeof baseRaw === "object" && baseRaw !== null) {
    const b = baseRaw as Record<string, unknown>;
    if (overrides.abis) b.abis = overrides.abis;
    if (overrides.seed !== undefined) b.seed = overrides.seed;
    if (overrides.replications !== undefined) b.replications = overrides.replications;
  }
  const base = parseScenario(baseRaw, baseSource);

  return { baseRaw, baseSource, grid, zip, base };
}

/**
 * How many runs `input` expands to, counted from its lists without expanding
 * them (so that a grid of a billion points is refused at once), and its base
 * scenario.
 *
 * @example
 * ```ts
 * import { countRuns } from "./plan.ts";
 * import { loadInput } from "../scenario/scenario.ts";
 * console.log(countRuns(loadInput("default"), {}).runs > 0); // true
 * ```
 */
export function countRuns(
  input: LoadedInput,
  overrides: PlanOverrides,
): { runs: number; base: Scenario } {
  const { grid, zip, base } = prepare(input, overrides);
  // A swept `abis` or `replications` is one more factor of the count:
  // the sum of its values' sizes instead of the base's.
  const abisOf = (v: unknown) => Array.isArray(v) ? v.length : 1;
  const repsOf = (v: unknown) => typeof v === "number" && v > 0 ? v : 1;
  const sum = (list: unknown[], f: (v: unknown) => number) =>
    list.reduce((n: number, v) => n + f(v), 0);
  let runs = 1;
  for (const [k, list] of Object.entries(grid)) {
    runs *= k === "abis"
      ? sum(list, abisOf)
      : k === "replications"
      ? sum(list, repsOf)
      : list.length;
  }
  const zipKeys = Object.keys(zip);
  if (zipKeys.length > 0) {
    let n = 0;
    for (let i = 0; i < zip[zipKeys[0]].length; i++) {
      n += ("abis" in zip ? abisOf(zip.abis[i]) : 1) *
        ("replications" in zip ? repsOf(zip.replications[i]) : 1);
    }
    runs *= n;
  }
  if (!("abis" in grid) && !("abis" in zip)) runs *= base.abis.length;
  if (!("replications" in grid) && !("replications" in zip)) runs *= base.replications;
  return { runs, base };
}

/**
 * Expand a loaded scenario or sweep into a plan.
 *
 * @example
 * ```ts
 * import { expandPlan } from "./plan.ts";
 * import { loadInput } from "../scenario/scenario.ts";
 * const plan = expandPlan(loadInput("default"), {});
 * console.log(plan.runs.length > 0); // true
 * ```
 */
export function expandPlan(
  input: LoadedInput,
  overrides: PlanOverrides,
  resolvePath: (p: string, key: string) => string = (p) => p,
): Plan {
  const src = input.source;
  const { baseRaw, baseSource, grid, zip, base } = prepare(input, overrides);

  const gridKeys = Object.keys(grid);
  const zipKeys = Object.keys(zip);
  const dims: { keys: string[]; values: unknown[][] }[] = gridKeys.map((k) => ({
    keys: [k],
    values: grid[k].map((v) => [v]),
  }));
  if (zipKeys.length > 0) {
    dims.push({
      keys: zipKeys,
      values: zip[zipKeys[0]].map((_, i) => zipKeys.map((k) => zip[k][i])),
    });
  }
  const params = [...gridKeys, ...zipKeys];
  const points: Record<string, unknown>[] = [];
  const walk = (d: number, acc: Record<string, unknown>) => {
    if (d === dims.length) {
      points.push({ ...acc });
      return;
    }
    for (const vals of dims[d].values) {
      dims[d].keys.forEach((k, i) => (acc[k] = vals[i]));
      walk(d + 1, acc);
    }
  };
  walk(0, {});

  const runs: Run[] = [];
  const seen = new Map<string, number>();
  points.forEach((pt, pi) => {
    const raw = clone(baseRaw);
    const coords = params.map((k) => `${k}=${JSON.stringify(pt[k])}`).join(", ");
    const where = params.length ? ` (grid point ${pi}: ${coords})` : "";
    for (const [k, v] of Object.entries(pt)) setPath(raw, k.split("."), clone(v), `${src}${where}`);
    const s: Scenario = parseScenario(raw, `${baseSource}${where}`);
    const modules = resolveAbis(s.abis, resolvePath);
    const paramRow: Record<string, ParamValue> = {};
    for (const k of params) {
      const v = pt[k];
      paramRow[k] = typeof v === "object" ? JSON.stringify(v) : v as ParamValue;
    }
    s.abis.forEach((abi, ai) => {
      const module = modules[ai] !== abi ? modules[ai] : undefined;
      for (let r = 0; r < s.replications; r++) {
        const seed = deriveSeed(s.seed, `replication/${r}`);
        // The id leaves out the replication count, so that adding replications
        // (--ci-target) keeps the ids of the runs already done.
        const id = hashJson({
          scenario: { ...s, replications: 0 },
          abi,
          module: module ?? null,
          replication: r,
          seed,
        });
        const twin = seen.get(id);
        if (twin !== undefined && twin !== pi) {
          throw new InputError(
            `${src}: grid point ${pi} (${coords}) resolves to the ` +
              `same scenario as grid point ${twin}: remove the duplicate value ` +
              `(use replications for repeats)`,
          );
        }
        seen.set(id, pi);
        runs.push({
          index: runs.length,
          id,
          scenario: s,
          abi,
          replication: r,
          seed,
          point: pi,
          params: paramRow,
          ...(module ? { module } : {}),
        });
      }
    });
  });
  const resolved = isSweep(input.raw) ? { ...(input.raw as object), base: baseRaw } : baseRaw;
  return {
    name: base.name,
    source: src,
    base,
    resolved,
    params,
    runs,
    hash: hashJson({ resolved, ids: runs.map((r) => r.id) }),
  };
}

function checkLists(v: unknown, where: string): Record<string, unknown[]> {
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new InputError(`${where}: expected an object of "dotted.path": [values]`);
  }
  const out: Record<string, unknown[]> = {};
  for (const [k, list] of Object.entries(v)) {
    if (k === "" || k.split(".").some((part) => part === "")) {
      throw new InputError(`${where}: '${k}': expected a dotted path such as groups.1.ports`);
    }
    if (!Array.isArray(list) || list.length === 0) {
      throw new InputError(`${where}.${k}: expected a non-empty list of values`);
    }
    out[k] = list;
  }
  return out;
}

/** One shard of a sweep: the runs whose `index % count === number - 1`. */
export interface Shard {
  /** 1-based shard number. */
  number: number;
  /** How many shards the sweep is cut into. */
  count: number;
}

/**
 * Parse `--shard i/n` (1 <= i <= n).
 *
 * @example
 * ```ts
 * import { parseShard } from "./plan.ts";
 * console.log(parseShard("2/4")); // { number: 2, count: 4 }
 * ```
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const number = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || number < 1 || number > count) {
    throw new InputError(`--shard ${text}: expected i/n with 1 <= i <= n (e.g. --shard 2/8)`);
  }
  return { number, count };
}

/**
 * `i/n`, as written in manifests and journals.
 *
 * @example
 * ```ts
 * import { formatShard } from "./plan.ts";
 * console.log(formatShard({ number: 1, count: 8 })); // "1/8"
 * ```
 */
export function formatShard(shard: Shard): string {
  return `${shard.number}/${shard.count}`;
}

/**
 * The runs of one shard: a deterministic 1/n of the sweep (`index % n === i - 1`),
 * so that every run belongs to exactly one shard and shards stay balanced
 * across ABIs and grid points.
 *
 * @example
 * ```ts
 * import { selectShard } from "./plan.ts";
 * const runs = [0, 1, 2, 3, 4].map((index) => ({ index }));
 * console.log(selectShard(runs, { number: 2, count: 2 }).map((r) => r.index)); // [1, 3]
 * ```
 */
export function selectShard<T extends { index: number }>(
  runs: readonly T[],
  shard: Shard | undefined,
): T[] {
  if (shard === undefined) return [...runs];
  return runs.filter((r) => r.index % shard.count === shard.number - 1);
}
