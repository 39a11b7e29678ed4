/**
 * One phase of the whole pipeline, timed in its own process, for
 * `bench/pipeline.ts`: `simulate` (expand, run every run, aggregate, write
 * the CSVs) or `report` (charts, PNGs, report.md, report.html). The modules
 * come from the source tree given as first argument, so an older checkout
 * can be timed by the same code. Prints one JSON line: phase times in ms (wall
 * and CPU: on a shared machine CPU time varies less) and the process's peak
 * resident memory (VmHWM) in MB.
 *
 * ```sh
 * deno run -A --config <tree>/deno.json bench/pipeline_phases.ts <tree> simulate <input> <out>
 * deno run -A --config <tree>/deno.json bench/pipeline_phases.ts <tree> report <out>
 * ```
 *
 * @module
 */

/** CPU time (user + system, every thread) this process has used, in ms. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
}

/** Peak resident memory of this process (VmHWM) in MB. */
export function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) / 1024 : NaN;
}

import process from "node:process";

if (import.meta.main) {
  const [tree, phase, ...rest] = Deno.args;
  const root = new URL(`file://${Deno.realPathSync(tree)}/`);
  const t0 = performance.now();
  const out: Record<string, number> = {};
  if (phase === "simulate") {
    const [input, dir] = rest;
    const { loadInput } = await import(new URL("sim/scenario/scenario.ts", root).href);
    const { expandPlan } = await import(new URL("sim/sweep/plan.ts", root).href);
    const { runSweep } = await import(new URL("sim/sweep/sweep.ts", root).href);
    const { aggregateOf } = await import(new URL("sim/sweep/ci_target.ts", root).href);
    const { writeResults } = await import(new URL("sim/sweep/results.ts", root).href);
    const plan = expandPlan(loadInput(input), {});
    const t1 = performance.now(), c1 = cpuMs();
    const { results } = await runSweep(plan, { out: dir, force: true, progress: "off" });
    const t2 = performance.now(), c2 = cpuMs();
    const aggregate = aggregateOf(plan, results);
    const t3 = performance.now();
    writeResults(dir, plan, results, "bench", { "aggregate.csv": aggregate });
    const t4 = performance.now();
    Object.assign(out, {
      load_ms: t1 - t0,
      simulate_ms: t2 - t1,
      simulate_cpu_ms: c2 - c1,
      aggregate_ms: t3 - t2,
      write_ms: t4 - t3,
      runs: results.length,
    });
  } else if (phase === "report") {
    const { renderReport } = await import(new URL("reports/report.ts", root).href);
    const c0 = cpuMs();
    await renderReport(rest[0]);
    out.render_ms = performance.now() - t0;
    out.render_cpu_ms = cpuMs() - c0;
  } else throw new Error(`unknown phase ${phase}`);
  out.peak_rss_mb = peakRssMb();
  console.log(JSON.stringify(out));
}
