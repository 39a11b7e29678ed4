// Rules of the hypercall layer: xen/common/event_channel.c (evtchn_allocate_port,
// set_priority), xen/common/event_fifo.c (init_control, expand_array), the FIFO
// draft-B review (set_limit), XEN_DOMCTL_set_max_evtchn (8ec7763c80), Linux
// drivers/xen/events/events_fifo.c evtchn_fifo_setup.
import assert from "node:assert/strict";
import {
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOSPC,
  ENOSYS,
  EOPNOTSUPP,
  type EventChannelAbi,
} from "../../models/abi.ts";
import { DEFAULT_COSTS } from "../../models/costs.ts";
import { FifoAbi } from "../../models/fifo.ts";
import { Domain } from "../../models/hypercalls.ts";
import { ThreeLevelAbi } from "../../models/three_level.ts";
import { TwoLevelAbi } from "../../models/two_level.ts";

const opts = (vcpus = 1) => ({ vcpus, wordBits: 64 as const, costs: DEFAULT_COSTS });
const fifoDomain = (vcpus = 1, o = {}) => new Domain(new FifoAbi(opts(vcpus)), o);

Deno.test("init_control fails with -ENOENT for a bad VCPU", () => {
  // event_fifo.c evtchn_fifo_init_control: domain_vcpu() == NULL
  const d = fifoDomain(2);
  assert.equal(d.initControl(2), -ENOENT);
  assert.equal(d.initControl(-1), -ENOENT);
});

Deno.test("init_control fails with -EINVAL for a misaligned or page-crossing offset", () => {
  // event_fifo.c: "Must not cross page boundary", "Must be 8-bytes aligned"
  const d = fifoDomain();
  assert.equal(d.initControl(0, 4), -EINVAL);
  assert.equal(d.initControl(0, 4096 - 64), -EINVAL);
  assert.equal(d.initControl(0, 4096 - 72), 0);
});

Deno.test("init_control fails with -EINVAL when the control block is already mapped", () => {
  // event_fifo.c map_control_block
  const d = fifoDomain();
  assert.equal(d.initControl(0), 0);
  assert.equal(d.initControl(0), -EINVAL);
});

Deno.test("init_control fails with -ENOMEM when the fault is injected", () => {
  // event_fifo.c setup_control_block: xzalloc failure
  const d = fifoDomain(2, { initControlFailVcpus: [1] });
  assert.equal(d.initControl(0), 0);
  assert.equal(d.initControl(1), -ENOMEM);
});

Deno.test("init_control is not supported by a 2-level-only model", () => {
  // event_channel.c: -EOPNOTSUPP without CONFIG_EVTCHN_FIFO
  const d = new Domain(new TwoLevelAbi(opts()));
  assert.equal(d.initControl(0), -EOPNOTSUPP);
});

Deno.test("expand_array fails with -EOPNOTSUPP before init_control", () => {
  // event_fifo.c evtchn_fifo_expand_array, a66765eb06
  const d = fifoDomain();
  assert.equal(d.expandArray(), -EOPNOTSUPP);
});

Deno.test("expand_array after a failed init_control still fails, as XTF xsa-188 asserts", () => {
  // XTF tests/xsa-188/main.c: init_control with a bad control gfn returns -EINVAL, and
  // a following expand_array must return -ENOSYS or -EOPNOTSUPP (event_fifo.c
  // evtchn_fifo_init_control `goto error` -> evtchn_fifo_destroy; evtchn_fifo_expand_array).
  const d = fifoDomain();
  assert.equal(d.initControl(0, 0, false), -EINVAL);
  const rc = d.expandArray();
  assert.ok(rc === -ENOSYS || rc === -EOPNOTSUPP, `expand_array returned ${rc}`);
  assert.equal(d.pages, 0);
});

Deno.test("expand_array fails with -EINVAL for a bad gfn and -ENOSPC past 128 pages", () => {
  // event_fifo.c map_guest_page -EINVAL; add_page_to_event_array -ENOSPC
  const d = fifoDomain();
  d.initControl(0);
  assert.equal(d.expandArray(false), -EINVAL);
  for (let i = 0; i < 128; i++) assert.equal(d.expandArray(), 0);
  assert.equal(d.expandArray(), -ENOSPC);
  assert.equal(d.pages, 128);
});

Deno.test("expand_array at 128 pages with a bad gfn fails with -ENOSPC, the slot being checked first", () => {
  // event_fifo.c add_page_to_event_array: `slot >= EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES`
  // returns -ENOSPC before map_guest_page looks at the gfn.
  const d = fifoDomain();
  d.initControl(0);
  for (let i = 0; i < 128; i++) d.expandArray();
  assert.equal(d.expandArray(false), -ENOSPC);
});

Deno.test("set_priority fails with -EINVAL for a port with no struct evtchn or a priority above 15", () => {
  // event_channel.c evtchn_set_priority: _evtchn_from_port NULL -> -EINVAL;
  // event_fifo.c evtchn_fifo_set_priority: priority > EVTCHN_FIFO_PRIORITY_MIN -> -EINVAL
  const d = fifoDomain();
  d.initControl(0);
  const p = d.bind(0);
  assert.equal(d.validPorts, 64, "one bucket of 64 ports (EVTCHNS_PER_BUCKET)");
  assert.equal(d.setPriority(64, 3), -EINVAL);
  assert.equal(d.setPriority(p, 16), -EINVAL);
  assert.equal(d.setPriority(p, 15), 0);
});

Deno.test("set_priority on a valid port that is not bound follows _evtchn_from_port", () => {
  // event_channel.c evtchn_set_priority: _evtchn_from_port finds the free port's struct
  // evtchn (port_is_valid: port < d->valid_evtchns), so the call reaches the ABI:
  // FIFO takes it (0, or -EINVAL above 15); 2-level has no hook (-ENOSYS).
  const fifo = new FifoAbi(opts());
  const f = new Domain(fifo);
  f.initControl(0);
  const p = f.bind(0);
  assert.equal(f.setPriority(p + 1, 3), 0, "free but valid: accepted");
  assert.equal(f.setPriority(p + 1, 16), -EINVAL);
  assert.equal(f.bind(0), p + 1);
  fifo.raise(p + 1);
  assert.equal(
    fifo.controlWord(0, 0),
    1 << 7,
    "bound at priority 7 (evtchn_fifo_init): READY bit 7",
  );
  const d = new Domain(new TwoLevelAbi(opts()));
  d.bind(0);
  assert.equal(d.setPriority(5, 0), -ENOSYS);
  assert.equal(d.setPriority(64, 0), -EINVAL);
  // Binding port 100 allocates buckets up to it (evtchn_allocate_port).
  for (let i = 2; i <= 100; i++) d.bind(0);
  assert.equal(d.validPorts, 128);
  assert.equal(d.setPriority(127, 0), -ENOSYS);
});

Deno.test("set_priority is -ENOSYS under the 2-level and 3-level ABIs", () => {
  // event_channel.h evtchn_port_set_priority: no set_priority port op -> -ENOSYS
  for (const abi of [new TwoLevelAbi(opts()), new ThreeLevelAbi(opts())] as EventChannelAbi[]) {
    const d = new Domain(abi);
    const p = d.bind(0);
    assert.equal(d.setPriority(p, 0), -ENOSYS, abi.id);
    assert.equal(d.setPriority(4000, 0), -EINVAL, "a port with no struct evtchn is checked first");
  }
});

Deno.test("bind allocates the lowest free port and reuses a closed one", () => {
  // event_channel.c evtchn_allocate_port: first free port from 0 (port 0 reserved)
  const d = new Domain(new TwoLevelAbi(opts()));
  assert.deepEqual([d.bind(0), d.bind(0), d.bind(0)], [1, 2, 3]);
  assert.equal(d.close(2), 0);
  assert.equal(d.bind(0), 2);
  assert.equal(d.bind(0), 4);
});

Deno.test("bind never reuses a port that is still LINKED", () => {
  // event_channel.c evtchn_allocate_port skips evtchn_is_busy ports, 78e24c269b
  const d = fifoDomain();
  d.initControl(0);
  const p = d.bind(0);
  d.abi.raise(p);
  d.close(p);
  assert.equal(d.bind(0), p + 1, "the LINKED port is skipped");
  d.abi.beginUpcall(0);
  assert.equal(d.abi.next(0), -1, "the guest unlinks and skips it");
  assert.equal(d.bind(0), p);
});

Deno.test("bind fails with -ENOENT for a bad VCPU", () => {
  // event_channel.c evtchn_bind_virq/ipi: domain_vcpu() == NULL
  const d = new Domain(new TwoLevelAbi(opts()));
  assert.equal(d.bind(1), -ENOENT);
});

Deno.test("bind grows the FIFO event array on demand, one expand_array per page", () => {
  // Linux events_fifo.c evtchn_fifo_setup
  const d = fifoDomain();
  d.initControl(0);
  const before = d.hypercalls;
  for (let i = 0; i < 1024; i++) d.bind(0); // ports 1..1024: pages 0 and 1
  assert.equal(d.pages, 2);
  assert.equal(d.hypercalls - before, 1024 + 2);
});

Deno.test("the port limit makes binds above it fail with -ENOSPC", () => {
  // event_channel.c evtchn_allocate_port: port > d->max_evtchn_port -> -ENOSPC
  const d = fifoDomain(1, { maxEvtchnPort: 3 });
  d.initControl(0);
  assert.deepEqual([d.bind(0), d.bind(0), d.bind(0), d.bind(0)], [1, 2, 3, -ENOSPC]);
});

Deno.test("shrinking the limit leaves ports already bound working", () => {
  // draft B EVTCHNOP_set_limit: "Event channels that are already bound are not affected"
  const d = new Domain(new TwoLevelAbi(opts()));
  for (let i = 0; i < 10; i++) d.bind(0);
  assert.equal(d.setLimit(4), 0);
  assert.equal(d.bind(0), -ENOSPC);
  assert.equal(d.abi.raise(9), 0, "port 9, above the new limit, still delivers");
  d.abi.beginUpcall(0);
  assert.equal(d.abi.next(0), 9);
  assert.equal(d.close(3), 0);
  assert.equal(d.bind(0), 3, "a freed port under the limit is reusable");
});

Deno.test("the limit defaults to the ABI maximum", () => {
  // as for dom0
  assert.equal(new Domain(new TwoLevelAbi(opts())).maxPort, 4095);
  assert.equal(fifoDomain().maxPort, 131071);
  assert.equal(fifoDomain(1, { maxEvtchnPort: 1023 }).maxPort, 1023);
});

Deno.test("bind_vcpu checks the VCPU before the port", () => {
  // event_channel.c evtchn_bind_vcpu: domain_vcpu() == NULL -> -ENOENT before
  // _evtchn_from_port / the state switch -> -EINVAL
  for (const abi of [new FifoAbi(opts(2)), new TwoLevelAbi(opts(2))] as EventChannelAbi[]) {
    const d = new Domain(abi);
    d.initControl(0);
    d.initControl(1);
    const p = d.bind(0);
    assert.equal(d.bindVcpu(p + 1, 2), -ENOENT, `${abi.id}: bad port and bad VCPU`);
    assert.equal(d.bindVcpu(p + 1, 1), -EINVAL, abi.id);
    assert.equal(abi.bindVcpu(p + 1, 2), -ENOENT, `${abi.id}: the model checks in the same order`);
  }
});

Deno.test("bind_vcpu, close and unmask fail with -EINVAL for a port not bound", () => {
  // event_channel.c: port_is_valid / state checks
  const d = fifoDomain(2);
  d.initControl(0);
  d.initControl(1);
  const p = d.bind(0);
  assert.equal(d.bindVcpu(p + 1, 1), -EINVAL);
  assert.equal(d.bindVcpu(p, 2), -ENOENT);
  assert.equal(d.bindVcpu(p, 1), 0);
  assert.equal(d.close(p + 1), -EINVAL);
  assert.equal(d.unmask(p + 1), -EINVAL);
  d.abi.mask(p);
  d.abi.raise(p);
  assert.equal(d.unmask(p), 0);
  assert.equal(d.upcallVcpu, 1, "relinked on the new notify VCPU");
});

Deno.test("the domain counts every hypercall", () => {
  // hypercalls are counted
  const d = fifoDomain(2);
  d.initControl(0);
  d.initControl(1);
  const p = d.bind(0); // bind + expand_array
  d.setPriority(p, 0);
  d.bindVcpu(p, 1);
  d.unmask(p);
  d.close(p);
  d.setLimit(100);
  assert.equal(d.hypercalls, 9);
});

Deno.test("a domain's per-port bound flags grow with its struct evtchn buckets", () => {
  // evtchn_allocate_port adds EVTCHNS_PER_BUCKET ports at a time up to the port it allocates.
  const d = fifoDomain();
  d.initControl(0);
  assert.equal(d.bound.length, 64, "one bucket at domain creation (evtchn_init)");
  const ports: number[] = [];
  for (let i = 0; i < 100; i++) ports.push(d.bind(0));
  assert.deepEqual([ports[0], ports[99]], [1, 100], "lowest free ports, in order");
  assert.equal(d.bound.length, 128);
  assert.equal(d.validPorts, 128);
  assert.equal(d.close(1), 0);
  assert.equal(d.bind(0), 1, "a closed port is reused first");
  assert.equal(d.unmask(128), -EINVAL, "a port above every bucket is not bound");
  assert.equal(d.unmask(100), 0);
});
