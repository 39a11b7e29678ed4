// Rules of Wei Liu's 3-level ABI proposal (xen-devel 2013-01..03: V1 cover
// letter, V4 18/18 limits, V5 00/15 structure); where the proposal is
// undocumented the model generalises drivers/xen/events/events_2l.c (see
// models/three_level.ts for the assumptions).
import assert from "node:assert/strict";
import { EBUSY, ENOSPC, ENOSYS, RAISE_COALESCED, RAISE_NEW } from "../../models/abi.ts";
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

Deno.test("3l handles the timer VIRQ before it takes the L1 selector, as the 2-level loop does", () => {
  // events_2l.c evtchn_2l_handle_events: timer first, then the selector xchg; the
  // lifted 3-level loop keeps that order [inferred].
  const abi = setup([5000, 131072]);
  abi.setTimerPort(0, 131072);
  abi.raise(131072);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), 131072);
  abi.ack(131072);
  abi.raise(5000);
  assert.equal(abi.next(0), 5000, "raised during the timer handler, found in the same pass");
  abi.ack(5000);
  assert.equal(abi.next(0), -1);
});

Deno.test("3l bind gives -ENOSPC above the limit and -EBUSY for a port not free", () => {
  // event_channel.c evtchn_allocate_port -ENOSPC / -EBUSY, as under 2-level
  const abi = new ThreeLevelAbi(opts());
  assert.equal(abi.bind(262144, 0), -ENOSPC);
  assert.equal(abi.bind(0, 0), -EBUSY);
  assert.equal(abi.bind(200000, 0), 0);
  assert.equal(abi.bind(200000, 0), -EBUSY);
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

/** The cost of each next() call of one pass over `ports` (raised in that order), ending with -1. */
function passCosts(abi: ThreeLevelAbi | TwoLevelAbi, ports: number[]): number[] {
  for (const p of ports) abi.bind(p, 0);
  for (const p of ports) abi.raise(p);
  abi.beginUpcall(0);
  const costs: number[] = [];
  for (;;) {
    const p = abi.next(0);
    costs.push(abi.cost);
    if (p < 0) return costs;
    abi.ack(p);
  }
}

Deno.test("3l scan cost is scan_word_ns per word examined: L1 selector, L2 selector, pending word", () => {
  // Only scanning and consuming cost anything here; a fresh cursor starts at L1 word 0.
  const costs = { ...ZERO_COSTS, scan_word_ns: 7, bitmap_consume_ns: 100 };
  const port3 = (l1: number, l2: number, bit: number) => (l1 * 64 + l2) * 64 + bit;
  // Ports in three L1 words other than the start one: each is found by searching the L1
  // snapshot, the L2 snapshot and reading its pending word (3 words); the final call finds
  // both snapshots empty, which costs no word.
  const spread = [port3(1, 2, 5), port3(3, 0, 9), port3(5, 63, 63)];
  assert.deepEqual(
    passCosts(new ThreeLevelAbi({ vcpus: 1, wordBits: 64, costs }), spread),
    [3 * 7 + 100, 3 * 7 + 100, 3 * 7 + 100, 0],
  );
  // A second port in a pending word already read costs no further word.
  const same = [port3(1, 2, 5), port3(1, 2, 9)];
  assert.deepEqual(
    passCosts(new ThreeLevelAbi({ vcpus: 1, wordBits: 64, costs }), same),
    [3 * 7 + 100, 100, 0],
  );
  // 2-level has one selector level fewer: 2 words per port (selector, pending word).
  assert.deepEqual(
    passCosts(new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs }), [64 * 2 + 5, 64 * 7 + 1]),
    [2 * 7 + 100, 2 * 7 + 100, 0],
  );
});

Deno.test("3l sharedBytes is the L3 bitmaps plus the per-VCPU L1 and L2 selectors", () => {
  // 64-bit: 2 x 32 KiB (8 pages each) + per VCPU 16 B vcpu_info fields + 512 B L2
  assert.equal(new ThreeLevelAbi(opts(1)).sharedBytes(), 65536 + 16 + 512);
  // 32-bit: 2 x 4 KiB (1 page each) + per VCPU 8 B + 128 B
  assert.equal(new ThreeLevelAbi(opts(4, 32)).sharedBytes(), 8192 + 4 * (8 + 128));
});

/** Shared state of the reference: Xen's and the guest's view, as plain values. */
interface Ref3 {
  W: number;
  /** The per-VCPU L1 selector. */
  sel1: bigint;
  /** The per-VCPU L2 selector, one W-bit word per L1 bit. */
  sel2: bigint[];
  /** L3 pending and mask bitmaps, one entry per port. */
  pend: boolean[];
  mask: boolean[];
  /** The persistent cursor (L1 index, L2 index, bit index). */
  cur: { l1: number; l2: number; bit: number };
}

function newRef(W: number): Ref3 {
  const N = W * W * W;
  return {
    W,
    sel1: 0n,
    sel2: new Array<bigint>(W).fill(0n),
    pend: new Array<boolean>(N).fill(false),
    mask: new Array<boolean>(N).fill(false),
    cur: { l1: 0, l2: 0, bit: 0 },
  };
}

/** Xen raise, generalising evtchn_2l_set_pending: L3 pending, then L2 and L1 bits 0->1. */
function refRaise(r: Ref3, port: number): void {
  if (r.pend[port]) return;
  r.pend[port] = true;
  if (r.mask[port]) return;
  const leaf = Math.floor(port / r.W);
  const l1 = Math.floor(leaf / r.W);
  const b2 = 1n << BigInt(leaf % r.W);
  if (r.sel2[l1] & b2) return;
  r.sel2[l1] |= b2;
  r.sel1 |= 1n << BigInt(l1);
}

/**
 * The reference 3-level guest pass: Linux's evtchn_2l_handle_events lifted one
 * level, written as a plain loop (not resumable). `onHandle` runs after each
 * port is handled and acked, and may raise more (mid-pass) events. Returns the
 * ports handled.
 *
 * Linux 2-level: pending_words = xchg(selector); round-robin over its bits
 * from the cursor word (wrap to 0 when none is left); the start word's first
 * visit scans from the start bit up, its second visit the whole word; every
 * other word once; each word's bits are read live once per visit and scanned
 * upward until bit_idx wraps; cursor = last handled + 1.
 *
 * Lifted [inferred]: the L1 loop is that round-robin loop. The body of one L1
 * word takes its L2 word with xchg (once per pass) and walks its L2 bits
 * upward without wrapping, each L2 bit naming a pending word scanned as the
 * 2-level bit loop scans one. On the start L1 word's first visit the L2 walk
 * starts at the cursor's L2 word (that pending word from the cursor's bit)
 * and the L2 bits it leaves (below the start L2 word, plus the start L2 word)
 * are kept for the second visit, which walks them from 0 with no new xchg.
 */
function refScan3(r: Ref3, onHandle: (port: number) => void): number[] {
  const W = r.W;
  const N = W * W * W;
  const firstFrom = (x: bigint, from: number) => {
    for (let i = from; i < W; i++) if ((x >> BigInt(i)) & 1n) return i;
    return -1;
  };
  const out: number[] = [];
  const s1 = r.cur.l1;
  const s2 = r.cur.l2;
  const sb = r.cur.bit;
  let l1words = r.sel1; // xchg(L1 selector, 0)
  r.sel1 = 0n;
  let kept = 0n;
  let l1 = s1;
  for (let i = 0; l1words !== 0n; i++) {
    const w1 = firstFrom(l1words, l1);
    if (w1 < 0) {
      l1 = 0; // "If we masked out all events, wrap to beginning."
      continue;
    }
    l1 = w1;
    const first = l1 === s1 && i === 0;
    let l2words: bigint;
    if (l1 === s1 && i !== 0) {
      l2words = kept; // second visit of the start L1 word
    } else {
      l2words = r.sel2[l1]; // xchg(L2 selector word, 0)
      r.sel2[l1] = 0n;
    }
    let l2 = first ? s2 : 0;
    while (l2 < W) {
      const w2 = firstFrom(l2words, l2);
      if (w2 < 0) break;
      l2 = w2;
      const startWord = first && l2 === s2;
      // active_evtchns: pending & ~mask, read live once per visit (all ports on this VCPU)
      let bits = 0n;
      for (let b = 0; b < W; b++) {
        const p = (l1 * W + l2) * W + b;
        if (r.pend[p] && !r.mask[p]) bits |= 1n << BigInt(b);
      }
      let bit = startWord ? sb : 0;
      do {
        const x = firstFrom(bits, bit);
        if (x < 0) break;
        const port = (l1 * W + l2) * W + x;
        out.push(port);
        r.pend[port] = false; // ack
        // "Next caller starts at last processed + 1", carried through all three indices
        const nextPort = (port + 1) % N;
        r.cur = {
          l1: Math.floor(nextPort / (W * W)),
          l2: Math.floor(nextPort / W) % W,
          bit: nextPort % W,
        };
        onHandle(port);
        bit = (x + 1) % W;
      } while (bit !== 0);
      if (!startWord) l2words &= ~(1n << BigInt(l2)); // the start pending word: twice
      l2++;
    }
    if (first) kept = l2words; // the start L1 word: twice
    else l1words &= ~(1n << BigInt(l1));
    l1 = (l1 + 1) % W;
  }
  return out;
}

/** A deterministic generator (same LCG as two_level_test). */
function lcg(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

/**
 * Random trial ports for word size W: most in one L1 word (many in a few
 * neighbouring pending words), some anywhere, plus the word and L1 boundaries
 * where the cursor carries.
 */
function trialPorts(W: number, rnd: (n: number) => number): number[] {
  const N = W * W * W;
  const set = new Set<number>();
  const c1 = rnd(W);
  const c2 = rnd(W);
  for (let j = 0; j < 80; j++) set.add((c1 * W + rnd(W)) * W + rnd(W));
  for (let j = 0; j < 40; j++) set.add((c1 * W + ((c2 + rnd(3)) % W)) * W + rnd(W));
  for (let j = 0; j < 40; j++) set.add(rnd(N));
  for (const p of [W - 1, W, W * W - 1, W * W, c1 * W * W, c1 * W * W + W * W - 1, N - 1]) {
    set.add(p);
  }
  set.delete(0);
  return [...set];
}

Deno.test("3l next yields the same port sequence as the lifted Linux loop", () => {
  // events_2l.c evtchn_2l_handle_events lifted one level [inferred], as a plain loop oracle,
  // on random states with masked ports and events raised while the pass runs.
  const rnd = lcg(2024);
  for (const W of [32, 64] as const) {
    for (let trial = 0; trial < 60; trial++) {
      const abi = new ThreeLevelAbi({ vcpus: 1, wordBits: W, costs: ZERO_COSTS });
      const ref = newRef(W);
      const ports = trialPorts(W, rnd);
      for (const p of ports) assert.equal(abi.bind(p, 0), 0);
      for (const p of ports) {
        if (rnd(12) === 0) {
          abi.mask(p);
          ref.mask[p] = true;
        }
      }
      const pick = () => ports[rnd(ports.length)];
      for (let pass = 0; pass < 6; pass++) {
        const k = 1 + rnd(trial % 3 === 0 ? 120 : 10);
        for (let j = 0; j < k; j++) {
          const p = pick();
          abi.raise(p);
          refRaise(ref, p);
        }
        // Mid-pass raises, planned per handled-port index so both sides raise the same.
        const plan: number[][] = [];
        const raisesAt = (n: number) => {
          while (plan.length <= n) {
            const r: number[] = [];
            if (rnd(3) === 0) { for (let j = 1 + rnd(3); j > 0; j--) r.push(pick()); }
            plan.push(r);
          }
          return plan[n];
        };
        const got: number[] = [];
        abi.beginUpcall(0);
        for (let p = abi.next(0); p >= 0; p = abi.next(0)) {
          got.push(p);
          abi.ack(p);
          for (const q of raisesAt(got.length - 1)) abi.raise(q);
        }
        let n = 0;
        const expected = refScan3(ref, () => {
          for (const q of raisesAt(n++)) refRaise(ref, q);
        });
        assert.deepEqual(got, expected, `W=${W} trial ${trial} pass ${pass}`);
        assert.equal(abi.upcallPending(0), ref.sel1 !== 0n, `W=${W} trial ${trial} pass ${pass}`);
      }
    }
  }
});

Deno.test("3l serves a static pending set in cyclic port order from the cursor", () => {
  // events_2l.c round-robin from "last processed + 1", over all W^3 ports [inferred]:
  // with no raises during the pass, every active pending port is handled once, in order of
  // its distance from the cursor, wrapping at the last port.
  const rnd = lcg(77);
  for (const W of [32, 64] as const) {
    const N = W * W * W;
    for (let trial = 0; trial < 40; trial++) {
      const abi = new ThreeLevelAbi({ vcpus: 1, wordBits: W, costs: ZERO_COSTS });
      const ports = trialPorts(W, rnd);
      for (const p of ports) abi.bind(p, 0);
      let cursor = 0;
      for (let pass = 0; pass < 6; pass++) {
        const raised = new Set<number>();
        for (let j = 1 + rnd(60); j > 0; j--) {
          const p = ports[rnd(ports.length)];
          abi.raise(p);
          raised.add(p);
        }
        const expected = [...raised].sort((a, b) => (a - cursor + N) % N - (b - cursor + N) % N);
        const got = drain(abi);
        assert.deepEqual(got, expected, `W=${W} trial ${trial} pass ${pass}`);
        cursor = (got[got.length - 1] + 1) % N;
      }
    }
  }
});

Deno.test("3l gives 2l's order inside one L1 word, with events raised during the pass", () => {
  // V1 cover letter: "more or less the same as 2-level"; below 4096 (one L1 word) the lifted
  // loop is the 2-level loop, raise for raise (the L2 word is taken before any handler runs).
  // Port 4095 is left out: after it 2l's cursor wraps to port 0 but 3l's carries to 4096.
  const rnd = lcg(99);
  for (let trial = 0; trial < 60; trial++) {
    const a3 = new ThreeLevelAbi({ vcpus: 1, wordBits: 64, costs: ZERO_COSTS });
    const a2 = new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs: ZERO_COSTS });
    for (let p = 1; p < 4096; p++) {
      a3.bind(p, 0);
      a2.bind(p, 0);
    }
    const pick = () => (trial % 2 === 0 ? 1 + rnd(4094) : 1900 + rnd(400));
    for (let pass = 0; pass < 6; pass++) {
      for (let j = 1 + rnd(80); j > 0; j--) {
        const p = pick();
        a3.raise(p);
        a2.raise(p);
      }
      const plan: number[][] = [];
      const raisesAt = (n: number) => {
        while (plan.length <= n) plan.push(rnd(3) === 0 ? [pick(), pick()] : []);
        return plan[n];
      };
      const run = (abi: ThreeLevelAbi | TwoLevelAbi) => {
        const out: number[] = [];
        abi.beginUpcall(0);
        for (let p = abi.next(0); p >= 0; p = abi.next(0)) {
          out.push(p);
          abi.ack(p);
          for (const q of raisesAt(out.length - 1)) abi.raise(q);
        }
        return out;
      };
      assert.deepEqual(run(a3), run(a2), `trial ${trial} pass ${pass}`);
      assert.equal(a3.upcallPending(0), a2.upcallPending(0));
    }
  }
});

Deno.test("3l keeps per-port Xen state only up to the highest port bound", () => {
  // evtchn_allocate_port allocates struct evtchn buckets up to the port it allocates
  // (event_channel.c); a port above them is not bound: a raise delivers nothing.
  const abi = new ThreeLevelAbi(opts());
  assert.equal(abi.bound.length, 64, "one bucket before any bind");
  assert.equal(abi.bind(5, 0), 0);
  assert.equal(abi.bound.length, 64);
  assert.equal(abi.bind(100000, 0), 0);
  assert.ok(abi.bound.length > 100000 && abi.bound.length < abi.maxPorts, "not all 262144");
  assert.equal(abi.bind(5, 0), -EBUSY, "the earlier binding survives the growth");
  assert.equal(abi.raise(200000), -1, "above the state: never bound");
  assert.equal(abi.close(250000), -22);
  assert.equal(abi.raise(100000), 0);
  assert.equal(abi.raise(5), -1, "VCPU 0 already has its upcall");
  assert.deepEqual(drain(abi), [5, 100000]);
  assert.equal(abi.bind(262143, 0), 0, "the last port");
  assert.equal(abi.bound.length, 262144);
});
