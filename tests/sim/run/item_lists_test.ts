// The FIFO lists of items the runtimes keep NAPI polls and runnable threads on
// (sim/run/item_lists.ts), as Linux's list_head lists are used there:
// list_add_tail, list_first_entry + list_del_init, list_splice_tail_init.
import assert from "node:assert/strict";
import fc from "fast-check";
import { ItemLists } from "../../../sim/run/item_lists.ts";

/** The items of `list`, head to tail, followed through `next`. */
function items(l: ItemLists, list: number): number[] {
  const out: number[] = [];
  for (let p = l.head[list]; p >= 0; p = l.next[p]) out.push(p);
  return out;
}

Deno.test("a new list is empty and pop on it gives -1", () => {
  const l = new ItemLists(3, 4);
  for (let list = 0; list < 3; list++) {
    assert.equal(l.head[list], -1);
    assert.equal(l.tail[list], -1);
    assert.equal(l.len[list], 0);
    assert.equal(l.pop(list), -1);
  }
});

Deno.test("a list gives its items back in the order they were pushed, then -1", () => {
  const l = new ItemLists(1, 8);
  for (const p of [5, 0, 7, 3]) l.push(0, p);
  assert.deepEqual(items(l, 0), [5, 0, 7, 3]);
  assert.equal(l.len[0], 4);
  assert.equal(l.tail[0], 3);
  assert.deepEqual([l.pop(0), l.pop(0), l.pop(0), l.pop(0), l.pop(0)], [5, 0, 7, 3, -1]);
  assert.equal(l.head[0], -1);
  assert.equal(l.tail[0], -1);
  assert.equal(l.len[0], 0);
});

Deno.test("an item popped off one list joins the tail of another without its old successor", () => {
  const l = new ItemLists(2, 4);
  l.push(0, 1);
  l.push(0, 2);
  l.push(1, 3);
  const p = l.pop(0);
  assert.equal(p, 1);
  assert.equal(l.next[p], -1);
  l.push(1, p);
  assert.deepEqual(items(l, 0), [2]);
  assert.deepEqual(items(l, 1), [3, 1]);
  assert.equal(l.tail[1], 1);
});

Deno.test("splice appends the source list to the destination's tail and empties the source", () => {
  const l = new ItemLists(2, 8);
  l.push(0, 4);
  l.push(0, 6);
  l.push(1, 1);
  l.push(1, 2);
  l.push(1, 3);
  l.splice(0, 1);
  assert.deepEqual(items(l, 0), [4, 6, 1, 2, 3]);
  assert.equal(l.tail[0], 3);
  assert.equal(l.len[0], 5);
  assert.deepEqual([l.head[1], l.tail[1], l.len[1]], [-1, -1, 0]);
  l.push(0, 7); // the destination's tail is the source's old tail
  assert.deepEqual(items(l, 0), [4, 6, 1, 2, 3, 7]);
});

Deno.test("splice onto an empty list moves the whole list; splice of an empty list changes nothing", () => {
  const l = new ItemLists(3, 8);
  l.push(1, 5);
  l.push(1, 2);
  l.splice(0, 1);
  assert.deepEqual(items(l, 0), [5, 2]);
  assert.deepEqual([l.head[0], l.tail[0], l.len[0]], [5, 2, 2]);
  l.splice(0, 2); // list 2 is empty
  assert.deepEqual(items(l, 0), [5, 2]);
  assert.deepEqual([l.head[0], l.tail[0], l.len[0]], [5, 2, 2]);
  assert.deepEqual([l.head[2], l.tail[2], l.len[2]], [-1, -1, 0]);
});

Deno.test("any sequence of push, pop and splice keeps each list in FIFO order with its length", () => {
  const LISTS = 3, ITEMS = 6;
  const op = fc.oneof(
    fc.record({ op: fc.constant("push"), list: fc.nat(LISTS - 1), item: fc.nat(ITEMS - 1) }),
    fc.record({ op: fc.constant("pop"), list: fc.nat(LISTS - 1) }),
    fc.record({ op: fc.constant("splice"), dst: fc.nat(LISTS - 1), src: fc.nat(LISTS - 1) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const l = new ItemLists(LISTS, ITEMS);
      const model: number[][] = Array.from({ length: LISTS }, () => []);
      for (const o of ops) {
        if (o.op === "push") {
          // An item is on at most one list: push only items on none.
          if (model.some((m) => m.includes(o.item))) continue;
          l.push(o.list, o.item);
          model[o.list].push(o.item);
        } else if (o.op === "pop") {
          assert.equal(l.pop(o.list), model[o.list].shift() ?? -1);
        } else {
          if (o.dst === o.src) continue; // list_splice onto itself is not defined
          l.splice(o.dst, o.src);
          model[o.dst].push(...model[o.src]);
          model[o.src] = [];
        }
        for (let list = 0; list < LISTS; list++) {
          const m = model[list];
          assert.deepEqual(items(l, list), m);
          assert.equal(l.len[list], m.length);
          assert.equal(l.tail[list], m.length > 0 ? m[m.length - 1] : -1);
        }
      }
    }),
    { numRuns: 300 },
  );
});
