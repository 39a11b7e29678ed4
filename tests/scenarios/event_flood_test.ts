// The built-in event-flood (XSA-332): a shortened run of its grid points shows what each of
// Linux's defences does, as events_base.c describes them (see tests/sim/run/
// guest_bottom_half_test.ts for the rules on constructed timelines).
import assert from "node:assert/strict";
import { loadInput } from "../../sim/scenario/scenario.ts";
import { expandPlan } from "../../sim/sweep/plan.ts";
import { runOne } from "../../sim/run/run.ts";

Deno.test("event-flood: the spurious backoff throttles the attacker to about two events per jiffy and spares the victims", async () => {
  const plan = expandPlan(loadInput("event-flood"), {
    sets: ["duration_ms=40", "warmup_ms=10"],
    replications: 1,
    abis: ["fifo"],
  });
  const at = (ctrl: boolean, backoff: boolean) =>
    plan.runs.find((r) =>
      r.params["guest.loop_ctrl"] === ctrl && r.params["guest.eoi_backoff"] === backoff
    )!;
  const both = (await runOne(at(true, true))).summary;
  const none = (await runOne(at(false, false))).summary;
  const ctrlOnly = (await runOne(at(true, false))).summary;
  // xen_irq_lateeoi_locked: every second consecutive spurious EOI waits for the next jiffy,
  // and the worker's EOI resets the count: at most 2 x HZ (250) deliveries per second.
  assert.ok(Number(both.attacker_rate_per_s) <= 2 * 250 + 50, `${both.attacker_rate_per_s}`);
  assert.ok(Number(none.attacker_rate_per_s) > 100 * Number(both.attacker_rate_per_s));
  // Without any defence the endless upcall loop starves the victims' bottom halves.
  assert.ok(Number(none.victim_done_p99_ns) > 100 * Number(both.victim_done_p99_ns));
  // Loop control alone bounds the starvation: loops end after event_loop_timeout (8 ms).
  assert.ok(Number(ctrlOnly.eoi_deferred) > 0);
  assert.ok(Number(ctrlOnly.attacker_rate_per_s) < Number(none.attacker_rate_per_s));
});
