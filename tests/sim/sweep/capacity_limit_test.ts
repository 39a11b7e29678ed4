import assert from "node:assert/strict";
import { classifyLimit, CPU_SATURATED } from "../../../sim/sweep/capacity_limit.ts";

Deno.test("guests refused at the failing step name the ports as the limit, with the count", () => {
  const rows = [0, 1].map(() => ({
    guests_requested: 900,
    guests_started: 818,
    guests_refused: 82,
    dom0_ports_bound: 4095,
    dom0_busy: 0.99,
  }));
  const f = classifyLimit(rows);
  assert.equal(f.limit, "ports");
  assert.match(f.detail, /4095 ports bound/);
  assert.match(f.detail, /818 guests started/);
});

Deno.test("a single guest's bind failures name the ports as the limit", () => {
  assert.equal(classifyLimit([{ bind_failures: 12, hardirq_share: 0.2 }]).limit, "ports");
});

Deno.test("dom0 busy at or above the saturation level names dom0's CPU", () => {
  assert.equal(
    classifyLimit([{ dom0_busy: CPU_SATURATED }, { dom0_busy: 0.95 }]).limit,
    "dom0_cpu",
  );
  assert.equal(classifyLimit([{ dom0_busy: 0.6 }, { dom0_busy: 0.7 }]).limit, "objective");
});

Deno.test("a single domain's context shares add up to its busy fraction", () => {
  const busy = { hardirq_share: 0.5, softirq_share: 0.3, thread_share: 0.15 };
  assert.equal(classifyLimit([busy]).limit, "dom0_cpu");
  assert.equal(classifyLimit([{ ...busy, thread_share: 0 }]).limit, "objective");
  // The words name the guest, whose VCPUs play dom0's part, not dom0.
  assert.equal(classifyLimit([busy]).detail, "the guest's VCPUs 95% busy");
  assert.equal(
    classifyLimit([{ ...busy, thread_share: 0 }]).detail,
    "no resource saturated; the guest's VCPUs 80% busy",
  );
  assert.equal(classifyLimit([{ dom0_busy: 0.97 }]).detail, "dom0 97% busy");
  assert.equal(classifyLimit([{ dom0_busy: 0.5 }]).detail, "no resource saturated; dom0 50% busy");
});

Deno.test("one saturated dom0 VCPU while dom0 as a whole is not names dom0_vcpu", () => {
  assert.equal(classifyLimit([{ dom0_busy: 0.3, dom0_busy_max: 0.98 }]).limit, "dom0_vcpu");
  // dom0 saturated as a whole: its CPU, not one VCPU.
  assert.equal(classifyLimit([{ dom0_busy: 0.97, dom0_busy_max: 0.99 }]).limit, "dom0_cpu");
});

Deno.test("producers stalled on full rings name a ring; busy guest CPUs name the pcpus", () => {
  assert.equal(
    classifyLimit([{ dom0_busy: 0.5, ring_stalls: 500, requests: 10000 }]).limit,
    "ring",
  );
  assert.equal(
    classifyLimit([{ dom0_busy: 0.5, ring_stalls: 5, requests: 10000 }]).limit,
    "objective",
  );
  assert.equal(classifyLimit([{ dom0_busy: 0.5, guest_cpu_wait: 0.3 }]).limit, "pcpus");
  assert.equal(classifyLimit([{ dom0_busy: 0.5, guest_cpu_wait: 0.01 }]).limit, "objective");
});

Deno.test("a search that never failed is limited by its upper bound", () => {
  assert.equal(classifyLimit(undefined).limit, "max");
});
