/**
 * What every column of the results CSVs means: the description table the
 * results reference (docs/reference/results.md) is generated from. A column
 * a run writes that has no entry here fails `deno task docs:check`, so a new
 * column is documented where it is added.
 *
 * @module
 */

/** The meaning of one CSV column. */
export interface ColumnDoc {
  /** Its unit (`ns`, `events`, `0–1`, ...), or `""` for labels. */
  unit: string;
  /** What it holds, in one or two sentences. */
  text: string;
}

/**
 * Every column of `summary.csv`, `groups.csv`, `priorities.csv` and
 * `ports.csv`, by name (a name means the same in every file that has it).
 * `aggregate.csv` derives its columns from these (`<column>_mean`, ...).
 *
 * @example
 * ```ts
 * import { COLUMN_DOCS } from "./columns.ts";
 * console.log(COLUMN_DOCS.lat_p99_ns.unit); // "ns"
 * ```
 */
export const COLUMN_DOCS: Readonly<Record<string, ColumnDoc>> = Object.freeze({
  scenario: { unit: "", text: "the scenario's `name`" },
  abi: { unit: "", text: "the ABI id, or a design's module path as written in `abis`" },
  replication: { unit: "", text: "the replication (0-based)" },
  seed: { unit: "", text: "the replication's seed, derived from the scenario's `seed`" },
  group: { unit: "", text: "the port group's `name`" },
  priority: {
    unit: "",
    text: "the group's FIFO priority (0 highest); in `priorities.csv` the row's priority",
  },
  port: { unit: "", text: "the event-channel port number" },
  n: { unit: "runs", text: "the replications aggregated in the row" },
  raised: {
    unit: "events",
    text: "raises (sends) after the warm-up, plus the instances still pending from the warm-up " +
      "when measuring starts",
  },
  delivered: { unit: "events", text: "instances whose handler started" },
  coalesced: {
    unit: "events",
    text: "raises that found the port already pending (2-level, 3-level) or pending/linked " +
      "(FIFO): no new work",
  },
  pending_at_end: { unit: "events", text: "instances still pending when the run ends" },
  dropped: {
    unit: "events",
    text: "instances a model lost (a failed link, a hostile guest's corruption)",
  },
  lat_mean_ns: {
    unit: "ns",
    text: "mean dispatch latency: from the raise that made the port pending to the start of " +
      "its handler",
  },
  lat_p50_ns: { unit: "ns", text: "median dispatch latency (HDR histogram, 3 significant digits)" },
  lat_p90_ns: { unit: "ns", text: "90th percentile of dispatch latency" },
  lat_p99_ns: { unit: "ns", text: "99th percentile of dispatch latency" },
  lat_p999_ns: { unit: "ns", text: "99.9th percentile of dispatch latency" },
  lat_max_ns: { unit: "ns", text: "the largest dispatch latency of a delivered instance" },
  done_mean_ns: {
    unit: "ns",
    text: "mean completion latency: from the raise to the end of the instance's deferred " +
      "work, or of its top half when the group defers none (over `completed`)",
  },
  done_p99_ns: { unit: "ns", text: "99th percentile of completion latency" },
  jain_latency: {
    unit: "0–1",
    text: "Jain's index `(Σx)² / (n Σx²)` over the per-port mean wait of every port that " +
      "raised, censored waits of instances pending at the end included (1 = all ports alike)",
  },
  jain_service: { unit: "0–1", text: "Jain's index over per-port delivered/raised" },
  latency_spread: {
    unit: "ratio",
    text: "slowest port's mean wait over the fastest's, over the same per-port means as " +
      "`jain_latency`",
  },
  starved_events: {
    unit: "events",
    text: "instances whose wait exceeded `starvation_ms`, delivered or still pending at the " +
      "end, plus raises coalesced into such an instance after it had waited that long",
  },
  max_wait_ns: {
    unit: "ns",
    text: "the longest wait of any instance, delivered or still pending",
  },
  max_stall_ns: {
    unit: "ns",
    text: "the longest interval in which a group had pending events and none was dispatched",
  },
  inversions: {
    unit: "events",
    text: "dispatches of an event while an event of strictly higher priority (lower number) " +
      "was pending on the same VCPU",
  },
  upcalls: {
    unit: "upcalls",
    text: "upcalls started (an upcall handles every event found until `evtchn_upcall_pending` " +
      "stays clear)",
  },
  overhead_ns_per_event: {
    unit: "ns",
    text: "guest-side ABI time (upcall entry, selector/READY exchange, scanning, consuming, " +
      "mask/unmask) divided by delivered instances",
  },
  xen_ns_per_raise: { unit: "ns", text: "Xen-side time per raise (set_pending, linking, retries)" },
  spurious: {
    unit: "events",
    text: "dispatches of a port with no pending instance (a hostile guest's doing)",
  },
  unbound_raises: {
    unit: "events",
    text: "arrivals for ports that are not bound (bind failures, trace lines naming unbound " +
      "ports): not raised",
  },
  completed: {
    unit: "events",
    text: "measured instances whose work (top half and deferred work) ended",
  },
  hardirq_share: {
    unit: "0–1",
    text: "share of the online VCPUs' measured time in hard-IRQ context (the upcall loop)",
  },
  softirq_share: {
    unit: "0–1",
    text: "share of the online VCPUs' measured time in softirq context (NAPI polls at irq_exit)",
  },
  thread_share: {
    unit: "0–1",
    text: "share of the online VCPUs' measured time in thread context (kthreads, ksoftirqd)",
  },
  eoi_deferred: {
    unit: "EOIs",
    text: "late EOIs delayed by loop control or the spurious backoff",
  },
  ksoftirqd_wakeups: {
    unit: "wakeups",
    text: "times softirq work went to ksoftirqd past `MAX_SOFTIRQ_RESTART` or " +
      "`MAX_SOFTIRQ_TIME`",
  },
  hypercalls: {
    unit: "calls",
    text: "hypercalls made: set-up (bind, init_control, expand_array, set_priority) and " +
      "runtime (unmask with P set, bind_vcpu)",
  },
  abi_ran: {
    unit: "",
    text: "the ABI that actually ran: under `init_fail_policy` `fallback-2l` a `fifo` run " +
      "whose init_control failed runs 2-level",
  },
  ports_requested: { unit: "ports", text: "ports the scenario's groups ask to bind" },
  ports_bound: { unit: "ports", text: "ports bound: requested minus `bind_failures`" },
  bind_failures: {
    unit: "ports",
    text: "ports that could not be bound (limit, -ENOSPC) and receive nothing",
  },
  shared_bytes: {
    unit: "bytes",
    text: "the ABI's shared-memory footprint for the VCPUs and ports bound",
  },
  max_xen_steps: {
    unit: "steps",
    text: "the largest number of Xen-side steps (loop iterations, retries) of one operation",
  },
  sim_events: { unit: "events", text: "events the engine processed" },
  victim_lat_p99_ns: {
    unit: "ns",
    text: "with an `attacker` group only: p99 dispatch latency of the other groups, work still " +
      "waiting at the end counted at its wait so far",
  },
  victim_done_p99_ns: {
    unit: "ns",
    text: "with an `attacker` group only: p99 completion latency of the other groups, censored " +
      "likewise (a starved victim cannot look fast)",
  },
  victim_cpu_share: {
    unit: "0–1",
    text: "with an `attacker` group only: the other groups' VCPU time (top halves and deferred " +
      "work) over the online VCPUs' measured time",
  },
  attacker_cpu_share: {
    unit: "0–1",
    text: "with an `attacker` group only: the attacker's VCPU time over the online VCPUs' " +
      "measured time",
  },
  attacker_rate_per_s: {
    unit: "events/s",
    text: "with an `attacker` group only: the attacker's delivered instances per second, i.e. " +
      "how far the defences throttle it",
  },
  delivered_fraction: {
    unit: "0–1",
    text: "delivered over raised: service lost to coalescing behind a starved instance shows " +
      "here",
  },
  delivered_per_s: { unit: "events/s", text: "the group's delivered instances per second" },
  cpu_share: {
    unit: "0–1",
    text: "the group's VCPU time (top halves and deferred items) over the online VCPUs' " +
      "measured time",
  },
  outstanding: { unit: "events", text: "instances whose deferred work had not ended" },
  absorbed: {
    unit: "items",
    text: "work that joined a port's backlog without an event because its poll or kthread " +
      "was already scheduled (not in `raised`)",
  },
  spurious_events: {
    unit: "events",
    text: "the group's events the backend found no work for (`spurious`)",
  },
});

/**
 * The columns of a host run (a scenario with a `host` block, DESIGN §12):
 * its `summary.csv`, `guests.csv` (one row per run, guest template and device
 * class), `per_guest.csv` (one row per run, started guest and device class)
 * and `dom0.csv` (one row per run and dom0 VCPU). A name found here
 * means this in a host run's files, whatever {@linkcode COLUMN_DOCS} says of
 * it for a single guest; the run's key columns (`scenario`, `abi`,
 * `replication`, `seed`) and `sim_events` mean what they mean there. A
 * column a host run writes that neither table describes fails
 * `deno task docs:check`.
 *
 * @example
 * ```ts
 * import { HOST_COLUMN_DOCS } from "./columns.ts";
 * console.log(HOST_COLUMN_DOCS.rt_p99_ns.unit); // "ns"
 * ```
 */
export const HOST_COLUMN_DOCS: Readonly<Record<string, ColumnDoc>> = Object.freeze({
  template: { unit: "", text: "the guest template's `name`" },
  guest: {
    unit: "",
    text: "the guest's creation index among the started guests (0-based; templates in order, " +
      "each template's guests in order; its domain id is this plus 1)",
  },
  guest_abi: {
    unit: "",
    text: "the guest's own ABI: its template's `abi`, else dom0's (the row's `abi`)",
  },
  first_port: {
    unit: "port",
    text: "the guest's first port in dom0 (its xenstore channel): where its backend ports " +
      "start in dom0's port space, so in a 2-level scan",
  },
  dom0_vcpu: {
    unit: "VCPU",
    text: "the dom0 VCPU this device's requests notify (the backend port of the netback TX " +
      "queue its flow hashes to, or of the blkback ring its client's VCPU maps to; for " +
      "ioreqs, QEMU's first ioreq port): the VCPU whose hard IRQ, softirq and (first) " +
      "kthread work its requests start; it may differ between replications",
  },
  notifies: {
    unit: "events",
    text: "notifications sent (`EVTCHNOP_send`, both directions) for the guest's requests of " +
      "the row's class while measuring; `events_per_request` is this over `requests`",
  },
  device: {
    unit: "",
    text: "the device class of the row: `net` (vifs), `blk` (vbds) or `ioreq` (an HVM " +
      "template's emulated I/O, whose round trips are ioreqs)",
  },
  kind: { unit: "", text: "the template's `kind`: `pv`, `pvh` or `hvm`" },
  guest_vcpus: { unit: "VCPUs", text: "the VCPUs of each guest of the template" },
  guests_requested: {
    unit: "guests",
    text: "guests the scenario asks for: the `count` of every template (in `guests.csv`, of the " +
      "row's template; likewise `guests_started` and `guests_refused`)",
  },
  guests_started: {
    unit: "guests",
    text: "guests whose ports dom0 could all bind, which run",
  },
  guests_refused: {
    unit: "guests",
    text: "guests that did not start because dom0 ran out of ports (their ports were closed " +
      "again); requested minus started",
  },
  dom0_ports_bound: {
    unit: "ports",
    text: "ports bound in dom0: its own per-VCPU ports, `reserved_ports` and the started " +
      "guests' backend ports",
  },
  dom0_ports_per_guest: {
    unit: "ports",
    text: "the ports one guest of the template costs dom0 (xenstore, console, netback, blkback, " +
      "QEMU ioreq)",
  },
  requests: {
    unit: "requests",
    text: "round trips completed while measuring (in `guests.csv`: of the row's template and " +
      "device class; in `per_guest.csv`, of its guest and class; for `ioreq` rows, ioreqs)",
  },
  rt_mean_ns: {
    unit: "ns",
    text: "mean round trip: from the client's request until the client has its response " +
      "(in `per_guest.csv`: exact, censored waits included)",
  },
  rt_p50_ns: {
    unit: "ns",
    text: "median round trip (HDR histogram, 3 significant digits; in `per_guest.csv`, as its " +
      "`rt_p99_ns` and `rt_p999_ns`, a compact one: at most 3.2% high)",
  },
  rt_p99_ns: { unit: "ns", text: "99th percentile of the round trip" },
  rt_p999_ns: { unit: "ns", text: "99.9th percentile of the round trip" },
  rt_max_ns: {
    unit: "ns",
    text: "the longest round trip, requests still outstanding at the end counted with their wait " +
      "so far (right-censored)",
  },
  events_per_request: {
    unit: "events",
    text: "notifications sent (`EVTCHNOP_send`, both directions) per completed request: 2 for a " +
      "block request and 3 for a ping-pong at queue depth 1, fewer when busy consumers stop " +
      "asking",
  },
  notifies_suppressed: {
    unit: "pushes",
    text: "ring pushes the notification rule (`RING_PUSH_*_AND_CHECK_NOTIFY`) kept from " +
      "notifying, RX buffer refills included",
  },
  dom0_busy: { unit: "0–1", text: "the fraction of dom0's VCPU time (all its VCPUs) not idle" },
  dom0_busy_max: { unit: "0–1", text: "the busy fraction of dom0's busiest VCPU" },
  dom0_hardirq: {
    unit: "0–1",
    text: "dom0's time in hard-IRQ context (upcall entry, scans, the backends' handlers), as a " +
      "fraction of its VCPU time",
  },
  dom0_softirq: {
    unit: "0–1",
    text: "dom0's time in softirq context (netback's NAPI polls, ksoftirqd included), as a " +
      "fraction of its VCPU time",
  },
  dom0_kthread: {
    unit: "0–1",
    text: "dom0's time in kernel threads (blkback's ring threads, netback's guest-rx threads), " +
      "as a fraction of its VCPU time",
  },
  dom0_user: {
    unit: "0–1",
    text: "dom0's time in user space (QEMU answering ioreqs), as a fraction of its VCPU time",
  },
  raised: { unit: "events", text: "raises in every domain (dom0 and the guests) while measuring" },
  delivered: { unit: "events", text: "handlers run in every domain while measuring" },
  coalesced: {
    unit: "events",
    text: "raises in every domain that found their port already pending: no new event",
  },
  dom0_raised: {
    unit: "events",
    text: "raises of dom0's ports (the backends' notifications and dom0's own IPIs)",
  },
  dom0_ipis: {
    unit: "events",
    text:
      "call-function-single IPIs dom0 sent itself to wake an idle VCPU for a woken kthread or QEMU",
  },
  upcalls: { unit: "upcalls", text: "upcalls started in every domain" },
  shared_bytes: {
    unit: "bytes",
    text: "dom0's ABI's shared-memory footprint for its VCPUs and the ports bound",
  },
  jain_rt: {
    unit: "0–1",
    text: "Jain's index over the started guests' mean round trips, censored waits included " +
      "(1 = every guest alike)",
  },
  ioreqs: { unit: "ioreqs", text: "HVM emulated-I/O round trips (ioreqs) completed" },
  ioreq_rt_mean_ns: {
    unit: "ns",
    text: "mean ioreq round trip: from the VCPU's exit to its resumption after QEMU's answer",
  },
  ioreq_rt_p99_ns: { unit: "ns", text: "99th percentile of the ioreq round trip" },
  ioreq_rt_max_ns: {
    unit: "ns",
    text: "the longest ioreq round trip, a VCPU still stalled at the end counted with its " +
      "wait so far",
  },
  spurious_events: {
    unit: "events",
    text: "events whose handler found no work (Linux's `XEN_EOI_FLAG_SPURIOUS`)",
  },
  eoi_deferred_backoff: {
    unit: "EOIs",
    text: "late EOIs, in every domain, that the spurious-event backoff of `xen_irq_lateeoi` " +
      "delayed (the port stays masked until the lateeoi worker's jiffy)",
  },
  eoi_deferred_loop: {
    unit: "EOIs",
    text: "late EOIs, in every domain, that loop control (`evtchn_loop_ctrl`: an upcall loop " +
      "past `event_loop_timeout`) deferred by `event_eoi_delay` jiffies",
  },
  ring_stalls: { unit: "stalls", text: "times a client found its ring full and stopped" },
  guest_cpu_wait: {
    unit: "0–1",
    text: "the mean fraction of the time a guest VCPU was runnable but waiting for a physical " +
      "CPU (0 with `pcpus` `dedicated`)",
  },
  sched_switches: {
    unit: "switches",
    text: "context switches of the guests' physical-CPU scheduler (0 when dedicated)",
  },
  sched_preemptions: {
    unit: "preemptions",
    text: "preemptions of a running guest VCPU by a waking one (credit2's `runq_tickle`)",
  },
  vcpu: { unit: "", text: "the dom0 VCPU (0-based)" },
  ports_bound: {
    unit: "ports",
    text: "dom0 ports that notify this VCPU (its own, VCPU 0's reserve, the backends placed by " +
      "`dom0.notify`)",
  },
  events: { unit: "events", text: "events this dom0 VCPU handled while measuring" },
  busy: { unit: "0–1", text: "the fraction of the measured time this dom0 VCPU was not idle" },
  hardirq: { unit: "0–1", text: "the fraction of the measured time in hard-IRQ context" },
  softirq: { unit: "0–1", text: "the fraction of the measured time in softirq context" },
  kthread: { unit: "0–1", text: "the fraction of the measured time in kernel threads" },
  user: { unit: "0–1", text: "the fraction of the measured time in user space (QEMU)" },
});
