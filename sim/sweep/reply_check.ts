/**
 * A design's results are checked, not trusted (DESIGN.md §11). A design runs
 * in the same process as the simulator code that measures it, so its reply
 * may say anything; before a row is kept, the parent checks it against the
 * run's invariants and labels it from its own records:
 * - labels: the reply is for the run asked (id, index), and every row's
 *   scenario, ABI, replication, seed and grid parameters, and every group
 *   row's group, are the parent's (then written from the parent's records);
 * - every figure is a finite number >= 0 (or empty), counts are integers;
 * - accounting, per run and per group: raised = delivered + coalesced +
 *   pending_at_end + dropped, and the groups add up to the run;
 * - latencies and waits are within the run's length;
 * - only bound ports deliver: bound + failed binds = requested, and a run
 *   that bound no port delivers nothing.
 * A reply that breaks a rule fails the run with exit 2, naming the design,
 * the run and the rule.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import { quoteName } from "../io/text.ts";
import type { Row } from "../run/metrics.ts";
import type { Run, RunResult } from "../run/run.ts";

/** Columns that count events or things: integers. */
const COUNTS = new Set([
  "raised",
  "delivered",
  "coalesced",
  "pending_at_end",
  "dropped",
  "starved_events",
  "inversions",
  "upcalls",
  "spurious",
  "unbound_raises",
  "completed",
  "eoi_deferred",
  "eoi_deferred_backoff",
  "eoi_deferred_loop",
  "ksoftirqd_wakeups",
  "hypercalls",
  "ports_requested",
  "ports_bound",
  "bind_failures",
  "sim_events",
  "outstanding",
  "absorbed",
  "spurious_events",
  "shared_bytes",
  "max_xen_steps",
  // Hosts (DESIGN §12).
  "guests_requested",
  "guests_started",
  "guests_refused",
  "dom0_ports_bound",
  "requests",
  "notifies_suppressed",
  "ring_stalls",
  "ioreqs",
  "events",
  "notifies",
  "guest",
  "first_port",
]);
/** Text columns a run writes besides the labels (ABI ids; a host guest's ABI in per_guest.csv). */
const TEXT = new Set(["abi_ran", "guest_abi"]);
/** A host's text columns (its guest template, device class and kind, in guests.csv). */
const HOST_TEXT = new Set(["template", "device", "kind"]);
/** Columns of the accounting identity. */
const BOOKS = ["raised", "delivered", "coalesced", "pending_at_end", "dropped"] as const;
/** Columns that are times inside the run (ns). */
const TIMES = /^(lat_|done_|victim_lat_|victim_done_|rt_|ioreq_rt_)|^max_wait_ns$|^max_stall_ns$/;

/** The label columns of `run`'s rows, from the parent's records. */
export function labelsOf(run: Run): Row {
  return {
    scenario: run.scenario.name,
    abi: run.abi,
    replication: run.replication,
    seed: run.seed,
    ...run.params as Row,
  };
}

/**
 * Check `result`, the reply of a design's process for `run`, and return it
 * with every row labelled from the parent's records; throws an
 * {@linkcode InputError} naming the design, the run and the broken rule.
 *
 * @example
 * ```ts
 * import { checkReply } from "./reply_check.ts";
 * import { expandPlan } from "./plan.ts";
 * import { loadInput } from "../scenario/scenario.ts";
 * import { runOne } from "../run/run.ts";
 * const plan = expandPlan(loadInput("default"), { abis: ["fifo"], replications: 1,
 *   sets: ["duration_ms=1", "warmup_ms=0"] });
 * const run = plan.runs[0];
 * const checked = checkReply(run, await runOne(run));
 * console.log(checked.summary.abi); // "fifo"
 * ```
 */
export function checkReply(run: Run, result: RunResult): RunResult {
  const where = `design module ${run.abi}, run ${run.index} (replication ${run.replication}, ` +
    `seed ${run.seed}, id ${run.id})`;
  const broken = (rule: string, detail: string) =>
    new InputError(`${where}: its results break the rule '${rule}': ${quoteName(detail)}`);
  const s = run.scenario;
  const lengthNs = (s.warmup_ms + s.duration_ms) * 1e6;
  const labels = labelsOf(run);
  if (typeof result !== "object" || result === null) throw broken("shape", "not an object");
  if (result.id !== run.id || result.index !== run.index) {
    throw broken("labels", `the reply is for another run (id ${String(result.id)})`);
  }
  const rowsOk = (rows: unknown, what: string): Row[] => {
    if (!Array.isArray(rows)) throw broken("shape", `${what} is not a list of rows`);
    return rows as Row[];
  };
  const summary = result.summary as Row;
  if (typeof summary !== "object" || summary === null) throw broken("shape", "no summary row");
  const groups = rowsOk(result.groups, "groups");
  const priorities = rowsOk(result.priorities, "priorities");
  const ports = rowsOk(result.ports, "ports");
  if (groups.length !== s.groups.length) {
    throw broken("shape", `${groups.length} group rows for ${s.groups.length} groups`);
  }
  const checkRow = (row: Row, what: string, extra: Row = {}) => {
    if (typeof row !== "object" || row === null) throw broken("shape", `${what} is not a row`);
    const expect = { ...labels, ...extra };
    for (const [k, v] of Object.entries(expect)) {
      if (row[k] !== v) {
        throw broken("labels", `${what}: ${k} is '${String(row[k])}', not '${String(v)}'`);
      }
    }
    for (const [k, v] of Object.entries(row)) {
      if (k in expect) continue;
      if (!/^[a-z][a-z0-9_]*$/.test(k)) throw broken("shape", `${what}: unknown column '${k}'`);
      if (k === "group") {
        if (!s.groups.some((g) => g.name === v)) {
          throw broken("labels", `${what}: group '${String(v)}' is not a group of the scenario`);
        }
        continue;
      }
      if (s.host && HOST_TEXT.has(k)) {
        if (typeof v !== "string" || !/^[\w.-]{1,100}$/.test(v)) {
          throw broken("shape", `${what}: ${k} '${String(v)}' is not a name`);
        }
        continue;
      }
      if (TEXT.has(k)) {
        if (typeof v !== "string" || !/^[\w.:/+-]{1,200}$/.test(v)) {
          throw broken("shape", `${what}: ${k} '${String(v)}' is not an ABI id`);
        }
        continue;
      }
      if (v === "") continue;
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw broken("finite figures", `${what}: ${k} is ${JSON.stringify(v)}, not a number`);
      }
      if (v < 0) throw broken("non-negative figures", `${what}: ${k} is ${v}`);
      if (COUNTS.has(k) && !Number.isInteger(v)) {
        throw broken("integral counts", `${what}: ${k} is ${v}`);
      }
      if (TIMES.test(k) && v > lengthNs * 1.001 + 1) {
        throw broken(
          "within the run",
          `${what}: ${k} is ${v} ns, longer than the run (${lengthNs} ns)`,
        );
      }
    }
    if (BOOKS.every((k) => typeof row[k] === "number")) {
      const [raised, delivered, coalesced, pending, dropped] = BOOKS.map((k) => row[k] as number);
      if (raised !== delivered + coalesced + pending + dropped) {
        throw broken(
          "raised = delivered + coalesced + pending_at_end + dropped",
          `${what}: ${raised} != ${delivered} + ${coalesced} + ${pending} + ${dropped}`,
        );
      }
    }
  };
  // A host's rows keep their own books (guests, round trips); one guest's keep the events'.
  const hostRows = s.host
    ? {
      guests: rowsOk(result.guests ?? [], "guests"),
      dom0: rowsOk(result.dom0 ?? [], "dom0"),
      perGuest: rowsOk(result.perGuest ?? [], "perGuest"),
    }
    : undefined;
  for (const k of s.host ? [] : BOOKS) {
    if (typeof summary[k] !== "number") throw broken("shape", `summary: no ${k}`);
  }
  checkRow(summary, "summary");
  hostRows?.guests.forEach((g, i) => checkRow(g, `guests row ${i}`));
  hostRows?.dom0.forEach((d, i) => checkRow(d, `dom0 row ${i}`));
  hostRows?.perGuest.forEach((g, i) => checkRow(g, `per-guest row ${i}`));
  if (s.host) {
    const [req, started, refused] = ["guests_requested", "guests_started", "guests_refused"]
      .map((k) => summary[k]);
    if (
      typeof req !== "number" || typeof started !== "number" || typeof refused !== "number" ||
      req !== started + refused
    ) {
      throw broken(
        "guests_requested = guests_started + guests_refused",
        `summary: ${String(req)} != ${String(started)} + ${String(refused)}`,
      );
    }
  }
  groups.forEach((g, i) => checkRow(g, `group ${s.groups[i].name}`, { group: s.groups[i].name }));
  priorities.forEach((p, i) => checkRow(p, `priority row ${i}`));
  ports.forEach((p, i) => checkRow(p, `port row ${i}`));
  for (const k of s.host ? [] : BOOKS) {
    const sum = groups.reduce((a, g) => a + (g[k] as number), 0);
    if (sum !== summary[k]) {
      throw broken("groups add up to the run", `${k}: groups sum to ${sum}, summary ${summary[k]}`);
    }
  }
  const requested = summary.ports_requested, bound = summary.ports_bound;
  if (typeof requested === "number" && typeof bound === "number") {
    if (bound + (summary.bind_failures as number) !== requested) {
      throw broken("only bound ports deliver", `ports_bound + bind_failures != ports_requested`);
    }
    if (bound === 0 && (summary.delivered as number) > 0) {
      throw broken("only bound ports deliver", `no port bound, ${summary.delivered} delivered`);
    }
  }
  if (summary.sim_events !== result.simEvents || !Number.isInteger(result.simEvents)) {
    throw broken("shape", `simEvents ${result.simEvents} != summary sim_events`);
  }
  if (typeof result.fingerprint !== "string" || !/^[0-9a-f]{8}$/.test(result.fingerprint)) {
    throw broken("shape", "fingerprint is not 8 hex digits");
  }
  const wallMs = Number.isFinite(result.wallMs) && result.wallMs >= 0 ? result.wallMs : 0;
  // Labels from the parent's records, whatever the reply held.
  const label = (r: Row, extra: Row = {}): Row => ({
    ...labels,
    ...extra,
    ...r,
    ...labels,
    ...extra,
  });
  return {
    id: run.id,
    index: run.index,
    summary: label(summary),
    groups: groups.map((g, i) => label(g, { group: s.groups[i].name })),
    priorities: priorities.map((p) => label(p)),
    ports: ports.map((p) => label(p)),
    ...(hostRows
      ? {
        guests: hostRows.guests.map((g) => label(g)),
        dom0: hostRows.dom0.map((d) => label(d)),
        perGuest: hostRows.perGuest.map((g) => label(g)),
      }
      : {}),
    simEvents: result.simEvents,
    wallMs,
    fingerprint: result.fingerprint,
  };
}
