import assert from "node:assert/strict";
import { createProgress, formatDuration, formatRate } from "../../../sim/sweep/progress.ts";

Deno.test("plain progress lines come every 10% or every interval, with ETA and events/s", () => {
  let t = 0;
  const lines: string[] = [];
  const p = createProgress({ mode: "lines", write: (l) => lines.push(l), now: () => t });
  p.start(100, 0);
  for (let i = 0; i < 100; i++) {
    t += 100; // 0.1 s a run
    p.tick(50000);
  }
  p.stop();
  assert.equal(lines.length, 10); // one line a decile: they come faster than every 2 s
  assert.equal(lines[0], "10/100 runs (10%), 1 s elapsed, ETA 9 s, 500.0 kevents/s");
  assert.equal(lines.at(-1), "100/100 runs (100%), 10 s elapsed, ETA 0 s, 500.0 kevents/s");
  lines.length = 0;
  const slow = createProgress({ mode: "lines", write: (l) => lines.push(l), now: () => t });
  t = 0;
  slow.start(1000, 0);
  for (let i = 0; i < 50; i++) {
    t += 500; // 0.5 s a run: a line every 2 s
    slow.tick(1000);
  }
  assert.equal(lines.length, 12);
  assert.equal(lines[0], "4/1000 runs (0%), 2 s elapsed, ETA 8 min 18 s, 2.0 kevents/s");
});

Deno.test("a resumed sweep says how many runs were already recorded", () => {
  const lines: string[] = [];
  const p = createProgress({ mode: "lines", write: (l) => lines.push(l), now: () => 0 });
  p.start(10, 4);
  p.stop();
  assert.equal(lines[0], "resuming: 4/10 runs already recorded");
});

Deno.test("rates and durations read naturally", () => {
  assert.equal(formatRate(950), "950 ");
  assert.equal(formatRate(12_300_000), "12.30 M");
  assert.equal(formatDuration(59), "59 s");
  assert.equal(formatDuration(3725), "1 h 02 min");
  assert.equal(formatDuration(Infinity), "?");
});

Deno.test("a long run reports its simulated time and events while in flight", () => {
  let t = 0;
  const lines: string[] = [];
  const p = createProgress({ mode: "lines", write: (l) => lines.push(l), now: () => t });
  p.start(1, 0);
  t = 2000;
  p.running(0, 120.5e6, 500e6, 3_000_000);
  t = 2500; // within the interval: no line
  p.running(0, 130e6, 500e6, 3_500_000);
  assert.deepEqual(lines, [
    "run 0 in flight: 121 ms of 500 ms simulated, 3.00 Mevents so far; 1.50 Mevents/s overall",
  ]);
  t = 4000;
  p.tick(10_000_000, 0); // the run's events now count as done, not twice
  assert.equal(lines.at(-1), "1/1 runs (100%), 4 s elapsed, ETA 0 s, 2.50 Mevents/s");
});
