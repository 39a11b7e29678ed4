// A design's reply is checked against the run's invariants and labelled from the parent's
// records (sim/sweep/reply_check.ts). The rules hold for every built-in scenario's real
// results, and each tampering with a real result breaks the rule that names it.
import assert from "node:assert/strict";
import { checkReply } from "../../../sim/sweep/reply_check.ts";
import { expandPlan } from "../../../sim/sweep/plan.ts";
import { builtinNames, loadInput } from "../../../sim/scenario/scenario.ts";
import { executeRun, type Run, type RunResult } from "../../../sim/run/run.ts";
import { createAbi } from "../../../models/registry.ts";
import { InputError } from "../../../sim/io/errors.ts";

/** The first runs of every ABI of a built-in, shortened to `ms` of simulated time. */
function runsOf(name: string, ms = 3): Run[] {
  const plan = expandPlan(loadInput(name), {
    replications: 1,
    sets: [`duration_ms=${ms}`, "warmup_ms=1"],
  });
  const seen = new Set<string>();
  return plan.runs.filter((r) => !seen.has(r.abi) && seen.add(r.abi) !== undefined);
}

function result(run: Run, ports = false): RunResult {
  return executeRun(run, (o) => createAbi(run.abi, o), { ports });
}

Deno.test("every built-in scenario's real results pass the checks unchanged", () => {
  for (const name of builtinNames()) {
    for (const run of runsOf(name)) {
      const r = result(run, true);
      const checked = checkReply(run, structuredClone(r));
      assert.deepEqual(checked.summary, r.summary, `${name} ${run.abi}`);
      assert.deepEqual(checked.groups, r.groups);
      assert.deepEqual(checked.ports, r.ports);
    }
  }
});

const RUN = runsOf("timer-vs-storm").find((r) => r.abi === "fifo")!;
const REAL = result(RUN, true);

/** Assert that `tamper`ing with a copy of the real result breaks `rule`. */
function assertBreaks(rule: string, tamper: (r: RunResult) => void, detail?: RegExp): void {
  const r = structuredClone(REAL);
  tamper(r);
  assert.throws(
    () => checkReply(RUN, r),
    (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.ok(
        e.message.startsWith(
          `design module fifo, run ${RUN.index} (replication 0, seed ${RUN.seed}, id ${RUN.id})`,
        ),
        e.message,
      );
      assert.ok(e.message.includes(`break the rule '${rule}'`), e.message);
      if (detail) assert.match(e.message, detail);
      return true;
    },
  );
}

Deno.test("a NaN, infinite or negative figure breaks the finite and non-negative rules", () => {
  // NaN and Infinity cross the pipe as JSON null
  assertBreaks("finite figures", (r) => (r.summary.lat_p99_ns = null as never), /lat_p99_ns/);
  assertBreaks("finite figures", (r) => (r.groups[0].lat_mean_ns = "abc"));
  assertBreaks("non-negative figures", (r) => (r.summary.overhead_ns_per_event = -2650));
});

Deno.test("a fractional count breaks the integral-counts rule", () => {
  assertBreaks("integral counts", (r) => (r.summary.upcalls = 10.5));
});

Deno.test("raised != delivered + coalesced + pending + dropped breaks the accounting identity", () => {
  const identity = "raised = delivered + coalesced + pending_at_end + dropped";
  assertBreaks(identity, (r) => (r.summary.delivered = (r.summary.delivered as number) + 1));
  assertBreaks(identity, (r) => (r.groups[1].dropped = (r.groups[1].dropped as number) + 3));
  assertBreaks("groups add up to the run", (r) => {
    r.groups[0].raised = (r.groups[0].raised as number) + 1;
    r.groups[0].delivered = (r.groups[0].delivered as number) + 1;
  });
});

Deno.test("a latency longer than the run breaks the within-the-run rule", () => {
  assertBreaks("within the run", (r) => (r.summary.lat_max_ns = 1e12));
  assertBreaks("within the run", (r) => (r.groups[0].max_wait_ns = 1e12));
});

Deno.test("deliveries with no bound port break the only-bound-ports rule", () => {
  assertBreaks("only bound ports deliver", (r) => {
    r.summary.ports_bound = 0;
    r.summary.bind_failures = r.summary.ports_requested;
  });
  assertBreaks("only bound ports deliver", (r) => (r.summary.bind_failures = 5));
});

Deno.test("rows relabelled as another ABI, run, seed or group are refused", () => {
  assertBreaks("labels", (r) => (r.summary.abi = "2l"), /abi is '2l', not 'fifo'/);
  assertBreaks("labels", (r) => (r.groups[0].seed = 7));
  assertBreaks("labels", (r) => (r.groups[0].group = r.groups[1].group));
  assertBreaks("labels", (r) => (r.ports[0].group = "=cmd|' /C calc'!A0"));
  assertBreaks("labels", (r) => (r.id = "../../forged"));
  assertBreaks("shape", (r) => (r.summary.abi_ran = "=HYPERLINK(1)"));
  assertBreaks("shape", (r) => ((r.summary as Record<string, unknown>)["=x"] = 1));
});

Deno.test("the rows kept carry the parent's labels and its wall time is never negative", () => {
  const r = structuredClone(REAL);
  r.wallMs = -5;
  const checked = checkReply(RUN, r);
  assert.equal(checked.wallMs, 0);
  assert.deepEqual(Object.keys(checked.summary), Object.keys(REAL.summary), "column order kept");
});

Deno.test("a host's reply keeps its guests and dom0 rows and its guest books must add up", () => {
  const run = runsOf("host-round-trip").find((r) => r.abi === "fifo")!;
  const real = result(run);
  const checked = checkReply(run, structuredClone(real));
  assert.ok((real.guests ?? []).length > 0 && (real.dom0 ?? []).length > 0);
  assert.deepEqual(checked.guests, real.guests);
  assert.deepEqual(checked.dom0, real.dom0);
  const forged = structuredClone(real);
  forged.summary.guests_refused = (forged.summary.guests_refused as number) + 1;
  assert.throws(
    () => checkReply(run, forged),
    /guests_requested = guests_started \+ guests_refused/,
  );
  const late = structuredClone(real);
  (late.guests ?? [])[0].rt_max_ns = 1e12;
  assert.throws(() => checkReply(run, late), /within the run/);
});

Deno.test("a host's reply keeps its per-guest rows, labelled by the parent and checked like the others", () => {
  const run = runsOf("host-round-trip").find((r) => r.abi === "2l")!;
  const real = result(run);
  assert.ok((real.perGuest ?? []).length >= 2 * 50, "a net and a blk row per guest");
  assert.deepEqual(checkReply(run, structuredClone(real)).perGuest, real.perGuest);
  const late = structuredClone(real);
  (late.perGuest ?? [])[3].rt_p99_ns = 1e12;
  assert.throws(() => checkReply(run, late), /per-guest row 3: rt_p99_ns .* longer than the run/);
  const relabelled = structuredClone(real);
  (relabelled.perGuest ?? [])[0].replication = 9;
  assert.throws(() => checkReply(run, relabelled), /per-guest row 0: replication/);
  const named = structuredClone(real);
  (named.perGuest ?? [])[0].guest_abi = "=HYPERLINK(1)";
  assert.throws(() => checkReply(run, named), /not an ABI id/);
});
