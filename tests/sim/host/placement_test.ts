/**
 * Where a dom0 kthread woken by a backend's handler runs: Linux's
 * select_task_rq_fair (kernel/sched/fair.c: wake_affine_idle,
 * select_idle_sibling, select_idle_cpu) and idle_cpu (kernel/sched/core.c),
 * rule by rule, on a 4-VCPU dom0 whose VCPUs are made busy by hand.
 */
import assert from "node:assert/strict";
import type { HostSimulation } from "../../../sim/host/host.ts";
import { parseScenario } from "../../../sim/scenario/scenario.ts";
import { resolveCosts } from "../../../models/costs.ts";
import { sim } from "./host_fixture.ts";

/** A FIFO host, not started, of a 4-VCPU dom0 and four 1-VCPU guests with a vif and a vbd. */
function host(): HostSimulation {
  const s = parseScenario({
    name: "placement",
    duration_ms: 10,
    warmup_ms: 0,
    host: {
      dom0: { vcpus: 4 },
      guests: [{ count: 4, vcpus: 1, vifs: 1, vbds: 1 }],
    },
  }, "placement.json");
  return sim(s, "fifo", resolveCosts("default"));
}

/** The thread that the tests wake. */
const T = 0;

/** Make dom0 VCPU `v` busy: a thread of its own (not `T`) is runnable there. */
function busy(h: HostSimulation, ...vs: number[]): void {
  for (const v of vs) h.threads.push(v, 10 + v);
}

Deno.test("placement: a dom0 VCPU is idle with nothing runnable, even inside a hard IRQ or a softirq at irq_exit", () => {
  const h = host();
  assert.equal(h.idleCpu(1), true);
  // A hard IRQ, and a softirq run at irq_exit, interrupt the idle task.
  h.inLoop[1] = 1;
  h.inSoftirq[1] = 1;
  assert.equal(h.idleCpu(1), true);
  h.inLoop[1] = 0;
  h.inSoftirq[1] = 0;
  // ksoftirqd running, or woken, is a task on the runqueue.
  h.inSoftirq[1] = 2;
  assert.equal(h.idleCpu(1), false);
  h.inSoftirq[1] = 0;
  h.ksoftirqd[1] = 1;
  assert.equal(h.idleCpu(1), false);
  h.ksoftirqd[1] = 0;
  busy(h, 1);
  assert.equal(h.idleCpu(1), false);
});

Deno.test("placement: wake_affine_idle keeps an idle previous CPU when the waker's CPU is idle too", () => {
  const h = host();
  assert.equal(h.selectCpu(T, 2, 0), 2);
});

Deno.test("placement: wake_affine_idle moves the wakee to the waker's idle CPU when its previous CPU is busy", () => {
  const h = host();
  busy(h, 2);
  assert.equal(h.selectCpu(T, 2, 0), 0);
});

Deno.test("placement: with the waker's CPU busy, an idle previous CPU is kept", () => {
  const h = host();
  busy(h, 0);
  assert.equal(h.selectCpu(T, 2, 0), 2);
});

Deno.test("placement: with both busy, select_idle_cpu scans from the CPU after the target, wrapping", () => {
  const h = host();
  // Target = prev = 1 (wake_affine_weight not modelled): CPUs 2 and 3 come
  // before 0 in the scan.
  busy(h, 0, 1);
  assert.equal(h.selectCpu(T, 1, 0), 2);
  const g = host();
  busy(g, 0, 2, 3);
  assert.equal(g.selectCpu(T, 3, 0), 1, "wraps past the last CPU");
});

Deno.test("placement: with every CPU busy, the wakee stays on its target", () => {
  const h = host();
  busy(h, 0, 1, 2, 3);
  assert.equal(h.selectCpu(T, 3, 0), 3);
  assert.equal(h.selectCpu(T, 1, -1), 1);
});

Deno.test("placement: a per-CPU kthread waker (ksoftirqd) on the previous CPU, alone there, keeps the wakee", () => {
  const h = host();
  h.inSoftirq[2] = 2;
  assert.equal(h.selectCpu(T, 2, 2), 2, "idle CPUs 0, 1 and 3 are not searched");
  // With another task runnable there, the rule does not apply.
  busy(h, 2);
  assert.equal(h.selectCpu(T, 2, 2), 3);
});

Deno.test("placement: an idle recent_used_cpu is taken before the scan, and the previous CPU becomes the recent one", () => {
  const h = host();
  busy(h, 0, 1);
  // The first wake-up records prev (1) as recent; the scan picks 2.
  assert.equal(h.thrRecent[T], -1);
  assert.equal(h.selectCpu(T, 1, 0), 2);
  assert.equal(h.thrRecent[T], 1);
  // Later, last on 2 and 2 busy, 1 idle again: recent (1) wins over the
  // scan from 3.
  h.threads.pop(1);
  busy(h, 2);
  assert.equal(h.selectCpu(T, 2, 0), 1);
  assert.equal(h.thrRecent[T], 2);
});

Deno.test("placement: a woken kthread is queued on the VCPU select_task_rq_fair picks", () => {
  const h = host();
  busy(h, 1);
  h.thrU[T] = 1;
  h.wakeThread(T, true, 0);
  assert.equal(h.thrU[T], 0, "moved to the waker's idle CPU");
  assert.equal(h.threads.len[0], 1);
  assert.equal(h.threads.head[0], T);
});
