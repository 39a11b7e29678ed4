/**
 * Event-list candidates side by side on the hold model.
 *
 * - `deno task bench:lists` (script mode) runs every (candidate, size) in its
 *   own process, so each list's call sites stay monomorphic, and prints the
 *   median of several runs in ns per hold and million holds per second.
 * - `deno bench bench/event_list_bench.ts` registers the same cases as
 *   Deno.bench entries (one isolate: the shared hold loop sees several list
 *   classes, so these numbers are pessimistic for all of them).
 *
 * @module
 */

import { BinaryHeapList } from "./lists/binary_heap.ts";
import { QuadHeapList } from "./lists/quad_heap.ts";
import { CalendarList } from "../sim/engine/calendar.ts";
import { LadderList } from "./lists/ladder.ts";
import type { EventList } from "../sim/engine/event_list.ts";
import { fillList, holdList } from "./hold.ts";

const LISTS: Record<string, (n: number) => EventList> = {
  binary: (n) => new BinaryHeapList(n),
  quad: (n) => new QuadHeapList(n),
  calendar: (n) => new CalendarList(n),
  ladder: (n) => new LadderList(n),
};
const SIZES = [1e3, 1e5, 1e6];
const HOLDS = 2_000_000;

/** ns per hold of one (list, size) measurement, after a warm-up. */
function measure(name: string, n: number): number {
  const q = LISTS[name](n);
  fillList(q, n);
  holdList(q, Math.max(200_000, 2 * n)); // warm-up and mixing
  const t0 = performance.now();
  holdList(q, HOLDS);
  return (performance.now() - t0) * 1e6 / HOLDS;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

async function table(runs: number): Promise<void> {
  const self = new URL(import.meta.url).pathname;
  console.log(`hold model, ${HOLDS} holds after warm-up, median of ${runs} processes`);
  console.log("list     pending  ns/hold  Mholds/s");
  for (const n of SIZES) {
    for (const name of Object.keys(LISTS)) {
      const xs: number[] = [];
      for (let r = 0; r < runs; r++) {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", self, "--child", name, String(n)],
          stderr: "inherit",
        }).output();
        xs.push(Number(new TextDecoder().decode(out.stdout)));
      }
      const ns = median(xs);
      console.log(
        `${name.padEnd(8)} ${n.toExponential(0).padStart(7)} ${ns.toFixed(1).padStart(8)} ${
          (1e3 / ns).toFixed(2).padStart(9)
        }`,
      );
    }
  }
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") {
    console.log(measure(Deno.args[1], Number(Deno.args[2])));
  } else {
    await table(Number(Deno.args[0] ?? 5));
  }
} else {
  for (const n of SIZES) {
    for (const name of Object.keys(LISTS)) {
      const q = LISTS[name](n);
      fillList(q, n);
      holdList(q, 2 * n);
      Deno.bench({
        name: `${name} hold, ${n} pending, 100k holds`,
        group: `list-${n}`,
        baseline: name === "binary",
        fn: () => void holdList(q, 100_000),
      });
    }
  }
}
