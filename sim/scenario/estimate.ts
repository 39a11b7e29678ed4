/**
 * The work a scenario asks for, estimated before anything runs (DESIGN.md
 * §11): simulated events from the arrival rates, the scheduling and fault
 * processes and the simulated time, and set-up memory from the bound ports
 * and the VCPUs. A run beyond the budget is refused up front, with the
 * estimate and the flag that raises the budget, instead of running for days.
 *
 * The figures are orders of magnitude, not predictions: each raise costs a
 * handful of engine events (arrival, upcall, dispatch, handler end), and
 * every structure the run keeps per port or per VCPU is counted once.
 *
 * @module
 */

import { distributionMean, type Scenario } from "./schema.ts";

/** Engine events per raised event: arrival, upcall, dispatch, handler end. */
export const EVENTS_PER_RAISE = 4;
/** Bytes the run keeps per bound port (metrics, set-up tables, ABI state). */
export const BYTES_PER_PORT = 160;
/** Bytes the run keeps per VCPU (queues, control blocks, histograms). */
export const BYTES_PER_VCPU = 32 * 1024;

/** Default budget of simulated events for one command (all its runs). */
export const DEFAULT_EVENT_BUDGET = 1e10;
/** Default budget of set-up memory for one run, in bytes. */
export const DEFAULT_MEMORY_BUDGET = 2 * 1024 ** 3;
/** The most runs one sweep may expand to. */
export const MAX_RUNS = 1_000_000;

/** What a run is estimated to take. */
export interface WorkEstimate {
  /** Engine events of the whole run (warm-up included). */
  events: number;
  /** Set-up memory of the run, in bytes. */
  bytes: number;
  /** Ports the run binds. */
  ports: number;
}

/**
 * The work of one run of `s` (for `traceEntries` trace arrivals, their
 * entries count; unknown: 0).
 *
 * @example
 * ```ts
 * import { estimateRun } from "./estimate.ts";
 * import { parseScenario } from "./scenario.ts";
 * const s = parseScenario({ name: "t", duration_ms: 1000, warmup_ms: 0, groups: [{ name: "g",
 *   ports: 8, arrival: { kind: "poisson", rate_per_s: 1000 }, service: { kind: "const", ns: 1 } }] },
 *   "t");
 * console.log(estimateRun(s).events); // 4000
 * ```
 */
export function estimateRun(s: Scenario, traceEntries = 0): WorkEstimate {
  const seconds = (s.warmup_ms + s.duration_ms) / 1000;
  const vcpus = s.guest.vcpus;
  let perSecond = 0;
  let ports = 0;
  let fixed = traceEntries * EVENTS_PER_RAISE;
  for (const g of s.groups) {
    const n = g.vcpu === "each" ? g.ports * vcpus : g.ports;
    ports += n;
    const a = g.arrival;
    let raises = 0;
    if (a.kind === "poisson") raises = a.rate_per_s;
    else if (a.kind === "periodic") raises = n * 1e6 / a.period_us;
    else if (a.kind === "onoff") {
      raises = (a.on_rate_per_s * a.on_ms + a.off_rate_per_s * a.off_ms) / (a.on_ms + a.off_ms);
      perSecond += 2000 / (a.on_ms + a.off_ms); // switches
    }
    perSecond += raises * EVENTS_PER_RAISE;
    if (g.rebalance_ms !== undefined) perSecond += n * 1000 / g.rebalance_ms;
    if (g.priority_change !== undefined) fixed += n;
  }
  if (s.vcpu_sched.kind === "timeshare") {
    const slice = distributionMean(s.vcpu_sched.run) + distributionMean(s.vcpu_sched.wait);
    perSecond += slice > 0 ? vcpus * 2 * 1e9 / slice : Infinity;
  }
  if (s.guest.irq_off !== undefined && s.guest.irq_off.fraction > 0) {
    perSecond += vcpus * 2 * 1e6 * s.guest.irq_off.fraction / s.guest.irq_off.mean_us;
  }
  if (s.hostile !== undefined) perSecond += s.hostile.rate_per_s;
  let bytes = ports * BYTES_PER_PORT + vcpus * BYTES_PER_VCPU;
  if (s.host !== undefined) {
    const h = estimateHost(s.host);
    perSecond += h.requestsPerSecond * EVENTS_PER_REQUEST;
    bytes += h.guests * BYTES_PER_GUEST;
  }
  return { events: perSecond * seconds + fixed, bytes, ports };
}

/** Engine events per host request (client, raises, upcalls, backend and frontend work). */
export const EVENTS_PER_REQUEST = 14;
/** Resident bytes per guest of a host (its ABI model and rings; measured about 0.75 MiB). */
export const BYTES_PER_GUEST = 1024 ** 2;
/** A round trip's order of magnitude at zero load (ns), bounding a closed client's rate. */
const ZERO_LOAD_RT_NS = 30e3;

/** A host's guests and its clients' request rate (closed clients at their zero-load rate). */
function estimateHost(host: NonNullable<Scenario["host"]>): {
  guests: number;
  requestsPerSecond: number;
} {
  let guests = 0, rate = 0;
  for (const t of host.guests) {
    guests += t.count;
    const w = t.workload;
    const devices = (w.devices === "blk" ? 0 : t.vifs) + (w.devices === "net" ? 0 : t.vbds);
    const perDevice = w.kind === "poisson"
      ? w.rate_per_s
      : w.window * 1e9 / (w.think_us * 1e3 + ZERO_LOAD_RT_NS);
    rate += t.count * devices * perDevice;
    // An HVM ioreq costs about half a ring request's engine events.
    rate += t.count * t.vcpus * t.ioreq_rate_per_s / 2;
  }
  return { guests, requestsPerSecond: rate };
}

/**
 * `12345678` as `1.2e7`, for estimates in messages.
 *
 * @example
 * ```ts
 * import { formatCount } from "./estimate.ts";
 * console.log(formatCount(12345678)); // "1.2e7"
 * ```
 */
export function formatCount(x: number): string {
  if (!Number.isFinite(x)) return "unbounded";
  if (x < 1e5) return String(Math.round(x));
  return x.toExponential(1).replace("e+", "e");
}

/**
 * `3221225472` as `3.0 GiB`.
 *
 * @example
 * ```ts
 * import { formatBytes } from "./estimate.ts";
 * console.log(formatBytes(3 * 1024 ** 3)); // "3.0 GiB"
 * ```
 */
export function formatBytes(x: number): string {
  if (!Number.isFinite(x)) return "unbounded";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (x >= 1024 && i < units.length - 1) x /= 1024, i++;
  return `${x.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
