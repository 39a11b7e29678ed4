/**
 * First-in first-out lists of numeric items in typed arrays, as Linux's
 * `list_head` lists of NAPI polls and runnable threads are used by the
 * runtimes (`guest.ts`, `sim/host/host.ts`): each item is on at most one
 * list at a time, and appending one list to another (`list_splice_tail`)
 * costs nothing per item. No allocation after construction.
 *
 * @module
 */

/**
 * `lists` lists over the items `0 .. items - 1`.
 *
 * @example
 * ```ts
 * import { ItemLists } from "./item_lists.ts";
 * const l = new ItemLists(2, 8);
 * l.push(0, 5);
 * l.push(1, 3);
 * l.splice(0, 1); // list 0: 5, 3
 * console.log(l.pop(0), l.pop(0), l.pop(0)); // 5 3 -1
 * ```
 */
export class ItemLists {
  /** Per list: its first item, or -1. */
  readonly head: Int32Array;
  /** Per list: its last item, or -1. */
  readonly tail: Int32Array;
  /** Per list: its number of items. */
  readonly len: Int32Array;
  /** Per item: the item after it on its list, or -1. */
  readonly next: Int32Array;

  /** `lists` empty lists for items `0 .. items - 1`. */
  constructor(lists: number, items: number) {
    this.head = new Int32Array(lists).fill(-1);
    this.tail = new Int32Array(lists).fill(-1);
    this.len = new Int32Array(lists);
    this.next = new Int32Array(items).fill(-1);
  }

  /** Append `item` (on no list) to `list`. */
  push(list: number, item: number): void {
    this.next[item] = -1;
    this.len[list]++;
    const t = this.tail[list];
    if (t >= 0) this.next[t] = item;
    else this.head[list] = item;
    this.tail[list] = item;
  }

  /** Take the first item off `list`; -1 when it is empty. */
  pop(list: number): number {
    const p = this.head[list];
    if (p < 0) return -1;
    this.head[list] = this.next[p];
    this.len[list]--;
    if (this.head[list] < 0) this.tail[list] = -1;
    this.next[p] = -1;
    return p;
  }

  /** Append list `src` to list `dst` (`list_splice_tail_init`); `src` becomes empty. */
  splice(dst: number, src: number): void {
    const h = this.head[src];
    if (h < 0) return;
    const t = this.tail[dst];
    if (t >= 0) this.next[t] = h;
    else this.head[dst] = h;
    this.tail[dst] = this.tail[src];
    this.len[dst] += this.len[src];
    this.head[src] = -1;
    this.tail[src] = -1;
    this.len[src] = 0;
  }
}
