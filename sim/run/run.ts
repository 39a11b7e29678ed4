/**
 * One run: engine + ABI model + guest + workload + metrics -> RunResult.
 *
 * Folder `sim/run/` owns one run: set-up through the hypercall layer, the
 * guest runtime, the workload, the hostile guest, metrics and the trace
 * recorder. It calls ABI models through `models/abi.ts` and the registry,
 * uses the engine and the scenario types, and never imports a sweep, the
 * reports or the command line.
 *
 * @module
 */

import type { AbiFactory, EventChannelAbi } from "../../models/abi.ts";
import { type Costs, resolveCosts } from "../../models/costs.ts";
import { MASK_TEMPORARY } from "../../models/mask_reasons.ts";
import { loadAbiFactory } from "../../models/registry.ts";
import { Engine, EventLimitError } from "../engine/engine.ts";
import {
  EV_ARRIVAL,
  EV_DISPATCH,
  EV_HANDLER_DONE,
  EV_HOSTILE,
  EV_IRQ_OFF,
  EV_LATE_EOI,
  EV_LOOP,
  EV_PRIORITY,
  EV_REBALANCE,
  EV_SCHED,
  EV_SOFT,
  EV_THREAD,
  EV_UPCALL,
  EV_WARMUP_END,
} from "./events.ts";
import { DEFER_SOFTIRQ, DEFER_THREAD, Guest, type GuestDeferred, type Tracer } from "./guest.ts";
import { HostileGuest } from "./hostile.ts";
import { Metrics, type Row } from "./metrics.ts";
import type { Scenario } from "../scenario/scenario.ts";
import { type DomainSetup, groupPriority, setupDomain } from "./setup.ts";
import { compileCount, compileDistribution, Workload } from "./workload.ts";
import { runHost } from "../host/run_host.ts";

/** A swept parameter value. */
export type ParamValue = string | number | boolean;

/** One run of a sweep: a grid point, an ABI and a replication. */
export interface Run {
  /** Position in the expanded sweep (0-based). */
  index: number;
  /** Stable id: a hash of the resolved point, ABI, replication and seed. */
  id: string;
  /** The scenario resolved for this grid point. */
  scenario: Scenario;
  /** The ABI id, or a design's module path as the scenario names it. */
  abi: string;
  /** For a design module: its absolute file URL (what is imported). */
  module?: string;
  /** Replication index (0-based): selects the random streams; ABIs share it. */
  replication: number;
  /** The replication's seed, derived by hashing (shown in results). */
  seed: number;
  /** Index of the grid point. */
  point: number;
  /** The swept parameters of the grid point, by dotted path. */
  params: Record<string, ParamValue>;
}

/** The rows and figures one run produces. */
export interface RunResult {
  /** The run's id and index. */
  id: string;
  /** Position in the expanded sweep. */
  index: number;
  /** The summary.csv row. */
  summary: Row;
  /** The groups.csv rows. */
  groups: Row[];
  /** The priorities.csv rows. */
  priorities: Row[];
  /** The ports.csv rows (only with `ports: true`). */
  ports: Row[];
  /** The guests.csv rows (host scenarios only: one per guest template and device class). */
  guests?: Row[];
  /** The dom0.csv rows (host scenarios only: one per dom0 VCPU). */
  dom0?: Row[];
  /** The per_guest.csv rows (host scenarios only: one per started guest and device class). */
  perGuest?: Row[];
  /** Events the engine processed. */
  simEvents: number;
  /** Wall-clock time of the run in ms (goes to the manifest only). */
  wallMs: number;
  /** Hash of the processed event sequence, 8 hex digits. */
  fingerprint: string;
}

/** Options of a run. */
export interface RunOptions {
  /** Stop the run with EventLimitError after this many events. */
  maxEvents?: number;
  /** Collect per-port rows. */
  ports?: boolean;
  /** A timeline recorder. */
  tracer?: Tracer | null;
  /** Stop at this simulated time in ns instead of the scenario's end. */
  untilNs?: number;
  /**
   * Called every {@linkcode PROGRESS_EVENTS} events with the simulated time
   * (ns) and the events so far: in-flight progress at no per-event cost.
   */
  onProgress?: (simNs: number, events: number) => void;
}

/** Events between two {@linkcode RunOptions.onProgress} calls. */
export const PROGRESS_EVENTS = 1 << 20;

/** The simulation of one run: dispatches engine events to the workload, the guest and the domain. */
class Simulation {
  readonly engine: Engine;
  readonly abi: EventChannelAbi;
  readonly metrics: Metrics;
  readonly workload: Workload;
  readonly guest: Guest;
  readonly setup: DomainSetup;
  readonly portGroup: Int32Array;
  readonly portPriority: Uint8Array;
  readonly portVcpu: Int32Array;
  readonly scenario: Scenario;
  tracer: Tracer | null = null;
  hostile: HostileGuest | null = null;
  readonly replication: number;

  constructor(s: Scenario, setup: DomainSetup, costs: Costs, replication: number) {
    this.scenario = s;
    this.replication = replication;
    this.setup = setup;
    this.abi = setup.abi;
    this.portGroup = setup.portGroup;
    this.portPriority = setup.portPriority;
    this.portVcpu = setup.portVcpu;
    this.engine = new Engine(4096);
    this.metrics = new Metrics({
      ports: setup.portGroup.length,
      vcpus: s.guest.vcpus,
      groupNames: s.groups.map((g) => g.name),
      portGroup: setup.portGroup,
      starvationNs: s.starvation_ms * 1e6,
    });
    this.workload = new Workload(s, setup, this.engine, replication);
    const ts = s.vcpu_sched.kind === "timeshare"
      ? { run: compileDistribution(s.vcpu_sched.run), wait: compileDistribution(s.vcpu_sched.wait) }
      : null;
    this.guest = new Guest(this.abi, this.engine, this.metrics, this.workload, costs, {
      vcpus: s.guest.vcpus,
      portGroup: setup.portGroup,
      portPriority: setup.portPriority,
      groupLateEoi: Uint8Array.from(s.groups.map((g) => (g.lateeoi ? 1 : 0))),
      vcpuOnline: setup.vcpuOnline,
      idleHalts: s.guest.idle === "halt",
      upcallVector: s.guest.upcall === "vector",
      timeshare: ts,
      irqOff: s.guest.irq_off
        ? { fraction: s.guest.irq_off.fraction, meanNs: s.guest.irq_off.mean_us * 1e3 }
        : null,
      seed: s.seed,
      replication,
      deferred: s.groups.map((g): GuestDeferred | null =>
        g.deferred === undefined ? null : {
          kind: g.deferred.kind === "softirq" ? DEFER_SOFTIRQ : DEFER_THREAD,
          items: compileCount(g.deferred.items),
          item: compileDistribution(g.deferred.item),
          weight: g.deferred.weight,
          notifyAlways: g.deferred.notify === "always",
        }
      ),
      spurious: Float64Array.from(s.groups.map((g) => g.spurious ?? 0)),
      groupNames: s.groups.map((g) => g.name),
      hz: s.guest.hz,
      loopCtrl: s.guest.loop_ctrl,
      eoiBackoff: s.guest.eoi_backoff,
      eventLoopTimeout: s.guest.event_loop_timeout,
      eventEoiDelay: s.guest.event_eoi_delay,
    });
    let online = 0;
    for (const o of setup.vcpuOnline) online += o;
    this.metrics.onlineVcpus = online;
  }

  start(): void {
    const e = this.engine, s = this.scenario;
    this.metrics.measuring = s.warmup_ms === 0;
    if (s.warmup_ms > 0) e.schedule(s.warmup_ms * 1e6, EV_WARMUP_END, 0, 0);
    s.groups.forEach((g, gi) => {
      if (g.rebalance_ms !== undefined) e.schedule(g.rebalance_ms * 1e6, EV_REBALANCE, gi, 0);
      if (g.priority_change !== undefined) {
        e.schedule(g.priority_change.at_ms * 1e6, EV_PRIORITY, gi, 0);
      }
    });
    this.workload.start();
    this.guest.start();
    if (s.hostile !== undefined) {
      const h = new HostileGuest(
        this.abi,
        e,
        this.metrics,
        this.portGroup,
        s.hostile,
        s.seed,
        this.replication,
      );
      this.hostile = h;
      h.start();
    }
  }

  handle(kind: number, a: number, b: number): void {
    switch (kind) {
      case EV_ARRIVAL: {
        const port = this.workload.fire(a);
        if (port > 0) this.raise(port);
        else if (this.metrics.measuring) this.metrics.unboundRaises++;
        return;
      }
      case EV_UPCALL:
      case EV_DISPATCH:
      case EV_LOOP:
      case EV_HANDLER_DONE:
      case EV_SCHED:
      case EV_IRQ_OFF:
      case EV_SOFT:
      case EV_THREAD:
      case EV_LATE_EOI:
        return this.guest.handle(kind, a, b);
      case EV_WARMUP_END:
        this.metrics.startMeasuring(this.engine.now);
        return;
      case EV_REBALANCE:
        return this.rebalance(a);
      case EV_PRIORITY:
        return this.changePriority(a);
      case EV_HOSTILE:
        return this.hostile!.fire();
    }
  }

  /** Xen's send path: raise the port and kick the VCPU both edge filters let through. */
  raise(port: number): void {
    if (this.guest.absorb(port)) return; // work on the ring without an event
    const abi = this.abi, m = this.metrics;
    const vcpu = abi.raise(port);
    const g = this.portGroup[port];
    if (m.measuring) {
      m.xenNs += abi.cost;
      m.xenOps++;
      if (abi.steps > m.maxXenSteps) m.maxXenSteps = abi.steps;
    }
    m.onRaise(port, g, this.portPriority[port], this.portVcpu[port], abi.outcome, this.engine.now);
    if (this.tracer !== null) this.tracer.raise(this.engine.now, port, g, abi.outcome);
    if (vcpu >= 0) this.guest.kick(vcpu);
  }

  /**
   * irqbalance-style rotation: every port of group `gi` moves to the next
   * online VCPU. Like Linux's xen_rebind_evtchn_to_cpu, the port is masked
   * with reason TEMPORARY around EVTCHNOP_bind_vcpu, so an event pending at
   * the move is delivered on the new VCPU rather than stranded on the old
   * one's selector; the unmask after it clears only that reason, so a port
   * whose late EOI is pending stays masked (events_base.c do_unmask).
   */
  rebalance(gi: number): void {
    const s = this.scenario, online = this.setup.vcpuOnline, abi = this.abi;
    const masks = this.guest.masks;
    const n = s.guest.vcpus;
    for (const port of this.setup.groupPorts[gi]) {
      let v = this.portVcpu[port];
      for (let k = 0; k < n; k++) {
        v = (v + 1) % n;
        if (online[v] === 1) break;
      }
      masks.mask(port, MASK_TEMPORARY);
      if (abi.bindVcpu(port, v) === 0) this.portVcpu[port] = v;
      const target = masks.unmask(port, MASK_TEMPORARY);
      if (this.metrics.measuring) this.metrics.hypercalls += masks.unmasked ? 2 : 1;
      if (target >= 0) this.guest.kick(target);
    }
    this.engine.schedule(this.engine.now + s.groups[gi].rebalance_ms! * 1e6, EV_REBALANCE, gi, 0);
  }

  /** The group's ports get their new priority through set_priority (effective at the next link). */
  changePriority(gi: number): void {
    const p = this.scenario.groups[gi].priority_change!.priority;
    for (const port of this.setup.groupPorts[gi]) {
      this.abi.setPriority(port, p);
      this.portPriority[port] = p;
      if (this.metrics.measuring) this.metrics.hypercalls++;
    }
  }
}

/**
 * Run the engine to `end`, stopping every PROGRESS_EVENTS events to report
 * progress when asked (the engine's own event limit is the checkpoint, so
 * the hot loop pays nothing per event).
 */
function runEngine(sim: Simulation, end: number, options: RunOptions): void {
  const limit = options.maxEvents ?? Infinity;
  const report = options.onProgress;
  if (report === undefined) return sim.engine.run(end, sim, limit);
  for (;;) {
    const stop = Math.min(limit, sim.engine.processed + PROGRESS_EVENTS);
    if (stop === limit) return sim.engine.run(end, sim, limit);
    try {
      return sim.engine.run(end, sim, stop);
    } catch (e) {
      if (!(e instanceof EventLimitError)) throw e;
      report(sim.engine.now, sim.engine.processed);
    }
  }
}

/**
 * Execute one run with a ready ABI factory. Pure function of (run, factory):
 * the same inputs give the same rows.
 *
 * @example
 * ```ts
 * import { executeRun } from "./run.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * import { createAbi } from "../../models/registry.ts";
 * const scenario = parseScenario({ name: "t", duration_ms: 5, groups: [{ name: "g", ports: 16,
 *   arrival: { kind: "poisson", rate_per_s: 100000 }, service: { kind: "const", ns: 1000 } }] }, "t");
 * const r = executeRun({ index: 0, id: "x", scenario, abi: "fifo", replication: 0, seed: 1,
 *   point: 0, params: {} }, (o) => createAbi("fifo", o));
 * console.log(r.summary.delivered as number > 0); // true
 * ```
 */
export function executeRun(run: Run, factory: AbiFactory, options: RunOptions = {}): RunResult {
  const t0 = performance.now();
  const s = run.scenario;
  const costs = resolveCosts(s.costs as Parameters<typeof resolveCosts>[0]);
  if (s.host !== undefined) return executeHostRun(run, factory, costs, options, t0);
  const setup = setupDomain(s, factory, costs);
  const sim = new Simulation(s, setup, costs, run.replication);
  sim.tracer = options.tracer ?? null;
  sim.guest.tracer = sim.tracer;
  sim.start();
  const end = options.untilNs ?? (s.warmup_ms + s.duration_ms) * 1e6;
  runEngine(sim, end, options);
  const m = sim.metrics;
  sim.guest.finish(end);
  m.finish(end);
  const priorities = s.groups.map(groupPriority);
  s.groups.forEach((g, gi) => {
    if (g.priority_change !== undefined && g.priority_change.at_ms * 1e6 <= end) {
      priorities[gi] = g.priority_change.priority;
    }
  });
  const head: Row = {
    scenario: s.name,
    abi: run.abi,
    replication: run.replication,
    seed: run.seed,
    ...run.params as Row,
  };
  const summary: Row = {
    ...head,
    ...m.summary(s.groups.length),
    hypercalls: setup.hypercalls + m.hypercalls,
    // The ABI the domain actually ran: under init_fail_policy "fallback-2l" a FIFO run is 2-level.
    abi_ran: setup.abi.id,
    ports_requested: setup.groupRequested.reduce((a, b) => a + b, 0),
    ports_bound: setup.groupRequested.reduce((a, b) => a + b, 0) - setup.bindFailures,
    bind_failures: setup.bindFailures,
    shared_bytes: sim.abi.sharedBytes(),
    max_xen_steps: m.maxXenSteps,
    sim_events: sim.engine.processed,
    ...(s.groups.some((g) => g.attacker)
      ? m.floodColumns(Uint8Array.from(s.groups.map((g) => (g.attacker ? 1 : 0))))
      : {}),
  };
  return {
    id: run.id,
    index: run.index,
    summary,
    groups: m.groupRows(priorities).map((r) => ({ ...head, ...r })),
    priorities: m.priorityRows().map((r) => ({ ...head, ...r })),
    ports: options.ports ? m.portRows().map((r) => ({ ...head, ...r })) : [],
    simEvents: sim.engine.processed,
    wallMs: performance.now() - t0,
    fingerprint: sim.engine.fingerprint.toString(16).padStart(8, "0"),
  };
}

/**
 * A host scenario's run (DESIGN §12): dom0 and its guests over rings
 * (`sim/host/`), as one summary row and one guests.csv row per template.
 */
function executeHostRun(
  run: Run,
  factory: AbiFactory,
  costs: Costs,
  options: RunOptions,
  t0: number,
): RunResult {
  const s = run.scenario;
  const end = options.untilNs ?? (s.warmup_ms + s.duration_ms) * 1e6;
  const f = runHost(s, run.abi, {
    seed: s.seed,
    replication: run.replication,
    factory,
    costs,
    ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
  }, end);
  const head: Row = {
    scenario: s.name,
    abi: run.abi,
    replication: run.replication,
    seed: run.seed,
    ...run.params as Row,
  };
  return {
    id: run.id,
    index: run.index,
    summary: { ...head, ...f.summary, sim_events: f.simEvents },
    groups: [],
    priorities: [],
    ports: [],
    guests: f.guests.map((r) => ({ ...head, ...r })),
    dom0: f.dom0.map((r) => ({ ...head, ...r })),
    perGuest: f.perGuest.map((r) => ({ ...head, ...r })),
    simEvents: f.simEvents,
    wallMs: performance.now() - t0,
    fingerprint: f.fingerprint.toString(16).padStart(8, "0"),
  };
}

/**
 * Execute one run, resolving its ABI by id or module URL.
 *
 * @example
 * ```ts
 * import { runOne } from "./run.ts";
 * // const result = await runOne(run);
 * console.log(typeof runOne); // "function"
 * ```
 */
export async function runOne(run: Run, options: RunOptions = {}): Promise<RunResult> {
  return executeRun(run, await loadAbiFactory(run.module ?? run.abi), options);
}
