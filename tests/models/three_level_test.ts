// Rules of Wei Liu's 3-level ABI proposal (xen-devel 2013-01..03: V1 cover
// letter, V4 18/18 limits, V5 00/15 structure); where the proposal is
// undocumented the model generalises drivers/xen/events/events_2l.c (see
// models/three_level.ts for the assumptions).
import assert from "node:assert/strict";
import { ENOSYS, RAISE_COALESCED, RAISE_NEW } from "../../models/abi.ts";
import { DEFAULT_COSTS, ZERO_COSTS } from "../../models/costs.ts";
import { ThreeLevelAbi } from "../../models/three_level.ts";
import { TwoLevelAbi } from "../../models/two_level.ts";

const opts = (vcpus = 1, wordBits: 32 | 64 = 64) => ({ vcpus, wordBits, costs: DEFAULT_COSTS });

function drain(abi: ThreeLevelAbi | TwoLevelAbi, v = 0): number[] {
  const out: number[] = [];
  abi.beginUpcall(v);
  for (let p = abi.next(v); p >= 0; p = abi.next(v)) {
    out.push(p);
    abi.ack(p);
  }
  return out;
}

function setup(ports: number[]): ThreeLevelAbi {
  const abi = new ThreeLevelAbi(opts());
  for (const p of ports) assert.equal(abi.bind(p, 0), 0);
  return abi;
}

Deno.test("3l has 262144 ports on 64-bit guests and 32768 on 32-bit ones", () => {
  // V4 18/18 libxl doc: "32K event channels for 32 bits guest and 256K ... for 64 bits guest"
  assert.equal(new ThreeLevelAbi(opts()).maxPorts, 262144);
  assert.equal(new ThreeLevelAbi(opts(), "3l:32").maxPorts, 32768);
  const abi = new ThreeLevelAbi(opts(1, 32));
  assert.equal(abi.bind(32767, 0), 0);
  assert.ok(abi.bind(32768, 0) < 0);
});

Deno.test("3l coalesces a raise on a port that is already pending", () => {
  // generalises event_2l.c evtchn_2l_set_pending: test_and_set pending
  const abi = setup([100000]);
  assert.equal(abi.raise(100000), 0);
  assert.equal(abi.raise(100000), -1);
  assert.equal(abi.outcome, RAISE_COALESCED);
  assert.deepEqual(drain(abi), [100000]);
});

Deno.test("3l upcalls only when the L2 and then the L1 selector bit go 0 to 1", () => {
  // [inferred] the 2-level selector edge filter, one level per selector
  const abi = setup([1, 2, 70, 5000]);
  assert.equal(abi.raise(1), 0);
  abi.upcall[0] = 0; // pretend the upcall was taken but the selectors not yet
  assert.equal(abi.raise(2), -1, "same L3 word: L2 bit already set");
  assert.equal(abi.upcallPending(0), false);
  assert.equal(abi.raise(70), -1, "new L2 bit, same L1 bit: L1 already set");
  assert.equal(abi.upcallPending(0), false);
  assert.equal(abi.raise(5000), 0, "new L2 and L1 bits");
  assert.equal(abi.outcome, RAISE_NEW);
});

Deno.test("3l scans by port number across all three levels with the timer first", () => {
  // [inferred] events_2l.c loop lifted one level; "Timer interrupt has highest priority"
  const ports = [250000, 5000, 9, 70, 4095, 4096, 131072];
  const abi = setup([...ports, 3]);
  abi.setTimerPort(0, 131072);
  for (const p of ports) abi.raise(p);
  assert.deepEqual(drain(abi), [131072, 9, 70, 4095, 4096, 5000, 250000]);
});

Deno.test("3l resumes after the last port handled, carrying the cursor into L1", () => {
  // events_2l.c "Next caller starts at last processed + 1", carried across levels
  const abi = setup([10, 4095, 5000]);
  abi.raise(4095);
  assert.deepEqual(drain(abi), [4095]); // cursor (1, 0, 0)
  abi.raise(10);
  abi.raise(5000);
  assert.deepEqual(drain(abi), [5000, 10]);
});

Deno.test("3l resumes inside the start L1 word and wraps within its L2 snapshot", () => {
  // events_2l.c "Scan start_l1i twice", applied at both levels
  const abi = setup([5, 100, 200, 5000]);
  abi.raise(100);
  assert.deepEqual(drain(abi), [100]); // cursor (0, 1, 37)
  for (const p of [5, 200, 5000]) abi.raise(p);
  // L1 word 0 from (1, 37): 200, then wraps inside its L2 snapshot: 5; then L1 word 1: 5000
  assert.deepEqual(drain(abi), [200, 5, 5000]);
});

Deno.test("3l gives the same order as 2l for ports below 4096 from a fresh cursor", () => {
  // [inferred] "more or less the same as 2-level" (V1 cover letter)
  const ports = [4000, 1, 64, 63, 640, 2048];
  const a3 = setup(ports);
  const a2 = new TwoLevelAbi(opts());
  for (const p of ports) a2.bind(p, 0);
  for (const p of ports) {
    a3.raise(p);
    a2.raise(p);
  }
  assert.deepEqual(drain(a3), drain(a2));
});

Deno.test("3l has no priorities", () => {
  // [inferred] no set_priority hook, as 2-level: -ENOSYS
  const abi = setup([8]);
  assert.equal(abi.setPriority(8, 0), -ENOSYS);
});

Deno.test("3l scanning cost grows with the selector words and pending words examined", () => {
  // cost model (models/level_abi.ts): scan_word_ns per word examined, xchg per L2 word
  const costs = { ...ZERO_COSTS, scan_word_ns: 1 };
  const run = (ports: number[]) => {
    const abi = new ThreeLevelAbi({ vcpus: 1, wordBits: 64, costs });
    for (const p of ports) abi.bind(p, 0);
    for (const p of ports) abi.raise(p);
    abi.beginUpcall(0);
    let total = 0;
    for (let p = abi.next(0); p >= 0; p = abi.next(0)) total += abi.cost;
    return total + abi.cost;
  };
  assert.ok(run([4096, 40960, 81920, 204800]) > run([1, 2, 3, 4]));
});

Deno.test("3l sharedBytes is the L3 bitmaps plus the per-VCPU L1 and L2 selectors", () => {
  // 64-bit: 2 x 32 KiB (8 pages each) + per VCPU 16 B vcpu_info fields + 512 B L2
  assert.equal(new ThreeLevelAbi(opts(1)).sharedBytes(), 65536 + 16 + 512);
  // 32-bit: 2 x 4 KiB (1 page each) + per VCPU 8 B + 128 B
  assert.equal(new ThreeLevelAbi(opts(4, 32)).sharedBytes(), 8192 + 4 * (8 + 128));
});
