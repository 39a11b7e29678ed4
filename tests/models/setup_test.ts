// Domain set-up through the hypercall layer (sim/run/setup.ts): limits from
// xen/common/event_channel.h max_evtchns and public/event_channel.h, the FIFO
// draft B init_control failure rules and its review, Linux arch/x86/xen/time.c
// xen_setup_timer (timer priority 0).
import assert from "node:assert/strict";
import { createAbi } from "../../models/registry.ts";
import { DEFAULT_COSTS } from "../../models/costs.ts";
import type { FifoAbi } from "../../models/fifo.ts";
import { parseScenario } from "../../sim/scenario/scenario.ts";
import { setupDomain } from "../../sim/run/setup.ts";

const group = (extra: Record<string, unknown>) => ({
  name: "g",
  arrival: { kind: "poisson", rate_per_s: 1 },
  service: { kind: "const", ns: 1 },
  ...extra,
});
const scenario = (raw: Record<string, unknown>) =>
  parseScenario({ name: "t", ...raw, groups: raw.groups ?? [group({ ports: 4 })] }, "test");
const run = (raw: Record<string, unknown>, id: string) =>
  setupDomain(scenario(raw), (o) => createAbi(id, o), DEFAULT_COSTS);

Deno.test("binding 131071 ports fails exactly as each ABI's limit implies", () => {
  // 2l: 4095 / 1023 usable (event_channel.h); 3l: 262143; FIFO: 131071 (event_channel.h)
  const raw = { groups: [group({ ports: 131071 })] };
  const expected: Record<string, number> = {
    "2l": 4095,
    "2l:32": 1023,
    "3l": 131071,
    "fifo": 131071,
  };
  for (const [id, bound] of Object.entries(expected)) {
    const d = run(raw, id);
    assert.equal(d.groupPorts[0].length, bound, id);
    assert.equal(d.bindFailures, 131071 - bound, id);
    assert.equal(d.groupPorts[0][bound - 1], bound, `${id}: lowest ports first`);
  }
});

Deno.test("FIFO set-up counts init_control, binds and on-demand expand_array calls", () => {
  // Linux events_fifo.c: init_control per VCPU, expand_array when a port needs a page
  const d = run({ guest: { vcpus: 2 }, groups: [group({ ports: 131071 })] }, "fifo");
  assert.equal(d.hypercalls, 2 + 131071 + 128);
  assert.equal(d.abi.sharedBytes(), 128 * 4096 + 2 * 72);
  const d2 = run({ groups: [group({ ports: 10 })] }, "2l");
  assert.equal(d2.hypercalls, 10, "only FIFO-family ABIs call init_control");
});

Deno.test("guest.max_evtchn_port lowers the port limit", () => {
  // XEN_DOMCTL_set_max_evtchn (8ec7763c80); xl max_event_channels default 1023
  const d = run(
    { guest: { vcpus: 1, max_evtchn_port: 1023 }, groups: [group({ ports: 2000 })] },
    "fifo",
  );
  assert.equal(d.groupPorts[0].length, 1023);
  assert.equal(d.bindFailures, 977);
});

Deno.test("a failed init_control offlines the VCPU under the offline policy", () => {
  // FIFO draft B: "If this call fails on any non-boot VCPU ... the guest should offline the VCPU"
  const d = run({
    guest: { vcpus: 4 },
    faults: { init_control_fail_vcpus: [2] },
    init_fail_policy: "offline",
    groups: [group({ ports: 8, vcpu: "spread" })],
  }, "fifo");
  assert.deepEqual([...d.vcpuOnline], [1, 1, 0, 1]);
  assert.equal(d.initControlFailures, 1);
  assert.equal(d.fellBackTo2l, false);
  assert.equal(d.abi.id, "fifo");
  assert.ok(d.groupPorts[0].every((p) => d.portVcpu[p] !== 2), "no port on the offline VCPU");
  assert.equal(d.groupPorts[0].length, 8);
  const p = d.groupPorts[0][2]; // asked for VCPU 2, moved to VCPU 3
  assert.equal(d.portVcpu[p], 3);
  assert.equal(d.abi.raise(p), 3);
});

Deno.test("an offlined VCPU has no per-VCPU ports: its timer is not moved to another VCPU", () => {
  const d = run({
    guest: { vcpus: 4 },
    faults: { init_control_fail_vcpus: [2] },
    init_fail_policy: "offline",
    groups: [group({ name: "timer", ports: 1, vcpu: "each", timer: true })],
  }, "fifo");
  assert.equal(d.groupRequested[0], 3);
  assert.deepEqual([...d.groupPorts[0]].map((p) => d.portVcpu[p]), [0, 1, 3]);
  assert.equal(d.bindFailures, 0);
});

Deno.test("a failed init_control makes the whole domain 2-level under fallback-2l", () => {
  // draft-B review: "we can switch back to use 2-level for all CPUs"
  const d = run({
    guest: { vcpus: 4 },
    faults: { init_control_fail_vcpus: [3] },
    init_fail_policy: "fallback-2l",
  }, "fifo");
  assert.equal(d.fellBackTo2l, true);
  assert.equal(d.abi.id, "2l");
  assert.deepEqual([...d.vcpuOnline], [1, 1, 1, 1]);
  assert.equal(d.hypercalls, 4 + 1 + 4, "3 ok + 1 failed init_control, EVTCHNOP_reset, 4 binds");
  const d32 = run({
    guest: { vcpus: 2, word_bits: 32 },
    faults: { init_control_fail_vcpus: [1] },
    init_fail_policy: "fallback-2l",
  }, "fifo:drain");
  assert.equal(d32.abi.id, "2l:32");
});

Deno.test("a failed init_control on the boot VCPU falls back to 2-level under either policy", () => {
  // FIFO draft B: "If this call fails on the boot VCPU, the guest should continue to use the 2-level ABI"
  const d = run({ guest: { vcpus: 2 }, faults: { init_control_fail_vcpus: [0] } }, "fifo");
  assert.equal(d.fellBackTo2l, true);
  assert.equal(d.abi.id, "2l");
});

Deno.test("timer ports get FIFO priority 0 unless the group gives one", () => {
  // Linux arch/x86/xen/time.c xen_setup_timer: xen_set_irq_priority(XEN_IRQ_PRIORITY_MAX)
  const groups = [
    group({ name: "timer", ports: 1, vcpu: "each", timer: true }),
    group({ name: "t3", ports: 1, timer: true, priority: 3 }),
    group({ name: "net", ports: 2 }),
  ];
  const d = run({ guest: { vcpus: 2 }, groups }, "fifo");
  const fifo = d.abi as FifoAbi;
  const [t0, t1] = d.groupPorts[0];
  assert.equal(fifo.priorityOf(t0), 0);
  assert.equal(fifo.priorityOf(t1), 0);
  assert.equal(d.portPriority[t0], 0);
  assert.equal(fifo.priorityOf(d.groupPorts[1][0]), 3);
  assert.equal(d.portPriority[d.groupPorts[1][0]], 3);
  assert.equal(fifo.priorityOf(d.groupPorts[2][0]), 7);
  assert.equal(d.portVcpu[t1], 1);
});

Deno.test("timer ports are handled first by the 2-level guest", () => {
  // events_2l.c: "Timer interrupt has highest priority"
  const groups = [
    group({ name: "net", ports: 3 }),
    group({ name: "timer", ports: 1, timer: true }),
  ];
  const d = run({ groups }, "2l");
  const timer = d.groupPorts[1][0];
  assert.equal(timer, 4);
  for (const p of [1, 2, 3, 4]) d.abi.raise(p);
  d.abi.beginUpcall(0);
  assert.equal(d.abi.next(0), timer);
  assert.equal(d.portPriority[timer], 0, "the group's priority is kept for metrics");
});
