import assert from "node:assert/strict";
import { HostSimulation } from "../../../sim/host/host.ts";
import { CLASSES, CLS_IOREQ } from "../../../sim/host/host.ts";
import { hostFigures } from "../../../sim/host/run_host.ts";
import {
  GUEST_BUCKETS,
  GUEST_HIST_REL_ERROR,
  GuestHistograms,
  guestQuantile,
  guestRecord,
} from "../../../sim/host/guest_hist.ts";
import { parseScenario } from "../../../sim/scenario/scenario.ts";
import { createAbi } from "../../../models/registry.ts";
import { resolveCosts } from "../../../models/costs.ts";
import { RandomStream } from "../../../sim/engine/random.ts";

/** A loaded host: two PVH templates (one with two vifs) and an HVM one with emulated I/O. */
function loadedHost(abi: string): { sim: HostSimulation; endNs: number } {
  const s = parseScenario({
    name: "h",
    duration_ms: 20,
    warmup_ms: 2,
    host: {
      dom0: { vcpus: 2 },
      guests: [
        { name: "a", count: 5, vcpus: 2, workload: { kind: "closed", window: 4, think_us: 20 } },
        { name: "b", count: 3, vifs: 2, workload: { kind: "poisson", rate_per_s: 20000 } },
        { name: "c", count: 2, kind: "hvm", ioreq_rate_per_s: 20000 },
      ],
    },
  }, "h.json");
  const sim = new HostSimulation(s, abi, {
    seed: 3,
    replication: 0,
    costs: resolveCosts("default"),
    factory: (o) => createAbi(abi, o),
  });
  sim.start();
  const endNs = 22e6;
  sim.engine.run(endNs, sim);
  return { sim, endNs };
}

const CLASS_OF: Record<string, number> = { net: 0, blk: 1, ioreq: CLS_IOREQ };

for (const abi of ["2l", "fifo"]) {
  Deno.test(`${abi}: a template's per-guest rows add up to its row: requests, notifications, suppressed pushes`, () => {
    const { sim, endNs } = loadedHost(abi);
    const f = hostFigures(sim, endNs);
    const templates = sim.scenario.host!.guests;
    let ioreqRows = 0;
    for (const t of f.guests) {
      const ti = templates.findIndex((x) => x.name === t.template);
      const slot = CLASSES * ti + CLASS_OF[String(t.device)];
      const mine = f.perGuest.filter((r) => r.template === t.template && r.device === t.device);
      if (t.device === "ioreq") ioreqRows += mine.length;
      assert.equal(mine.length, t.guests_started, `${t.template} ${t.device}`);
      const sum = (k: string) => mine.reduce((a, r) => a + Number(r[k]), 0);
      assert.ok(Number(t.requests) > 0);
      assert.equal(sum("requests"), t.requests, `${t.template} ${t.device} requests`);
      assert.equal(sum("notifies"), sim.tplEvents[slot], `${t.template} ${t.device} events`);
      assert.equal(sum("notifies_suppressed"), t.notifies_suppressed);
      // The template's longest round trip (censored) is its longest guest's.
      assert.equal(Math.max(...mine.map((r) => Number(r.rt_max_ns))), t.rt_max_ns);
    }
    assert.equal(ioreqRows, 2, "each HVM guest has an ioreq row");
    // One row per started guest and class, guests in creation order, ports rising with it.
    const guests = f.perGuest.map((r) => Number(r.guest));
    assert.deepEqual(guests, [...guests].sort((a, b) => a - b));
    assert.equal(new Set(guests).size, sim.layout.guestTemplate.length);
    const first = [...new Set(f.perGuest.map((r) => `${r.guest}:${r.first_port}`))]
      .map((k) => Number(k.split(":")[1]));
    for (let i = 1; i < first.length; i++) assert.ok(first[i] > first[i - 1], `${first}`);
  });

  Deno.test(`${abi}: every guest's p99 round trip lies within its template's lowest and longest`, () => {
    const { sim, endNs } = loadedHost(abi);
    const f = hostFigures(sim, endNs);
    const templates = sim.scenario.host!.guests;
    for (const r of f.perGuest) {
      const ti = templates.findIndex((x) => x.name === r.template);
      const h = sim.rt[CLASSES * ti + CLASS_OF[String(r.device)]];
      const t = f.guests.find((x) => x.template === r.template && x.device === r.device)!;
      const p99 = Number(r.rt_p99_ns);
      const what = `guest ${r.guest} ${r.device}: p99 ${p99}`;
      assert.ok(p99 >= h.getValueAtPercentile(0), `${what} below ${h.getValueAtPercentile(0)}`);
      assert.ok(p99 <= Number(t.rt_max_ns), `${what} above ${t.rt_max_ns}`);
      assert.ok(Number(r.rt_p50_ns) <= p99 && p99 <= Number(r.rt_p999_ns));
      assert.ok(Number(r.rt_p999_ns) <= Number(r.rt_max_ns));
    }
  });
}

Deno.test("a guest's mean counts its requests still outstanding at the end with their wait so far", () => {
  const { sim, endNs } = loadedHost("fifo");
  const f = hostFigures(sim, endNs);
  // Device 0 is guest 0's vif: recompute its mean from the issue times.
  let sum = sim.devRt[0], n = sim.devRtN[0];
  for (let k = sim.completed[0]; k < sim.issued[0]; k++) {
    sum += endNs - sim.issueAt[sim.issueOff[0] + k % sim.issueCap[0]];
    n++;
  }
  assert.ok(sim.issued[0] > sim.completed[0], "a request is outstanding at the end");
  const row = f.perGuest.find((r) => r.guest === 0 && r.device === "net")!;
  assert.equal(row.rt_mean_ns, Math.round(sum / n));
  assert.notEqual(row.rt_mean_ns, Math.round(sim.devRt[0] / sim.devRtN[0]));
});

Deno.test("a compact histogram's quantile lies at or above the true one by less than 1/32 of it", () => {
  const rng = RandomStream.derive(11, 0, "guest-hist");
  for (const scale of [50, 3e3, 4e4, 2e6, 7e8, 1e10]) {
    const values: number[] = [];
    const counts = new Uint32Array(GUEST_BUCKETS);
    for (let i = 0; i < 5000; i++) {
      const v = Math.round(rng.exponential(scale));
      values.push(v);
      guestRecord(counts, 0, v);
    }
    values.sort((a, b) => a - b);
    for (const p of [0, 1, 50, 90, 99, 99.9, 100]) {
      const exact = values[Math.max(1, Math.ceil((p / 100) * values.length)) - 1];
      const q = guestQuantile(counts, 0, values.length, p);
      assert.ok(q >= exact, `scale ${scale} p${p}: ${q} < ${exact}`);
      assert.ok(q - exact < Math.max(1, exact * GUEST_HIST_REL_ERROR), `${q} vs ${exact}`);
    }
  }
});

Deno.test("batched per-guest histograms count what counting each value at once counts, across several flushes", () => {
  const rng = RandomStream.derive(12, 0, "guest-hist-batch");
  const slots = 7, n = 30000; // several times the batch
  const direct = new Uint32Array(slots * GUEST_BUCKETS);
  const batched = new GuestHistograms(slots);
  const total = new Array(slots).fill(0);
  for (let i = 0; i < n; i++) {
    const h = rng.int(slots), v = Math.round(rng.exponential(1e5));
    guestRecord(direct, h, v);
    batched.record(h, v);
    total[h]++;
  }
  // A quantile read flushes what is buffered: every count is then in place.
  for (let h = 0; h < slots; h++) {
    for (const p of [50, 99, 100]) {
      assert.equal(batched.quantile(h, total[h], p), guestQuantile(direct, h, total[h], p));
    }
  }
  assert.deepEqual(batched.dense(), direct);
});

Deno.test("per-guest histograms make a block only where a value falls, and keep every count when their pool grows", () => {
  // One value per histogram, all in one block each: one block per histogram.
  const few = new GuestHistograms(5);
  for (let h = 0; h < 5; h++) few.record(h, 1000 + h);
  few.flush();
  assert.equal(few.blocks, 5);
  // Values over every power of two in 40 histograms: more blocks than the
  // first pool holds (64, or two per histogram), so it grows while counting.
  const slots = 40;
  const rng = RandomStream.derive(13, 0, "guest-hist-grow");
  const direct = new Uint32Array(slots * GUEST_BUCKETS);
  const many = new GuestHistograms(slots);
  for (let i = 0; i < 20000; i++) {
    const h = rng.int(slots), v = Math.floor(2 ** (rng.uniform() * 38));
    guestRecord(direct, h, v);
    many.record(h, v);
  }
  assert.deepEqual(many.dense(), direct);
  let used = 0;
  for (let k = 0; k < direct.length; k += 32) {
    if (direct.subarray(k, k + 32).some((c) => c > 0)) used++;
  }
  assert.equal(many.blocks, used);
  assert.ok(used > 2 * 64, `${used} blocks: the pool must have grown`);
});

Deno.test("a per-guest row names the dom0 VCPU its requests notify: VCPU 0 for every device under notify=vcpu0", () => {
  const rowsOf = (notify: string) => {
    const s = parseScenario({
      name: "h",
      duration_ms: 2,
      warmup_ms: 0,
      host: { dom0: { vcpus: 4, notify }, guests: [{ count: 6, vcpus: 2 }] },
    }, "h.json");
    const sim = new HostSimulation(s, "fifo", {
      seed: 1,
      replication: 0,
      costs: resolveCosts("default"),
      factory: (o) => createAbi("fifo", o),
    });
    sim.start();
    sim.engine.run(2e6, sim);
    return { sim, rows: hostFigures(sim, 2e6).perGuest };
  };
  const v0 = rowsOf("vcpu0").rows;
  assert.ok(v0.length > 0);
  assert.ok(v0.every((r) => r.dom0_vcpu === 0));
  // least-loaded: each row's VCPU is its device's request ring's backend port's VCPU.
  const { sim, rows } = rowsOf("least-loaded");
  for (let d = 0; d < sim.devCount; d++) {
    const r = rows.find((x) =>
      x.guest === sim.devGuest[d] &&
      x.device === (sim.devReq[d] === sim.devRsp[d] ? "blk" : "net")
    )!;
    assert.equal(r.dom0_vcpu, sim.ringU0[sim.devReq[d]]);
  }
  assert.ok(new Set(rows.map((r) => r.dom0_vcpu)).size > 1, "spread over dom0's VCPUs");
});
