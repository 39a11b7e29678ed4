import assert from "node:assert/strict";
import {
  CARRYOVER_MAX_NS,
  Credit2,
  CREDIT_INIT_NS,
  MAX_TIMER_NS,
  MIN_TIMER_NS,
  RATELIMIT_NS,
} from "../../../sim/host/credit2.ts";

/** A scheduler whose actions are logged and whose timers the test fires. */
function setup(pcpus: number, vcpus: number) {
  const log: string[] = [];
  const timers = new Float64Array(pcpus).fill(Infinity);
  const s = new Credit2(pcpus, vcpus, {
    run: (u, p) => log.push(`run ${u} on ${p}`),
    preempt: (u) => log.push(`preempt ${u}`),
    timer: (p, at) => (timers[p] = at),
  });
  return { s, log, timers };
}

Deno.test("a woken VCPU takes an idle physical CPU, its last one first", () => {
  const { s, log } = setup(2, 2);
  s.wake(0, 0);
  s.wake(1, 0);
  assert.deepEqual(log, ["run 0 on 0", "run 1 on 1"]);
  s.block(0, 10);
  s.wake(0, 20);
  assert.equal(s.onCpu[0], 0);
});

Deno.test("within the rate limit (1 ms) a running VCPU is not preempted by a waker", () => {
  const { s, log } = setup(1, 2);
  s.wake(0, 0);
  s.credit[1] = CREDIT_INIT_NS; // far more than VCPU 0 will have
  s.wake(1, 0.9e6);
  assert.deepEqual(log, ["run 0 on 0"]);
  assert.equal(s.queued, 1);
  assert.equal(s.preemptions, 0); // is_preemptable: not even a tickle
});

Deno.test("past the rate limit a waker with more credit (beyond the migrate resistance) preempts", () => {
  const { s, log } = setup(1, 2);
  s.wake(0, 0);
  const t = 3e6; // VCPU 0 has burnt 3 ms: 7 ms left; VCPU 1 has 10 ms
  s.wake(1, t);
  assert.deepEqual(log, ["run 0 on 0", "preempt 0", "run 1 on 0"]);
  assert.equal(s.preemptions, 1);
  assert.equal(s.credit[0], CREDIT_INIT_NS - t);
});

Deno.test("a waker whose credit lead is under the migrate resistance does not preempt", () => {
  const { s, log } = setup(1, 2);
  s.wake(0, 0);
  s.credit[1] = CREDIT_INIT_NS - 1.6e6; // VCPU 0 at 2 ms has 8 ms: lead 0.4 ms < 0.5 ms
  s.wake(1, 2e6);
  assert.deepEqual(log, ["run 0 on 0"]);
});

Deno.test("two busy VCPUs share one CPU in slices of 0.5 to 10 ms, about half each", () => {
  const { s, timers } = setup(1, 2);
  const ran = [0, 0];
  let now = 0;
  s.wake(0, 0);
  s.wake(1, 0);
  while (now < 1e9) {
    const next = timers[0];
    const slice = next - now;
    assert.ok(slice >= MIN_TIMER_NS && slice <= MAX_TIMER_NS, `slice ${slice}`);
    ran[s.cur[0]] += slice;
    now = next;
    s.tick(0, now);
  }
  assert.ok(Math.abs(ran[0] / (ran[0] + ran[1]) - 0.5) < 0.05, `shares ${ran}`);
  assert.ok(s.resets > 0 && s.switches > 50);
});

Deno.test("when the next VCPU has no credit left every VCPU gets 10 ms more, clipped", () => {
  const { s } = setup(1, 2);
  s.wake(0, 0);
  s.credit[0] = 1e5;
  s.credit[1] = CREDIT_INIT_NS; // blocked, full: clipped at INIT + CARRYOVER_MAX
  s.tick(0, 2e6); // VCPU 0 burnt to -1.9 ms and is still the only one runnable
  assert.equal(s.resets, 1);
  assert.equal(s.credit[0], 1e5 - 2e6 + CREDIT_INIT_NS);
  assert.equal(s.credit[1], CREDIT_INIT_NS + CARRYOVER_MAX_NS);
  assert.ok(RATELIMIT_NS === 1e6);
});
