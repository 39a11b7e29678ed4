/**
 * Robustness to the cost model (README: Robustness to the cost model): the
 * scenario's runs repeated under N cost vectors drawn across the cost
 * ranges by a Latin hypercube. Every vector reuses the scenario's seeds, so
 * replication r sees the same arrivals and service times under every
 * vector (common random numbers): a change between vectors is the costs'.
 *
 * Writes `robust/design.json` (method, ranges, vectors) and
 * `robust/summary.csv`, `robust/groups.csv` (the usual rows with a
 * `cost_vector` column first) into the results folder; reports/robustness.ts
 * reads them.
 *
 * @module
 */

import { COST_FIELDS, COST_RANGES, RUNTIME_COST_FIELDS } from "../../models/costs.ts";
import { ABI_IDS, costFieldsRead } from "../../models/registry.ts";
import { hostCostFieldsRead } from "../host/cost_use.ts";
import { RandomStream } from "../engine/random.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { InputError } from "../io/errors.ts";
import { toCsv } from "../../reports/csv.ts";
import type { Row } from "../run/metrics.ts";
import type { Run, RunResult } from "../run/run.ts";
import type { Scenario } from "../scenario/scenario.ts";
import { HOST_COST_DEFAULTS, HOST_COST_FIELDS, HOST_COST_RANGES } from "../scenario/schema.ts";
import { executeRuns } from "./pool.ts";
import type { Plan } from "./plan.ts";
import { createProgress, type ProgressMode } from "./progress.ts";

/** The number of cost vectors `--robust` draws when no number is given. */
export const DEFAULT_ROBUST_VECTORS = 10;

/**
 * A cost field varied by the robustness check, with its range (ns). A host's
 * own cost fields are named `host.<field>` (e.g. `host.blkback_ns`).
 */
export interface VariedField {
  /** Cost field name: a `Costs` field, or `host.` and a host cost field. */
  field: string;
  /** Low end (ns). */
  low: number;
  /** High end (ns). */
  high: number;
}

/** A cost field the robustness check holds fixed, and why. */
export interface HeldField {
  /** Cost field name: a `Costs` field, or `host.` and a host cost field. */
  field: string;
  /**
   * Why it is held: set by the scenario, swept by the grid, read by no run
   * (no ABI model or host work of the scenario charges it), or a range of
   * zero width.
   */
  why: "set by the scenario" | "swept by the grid" | "read by no run" | "range of zero width";
}

/** The robustness design: how the cost vectors were drawn (robust/design.json). */
export interface RobustDesign {
  /** Sampling method. */
  method: "latin-hypercube";
  /** Number of cost vectors. */
  vectors: number;
  /** Seed of the hypercube (the scenario's seed). */
  seed: number;
  /** Fields varied, with their ranges. */
  varied: VariedField[];
  /** Fields held fixed. */
  held: HeldField[];
  /** Each vector: the value of every varied field (ns). */
  costs: Record<string, number>[];
  /** Runs per cost vector (the scenario's own run count). */
  runs_per_vector: number;
}

/**
 * Which cost fields vary and across what range: every field over its
 * built-in range (`COST_RANGES`), or the scenario's `cost_ranges` entry;
 * held fixed are the fields the scenario sets in `costs` (or all of them
 * under the `"zero"` preset) unless `cost_ranges` names them, the fields a
 * grid sweeps (`costs.x` parameters), the fields no run reads
 * ({@linkcode costFieldsReadBy}: varied, they would change nothing and could
 * only be named as a cause by chance), and ranges of zero width. A host
 * scenario's own costs (`host.costs`, named `host.<field>`) vary likewise
 * over `HOST_COST_RANGES` or `cost_ranges.host`; one the scenario sets to
 * other than its default, or a grid sweeps (`host.costs.x`), is held.
 *
 * @example
 * ```ts
 * import { costSpace } from "./robust.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * const s = parseScenario({ name: "x", costs: { upcall_ns: 5000 }, groups: [{ name: "a",
 *   ports: 1, vcpu: 0, arrival: { kind: "periodic", period_us: 100 },
 *   service: { kind: "const", ns: 100 } }] }, "x");
 * const { held } = costSpace(s, []);
 * console.log(held[0]); // { field: "upcall_ns", why: "set by the scenario" }
 * ```
 */
export function costSpace(
  base: Scenario,
  params: readonly string[],
): { varied: VariedField[]; held: HeldField[] } {
  const ranges = base.cost_ranges ?? {};
  const costs = base.costs;
  const preset = typeof costs === "string" ? costs : costs.preset ?? "default";
  const set = new Set(typeof costs === "string" ? [] : Object.keys(costs));
  const varied: VariedField[] = [];
  const held: HeldField[] = [];
  const read = costFieldsReadBy(base, params);
  for (const field of COST_FIELDS) {
    const own = ranges[field];
    if (params.includes(`costs.${field}`)) held.push({ field, why: "swept by the grid" });
    else if (!own && (set.has(field) || preset === "zero")) {
      held.push({ field, why: "set by the scenario" });
    } else if (!read.has(field)) held.push({ field, why: "read by no run" });
    else {
      const r = own ?? COST_RANGES[field];
      if (r.high > r.low) varied.push({ field, low: r.low, high: r.high });
      else held.push({ field, why: "range of zero width" });
    }
  }
  if (base.host !== undefined) {
    const hostCosts = base.host.costs, own = ranges.host ?? {};
    for (const f of HOST_COST_FIELDS) {
      const field = `host.${f}`;
      if (params.includes(`host.costs.${f}`)) held.push({ field, why: "swept by the grid" });
      else if (!own[f] && hostCosts[f] !== HOST_COST_DEFAULTS[f]) {
        held.push({ field, why: "set by the scenario" });
      } else if (!read.has(field)) held.push({ field, why: "read by no run" });
      else {
        const r = own[f] ?? HOST_COST_RANGES[f];
        if (r.high > r.low) varied.push({ field, low: r.low, high: r.high });
        else held.push({ field, why: "range of zero width" });
      }
    }
  }
  return { varied, held };
}

/** Grid parameters that may change which ABIs run. */
const ABI_PARAM = /^(abis|host\.guests(\.\d+)?(\.abi)?)$/;
/** Grid parameters that may change a host's traffic (and so which host costs it charges). */
const HOST_TRAFFIC_PARAM =
  /^host\.guests(\.\d+(\.(kind|vifs|vbds|ioreq_rate_per_s|workload(\..*)?))?)?$/;

/**
 * The cost fields some run of `base` (with `params` swept) reads, as
 * {@linkcode costSpace} names them: what the guest runtime charges around
 * any model (`RUNTIME_COST_FIELDS`), what each ABI's model reads
 * (`costFieldsRead`: all of them for a design module, whose reads are
 * unknown, or when the grid sweeps the ABIs), and for a host the
 * `host.<field>` costs its traffic causes (`hostCostFieldsRead`; all of them
 * when the grid sweeps the guest templates' devices, kind or workload).
 *
 * @example
 * ```ts
 * import { costFieldsReadBy } from "./robust.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * const s = parseScenario({ name: "x", abis: ["2l", "fifo"], groups: [{ name: "a", ports: 1,
 *   vcpu: 0, arrival: { kind: "periodic", period_us: 100 }, service: { kind: "const", ns: 100 } }] },
 *   "x");
 * const read = costFieldsReadBy(s, []);
 * console.log(read.has("xen_raise_fifo_ns"), read.has("xen_raise_3l_ns")); // true false
 * ```
 */
export function costFieldsReadBy(base: Scenario, params: readonly string[]): Set<string> {
  const all = new Set<string>([
    ...COST_FIELDS,
    ...HOST_COST_FIELDS.map((f) => `host.${f}`),
  ]);
  const read = new Set<string>(RUNTIME_COST_FIELDS);
  const templates = base.host?.guests ?? [];
  const abis = params.some((p) => ABI_PARAM.test(p))
    ? ABI_IDS
    : [...base.abis, ...templates.flatMap((t) => t.abi === undefined ? [] : [t.abi])];
  for (const abi of abis) {
    const fields = costFieldsRead(abi);
    if (fields === null) return all;
    for (const f of fields) read.add(f);
  }
  if (base.host !== undefined) {
    const host = params.some((p) => HOST_TRAFFIC_PARAM.test(p))
      ? HOST_COST_FIELDS
      : [...hostCostFieldsRead(base.host)];
    for (const f of host) read.add(`host.${f}`);
  }
  return read;
}

/**
 * A Latin hypercube of `n` points over `varied`: each field's range is cut
 * into `n` equal strata, each stratum used exactly once, the strata of the
 * fields paired by random permutations and each value drawn uniformly
 * inside its stratum. Of `candidates` sets of permutations, the one whose
 * largest rank correlation between two fields is smallest is kept (so that
 * one field's effect is not mistaken for another's). Values are rounded to
 * 4 significant digits. Deterministic in `seed`.
 *
 * @example
 * ```ts
 * import { latinHypercube } from "./robust.ts";
 * const v = latinHypercube([{ field: "upcall_ns", low: 0, high: 1000 }], 4, 1);
 * console.log(v.map((c) => Math.floor(c.upcall_ns / 250)).sort()); // [0, 1, 2, 3]
 * ```
 */
export function latinHypercube(
  varied: readonly VariedField[],
  n: number,
  seed: number,
  candidates = 200,
): Record<string, number>[] {
  const rng = RandomStream.derive(seed, 0, "robust/latin-hypercube");
  const draw = () =>
    varied.map(() => {
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      return perm;
    });
  let best = draw(), score = maxRankCorrelation(best);
  for (let c = 1; c < candidates && score > 0; c++) {
    const p = draw(), sc = maxRankCorrelation(p);
    if (sc < score) [best, score] = [p, sc];
  }
  const out: Record<string, number>[] = Array.from({ length: n }, () => ({}));
  varied.forEach(({ field, low, high }, k) => {
    for (let v = 0; v < n; v++) {
      const x = low + (high - low) * (best[k][v] + rng.uniform()) / n;
      out[v][field] = Number(x.toPrecision(4));
    }
  });
  return out;
}

/**
 * The largest |rank correlation| between two columns of a design given as
 * one permutation of 0..n-1 per field (Pearson on the ranks = Spearman).
 *
 * @example
 * ```ts
 * import { maxRankCorrelation } from "./robust.ts";
 * console.log(maxRankCorrelation([[0, 1, 2], [2, 1, 0]])); // 1
 * ```
 */
export function maxRankCorrelation(perms: readonly (readonly number[])[]): number {
  const n = perms[0]?.length ?? 0;
  if (n < 2) return 0;
  const mean = (n - 1) / 2, ss = n * (n * n - 1) / 12;
  let worst = 0;
  for (let a = 0; a < perms.length; a++) {
    for (let b = a + 1; b < perms.length; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (perms[a][i] - mean) * (perms[b][i] - mean);
      worst = Math.max(worst, Math.abs(s / ss));
    }
  }
  return worst;
}

/**
 * The robustness design for `plan` with `n` cost vectors, and the plan of
 * each vector. `expand(sets)` expands the scenario again with extra `--set`
 * assignments (the caller's overrides and replications included); each
 * vector sets the whole `costs` object, so the seeds (derived from the
 * scenario's seed and the replication) are the plan's own.
 *
 * @example
 * ```ts
 * import { robustPlans } from "./robust.ts";
 * import { expandPlan } from "./plan.ts";
 * import { loadInput } from "../scenario/scenario.ts";
 * const input = loadInput("default");
 * const plan = expandPlan(input, {});
 * const r = robustPlans(plan, 3, (sets) => expandPlan(input, { sets }));
 * console.log(r.plans.length, r.plans[0].runs[0].seed === plan.runs[0].seed); // 3 true
 * ```
 */
export function robustPlans(
  plan: Plan,
  n: number,
  expand: (sets: string[]) => Plan,
): { design: RobustDesign; plans: Plan[] } {
  const { varied, held } = costSpace(plan.base, plan.params);
  if (varied.length === 0) {
    throw new InputError(
      `${plan.source}: --robust: every cost field is held fixed (set by the scenario, swept by ` +
        `the grid, read by no run or of zero width); give the fields to vary in cost_ranges`,
    );
  }
  const vectors = latinHypercube(varied, n, plan.base.seed);
  const plans = vectors.map((v) => expand(costVectorSets(plan.base, v)));
  return {
    design: {
      method: "latin-hypercube",
      vectors: n,
      seed: plan.base.seed,
      varied,
      held,
      costs: vectors,
      runs_per_vector: plan.runs.length,
    },
    plans,
  };
}

/**
 * The `--set` assignments that put cost vector `v` (field -> ns, as
 * {@linkcode latinHypercube} draws it) on the scenario `base`: the whole
 * `costs` object (the scenario's own with the vector's event-channel fields),
 * and one `host.costs.<field>` per host field (`host.<field>` in the vector).
 *
 * @example
 * ```ts
 * import { costVectorSets } from "./robust.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * const s = parseScenario({ name: "h", host: { guests: [{ count: 1 }] } }, "h");
 * console.log(costVectorSets(s, { upcall_ns: 900, "host.blkback_ns": 4000 }));
 * // ['costs={"preset":"default","upcall_ns":900}', "host.costs.blkback_ns=4000"]
 * ```
 */
export function costVectorSets(base: Scenario, v: Readonly<Record<string, number>>): string[] {
  const costs = base.costs;
  const fixed = typeof costs === "string" ? { preset: costs } : costs;
  const own: Record<string, number> = {}, sets: string[] = [];
  for (const [field, value] of Object.entries(v)) {
    if (field.startsWith("host.")) sets.push(`host.costs.${field.slice(5)}=${value}`);
    else own[field] = value;
  }
  return [`costs=${JSON.stringify({ ...fixed, ...own })}`, ...sets];
}

/**
 * The run budget of a robustness check, as shown to the user before it starts.
 *
 * @example
 * ```ts
 * import { robustBudgetText } from "./robust.ts";
 * console.log(robustBudgetText({ method: "latin-hypercube", vectors: 2, seed: 1, varied: [],
 *   held: [], costs: [], runs_per_vector: 30 }));
 * // "robustness check: 2 cost vectors (Latin hypercube over 0 cost fields) x 30 runs = 60 runs, after the scenario's own 30"
 * ```
 */
export function robustBudgetText(d: RobustDesign): string {
  return `robustness check: ${d.vectors} cost vectors (Latin hypercube over ` +
    `${d.varied.length} cost fields) x ${d.runs_per_vector} runs = ` +
    `${d.vectors * d.runs_per_vector} runs, after the scenario's own ${d.runs_per_vector}`;
}

/** Options of {@linkcode runRobust}. */
export interface RobustOptions {
  /** Number of workers; default: the core count. */
  workers?: number;
  /** Stop a run after this many events. */
  maxEvents?: number;
  /** How progress is shown on stderr; default `auto`. */
  progress?: ProgressMode;
}

/**
 * Run every vector's plan on one worker pool; the results of vector v at index v.
 *
 * @example
 * ```ts
 * import { runRobust } from "./robust.ts";
 * // const perVector = await runRobust(plans, { workers: 2 });
 * console.log(typeof runRobust); // "function"
 * ```
 */
export async function runRobust(
  plans: readonly Plan[],
  options: RobustOptions = {},
): Promise<RunResult[][]> {
  const per = plans[0]?.runs.length ?? 0;
  const runs: Run[] = plans.flatMap((p, v) =>
    p.runs.map((r) => ({ ...r, index: v * per + r.index }))
  );
  const progress = createProgress({ mode: options.progress ?? "auto", label: "robust" });
  progress.start(runs.length, 0);
  let results: RunResult[];
  try {
    results = await executeRuns(runs, {
      workers: options.workers,
      runOptions: { ports: false, maxEvents: options.maxEvents },
      onResult: (r) => progress.tick(r.simEvents),
    });
  } finally {
    progress.stop();
  }
  const out: RunResult[][] = plans.map(() => []);
  for (const r of results) {
    const v = Math.floor(r.index / per);
    out[v].push({ ...r, index: r.index - v * per });
  }
  return out;
}

/**
 * Write `robust/design.json`, `robust/summary.csv` and `robust/groups.csv`
 * into the results folder `dir` (rows ordered by vector, then run index).
 *
 * @example
 * ```ts
 * import { writeRobust } from "./robust.ts";
 * // writeRobust("results/default", design, perVector);
 * console.log(typeof writeRobust); // "function"
 * ```
 */
export function writeRobust(
  dir: string,
  design: RobustDesign,
  perVector: readonly (readonly RunResult[])[],
): void {
  Deno.mkdirSync(`${dir}/robust`, { recursive: true });
  const tag = (v: number, rows: readonly Row[]): Row[] =>
    rows.map((r) => ({ cost_vector: v, ...r }));
  const sorted = perVector.map((rs) => [...rs].sort((a, b) => a.index - b.index));
  const summary = sorted.flatMap((rs, v) => tag(v, rs.map((r) => r.summary)));
  const groups = sorted.flatMap((rs, v) => tag(v, rs.flatMap((r) => r.groups)));
  writeFileAtomic(`${dir}/robust/summary.csv`, toCsv(summary));
  writeFileAtomic(`${dir}/robust/groups.csv`, toCsv(groups));
  writeFileAtomic(`${dir}/robust/design.json`, JSON.stringify(design, null, 2) + "\n");
}

/**
 * Remove the robustness rows of an earlier run from the results folder `dir`
 * (so that a report never shows a check of other runs).
 *
 * @example
 * ```ts
 * import { clearRobust } from "./robust.ts";
 * clearRobust("/nonexistent"); // nothing to remove
 * ```
 */
export function clearRobust(dir: string): void {
  for (const p of [`${dir}/robust`, `${dir}/robustness.csv`]) {
    try {
      Deno.removeSync(p, { recursive: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
}
