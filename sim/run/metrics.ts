/**
 * Per-run metrics (README: Metrics): counts, dispatch and completion latency in HDR
 * histograms, fairness, starvation, inversions and costs. Every per-event
 * update writes typed arrays or records one value in a preallocated histogram:
 * nothing is allocated per event.
 *
 * Accounting: an event instance is created by a raise that makes a port
 * pending (0 -> 1) at or after the end of the warm-up, and ends when its
 * handler is dispatched (delivered), when the model loses it (dropped), or
 * with the run (pending at end): `raised = delivered + coalesced +
 * pending_at_end + dropped`.
 *
 * Censoring (DESIGN §8): an instance still pending when measurement starts
 * is measured like any other: it counts as raised then, and its latency runs
 * from its own raise. An instance still pending at the end counts with its
 * wait so far (right-censored) in the maximum wait, the maximum stall,
 * `starved_events` and the fairness indexes, so a group that gets nothing
 * reads as starved and unfair, never as "no data".
 *
 * @module
 */

import { PRIORITIES } from "../../models/abi.ts";
import { LatencyCounts, type LatencyStats } from "./histogram.ts";

/** Latency columns, in the order the CSVs carry them. */
export const LATENCY_COLUMNS = [
  "lat_mean_ns",
  "lat_p50_ns",
  "lat_p90_ns",
  "lat_p99_ns",
  "lat_p999_ns",
  "lat_max_ns",
] as const;

/** Completion-latency columns (dispatch latency plus service time). */
export const COMPLETION_COLUMNS = [
  "done_mean_ns",
  "done_p99_ns",
] as const;

/** A CSV row: column name to value. */
export type Row = Record<string, string | number>;

/** Static facts about the ports a run measures. */
export interface MetricsLayout {
  /** Number of port slots (the model's maxPorts). */
  ports: number;
  /** Number of VCPUs. */
  vcpus: number;
  /** Group names, by group index. */
  groupNames: readonly string[];
  /** Per port: group index or -1. */
  portGroup: Int32Array;
  /** Starvation threshold in ns. */
  starvationNs: number;
}

/**
 * Collects one run's metrics.
 *
 * @example
 * ```ts
 * import { Metrics } from "./metrics.ts";
 * const m = new Metrics({ ports: 8, vcpus: 1, groupNames: ["g"],
 *   portGroup: Int32Array.from([-1, 0, 0, 0, 0, 0, 0, 0]), starvationNs: 1e7 });
 * m.measuring = true;
 * m.onRaise(1, 0, 7, 0, 0, 30);
 * m.onDispatch(1, 0, 7, 1000, 1000, 1500);
 * console.log(m.summary(1)["delivered"]); // 1
 * ```
 */
export class Metrics {
  /** Whether instances raised now are measured (false during the warm-up). */
  measuring = false;
  /** The ports, VCPUs and groups measured. */
  readonly layout: MetricsLayout;
  // per port
  /** Per port: 1 while a measured instance is pending, 2 for a warm-up instance (until measuring starts). */
  readonly open: Uint8Array;
  /** Per port: raise time of the pending instance (ns). */
  readonly since: Float64Array;
  /** Per port: VCPU and priority the pending instance was raised for. */
  readonly openVcpu: Int32Array;
  /** Per port: priority of the pending instance (see `openVcpu`). */
  readonly openPrio: Uint8Array;
  /** Per port: measured raises (events). */
  readonly portRaised: Float64Array;
  /** Per port: measured instances delivered (events). */
  readonly portDelivered: Float64Array;
  /** Per port: measured raises coalesced into a pending instance (events). */
  readonly portCoalesced: Float64Array;
  /** Per port: sum of dispatch latencies (ns). */
  readonly portLatSum: Float64Array;
  /** Per port: largest dispatch latency (ns). */
  readonly portLatMax: Float64Array;
  /** Per (VCPU, priority): measured instances pending. */
  readonly pendingByVcpuPrio: Int32Array;
  /** Per VCPU: bit p set when an instance of priority p is pending there. */
  readonly prioMask: Int32Array;
  /** Per group: measured raises (events). */
  readonly gRaised: Float64Array;
  /** Per group: measured instances delivered (events). */
  readonly gDelivered: Float64Array;
  /** Per group: measured raises coalesced (events). */
  readonly gCoalesced: Float64Array;
  /** Per group: measured instances dropped or lost by the model (events). */
  readonly gDropped: Float64Array;
  /** Per group: starved events (see `starved`). */
  readonly gStarved: Float64Array;
  /** Per group: dispatches while a higher-priority instance was pending on the VCPU (events). */
  readonly gInversions: Float64Array;
  /** Per group: sum of dispatch latencies (ns). */
  readonly gLatSum: Float64Array;
  /** Per group: sum of completion latencies, dispatch latency plus service time (ns). */
  readonly gDoneSum: Float64Array;
  /** Per group: largest wait of an instance, delivered or still pending at the end (ns). */
  readonly gMaxWait: Float64Array;
  /** Per group: measured instances pending now. */
  readonly gOpen: Int32Array;
  /** Per group: time of the last dispatch, or of the raise that ended an idle spell (ns). */
  readonly gLastProgress: Float64Array;
  /** Per group: longest time without a dispatch while instances were pending (ns). */
  readonly gMaxStall: Float64Array;
  /** Per (group, priority): dispatch-latency counts in HDR buckets, created on first use. */
  readonly hist: (LatencyCounts | null)[];
  /** Per (group, priority): completion-latency counts. */
  readonly doneHist: (LatencyCounts | null)[];
  /** Measured raises (events). */
  raised = 0;
  /** Measured instances delivered (events). */
  delivered = 0;
  /** Measured raises coalesced into a pending instance (events). */
  coalesced = 0;
  /** Measured instances dropped or lost by the model (events). */
  dropped = 0;
  /**
   * Starved events: instances that waited longer than the starvation
   * threshold (delivered, or still pending at the end), plus raises that
   * coalesced into such an instance after it had waited that long.
   */
  starved = 0;
  /** Dispatches while a higher-priority instance was pending on the same VCPU (events). */
  inversions = 0;
  /** Dispatches, while measuring, of ports with no pending measured instance (events). */
  spurious = 0;
  /** Arrivals aimed at ports that failed to bind: never raised (not in `raised`). */
  unboundRaises = 0;
  /** Upcalls taken while measuring. */
  upcalls = 0;
  /** Guest-side ABI time: upcall entry, snapshot, scan and consume (ns). */
  guestAbiNs = 0;
  /** Xen-side time of raises and unmasks (ns). */
  xenNs = 0;
  /** Xen-side operations counted in xenNs. */
  xenOps = 0;
  /** Runtime hypercalls (unmask with P set, bind_vcpu, set_priority). */
  hypercalls = 0;
  /** Largest Xen-side steps of one operation. */
  maxXenSteps = 0;
  /** Instances pending when measurement started, measured from their own raise (events). */
  carriedIn = 0;
  /** End of the run (ns), set by `finish`; censored waits run to it. NaN before. */
  endNs: number = NaN;

  /** Allocate every per-port, per-VCPU and per-group array for `layout`. */
  constructor(layout: MetricsLayout) {
    this.layout = layout;
    const n = layout.ports, g = layout.groupNames.length;
    this.open = new Uint8Array(n);
    this.since = new Float64Array(n);
    this.openVcpu = new Int32Array(n);
    this.openPrio = new Uint8Array(n);
    this.portRaised = new Float64Array(n);
    this.portDelivered = new Float64Array(n);
    this.portCoalesced = new Float64Array(n);
    this.portLatSum = new Float64Array(n);
    this.portLatMax = new Float64Array(n);
    this.pendingByVcpuPrio = new Int32Array(layout.vcpus * PRIORITIES);
    this.prioMask = new Int32Array(layout.vcpus);
    this.gRaised = new Float64Array(g);
    this.gDelivered = new Float64Array(g);
    this.gCoalesced = new Float64Array(g);
    this.gDropped = new Float64Array(g);
    this.gStarved = new Float64Array(g);
    this.gInversions = new Float64Array(g);
    this.gLatSum = new Float64Array(g);
    this.gDoneSum = new Float64Array(g);
    this.gMaxWait = new Float64Array(g);
    this.gOpen = new Int32Array(g);
    this.gLastProgress = new Float64Array(g);
    this.gMaxStall = new Float64Array(g);
    this.hist = new Array(g * PRIORITIES).fill(null);
    this.doneHist = new Array(g * PRIORITIES).fill(null);
  }

  /**
   * A raise on `port` (group `g`, for `vcpu` at priority `prio`) with the
   * model's `outcome` (0 new, 1 coalesced, 2 dropped) at time `now`.
   */
  onRaise(port: number, g: number, prio: number, vcpu: number, outcome: number, now: number): void {
    // A new instance while ours is still pending: the model lost the earlier
    // one (e.g. a hostile guest cleared P).
    if (this.open[port] !== 0 && outcome === 0) this.onLost(port, g);
    if (!this.measuring) {
      if (outcome === 0) {
        // A warm-up instance: measured from its raise if still pending when measuring starts.
        this.open[port] = 2;
        this.since[port] = now;
        this.openVcpu[port] = vcpu;
        this.openPrio[port] = prio;
      }
      return;
    }
    this.raised++;
    this.gRaised[g]++;
    this.portRaised[port]++;
    if (outcome === 1) {
      this.coalesced++;
      this.gCoalesced[g]++;
      this.portCoalesced[port]++;
      // A raise absorbed by an instance that has already waited past the
      // threshold is an event lost behind a starved instance: it starves too.
      if (this.open[port] === 1 && now - this.since[port] > this.layout.starvationNs) {
        this.starved++;
        this.gStarved[g]++;
      }
      return;
    }
    if (outcome === 2) {
      this.dropped++;
      this.gDropped[g]++;
      return;
    }
    this.open[port] = 1;
    this.since[port] = now;
    this.openVcpu[port] = vcpu;
    this.openPrio[port] = prio;
    const k = vcpu * PRIORITIES + prio;
    if (this.pendingByVcpuPrio[k]++ === 0) this.prioMask[vcpu] |= 1 << prio;
    if (this.gOpen[g]++ === 0) this.gLastProgress[g] = now;
  }

  /**
   * Measurement starts at `now` (the end of the warm-up): every instance still
   * pending from the warm-up becomes a measured instance (counted as raised
   * now, its latency from its own raise), so a port stuck since the warm-up is
   * measured like any other and later raises on it coalesce into a measured
   * instance.
   */
  startMeasuring(now: number): void {
    this.measuring = true;
    const pg = this.layout.portGroup;
    for (let port = 0; port < this.open.length; port++) {
      if (this.open[port] !== 2) continue;
      const g = pg[port];
      if (g < 0) {
        this.open[port] = 0;
        continue;
      }
      this.open[port] = 1;
      this.carriedIn++;
      this.raised++;
      this.gRaised[g]++;
      this.portRaised[port]++;
      const v = this.openVcpu[port], p = this.openPrio[port];
      if (this.pendingByVcpuPrio[v * PRIORITIES + p]++ === 0) this.prioMask[v] |= 1 << p;
      if (this.gOpen[g]++ === 0) this.gLastProgress[g] = now;
    }
  }

  /**
   * The model lost the pending instance of `port` (group `g`), e.g. a hostile
   * guest cleared its pending bit: count it as dropped. Returns whether a
   * measured instance was pending.
   */
  onLost(port: number, g: number): boolean {
    const st = this.open[port];
    if (st === 0) return false;
    if (st === 2) {
      this.open[port] = 0;
      return false;
    }
    this.#close(port, g);
    this.dropped++;
    this.gDropped[g]++;
    return true;
  }

  #close(port: number, g: number): void {
    this.open[port] = 0;
    const v = this.openVcpu[port], p = this.openPrio[port];
    if (--this.pendingByVcpuPrio[v * PRIORITIES + p] === 0) this.prioMask[v] &= ~(1 << p);
    this.gOpen[g]--;
  }

  /**
   * The handler of `port` starts at `start` (its dispatch decision was taken
   * at `now`), and completes at `done`. Returns false when no measured
   * instance was pending (warm-up, or a spurious dispatch).
   */
  onDispatch(
    port: number,
    g: number,
    prio: number,
    now: number,
    start: number,
    done: number,
  ): boolean {
    const st = this.open[port];
    if (st !== 1) {
      if (st === 2) this.open[port] = 0; // a warm-up instance
      else if (this.measuring) this.spurious++;
      return false;
    }
    this.#close(port, g);
    const v = this.openVcpu[port];
    if ((this.prioMask[v] & ((1 << prio) - 1)) !== 0) {
      this.inversions++;
      this.gInversions[g]++;
    }
    const lat = start - this.since[port];
    this.delivered++;
    this.gDelivered[g]++;
    this.portDelivered[port]++;
    this.portLatSum[port] += lat;
    if (lat > this.portLatMax[port]) this.portLatMax[port] = lat;
    this.gLatSum[g] += lat;
    this.gDoneSum[g] += done - this.since[port];
    if (lat > this.gMaxWait[g]) this.gMaxWait[g] = lat;
    if (lat > this.layout.starvationNs) {
      this.starved++;
      this.gStarved[g]++;
    }
    const stall = now - this.gLastProgress[g];
    if (stall > this.gMaxStall[g]) this.gMaxStall[g] = stall;
    this.gLastProgress[g] = now;
    const h = g * PRIORITIES + this.openPrio[port];
    let hh = this.hist[h];
    if (hh === null) hh = this.hist[h] = new LatencyCounts();
    hh.record(lat);
    let dh = this.doneHist[h];
    if (dh === null) dh = this.doneHist[h] = new LatencyCounts();
    dh.record(done - this.since[port]);
    return true;
  }

  /**
   * Close the books at time `end`: instances still pending count with their
   * wait so far (right-censored) in starvation, maximum wait and stall; the
   * fairness indexes read their censored waits from `endNs`.
   */
  finish(end: number): void {
    this.endNs = end;
    const { portGroup, starvationNs } = this.layout;
    for (let p = 0; p < this.open.length; p++) {
      if (this.open[p] !== 1) continue;
      const g = portGroup[p];
      const wait = end - this.since[p];
      if (wait >= starvationNs) {
        this.starved++;
        this.gStarved[g]++;
      }
      if (wait > this.gMaxWait[g]) this.gMaxWait[g] = wait;
    }
    for (let g = 0; g < this.gOpen.length; g++) {
      if (this.gOpen[g] > 0) {
        const stall = end - this.gLastProgress[g];
        if (stall > this.gMaxStall[g]) this.gMaxStall[g] = stall;
      }
    }
  }

  /** Instances still pending (measured) at the end. */
  pendingAtEnd(group = -1): number {
    let n = 0;
    const pg = this.layout.portGroup;
    for (let p = 0; p < this.open.length; p++) {
      if (this.open[p] === 1 && (group < 0 || pg[p] === group)) n++;
    }
    return n;
  }

  /**
   * The latency statistics (HDR's quantiles and mean, from the bucket counts)
   * of the counts whose (group, priority) passes `keep`; read-only.
   */
  merged(keep: (g: number, p: number) => boolean, done = false): LatencyStats {
    const parts: LatencyCounts[] = [];
    const src = done ? this.doneHist : this.hist;
    for (let i = 0; i < src.length; i++) {
      const h = src[i];
      if (h !== null && keep(Math.floor(i / PRIORITIES), i % PRIORITIES)) parts.push(h);
    }
    return parts.length === 0 ? new LatencyCounts(0) : LatencyCounts.sum(parts);
  }

  /**
   * Per port: mean wait of its measured instances, delivered latencies and
   * the censored wait of one still pending at the end (after `finish`); NaN
   * for a port with neither.
   */
  portMeanWait(port: number): number {
    let sum = this.portLatSum[port], n = this.portDelivered[port];
    if (this.open[port] === 1 && Number.isFinite(this.endNs)) {
      sum += this.endNs - this.since[port];
      n++;
    }
    return n === 0 ? NaN : sum / n;
  }

  /**
   * Jain's index over the per-port mean wait of every port that raised
   * (censored waits included, see `portMeanWait`): a port starved for the
   * whole run pulls it down.
   */
  jainLatency(): number {
    let s = 0, s2 = 0, n = 0;
    for (let p = 0; p < this.portRaised.length; p++) {
      if (this.portRaised[p] === 0) continue;
      const x = this.portMeanWait(p);
      if (Number.isNaN(x)) continue;
      s += x;
      s2 += x * x;
      n++;
    }
    return jain(s, s2, n);
  }

  /** Jain's index over per-port delivered/raised of ports that were raised. */
  jainService(): number {
    let s = 0, s2 = 0, n = 0;
    for (let p = 0; p < this.portRaised.length; p++) {
      const r = this.portRaised[p];
      if (r === 0) continue;
      const x = this.portDelivered[p] / r;
      s += x;
      s2 += x * x;
      n++;
    }
    return jain(s, s2, n);
  }

  /** Slowest port's mean wait over the fastest's, over ports that raised (censored waits included). */
  latencySpread(): number {
    let lo = Infinity, hi = 0;
    for (let p = 0; p < this.portRaised.length; p++) {
      if (this.portRaised[p] === 0) continue;
      const x = this.portMeanWait(p);
      if (Number.isNaN(x)) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return lo === Infinity ? 0 : lo === 0 ? (hi === 0 ? 1 : Infinity) : hi / lo;
  }

  /** Latency statistics of `h` with `sum` and `n`, as CSV columns. */
  static latencyColumns(h: LatencyStats, sum: number, n: number): Row {
    if (n === 0) {
      return Object.fromEntries(LATENCY_COLUMNS.map((c) => [c, ""]));
    }
    return {
      lat_mean_ns: round(sum / n),
      lat_p50_ns: h.getValueAtPercentile(50),
      lat_p90_ns: h.getValueAtPercentile(90),
      lat_p99_ns: h.getValueAtPercentile(99),
      lat_p999_ns: h.getValueAtPercentile(99.9),
      lat_max_ns: h.maxValue,
    };
  }

  /** The per-run summary columns (README: Metrics). */
  summary(groupsCount: number): Row {
    const all = () => true;
    let latSum = 0, doneSum = 0;
    for (let g = 0; g < groupsCount; g++) {
      latSum += this.gLatSum[g];
      doneSum += this.gDoneSum[g];
    }
    const h = this.merged(all);
    const dh = this.merged(all, true);
    return {
      raised: this.raised,
      delivered: this.delivered,
      coalesced: this.coalesced,
      pending_at_end: this.pendingAtEnd(),
      dropped: this.dropped,
      ...Metrics.latencyColumns(h, latSum, this.delivered),
      done_mean_ns: this.delivered ? round(doneSum / this.delivered) : "",
      done_p99_ns: this.delivered ? dh.getValueAtPercentile(99) : "",
      jain_latency: round(this.jainLatency(), 6),
      jain_service: round(this.jainService(), 6),
      latency_spread: round(this.latencySpread(), 4),
      starved_events: this.starved,
      max_wait_ns: round(Math.max(0, ...this.gMaxWait)),
      max_stall_ns: round(Math.max(0, ...this.gMaxStall)),
      inversions: this.inversions,
      upcalls: this.upcalls,
      overhead_ns_per_event: this.delivered ? round(this.guestAbiNs / this.delivered, 3) : "",
      xen_ns_per_raise: this.xenOps ? round(this.xenNs / this.xenOps, 3) : "",
      spurious: this.spurious,
      unbound_raises: this.unboundRaises,
    };
  }

  /** Rows for each group: counts and latency. */
  groupRows(priorities: readonly number[]): Row[] {
    return this.layout.groupNames.map((name, g) => {
      const h = this.merged((gg) => gg === g);
      const dh = this.merged((gg) => gg === g, true);
      const n = this.gDelivered[g];
      return {
        group: name,
        priority: priorities[g],
        raised: this.gRaised[g],
        delivered: n,
        coalesced: this.gCoalesced[g],
        pending_at_end: this.pendingAtEnd(g),
        dropped: this.gDropped[g],
        delivered_fraction: this.gRaised[g] ? round(n / this.gRaised[g], 6) : "",
        ...Metrics.latencyColumns(h, this.gLatSum[g], n),
        done_mean_ns: n ? round(this.gDoneSum[g] / n) : "",
        done_p99_ns: n ? dh.getValueAtPercentile(99) : "",
        starved_events: this.gStarved[g],
        max_wait_ns: round(this.gMaxWait[g]),
        max_stall_ns: round(this.gMaxStall[g]),
        inversions: this.gInversions[g],
      };
    });
  }

  /** Rows for each (priority) that saw deliveries. */
  priorityRows(): Row[] {
    const rows: Row[] = [];
    for (let p = 0; p < PRIORITIES; p++) {
      const h = this.merged((_, pp) => pp === p);
      const n = h.totalCount;
      if (n === 0) continue;
      rows.push({ priority: p, delivered: n, ...Metrics.latencyColumns(h, h.mean * n, n) });
    }
    return rows;
  }

  /** Rows for each port that was raised: counts and latency. */
  portRows(): Row[] {
    const rows: Row[] = [];
    const { portGroup, groupNames } = this.layout;
    for (let p = 0; p < this.portRaised.length; p++) {
      if (this.portRaised[p] === 0) continue;
      const d = this.portDelivered[p];
      rows.push({
        port: p,
        group: groupNames[portGroup[p]],
        raised: this.portRaised[p],
        delivered: d,
        coalesced: this.portCoalesced[p],
        lat_mean_ns: d ? round(this.portLatSum[p] / d) : "",
        lat_max_ns: d ? round(this.portLatMax[p]) : "",
      });
    }
    return rows;
  }
}

/** Jain's index from sum, sum of squares and count; 1 for an empty set. */
export function jain(sum: number, sumSq: number, n: number): number {
  if (n === 0 || sumSq === 0) return 1;
  return (sum * sum) / (n * sumSq);
}

/** Round to `digits` decimals (0 by default), as a number. */
export function round(x: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
