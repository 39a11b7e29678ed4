/**
 * Shared machinery of the validation tests: build a zero-cost, one-VCPU
 * scenario, run independent replications of it under one ABI, and compare a
 * theoretical value with the 99% Student-t confidence interval of the
 * replications' mean.
 *
 * Replications are independent: replication r draws every random stream from
 * (seed, r), so the per-replication figures are i.i.d. and the Student-t
 * interval over them is exact up to the normality of each replication's mean
 * (a mean over tens of thousands of customers whose correlation time is a few
 * tens of service times, so the CLT applies).
 *
 * Set VALIDATION_PRINT=1 to print every comparison (the figures in
 * docs/validation.md come from such a run).
 *
 * @module
 */

import jstat from "jstat";
import { createAbi } from "../../models/registry.ts";
import type { Tracer } from "../../sim/run/guest.ts";
import type { Row } from "../../sim/run/metrics.ts";
import { executeRun, type RunResult } from "../../sim/run/run.ts";
import { parseScenario, type Scenario } from "../../sim/scenario/scenario.ts";

/** The confidence level every validation check uses. */
export const LEVEL = 0.99;

/** Mean and half-width of a sample at {@linkcode LEVEL}. */
export interface Ci {
  /** Sample mean. */
  mean: number;
  /** Student-t half-width at LEVEL with n - 1 degrees of freedom. */
  half: number;
  /** Number of replications. */
  n: number;
}

/**
 * Mean and two-sided 99% Student-t half-width of `xs`.
 *
 * @example
 * ```ts
 * import { ci99 } from "./helpers.ts";
 * const { mean, half } = ci99([1, 2, 3]); // t(0.995, 2) = 9.925
 * console.log(mean, half.toFixed(3)); // 2 "5.730"
 * ```
 */
export function ci99(xs: readonly number[]): Ci {
  const n = xs.length;
  if (n < 2) throw new Error("a confidence interval needs at least 2 replications");
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const ss = xs.reduce((a, x) => a + (x - mean) * (x - mean), 0);
  const sd = Math.sqrt(ss / (n - 1));
  const t = jstat.studentt.inv(1 - (1 - LEVEL) / 2, n - 1);
  return { mean, half: t * sd / Math.sqrt(n), n };
}

/** One theory-versus-simulation comparison, kept for printing. */
export interface Comparison {
  /** What was compared. */
  label: string;
  /** The theoretical value. */
  theory: number;
  /** The replications' interval. */
  ci: Ci;
  /** Whether the theory lies inside the interval. */
  ok: boolean;
}

const PRINT = (() => {
  try {
    return Deno.env.get("VALIDATION_PRINT") === "1";
  } catch {
    return false;
  }
})();

/**
 * Compare `theory` with the 99% interval of `xs`; returns the comparison
 * (prints it with VALIDATION_PRINT=1). The caller asserts `ok`, or collects
 * several and asserts them together so that one run reports every miss.
 */
export function compare(label: string, theory: number, xs: readonly number[]): Comparison {
  const ci = ci99(xs);
  const ok = Math.abs(ci.mean - theory) <= ci.half;
  if (PRINT) {
    const rel = theory === 0 ? "" : ` (±${(100 * ci.half / Math.abs(theory)).toFixed(1)}%)`;
    console.log(
      `| ${label} | ${fmt(theory)} | ${fmt(ci.mean)} ± ${fmt(ci.half)}${rel} | ${
        ok ? "inside" : "OUTSIDE"
      } |`,
    );
  }
  return { label, theory, ci, ok };
}

/** Throw one error naming every comparison whose theory fell outside its interval. */
export function assertAllInside(comparisons: readonly Comparison[]): void {
  const bad = comparisons.filter((c) => !c.ok);
  if (bad.length === 0) return;
  throw new Error(
    bad.map((c) =>
      `${c.label}: theory ${fmt(c.theory)} outside the ${LEVEL * 100}% CI ` +
      `${fmt(c.ci.mean)} ± ${fmt(c.ci.half)} (${c.ci.n} replications)`
    ).join("\n"),
  );
}

function fmt(x: number): string {
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(3) : x.toPrecision(4);
}

/** One port group of a validation scenario (all on VCPU 0). */
export interface ClassSpec {
  /** Group name. */
  name: string;
  /** Number of ports; the group's rate is split evenly over them. */
  ports: number;
  /** Aggregate Poisson rate (events per second). */
  ratePerS: number;
  /** Service-time distribution (ns), as in the scenario format. */
  service: Record<string, unknown>;
  /** FIFO priority (0 highest); 7 when absent. */
  priority?: number;
}

/**
 * A zero-cost scenario: one dedicated VCPU, Poisson arrivals, the given
 * classes, `durationMs` measured after `warmupMs`.
 */
export function zeroCostScenario(
  name: string,
  classes: readonly ClassSpec[],
  durationMs: number,
  warmupMs: number,
  seed: number,
): Scenario {
  return parseScenario({
    name,
    costs: "zero",
    duration_ms: durationMs,
    warmup_ms: warmupMs,
    seed,
    guest: { vcpus: 1 },
    vcpu_sched: { kind: "dedicated" },
    starvation_ms: 1000,
    groups: classes.map((c) => ({
      name: c.name,
      ports: c.ports,
      vcpu: 0,
      ...(c.priority === undefined ? {} : { priority: c.priority }),
      arrival: { kind: "poisson", rate_per_s: c.ratePerS },
      service: c.service,
    })),
  }, name);
}

/** Run replication `r` of `scenario` under `abi` (built-in id), optionally with a tracer. */
export function runReplication(
  scenario: Scenario,
  abi: string,
  r: number,
  tracer: Tracer | null = null,
): RunResult {
  return executeRun(
    {
      index: r,
      id: `${scenario.name}/${abi}/${r}`,
      scenario,
      abi,
      replication: r,
      seed: scenario.seed,
      point: 0,
      params: {},
    },
    (o) => createAbi(abi, o),
    { tracer },
  );
}

/** Run replications 0..n-1 of `scenario` under `abi`. */
export function replicate(scenario: Scenario, abi: string, n: number): RunResult[] {
  return Array.from({ length: n }, (_, r) => runReplication(scenario, abi, r));
}

/** A numeric column of a row (throws when absent or empty: a run that measured nothing). */
export function num(row: Row, column: string): number {
  const v = row[column];
  if (typeof v !== "number") throw new Error(`column ${column} is not a number: '${v}'`);
  return v;
}

/** The groups.csv row of group `name` in `result`. */
export function groupRow(result: RunResult, name: string): Row {
  const row = result.groups.find((g) => g.group === name);
  if (row === undefined) throw new Error(`no group ${name}`);
  return row;
}

/**
 * The largest fraction of raises that coalesced over `results`: the checks
 * that ignore coalescing assert it is negligible.
 */
export function maxCoalescedFraction(results: readonly RunResult[]): number {
  return Math.max(...results.map((r) => num(r.summary, "coalesced") / num(r.summary, "raised")));
}

/**
 * Mean waiting time in queue of an M/G/1 queue (Pollaczek–Khinchine):
 * Wq = λ E[S²] / (2 (1 − ρ)), with λ in events per ns and moments in ns.
 */
export function pollaczekKhinchine(lambda: number, es: number, es2: number): number {
  const rho = lambda * es;
  if (rho >= 1) throw new Error("unstable queue");
  return lambda * es2 / (2 * (1 - rho));
}

/** A class for Cobham's formula: rate per ns and the service-time moments in ns. */
export interface PriorityClass {
  /** Arrival rate (per ns). */
  lambda: number;
  /** E[S] (ns). */
  es: number;
  /** E[S²] (ns²). */
  es2: number;
}

/**
 * Mean waiting times of a non-preemptive priority M/G/1 queue (Cobham 1954),
 * `classes` given in order of service precedence (first = served first):
 * W_k = W0 / ((1 − σ_{k−1})(1 − σ_k)), W0 = Σ λ_i E[S_i²] / 2, σ_k = Σ_{i≤k} ρ_i.
 */
export function cobham(classes: readonly PriorityClass[]): number[] {
  const w0 = classes.reduce((a, c) => a + c.lambda * c.es2, 0) / 2;
  let sigma = 0;
  return classes.map((c) => {
    const before = sigma;
    sigma += c.lambda * c.es;
    if (sigma >= 1) throw new Error("unstable queue");
    return w0 / ((1 - before) * (1 - sigma));
  });
}
