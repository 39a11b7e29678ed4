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

/**
 * Completion-latency columns: from the raise to the end of the instance's
 * deferred work, or of its top half when the group defers none.
 */
export const COMPLETION_COLUMNS = [
  "done_mean_ns",
  "done_p99_ns",
] as const;

/** Execution contexts of a VCPU whose time is measured (index into `ctxNs`). */
export const CTX_IDLE = 0;
/** Hard-IRQ context: the upcall loop and its top halves. */
export const CTX_HARDIRQ = 1;
/** Softirq context: NAPI polls run at irq_exit. */
export const CTX_SOFTIRQ = 2;
/** Thread context: kthreads, threaded IRQs and ksoftirqd. */
export const CTX_THREAD = 3;
/** Number of context slots per VCPU in `ctxNs`. */
export const CTX_SLOTS = 4;

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
  /** Per group: sum of completion latencies (ns). */
  readonly gDoneSum: Float64Array;
  /** Per group: measured instances whose work completed (events). */
  readonly gCompleted: Float64Array;
  /** Per group: VCPU time spent on the group's top halves and deferred work (ns). */
  readonly gCpuNs: Float64Array;
  /** Per group: late EOIs delayed by loop control or the spurious backoff (events). */
  readonly gEoiDeferred: Float64Array;
  /** Per group: arrivals put on the ring without an event while the port's deferred work was scheduled. */
  readonly gAbsorbed: Float64Array;
  /** Per group: events handled as spurious (the backend found no work). */
  readonly gSpurious: Float64Array;
  /** Per group: measured instances whose deferred work had not ended at the end of the run. */
  readonly gOutstanding: Float64Array;
  /** Per group: the waits so far of those instances (right-censored completion latencies). */
  readonly outstandingHist: (LatencyCounts | null)[];
  /** Per port: sum of completion latencies (ns). */
  readonly portDoneSum: Float64Array;
  /** Per port: measured instances completed (events). */
  readonly portCompleted: Float64Array;
  /** Per (VCPU, context): measured time in idle, hard-IRQ, softirq and thread context (ns). */
  readonly ctxNs: Float64Array;
  /** Simulated time measurement started (ns): the end of the warm-up. */
  measureStart = 0;
  /** Simulated time measurement ended (ns), set by `finish`. */
  measureEnd = 0;
  /** VCPUs online (the denominator of context shares); all of them unless set. */
  onlineVcpus = 0;
  /** Times a VCPU handed its softirq work to ksoftirqd. */
  ksoftirqdWakeups = 0;
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
    this.gCompleted = new Float64Array(g);
    this.gCpuNs = new Float64Array(g);
    this.gEoiDeferred = new Float64Array(g);
    this.gSpurious = new Float64Array(g);
    this.gAbsorbed = new Float64Array(g);
    this.gOutstanding = new Float64Array(g);
    this.outstandingHist = new Array(g).fill(null);
    this.portDoneSum = new Float64Array(n);
    this.portCompleted = new Float64Array(n);
    this.ctxNs = new Float64Array(layout.vcpus * CTX_SLOTS);
    this.onlineVcpus = layout.vcpus;
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
    this.measureStart = now;
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
   * at `now`), and its work completes at `done`; a negative `done` means the
   * work is deferred and {@linkcode Metrics.onComplete} records it later.
   * Returns false when no measured instance was pending (warm-up, or a
   * spurious dispatch).
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
    if (done >= 0) this.onComplete(port, g, this.openPrio[port], done - this.since[port]);
    return true;
  }

  /**
   * A measured instance of `port` (group `g`, measured at priority `prio`)
   * completed `lat` ns after its raise: the end of its deferred work, or of
   * its top half when there is none.
   */
  onComplete(port: number, g: number, prio: number, lat: number): void {
    this.gDoneSum[g] += lat;
    this.gCompleted[g]++;
    this.portDoneSum[port] += lat;
    this.portCompleted[port]++;
    const h = g * PRIORITIES + prio;
    let dh = this.doneHist[h];
    if (dh === null) dh = this.doneHist[h] = new LatencyCounts();
    dh.record(lat);
  }

  /**
   * At the end of the run, a measured instance of group `g` was dispatched
   * but its deferred work had not ended: it has waited `wait` ns so far.
   */
  onOutstanding(g: number, wait: number): void {
    this.gOutstanding[g]++;
    let h = this.outstandingHist[g];
    if (h === null) h = this.outstandingHist[g] = new LatencyCounts();
    h.record(wait);
  }

  /** Measured simulated time (ns): from the end of the warm-up to `finish`. */
  measuredNs(): number {
    return Math.max(0, this.measureEnd - this.measureStart);
  }

  /** Share of the online VCPUs' measured time spent in context `ctx`, over all VCPUs. */
  ctxShare(ctx: number): number {
    const d = this.measuredNs() * this.onlineVcpus;
    if (d <= 0) return 0;
    let t = 0;
    for (let v = 0; v < this.layout.vcpus; v++) t += this.ctxNs[v * CTX_SLOTS + ctx];
    return t / d;
  }

  /**
   * Close the books at time `end`: instances still pending count with their
   * wait so far (right-censored) in starvation, maximum wait and stall; the
   * fairness indexes read their censored waits from `endNs`.
   */
  finish(end: number): void {
    this.measureEnd = end;
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
    let latSum = 0, doneSum = 0, completed = 0, eoiDeferred = 0;
    for (let g = 0; g < groupsCount; g++) {
      latSum += this.gLatSum[g];
      doneSum += this.gDoneSum[g];
      completed += this.gCompleted[g];
      eoiDeferred += this.gEoiDeferred[g];
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
      done_mean_ns: completed ? round(doneSum / completed) : "",
      done_p99_ns: completed ? dh.getValueAtPercentile(99) : "",
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
      completed,
      hardirq_share: round(this.ctxShare(CTX_HARDIRQ), 6),
      softirq_share: round(this.ctxShare(CTX_SOFTIRQ), 6),
      thread_share: round(this.ctxShare(CTX_THREAD), 6),
      eoi_deferred: eoiDeferred,
      ksoftirqd_wakeups: this.ksoftirqdWakeups,
    };
  }

  /**
   * Summary columns of a flood study: victims are the groups not marked in
   * `attacker` (1 = attacker). Victim p99 dispatch and completion latency,
   * the CPU shares of victims and attackers, and the attackers' delivered
   * rate (events/s): how far the defences throttle them.
   */
  floodColumns(attacker: Uint8Array): Row {
    const victim = (g: number) => attacker[g] === 0;
    // Right-censored: work still waiting at the end counts with its wait so
    // far, so a victim that is starved outright cannot look fast.
    const lat = new LatencyCounts(), done = new LatencyCounts();
    for (let i = 0; i < this.hist.length; i++) {
      const g = Math.floor(i / PRIORITIES);
      if (!victim(g)) continue;
      if (this.hist[i] !== null) lat.add(this.hist[i]!);
      if (this.doneHist[i] !== null) done.add(this.doneHist[i]!);
    }
    for (let g = 0; g < attacker.length; g++) {
      if (victim(g) && this.outstandingHist[g] !== null) done.add(this.outstandingHist[g]!);
    }
    const pg = this.layout.portGroup;
    for (let p = 0; p < this.open.length; p++) {
      if (this.open[p] !== 1 || !victim(pg[p])) continue;
      const wait = this.measureEnd - this.since[p];
      lat.record(wait);
      done.record(wait);
    }
    const h = lat.toHdr(), dh = done.toHdr();
    const ns = this.measuredNs(), cpu = ns * this.onlineVcpus;
    let vCpu = 0, aCpu = 0, aDelivered = 0;
    for (let g = 0; g < attacker.length; g++) {
      if (victim(g)) vCpu += this.gCpuNs[g];
      else {
        aCpu += this.gCpuNs[g];
        aDelivered += this.gDelivered[g];
      }
    }
    return {
      victim_lat_p99_ns: h.totalCount ? h.getValueAtPercentile(99) : "",
      victim_done_p99_ns: dh.totalCount ? dh.getValueAtPercentile(99) : "",
      victim_cpu_share: cpu > 0 ? round(vCpu / cpu, 6) : "",
      attacker_cpu_share: cpu > 0 ? round(aCpu / cpu, 6) : "",
      attacker_rate_per_s: ns > 0 ? round(aDelivered * 1e9 / ns, 3) : "",
    };
  }

  /** Rows for each group: counts and latency. */
  groupRows(priorities: readonly number[]): Row[] {
    return this.layout.groupNames.map((name, g) => {
      const h = this.merged((gg) => gg === g);
      const dh = this.merged((gg) => gg === g, true);
      const n = this.gDelivered[g];
      const c = this.gCompleted[g];
      const ns = this.measuredNs();
      const cpu = ns * this.onlineVcpus;
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
        done_mean_ns: c ? round(this.gDoneSum[g] / c) : "",
        done_p99_ns: c ? dh.getValueAtPercentile(99) : "",
        starved_events: this.gStarved[g],
        max_wait_ns: round(this.gMaxWait[g]),
        max_stall_ns: round(this.gMaxStall[g]),
        inversions: this.gInversions[g],
        completed: c,
        delivered_per_s: ns > 0 ? round(n * 1e9 / ns, 3) : "",
        cpu_share: cpu > 0 ? round(this.gCpuNs[g] / cpu, 6) : "",
        outstanding: this.gOutstanding[g],
        absorbed: this.gAbsorbed[g],
        spurious_events: this.gSpurious[g],
        eoi_deferred: this.gEoiDeferred[g],
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
      const dh = this.merged((_, pp) => pp === p, true);
      const c = dh.totalCount;
      rows.push({
        priority: p,
        delivered: n,
        ...Metrics.latencyColumns(h, h.mean * n, n),
        done_mean_ns: c ? round(dh.mean) : "",
        done_p99_ns: c ? dh.getValueAtPercentile(99) : "",
      });
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
        done_mean_ns: this.portCompleted[p]
          ? round(this.portDoneSum[p] / this.portCompleted[p])
          : "",
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
