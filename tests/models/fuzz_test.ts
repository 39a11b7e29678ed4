// Fuzz tests of every ABI model (fast-check): random sequences of hypercalls,
// raises, guest upcall passes and, for a hostile guest, writes into the shared
// memory. The harness (tools/fuzz.ts) checks after each operation that nothing
// throws, that Xen-side steps stay below the ABI's bound (set_link: one
// cmpxchg + 4 retries, dae2a1c5f9), that next() returns real ports and that
// upcall passes end; for a well-behaved guest it also balances the books of
// every event instance. `deno task fuzz` is the long variant (10^6 ops per ABI).
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  RAISE_DROPPED,
  SHARED_BITMAPS,
  SHARED_CONTROL,
  SHARED_EVENT_WORDS,
  SHARED_LINK_RACE,
} from "../../models/abi.ts";
import { DEFAULT_COSTS } from "../../models/costs.ts";
import {
  FIFO_CONSUME_LIMIT,
  FIFO_LINK_MASK,
  FIFO_LINKED,
  FIFO_PENDING,
} from "../../models/fifo.ts";
import { ABI_IDS, createAbi } from "../../models/registry.ts";
import { FuzzHarness, OP, type Op, xenStepBound } from "../../tools/fuzz.ts";

const port = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 12 },
  { arbitrary: fc.integer({ min: -2, max: 300000 }), weight: 1 },
);
const small = fc.integer({ min: 0, max: 63 });

/** Operations, weighted toward raises and guest passes. */
function opArb(hostile: boolean): fc.Arbitrary<Op> {
  const op = (kind: number, a: fc.Arbitrary<number>, b: fc.Arbitrary<number> = small) =>
    fc.tuple(fc.constant(kind), a, b, fc.nat()).map((t) => t as Op);
  const ops = [
    { arbitrary: op(OP.BIND, small), weight: 8 },
    { arbitrary: op(OP.CLOSE, port), weight: 3 },
    { arbitrary: op(OP.RAISE, port), weight: 30 },
    { arbitrary: op(OP.MASK, port), weight: 4 },
    { arbitrary: op(OP.UNMASK, port), weight: 5 },
    { arbitrary: op(OP.SET_PRIORITY, port, fc.integer({ min: 0, max: 16 })), weight: 3 },
    { arbitrary: op(OP.BIND_VCPU, port), weight: 3 },
    { arbitrary: op(OP.EXPAND, small), weight: 1 },
    { arbitrary: op(OP.UPCALL, small), weight: 10 },
    { arbitrary: op(OP.NEXT, small), weight: 14 },
    { arbitrary: op(OP.BEGIN, small), weight: 6 },
  ];
  if (hostile) {
    const index = fc.oneof(fc.integer({ min: 0, max: 80 }), fc.nat());
    const value = fc.oneof(
      fc.nat({ max: 0xffffffff }),
      fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 80 })).map(
        ([flags, link]) => ((flags << 28) | link) >>> 0,
      ),
    );
    ops.push({
      arbitrary: fc.tuple(fc.constant(OP.CORRUPT), fc.integer({ min: 0, max: 3 }), index, value)
        .map((t) => t as Op),
      weight: 12,
    });
  }
  return fc.oneof(...ops);
}

const RUNS = 300;

for (const id of ABI_IDS) {
  for (const hostile of [false, true]) {
    const mode = hostile ? "a hostile guest" : "a well-behaved guest";
    Deno.test(`fuzz ${id} with ${mode}: bounded, no throw, books balance`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 3 }),
          fc.array(opArb(hostile), { minLength: 1, maxLength: 250 }),
          (vcpus, ops) => {
            const h = new FuzzHarness(id, vcpus, hostile);
            for (const op of ops) h.apply(op);
            h.finish();
            assert.ok(h.stats.maxXenSteps <= xenStepBound(h.abi));
          },
        ),
        { numRuns: RUNS, seed: 0x5eed },
      );
    });
  }
}

// Targeted cases the random sequences reach only rarely.

const opts = { vcpus: 1, wordBits: 64 as const, costs: DEFAULT_COSTS };

Deno.test("fifo: a LINK outside the event array ends the queue (guest side)", () => {
  const abi = createAbi("fifo", opts);
  for (const p of [1, 2, 3]) abi.bind(p, 0);
  abi.raise(1);
  abi.raise(2);
  // The guest points port 1's LINK at port 100000 (no such page): next must not go there.
  abi.corrupt!(SHARED_EVENT_WORDS, 1, (FIFO_PENDING | FIFO_LINKED | 100000) >>> 0);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), 1);
  abi.ack(1);
  assert.equal(abi.next(0), -1); // port 2 is stranded: the guest's own loss
  assert.equal(abi.faults, 1);
  assert.ok(abi.isPending(2));
});

Deno.test("fifo: a HEAD outside the event array is dropped, not followed", () => {
  const abi = createAbi("fifo", opts);
  abi.bind(1, 0);
  abi.raise(1);
  abi.corrupt!(SHARED_CONTROL, 2 + 7, 0xfffffff0); // HEAD[7]
  abi.beginUpcall(0);
  assert.equal(abi.next(0), -1);
  assert.equal(abi.faults, 1);
});

Deno.test("fifo: READY bits above 15 are ignored", () => {
  const abi = createAbi("fifo", opts);
  abi.bind(1, 0);
  abi.corrupt!(SHARED_CONTROL, 0, 0xffff0000);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), -1);
  assert.equal(abi.steps, 0);
});

Deno.test("fifo: set_link gives up after 4 retries and the event is dropped", () => {
  const abi = createAbi("fifo", opts);
  abi.bind(1, 0);
  abi.bind(2, 0);
  abi.raise(1); // tail = 1
  abi.corrupt!(SHARED_LINK_RACE, 0, 5); // the guest wins every cmpxchg on the tail word
  abi.raise(2);
  assert.equal(abi.outcome, RAISE_DROPPED);
  assert.equal(abi.steps, 5);
});

Deno.test("fifo:naive-link: a LINK cycle stops the walk and drops the raise", () => {
  const abi = createAbi("fifo:naive-link", opts);
  for (const p of [1, 2, 3, 4]) abi.bind(p, 0);
  abi.raise(1);
  abi.raise(2); // HEAD[7] = 1 -> 2
  abi.corrupt!(SHARED_EVENT_WORDS, 2, (FIFO_PENDING | FIFO_LINKED | 1) >>> 0); // 2 -> 1: a cycle
  abi.raise(3);
  assert.equal(abi.outcome, RAISE_DROPPED);
  assert.ok(abi.steps <= 8, `steps ${abi.steps}`);
  assert.equal(abi.isPending(3), false); // the dropped raise left no trace
  abi.raise(4); // still dropped, never linked into the cycle
  assert.equal(abi.outcome, RAISE_DROPPED);
});

Deno.test("fifo: a self-linked word is consumed once, not forever", () => {
  const abi = createAbi("fifo", opts);
  abi.bind(1, 0);
  abi.raise(1);
  abi.corrupt!(SHARED_EVENT_WORDS, 1, (FIFO_PENDING | FIFO_LINKED | 1) >>> 0);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), 1);
  abi.ack(1);
  assert.equal(abi.next(0), -1); // clear_linked cleared LINK: the cycle is broken
});

Deno.test("fifo: a long corrupted chain yields after FIFO_CONSUME_LIMIT entries", () => {
  const abi = createAbi("fifo", opts);
  const n = FIFO_CONSUME_LIMIT + 500;
  for (let p = 1; p <= n; p++) abi.bind(p, 0);
  abi.raise(1);
  // Chain every word to the next with L set and P clear: entries to skip.
  for (let p = 1; p < n; p++) {
    abi.corrupt!(SHARED_EVENT_WORDS, p, (FIFO_LINKED | ((p + 1) & FIFO_LINK_MASK)) >>> 0);
  }
  abi.corrupt!(SHARED_EVENT_WORDS, n, (FIFO_LINKED | FIFO_PENDING) >>> 0);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), -1);
  assert.equal(abi.steps, FIFO_CONSUME_LIMIT);
  assert.ok(abi.upcallPending(0)); // yields: another pass resumes the walk
  abi.beginUpcall(0);
  assert.equal(abi.next(0), n);
});

Deno.test("2l/3l: clearing a pending bit reports the lost instance", () => {
  for (const id of ["2l", "3l"]) {
    const abi = createAbi(id, opts);
    abi.bind(33, 0);
    abi.bind(34, 0);
    abi.raise(33);
    abi.raise(34);
    const n = abi.corrupt!(SHARED_BITMAPS, 1, 1 << 2); // word 1 keeps only port 34
    assert.equal(n, 1, id);
    assert.equal(abi.lostPorts![0], 33, id);
    abi.corrupt!(SHARED_CONTROL, 0, 0xffffffff); // every selector bit set
    abi.beginUpcall(0);
    assert.equal(abi.next(0), 34, id);
    abi.ack(34);
    assert.equal(abi.next(0), -1, id);
  }
});
