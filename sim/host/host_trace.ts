/**
 * A host run's timeline in the Chrome trace event format (Perfetto,
 * chrome://tracing), written by `sim/run/trace.ts`'s {@linkcode TraceWriter}:
 * one process per domain (dom0, then each started guest), one track per VCPU
 * with a slice per work item the host runtime runs, named after the Linux
 * function that does that work, and a "Xen: raises" track per domain with
 * each raise into it (new, coalesced or dropped) as an instant. Upcall
 * entries are slices on the VCPU they enter; a VCPU's time off its physical
 * CPU (preempted by the pool's scheduler, or stalled in `wait_for_io`) is a
 * slice too. Times are simulated microseconds.
 *
 * @module
 */

import type { AbiFactory } from "../../models/abi.ts";
import { resolveCosts } from "../../models/costs.ts";
import { EventLimitError } from "../engine/engine.ts";
import type { Scenario } from "../scenario/schema.ts";
import { RAISE_OUTCOME, type TraceEvent, TraceWriter } from "../run/trace.ts";
import {
  CTX_HARDIRQ,
  CTX_KTHREAD,
  CTX_SOFTIRQ,
  CTX_USER,
  type HostRunOptions,
  HostSimulation,
  type HostTracer,
  IT_HANDLER,
  IT_IRQ_RSP,
  IT_POLL,
  IT_WAKE,
  R_BLK,
  R_NET_RX,
  R_NET_TX,
} from "./host.ts";
import { type HostFigures, hostFigures } from "./run_host.ts";

/** The execution contexts' names, as slice categories. */
const CTX_NAME: Record<number, string> = {
  [CTX_HARDIRQ]: "hardirq",
  [CTX_SOFTIRQ]: "softirq",
  [CTX_KTHREAD]: "kthread",
  [CTX_USER]: "user",
};

const XEN_TID = 0;

/** A VCPU's time off a CPU, by why (Xen's terms: a preempted VCPU, hvm_io wait_for_io, a runnable one). */
const OFF_NAME = ["descheduled", "wait_for_io", "runnable"];

/**
 * Records a host run's timeline: install it as `sim.tracer`, run, then call
 * {@linkcode HostChromeTracer.finish} with the time the run stopped.
 *
 * @example
 * ```ts
 * import { HostChromeTracer } from "./host_trace.ts";
 * import { HostSimulation } from "./host.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * import { createAbi } from "../../models/registry.ts";
 * import { DEFAULT_COSTS } from "../../models/costs.ts";
 * const s = parseScenario({ name: "h", duration_ms: 1, host: { guests: [{ count: 1 }] } }, "h");
 * const sim = new HostSimulation(s, "fifo", { seed: 1, replication: 0, costs: DEFAULT_COSTS,
 *   factory: (o) => createAbi("fifo", o) });
 * const t = new HostChromeTracer(sim);
 * sim.tracer = t;
 * sim.start();
 * sim.engine.run(1e6, sim);
 * t.finish(1e6);
 * console.log(t.events.some((e) => e.name === "xen_blkif_schedule")); // true
 * ```
 */
export class HostChromeTracer extends TraceWriter implements HostTracer {
  readonly #sim: HostSimulation;
  /** Per VCPU: its last item's slice (clipped when the VCPU leaves its CPU or the trace ends). */
  readonly #last: (TraceEvent | null)[];
  /** Per VCPU: its last upcall entry's slice (clipped likewise: the entry is time owed, which can run late). */
  readonly #entry: (TraceEvent | null)[];
  /** Per VCPU: when it left its CPU (-1: it is on one). */
  readonly #offAt: Float64Array;
  /** Per VCPU: why it is off its CPU (0 preempted, 1 waiting for QEMU, 2 waiting for a CPU). */
  readonly #offWhy: Uint8Array;

  /** A tracer for `sim`'s domains and VCPUs (it reads `sim`'s state to name what it records). */
  constructor(sim: HostSimulation) {
    super();
    this.#sim = sim;
    const U = sim.vcpuDom.length;
    this.#last = new Array(U).fill(null);
    this.#entry = new Array(U).fill(null);
    this.#offAt = new Float64Array(U).fill(-1);
    this.#offWhy = new Uint8Array(U);
    const host = sim.scenario.host!;
    const domains = sim.layout.guestTemplate.length + 1;
    for (let d = 0; d < domains; d++) {
      const t = d === 0 ? null : host.guests[sim.layout.guestTemplate[d - 1]];
      // A guest's template name follows its kind unless it says nothing more
      // (the kind itself, or the schema's default "guest").
      const name = t === null
        ? "dom0"
        : t.name === t.kind || t.name === "guest"
        ? `guest ${d} (${t.kind})`
        : `guest ${d} (${t.kind}, ${t.name})`;
      this.process(d + 1, name, d);
      this.thread(d + 1, XEN_TID, "Xen: raises", 0);
      for (let u = sim.vcpuBase[d]; u < sim.vcpuBase[d + 1]; u++) {
        const v = u - sim.vcpuBase[d];
        this.thread(d + 1, v + 1, `VCPU ${v}`, v + 1);
      }
    }
  }

  /** The trace track (pid, tid) of VCPU `u`: pid `domain + 1`, tid `local VCPU + 1`. */
  #pid(u: number): number {
    return this.#sim.vcpuDom[u] + 1;
  }

  #tid(u: number): number {
    return u - this.#sim.vcpuBase[this.#sim.vcpuDom[u]] + 1;
  }

  /** The ring port `port` of domain `dom` serves, or -1. */
  #ring(dom: number, port: number): number {
    const sim = this.#sim;
    return port < sim.portTop[dom] ? sim.portRing[sim.portBase[dom] + port] : -1;
  }

  /** What a ring's slice says of it: the ring, its guest (domain id) and device. */
  #ringArgs(r: number): Record<string, unknown> {
    const sim = this.#sim;
    const kind = sim.ringKind[r];
    return {
      ring: r,
      ring_kind: kind === R_BLK ? "blkif" : kind === R_NET_TX ? "netif tx" : "netif rx",
      guest: sim.vcpuDom[sim.ringUg[r]],
      device: sim.ringDev[r],
    };
  }

  /** A handler's name: the Linux interrupt handler bound to the port. */
  #handlerName(u: number, dom: number, port: number, r: number): string {
    const sim = this.#sim;
    if (r < 0) {
      // drivers/xen/evtchn.c evtchn_interrupt: a port bound by user space (QEMU's ioreq ports).
      const io = dom === 0 && port < sim.portIoreq.length && sim.portIoreq[port] >= 0;
      if (io) return "evtchn_interrupt";
      // arch/x86/xen/smp.c: the IPI a remote wake-up sends an idle CPU (each
      // VCPU's own port, in dom0 or a guest).
      if (sim.ipiPort[u] === port) return "xen_call_function_single_interrupt";
      return `port ${port}`;
    }
    const kind = sim.ringKind[r];
    if (dom === 0) {
      // netback interface.c: xenvif_interrupt for a shared port, else xenvif_tx_interrupt /
      // xenvif_rx_interrupt; blkback xenbus.c binds xen_blkif_be_int.
      if (kind === R_BLK) return "xen_blkif_be_int";
      if (kind === R_NET_RX) return "xenvif_rx_interrupt";
      return sim.ringPort0[r + 1] === port ? "xenvif_interrupt" : "xenvif_tx_interrupt";
    }
    // netfront: xennet_interrupt for a shared port, else xennet_tx_interrupt /
    // xennet_rx_interrupt; blkfront binds blkif_interrupt.
    if (kind === R_BLK) return "blkif_interrupt";
    if (kind === R_NET_RX) return "xennet_rx_interrupt";
    return sim.ringPortG[r + 1] === port ? "xennet_interrupt" : "xennet_tx_interrupt";
  }

  /** A work item begins on VCPU `u` (a slice named after the Linux function doing the work). */
  item(u: number, kind: number, arg: number, ctx: number, start: number, ns: number): void {
    const sim = this.#sim;
    const dom = sim.vcpuDom[u];
    let name: string;
    let args: Record<string, unknown>;
    if (kind === IT_HANDLER) {
      const r = this.#ring(dom, arg);
      name = this.#handlerName(u, dom, arg, r);
      args = r >= 0 ? { port: arg, ...this.#ringArgs(r) } : { port: arg };
      if (r < 0 && name === "evtchn_interrupt") {
        const gu = sim.portIoreq[arg];
        args.guest = sim.vcpuDom[gu];
        args.guest_vcpu = gu - sim.vcpuBase[sim.vcpuDom[gu]];
      }
    } else if (kind === IT_IRQ_RSP) {
      // blkfront blkif_interrupt's loop completes each response (blkif_completion);
      // netfront's xennet_tx_buf_gc reaps TX responses.
      name = sim.ringKind[arg] === R_BLK ? "blkif_completion" : "xennet_tx_buf_gc";
      args = this.#ringArgs(arg);
    } else if (kind === IT_POLL) {
      // netback's NAPI poll xenvif_poll runs xenvif_tx_action; netfront's is xennet_poll.
      name = sim.ringKind[arg] === R_NET_TX ? "xenvif_tx_action" : "xennet_poll";
      args = this.#ringArgs(arg);
    } else if (kind === IT_WAKE) {
      // A blocked client woken by its response: try_to_wake_up and the
      // context switch to it (__schedule), after which its recv() returns.
      name = "__schedule";
      args = {
        woken: sim.ringKind[arg >> 1] === R_BLK ? "block client" : "network client",
        ...this.#ringArgs(arg >> 1),
      };
    } else if (arg >= sim.qemuBase) {
      // QEMU's ioreq handler (hw/xen: cpu_handle_ioreq), answering one guest VCPU.
      const gu = sim.itemArg2[u];
      name = "qemu: cpu_handle_ioreq";
      args = {
        guest: sim.vcpuDom[gu],
        guest_vcpu: gu - sim.vcpuBase[sim.vcpuDom[gu]],
        port: sim.ioPort[gu],
      };
    } else {
      const r = arg >> 1;
      const blk = sim.ringKind[r] === R_BLK;
      if ((arg & 1) === 0) {
        // The client's request: blkfront blkif_queue_rq -> blkif_queue_request;
        // netfront xennet_start_xmit.
        name = blk ? "blkif_queue_request" : "xennet_start_xmit";
      } else {
        // blkback's ring kthread xen_blkif_schedule; netback's xenvif_kthread_guest_rx.
        name = blk ? "xen_blkif_schedule" : "xenvif_kthread_guest_rx";
      }
      args = this.#ringArgs(r);
    }
    this.#last[u] = this.slice(
      name,
      CTX_NAME[ctx] ?? "work",
      this.#pid(u),
      this.#tid(u),
      start,
      start + ns,
      args,
    );
  }

  /** Xen raised `port` of `dom` (an instant on the domain's Xen track). */
  raise(t: number, dom: number, port: number, outcome: number, vcpu: number): void {
    const r = this.#ring(dom, port);
    const args: Record<string, unknown> = {
      port,
      outcome: RAISE_OUTCOME[outcome] ?? outcome,
      vcpu_kicked: vcpu,
      ...(r >= 0 ? this.#ringArgs(r) : {}),
    };
    this.instant(
      `${RAISE_OUTCOME[outcome] ?? "raise"} port ${port}`,
      outcome === 1 ? "coalesced" : "raise",
      dom + 1,
      XEN_TID,
      t,
      args,
    );
  }

  /** VCPU `u` enters its upcall (events_base.c `xen_evtchn_do_upcall`): a slice of its entry cost. */
  upcall(u: number, at: number, t: number, ns: number): void {
    this.#entry[u] = this.slice(
      "xen_evtchn_do_upcall",
      "upcall",
      this.#pid(u),
      this.#tid(u),
      t,
      t + ns,
      { arrived_us: at / 1000, waited_ns: Math.max(0, t - at) },
    );
  }

  /**
   * VCPU `u` is off a CPU from `t` (`why`: 0 preempted, 1 stalled in
   * `wait_for_io`, 2 woken and waiting in the runqueue): the slice in
   * progress stops there. A VCPU already off stays off since then.
   */
  off(u: number, t: number, why: number): void {
    if (this.#offAt[u] >= 0) return;
    this.#clip(u, t);
    this.#offAt[u] = t;
    this.#offWhy[u] = why;
  }

  /** VCPU `u` is given a CPU at `t`: its time off is a slice, and a stopped item goes on. */
  on(u: number, t: number): void {
    const sim = this.#sim;
    if (this.#offAt[u] < 0) return;
    // Woken onto an idle CPU at once: no time off to show.
    if (t === this.#offAt[u] && this.#offWhy[u] === 2) this.#offAt[u] = -1;
    else this.#offSlice(u, t);
    if (sim.paused[u] === 1) {
      const e = this.#last[u];
      if (e !== null) {
        this.#last[u] = this.slice(
          e.name,
          e.cat ?? "work",
          e.pid,
          e.tid,
          t,
          t + sim.remaining[u],
          { ...e.args, resumed: true },
        );
      }
    }
  }

  /** The VCPU's time off its CPU, from when it left to `t`. */
  #offSlice(u: number, t: number): void {
    this.slice(
      OFF_NAME[this.#offWhy[u]],
      "sched",
      this.#pid(u),
      this.#tid(u),
      this.#offAt[u],
      t,
      {},
    );
    this.#offAt[u] = -1;
  }

  /** Cut VCPU `u`'s last item and upcall entry at `t` (each starts no later than `t`). */
  #clip(u: number, t: number): void {
    const at = t / 1000;
    for (const e of [this.#last[u], this.#entry[u]]) {
      if (e === null) continue;
      if (e.ts > at) e.ts = at;
      if (e.ts + e.dur! > at) e.dur = at - e.ts;
    }
  }

  /**
   * The run stopped at `end` (ns): slices in progress are cut there, a VCPU
   * still off its CPU gets its slice, and slices planned to start later
   * (after time owed) are dropped.
   */
  finish(end: number): void {
    const endUs = end / 1000;
    for (let u = 0; u < this.#last.length; u++) {
      for (const e of [this.#last[u], this.#entry[u]]) {
        if (e !== null && e.ts <= endUs && e.ts + e.dur! > endUs) e.dur = endUs - e.ts;
      }
      if (this.#offAt[u] >= 0) this.#offSlice(u, end);
    }
    const ev = this.events;
    let k = 0;
    for (let i = 0; i < ev.length; i++) {
      const e = ev[i];
      if (e.ph === "X" && e.ts > endUs) continue;
      // An item of two parts (a handler and its first reaping) is two slices
      // begun together: the first may be the one the end cuts.
      if (e.ph === "X" && e.ts + e.dur! > endUs) e.dur = endUs - e.ts;
      ev[k++] = e;
    }
    ev.length = k;
  }
}

/** A traced host run: its timeline, its figures, and whether `maxEvents` stopped it. */
export interface HostTrace {
  /** The timeline. */
  tracer: HostChromeTracer;
  /** The run's figures up to where it stopped. */
  figures: HostFigures;
  /** Whether the event limit stopped the run. */
  stopped: boolean;
  /** When the run stopped (ns): the end asked for, or where the event limit stopped it. */
  endNs: number;
}

/**
 * Run a host scenario to `endNs` with a timeline recorder, as `runHost` runs
 * it (the same run: the tracer only watches). A run stopped by
 * `options.maxEvents` keeps what was recorded.
 *
 * @example
 * ```ts
 * import { traceHost } from "./host_trace.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * import { createAbi } from "../../models/registry.ts";
 * import { DEFAULT_COSTS } from "../../models/costs.ts";
 * const s = parseScenario({ name: "h", duration_ms: 1, host: { guests: [{ count: 2 }] } }, "h");
 * const { tracer } = traceHost(s, "2l", { seed: 1, replication: 0, costs: DEFAULT_COSTS,
 *   factory: (o) => createAbi("2l", o) }, 1e6);
 * console.log(JSON.parse(tracer.toJson()).traceEvents.length > 0); // true
 * ```
 */
export function traceHost(
  s: Scenario,
  abiId: string,
  options: HostRunOptions,
  endNs: number,
): HostTrace {
  const sim = new HostSimulation(s, abiId, options);
  const tracer = new HostChromeTracer(sim);
  sim.tracer = tracer;
  sim.start();
  let stopped = false;
  let end = endNs;
  try {
    sim.engine.run(endNs, sim, options.maxEvents ?? Infinity);
  } catch (e) {
    if (!(e instanceof EventLimitError)) throw e;
    stopped = true;
    end = sim.engine.now;
  }
  tracer.finish(end);
  return { tracer, figures: hostFigures(sim, end), stopped, endNs: end };
}

/**
 * Trace one run of a host scenario as `executeRun` runs it (the same seed,
 * replication and costs), to `options.untilNs` or the scenario's end.
 *
 * @example
 * ```ts
 * import { traceHostRun } from "./host_trace.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * import { createAbi } from "../../models/registry.ts";
 * const scenario = parseScenario({ name: "h", duration_ms: 1, host: { guests: [{ count: 1 }] } }, "h");
 * const t = traceHostRun({ scenario, abi: "fifo", replication: 0 }, (o) => createAbi("fifo", o), {});
 * console.log(t.stopped); // false
 * ```
 */
export function traceHostRun(
  run: { scenario: Scenario; abi: string; replication: number },
  factory: AbiFactory,
  options: { untilNs?: number; maxEvents?: number },
): HostTrace {
  const s = run.scenario;
  const end = options.untilNs ?? (s.warmup_ms + s.duration_ms) * 1e6;
  return traceHost(s, run.abi, {
    seed: s.seed,
    replication: run.replication,
    factory,
    costs: resolveCosts(s.costs as Parameters<typeof resolveCosts>[0]),
    ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
  }, end);
}
