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

Deno.test("3l resumes inside the start L1 word and visits it twice, the rest once", () => {
  // events_2l.c "Scan start_l1i twice; all others once", lifted [inferred]: the first visit
  // of the start L1 word walks its L2 words upward from the cursor without wrapping; the L2
  // bits below it wait for the second visit, after the other L1 words.
  const abi = setup([5, 100, 200, 5000]);
  abi.raise(100);
  assert.deepEqual(drain(abi), [100]); // cursor (0, 1, 37)
  for (const p of [5, 200, 5000]) abi.raise(p);
  // L1 word 0 from (1, 37): 200; L1 word 1: 5000; L1 word 0 again, L2 word 0: 5
  assert.deepEqual(drain(abi), [200, 5000, 5]);
});

Deno.test("3l keeps cyclic order inside one L1 word when ports are raised behind the scan", () => {
  // Direct trace from the validation fault (the old scan swept the start L1 word a second
  // time from port 0 with a fresh L2 xchg, so it gave 3000, 100, 50, 2500).
  // Cursor at 2001 = (L1 0, L2 31, bit 17); 3000 = (0, 46, 56) and 100 = (0, 1, 36) pending.
  // Pass 1 takes L1 {0}, then L2 word 0 = {1, 46} with xchg: first visit from L2 31 up ->
  // 3000. Now 2500 = (0, 39, 4) and 50 = (0, 0, 50) are raised: L2 bits 39 and 0 go 0->1 in
  // the live selector, L1 bit 0 goes 0->1, upcall_pending is set. The first visit goes on
  // (nothing left above 46), keeping L2 bit 1; no other L1 word; second visit of L1 word 0:
  // the kept bit 1 -> 100 (no second xchg: as in 2-level, a selector word is taken once per
  // pass). Cursor (0, 1, 37). Pass 2 (the upcall loop repeats): L2 word 0 = {0, 39}; from
  // L2 1 up -> 2500; second visit -> 50. This is exactly 2l's order for the same events.
  const run = (abi: ThreeLevelAbi | TwoLevelAbi) => {
    for (const p of [2000, 3000, 100, 2500, 50]) assert.equal(abi.bind(p, 0), 0);
    abi.raise(2000);
    assert.deepEqual(drain(abi), [2000]); // cursor 2001
    abi.raise(3000);
    abi.raise(100);
    const passes: number[][] = [];
    for (let pass = 0; pass < 3; pass++) {
      const out: number[] = [];
      abi.beginUpcall(0);
      for (let p = abi.next(0); p >= 0; p = abi.next(0)) {
        out.push(p);
        abi.ack(p);
        if (p === 3000) {
          abi.raise(2500);
          abi.raise(50);
        }
      }
      passes.push(out);
      if (pass === 0) assert.equal(abi.upcallPending(0), true, "raises behind the scan upcall");
    }
    return passes;
  };
  const expected = [[3000, 100], [2500, 50], []];
  assert.deepEqual(run(new ThreeLevelAbi(opts())), expected);
  assert.deepEqual(run(new TwoLevelAbi(opts())), expected);
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
