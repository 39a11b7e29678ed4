// Rules of the 2-level ABI: Xen xen/common/event_2l.c and the Linux guest
// drivers/xen/events/events_2l.c (evtchn_2l_handle_events).
import assert from "node:assert/strict";
import {
  EBUSY,
  ENOENT,
  ENOSPC,
  ENOSYS,
  RAISE_COALESCED,
  RAISE_DROPPED,
  RAISE_NEW,
} from "../../models/abi.ts";
import { DEFAULT_COSTS, ZERO_COSTS } from "../../models/costs.ts";
import { TwoLevelAbi } from "../../models/two_level.ts";

const opts = (vcpus = 1, wordBits: 32 | 64 = 64) => ({ vcpus, wordBits, costs: DEFAULT_COSTS });

/** Bind, raise and drain one pass; returns the ports handled (acked as Linux does). */
function drain(abi: TwoLevelAbi, v = 0): number[] {
  const out: number[] = [];
  abi.beginUpcall(v);
  for (let p = abi.next(v); p >= 0; p = abi.next(v)) {
    out.push(p);
    abi.ack(p);
  }
  return out;
}

function setup(ports: number[], vcpus = 1): TwoLevelAbi {
  const abi = new TwoLevelAbi(opts(vcpus));
  for (const p of ports) assert.equal(abi.bind(p, 0), 0);
  return abi;
}

/**
 * The Linux loop, written plainly (not resumable), as the oracle: returns the
 * ports it would handle, acking each, and updates the cursor in `cur`.
 */
function linuxScan(
  W: number,
  sel: bigint,
  pend: boolean[],
  cur: { word: number; bit: number },
): number[] {
  const out: number[] = [];
  const startWord = cur.word;
  const startBit = cur.bit;
  let wordIdx = startWord;
  let bitIdx = 0;
  let words = sel;
  const firstFrom = (x: bigint, from: number) => {
    for (let i = from; i < W; i++) if ((x >> BigInt(i)) & 1n) return i;
    return -1;
  };
  for (let i = 0; words !== 0n; i++) {
    const w = firstFrom(words, wordIdx);
    if (w < 0) {
      wordIdx = 0;
      bitIdx = 0;
      continue;
    }
    wordIdx = w;
    let bits = 0n;
    for (let b = 0; b < W; b++) if (pend[wordIdx * W + b]) bits |= 1n << BigInt(b);
    bitIdx = wordIdx === startWord && i === 0 ? startBit : 0;
    do {
      const b = firstFrom(bits, bitIdx);
      if (b < 0) break;
      const port = wordIdx * W + b;
      out.push(port);
      pend[port] = false;
      bitIdx = (b + 1) % W;
      cur.word = bitIdx ? wordIdx : (wordIdx + 1) % W;
      cur.bit = bitIdx;
    } while (bitIdx !== 0);
    if (wordIdx !== startWord || i !== 0) words &= ~(1n << BigInt(wordIdx));
    wordIdx = (wordIdx + 1) % W;
  }
  return out;
}

Deno.test("2l has 4096 ports on 64-bit guests and 1024 on 32-bit ones", () => {
  // xen/common/event_channel.h max_evtchns: BITS_PER_EVTCHN_WORD^2
  assert.equal(new TwoLevelAbi(opts()).maxPorts, 4096);
  assert.equal(new TwoLevelAbi(opts(1, 64), "2l:32").maxPorts, 1024);
  const abi = new TwoLevelAbi(opts(1, 32));
  assert.equal(abi.bind(1023, 0), 0);
  assert.ok(abi.bind(1024, 0) < 0);
  assert.ok(abi.bind(0, 0) < 0, "port 0 is reserved");
});

Deno.test("2l coalesces a raise on a port that is already pending", () => {
  // event_2l.c evtchn_2l_set_pending: test_and_set pending, return if set
  const abi = setup([9]);
  assert.equal(abi.raise(9), 0);
  assert.equal(abi.outcome, RAISE_NEW);
  assert.equal(abi.raise(9), -1);
  assert.equal(abi.outcome, RAISE_COALESCED);
  assert.deepEqual(drain(abi), [9]);
});

Deno.test("2l upcalls only when the selector bit goes 0 to 1", () => {
  // event_2l.c: !test_and_set(port / BITS_PER_EVTCHN_WORD, pending_sel)
  const abi = setup([1, 2]);
  assert.equal(abi.raise(1), 0);
  abi.beginUpcall(0);
  abi.upcall[0] = 0;
  abi.sel1.fill(0);
  abi.sel1[0] = 1; // selector bit 0 already set
  assert.equal(abi.raise(2), -1);
  assert.equal(abi.outcome, RAISE_NEW);
  assert.equal(abi.upcallPending(0), false);
});

Deno.test("2l upcalls only when evtchn_upcall_pending goes 0 to 1", () => {
  // x86 domain.c vcpu_mark_events_pending: test_and_set upcall_pending
  const abi = setup([1, 100]);
  assert.equal(abi.raise(1), 0);
  assert.equal(abi.raise(100), -1, "selector bit 1 went 0->1 but upcall_pending was set");
  assert.equal(abi.upcallPending(0), true);
  abi.beginUpcall(0);
  assert.equal(abi.upcallPending(0), false);
  assert.equal(abi.next(0), 1);
  abi.ack(1);
  abi.raise(1); // a new instance mid-pass: selector 0 was taken, so 0->1 again
  assert.equal(abi.upcallPending(0), true, "the upcall loop repeats");
});

Deno.test("2l orders delivery by port number from the cursor, not by arrival", () => {
  // events_2l.c: round-robin scan by port index
  const abi = setup([300, 7, 64]);
  for (const p of [300, 7, 64]) abi.raise(p);
  assert.deepEqual(drain(abi), [7, 64, 300]);
});

Deno.test("2l resumes the scan after the last port handled and scans the start word twice", () => {
  // events_2l.c: "Next caller starts at last processed + 1"; "Scan start_l1i twice"
  const abi = setup([3, 5, 20, 25, 70]);
  for (const p of [3, 20]) abi.raise(p);
  assert.deepEqual(drain(abi), [3, 20]); // cursor now (word 0, bit 21)
  for (const p of [5, 25, 70]) abi.raise(p);
  // word 0 from bit 21 (25), word 1 (70), then word 0 again from bit 0 (5)
  assert.deepEqual(drain(abi), [25, 70, 5]);
});

Deno.test("2l wraps the cursor to the next word after bit 63", () => {
  // events_2l.c: current_word_idx = bit_idx ? word_idx : (word_idx + 1) % BITS_PER_EVTCHN_WORD
  const abi = setup([63, 10, 130]);
  abi.raise(63);
  assert.deepEqual(drain(abi), [63]); // cursor (1, 0)
  abi.raise(10);
  abi.raise(130);
  assert.deepEqual(drain(abi), [130, 10]);
});

Deno.test("2l next yields the same port sequence as the Linux loop", () => {
  // events_2l.c evtchn_2l_handle_events, as a plain loop oracle (random states)
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (const W of [32, 64] as const) {
    for (let trial = 0; trial < 150; trial++) {
      const abi = new TwoLevelAbi({ vcpus: 1, wordBits: W, costs: ZERO_COSTS });
      const N = W * W;
      const pend = new Array<boolean>(N).fill(false);
      const cur = { word: 0, bit: 0 };
      for (let p = 1; p < N; p++) abi.bind(p, 0);
      for (let pass = 0; pass < 4; pass++) {
        const k = 1 + rnd(trial % 3 === 0 ? 200 : 12);
        const dense = rnd(2) === 0;
        for (let j = 0; j < k; j++) {
          const p = dense ? 1 + rnd(Math.min(N - 1, 3 * W)) : 1 + rnd(N - 1);
          abi.raise(p);
          pend[p] = true;
        }
        let sel = 0n;
        for (let p = 0; p < N; p++) if (pend[p]) sel |= 1n << BigInt(Math.floor(p / W));
        const expected = linuxScan(W, sel, pend, cur);
        assert.deepEqual(drain(abi), expected, `W=${W} trial ${trial} pass ${pass}`);
      }
    }
  }
});

Deno.test("2l handles the timer VIRQ port first", () => {
  // events_2l.c: "Timer interrupt has highest priority"
  const abi = setup([1, 2, 100]);
  abi.setTimerPort(0, 100);
  for (const p of [1, 2, 100]) abi.raise(p);
  assert.deepEqual(drain(abi), [100, 1, 2]);
});

Deno.test("2l handles the timer VIRQ before it takes the selector, so a port raised meanwhile joins the pass", () => {
  // events_2l.c evtchn_2l_handle_events: generic_handle_irq(timer) runs BEFORE
  // `pending_words = xchg_xen_ulong(&vcpu_info->evtchn_pending_sel, 0)`.
  const abi = setup([1, 100]);
  abi.setTimerPort(0, 100);
  abi.raise(100);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), 100);
  abi.ack(100);
  assert.equal(abi.raise(1), 0, "raised while the timer handler runs: selector and upcall 0->1");
  assert.equal(abi.next(0), 1, "found in the same pass");
  abi.ack(1);
  assert.equal(abi.next(0), -1);
  assert.equal(abi.upcallPending(0), true, "the loop makes one more, empty pass");
  assert.deepEqual(drain(abi), []);
});

Deno.test("2l bind gives -ENOSPC above the limit and -EBUSY for a port not free", () => {
  // event_channel.c evtchn_allocate_port: port >= max_evtchns(d) -> -ENOSPC;
  // state != ECS_FREE -> -EBUSY (port 0 is ECS_RESERVED); the VCPU is checked first.
  const abi = new TwoLevelAbi(opts());
  assert.equal(abi.bind(4096, 0), -ENOSPC);
  assert.equal(abi.bind(0, 0), -EBUSY);
  assert.equal(abi.bind(7, 0), 0);
  assert.equal(abi.bind(7, 0), -EBUSY);
  assert.equal(abi.bind(4096, 1), -ENOENT);
  assert.equal(new TwoLevelAbi(opts(1, 32)).bind(1024, 0), -ENOSPC, "1024 ports on 32-bit");
});

Deno.test("2l checks the timer port first only if it is pending, unmasked and bound here", () => {
  // events_2l.c: active_evtchns(cpu, s, word_idx) & (1 << bit_idx)
  const abi = new TwoLevelAbi(opts(2));
  abi.bind(1, 0);
  abi.bind(100, 1);
  abi.setTimerPort(0, 100); // bound to VCPU 1, not this one
  abi.raise(1);
  assert.deepEqual(drain(abi, 0), [1]);
});

Deno.test("2l scans only ports bound to this VCPU (cpu_evtchn_mask)", () => {
  // events_2l.c active_evtchns: pending & cpu_evtchn_mask[cpu] & ~mask
  const abi = new TwoLevelAbi(opts(2));
  abi.bind(1, 0);
  abi.bind(2, 1);
  assert.equal(abi.raise(1), 0);
  assert.equal(abi.raise(2), 1);
  assert.deepEqual(drain(abi, 0), [1]);
  assert.deepEqual(drain(abi, 1), [2]);
});

Deno.test("2l bindVcpu changes the notify VCPU and the cpu mask", () => {
  // event_channel.c evtchn_bind_vcpu (notify_vcpu_id); events_2l.c evtchn_2l_bind_to_cpu
  const abi = new TwoLevelAbi(opts(2));
  abi.bind(5, 0);
  assert.equal(abi.bindVcpu(5, 1), 0);
  assert.equal(abi.raise(5), 1);
  assert.deepEqual(drain(abi, 1), [5]);
});

Deno.test("2l loses the edge of a masked raise and delivers it on unmask", () => {
  // public/xen.h: "the 'edge' is lost"; event_2l.c evtchn_2l_unmask
  const abi = setup([8]);
  abi.mask(8);
  assert.equal(abi.raise(8), -1);
  assert.equal(abi.outcome, RAISE_NEW);
  assert.deepEqual(drain(abi), []);
  assert.equal(abi.unmask(8), 0);
  assert.equal(abi.outcome, RAISE_NEW);
  assert.deepEqual(drain(abi), [8]);
  assert.equal(abi.unmask(8), -1, "nothing pending: nothing to deliver");
  assert.equal(abi.outcome, RAISE_COALESCED);
});

Deno.test("2l drops a raise on a port that is not bound", () => {
  // event_channel.c: sending on a closed port delivers nothing
  const abi = setup([8]);
  abi.close(8);
  assert.equal(abi.raise(8), -1);
  assert.equal(abi.outcome, RAISE_DROPPED);
});

Deno.test("2l set_priority is not implemented", () => {
  // event_2l.c has no set_priority hook: EVTCHNOP_set_priority returns -ENOSYS
  const abi = setup([8]);
  assert.equal(abi.setPriority(8, 0), -ENOSYS);
  assert.equal(abi.hasPriorities, false);
});

Deno.test("2l scanning costs grow with the words examined", () => {
  // cost model (models/level_abi.ts): scan_word_ns per word examined
  const costs = { ...ZERO_COSTS, scan_word_ns: 1 };
  const cost = (ports: number[]) => {
    const abi = new TwoLevelAbi({ vcpus: 1, wordBits: 64, costs });
    for (const p of ports) abi.bind(p, 0);
    for (const p of ports) abi.raise(p);
    abi.beginUpcall(0);
    let total = 0;
    for (let p = abi.next(0); p >= 0; p = abi.next(0)) total += abi.cost;
    return total + abi.cost;
  };
  const dense = cost([1, 2, 3, 4, 5, 6, 7, 8]);
  const sparse = cost([64, 640, 1280, 1920, 2560, 3200, 3840, 4032]);
  assert.ok(sparse > dense, `sparse ${sparse} > dense ${dense}`);
});

Deno.test("2l sharedBytes is the two bitmaps plus each VCPU's selector fields", () => {
  // public/xen.h: evtchn_pending/evtchn_mask[W] of W bits; vcpu_info fields
  assert.equal(new TwoLevelAbi(opts(1)).sharedBytes(), 2 * 64 * 8 + 16);
  assert.equal(new TwoLevelAbi(opts(8)).sharedBytes(), 1024 + 8 * 16);
  assert.equal(new TwoLevelAbi(opts(2, 32)).sharedBytes(), 2 * 32 * 4 + 2 * 8);
});
