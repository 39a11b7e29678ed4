/**
 * What limits capacity, named from the run columns of the first value that
 * failed (capacity + 1 step): the port limit (`ports`: a guest refused or a
 * port not bound), dom0's CPU as a whole (`dom0_cpu`), a single dom0 VCPU
 * (`dom0_vcpu`: the busiest one saturated while dom0 as a whole is not, as
 * under the `vcpu0` notification policy of Linux before 5.11), a ring
 * (`ring`: producers stalled on a full ring), the guests' physical CPUs
 * (`pcpus`), or none of these (`objective`: the metric passed its bound
 * before any resource saturated). `max` says the search reached its upper
 * bound with the objective still met.
 *
 * Columns read (DESIGN §12 names, with the single-guest equivalents):
 * `guests_refused`, `bind_failures`, `dom0_ports_bound`, `guests_started`;
 * `dom0_busy` (a single-guest scenario: its own VCPU time not idle, the sum
 * of `hardirq_share`, `softirq_share` and `thread_share`: the domain that
 * handles the events plays dom0's part); `dom0_busy_max` (the busiest dom0
 * VCPU); `ring_stalls` (producers that found a ring full) against
 * `requests`; `guest_cpu_wait` (the mean fraction of time a guest VCPU was
 * runnable but waiting for a physical CPU). A column a run does not have
 * counts as not saturated.
 *
 * @module
 */

import type { Row } from "../run/metrics.ts";

/** The names a limit may take in capacity.csv. */
export type Limit = "ports" | "dom0_cpu" | "dom0_vcpu" | "ring" | "pcpus" | "objective" | "max";

/** A fraction as a percentage with up to 3 significant digits (0.974 -> "97.4%"). */
function pct(x: number): string {
  return `${Number((x * 100).toPrecision(3))}%`;
}

/** A busy fraction at or above this is a saturated CPU. */
export const CPU_SATURATED = 0.9;

/** Producer stalls on a full ring per request above which the ring is the limit. */
export const RING_STALLS_PER_REQUEST = 0.01;

/** A guest VCPU waiting this fraction of its time for a physical CPU: the pCPUs are the limit. */
export const PCPU_WAIT = 0.1;

/** A limit and the figures behind it. */
export interface LimitFinding {
  /** The limit's name. */
  limit: Limit;
  /** The figures that named it, in words (`dom0_busy 0.97`). */
  detail: string;
}

function num(row: Row, col: string): number | undefined {
  const v = row[col];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function meanOf(rows: readonly Row[], f: (r: Row) => number | undefined): number | undefined {
  const xs = rows.map(f).filter((x): x is number => x !== undefined);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** dom0's busy fraction in `row`: `dom0_busy`, or a single domain's context shares. */
function busy(row: Row): number | undefined {
  const d = num(row, "dom0_busy");
  if (d !== undefined) return d;
  const parts = ["hardirq_share", "softirq_share", "thread_share"].map((c) => num(row, c));
  return parts.every((p) => p === undefined)
    ? undefined
    : parts.reduce((a: number, p) => a + (p ?? 0), 0);
}

const fmt = (x: number) =>
  Number.isInteger(x) && Math.abs(x) < 1e6 ? String(x) : Number(x.toPrecision(3)).toString();

/**
 * Name the limit from the runs of the first value that failed (`rows`,
 * every replication); `undefined` rows: the search never failed (`max`).
 *
 * @example
 * ```ts
 * import { classifyLimit } from "./capacity_limit.ts";
 * console.log(classifyLimit([{ guests_refused: 3, dom0_ports_bound: 4095 }]).limit); // "ports"
 * console.log(classifyLimit([{ dom0_busy: 0.97 }]).limit); // "dom0_cpu"
 * console.log(classifyLimit([{ dom0_busy: 0.4 }]).limit); // "objective"
 * ```
 */
export function classifyLimit(rows: readonly Row[] | undefined): LimitFinding {
  if (rows === undefined || rows.length === 0) {
    return { limit: "max", detail: "the objective was still met at the search's upper bound" };
  }
  const refused = meanOf(rows, (r) => num(r, "guests_refused")) ?? 0;
  const failures = meanOf(rows, (r) => num(r, "bind_failures")) ?? 0;
  if (refused > 0 || failures > 0) {
    const bound = meanOf(rows, (r) => num(r, "dom0_ports_bound"));
    const started = meanOf(rows, (r) => num(r, "guests_started"));
    const parts = [
      bound !== undefined ? `${fmt(bound)} ports bound` : undefined,
      started !== undefined ? `${fmt(started)} guests started` : undefined,
      refused > 0 ? `${fmt(refused)} refused` : `${fmt(failures)} bind failures`,
    ].filter(Boolean);
    return { limit: "ports", detail: parts.join(", ") };
  }
  const b = meanOf(rows, busy);
  // A single-guest scenario's own VCPUs play dom0's part; the words say whose they are.
  const who = rows.some((r) => num(r, "dom0_busy") !== undefined) ? "dom0" : "the guest's VCPUs";
  if (b !== undefined && b >= CPU_SATURATED) {
    return { limit: "dom0_cpu", detail: `${who} ${pct(b)} busy` };
  }
  const v = meanOf(rows, (r) => num(r, "dom0_busy_max"));
  if (v !== undefined && v >= CPU_SATURATED) {
    return { limit: "dom0_vcpu", detail: `busiest dom0 VCPU ${pct(v)} busy` };
  }
  const stalls = meanOf(rows, (r) => num(r, "ring_stalls"));
  const requests = meanOf(rows, (r) => num(r, "requests"));
  if (stalls !== undefined && stalls > 0 && stalls > RING_STALLS_PER_REQUEST * (requests ?? 0)) {
    return { limit: "ring", detail: `${fmt(stalls)} stalls on a full ring` };
  }
  const wait = meanOf(rows, (r) => num(r, "guest_cpu_wait"));
  if (wait !== undefined && wait >= PCPU_WAIT) {
    return {
      limit: "pcpus",
      detail: `guest VCPUs waiting for a physical CPU ${pct(wait)} of the time`,
    };
  }
  return {
    limit: "objective",
    detail: b !== undefined
      ? `no resource saturated; ${who} ${pct(b)} busy`
      : "no resource saturated",
  };
}
