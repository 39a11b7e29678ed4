/**
 * The search of a capacity study, one ABI (and grid point) at a time, as a
 * plain state machine: it asks for an axis value and a number of
 * replications ({@linkcode CapacitySearch.next}), is told what the runs
 * measured ({@linkcode CapacitySearch.record}), and knows no runs, files or
 * time. The driver (`capacity.ts`) batches the requests of every search into
 * one pool of runs.
 *
 * The search grows the value (doubling from `start`) until the objective
 * fails or `max` is reached, then bisects between the largest value that
 * meets the objective (`lo`) and the smallest that fails it (`hi`). A value
 * is decided only when the 95% confidence interval of the metric's mean over
 * replications lies on one side of the bound; otherwise replications are
 * doubled up to `maxReplications`, and a value still undecided there stays
 * in a grey zone: bisection then closes the gap below it and the gap above
 * it, and the answer is the interval [`lo`, `hi` - 1]. A run that could not
 * bind every port (or start every guest) fails the value outright: the port
 * limit needs no statistics.
 *
 * @module
 */

import { meanCi } from "../../reports/aggregate.ts";
import { meets, type Objective } from "./capacity_objective.ts";

/** What was decided about one axis value. */
export type Verdict = "meets" | "fails" | "ports" | "undecided";

/** What the runs of one axis value measured. */
export interface StepSample {
  /** The metric in each replication, in replication order (NaN: not measured). */
  values: readonly number[];
  /** Some run could not bind every port or start every guest. */
  portLimited: boolean;
}

/** One axis value as the search saw it. */
export interface Step {
  /** The axis value. */
  value: number;
  /** The verdict. */
  verdict: Verdict;
  /** Replications it took. */
  replications: number;
  /** Mean of the metric over replications. */
  mean: number;
  /** 95% half-width of that mean (NaN with fewer than 2 replications). */
  half: number;
}

/** Bounds and effort of a search. */
export interface SearchOptions {
  /** First value tried. */
  start: number;
  /** Smallest value the axis may take (default 1). */
  min?: number;
  /** Largest value tried. */
  max: number;
  /** Bisection stops when the gap is at most this wide (default 1). */
  resolution?: number;
  /** Replications of a first look at a value (at least 2). */
  replications: number;
  /** Replications a value may grow to before it is left undecided. */
  maxReplications: number;
}

/** A request: run `value` with replications 0 .. `replications` - 1. */
export interface StepRequest {
  /** The axis value. */
  value: number;
  /** Replications wanted (those already run are reused). */
  replications: number;
}

/** The answer of a finished search. */
export interface SearchAnswer {
  /** Largest value decided to meet the objective (`min` - 1 when none did). */
  capacity: number;
  /** Largest value not decided to fail it: `capacity` when the boundary was resolved. */
  capacityHigh: number;
  /** Smallest value decided to fail (by the objective or the port limit); undefined: none up to `max`. */
  failedAt: number | undefined;
  /** Every step, by value. */
  steps: Step[];
}

/**
 * Decide one value from its sample: `ports` when a run hit the port limit,
 * `meets` or `fails` when the 95% interval of the mean lies on one side of
 * the bound (a bound equal to a constant metric meets a `<=` or `>=`
 * objective), `undecided` otherwise. A replication that did not measure the
 * metric (NaN) fails the value: nothing was served.
 *
 * @example
 * ```ts
 * import { decideStep } from "./capacity_search.ts";
 * import { parseObjective } from "./capacity_objective.ts";
 * const o = parseObjective("lat_mean_ns<=100");
 * console.log(decideStep(o, { values: [50, 52, 51], portLimited: false }).verdict); // "meets"
 * ```
 */
export function decideStep(o: Objective, sample: StepSample): Omit<Step, "value"> {
  const n = sample.values.length;
  const { mean, half } = meanCi(sample.values);
  const base = { replications: n, mean, half };
  if (sample.portLimited) return { ...base, verdict: "ports" };
  if (sample.values.some((v) => !Number.isFinite(v))) return { ...base, verdict: "fails" };
  if (n < 2 || Number.isNaN(half)) return { ...base, verdict: "undecided" };
  const low = mean - half, high = mean + half;
  const verdict: Verdict = o.op === "<="
    ? (meets(o, high) ? "meets" : low > o.bound ? "fails" : "undecided")
    : (meets(o, low) ? "meets" : high < o.bound ? "fails" : "undecided");
  return { ...base, verdict };
}

/**
 * One capacity search (see the module's description).
 *
 * @example
 * ```ts
 * import { CapacitySearch } from "./capacity_search.ts";
 * import { parseObjective } from "./capacity_objective.ts";
 * // A deterministic metric: 10 per unit of the axis; the objective allows 400.
 * const s = new CapacitySearch(parseObjective("lat_mean_ns<=400"),
 *   { start: 4, max: 1000, replications: 2, maxReplications: 8 });
 * for (let r = s.next(); r; r = s.next()) {
 *   s.record(r.value, { values: Array(r.replications).fill(10 * r.value), portLimited: false });
 * }
 * console.log(s.answer().capacity); // 40
 * ```
 */
export class CapacitySearch {
  readonly #o: Objective;
  readonly #start: number;
  readonly #min: number;
  readonly #max: number;
  readonly #resolution: number;
  readonly #reps: number;
  readonly #maxReps: number;
  readonly #steps = new Map<number, Step>();
  #lo: number | undefined;
  #hi: number | undefined;
  #grey: number[] = [];
  #growing = true;
  #pending: StepRequest | undefined;

  /** A search of `objective` over the values `options` bounds. */
  constructor(objective: Objective, options: SearchOptions) {
    this.#o = objective;
    this.#min = options.min ?? 1;
    this.#max = options.max;
    this.#start = Math.min(Math.max(options.start, this.#min), this.#max);
    this.#resolution = Math.max(1, options.resolution ?? 1);
    this.#reps = Math.max(2, options.replications);
    this.#maxReps = Math.max(this.#reps, options.maxReplications);
  }

  /** The next value to run, or undefined when the search is over. */
  next(): StepRequest | undefined {
    if (this.#pending) return this.#pending;
    const value = this.#growing ? this.#growValue() : this.#bisectValue();
    if (value === undefined) return undefined;
    this.#pending = { value, replications: this.#reps };
    return this.#pending;
  }

  /** Record what the runs of `value` (the pending request's) measured. */
  record(value: number, sample: StepSample): void {
    const want = this.#pending;
    if (!want || want.value !== value) throw new Error(`capacity search: ${value} was not asked`);
    const step = { value, ...decideStep(this.#o, sample) };
    if (step.verdict === "undecided" && step.replications < this.#maxReps) {
      this.#pending = { value, replications: Math.min(this.#maxReps, step.replications * 2) };
      return;
    }
    this.#pending = undefined;
    this.#steps.set(value, step);
    if (step.verdict === "meets") {
      if (this.#lo === undefined || value > this.#lo) this.#lo = value;
      this.#grey = this.#grey.filter((g) => g > value);
    } else if (step.verdict === "undecided") {
      this.#grey = [...this.#grey, value].sort((a, b) => a - b);
    } else {
      if (this.#hi === undefined || value < this.#hi) this.#hi = value;
      this.#grey = this.#grey.filter((g) => g < value);
      this.#growing = false;
    }
  }

  /** The answer so far (final once {@linkcode next} returns undefined). */
  answer(): SearchAnswer {
    const capacity = this.#lo ?? this.#min - 1;
    const top = this.#hi === undefined ? Math.max(capacity, ...this.#grey) : this.#hi - 1;
    return {
      capacity,
      capacityHigh: Math.max(capacity, top),
      failedAt: this.#hi,
      steps: [...this.#steps.values()].sort((a, b) => a.value - b.value),
    };
  }

  #growValue(): number | undefined {
    const tried = [...this.#steps.keys()];
    if (tried.length === 0) return this.#start;
    const last = Math.max(...tried);
    if (last >= this.#max) {
      this.#growing = false;
      return this.#bisectValue();
    }
    return Math.min(this.#max, last * 2);
  }

  #bisectValue(): number | undefined {
    const lo = this.#lo ?? this.#min - 1;
    if (this.#hi === undefined) {
      // Undecided or met up to max: nothing above to close.
      if (this.#grey.length === 0) return undefined;
    }
    const hi = this.#hi ?? this.#max + 1;
    const gaps: [number, number][] = this.#grey.length === 0
      ? [[lo, hi]]
      : [[lo, this.#grey[0]], [this.#grey[this.#grey.length - 1], hi]];
    for (const [a, b] of gaps) {
      if (b - a > this.#resolution) {
        const mid = Math.floor((a + b) / 2);
        if (!this.#steps.has(mid) && mid >= this.#min && mid <= this.#max) return mid;
      }
    }
    return undefined;
  }
}
