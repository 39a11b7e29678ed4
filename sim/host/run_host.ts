/**
 * A host run end to end (DESIGN §12): build the host simulation, run it, and
 * read its figures: the summary columns, one guests.csv row per guest
 * template and device class, one per_guest.csv row per started guest and
 * device class, one dom0.csv row per dom0 VCPU. Round trips run
 * from the client's request until the client has its response (the
 * frontend consumed it; a client on another guest VCPU was woken there);
 * requests still outstanding at the end count with their wait so far in the
 * maximum and in each guest's mean (right-censored, DESIGN §8).
 *
 * @module
 */

import { LatencyCounts } from "../run/histogram.ts";
import { guestPortCost, type HostLayout, PK_IOREQ } from "./ports.ts";
import {
  CLASSES,
  CLS_IOREQ,
  CTX_HARDIRQ,
  CTX_KTHREAD,
  CTX_SOFTIRQ,
  CTX_USER,
  type HostRunOptions,
  HostSimulation,
} from "./host.ts";
import type { Scenario } from "../scenario/schema.ts";

const CTXS = 4;

/** Figures of a finished host run, per template and for the whole host. */
export interface HostFigures {
  /** The port layout in dom0. */
  layout: HostLayout;
  /** Columns for summary.csv. */
  summary: Record<string, number>;
  /** Rows for guests.csv, one per template and device class (net, blk). */
  guests: Record<string, string | number>[];
  /** Rows for dom0.csv, one per dom0 VCPU. */
  dom0: Record<string, number>[];
  /** Rows for per_guest.csv, one per started guest and device class it has traffic in. */
  perGuest: Record<string, string | number>[];
  /** Engine events processed. */
  simEvents: number;
  /** Hash of the processed event sequence. */
  fingerprint: number;
}

/** Jain's index (sum x)^2 / (n sum x^2) of `xs` (1 when all alike; 1 for none). */
function jain(xs: readonly number[]): number {
  let s = 0, s2 = 0;
  for (const x of xs) {
    s += x;
    s2 += x * x;
  }
  return xs.length === 0 || s2 === 0 ? 1 : (s * s) / (xs.length * s2);
}

/**
 * Run a host scenario to `endNs` and collect its figures: the summary
 * columns of DESIGN §12 and one guests.csv row per template. Round trips run
 * from the client's request until the client has its response (the
 * frontend consumed it; a client on another guest VCPU was woken there);
 * requests still outstanding at the end count with their wait so far in the
 * maximum and in each guest's mean (right-censored, DESIGN §8).
 *
 * @example
 * ```ts
 * import { runHost } from "./run_host.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * import { createAbi } from "../../models/registry.ts";
 * import { DEFAULT_COSTS } from "../../models/costs.ts";
 * const s = parseScenario({ name: "h", duration_ms: 5, warmup_ms: 1,
 *   host: { guests: [{ count: 4 }] } }, "h");
 * const f = runHost(s, "fifo", { seed: 1, replication: 0, costs: DEFAULT_COSTS,
 *   factory: (o) => createAbi("fifo", o) }, 6e6);
 * console.log(f.summary.guests_started, f.summary.requests > 0); // 4 true
 * ```
 */
export function runHost(
  s: Scenario,
  abiId: string,
  options: HostRunOptions,
  endNs: number,
): HostFigures {
  const sim = new HostSimulation(s, abiId, options);
  sim.start();
  sim.engine.run(endNs, sim, options.maxEvents ?? Infinity);
  return hostFigures(sim, endNs);
}

/** The figures of a host simulation stopped at `endNs`. */
export function hostFigures(sim: HostSimulation, endNs: number): HostFigures {
  const host = sim.scenario.host!;
  const L = sim.layout;
  const S = CLASSES * host.guests.length; // (template, device class) slots
  const G = L.guestTemplate.length;
  // Right-censored waits of outstanding requests.
  const censoredMax = new Float64Array(S);
  const guestSum = new Float64Array(G), guestN = new Float64Array(G);
  const slotDevices = new Float64Array(S), suppressed = new Float64Array(S);
  for (let d = 0; d < sim.devCount; d++) {
    const g = sim.devGuest[d], slot = sim.devSlot[d];
    slotDevices[slot]++;
    suppressed[slot] += sim.rings.suppressed[sim.devReq[d]];
    if (sim.devRsp[d] !== sim.devReq[d]) suppressed[slot] += sim.rings.suppressed[sim.devRsp[d]];
    guestSum[g] += sim.devRt[d];
    guestN[g] += sim.devRtN[d];
    const off = sim.issueOff[d], cap = sim.issueCap[d];
    for (let k = sim.completed[d]; k < sim.issued[d]; k++) {
      const wait = endNs - sim.issueAt[off + k % cap];
      if (wait > censoredMax[slot]) censoredMax[slot] = wait;
      guestSum[g] += wait;
      guestN[g]++;
    }
  }
  // HVM VCPUs: one ioreq slot per template; a VCPU still stalled is censored.
  for (let u = 0; u < sim.ioMeanNs.length; u++) {
    if (sim.ioMeanNs[u] === 0) continue;
    const slot = CLASSES * L.guestTemplate[sim.vcpuDom[u] - 1] + CLS_IOREQ;
    slotDevices[slot]++;
    if (sim.ioStall[u] === 1 && endNs - sim.ioAt[u] > censoredMax[slot]) {
      censoredMax[slot] = endNs - sim.ioAt[u];
    }
  }
  const measuredNs = Math.max(0, endNs - sim.measureFrom);
  const nv0 = host.dom0.vcpus;
  const ctx = new Float64Array(CTXS);
  for (let u = 0; u < nv0; u++) for (let c = 0; c < CTXS; c++) ctx[c] += sim.busy[u * CTXS + c];
  const dom0Time = measuredNs * nv0;
  const frac = (x: number): number => (dom0Time > 0 ? x / dom0Time : 0);
  const vfrac = (x: number): number => round4(measuredNs > 0 ? x / measuredNs : 0);
  // Per dom0 VCPU: ports bound, events handled, busy fraction by context. The
  // busiest VCPU saturates before the average does when many ports land on it.
  let busiest = 0;
  const dom0 = Array.from({ length: nv0 }, (_, u) => {
    const b = (c: number) => sim.busy[u * CTXS + c];
    const total = b(0) + b(1) + b(2) + b(3);
    if (total > busiest) busiest = total;
    return {
      vcpu: u,
      ports_bound: L.channelsOnCpu[u],
      events: sim.dom0Handled[u],
      busy: vfrac(total),
      hardirq: vfrac(b(CTX_HARDIRQ)),
      softirq: vfrac(b(CTX_SOFTIRQ)),
      kthread: vfrac(b(CTX_KTHREAD)),
      user: vfrac(b(CTX_USER)),
    };
  });
  // Ring requests (net, blk) make the summary's round trips; ioreqs their own columns.
  const all = LatencyCounts.sum(sim.rt.filter((_, t) => t % CLASSES !== CLS_IOREQ));
  const io = LatencyCounts.sum(sim.rt.filter((_, t) => t % CLASSES === CLS_IOREQ));
  let requests = 0, events = 0, maxCensored = 0, suppressedAll = 0, ioMax = 0;
  for (let t = 0; t < S; t++) {
    if (t % CLASSES === CLS_IOREQ) {
      if (censoredMax[t] > ioMax) ioMax = censoredMax[t];
      continue;
    }
    requests += sim.tplRequests[t];
    events += sim.tplEvents[t];
    suppressedAll += suppressed[t];
    if (censoredMax[t] > maxCensored) maxCensored = censoredMax[t];
  }
  const means: number[] = [];
  for (let g = 0; g < G; g++) if (guestN[g] > 0) means.push(guestSum[g] / guestN[g]);
  const rtCols = (h: LatencyCounts, censored: number) => ({
    rt_mean_ns: h.totalCount > 0 ? Math.round(h.mean) : 0,
    rt_p50_ns: h.totalCount > 0 ? h.getValueAtPercentile(50) : 0,
    rt_p99_ns: h.totalCount > 0 ? h.getValueAtPercentile(99) : 0,
    rt_p999_ns: h.totalCount > 0 ? h.getValueAtPercentile(99.9) : 0,
    rt_max_ns: Math.max(h.totalCount > 0 ? h.maxValue : 0, Math.round(censored)),
  });
  const sumArr = (a: number[]): number => a.reduce((x, y) => x + y, 0);
  const summary: Record<string, number> = {
    guests_requested: sumArr(L.requested),
    guests_started: sumArr(L.started),
    guests_refused: sumArr(L.refused),
    dom0_ports_bound: L.bound,
    requests,
    ...rtCols(all, maxCensored),
    events_per_request: requests > 0 ? round4(events / requests) : 0,
    notifies_suppressed: suppressedAll,
    dom0_busy: round4(frac(ctx[0] + ctx[1] + ctx[2] + ctx[3])),
    dom0_busy_max: round4(measuredNs > 0 ? busiest / measuredNs : 0),
    dom0_hardirq: round4(frac(ctx[CTX_HARDIRQ])),
    dom0_softirq: round4(frac(ctx[CTX_SOFTIRQ])),
    dom0_kthread: round4(frac(ctx[CTX_KTHREAD])),
    dom0_user: round4(frac(ctx[CTX_USER])),
    raised: sim.raised,
    delivered: sim.delivered,
    coalesced: sim.coalesced,
    dom0_raised: sim.dom0Raised,
    dom0_ipis: sim.dom0Ipis,
    upcalls: sim.upcalls,
    shared_bytes: sim.abis[0].sharedBytes(),
    jain_rt: round4(jain(means)),
    ioreqs: io.totalCount,
    ioreq_rt_mean_ns: io.totalCount > 0 ? Math.round(io.mean) : 0,
    ioreq_rt_p99_ns: io.totalCount > 0 ? io.getValueAtPercentile(99) : 0,
    ioreq_rt_max_ns: Math.max(io.totalCount > 0 ? io.maxValue : 0, Math.round(ioMax)),
    spurious_events: sim.spurious,
    eoi_deferred_backoff: sim.eoiDeferredBackoff,
    eoi_deferred_loop: sim.eoiDeferredLoop,
    ring_stalls: sim.ringStalls,
    // Mean fraction of the time a guest VCPU was runnable but waiting for a physical CPU.
    guest_cpu_wait: sim.pool !== null && measuredNs > 0
      ? round4(sim.pool.waitNs / (measuredNs * sim.pool.credit.length))
      : 0,
    sched_switches: sim.pool?.switches ?? 0,
    sched_preemptions: sim.pool?.preemptions ?? 0,
  };
  const guests: Record<string, string | number>[] = [];
  host.guests.forEach((t, ti) => {
    for (let cls = 0; cls < CLASSES; cls++) {
      const slot = CLASSES * ti + cls;
      if (slotDevices[slot] === 0) continue;
      const n = sim.tplRequests[slot];
      guests.push({
        template: t.name,
        device: deviceName(cls),
        kind: t.kind,
        guest_vcpus: t.vcpus,
        guests_requested: L.requested[ti],
        guests_started: L.started[ti],
        guests_refused: L.refused[ti],
        dom0_ports_per_guest: guestPortCost(t, nv0).total,
        requests: n,
        ...rtCols(sim.rt[slot], censoredMax[slot]),
        events_per_request: n > 0 ? round4(sim.tplEvents[slot] / n) : 0,
        notifies_suppressed: suppressed[slot],
        spurious_events: sim.tplSpurious[slot],
      });
    }
  });
  return {
    layout: L,
    summary,
    guests,
    dom0,
    perGuest: perGuestRows(sim, endNs),
    simEvents: sim.engine.processed,
    fingerprint: sim.engine.fingerprint,
  };
}

/** The name of device class `cls` in the CSVs. */
function deviceName(cls: number): string {
  return cls === 0 ? "net" : cls === 1 ? "blk" : "ioreq";
}

/**
 * One row per started guest and device class it has traffic in, guests in
 * creation order: its round trips while measuring (quantiles from its compact
 * histogram, `guest_hist.ts`, capped at its exact maximum), requests still
 * outstanding at the end counted with their wait so far in its mean and its
 * maximum (right-censored, DESIGN §8), and its notifications. The rows of a
 * template and class add up to its guests.csv row: the same requests, the
 * same notifications, the same suppressed pushes.
 *
 * @example
 * ```ts
 * import { runHost } from "./run_host.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * import { createAbi } from "../../models/registry.ts";
 * import { DEFAULT_COSTS } from "../../models/costs.ts";
 * const s = parseScenario({ name: "h", duration_ms: 5, warmup_ms: 1,
 *   host: { guests: [{ count: 3 }] } }, "h");
 * const f = runHost(s, "2l", { seed: 1, replication: 0, costs: DEFAULT_COSTS,
 *   factory: (o) => createAbi("2l", o) }, 6e6);
 * console.log(f.perGuest.map((r) => `${r.guest}:${r.device}`).join(" "));
 * // 0:net 0:blk 1:net 1:blk 2:net 2:blk
 * ```
 */
export function perGuestRows(
  sim: HostSimulation,
  endNs: number,
): Record<string, string | number>[] {
  const host = sim.scenario.host!;
  const L = sim.layout;
  const n = sim.slotGuest.length;
  // Right-censored waits of the requests outstanding at the end, per guest slot.
  const censoredSum = new Float64Array(n), censoredN = new Float64Array(n);
  const censoredMax = new Float64Array(n), suppressed = new Float64Array(n);
  // Completed round trips: ioreqs counted per guest slot, ring requests per device.
  const done = Float64Array.from(sim.guestRequests), sum = Float64Array.from(sim.guestRtSum);
  for (let d = 0; d < sim.devCount; d++) {
    const gs = sim.devGuestSlot[d];
    done[gs] += sim.devRtN[d];
    sum[gs] += sim.devRt[d];
    suppressed[gs] += sim.rings.suppressed[sim.devReq[d]];
    if (sim.devRsp[d] !== sim.devReq[d]) suppressed[gs] += sim.rings.suppressed[sim.devRsp[d]];
    const off = sim.issueOff[d], cap = sim.issueCap[d];
    for (let k = sim.completed[d]; k < sim.issued[d]; k++) {
      const wait = endNs - sim.issueAt[off + k % cap];
      censoredSum[gs] += wait;
      censoredN[gs]++;
      if (wait > censoredMax[gs]) censoredMax[gs] = wait;
    }
  }
  // An HVM VCPU still stalled in wait_for_io at the end: its ioreq is censored.
  for (let u = 0; u < sim.ioMeanNs.length; u++) {
    if (sim.ioMeanNs[u] === 0 || sim.ioStall[u] !== 1) continue;
    const gs = sim.guestSlot[CLASSES * (sim.vcpuDom[u] - 1) + CLS_IOREQ];
    const wait = endNs - sim.ioAt[u];
    censoredSum[gs] += wait;
    censoredN[gs]++;
    if (wait > censoredMax[gs]) censoredMax[gs] = wait;
  }
  // The dom0 VCPU each slot's requests notify: its device's request ring's
  // backend port (the netback TX queue or blkback ring the device uses); for
  // ioreqs, QEMU's first ioreq port.
  const dom0Vcpu = new Int32Array(n).fill(-1);
  for (let d = 0; d < sim.devCount; d++) dom0Vcpu[sim.devGuestSlot[d]] = sim.ringU0[sim.devReq[d]];
  for (let gs = 0; gs < n; gs++) {
    if (dom0Vcpu[gs] >= 0) continue;
    const g = sim.slotGuest[gs];
    for (let i = L.guestFirst[g]; i < L.guestFirst[g + 1]; i++) {
      if (L.kinds[i] === PK_IOREQ) {
        dom0Vcpu[gs] = L.vcpus[i];
        break;
      }
    }
  }
  const rows: Record<string, string | number>[] = [];
  for (let gs = 0; gs < n; gs++) {
    const g = sim.slotGuest[gs];
    const t = host.guests[L.guestTemplate[g]];
    const req = done[gs], max = Math.round(sim.guestRtMax[gs]);
    const q = (p: number): number => Math.min(sim.guestRt.quantile(gs, req, p), max);
    const all = req + censoredN[gs];
    rows.push({
      guest: g,
      template: t.name,
      device: deviceName(sim.slotClass[gs]),
      kind: t.kind,
      guest_abi: t.abi ?? sim.abiId,
      first_port: L.ports[L.guestFirst[g]],
      dom0_vcpu: dom0Vcpu[gs],
      requests: req,
      rt_mean_ns: all > 0 ? Math.round((sum[gs] + censoredSum[gs]) / all) : 0,
      rt_p50_ns: q(50),
      rt_p99_ns: q(99),
      rt_p999_ns: q(99.9),
      rt_max_ns: Math.max(max, Math.round(censoredMax[gs])),
      notifies: sim.guestEvents[gs],
      events_per_request: req > 0 ? round4(sim.guestEvents[gs] / req) : 0,
      notifies_suppressed: suppressed[gs],
      spurious_events: sim.guestSpurious[gs],
    });
  }
  return rows;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
