import assert from "node:assert/strict";
import {
  allocateHost,
  guestPortCost,
  ownPortsPerVcpu,
  PK_BLK,
  PK_NET_RX,
  PK_NET_TX,
} from "../../../sim/host/ports.ts";
import { Domain } from "../../../models/hypercalls.ts";
import { createAbi } from "../../../models/registry.ts";
import { DEFAULT_COSTS } from "../../../models/costs.ts";
import { parseScenario } from "../../../sim/scenario/scenario.ts";

function dom0(abi: string, vcpus: number, wordBits: 32 | 64): Domain {
  const d = new Domain(createAbi(abi, { vcpus, wordBits, costs: DEFAULT_COSTS }));
  if (d.isFifo) { for (let v = 0; v < vcpus; v++) d.initControl(v); }
  return d;
}

const pvh = { kind: "pvh", vifs: 1, vbds: 1, split_event_channels: true } as const;

Deno.test("a 1-VCPU PV guest with one vif and one vbd costs dom0 5 ports", () => {
  assert.equal(guestPortCost({ ...pvh, kind: "pv", vcpus: 1 }, 8).total, 5);
});

Deno.test("a 2-VCPU PVH guest costs dom0 8 ports: two net queues of two ports, two blk rings", () => {
  const c = guestPortCost({ ...pvh, vcpus: 2 }, 8);
  assert.deepEqual([c.netQueues, c.net, c.blkRings, c.blk, c.ioreq, c.total], [2, 4, 2, 2, 0, 8]);
});

Deno.test("a 4-VCPU HVM guest costs dom0 19 ports, five of them QEMU's ioreq ports", () => {
  const c = guestPortCost({ ...pvh, kind: "hvm", vcpus: 4 }, 8);
  assert.deepEqual([c.ioreq, c.total], [5, 19]);
});

Deno.test("an 8-VCPU HVM guest with 2 vifs costs dom0 47 ports", () => {
  assert.equal(guestPortCost({ ...pvh, kind: "hvm", vcpus: 8, vifs: 2 }, 8).total, 47);
});

Deno.test("queues and rings are capped by dom0's VCPUs and by 8 and 4", () => {
  const c = guestPortCost({ ...pvh, vcpus: 16 }, 2);
  assert.deepEqual([c.netQueues, c.blkRings], [2, 2]);
  const d = guestPortCost({ ...pvh, vcpus: 16 }, 32);
  assert.deepEqual([d.netQueues, d.blkRings], [8, 4]);
});

Deno.test("without split event channels a net queue costs one port", () => {
  assert.equal(guestPortCost({ ...pvh, vcpus: 2, split_event_channels: false }, 8).net, 2);
});

Deno.test("a PV domain binds 6 ports per VCPU under FIFO and 7 under 2-level", () => {
  assert.deepEqual([ownPortsPerVcpu("pv", true), ownPortsPerVcpu("pv", false)], [6, 7]);
  assert.deepEqual([ownPortsPerVcpu("hvm", true), ownPortsPerVcpu("hvm", false)], [5, 6]);
});

Deno.test("a 32-bit 2-level dom0 hosts about 180 one-vif one-vbd guests (xen-devel 2013)", () => {
  const d = dom0("2l", 8, 32);
  const l = allocateHost({
    dom0: { vcpus: 8, reserved_ports: 50 },
    guests: [{ count: 400, vcpus: 1, ...pvh, kind: "pv" }],
  }, d);
  assert.ok(l.started[0] >= 170 && l.started[0] <= 195, `started ${l.started[0]}`);
  assert.equal(l.started[0] + l.refused[0], 400);
  assert.equal(l.bound, 8 * 7 + 50 + 5 * l.started[0]);
  assert.ok(l.bound <= 1023 && l.bound + 5 > 1023);
});

Deno.test("a 64-bit 2-level dom0 hosts typical guests within the Xen 4.4 feature list's 300-500", () => {
  const d = dom0("2l", 16, 64);
  const l = allocateHost({
    dom0: { vcpus: 16, reserved_ports: 50 },
    guests: [{ count: 1000, vcpus: 2, ...pvh }],
  }, d);
  assert.ok(l.started[0] >= 300 && l.started[0] <= 500, `started ${l.started[0]}`);
});

Deno.test("under FIFO the port limit does not refuse a thousand 8-port guests", () => {
  const d = dom0("fifo", 8, 64);
  const l = allocateHost({
    dom0: { vcpus: 8, reserved_ports: 50 },
    guests: [{ count: 1000, vcpus: 2, ...pvh }],
  }, d);
  assert.deepEqual([l.started[0], l.refused[0], l.dom0OwnPorts], [1000, 0, 8 * 6 + 50]);
  assert.equal(l.bound, 98 + 8000);
});

Deno.test("ports are allocated lowest-free in guest creation order", () => {
  const d = dom0("2l", 2, 64);
  const l = allocateHost({
    dom0: { vcpus: 2, reserved_ports: 3 },
    guests: [{ count: 3, vcpus: 1, ...pvh }],
  }, d);
  const own = 2 * 7 + 3;
  assert.deepEqual(Array.from(l.ports), Array.from({ length: 15 }, (_, i) => own + 1 + i));
  assert.deepEqual(Array.from(l.guestFirst), [0, 5, 10, 15]);
  assert.deepEqual(Array.from(l.kinds.subarray(0, 5)).slice(2), [PK_NET_TX, PK_NET_RX, PK_BLK]);
});

Deno.test("a refused guest's ports are freed and a smaller later guest still fits", () => {
  // 63 usable ports under a max_evtchn_port of 63.
  const abi = createAbi("2l", { vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
  const d = new Domain(abi, { maxEvtchnPort: 63 });
  const l = allocateHost({
    dom0: { vcpus: 1, reserved_ports: 50 }, // 57 own ports, 6 left
    guests: [
      { count: 1, vcpus: 1, ...pvh, kind: "hvm" }, // 7 ports: refused
      { count: 1, vcpus: 1, ...pvh }, // 5 ports: fits
    ],
  }, d);
  assert.deepEqual([l.started, l.refused], [[0, 1], [1, 0]]);
  assert.deepEqual(Array.from(l.ports), [58, 59, 60, 61, 62]);
});

Deno.test("least-loaded spreads backend ports over dom0's VCPUs; vcpu0 puts them all on VCPU 0", () => {
  const host = { dom0: { vcpus: 4, reserved_ports: 0 }, guests: [{ count: 8, vcpus: 1, ...pvh }] };
  const spread = allocateHost(host, dom0("fifo", 4, 64), "least-loaded");
  assert.deepEqual(Array.from(spread.channelsOnCpu), [16, 16, 16, 16]);
  const zero = allocateHost(host, dom0("fifo", 4, 64), "vcpu0");
  assert.deepEqual(Array.from(zero.channelsOnCpu), [6 + 40, 6, 6, 6]);
});

Deno.test("a host scenario needs no groups and fills every guest-template default", () => {
  const s = parseScenario({ name: "h", host: { guests: [{ count: 3 }] } }, "h.json");
  assert.deepEqual(s.groups, []);
  const t = s.host!.guests[0];
  assert.deepEqual([t.kind, t.vcpus, t.vifs, t.vbds, t.workload.kind, t.hz], [
    "pvh",
    1,
    1,
    1,
    "closed",
    250,
  ]);
  assert.deepEqual(s.host!.dom0, {
    vcpus: 8,
    word_bits: 64,
    notify: "least-loaded",
    reserved_ports: 50,
    hz: 250,
  });
});

Deno.test("a scenario with neither groups nor a host is refused, naming groups", () => {
  assert.throws(() => parseScenario({ name: "h" }, "h.json"), /groups/);
  assert.throws(
    () => parseScenario({ name: "h", host: { guests: [{ count: 1, kind: "xen" }] } }, "h.json"),
    /host\.guests\.0\.kind/,
  );
  assert.throws(
    () => parseScenario({ name: "h", host: { dom0: { hz: 0 }, guests: [{ count: 1 }] } }, "h.json"),
    /host\.dom0\.hz/,
  );
});
