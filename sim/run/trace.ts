/**
 * A Tracer writing the Chrome trace event format (JSON; opens in Perfetto
 * and chrome://tracing): one track per VCPU with a slice per handler run
 * (named by port and group), upcall deliveries and descheduled periods as
 * slices; raises and coalesced raises as instant events on a Xen track.
 * Times are simulated microseconds.
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

const GUEST = 1;
const XEN_TID = 0;
const OUTCOME = ["raise", "coalesced raise", "dropped raise"];

/**
 * Records a run's timeline as Chrome trace events.
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
export class ChromeTracer implements Tracer {
  /** The events recorded so far (metadata first). */
  readonly events: TraceEvent[] = [];
  readonly #groups: readonly string[];

  /** A tracer for a guest with `vcpus` VCPUs whose port groups are named `groups`. */
  constructor(groups: readonly string[], vcpus: number) {
    this.#groups = groups;
    const meta = (tid: number, name: string, sort: number) => {
      this.events.push({ name: "thread_name", ph: "M", ts: 0, pid: GUEST, tid, args: { name } });
      this.events.push({
        name: "thread_sort_index",
        ph: "M",
        ts: 0,
        pid: GUEST,
        tid,
        args: { sort_index: sort },
      });
    };
    this.events.push({
      name: "process_name",
      ph: "M",
      ts: 0,
      pid: GUEST,
      tid: 0,
      args: { name: "guest" },
    });
    meta(XEN_TID, "Xen: raises", 0);
    for (let v = 0; v < vcpus; v++) meta(v + 1, `VCPU ${v}`, v + 1);
  }

  #group(g: number): string {
    return this.#groups[g] ?? `group ${g}`;
  }

  /** A raise of `port` (instant on the Xen track). */
  raise(t: number, port: number, group: number, outcome: number): void {
    this.events.push({
      name: `${OUTCOME[outcome] ?? "raise"} port ${port}`,
      cat: outcome === 1 ? "coalesced" : "raise",
      ph: "i",
      s: "t",
      ts: t / 1000,
      pid: GUEST,
      tid: XEN_TID,
      args: { port, group: this.#group(group), outcome: OUTCOME[outcome] ?? outcome },
    });
  }

  /** Upcall delivery on `vcpu` (slice). */
  upcall(vcpu: number, t0: number, t1: number): void {
    this.#slice("upcall", "upcall", vcpu, t0, t1, {});
  }

  /** A handler run of `port` on `vcpu` (slice named by port and group). */
  handler(vcpu: number, port: number, group: number, start: number, done: number): void {
    const g = this.#group(group);
    this.#slice(`port ${port} (${g})`, g, vcpu, start, done, { port, group: g });
  }

  /** `vcpu` descheduled (slice). */
  descheduled(vcpu: number, t0: number, t1: number): void {
    this.#slice("descheduled", "sched", vcpu, t0, t1, {});
  }

  #slice(name: string, cat: string, vcpu: number, t0: number, t1: number, args: object): void {
    this.events.push({
      name,
      cat,
      ph: "X",
      ts: t0 / 1000,
      dur: Math.max(0, t1 - t0) / 1000,
      pid: GUEST,
      tid: vcpu + 1,
      args: { ...args },
    });
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
