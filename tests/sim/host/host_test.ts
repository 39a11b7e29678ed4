import assert from "node:assert/strict";
import fc from "fast-check";
import { hostFigures, runHost } from "../../../sim/host/run_host.ts";
import { type HostSimulation, IT_HANDLER } from "../../../sim/host/host.ts";
import { parseScenario, type Scenario } from "../../../sim/scenario/scenario.ts";
import { createAbi } from "../../../models/registry.ts";
import { sim } from "./host_fixture.ts";
import { type Costs, resolveCosts } from "../../../models/costs.ts";

/** Default costs with the ABI models' own per-operation costs set to zero. */
const NO_ABI_COSTS: Costs = resolveCosts({
  preset: "default",
  xen_raise_2l_ns: 0,
  xen_raise_3l_ns: 0,
  xen_raise_fifo_ns: 0,
  cmpxchg_retry_ns: 0,
  remote_line_ns: 0,
  xchg_ns: 0,
  scan_word_ns: 0,
  line_miss_ns: 0,
  bitmap_consume_ns: 0,
  fifo_consume_ns: 0,
  mask_ns: 0,
});

function scenario(host: unknown, extra: Record<string, unknown> = {}): Scenario {
  return parseScenario({ name: "h", duration_ms: 20, warmup_ms: 0, host, ...extra }, "h.json");
}

for (const abi of ["2l", "fifo"]) {
  Deno.test(`${abi}: a block round trip at zero load is the sum of its parts`, () => {
    const s = scenario({
      guests: [{
        count: 1,
        workload: { kind: "closed", window: 1, think_us: 500, devices: "blk" },
      }],
    });
    const h = sim(s, abi, NO_ABI_COSTS);
    h.start();
    h.engine.run(20e6, h);
    const c = NO_ABI_COSTS, k = s.host!.costs;
    // Client writes the request and notifies; dom0's halted VCPU wakes for the
    // upcall; xen_blkif_be_int wakes the ring's kthread, which answers and
    // notifies; the guest's halted VCPU wakes; blkif_interrupt consumes the
    // response and wakes the client, which has it once switched to.
    const expected = k.front_request_ns + c.hypercall_ns + c.wake_ns + c.guest_entry_ns +
      c.dispatch_ns + k.kthread_wake_ns + k.blkback_ns + c.hypercall_ns + c.wake_ns +
      c.guest_entry_ns + c.dispatch_ns + k.front_response_ns + k.client_wake_ns;
    assert.ok(h.devRtN[0] > 10, `round trips ${h.devRtN[0]}`);
    assert.ok(Math.abs(h.devRt[0] / h.devRtN[0] - expected) < 1e-6, `${h.devRt[0] / h.devRtN[0]}`);
  });

  Deno.test(`${abi}: a network ping-pong at zero load is the sum of its parts`, () => {
    const s = scenario({
      guests: [{
        count: 1,
        workload: { kind: "closed", window: 1, think_us: 500, devices: "net" },
      }],
    });
    const h = sim(s, abi, NO_ABI_COSTS);
    h.start();
    h.engine.run(20e6, h);
    const c = NO_ABI_COSTS, k = s.host!.costs;
    // TX request -> NAPI poll (netback TX + dom0 stack) -> TX response and the
    // echo to guest-rx -> RX response. The RX notification reaches the guest
    // while it is still waking for the TX completion (kthread wake + RX copy +
    // hypercall < wake_ns), so one upcall handles both ports: TX gc, then the
    // RX port's NAPI poll, which wakes the client blocked in recv().
    assert.ok(k.kthread_wake_ns + k.netback_rx_ns + c.hypercall_ns < c.wake_ns);
    const expected = k.front_request_ns + c.hypercall_ns + c.wake_ns + c.guest_entry_ns +
      c.dispatch_ns + k.netback_tx_ns + k.stack_ns + c.hypercall_ns + c.wake_ns +
      c.guest_entry_ns + c.dispatch_ns + k.front_response_ns + c.dispatch_ns +
      k.front_response_ns + k.client_wake_ns;
    assert.ok(h.devRtN[0] > 10);
    assert.ok(Math.abs(h.devRt[0] / h.devRtN[0] - expected) < 1e-6, `${h.devRt[0] / h.devRtN[0]}`);
  });
}

for (const abi of ["2l", "fifo"]) {
  Deno.test(`${abi}: a response consumed on another VCPU completes its request when the IPI has woken the client's halted VCPU`, () => {
    const s = scenario({
      guests: [{
        count: 1,
        kind: "pvh",
        vcpus: 2,
        vbds: 0,
        workload: { kind: "closed", window: 1, think_us: 500, devices: "net" },
      }],
    });
    const h = sim(s, abi, NO_ABI_COSTS);
    const d = 0, tx = h.devReq[d], rx = h.devRsp[d];
    // Bound least-loaded in the order TX, RX per queue, a 2-VCPU guest's TX
    // ports (and so its net client) sit on VCPU 0 and its RX ports on VCPU 1.
    assert.notEqual(h.thrU[2 * tx], h.ringUg[rx]);
    const issuedAt: number[] = [], consumed: number[] = [];
    const issue = h.issue.bind(h), complete = h.complete.bind(h);
    h.issue = (dd: number) => {
      issuedAt.push(h.engine.now);
      issue(dd);
    };
    h.complete = (dd: number, u: number) => {
      consumed.push(h.engine.now);
      complete(dd, u);
    };
    h.start();
    h.engine.run(20e6, h);
    const c = NO_ABI_COSTS, n = h.devRtN[d];
    assert.ok(n > 10, `round trips ${n}`);
    // Each round trip runs past the response's consumption on the RX VCPU by
    // the IPI (EVTCHNOP_send), the client's VCPU waking from halt, its
    // upcall and the IPI's handler: then the client is switched to and
    // reads. (A 1-VCPU guest's client is woken where it is: the ping-pong's
    // sum of its parts above.)
    const ipi = c.hypercall_ns + c.wake_ns + c.guest_entry_ns + c.dispatch_ns +
      s.host!.costs.client_wake_ns;
    let sum = 0;
    for (let k = 0; k < n; k++) sum += consumed[k] + ipi - issuedAt[k];
    assert.ok(Math.abs(h.devRt[d] - sum) < 1e-6 * sum, `${h.devRt[d] / n} vs ${sum / n}`);
  });
}

function run(host: unknown, abi = "fifo") {
  const s = scenario(host, { warmup_ms: 2 });
  return runHost(s, abi, {
    seed: 1,
    replication: 0,
    costs: resolveCosts("default"),
    factory: (o) => createAbi(abi, o),
  }, 22e6).summary;
}

Deno.test("a block request at queue depth 1 costs about 2 events (one each way)", () => {
  const x = run({ guests: [{ count: 4, workload: { kind: "closed", devices: "blk" } }] });
  assert.ok(x.requests > 400, `${x.requests}`);
  assert.ok(x.events_per_request > 1.95 && x.events_per_request < 2.05, `${x.events_per_request}`);
});

Deno.test("a network ping-pong costs about 3 events (TX request, TX completion, RX)", () => {
  const x = run({ guests: [{ count: 4, workload: { kind: "closed", devices: "net" } }] });
  assert.ok(x.requests > 400, `${x.requests}`);
  assert.ok(x.events_per_request > 2.9 && x.events_per_request < 3.1, `${x.events_per_request}`);
});

Deno.test("under load a busy backend is hardly ever notified: under 1 event per request in all", () => {
  for (const devices of ["blk", "net"]) {
    const x = run({
      dom0: { vcpus: 1 },
      guests: [{ count: 2, workload: { kind: "closed", window: 32, think_us: 0, devices } }],
    });
    // The backend, busy on dom0's one VCPU, re-arms its event index only
    // when it runs out of requests: pushes into its ring do not notify.
    assert.ok(x.dom0_raised < 0.1 * x.requests, `${devices}: ${x.dom0_raised} / ${x.requests}`);
    assert.ok(x.notifies_suppressed > x.requests / 2, `${devices}: ${x.notifies_suppressed}`);
    // The guests' side batches less (an idle guest takes each response as it
    // comes), but both ways together stay under one event per request.
    assert.ok(x.events_per_request < 0.9, `${devices}: ${x.events_per_request}`);
  }
});

Deno.test("a guest that dom0 cannot bind does not start and is counted", () => {
  const x = run({
    dom0: { vcpus: 8, word_bits: 32 },
    guests: [{ count: 200, kind: "pv", workload: { kind: "closed", think_us: 1000 } }],
  }, "2l");
  assert.equal(x.guests_requested, 200);
  assert.equal(x.guests_started + x.guests_refused, 200);
  assert.equal(x.guests_started, 183);
  assert.equal(x.dom0_ports_bound, 8 * 7 + 50 + 5 * 183);
});

Deno.test("notify vcpu0 takes every backend event on dom0's VCPU 0; least-loaded spreads them", () => {
  const host = (notify: string) => ({
    dom0: { vcpus: 4, notify },
    guests: [{ count: 16, workload: { kind: "closed", think_us: 20, devices: "blk" } }],
  });
  // Per dom0 VCPU: the backend events it handled, and the IPIs (a woken
  // kthread's call-function-single IPI, on the VCPU's own port).
  const handled = (notify: string) => {
    const h = sim(scenario(host(notify), { warmup_ms: 1 }), "fifo", resolveCosts("default"));
    const backend = [0, 0, 0, 0], ipi = [0, 0, 0, 0];
    const begin = h.begin.bind(h);
    h.begin = (u, kind, arg, ctx, ns, ns2) => {
      if (u < 4 && kind === IT_HANDLER) {
        if (arg === h.ipiPort[u]) ipi[u]++;
        else backend[u]++;
      }
      begin(u, kind, arg, ctx, ns, ns2);
    };
    h.start();
    h.engine.run(10e6, h);
    return { backend, ipi };
  };
  const zero = handled("vcpu0");
  const b = zero.backend;
  assert.ok(b[0] > 0 && b[1] === 0 && b[2] === 0 && b[3] === 0, `${b}`);
  // The kthreads VCPU 0 wakes run elsewhere, each woken by an IPI.
  assert.ok(zero.ipi[0] === 0 && zero.ipi[1] + zero.ipi[2] + zero.ipi[3] > 0, `${zero.ipi}`);
  // Linux 5.11's select_target_cpu picks the CPU with the fewest channels:
  // VCPU 0 holds the 50 reserved ports, so the backends go to VCPUs 1-3.
  const s = handled("least-loaded").backend;
  assert.ok(s[0] === 0 && s[1] > 0 && s[2] > 0 && s[3] > 0, `${s}`);
});

/**
 * Per guest device of a built host: the net device's TX and RX queue, or the
 * block device's ring (of `rings`) and its client's guest VCPU, read back
 * from the ports its rings use.
 */
function queuesOf(h: HostSimulation, rings = 1) {
  const L = h.layout;
  const out: {
    guest: number;
    kind: "net" | "blk";
    tx: number;
    rx: number;
    ring: number;
    client: number;
  }[] = [];
  for (let d = 0; d < h.devCount; d++) {
    const g = h.devGuest[d], req = h.devReq[d], rsp = h.devRsp[d];
    const first = L.guestFirst[g];
    const at = (port: number) => L.ports.subarray(first, L.guestFirst[g + 1]).indexOf(port);
    const client = h.thrU[2 * req] - h.vcpuBase[g + 1];
    if (req !== rsp) {
      // Ports 0 and 1 are xenstore and console; then per queue TX, RX (split).
      out.push({
        guest: g,
        kind: "net",
        tx: (at(h.ringPort0[req]) - 2) >> 1,
        rx: (at(h.ringPort0[rsp]) - 2) >> 1,
        ring: -1,
        client,
      });
    } else {
      // The one vbd's ring ports come last (PV and PVH guests have no ioreq ports).
      const ringsFirst = L.guestFirst[g + 1] - first - rings;
      out.push({
        guest: g,
        kind: "blk",
        tx: -1,
        rx: -1,
        ring: at(h.ringPort0[req]) - ringsFirst,
        client,
      });
    }
  }
  return out;
}

Deno.test("netfront hashes each flow to a TX queue and netback its replies to an RX queue of its own", () => {
  // xen-netfront.c xennet_select_queue: skb_get_hash(skb) % num_queues;
  // xen-netback/interface.c xenvif_select_queue (no hash algorithm):
  // netdev_pick_tx() % real_num_tx_queues, under dom0's own hash key.
  const s = scenario({
    guests: [{ count: 200, vcpus: 2, workload: { kind: "closed", devices: "net" } }],
  });
  const net = queuesOf(sim(s, "fifo", resolveCosts("default")));
  assert.equal(net.length, 200);
  const onQ1 = net.filter((x) => x.tx === 1).length;
  const apart = net.filter((x) => x.tx !== x.rx).length;
  // Binomial(200, 1/2): 95% of draws fall within 100 ± 14.
  assert.ok(Math.abs(onQ1 - 100) <= 14, `${onQ1} of 200 flows on TX queue 1`);
  assert.ok(Math.abs(apart - 100) <= 14, `${apart} of 200 replies on another queue`);
  // The same draws under every ABI (common random numbers) and again for the same replication.
  const again = queuesOf(sim(s, "2l", resolveCosts("default")));
  assert.deepEqual(again.map((x) => [x.tx, x.rx]), net.map((x) => [x.tx, x.rx]));
  // One queue (a 1-VCPU guest): always queue 0.
  const one = queuesOf(
    sim(
      scenario({ guests: [{ count: 20, vcpus: 1, workload: { kind: "closed", devices: "net" } }] }),
      "fifo",
      resolveCosts("default"),
    ),
  );
  assert.ok(one.every((x) => x.tx === 0 && x.rx === 0));
});

Deno.test("a guest binds each frontend port on its VCPU with the fewest channels", () => {
  // events_base.c select_target_cpu (Linux 5.11+, the guest's own kernel):
  // xenstore 0, console 1, then TX q0 0, RX q0 1, TX q1 0, RX q1 1, ring 0 0,
  // ring 1 1 on a two-VCPU guest (its own per-VCPU ports are as many on each).
  const s = scenario({ guests: [{ count: 40, vcpus: 2, workload: { kind: "closed" } }] });
  const h = sim(s, "fifo", resolveCosts("default"));
  for (let d = 0; d < h.devCount; d++) {
    const g = h.devGuest[d], req = h.devReq[d], rsp = h.devRsp[d];
    const gv = (r: number) => h.ringUg[r] - h.vcpuBase[g + 1];
    if (req !== rsp) assert.deepEqual([gv(req), gv(rsp)], [0, 1], `guest ${g} net`);
    else {
      // Ring c notifies VCPU c: a block request completes on the VCPU that sent it.
      assert.equal(gv(req), h.thrU[2 * req] - h.vcpuBase[g + 1], `guest ${g} blk`);
    }
  }
});

Deno.test("blk-mq sends a block client's requests down the ring its VCPU maps to", () => {
  // block/blk-mq-cpumap.c blk_mq_map_queues with group_cpus_evenly: with as
  // many rings as VCPUs, CPU c uses ring c; with 4 rings for 8 VCPUs, ring c / 2.
  for (const vcpus of [2, 8]) {
    const s = scenario({
      dom0: { vcpus: 8 },
      guests: [{ count: 100, kind: "pvh", vcpus, workload: { kind: "closed", devices: "blk" } }],
    });
    const rings = Math.min(4, vcpus);
    const blk = queuesOf(sim(s, "fifo", resolveCosts("default")), rings);
    assert.ok(
      blk.every((x) => x.ring === Math.floor(x.client * rings / vcpus)),
      JSON.stringify(blk.slice(0, 4)),
    );
    // The client's VCPU is the guest scheduler's choice: every VCPU gets some.
    const used = new Set(blk.map((x) => x.client));
    assert.equal(used.size, vcpus, `clients on VCPUs ${[...used]}`);
  }
});

Deno.test("a woken backend kthread runs on an idle dom0 VCPU rather than queue behind a busy one", () => {
  const s = scenario({
    dom0: { vcpus: 4, notify: "vcpu0" },
    guests: [{ count: 16, workload: { kind: "closed", think_us: 20, devices: "blk" } }],
  }, { warmup_ms: 1 });
  const h = sim(s, "fifo", resolveCosts("default"));
  h.start();
  h.engine.run(10e6, h);
  const kthread = [0, 1, 2, 3].map((u) => h.busy[u * 4 + 2]); // CTX_KTHREAD
  // Every event lands on VCPU 0 (vcpu0), whose IRQ handler wakes the ring's
  // kthread; it runs on the other, idle VCPUs.
  assert.ok(kthread[1] > 0 && kthread[2] > 0 && kthread[3] > 0, `${kthread}`);
  assert.ok(kthread[0] < kthread[1], `${kthread}`);
});

Deno.test("no request is lost, ring indexes never overrun, and each guest's accounting holds", () => {
  fc.assert(
    fc.property(
      fc.record({
        abi: fc.constantFrom("2l", "fifo", "3l"),
        dom0: fc.integer({ min: 1, max: 4 }),
        count: fc.integer({ min: 1, max: 4 }),
        vcpus: fc.integer({ min: 1, max: 3 }),
        vifs: fc.integer({ min: 0, max: 2 }),
        vbds: fc.integer({ min: 0, max: 2 }),
        split: fc.boolean(),
        closed: fc.boolean(),
        window: fc.integer({ min: 1, max: 256 }),
        think: fc.integer({ min: 0, max: 50 }),
        rate: fc.integer({ min: 1000, max: 400000 }),
        seed: fc.integer({ min: 0, max: 1000 }),
        pool: fc.integer({ min: 0, max: 3 }),
        ioreq: fc.constantFrom(0, 0, 5000, 50000),
      }),
      (p) => {
        const workload = p.closed
          ? { kind: "closed", window: p.window, think_us: p.think }
          : { kind: "poisson", rate_per_s: p.rate };
        const s = scenario({
          pcpus: p.pool === 0 ? "dedicated" : p.dom0 + p.pool,
          dom0: { vcpus: p.dom0 },
          guests: [{
            count: p.count,
            vcpus: p.vcpus,
            vifs: p.vifs,
            vbds: p.vbds,
            split_event_channels: p.split,
            workload,
            kind: p.ioreq > 0 ? "hvm" : "pvh",
            ioreq_rate_per_s: p.ioreq,
          }],
        }, { seed: p.seed });
        const h = sim(s, p.abi, resolveCosts("default"), 2e6);
        const r = h.rings;
        const check = () => {
          for (let k = 0; k < h.ringCount; k++) {
            // Never more requests in flight than slots; consumers never pass producers.
            assert.ok(((r.reqProd(k) - r.rspCons(k)) >>> 0) <= r.size(k));
            assert.ok(((r.reqProd(k) - r.reqCons(k)) >>> 0) <= r.size(k));
            assert.ok(((r.rspProd(k) - r.rspCons(k)) >>> 0) <= r.size(k));
          }
        };
        h.start();
        h.engine.run(Infinity, { handle: (k, a, b) => (h.handle(k, a, b), check()) }, 5e6);
        assert.equal(h.engine.size, 0, "the run drained");
        for (let d = 0; d < h.devCount; d++) {
          assert.equal(h.completed[d], h.issued[d], `device ${d}: every request answered`);
          assert.equal(h.pushed[d], h.issued[d]);
          const req = h.devReq[d], rsp = h.devRsp[d];
          assert.equal(r.reqProd(req), h.pushed[d] >>> 0);
          assert.equal(r.rspCons(rsp), h.completed[d] >>> 0);
          if (req !== rsp) {
            // Every TX request consumed was answered and its echo delivered.
            assert.equal(r.reqCons(req), r.rspProd(rsp));
            assert.equal(h.rxQueued[rsp] + h.rxBatch[rsp], 0);
          }
        }
        // Every VCPU ended idle with nothing left to do, every port unmasked.
        for (let u = 0; u < h.running.length; u++) {
          assert.equal(h.running[u] + h.paused[u] + h.inLoop[u] + h.upcallWanted[u], 0);
          assert.equal(h.ioStall[u] + h.ioQueued[u], 0, `VCPU ${u} still waits for QEMU`);
          assert.equal(h.inSoftirq[u] + h.ksoftirqd[u], 0, `VCPU ${u} still in softirq`);
          for (let l = 3 * u; l < 3 * u + 3; l++) assert.equal(h.polls.head[l], -1);
          assert.equal(h.threads.head[u], -1);
        }
      },
    ),
    { numRuns: 60, seed: 23 },
  );
});

Deno.test("a pool with a CPU for every guest VCPU gives the dedicated figures", () => {
  const guests = [{ count: 6, vcpus: 2, workload: { kind: "closed", think_us: 30 } }];
  const dedicated = run({ dom0: { vcpus: 2 }, guests });
  const pooled = run({ pcpus: 2 + 12, dom0: { vcpus: 2 }, guests });
  assert.equal(pooled.requests, dedicated.requests);
  assert.equal(pooled.rt_mean_ns, dedicated.rt_mean_ns);
  assert.ok(pooled.sched_switches > 0);
});

Deno.test("guests overcommitting their CPU pool wait for the scheduler: round trips grow", () => {
  const guests = [{ count: 12, vcpus: 2, workload: { kind: "closed", think_us: 30 } }];
  const rt = [26, 4, 3].map((pcpus) => run({ pcpus, dom0: { vcpus: 2 }, guests }).rt_mean_ns);
  for (let i = 1; i < rt.length; i++) assert.ok(rt[i] > rt[i - 1], `${rt}`);
});

Deno.test("guests.csv has a row per device class, and dom0.csv per dom0 VCPU adds up to the summary", () => {
  const s = scenario({ guests: [{ count: 6, vcpus: 2 }] }, { warmup_ms: 2 });
  const f = runHost(s, "fifo", {
    seed: 1,
    replication: 0,
    costs: resolveCosts("default"),
    factory: (o) => createAbi("fifo", o),
  }, 22e6);
  const [net, blk] = f.guests;
  assert.deepEqual([net.device, blk.device], ["net", "blk"]);
  assert.ok(Math.abs(Number(net.events_per_request) - 3) < 0.1, `${net.events_per_request}`);
  assert.ok(Math.abs(Number(blk.events_per_request) - 2) < 0.1, `${blk.events_per_request}`);
  assert.equal(Number(net.requests) + Number(blk.requests), f.summary.requests);
  assert.equal(f.dom0.length, 8);
  assert.equal(f.dom0.reduce((a, r) => a + r.ports_bound, 0), f.summary.dom0_ports_bound);
  const handled = f.dom0.reduce((a, r) => a + r.events, 0);
  assert.ok(handled > 0 && handled <= f.summary.delivered);
  const busy = f.dom0.reduce((a, r) => a + r.busy, 0) / 8;
  assert.ok(Math.abs(busy - f.summary.dom0_busy) < 1e-3, `${busy} ${f.summary.dom0_busy}`);
});

Deno.test("kthreads sharing a busy dom0 VCPU take turns: no device class starves", () => {
  const s = scenario({
    dom0: { vcpus: 1 },
    guests: [{ count: 2, workload: { kind: "closed", window: 8, think_us: 0 } }],
  }, { warmup_ms: 2 });
  const f = runHost(s, "fifo", {
    seed: 1,
    replication: 0,
    costs: resolveCosts("default"),
    factory: (o) => createAbi("fifo", o),
  }, 22e6);
  const [net, blk] = f.guests.map((r) => Number(r.requests));
  assert.ok(net > 0.3 * blk && blk > 0.3 * net, `net ${net}, blk ${blk}`);
});

Deno.test("past 2 ms of softirq work the polls go to ksoftirqd, so kthreads queued there still run", () => {
  // 450 guests of 8 ports on 8 dom0 VCPUs (least-loaded): every later guest's
  // TX queue 0 port lands on one VCPU, and the flows hashed to queue 0 (about
  // half) keep its NAPI polls from ever running dry.
  const x = run({
    guests: [{ count: 450, vcpus: 2, workload: { kind: "closed", think_us: 1000 } }],
  });
  assert.ok(x.dom0_busy_max > 0.99, `${x.dom0_busy_max}`);
  assert.ok(x.rt_max_ns < 5e6, `a request waited ${x.rt_max_ns} ns`);
});

Deno.test("a full ring stalls its client and the stalls are counted; an overcommitted pool shows CPU wait", () => {
  const full = run({
    dom0: { vcpus: 1 },
    guests: [{ count: 1, workload: { kind: "closed", window: 64, think_us: 0, devices: "blk" } }],
  });
  assert.ok(full.ring_stalls > 0, `${full.ring_stalls}`); // 64 outstanding on a 32-entry ring
  const roomy = run({
    dom0: { vcpus: 1 },
    guests: [{ count: 1, workload: { kind: "closed", window: 16, think_us: 0, devices: "blk" } }],
  });
  assert.equal(roomy.ring_stalls, 0);
  const guests = [{ count: 12, vcpus: 2, workload: { kind: "closed", think_us: 30 } }];
  const dedicated = run({ dom0: { vcpus: 2 }, guests });
  const crowded = run({ pcpus: 3, dom0: { vcpus: 2 }, guests });
  assert.equal(dedicated.guest_cpu_wait, 0);
  assert.ok(crowded.guest_cpu_wait > 0.01, `${crowded.guest_cpu_wait}`);
});

Deno.test("an HVM ioreq at zero load is the sum of its parts, the VCPU stalled throughout", () => {
  const s = scenario({
    guests: [{
      count: 1,
      kind: "hvm",
      vifs: 0,
      vbds: 0,
      ioreq_rate_per_s: 500,
    }],
  });
  const h = sim(s, "fifo", NO_ABI_COSTS);
  h.start();
  h.engine.run(20e6, h);
  const c = NO_ABI_COSTS, k = s.host!.costs;
  // VM exit and ioreq_send; dom0's halted VCPU wakes for QEMU's port; the
  // evtchn device wakes QEMU, which emulates and answers (EVTCHNOP_send);
  // Xen wakes the VCPU blocked in wait_for_io.
  const expected = c.hypercall_ns + c.wake_ns + c.guest_entry_ns + c.dispatch_ns +
    k.user_wake_ns + k.qemu_ns + c.hypercall_ns + c.wake_ns;
  const f = hostFigures(h, 20e6);
  assert.ok(f.summary.ioreqs > 3, `${f.summary.ioreqs}`);
  assert.ok(
    Math.abs(f.summary.ioreq_rt_mean_ns - expected) <= expected * 1e-3,
    `${f.summary.ioreq_rt_mean_ns} vs ${expected}`,
  );
  assert.equal(f.summary.requests, 0);
});

Deno.test("emulated I/O stalls an HVM guest's VCPU: its ring round trips grow with the ioreq rate", () => {
  const rt = [0, 20000].map((rate) =>
    run({
      guests: [{
        count: 4,
        kind: "hvm",
        vcpus: 1,
        ioreq_rate_per_s: rate,
        workload: { kind: "closed", think_us: 100 },
      }],
    }).rt_mean_ns
  );
  assert.ok(rt[1] > rt[0] * 1.2, `${rt}`);
});

Deno.test("only an HVM guest may have emulated I/O", () => {
  assert.throws(
    () => scenario({ guests: [{ count: 1, kind: "pvh", ioreq_rate_per_s: 10 }] }),
    /host\.guests\.0\.ioreq_rate_per_s/,
  );
});

Deno.test("an overloaded open-loop client's round trips run from each request's own issue time", () => {
  // Poisson requests faster than blkback answers them: outstanding requests
  // pile up past the device's first buffer (16), which grows by doubling.
  const s = scenario({
    dom0: { vcpus: 1 },
    guests: [{ count: 1, vifs: 0, workload: { kind: "poisson", rate_per_s: 2e6 } }],
  });
  const h = sim(s, "fifo", resolveCosts("default"));
  // Independent books: the time of every issue, and the sum of the round trips.
  const issuedAt: number[] = [];
  let sum = 0, n = 0;
  const issue = h.issue.bind(h), complete = h.complete.bind(h);
  h.issue = (d: number) => {
    const before = h.issued[d];
    issue(d);
    if (h.issued[d] > before) issuedAt.push(h.engine.now);
  };
  h.complete = (d: number, u: number) => {
    const t = issuedAt[h.completed[d]];
    complete(d, u);
    sum += h.engine.now - t;
    n++;
  };
  h.start();
  h.engine.run(2e6, h);
  assert.ok(h.issueCap[0] >= 256, `buffer ${h.issueCap[0]}: it grew`);
  assert.ok(h.issued[0] - h.completed[0] > 128, `${h.issued[0] - h.completed[0]} outstanding`);
  assert.equal(h.devRtN[0], n);
  assert.ok(n > 100, `${n} round trips`);
  assert.ok(Math.abs(h.devRt[0] - sum) <= 1e-9 * sum, `${h.devRt[0]} vs ${sum}`);
});
