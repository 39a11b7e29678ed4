/**
 * Timelines in the Chrome trace event format (JSON; opens in Perfetto and
 * chrome://tracing). {@linkcode TraceWriter} writes the events: processes
 * and their tracks, slices, instants. {@linkcode ChromeTracer} records a
 * single-guest run with it: one track per VCPU with a slice per handler run
 * (named by port and group), upcall deliveries and descheduled periods as
 * slices; raises and coalesced raises as instant events on a Xen track. A
 * host's timeline (`sim/host/host_trace.ts`) uses the same writer. Times are
 * simulated nanoseconds in, microseconds in the JSON.
 *
 * @module
 */

import type { Tracer } from "./guest.ts";

/** One Chrome trace event. */
export interface TraceEvent {
  /** Event name. */
  name: string;
  /** Category. */
  cat?: string;
  /** Phase: "X" complete slice, "i" instant, "M" metadata. */
  ph: "X" | "i" | "M";
  /** Timestamp in µs. */
  ts: number;
  /** Duration in µs (slices). */
  dur?: number;
  /** Process id. */
  pid: number;
  /** Thread id (track). */
  tid: number;
  /** Instant scope. */
  s?: "t" | "p" | "g";
  /** Arguments shown in the viewer. */
  args?: Record<string, unknown>;
}

/**
 * Writes Chrome trace events: processes and tracks (metadata), slices and
 * instants from simulated times in ns, and the JSON document.
 *
 * @example
 * ```ts
 * import { TraceWriter } from "./trace.ts";
 * const w = new TraceWriter();
 * w.process(1, "dom0", 0);
 * w.thread(1, 1, "VCPU 0", 1);
 * w.slice("xen_blkif_schedule", "kthread", 1, 1, 2000, 3500, { ring: 0 });
 * console.log(JSON.parse(w.toJson()).traceEvents[2].dur); // 1.5
 * ```
 */
export class TraceWriter {
  /** The events recorded so far (metadata first). */
  readonly events: TraceEvent[] = [];

  /** Name process `pid` and give its place among processes. */
  process(pid: number, name: string, sort: number): void {
    this.events.push({ name: "process_name", ph: "M", ts: 0, pid, tid: 0, args: { name } });
    this.events.push({
      name: "process_sort_index",
      ph: "M",
      ts: 0,
      pid,
      tid: 0,
      args: { sort_index: sort },
    });
  }

  /** Name track `tid` of process `pid` and give its place in the process. */
  thread(pid: number, tid: number, name: string, sort: number): void {
    this.events.push({ name: "thread_name", ph: "M", ts: 0, pid, tid, args: { name } });
    this.events.push({
      name: "thread_sort_index",
      ph: "M",
      ts: 0,
      pid,
      tid,
      args: { sort_index: sort },
    });
  }

  /** A slice from `t0` to `t1` (ns) on track (`pid`, `tid`); returns the event (to clip it later). */
  slice(
    name: string,
    cat: string,
    pid: number,
    tid: number,
    t0: number,
    t1: number,
    args: Record<string, unknown>,
  ): TraceEvent {
    const e: TraceEvent = {
      name,
      cat,
      ph: "X",
      ts: t0 / 1000,
      dur: Math.max(0, t1 - t0) / 1000,
      pid,
      tid,
      args,
    };
    this.events.push(e);
    return e;
  }

  /** An instant at `t` (ns) on track (`pid`, `tid`). */
  instant(
    name: string,
    cat: string,
    pid: number,
    tid: number,
    t: number,
    args: Record<string, unknown>,
  ): void {
    this.events.push({ name, cat, ph: "i", s: "t", ts: t / 1000, pid, tid, args });
  }

  /** The trace as JSON (`{ traceEvents, displayTimeUnit }`). */
  toJson(): string {
    return JSON.stringify({
      traceEvents: this.events,
      displayTimeUnit: "ns",
      otherData: { note: "simulated time; 1 µs in the viewer = 1 µs simulated" },
    });
  }
}

const GUEST = 1;
const XEN_TID = 0;
/** Names of a raise's outcomes (0 new, 1 coalesced, 2 dropped), as trace events name them. */
export const RAISE_OUTCOME: readonly string[] = ["raise", "coalesced raise", "dropped raise"];

/**
 * Records a single-guest run's timeline as Chrome trace events.
 *
 * @example
 * ```ts
 * import { ChromeTracer } from "./trace.ts";
 * const t = new ChromeTracer(["timer"], 1);
 * t.raise(1000, 3, 0, 0);
 * t.handler(0, 3, 0, 2000, 3500);
 * console.log(JSON.parse(t.toJson()).traceEvents.some((e: { ph: string }) => e.ph === "X")); // true
 * ```
 */
export class ChromeTracer extends TraceWriter implements Tracer {
  readonly #groups: readonly string[];

  /** A tracer for a guest with `vcpus` VCPUs whose port groups are named `groups`. */
  constructor(groups: readonly string[], vcpus: number) {
    super();
    this.#groups = groups;
    this.events.push({
      name: "process_name",
      ph: "M",
      ts: 0,
      pid: GUEST,
      tid: 0,
      args: { name: "guest" },
    });
    this.thread(GUEST, XEN_TID, "Xen: raises", 0);
    for (let v = 0; v < vcpus; v++) this.thread(GUEST, v + 1, `VCPU ${v}`, v + 1);
  }

  #group(g: number): string {
    return this.#groups[g] ?? `group ${g}`;
  }

  /** A raise of `port` (instant on the Xen track). */
  raise(t: number, port: number, group: number, outcome: number): void {
    this.instant(
      `${RAISE_OUTCOME[outcome] ?? "raise"} port ${port}`,
      outcome === 1 ? "coalesced" : "raise",
      GUEST,
      XEN_TID,
      t,
      { port, group: this.#group(group), outcome: RAISE_OUTCOME[outcome] ?? outcome },
    );
  }

  /** Upcall delivery on `vcpu` (slice). */
  upcall(vcpu: number, t0: number, t1: number): void {
    this.slice("upcall", "upcall", GUEST, vcpu + 1, t0, t1, {});
  }

  /** A handler run of `port` on `vcpu` (slice named by port and group). */
  handler(vcpu: number, port: number, group: number, start: number, done: number): void {
    const g = this.#group(group);
    this.slice(`port ${port} (${g})`, g, GUEST, vcpu + 1, start, done, { port, group: g });
  }

  /** `vcpu` descheduled (slice). */
  descheduled(vcpu: number, t0: number, t1: number): void {
    this.slice("descheduled", "sched", GUEST, vcpu + 1, t0, t1, {});
  }
}
