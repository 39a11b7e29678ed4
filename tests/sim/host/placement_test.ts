/**
 * Where a dom0 kthread woken by a backend's handler runs: Linux's
 * select_task_rq_fair (kernel/sched/fair.c: wake_affine_idle,
 * select_idle_sibling, select_idle_cpu) and idle_cpu (kernel/sched/core.c),
 * rule by rule, on a 4-VCPU dom0 whose VCPUs are made busy by hand.
 */
import assert from "node:assert/strict";
import { type HostSimulation, IT_HANDLER, R_BLK } from "../../../sim/host/host.ts";
import { CALLFUNC_SINGLE_PORT } from "../../../sim/host/ports.ts";
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
const T = 1;

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

/** Record `h`'s notifications and the items its VCPUs begin, in order. */
function watch(h: HostSimulation): {
  sends: { u: number; dom: number; port: number; at: number }[];
  items: { u: number; kind: number; arg: number; at: number }[];
} {
  const w = {
    sends: [] as { u: number; dom: number; port: number; at: number }[],
    items: [] as { u: number; kind: number; arg: number; at: number }[],
  };
  const send = h.send.bind(h);
  h.send = (u, dom, port, dev, ctx) => {
    w.sends.push({ u, dom, port, at: h.engine.now });
    send(u, dom, port, dev, ctx);
  };
  const begin = h.begin.bind(h);
  h.begin = (u, kind, arg, ctx, ns, ns2) => {
    w.items.push({ u, kind, arg, at: h.engine.now });
    begin(u, kind, arg, ctx, ns, ns2);
  };
  return w;
}

/** blkback's kthread of the host's first vbd ring (thread 2r + 1). */
function blkbackThread(h: HostSimulation): number {
  for (let r = 0; r < h.ringCount; r++) if (h.ringKind[r] === R_BLK) return 2 * r + 1;
  throw new Error("no vbd ring");
}

Deno.test("placement: a kthread woken onto another, halted VCPU waits for the call-function-single IPI that wakes it", () => {
  const h = host();
  const w = watch(h);
  const t = blkbackThread(h);
  h.thrU[t] = 2;
  // Both idle: wake_affine_idle keeps prev (2), which is not the waker's CPU.
  assert.equal(h.halted(2), true);
  h.wakeThread(t, true, 0);
  assert.equal(h.thrU[t], 2);
  assert.equal(h.threads.head[2], t, "queued on VCPU 2's list");
  assert.equal(h.stepAt[2], Infinity, "VCPU 2 does not step before the IPI reaches it");
  assert.deepEqual(w.sends.map((s) => [s.u, s.dom, s.port]), [[0, 0, h.ipiPort[2]]]);
  h.engine.run(1e6, h);
  // The IPI is VCPU 2's first item, a handler no sooner than the hypercall
  // and a halted VCPU's wake-up after the wake; the kthread runs after it.
  const first = w.items.find((i) => i.u === 2)!;
  assert.equal(first.kind, IT_HANDLER);
  assert.equal(first.arg, h.ipiPort[2]);
  assert.ok(first.at >= h.costs.hypercall_ns + h.costs.wake_ns, `${first.at}`);
  assert.equal(h.thrOn[t], 0, "the kthread ran and slept again");
});

Deno.test("placement: a kthread woken onto the waker's own VCPU, or onto a busy one, sends no IPI", () => {
  const h = host();
  const w = watch(h);
  const t = blkbackThread(h);
  h.thrU[t] = 0;
  h.wakeThread(t, true, 0);
  assert.equal(h.thrU[t], 0);
  assert.equal(w.sends.length, 0);
  const g = host();
  const wg = watch(g);
  const tg = blkbackThread(g);
  g.thrU[tg] = 2;
  g.running[2] = 1; // VCPU 2 runs an item: not halted (and not idle_cpu either)
  busy(g, 2);
  g.threads.pop(2);
  assert.equal(g.halted(2), false);
  g.wakeThread(tg, true, 0);
  assert.equal(wg.sends.length, 0);
});

Deno.test("placement: each VCPU's IPI port, dom0's and a guest's, is its fourth own port, bound to it", () => {
  for (const abi of ["2l", "fifo"]) {
    const s = parseScenario({
      name: "ipi",
      host: { dom0: { vcpus: 4 }, guests: [{ count: 1, kind: "pvh", vcpus: 2 }] },
    }, "ipi.json");
    const h = sim(s, abi, resolveCosts("default"));
    const own = abi === "fifo" ? 6 : 7;
    assert.deepEqual(
      [...h.ipiPort.subarray(0, 4)],
      [0, 1, 2, 3].map((v) => 1 + own * v + CALLFUNC_SINGLE_PORT),
    );
    // Xen's set_pending on each notifies its own VCPU.
    for (let v = 0; v < 4; v++) assert.equal(h.abis[0].raise(h.ipiPort[v]), v);
    // The guest (PVH: no irqwork IPI, so one own port fewer per VCPU).
    const ownG = own - 1;
    assert.deepEqual(
      [...h.ipiPort.subarray(4, 6)],
      [0, 1].map((v) => 1 + ownG * v + CALLFUNC_SINGLE_PORT),
    );
    for (let v = 0; v < 2; v++) assert.equal(h.abis[1].raise(h.ipiPort[4 + v]), v);
  }
});

/**
 * A FIFO host, not started, of a 2-VCPU dom0 and one 2-VCPU PVH guest with a
 * vif and a vbd (`pcpus`: a pool for the guest's VCPUs, or dedicated CPUs),
 * and its two clients' threads.
 */
function guestHost(pcpus: number | "dedicated" = "dedicated") {
  const s = parseScenario({
    name: "clients",
    duration_ms: 10,
    warmup_ms: 0,
    host: { pcpus, dom0: { vcpus: 2 }, guests: [{ count: 1, kind: "pvh", vcpus: 2 }] },
  }, "clients.json");
  const h = sim(s, "fifo", resolveCosts("default"));
  const client = (kind: "net" | "blk") => {
    for (let d = 0; d < h.devReq.length; d++) {
      if ((h.ringKind[h.devReq[d]] === R_BLK) === (kind === "blk")) return 2 * h.devReq[d];
    }
    throw new Error(`no ${kind} client`);
  };
  return { h, g0: h.vcpuBase[1], g1: h.vcpuBase[1] + 1, net: client("net"), blk: client("blk") };
}

Deno.test("placement: a blocked network client woken from an idle VCPU moves there when its own VCPU is busy, and needs no IPI", () => {
  const { h, g0, g1, net } = guestHost();
  const w = watch(h);
  h.thrU[net] = g0;
  busy(h, g0);
  h.wakeThread(net, true, g1);
  assert.equal(h.thrU[net], g1, "wake_affine_idle takes the waker's idle CPU");
  assert.equal(h.threads.head[g1], net);
  assert.equal(w.sends.length, 0, "a wake-up onto the waker's own CPU sends no IPI");
});

Deno.test("placement: a network client's wake-up is WF_SYNC: a busy waker running one task takes it", () => {
  // Both guest VCPUs busy: the waker runs one task (nr_running 1), the
  // client's previous VCPU two; dom0's VCPUs are idle but not the guest's.
  const { h, g0, g1, net } = guestHost();
  h.thrU[net] = g0;
  busy(h, g0, g1);
  h.threads.push(g0, 30);
  h.wakeThread(net, true, g1);
  assert.equal(h.thrU[net], g1, "sock_def_readable's sync wake-up goes to the waker");
});

Deno.test("placement: a block client stays on the VCPU that maps to its ring, busy or not", () => {
  for (const load of [[], [0], [0, 1]]) {
    const { h, g0, g1, blk } = guestHost();
    h.thrU[blk] = g0;
    busy(h, ...load.map((k) => [g0, g1][k]));
    h.wakeThread(blk, true, g1);
    assert.equal(h.thrU[blk], g0, `busy: ${load}`);
    assert.equal(h.thrWake[blk], 1, "it still pays its wake-up");
  }
});

Deno.test("placement: a guest VCPU preempted in Xen (queued for a physical CPU) is not an idle CPU", () => {
  const { h, g0, g1 } = guestHost(3);
  assert.equal(h.idleCpu(g0), true);
  assert.equal(h.idleCpu(g1), true);
  // One physical CPU for the guest: the second VCPU woken waits in credit2's runqueue.
  h.pool!.wake(0, 0);
  h.pool!.wake(1, 0);
  assert.equal(h.pool!.isRunning(0), true);
  assert.equal(h.pool!.isQueued(1), true);
  assert.equal(h.idleCpu(g0), true, "running with nothing to do: idle");
  assert.equal(h.idleCpu(g1), false, "vcpu_is_preempted: not available");
});
