/**
 * The scenario schema (README: Scenarios): the zod schemas of scenario files,
 * the types they produce with every default filled in, and the JSON Schema
 * for editors. Keys are a contract: keep them working, add freely.
 *
 * @module
 */

import { z } from "zod";
import { ABI_IDS, isModulePath } from "../../models/registry.ts";
import { COST_FIELDS, type CostRange, type Costs } from "../../models/costs.ts";
import { nearest } from "./suggest.ts";

// Bounds as zod checks (not refinements), so that the JSON Schema carries
// them too (minimum, exclusiveMinimum). z.number() already refuses infinities.
const nonneg = z.number().min(0);
const pos = z.number().gt(0);
const int = z.number().int("an integer");
const prio = int.min(0).max(15);

/**
 * A validating schema for values of type `T`: one of the zod schemas below,
 * typed here without zod's own types.
 */
export interface Validator<T> {
  /** Validate `value` and fill in defaults; throws a zod error listing every issue. */
  parse(value: unknown): T;
}

/** A distribution of non-negative durations in ns (service times, time-share slices). */
export type DistributionSpec =
  /** Always `ns`. */
  | { kind: "const"; ns: number }
  /** Exponential with mean `mean_ns`. */
  | { kind: "exp"; mean_ns: number }
  /** Uniform from `min_ns` to `max_ns`. */
  | { kind: "uniform"; min_ns: number; max_ns: number }
  /** Lognormal with mean `mean_ns` and shape `sigma`. */
  | { kind: "lognormal"; mean_ns: number; sigma: number }
  /** Pareto with minimum `min_ns` and shape `alpha`. */
  | { kind: "pareto"; min_ns: number; alpha: number };

/** How a group's events arrive (README: Arrival kinds). */
export type ArrivalSpec =
  /** The group's aggregate Poisson rate (events/s); `popularity` picks each port. */
  | { kind: "poisson"; rate_per_s: number }
  /** Per port: one event every `period_us` µs, each gap shifted by a uniform ±`jitter_us` µs. */
  | { kind: "periodic"; period_us: number; jitter_us: number }
  /** Bursts: exponential on/off periods (mean `on_ms`, `off_ms` ms), Poisson at the on/off rate (events/s). */
  | { kind: "onoff"; on_rate_per_s: number; off_rate_per_s: number; on_ms: number; off_ms: number }
  /** Replays a CSV trace file. */
  | { kind: "trace"; file: string };

/** How many work items (packets, requests) one event brings to a group's deferred work. */
export type CountSpec =
  /** Always `n` items. */
  | { kind: "const"; n: number }
  /** Geometric on 1, 2, ... with mean `mean` (>= 1). */
  | { kind: "geometric"; mean: number };

/**
 * A group's bottom half (README: Top and bottom halves): the work its top half
 * defers, as `softirq` (a NAPI poll) or `thread` (a kthread or threaded IRQ).
 */
export interface DeferredSpec {
  /** `softirq`: a NAPI poll at irq_exit; `thread`: a kthread run when no IRQ or softirq work is pending. */
  kind: "softirq" | "thread";
  /** Work items each (non-spurious) event brings. */
  items: CountSpec;
  /** Time per work item (ns). */
  item: DistributionSpec;
  /** NAPI weight: items one poll may process before it is rescheduled (softirq only). */
  weight: number;
  /**
   * `ring`: while the work is scheduled, new work goes on the ring without an
   * event (Linux's event-index protocol); `always`: every arrival raises the
   * port (a frontend that ignores the protocol, such as a flooder).
   */
  notify: "ring" | "always";
}

/** How an aggregate arrival process picks a port of the group. */
export type PopularitySpec =
  /** Every port equally. */
  | { kind: "even" }
  /** Port i (1-based, in binding order) with weight 1/i^s. */
  | { kind: "zipf"; s: number };

/** One port group of a scenario, defaults filled in (README: Port groups). */
export interface Group {
  /** The group's name (letters, digits, `_`, `.`, `-`), unique in the scenario. */
  name: string;
  /** Ports the group binds, per VCPU with `vcpu: "each"` (ports). */
  ports: number;
  /** A fixed VCPU; `"spread"`: ports round-robin over the VCPUs; `"each"`: `ports` ports per VCPU. */
  vcpu: number | "spread" | "each";
  /** Whether the ports are the per-VCPU timer VIRQ. */
  timer: boolean;
  /** FIFO queue priority, 0 (highest) to 15; unset: 0 for timers, else 7. */
  priority?: number;
  /** Late EOI: the port is masked at ack and unmasked after the handler. */
  lateeoi: boolean;
  /** How the group's events arrive. */
  arrival: ArrivalSpec;
  /** Each handler's service time: the hard-IRQ top half (ns). */
  service: DistributionSpec;
  /** The bottom half the top half defers to (unset: all work runs in the top half). */
  deferred?: DeferredSpec;
  /** Fraction of events the backend finds no work for (spurious; they feed the late-EOI backoff). */
  spurious?: number;
  /** Marks a flooding group: summaries then report victims (the other groups) apart from it. */
  attacker?: boolean;
  /** How an aggregate arrival process picks a port. */
  popularity: PopularitySpec;
  /** Every `rebalance_ms` ms, each port moves to the next online VCPU. */
  rebalance_ms?: number;
  /** At `at_ms` ms (warm-up included), every port of the group gets `priority`. */
  priority_change?: { at_ms: number; priority: number };
}

/**
 * A scenario's question as data (README: Scenarios; docs/explanation/answers.md): what the
 * report's Answer section compares and where it looks.
 */
export interface Question {
  /** The metric columns the question is about (summary or groups CSV), in order of importance. */
  metrics: string[];
  /**
   * Where to look: group names (their rows of groups.csv, e.g. `timer`), `victims` (every
   * group but the attacker: the summary's `victim_*` columns) or `all` (the whole run); empty:
   * the whole run.
   */
  focus: string[];
  /**
   * `abis`: each ABI against the baseline at each grid point; `param`: the swept parameters'
   * effect within each ABI, each grid point against the reference point.
   */
  comparison: "abis" | "param";
  /** For `param`: the reference grid point's values by dotted path (unset: the first point). */
  reference?: Record<string, string | number | boolean>;
  /** A swept parameter read in another unit, e.g. guests at 4 ports each. */
  per?: { param: string; per: number; unit: string };
}

/** Cost-model overrides: a preset to start from and any `Costs` fields (ns). */
export type CostOverrides = { preset?: "default" | "zero" } & Partial<Costs>;

/**
 * Per cost field, the range `--robust` draws from instead of the built-in one
 * (ns); `host` holds the host-side cost fields' ranges.
 */
export type CostRanges = Partial<Record<keyof Costs, CostRange>> & {
  host?: Partial<Record<keyof HostCosts, CostRange>>;
};

/** A validated scenario with every default filled in (README: Scenarios). */
export interface Scenario {
  /** The scenario's name (letters, digits, `_`, `.`, `-`); results go to `results/<name>/`. */
  name: string;
  /** The question the scenario answers. */
  description: string;
  /** The metric columns the question is about (summary or groups CSV); findings lead with them. */
  answer: string[];
  /** What the question compares and where to look; the report's Answer answers it (unset: `answer`, ABIs against the baseline). */
  question?: Question;
  /** ABI ids (`2l`, `fifo`, ...) or module paths of the designs compared. */
  abis: string[];
  /** The ABI the others are compared against (unset: the first of `abis`). */
  baseline?: string;
  /** Measured simulated time (ms). */
  duration_ms: number;
  /** Unmeasured simulated time before `duration_ms` (ms). */
  warmup_ms: number;
  /** Independent runs per ABI and grid point. */
  replications: number;
  /** Master seed of every replication's seed and random stream. */
  seed: number;
  /** The guest domain. */
  guest: {
    /** Number of VCPUs. */
    vcpus: number;
    /** Guest word size (bits). */
    word_bits: 32 | 64;
    /** EVTCHNOP_set_limit: binding above this port fails (unset: the ABI's maximum). */
    max_evtchn_port?: number;
    /** What an idle VCPU does: `busy` (pays upcall_ns) or `halt` (pays wake_ns). */
    idle: "busy" | "halt";
    /**
     * Upcall delivery: the per-VCPU LAPIC vector (HVMOP_set_evtchn_upcall_vector,
     * what Linux uses on Xen 4.17+) or the global callback vector.
     */
    upcall: "vector" | "callback";
    /** Event-disabled windows: mean `mean_us` µs, covering `fraction` of the time. */
    irq_off?: { fraction: number; mean_us: number };
    /** Timer ticks per second (CONFIG_HZ): the length of a jiffy. */
    hz: number;
    /** Linux's upcall loop control (evtchn_loop_ctrl): a long loop defers its late EOIs. */
    loop_ctrl: boolean;
    /** Linux's spurious-event backoff of late EOIs (xen_irq_lateeoi_locked). */
    eoi_backoff: boolean;
    /** Loop control's timeout, in jiffies (Linux module parameter event_loop_timeout). */
    event_loop_timeout: number;
    /** Delay of a late EOI deferred by loop control, in jiffies (event_eoi_delay). */
    event_eoi_delay: number;
  };
  /** The cost model: a preset or overrides. */
  costs: "default" | "zero" | CostOverrides;
  /** Narrower or wider cost ranges for `--robust` (low = high holds a field fixed). */
  cost_ranges?: CostRanges;
  /** An instance waiting longer than this counts as starved (ms). */
  starvation_ms: number;
  /** VCPU scheduling: always running, or time-shared with `run` and `wait` slices (ns). */
  vcpu_sched:
    | { kind: "dedicated" }
    | { kind: "timeshare"; run: DistributionSpec; wait: DistributionSpec };
  /** Injected faults: VCPUs whose EVTCHNOP_init_control fails (FIFO-family ABIs only). */
  faults: { init_control_fail_vcpus: number[] };
  /** When init_control fails on a non-boot VCPU: offline it, or keep every VCPU on 2-level. */
  init_fail_policy: "offline" | "fallback-2l";
  /** A hostile guest writing into its own shared memory (Poisson, `rate_per_s` writes/s). */
  hostile?: {
    rate_per_s: number;
    targets: ("event_words" | "control" | "bitmaps")[];
  };
  /** The port groups (at least one, unless the scenario describes a `host`). */
  groups: Group[];
  /** A host: dom0 and its guests over request/response rings (DESIGN §12). */
  host?: HostSpec;
}

/**
 * A guest's request/response client, one per vif and per vbd: `closed`
 * (`window` requests outstanding, each followed by `think_us` µs before the
 * next) or open-loop `poisson` (`rate_per_s` requests/s per device).
 */
export type HostWorkload =
  /** A closed-loop client: `window` outstanding requests, `think_us` µs between response and next request. */
  | { kind: "closed"; window: number; think_us: number; devices: "all" | "net" | "blk" }
  /** Open-loop Poisson requests at `rate_per_s` per device. */
  | { kind: "poisson"; rate_per_s: number; devices: "all" | "net" | "blk" };

/** One guest template of a host: `count` identical guests (DESIGN §12). */
export interface HostGuestTemplate {
  /** The template's name (letters, digits, `_`, `.`, `-`), unique in the host. */
  name: string;
  /** How many guests of this template the host creates (in template order). */
  count: number;
  /** `pv`, `pvh`, or `hvm` (QEMU in dom0: one ioreq port per VCPU plus one buffered). */
  kind: "pv" | "pvh" | "hvm";
  /** VCPUs of each guest. */
  vcpus: number;
  /** The guest's word size (bits). */
  word_bits: 32 | 64;
  /** The guest's ABI (unset: dom0's, the ABI under comparison). */
  abi?: string;
  /** Virtual network interfaces (netfront/netback), each with min(8, guest, dom0 VCPUs) queues. */
  vifs: number;
  /** Virtual block devices (blkfront/blkback), each with min(4, guest, dom0 VCPUs) rings. */
  vbds: number;
  /** netback's split event channels (feature-split-event-channels): 2 ports per queue, else 1. */
  split_event_channels: boolean;
  /** The request/response client on each device. */
  workload: HostWorkload;
  /**
   * HVM only: emulated I/O exits per second per VCPU, each a synchronous
   * round trip to QEMU in dom0 during which the VCPU is stalled (0: none).
   */
  ioreq_rate_per_s: number;
  /** The guest kernel's HZ: the jiffy its late EOIs and softirq limits count in. */
  hz: number;
}

/** Host-side costs (ns) of the work a request causes, beyond the event-channel costs. */
export interface HostCosts {
  /** Waking a sleeping kthread (guest-rx, blkback's ring thread) on its CPU. */
  kthread_wake_ns: number;
  /** Waking a guest's closed-loop client blocked on its response, and switching to it. */
  client_wake_ns: number;
  /** Waking a user-space daemon through /dev/xen/evtchn (xenstored, xenconsoled, QEMU). */
  user_wake_ns: number;
  /** netback TX: one request in xenvif_tx_action (grant copy, skb build), per packet. */
  netback_tx_ns: number;
  /** dom0's network stack turning a packet round (the echo a netperf-like peer sends). */
  stack_ns: number;
  /** netback RX: one packet in xenvif_rx_action (grant copy to the guest's buffer). */
  netback_rx_ns: number;
  /** blkback: one request in do_block_io_op plus its (memory-backed) I/O. */
  blkback_ns: number;
  /** A frontend's work per request produced (xennet_start_xmit, blkif_queue_request). */
  front_request_ns: number;
  /** A frontend's work per response consumed (xennet_poll, blkif_interrupt's completion). */
  front_response_ns: number;
  /** QEMU's emulation of one ioreq in dom0 user space. */
  qemu_ns: number;
}

/** A host: dom0 and its guests (DESIGN §12). */
export interface HostSpec {
  /** Physical CPUs (dom0's VCPUs pinned, the rest shared by guests), or `dedicated`. */
  pcpus: number | "dedicated";
  /** The backend domain. */
  dom0: {
    /** dom0's VCPUs. */
    vcpus: number;
    /** dom0's word size (bits): a 32-bit 2-level dom0 has 1023 ports. */
    word_bits: 32 | 64;
    /**
     * Which dom0 VCPU a backend port notifies: `vcpu0` (Linux before 5.11) or
     * `least-loaded` (Linux 5.11+, 93b6adbf0420 "xen/events: Implement irq distribution").
     */
    notify: "vcpu0" | "least-loaded";
    /** Ports dom0 binds for itself besides per-VCPU timers and IPIs (PIRQs, global VIRQs). */
    reserved_ports: number;
    /** dom0's kernel's HZ: the jiffy its late EOIs and softirq limits count in. */
    hz: number;
  };
  /** Guest templates, created in order. */
  guests: HostGuestTemplate[];
  /** Host-side costs (ns). */
  costs: HostCosts;
}

/**
 * The mean of a duration distribution, in ns.
 *
 * @example
 * ```ts
 * import { distributionMean } from "./schema.ts";
 * console.log(distributionMean({ kind: "uniform", min_ns: 0, max_ns: 10 })); // 5
 * ```
 */
export function distributionMean(d: DistributionSpec): number {
  switch (d.kind) {
    case "const":
      return d.ns;
    case "exp":
    case "lognormal":
      return d.mean_ns;
    case "uniform":
      return (d.min_ns + d.max_ns) / 2;
    case "pareto":
      return d.alpha > 1 ? (d.alpha * d.min_ns) / (d.alpha - 1) : Infinity;
  }
}

const distributionSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("const"), ns: nonneg.describe("the duration (ns)") })
    .describe("always `ns`; mean `ns`"),
  z.strictObject({ kind: z.literal("exp"), mean_ns: pos.describe("the mean (ns)") })
    .describe("exponential; mean `mean_ns`"),
  z.strictObject({
    kind: z.literal("uniform"),
    min_ns: nonneg.describe("the lowest value (ns)"),
    max_ns: nonneg.describe("the highest value (ns), at least `min_ns`"),
  }).refine(
    (d) => d.max_ns >= d.min_ns,
    { message: "max_ns >= min_ns", path: ["max_ns"] },
  ).describe("uniform between `min_ns` and `max_ns`; mean (`min_ns` + `max_ns`)/2"),
  z.strictObject({
    kind: z.literal("lognormal"),
    mean_ns: pos.describe("the mean (ns)"),
    sigma: pos.describe("σ of the logarithm"),
  }).describe("lognormal; mean `mean_ns`"),
  z.strictObject({
    kind: z.literal("pareto"),
    min_ns: pos.describe("the scale: the smallest value (ns)"),
    alpha: pos.describe("the shape"),
  }).describe("Pareto; mean `alpha`·`min_ns`/(`alpha` − 1) if `alpha` > 1, infinite otherwise"),
]);

const arrivalSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("poisson"),
    rate_per_s: pos.describe("the group's aggregate rate (events/s)"),
  }).describe("the **group's aggregate** rate; each arrival goes to a port chosen by `popularity`"),
  z.strictObject({
    kind: z.literal("periodic"),
    period_us: pos.describe("the period of each port (µs)"),
    jitter_us: nonneg.default(0).describe("each gap is shifted by a uniform ±`jitter_us` (µs)"),
  }).describe(
    "**per port**: every port fires every `period_us`, each gap shifted by a uniform " +
      "±`jitter_us`; the first arrival of each port is at a uniform random phase",
  ),
  z.strictObject({
    kind: z.literal("onoff"),
    on_rate_per_s: pos.describe("the group's aggregate rate in an on period (events/s)"),
    off_rate_per_s: nonneg.default(0).describe(
      "the group's aggregate rate in an off period (events/s)",
    ),
    on_ms: pos.describe("the mean on period (ms)"),
    off_ms: pos.describe("the mean off period (ms)"),
  }).describe(
    "bursts: exponential on and off periods of mean `on_ms` and `off_ms`, Poisson at the on " +
      "or off rate inside them (group aggregate); long-run rate " +
      "(on_rate·on_ms + off_rate·off_ms)/(on_ms + off_ms)",
  ),
  z.strictObject({
    kind: z.literal("trace"),
    file: z.string().min(1).describe("the CSV file to replay (a path)"),
  }).describe(
    "replays a CSV of `time_ns,port` (raw port numbers; ports not bound are skipped) or " +
      "`time_ns,group,index` (the index-th port of a named group); an optional header line; " +
      "times non-decreasing. Errors name the file and the line",
  ),
]);

const countSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("const"),
    n: int.min(0).max(1 << 20).describe("the number of items"),
  }).describe("always `n` items"),
  z.strictObject({
    kind: z.literal("geometric"),
    mean: z.number().min(1).max(1 << 20).describe("the mean number of items"),
  }).describe("geometric on 1, 2, ... with mean `mean`"),
]);

const deferredSchema = z.strictObject({
  kind: z.enum(["softirq", "thread"]).describe(
    "`softirq`: a NAPI poll at irq_exit (netfront, netback); `thread`: a kthread or threaded " +
      "IRQ that runs when no hard-IRQ or softirq work is pending (blkback)",
  ),
  items: countSchema.default({ kind: "const", n: 1 }).describe(
    'work items (packets, requests) each non-spurious event brings: `{ "kind": "const", ' +
      '"n": N }` or `{ "kind": "geometric", "mean": M }`',
  ),
  item: distributionSchema.describe("time per work item (a distribution, ns)"),
  weight: int.min(1).max(1 << 16).default(64).describe(
    "NAPI weight: items one poll processes before it is rescheduled (softirq only)",
  ),
  notify: z.enum(["ring", "always"]).default("ring").describe(
    "`ring`: work arriving while the port's deferred work is scheduled goes on the ring " +
      "without an event (Linux's event-index protocol); `always`: every arrival raises the " +
      "port, as a sender ignoring the protocol does",
  ),
});

const popularitySchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("even") }).describe("every port equally"),
  z.strictObject({ kind: z.literal("zipf"), s: pos.describe("the Zipf exponent") }).describe(
    "port i of the group (in binding order, 1-based) with weight 1/i^s",
  ),
]);

/** The longest group name: reports quote names in 78-column tables and sentences. */
export const GROUP_NAME_MAX = 24;

const metricName = z.string().regex(/^[a-z0-9_]+$/, "a metric column name such as lat_p99_ns");

const questionSchema = z.strictObject({
  metrics: z.array(metricName).min(1).describe("the metric columns the Answer states"),
  focus: z.array(z.string().min(1)).default([]).describe(
    "where to look: group names, `victims` (every group but the attacker) or `all`",
  ),
  comparison: z.enum(["abis", "param"]).default("abis").describe(
    "`abis`: each ABI against the baseline; `param`: a swept parameter's effect within each ABI",
  ),
  reference: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional()
    .describe("the reference grid point of a `param` comparison (swept key -> value)"),
  per: z.strictObject({
    param: z.string().min(1).describe("the swept key"),
    per: z.number().positive().describe("how many of the swept unit make one reported unit"),
    unit: z.string().min(1).max(20).describe("the reported unit's name (e.g. guests)"),
  }).optional().describe("read a swept value in another unit in the Answer"),
});

const groupSchema = z.strictObject({
  name: z.string().min(1).max(GROUP_NAME_MAX).regex(
    /^[A-Za-z0-9_.-]+$/,
    "letters, digits, '_', '.' or '-'",
  )
    .describe("the group's name in `groups.csv` and the report; unique in the scenario"),
  ports: int.min(1).max(1 << 20).describe(
    'ports the group binds (per VCPU with `"vcpu": "each"`). Ports the ABI cannot bind are ' +
      "counted in `bind_failures`; arrivals for them are not raised",
  ),
  vcpu: z.union([int.min(0), z.literal("spread"), z.literal("each")]).default("spread").describe(
    "a fixed VCPU number; `spread`: ports round-robin over the VCPUs (continuing across " +
      "groups); `each`: every VCPU gets its own `ports` ports (per-VCPU timers, IPIs)",
  ),
  timer: z.boolean().default(false).describe(
    "the per-VCPU timer VIRQ: 2-level and 3-level guests handle it first; FIFO gives it " +
      "priority 0 unless `priority` says otherwise",
  ),
  priority: prio.optional().describe(
    "FIFO queue priority, 0 (highest) to 15 (`EVTCHNOP_set_priority`); unset: 0 for timers, " +
      "else 7. 2-level and 3-level ignore it for ordering, but results are still reported per " +
      "priority and `inversions` counted",
  ),
  lateeoi: z.boolean().default(false).describe(
    "late EOI (Linux `xen_irq_lateeoi`, backends): the port is masked at ack and unmasked when " +
      "its work ends (the top half, or the deferred work); an event raised meanwhile costs an " +
      "`EVTCHNOP_unmask` hypercall and is relinked at the tail",
  ),
  arrival: arrivalSchema.describe("how the group's events arrive (see the arrival kinds)"),
  service: distributionSchema.describe(
    "each handler's hard-IRQ top half (a distribution, ns)",
  ),
  deferred: deferredSchema.optional().describe(
    "the bottom half the top half defers to (unset: all work runs in the top half)",
  ),
  spurious: nonneg.max(1).optional().describe(
    "fraction (0–1) of the group's events the backend finds no work for: no deferred work, " +
      "and a spurious late EOI that feeds the backoff (unset: 0)",
  ),
  attacker: z.boolean().optional().describe(
    "marks a flooding group: `summary.csv` then reports the other groups (victims) apart from " +
      "it (`victim_*`, `attacker_*` columns)",
  ),
  popularity: popularitySchema.default({ kind: "even" }).describe(
    "how an aggregate arrival process (`poisson`, `onoff`) picks a port of the group",
  ),
  rebalance_ms: pos.optional().describe(
    "irqbalance: every `rebalance_ms` (ms), each port of the group moves to the next online " +
      "VCPU (mask, `EVTCHNOP_bind_vcpu`, unmask; a late-EOI port whose EOI is pending stays " +
      "masked until the EOI, as Linux's mask reasons keep it)",
  ),
  priority_change: z.strictObject({
    at_ms: nonneg.describe("when (ms from the start, warm-up included)"),
    priority: prio.describe("the new priority (0–15)"),
  }).optional().describe(
    "at `at_ms` every port of the group gets `set_priority`; FIFO applies it at the port's " +
      "next link",
  ),
});

const hostName = z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.' or '-'");
const hostDevices = z.enum(["all", "net", "blk"]).default("all").describe(
  "the devices that carry a client: `all`, `net` (vifs only) or `blk` (vbds only); the others' " +
    "ports are still bound",
);
const hostWorkloadSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("closed"),
    window: int.min(1).max(256).default(1).describe(
      "requests each client keeps outstanding (queue depth)",
    ),
    think_us: nonneg.default(100).describe(
      "mean of the exponential think time between a response and the next request (µs; 0: none)",
    ),
    devices: hostDevices,
  }).describe(
    "a closed-loop client (netperf-like ping-pong, fio at a fixed queue depth): a new request " +
      "only after a response and a think time",
  ),
  z.strictObject({
    kind: z.literal("poisson"),
    rate_per_s: pos.describe("requests per second per device (Poisson)"),
    devices: hostDevices,
  }).describe(
    "an open-loop client: requests arrive at `rate_per_s` per device whatever happens to the " +
      "earlier ones (a full ring stalls the client until a slot frees)",
  ),
]);
// A host domain's CONFIG_HZ, as `guest.hz` for a single guest.
const hzSchema = int.min(1).max(10000).default(250).describe(
  "the kernel's timer ticks per second (`CONFIG_HZ`: 250 in Debian's kernels, 1000 in " +
    "Fedora's, RHEL's and Ubuntu's since 24.04): the jiffy its late EOIs (loop control, " +
    "spurious backoff) and its softirq limits count in",
);

const hostGuestSchema = z.strictObject({
  name: hostName.default("guest").describe(
    "the template's name in `guests.csv` and the report; unique in the host",
  ),
  count: int.min(0).max(1 << 20).describe(
    "guests of this template the host creates (in template order); a guest whose dom0 ports " +
      "cannot all be bound does not start and counts in `guests_refused`",
  ),
  kind: z.enum(["pv", "pvh", "hvm"]).default("pvh").describe(
    "`pv`, `pvh` or `hvm`; an `hvm` guest costs dom0 one QEMU ioreq port per VCPU plus one " +
      "buffered, and a PV guest binds one more IPI per VCPU (irqwork)",
  ),
  vcpus: int.min(1).max(4096).default(1).describe(
    "VCPUs of each guest: they bound the queues per vif (min(8, guest, dom0 VCPUs)) and " +
      "rings per vbd (min(4, guest, dom0 VCPUs))",
  ),
  word_bits: z.union([z.literal(32), z.literal(64)]).default(64).describe(
    "the guest's word size (bits), for its own ABI model",
  ),
  abi: z.string().refine((s) => ABI_IDS.includes(s), {
    message: `one of ${ABI_IDS.join(", ")}`,
  }).optional().describe(
    "the guests' own ABI id (unset: dom0's, the ABI under comparison), for a mixed host such as " +
      "a FIFO dom0 with 2-level guests",
  ),
  vifs: int.min(0).max(64).default(1).describe(
    "virtual network interfaces (netfront/netback): each costs dom0 2 ports per queue with split " +
      "event channels, 1 without",
  ),
  vbds: int.min(0).max(64).default(1).describe(
    "virtual block devices (blkfront/blkback): each costs dom0 1 port per ring",
  ),
  split_event_channels: z.boolean().default(true).describe(
    "netback's `feature-split-event-channels`: separate TX and RX ports per queue (Linux's " +
      "default); `false`: one port serves both rings",
  ),
  workload: hostWorkloadSchema.default({
    kind: "closed",
    window: 1,
    think_us: 100,
    devices: "all",
  }).describe(
    "the request/response client on each device (one flow per vif, on the TX and RX queues " +
      "its hashes pick; one per vbd, on the ring its VCPU maps to; see the workload kinds); " +
      "unset: a `closed` client with `window` 1 and `think_us` 100 on every device",
  ),
  ioreq_rate_per_s: nonneg.default(0).describe(
    '`"kind": "hvm"` only: emulated I/O exits per second per VCPU, each a synchronous round trip ' +
      "to QEMU in dom0 during which the VCPU is stalled (0: none)",
  ),
  hz: hzSchema,
});
/**
 * Host-side cost defaults (ns): order-of-magnitude estimates, reasoning in
 * docs/explanation/host.md. kthread wake: the costs notes §2 (local wake
 * ~5 µs); user-space wake through /dev/xen/evtchn: 10-20 µs (estimate).
 *
 * @example
 * ```ts
 * import { HOST_COST_DEFAULTS } from "./schema.ts";
 * console.log(HOST_COST_DEFAULTS.blkback_ns); // 3000
 * ```
 */
export const HOST_COST_DEFAULTS: Readonly<HostCosts> = Object.freeze({
  kthread_wake_ns: 5000,
  client_wake_ns: 5000,
  user_wake_ns: 15000,
  netback_tx_ns: 1500,
  stack_ns: 2000,
  netback_rx_ns: 1500,
  blkback_ns: 3000,
  front_request_ns: 1000,
  front_response_ns: 1000,
  qemu_ns: 5000,
});

/** The host-side cost fields, in the reference's order. */
export const HOST_COST_FIELDS: readonly (keyof HostCosts)[] = Object.keys(
  HOST_COST_DEFAULTS,
) as (keyof HostCosts)[];

/**
 * The range (ns) `--robust` draws each host-side cost from. The wakes
 * follow their sources: a kthread's or a client's wake around a same-CPU wake (3.4-4.7 µs)
 * in the costs notes' local measurement (§2; a cross-CPU wake's IPI and the
 * halted VCPU's wake-up, 11-12 µs in all there, are modelled apart), a
 * daemon's wake over its 10-20 µs estimate. The other fields are estimates
 * of an order of magnitude: from half to twice the default.
 *
 * @example
 * ```ts
 * import { HOST_COST_RANGES } from "./schema.ts";
 * console.log(HOST_COST_RANGES.blkback_ns); // { low: 1500, high: 6000 }
 * ```
 */
export const HOST_COST_RANGES: Readonly<Record<keyof HostCosts, Readonly<CostRange>>> = Object
  .freeze({
    kthread_wake_ns: { low: 3000, high: 6000 },
    client_wake_ns: { low: 3000, high: 6000 },
    user_wake_ns: { low: 10000, high: 20000 },
    netback_tx_ns: { low: 750, high: 3000 },
    stack_ns: { low: 1000, high: 4000 },
    netback_rx_ns: { low: 750, high: 3000 },
    blkback_ns: { low: 1500, high: 6000 },
    front_request_ns: { low: 500, high: 2000 },
    front_response_ns: { low: 500, high: 2000 },
    qemu_ns: { low: 2500, high: 10000 },
  });
// What each host cost is (the reference's tables are generated from these).
const HOST_COST_DOCS: Record<keyof HostCosts, string> = {
  kthread_wake_ns: "waking a sleeping kthread (blkback's ring thread, netback's guest-rx thread) " +
    "on its CPU; a local wake-up is about 5 µs (ns). A wake-up onto another, halted dom0 VCPU " +
    "adds the IPI that wakes it, modelled apart",
  client_wake_ns: "waking a guest's closed-loop client blocked on its response (`recv()`, or a " +
    "block read in `io_schedule`) and switching to it, before it has the response; the same " +
    "local thread wake-up as `kthread_wake_ns`, about 5 µs (ns). A wake-up onto another, halted " +
    "VCPU adds the IPI that wakes it, modelled apart",
  user_wake_ns: "waking a user-space daemon (QEMU, xenstored, xenconsoled) through " +
    "`/dev/xen/evtchn`; a 10–20 µs estimate (ns)",
  netback_tx_ns: "netback TX: one packet in `xenvif_tx_action` (grant copy, skb build); " +
    "estimate (ns)",
  stack_ns: "dom0's network stack turning a packet round, as a netperf-like peer's echo; " +
    "estimate (ns)",
  netback_rx_ns: "netback RX: one packet in `xenvif_rx_action` (grant copy to the guest's " +
    "buffer); estimate (ns)",
  blkback_ns: "blkback: one request in `do_block_io_op` with its memory-backed I/O; " +
    "estimate (ns)",
  front_request_ns: "a frontend's work per request produced (`xennet_start_xmit`, " +
    "`blkif_queue_request`); estimate (ns)",
  front_response_ns: "a frontend's work per response consumed (`xennet_poll`, " +
    "`blkif_interrupt`); estimate (ns)",
  qemu_ns: "QEMU's emulation of one ioreq in dom0 user space; estimate (ns)",
};
const hostCostsSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(HOST_COST_DEFAULTS).map((
      [k, v],
    ) => {
      const r = HOST_COST_RANGES[k as keyof HostCosts];
      return [
        k,
        nonneg.default(v).describe(
          `${HOST_COST_DOCS[k as keyof HostCosts]}; \`--robust\` range ${r.low}–${r.high}`,
        ),
      ];
    }),
  ) as { [K in keyof HostCosts]: z.ZodDefault<z.ZodNumber> },
);
const hostSchema = z.strictObject({
  pcpus: z.union([int.min(1).max(1 << 16), z.literal("dedicated")]).default("dedicated").describe(
    '`"dedicated"`: every VCPU has its own physical CPU; a number: dom0\'s VCPUs are pinned to ' +
      "the first physical CPUs and the guests' VCPUs share the rest under a credit2-like " +
      "scheduler (more than `dom0.vcpus`)",
  ),
  dom0: z.strictObject({
    vcpus: int.min(1).max(4096).default(8).describe(
      "dom0's VCPUs: each binds its own timer and IPI ports (6 under FIFO, 7 under 2-level and " +
        "3-level), and they cap the queues per vif and rings per vbd",
    ),
    word_bits: z.union([z.literal(32), z.literal(64)]).default(64).describe(
      "dom0's word size (bits): a 32-bit 2-level dom0 has 1023 ports, a 64-bit one 4095",
    ),
    notify: z.enum(["vcpu0", "least-loaded"]).default("least-loaded").describe(
      "which dom0 VCPU a newly bound backend port notifies: `least-loaded` (Linux 5.11+, " +
        "93b6adbf0420 `select_target_cpu`: the online CPU with the fewest channels) or `vcpu0` " +
        "(Linux before 5.11)",
    ),
    reserved_ports: int.min(0).max(1 << 20).default(50).describe(
      "ports dom0 binds on VCPU 0 for itself besides its per-VCPU ports (physical IRQs, global " +
        'VIRQs; XenServer\'s "around 50-100")',
    ),
    hz: hzSchema,
  }).default({
    vcpus: 8,
    word_bits: 64,
    notify: "least-loaded",
    reserved_ports: 50,
    hz: 250,
  }).describe(
    "the backend domain (see the `host.dom0` keys)",
  ),
  guests: z.array(hostGuestSchema).min(1).describe(
    "guest templates, created in order (see the `host.guests[i]` keys)",
  ),
  costs: hostCostsSchema.default(HOST_COST_DEFAULTS).describe(
    "host-side costs (ns) of the work a request causes, beyond the scenario's event-channel " +
      "`costs` (see the `host.costs` keys)",
  ),
});

const costOverrides = z.strictObject({
  preset: z.enum(["default", "zero"]).optional(),
  ...Object.fromEntries(COST_FIELDS.map((k) => [k, nonneg.optional()])),
});

const costRange = z.strictObject({ low: nonneg, high: nonneg }).refine(
  (r) => r.low <= r.high,
  "low <= high",
);

const costRanges = z.strictObject({
  ...Object.fromEntries(COST_FIELDS.map((k) => [k, costRange.optional()])),
  host: z.strictObject(
    Object.fromEntries(HOST_COST_FIELDS.map((k) => [k, costRange.optional()])),
  ).optional(),
}) as unknown as z.ZodType<CostRanges>;

const scenarioSchema = z.strictObject({
  // The name is a folder name (results/<name>/): never `.` or `..`.
  name: z.string().min(1).max(100).regex(
    /^(?!\.+$)[A-Za-z0-9_.-]+$/,
    "letters, digits, '_', '.' or '-', not only dots",
  ).describe("the scenario's name; results go to `results/<name>/`"),
  description: z.string().default("").describe(
    "the question the scenario answers; shown by `sim list` and at the top of the report",
  ),
  answer: z.array(metricName)
    .default([]).describe(
      'the metric columns the question is about (e.g. `["hypercalls", ' +
        '"overhead_ns_per_event"]`); the report\'s findings lead with them and say so when ' +
        "one shows no difference. Every built-in sets it",
    ),
  question: questionSchema.optional().describe(
    "what the report's Answer compares: `metrics` (columns), `focus` (group names, `victims` or " +
      "`all`), `comparison` (`abis`: each ABI against the baseline; `param`: a swept " +
      "parameter's effect within each ABI), optional `reference` point and `per` unit",
  ),
  abis: z.array(
    z.string().superRefine((s, ctx) => {
      if (ABI_IDS.includes(s) || isModulePath(s)) return;
      const hint = nearest(s, ABI_IDS);
      ctx.addIssue({
        code: "custom",
        message: `one of ${ABI_IDS.join(", ")}, or a module path such as ./designs/my_abi.ts; ` +
          `got ${JSON.stringify(s)}${hint ? ` (did you mean '${hint}'?)` : ""}`,
      });
    }),
  ).min(1).default(["2l", "fifo"]).describe(
    "the ABIs compared: `2l`, `2l:32`, `3l`, `3l:32`, `fifo`, `fifo:drain`, " +
      "`fifo:lowest-first`, `fifo:naive-link`, or the module path of a design of your own " +
      "(`./designs/my_abi.ts`)",
  ),
  baseline: z.string().optional().describe(
    "the ABI the findings and `aggregate.csv` compare the others against (paired " +
      "differences); one of `abis` (unset: the first of `abis`)",
  ),
  duration_ms: pos.default(100).describe("the measured simulated time (ms)"),
  warmup_ms: nonneg.default(10).describe(
    "simulated time run before `duration_ms` and not measured (ms)",
  ),
  replications: int.min(1).max(10000).default(3).describe(
    "independent runs per ABI and grid point; replication r of every ABI sees the same " +
      "arrivals (common random numbers)",
  ),
  seed: int.min(0).max(2 ** 32 - 1).default(1).describe(
    "master seed; each replication's seed and every named random stream derive from it by " +
      "hashing",
  ),
  guest: z.strictObject({
    vcpus: int.min(1).max(4096).default(1).describe("the number of VCPUs"),
    word_bits: z.union([z.literal(32), z.literal(64)]).default(64).describe(
      "guest word size (2-level: 1024 or 4096 ports; 3-level: 32768 or 262144). The `:32` " +
        "ABI ids force 32",
    ),
    max_evtchn_port: int.min(1).optional().describe(
      "`EVTCHNOP_set_limit`: binding above it fails with -ENOSPC (`bind_failures`); unset: " +
        "the ABI's maximum, as for dom0 (1023 is the toolstack's default for a domU)",
    ),
    idle: z.enum(["busy", "halt"]).default("busy").describe(
      "an idle VCPU that gets an upcall: `busy` (running, pays `upcall_ns`) or `halt` " +
        "(blocked, pays `wake_ns`)",
    ),
    upcall: z.enum(["vector", "callback"]).default("vector").describe(
      "upcall delivery. `vector`: the per-VCPU LAPIC vector " +
        "(`HVMOP_set_evtchn_upcall_vector`, what Linux HVM and PVH guests use on Xen 4.17+); " +
        "an `evtchn_upcall_pending` 0→1 while the handler loop runs leaves the vector " +
        "latched, so the loop is followed by one more, usually empty, upcall entry (counted " +
        "in `upcalls`). `callback`: the global callback vector (older Xen), injected only " +
        "while `evtchn_upcall_pending` is set, so no extra entry",
    ),
    irq_off: z.strictObject({
      fraction: nonneg.lt(1).describe("the fraction of time with events disabled, in [0, 1)"),
      mean_us: pos.describe("the mean window (µs)"),
    }).optional().describe(
      "event-disabled windows (`evtchn_upcall_mask` set): exponential windows of mean " +
        "`mean_us` covering `fraction` of the time; an upcall arriving in one starts when it " +
        "closes",
    ),
    hz: int.min(1).max(10000).default(250).describe(
      "timer ticks per second (`CONFIG_HZ`, 250 as distribution kernels ship it): the jiffy " +
        "that loop control, the late-EOI backoff and the softirq limits count in",
    ),
    loop_ctrl: z.boolean().default(true).describe(
      "Linux's upcall loop control (`evtchn_loop_ctrl`, XSA-332): a long loop defers its " +
        "late EOIs",
    ),
    eoi_backoff: z.boolean().default(true).describe(
      "Linux's spurious-event backoff of late EOIs (`xen_irq_lateeoi_locked`)",
    ),
    event_loop_timeout: int.min(0).max(1 << 20).default(2).describe(
      "loop control's timeout, in jiffies (Linux module parameter `xen.event_loop_timeout`)",
    ),
    event_eoi_delay: int.min(0).max(1 << 20).default(10).describe(
      "how long loop control defers a late EOI, in jiffies (`xen.event_eoi_delay`)",
    ),
  }).default({
    vcpus: 1,
    word_bits: 64,
    idle: "busy",
    upcall: "vector",
    hz: 250,
    loop_ctrl: true,
    eoi_backoff: true,
    event_loop_timeout: 2,
    event_eoi_delay: 10,
  }).describe("the guest domain (see the `guest` keys)"),
  costs: z.union([z.literal("default"), z.literal("zero"), costOverrides]).default("default")
    .describe(
      'the cost model: `"default"`, `"zero"` (every cost 0: pure queueing) or an object ' +
        "of cost fields (ns) applied to a `preset` (see the cost reference)",
    ),
  cost_ranges: costRanges.optional().describe(
    'per cost field `{ "low": ns, "high": ns }`: the range `--robust` draws that field ' +
      "from instead of its built-in one (`low` = `high` holds it fixed); a host's own cost " +
      'fields go in `"host": { ... }`',
  ),
  starvation_ms: pos.default(10).describe(
    "an instance waiting longer than this (ms; delivered or still pending at the end) is " +
      "counted in `starved_events`, with the raises coalesced into it after that",
  ),
  vcpu_sched: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("dedicated") }).describe("every VCPU always runs"),
    z.strictObject({
      kind: z.literal("timeshare"),
      run: distributionSchema.describe("the run slices (a distribution, ns)"),
      wait: distributionSchema.describe("the waits between run slices (a distribution, ns)"),
    }).describe(
      "each VCPU alternates run slices and waits; an upcall raised while a VCPU waits starts " +
        "when it next runs",
    ),
  ]).default({ kind: "dedicated" }).describe("VCPU scheduling: `dedicated` or `timeshare`"),
  faults: z.strictObject({
    init_control_fail_vcpus: z.array(int.min(0)).default([]).describe(
      "VCPUs whose `EVTCHNOP_init_control` fails with -ENOMEM (FIFO-family ABIs only)",
    ),
  }).default({ init_control_fail_vcpus: [] }).describe("injected faults"),
  init_fail_policy: z.enum(["offline", "fallback-2l"]).default("offline").describe(
    "what the guest does when init_control fails on a non-boot VCPU: offline it (draft B; its " +
      "ports bind to the next online VCPU) or keep every VCPU on 2-level (the review's " +
      "proposal). A failure on VCPU 0 always falls back to 2-level",
  ),
  hostile: z.strictObject({
    rate_per_s: pos.describe("writes per second (Poisson)"),
    targets: z.array(z.enum(["event_words", "control", "bitmaps"])).min(1).default([
      "event_words",
      "control",
      "bitmaps",
    ]).describe("what the writes hit"),
  }).optional().describe("a hostile guest writing into its own shared memory"),
  groups: z.array(groupSchema).default([]).describe(
    "the port groups (see below): at least one, unless the scenario describes a `host`",
  ),
  host: hostSchema.optional().describe(
    "a host instead of one guest: dom0 and its guests over request/response rings " +
      "([Simulate a host](../how-to/simulate-a-host.md))",
  ),
}).superRefine((s, ctx) => {
  if (s.groups.length === 0 && s.host === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["groups"],
      message: "at least one port group (or a `host`)",
    });
  }
  if (s.host !== undefined) {
    if (s.host.pcpus !== "dedicated" && s.host.pcpus <= s.host.dom0.vcpus) {
      ctx.addIssue({
        code: "custom",
        path: ["host", "pcpus"],
        message: `more physical CPUs than dom0's ${s.host.dom0.vcpus} pinned VCPUs, or "dedicated"`,
      });
    }
    const seen = new Set<string>();
    s.host.guests.forEach((g, i) => {
      if (seen.has(g.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["host", "guests", i, "name"],
          message: "a unique guest template name (templates default to 'guest')",
        });
      }
      seen.add(g.name);
      if (g.ioreq_rate_per_s > 0 && g.kind !== "hvm") {
        ctx.addIssue({
          code: "custom",
          path: ["host", "guests", i, "ioreq_rate_per_s"],
          message: 'emulated I/O needs QEMU: only a guest of kind "hvm" may set it',
        });
      }
    });
  }
  const names = new Set<string>();
  s.groups.forEach((g, i) => {
    if (names.has(g.name)) {
      ctx.addIssue({ code: "custom", path: ["groups", i, "name"], message: "a unique group name" });
    }
    names.add(g.name);
    if (typeof g.vcpu === "number" && g.vcpu >= s.guest.vcpus) {
      ctx.addIssue({
        code: "custom",
        path: ["groups", i, "vcpu"],
        message: `a VCPU number below guest.vcpus (${s.guest.vcpus})`,
      });
    }
  });
  if (s.vcpu_sched.kind === "timeshare") {
    // Zero-length slices would flip the VCPU between running and waiting
    // forever at one instant: simulated time would stand still.
    for (const k of ["run", "wait"] as const) {
      if (distributionMean(s.vcpu_sched[k]) > 0) continue;
      if (k === "wait" && distributionMean(s.vcpu_sched.run) > 0) continue;
      ctx.addIssue({
        code: "custom",
        path: ["vcpu_sched", k],
        message: `a slice with a mean > 0 (zero-length ${k} slices make simulated time stand ` +
          `still)`,
      });
    }
  }
  for (const [i, f] of (s.question?.focus ?? []).entries()) {
    if (f === "victims" || f === "all" || names.has(f)) continue;
    ctx.addIssue({
      code: "custom",
      path: ["question", "focus", i],
      message: `a group name (${[...names].join(", ")}), "victims" or "all"`,
    });
  }
  if (s.baseline !== undefined && !s.abis.includes(s.baseline)) {
    ctx.addIssue({ code: "custom", path: ["baseline"], message: "one of the scenario's abis" });
  }
  for (const [i, v] of s.faults.init_control_fail_vcpus.entries()) {
    if (v >= s.guest.vcpus) {
      ctx.addIssue({
        code: "custom",
        path: ["faults", "init_control_fail_vcpus", i],
        message: `a VCPU number below guest.vcpus (${s.guest.vcpus})`,
      });
    }
  }
});

/** `true` when `A` and `B` are the same type, else `never`. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
// The types above must be exactly what the schemas produce.
true satisfies Same<DistributionSpec, z.output<typeof distributionSchema>>;
true satisfies Same<ArrivalSpec, z.output<typeof arrivalSchema>>;
true satisfies Same<CountSpec, z.output<typeof countSchema>>;
true satisfies Same<DeferredSpec, z.output<typeof deferredSchema>>;
true satisfies Same<PopularitySpec, z.output<typeof popularitySchema>>;
true satisfies Same<Group, z.output<typeof groupSchema>>;
true satisfies Same<HostSpec, z.output<typeof hostSchema>>;
true satisfies Same<Scenario, z.output<typeof scenarioSchema>>;
true satisfies Same<Question, z.output<typeof questionSchema>>;

/** A distribution of non-negative durations in ns (service times, time-share slices). */
export const DistributionSchema: Validator<DistributionSpec> = distributionSchema;
/** How a group's events arrive. */
export const ArrivalSchema: Validator<ArrivalSpec> = arrivalSchema;
/** How a group's aggregate rate is shared among its ports. */
export const PopularitySchema: Validator<PopularitySpec> = popularitySchema;
/** A group of ports with one arrival process and one service-time distribution. */
export const GroupSchema: Validator<Group> = groupSchema;
/** A host: dom0 and its guest templates (DESIGN §12). */
export const HostSchema: Validator<HostSpec> = hostSchema;
/** The scenario schema. Keys are a contract: keep them working, add freely. */
export const ScenarioSchema: Validator<Scenario> = scenarioSchema;

/** What a module path in `abis` looks like (see `isModulePath`), as a JSON Schema pattern. */
const MODULE_PATH_PATTERN = "^(\\./|\\.\\./|/|file:).*\\.(ts|js|mjs|mts)$";

type JsonObject = Record<string, unknown>;

/**
 * The JSON Schema of scenario and sweep files (draft 2020-12, input side:
 * keys with defaults are optional). It carries what the validator checks
 * that JSON Schema can say: types, bounds (exclusive minimums), the ABI ids
 * and module paths, names that are not only dots, and the cross-field rule
 * that time-share run slices may not be zero-length. What it cannot say
 * (a VCPU number below `guest.vcpus`, `max_ns >= min_ns`, unique group
 * names, a baseline among the abis) only `validate` checks.
 *
 * @example
 * ```ts
 * import { scenarioJsonSchema } from "./scenario.ts";
 * const schema = scenarioJsonSchema();
 * console.log(Object.keys(schema.$defs as object).includes("sweep")); // true
 * ```
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const emitted = z.toJSONSchema(scenarioSchema, { io: "input" }) as JsonObject;
  const { $schema, $defs = {}, ...scenario } = emitted as JsonObject & { $defs?: JsonObject };
  const props = scenario.properties as Record<string, JsonObject>;
  // abis: the validator's check is a refinement (for its message); say it here.
  props.abis = {
    ...props.abis,
    items: {
      anyOf: [
        { type: "string", enum: [...ABI_IDS] },
        { type: "string", pattern: MODULE_PATH_PATTERN },
      ],
    },
  };
  // Time-share run slices of zero length would make simulated time stand still.
  const zeroLength = {
    anyOf: [
      { properties: { kind: { const: "const" }, ns: { const: 0 } }, required: ["kind", "ns"] },
      {
        properties: { kind: { const: "uniform" }, max_ns: { const: 0 } },
        required: ["kind", "max_ns"],
      },
    ],
  };
  scenario.allOf = [{
    if: {
      properties: { vcpu_sched: { properties: { kind: { const: "timeshare" } } } },
      required: ["vcpu_sched"],
    },
    then: { properties: { vcpu_sched: { properties: { run: { not: zeroLength } } } } },
  }];
  const list = { type: "array", minItems: 1 };
  const lists = {
    type: "object",
    propertyNames: { pattern: "^[^.]+(\\.[^.]+)*$" },
    additionalProperties: list,
  };
  const sweep = {
    type: "object",
    description: "A sweep: a base scenario (or a built-in name) and the values to sweep.",
    properties: {
      description: { type: "string" },
      base: {
        anyOf: [{ $ref: "#/$defs/scenario" }, { type: "string", minLength: 1 }],
      },
      grid: lists,
      zip: lists,
      capacity: {
        type: "object",
        description: "Settings of `sim capacity` (flags override them); a sweep ignores them.",
        properties: {
          objective: {
            type: "string",
            description: '`"<column><=<value>"` or `">="`: a `summary.csv` column and a bound; a ' +
              "time column (`_ns`) takes a unit (`ns`, `us`, `ms`, `s`), e.g. " +
              '`"rt_p99_ns<=200us"` (`--objective`; required, here or as the flag)',
          },
          axis: {
            type: "string",
            description: "dotted path of the integer key searched (`--axis`; default " +
              "`host.guests.0.count` for a host, required otherwise)",
          },
          start: {
            type: "integer",
            minimum: 1,
            description: "the first value tried (`--start`; default: the scenario's own value)",
          },
          max: {
            type: "integer",
            minimum: 1,
            description: "the largest value tried (`--max`; default 1024 × `start`)",
          },
          resolution: {
            type: "integer",
            minimum: 1,
            default: 1,
            description: "bisection stops at gaps this wide (`--resolution`)",
          },
          max_replications: {
            type: "integer",
            minimum: 2,
            description: "replications a value near the boundary may grow to " +
              "(`--max-replications`; default 4 × a first look's: the scenario's " +
              "replications, at least 2)",
          },
        },
        additionalProperties: false,
      },
    },
    required: ["base"],
    additionalProperties: false,
  };
  return {
    $schema,
    title: "evtchn-sim scenario or sweep",
    anyOf: [{ $ref: "#/$defs/scenario" }, { $ref: "#/$defs/sweep" }],
    $defs: { ...$defs, scenario, sweep },
  };
}

/** Every top-level scenario key and every group key, for suggestions. */
export const SCHEMA_KEYS: readonly string[] = [
  ...Object.keys(scenarioSchema.shape),
  ...Object.keys(groupSchema.shape),
];

/** A failed validation, as {@linkcode formatIssues} reads it: a zod error. */
export interface ValidationError {
  /** The zod issues (`code`, `path`, `message` and the fields of each code). */
  readonly issues: readonly unknown[];
}

/**
 * Validate `value` as a scenario without throwing: the scenario with
 * defaults filled in, or the validation error.
 *
 * @example
 * ```ts
 * import { checkScenario } from "./schema.ts";
 * console.log(checkScenario({}).success); // false
 * ```
 */
export function checkScenario(
  value: unknown,
): { success: true; data: Scenario } | { success: false; error: ValidationError } {
  return scenarioSchema.safeParse(value);
}
