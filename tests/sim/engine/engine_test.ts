import assert from "node:assert/strict";
import { Engine, EventLimitError } from "../../../sim/engine/engine.ts";

function collect(e: Engine, until = Infinity, max = Infinity) {
  const seen: [number, number, number, number][] = [];
  e.run(until, { handle: (k, a, b) => void seen.push([e.now, k, a, b]) }, max);
  return seen;
}

Deno.test("engine orders events by time", () => {
  const e = new Engine();
  const times = [50, 10, 40, 30, 20, 60, 5];
  times.forEach((t, i) => e.schedule(t, 1, i, 0));
  const seen = collect(e);
  assert.deepEqual(seen.map((s) => s[0]), [...times].sort((a, b) => a - b));
});

Deno.test("engine breaks ties first-in-first-out", () => {
  const e = new Engine(16);
  for (let i = 0; i < 100; i++) e.schedule(7, 2, i, 2 * i);
  const seen = collect(e);
  assert.deepEqual(seen.map((s) => s[2]), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(seen.map((s) => s[3]), Array.from({ length: 100 }, (_, i) => 2 * i));
});

Deno.test("engine keeps first-in-first-out ties among events scheduled while running", () => {
  const e = new Engine();
  const order: number[] = [];
  e.schedule(1, 1, 0, 0);
  e.run(10, {
    handle(kind, a) {
      order.push(a);
      if (kind === 1) { for (let i = 1; i <= 3; i++) e.schedule(e.now, 2, i, 0); }
    },
  });
  assert.deepEqual(order, [0, 1, 2, 3]);
});

Deno.test("engine grows past its initial capacity and stays a heap", () => {
  const e = new Engine(16);
  let x = 12345;
  const ts: number[] = [];
  for (let i = 0; i < 5000; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    ts.push(x % 1000);
    e.schedule(x % 1000, 1, i, 0);
  }
  assert.equal(e.size, 5000);
  const seen = collect(e);
  for (let i = 1; i < seen.length; i++) {
    assert.ok(
      seen[i - 1][0] < seen[i][0] || (seen[i - 1][0] === seen[i][0] && seen[i - 1][2] < seen[i][2]),
      `out of order at ${i}`,
    );
  }
});

Deno.test("engine run stops at until and leaves later events pending", () => {
  const e = new Engine();
  e.schedule(5, 1, 0, 0);
  e.schedule(15, 1, 1, 0);
  const seen = collect(e, 10);
  assert.equal(seen.length, 1);
  assert.equal(e.now, 10);
  assert.equal(e.size, 1);
  assert.equal(e.peekTime(), 15);
});

Deno.test("engine schedules an event in the past at the current time", () => {
  const e = new Engine();
  e.schedule(10, 1, 0, 0);
  let scheduled = false;
  const seen: number[] = [];
  e.run(10, {
    handle: (kind) => {
      seen.push(e.now);
      if (kind === 1 && !scheduled) {
        scheduled = true;
        e.schedule(3, 2, 0, 0);
      }
    },
  });
  assert.deepEqual(seen, [10, 10]);
});

Deno.test("engine throws EventLimitError past maxEvents", () => {
  const e = new Engine();
  e.schedule(0, 1, 0, 0);
  assert.throws(
    () => e.run(1e9, { handle: () => e.schedule(e.now + 1, 1, 0, 0) }, 1000),
    EventLimitError,
  );
  assert.equal(e.processed, 1000);
});

Deno.test("engine fingerprint depends on the processed sequence", () => {
  const run = (swap: boolean) => {
    const e = new Engine();
    e.schedule(1, swap ? 2 : 1, 0, 0);
    e.schedule(2, swap ? 1 : 2, 0, 0);
    collect(e);
    return e.fingerprint;
  };
  assert.equal(run(false), run(false));
  assert.notEqual(run(false), run(true));
});

/** A tiny LCG for reproducible random schedules. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 4294967296;
  };
}

/** Random event times: continuous, integer (many ties), or clustered on a few values. */
function randomTime(rnd: () => number, now: number, style: number, scale: number): number {
  switch (style) {
    case 0:
      return now + rnd() * scale;
    case 1:
      return now + Math.floor(rnd() * 4);
    default:
      return rnd() < 0.3 ? now : now + [0, 1, 1e3, 1e9][Math.floor(rnd() * 4)];
  }
}

Deno.test("engine matches a reference sort on random schedules, including runtime scheduling", () => {
  const rnd = lcg(2024);
  for (let trial = 0; trial < 300; trial++) {
    const style = trial % 3, scale = [1, 100, 1e6, 1e12][trial % 4];
    const e = new Engine(16);
    // Reference: every scheduled event with its (time, seq); the expected order is a stable sort.
    const ref: { t: number; seq: number; id: number }[] = [];
    let seq = 0, id = 0;
    const add = (t: number) => {
      const at = t < e.now ? e.now : t;
      ref.push({ t: at, seq: seq++, id });
      e.schedule(t, 1, id++, trial);
    };
    const initial = Math.floor(rnd() * 2000);
    for (let i = 0; i < initial; i++) add(randomTime(rnd, 0, style, scale));
    const seen: number[] = [];
    const limit = 4000;
    // Each handled event schedules 0-2 more (some in the past: clamped to now).
    const handler = {
      handle: (_k: number, a: number) => {
        seen.push(a);
        if (id >= limit) return;
        const k = Math.floor(rnd() * 3);
        for (let j = 0; j < k; j++) {
          add(rnd() < 0.05 ? e.now - 1 : randomTime(rnd, e.now, style, scale));
        }
      },
    };
    // Run in a few slices to exercise `until` and peekTime.
    let until = 0;
    while (e.size > 0) {
      until += scale * (0.5 + rnd());
      if (until >= e.peekTime() || rnd() < 0.5) e.run(until, handler);
      else until = e.peekTime();
    }
    const expect = [...ref].sort((x, y) => x.t - y.t || x.seq - y.seq).map((r) => r.id);
    assert.deepEqual(seen, expect, `trial ${trial} (style ${style}, scale ${scale})`);
  }
});

Deno.test("an event due exactly at the run's end counts against maxEvents", () => {
  // run(until) processes events at times <= until; so the limit must stop one due at `until`.
  const e = new Engine();
  e.schedule(5, 1, 0, 0);
  e.schedule(10, 1, 1, 0);
  assert.throws(() => collect(e, 10, 1), EventLimitError);
  assert.equal(e.processed, 1);
  // One later than the end is not run, so it does not count.
  const f = new Engine();
  f.schedule(5, 1, 0, 0);
  f.schedule(10.5, 1, 1, 0);
  assert.deepEqual(collect(f, 10, 1), [[5, 1, 0, 0]]);
});
