/**
 * What a host delivery touches, counted instead of timed: the scale
 * benchmark's host (`host_scale.ts`) run under valgrind's cachegrind, with
 * simulated caches of fixed sizes, so that a change of memory layout can be
 * judged on a machine whose timings vary by more than the change.
 *
 * Each guest count is run twice, `ms` and `2 * ms` simulated (the smaller
 * hosts longer, for about as many deliveries), in V8's single-threaded mode
 * (compilers and garbage collector on the main thread, so that the counts
 * repeat to within about 1%); the difference between the two runs is the
 * steady state, without set-up, compilation or the first touch of each
 * guest's state. Printed per delivery: instructions, first-level data cache
 * misses and last-level data cache misses.
 *
 * `deno task bench:host-cache [guests,guests,...] [ms] [ll_kib]`
 *
 * `mm1` in the list counts the scale target's single-guest reference instead
 * (the M/M/1 scenario of `model_bench.ts` through FIFO, run four times as
 * long for as many deliveries), so that a host delivery's instructions and
 * misses can be set beside the delivery the target compares it with.
 *
 * The simulated first level is 32 KiB, 8-way; the last level `ll_kib` KiB
 * (512 by default, one core's second level on the machine of the figures in
 * docs/explanation/host.md), 8-way. Needs `valgrind` on the PATH.
 *
 * @module
 */

import { hostScaleSimulation } from "./host_scale.ts";
import { mm1Scenario, runMm1 } from "./mm1.ts";

/** Totals of one cachegrind run: instructions and data-cache misses. */
export interface CacheTotals {
  /** Instructions executed (`I refs`). */
  instructions: number;
  /** First-level data cache misses, reads and writes (`D1  misses`). */
  d1Misses: number;
  /** Last-level data cache misses, reads and writes (`LLd misses`). */
  llMisses: number;
}

/**
 * The totals in cachegrind's summary (what it prints on standard error at
 * exit), or an error naming the line it could not find.
 *
 * @example
 * ```ts
 * import { parseCachegrindTotals } from "./host_cache.ts";
 * const text = [
 *   "==1== I   refs:      2,100,357,989",
 *   "==1== D1  misses:       18,741,199  ( 15,117,806 rd   +   3,623,393 wr)",
 *   "==1== LLd misses:        2,539,301  (    761,360 rd   +   1,777,941 wr)",
 * ].join("\n");
 * console.log(parseCachegrindTotals(text).llMisses); // 2539301
 * ```
 */
export function parseCachegrindTotals(text: string): CacheTotals {
  const field = (label: string): number => {
    const m = new RegExp(`^==\\d+== ${label}:\\s+([\\d,]+)`, "m").exec(text);
    if (m === null) throw new Error(`cachegrind's summary has no '${label}' line`);
    return Number(m[1].replaceAll(",", ""));
  };
  return {
    instructions: field("I   refs"),
    d1Misses: field("D1  misses"),
    llMisses: field("LLd misses"),
  };
}

/** One run of the host under cachegrind: its deliveries and totals. */
export interface CacheRun extends CacheTotals {
  /** Event handlers run, in every domain. */
  delivered: number;
}

/**
 * Per delivery, the steady state between a short and a long run of one host:
 * each total's difference over the difference in deliveries.
 *
 * @example
 * ```ts
 * import { perDelivery } from "./host_cache.ts";
 * const a = { delivered: 100, instructions: 5e6, d1Misses: 2e4, llMisses: 100 };
 * const b = { delivered: 300, instructions: 7e6, d1Misses: 6e4, llMisses: 300 };
 * console.log(perDelivery(a, b)); // { instructions: 10000, d1Misses: 200, llMisses: 1 }
 * ```
 */
export function perDelivery(short: CacheRun, long: CacheRun): CacheTotals {
  const n = long.delivered - short.delivered;
  if (!(n > 0)) throw new Error("the long run must deliver more than the short one");
  return {
    instructions: (long.instructions - short.instructions) / n,
    d1Misses: (long.d1Misses - short.d1Misses) / n,
    llMisses: (long.llMisses - short.llMisses) / n,
  };
}

/**
 * The list of what to count: guest counts, or `mm1` for the single-guest
 * reference; anything else is an error that names the token.
 *
 * @example
 * ```ts
 * import { parseCounts } from "./host_cache.ts";
 * console.log(parseCounts("mm1,10,1000")); // [ "mm1", 10, 1000 ]
 * ```
 */
export function parseCounts(arg: string): (number | "mm1")[] {
  return arg.split(",").map((t) => {
    if (t === "mm1") return "mm1";
    const n = Number(t);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(
        `bench:host-cache: '${t}' is neither a guest count (a positive integer) nor mm1`,
      );
    }
    return n;
  });
}

/** Run the host of `guests` guests (or the M/M/1 reference) for `ms` simulated under cachegrind. */
async function cacheRun(guests: number | "mm1", ms: number, llKib: number): Promise<CacheRun> {
  const out = await new Deno.Command("valgrind", {
    args: [
      "--tool=cachegrind",
      "--cache-sim=yes",
      "--D1=32768,8,64",
      `--LL=${llKib * 1024},8,64`,
      "--smc-check=all-non-file",
      "--cachegrind-out-file=/dev/null",
      Deno.execPath(),
      "run",
      "--v8-flags=--single-threaded",
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      new URL(import.meta.url).pathname,
      "--child",
      String(guests),
      String(ms),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`cachegrind run failed:\n${stderr.slice(-2000)}`);
  const delivered = Number(new TextDecoder().decode(out.stdout).trim());
  return { delivered, ...parseCachegrindTotals(stderr) };
}

if (import.meta.main) {
  if (Deno.args[0] === "--child") {
    const ms = Number(Deno.args[2]);
    if (Deno.args[1] === "mm1") {
      console.log(runMm1(mm1Scenario({ durationMs: ms }), "fifo").summary.delivered);
    } else {
      const sim = hostScaleSimulation(ms, Number(Deno.args[1]));
      sim.start();
      sim.engine.run(ms * 1e6, sim);
      console.log(sim.delivered);
    }
  } else {
    const counts = parseCounts(Deno.args[0] ?? "10,1000");
    const ms = Number(Deno.args[1] ?? 40);
    const llKib = Number(Deno.args[2] ?? 512);
    console.log(
      `simulated caches: D1 32 KiB 8-way, LL ${llKib} KiB 8-way; per delivery, ` +
        `the steady state between two runs`,
    );
    console.log("guests  sim ms  instructions  D1 misses  LL misses");
    for (const g of counts) {
      // As many deliveries whatever the size (the host at 1000 guests, `ms`);
      // the M/M/1 reference delivers about a quarter as many per ms.
      const t = g === "mm1" ? 4 * ms : Math.max(ms, ms * 1000 / g);
      const [a, b] = await Promise.all([cacheRun(g, t, llKib), cacheRun(g, 2 * t, llKib)]);
      const p = perDelivery(a, b);
      console.log(
        `${String(g).padStart(6)}  ${String(t).padStart(6)}  ${
          p.instructions.toFixed(0).padStart(12)
        }  ${p.d1Misses.toFixed(1).padStart(9)}  ${p.llMisses.toFixed(2).padStart(9)}`,
      );
    }
  }
}
