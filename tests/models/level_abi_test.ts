// Closing a port in the bitmap ABIs (models/level_abi.ts): Xen's evtchn_free resets the binding
// to VCPU 0 and Linux forgets the VCPU's timer VIRQ port (events_base.c __unbind_from_irq).
import assert from "node:assert/strict";
import { EINVAL } from "../../models/abi.ts";
import { DEFAULT_COSTS } from "../../models/costs.ts";
import { TwoLevelAbi } from "../../models/two_level.ts";
import { ThreeLevelAbi } from "../../models/three_level.ts";
import type { LevelAbi } from "../../models/level_abi.ts";

const make: [string, () => LevelAbi][] = [
  ["2l", () => new TwoLevelAbi({ vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS })],
  ["3l", () => new ThreeLevelAbi({ vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS })],
];

function drain(abi: LevelAbi, v: number): number[] {
  const out: number[] = [];
  abi.beginUpcall(v);
  for (let p = abi.next(v); p >= 0; p = abi.next(v)) {
    out.push(p);
    abi.ack(p);
  }
  return out;
}

for (const [id, create] of make) {
  Deno.test(`${id}: after close a port is out of its old VCPU's mask`, () => {
    // Port 9 on VCPU 1, closed, bound again on VCPU 0; port 8 (same word) stays on VCPU 1.
    const abi = create();
    assert.equal(abi.bind(8, 1), 0);
    assert.equal(abi.bind(9, 1), 0);
    assert.equal(abi.close(9), 0);
    assert.equal(abi.bind(9, 0), 0);
    abi.raise(9);
    abi.raise(8);
    // VCPU 1 scans the word for port 8 and must not find port 9 there.
    assert.deepEqual(drain(abi, 1), [8]);
    assert.deepEqual(drain(abi, 0), [9]);
  });

  Deno.test(`${id}: after close a port is no longer its VCPU's timer port`, () => {
    // Port 9 was VCPU 1's timer VIRQ (checked first by the scan); closed and bound again as an
    // ordinary port of VCPU 1, it is scanned in port order: 8 before 9.
    const abi = create();
    assert.equal(abi.bind(8, 1), 0);
    assert.equal(abi.bind(9, 1), 0);
    abi.setTimerPort(1, 9);
    assert.equal(abi.close(9), 0);
    assert.equal(abi.bind(9, 1), 0);
    abi.raise(9);
    abi.raise(8);
    assert.deepEqual(drain(abi, 1), [8, 9]);
    // Control: as the timer port, 9 comes first.
    const t = create();
    t.bind(8, 1);
    t.bind(9, 1);
    t.setTimerPort(1, 9);
    t.raise(9);
    t.raise(8);
    assert.deepEqual(drain(t, 1), [9, 8]);
  });
}

for (const [id, create] of make) {
  Deno.test(`${id}: bind_vcpu refuses a free port, never bound or closed`, () => {
    // event_channel.c evtchn_bind_vcpu: ECS_FREE -> -EINVAL.
    const abi = create();
    assert.equal(abi.bindVcpu(9, 1), -EINVAL);
    assert.equal(abi.bind(9, 0), 0);
    assert.equal(abi.bindVcpu(9, 1), 0);
    assert.equal(abi.close(9), 0);
    assert.equal(abi.bindVcpu(9, 1), -EINVAL);
  });
}
