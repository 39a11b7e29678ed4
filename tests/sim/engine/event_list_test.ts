import assert from "node:assert/strict";
import type { EventList } from "../../../sim/engine/event_list.ts";
import { BinaryHeapList } from "../../../bench/lists/binary_heap.ts";
import { QuadHeapList } from "../../../bench/lists/quad_heap.ts";
import { CalendarList } from "../../../sim/engine/calendar.ts";
import { LadderList } from "../../../bench/lists/ladder.ts";
import { SmallFirstList } from "../../../sim/engine/small_first.ts";

const LISTS: Record<string, () => EventList> = {
  binary: () => new BinaryHeapList(16),
  quad: () => new QuadHeapList(16),
  calendar: () => new CalendarList(16),
  ladder: () => new LadderList(16),
  "small-first": () => new SmallFirstList(16),
};

function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

for (const [name, make] of Object.entries(LISTS)) {
  Deno.test(`${name} list agrees with a stable sort under random push/pop mixes`, () => {
    const rnd = lcg(name.length * 7919);
    for (let trial = 0; trial < 400; trial++) {
      const q = make();
      const ref: [number, number, number][] = []; // time, seq, id
      let seq = 0, now = 0;
      const scale = [1, 10, 1e3, 1e9][trial % 4];
      const tieP = rnd(); // how often times repeat
      const pushP = 0.3 + 0.5 * rnd(); // grow, hover or drain
      const ops = 1 + Math.floor(rnd() * 3000);
      for (let o = 0; o < ops; o++) {
        if (ref.length === 0 || rnd() < pushP) {
          const t = rnd() < tieP ? now + Math.floor(rnd() * 3) : now + rnd() * scale;
          q.push(t, o & 7, seq, ~seq);
          ref.push([t, seq, seq]);
          seq++;
        } else {
          ref.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
          const [t, , id] = ref.shift()!;
          assert.equal(q.peekTime(), t);
          q.pop();
          assert.equal(q.outTime, t, `${name} trial ${trial} op ${o}`);
          assert.equal(q.outA, id, `${name} trial ${trial} op ${o}`);
          assert.equal(q.outB, ~id);
          now = t;
        }
        assert.equal(q.size, ref.length);
      }
    }
  });
}

Deno.test("lists agree on a long hold run with growth and shrink", () => {
  const rnd = lcg(99);
  const lists = Object.values(LISTS).map((m) => m());
  for (let i = 0; i < 20000; i++) {
    const t = Math.floor(rnd() * 100000);
    for (const q of lists) q.push(t, 1, i, 0);
  }
  for (let i = 0; i < 200000; i++) {
    const shrink = i > 100000 && i < 130000; // drop to 5000 pending, then hold again
    const inc = rnd() < 0.2 ? 0 : rnd() * 1000;
    let ref = -1, refT = -1;
    for (const q of lists) {
      q.pop();
      if (ref < 0) (ref = q.outA), (refT = q.outTime);
      assert.equal(q.outA, ref);
      assert.equal(q.outTime, refT);
      if (!shrink || i % 2 === 0) q.push(q.outTime + inc, 1, q.outA, 0);
    }
  }
  assert.ok(lists.every((q) => q.size === lists[0].size));
});

Deno.test("small-first list keeps (time, sequence) order through popUntil while its size crosses between the array and the calendar queue", () => {
  const rnd = lcg(4242);
  const q = new SmallFirstList(16);
  const ref: [number, number][] = []; // time, seq
  let seq = 0, now = 0, crossings = 0, wasBig = false;
  for (let round = 0; round < 300; round++) {
    const target = round % 2 === 0 ? 3 + Math.floor(rnd() * 40) : Math.floor(rnd() * 5);
    while (ref.length !== target) {
      if (ref.length < target) {
        const t = now + Math.floor(rnd() * 4); // many ties
        q.push(t, 1, seq, 0);
        ref.push([t, seq++]);
      } else {
        ref.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        const until = ref[0][0] + (rnd() < 0.5 ? 0 : 1);
        assert.equal(q.popUntil(ref[0][0] - 0.5), false);
        assert.equal(q.popUntil(until), true);
        const [t, id] = ref.shift()!;
        assert.equal(q.outTime, t);
        assert.equal(q.outA, id);
        now = t;
      }
      if ((ref.length > 16) !== wasBig) {
        wasBig = ref.length > 16;
        crossings++;
      }
      assert.equal(q.size, ref.length);
    }
  }
  assert.ok(crossings > 50, `only ${crossings} crossings`);
});
