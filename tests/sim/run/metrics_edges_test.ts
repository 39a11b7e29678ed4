// Metrics at their edges (sim/run/metrics.ts): warm-up and offline VCPUs in the context shares,
// idle tails, groups that raised nothing, censored victims and instances carried in from the
// warm-up. Every expected figure is worked out by hand from a constructed timeline.
import assert from "node:assert/strict";
import { exec, group, grp, num, scenario, trace } from "./guest_fixture.ts";

Deno.test("context shares count measured time only, never the warm-up", () => {
  // A 1 ms top half from 0.5 ms, with a 1 ms warm-up: 0.5 ms of it falls in the 1 ms measured.
  const r = exec(scenario({
    warmup_ms: 1,
    duration_ms: 1,
    groups: [grp("g", trace([[500_000, "g", 0]]), 1_000_000)],
  }));
  assert.equal(num(r.summary, "hardirq_share"), 0.5);
});

Deno.test("context shares divide by the online VCPUs: an offlined VCPU is not in the denominator", () => {
  // Two VCPUs, VCPU 1 offlined because its EVTCHNOP_init_control failed; a 0.5 ms top half on
  // VCPU 0 in a 1 ms run is half of the online VCPU time, not a quarter.
  const r = exec(scenario({
    duration_ms: 1,
    guest: { vcpus: 2 },
    faults: { init_control_fail_vcpus: [1] },
    init_fail_policy: "offline",
    groups: [grp("g", trace([[100_000, "g", 0]]), 500_000)],
  }));
  assert.equal(num(r.summary, "hardirq_share"), 0.5);
  assert.equal(num(group(r, "g"), "cpu_share"), 0.5);
});

Deno.test("an idle tail after a group's last dispatch, with nothing pending, is not a stall", () => {
  // One event at 1 ms, dispatched at once, in a 100 ms run: no stall at all.
  const r = exec(scenario({
    duration_ms: 100,
    groups: [grp("g", trace([[1_000_000, "g", 0]]), 1000)],
  }));
  assert.equal(num(group(r, "g"), "max_stall_ns"), 0);
  assert.equal(num(r.summary, "max_stall_ns"), 0);
});

Deno.test("a group that raised nothing has an empty delivered fraction, never 0", () => {
  const file = trace([[1000, "busy", 0]]);
  const r = exec(scenario({
    duration_ms: 1,
    groups: [grp("busy", file, 1000), grp("quiet", trace([]), 1000)],
  }));
  assert.equal(group(r, "quiet").raised, 0);
  assert.equal(group(r, "quiet").delivered_fraction, "");
  assert.equal(group(r, "busy").delivered_fraction, 1);
});

Deno.test("victims' p99 includes their instances still pending at the end", () => {
  // The attacker's 10 ms top half from 1 ms holds the VCPU to the end of the 5 ms run; the
  // victim's event at 2 ms is still pending then, having waited 3 ms: its censored wait is the
  // victims' p99, dispatch and completion alike.
  const file = trace([[1_000_000, "flood", 0], [2_000_000, "victim", 0]]);
  const r = exec(scenario({
    duration_ms: 5,
    groups: [
      grp("flood", file, 10_000_000, { attacker: true }),
      grp("victim", null, 1000),
    ],
  }));
  assert.equal(num(group(r, "victim"), "pending_at_end"), 1);
  for (const col of ["victim_lat_p99_ns", "victim_done_p99_ns"]) {
    const p99 = num(r.summary, col);
    assert.ok(Math.abs(p99 - 3_000_000) <= 3_000_000 * 1e-3, `${col} ${p99}`); // HDR: 3 digits
  }
});

Deno.test("an instance carried in from the warm-up starts its group's stall clock at the measurement start", () => {
  // `busy` holds VCPU 0 from 0.4 to 1.6 ms; `probe`, raised at 0.5 ms in the 1 ms warm-up, is
  // dispatched at 1.6 ms. Its wait runs from its raise (1.1 ms) but its group's stall from the
  // start of measurement (0.6 ms): the warm-up is never a stall.
  const file = trace([[400_000, "busy", 0], [500_000, "probe", 0]]);
  const r = exec(scenario({
    warmup_ms: 1,
    duration_ms: 1,
    groups: [grp("busy", file, 1_200_000), grp("probe", null, 0)],
  }));
  const probe = group(r, "probe");
  assert.equal(num(probe, "max_wait_ns"), 1_100_000);
  assert.equal(num(probe, "max_stall_ns"), 600_000);
});

Deno.test("a flood study's CPU shares divide by the online VCPUs too", () => {
  // VCPU 1 of 2 offlined; on VCPU 0 the attacker's top halves take 200 µs and the victim's
  // 300 µs of the 1 ms run: shares of the one online VCPU's time.
  const file = trace([[100_000, "flood", 0], [400_000, "victim", 0]]);
  const r = exec(scenario({
    duration_ms: 1,
    guest: { vcpus: 2 },
    faults: { init_control_fail_vcpus: [1] },
    groups: [grp("flood", file, 200_000, { attacker: true }), grp("victim", null, 300_000)],
  }));
  assert.equal(num(r.summary, "attacker_cpu_share"), 0.2);
  assert.equal(num(r.summary, "victim_cpu_share"), 0.3);
  assert.equal(num(r.summary, "attacker_rate_per_s"), 1000);
});

Deno.test("delivered_per_s is events per second of measured time", () => {
  // Ten events, 100 µs apart, in a 2 ms run after a 1 ms warm-up: 5000 per second.
  const lines: [number, string, number][] = [];
  for (let i = 0; i < 10; i++) lines.push([1_000_000 + 50_000 + i * 100_000, "g", 0]);
  const r = exec(scenario({
    warmup_ms: 1,
    duration_ms: 2,
    groups: [grp("g", trace(lines), 1000)],
  }));
  assert.equal(num(group(r, "g"), "delivered"), 10);
  assert.equal(num(group(r, "g"), "delivered_per_s"), 5000);
});
