/**
 * The whole pipeline, old code against new, side by side: a sweep file is
 * simulated (expand, runs, aggregate, CSVs) and reported (charts, PNGs,
 * report.md, report.html), each phase in its own process
 * (`bench/pipeline_phases.ts`), alternating the two trees run by run. Prints
 * the median of each phase, the peak resident memory of each process, the
 * report's time over the simulation's (`report_per_sim_*`: at most 1 is the
 * target), the machine and its load, and the old/new ratio.
 *
 * ```sh
 * git worktree add /tmp/old c247bcd           # the code to compare against
 * deno task bench:pipeline --old /tmp/old --runs 3                      # bench/inputs/default_v1.json
 * deno task bench:pipeline --old /tmp/old --runs 3 --input bench/inputs/sweep480.json
 * deno task bench:pipeline --runs 3 --no-report                          # this tree only
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";

/** One run of both phases: times in ms, peak RSS in MB. */
type Sample = Record<string, number>;

/** Run one phase of `tree` in a fresh process and return its JSON line. */
async function phase(tree: string, args: string[]): Promise<Sample> {
  const script = new URL("./pipeline_phases.ts", import.meta.url).pathname;
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    // With the V8 flags `deno task sim` runs with.
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      "--config",
      `${tree}/deno.json`,
      script,
      tree,
      ...args,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error(`${tree}: ${args[0]} failed`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  return { ...JSON.parse(lines[lines.length - 1]), wall_ms: performance.now() - t0 };
}

/** Median of a list of numbers. */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      old: { type: "string" },
      runs: { type: "string", default: "3" },
      input: { type: "string", default: "bench/inputs/default_v1.json" },
      "no-report": { type: "boolean", default: false },
    },
  });
  const here = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const trees: [string, string][] = [["new", here]];
  if (values.old) trees.unshift(["old", Deno.realPathSync(values.old)]);
  const input = Deno.realPathSync(values.input!);
  const runs = Number(values.runs);
  const samples = new Map<string, Sample[]>(trees.map(([k]) => [k, []]));
  const load0 = Deno.loadavg();
  let simRuns = 0;
  const tmp = Deno.makeTempDirSync({ prefix: "evtchn-pipeline-" });
  try {
    for (let i = 0; i < runs; i++) {
      // Alternate which tree goes first, so drifting load hits both alike.
      const order = i % 2 === 0 ? trees : [...trees].reverse();
      for (const [name, tree] of order) {
        const dir = `${tmp}/${name}`;
        const sim = await phase(tree, ["simulate", input, dir]);
        simRuns = sim.runs;
        const rep = values["no-report"] ? {} : await phase(tree, ["report", dir]);
        const s: Sample = {
          simulate_s: sim.simulate_ms / 1e3,
          simulate_cpu_s: sim.simulate_cpu_ms / 1e3,
          aggregate_s: sim.aggregate_ms / 1e3,
          write_s: sim.write_ms / 1e3,
          sim_process_s: sim.wall_ms / 1e3,
          sim_rss_mb: sim.peak_rss_mb,
        };
        if (rep.render_ms !== undefined) {
          s.render_s = rep.render_ms / 1e3;
          s.render_cpu_s = rep.render_cpu_ms / 1e3;
          s.report_process_s = rep.wall_ms / 1e3;
          s.report_rss_mb = rep.peak_rss_mb;
          // The target: the report takes no longer than the simulation it reports.
          s.report_per_sim_wall = s.report_process_s / s.sim_process_s;
          s.report_per_sim_cpu = s.render_cpu_s / s.simulate_cpu_s;
        }
        samples.get(name)!.push(s);
        console.error(`run ${i + 1}/${runs} ${name}: ${JSON.stringify(s)}`);
      }
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
  const keys = Object.keys(samples.get("new")![0]);
  const names = trees.map(([k]) => k);
  console.log(`${values.input}: ${simRuns} runs; medians of ${runs} alternated runs per tree`);
  console.log(
    `machine: ${navigator.hardwareConcurrency} cores, ${Deno.osRelease()}, load average ` +
      `${load0.map((x) => x.toFixed(1)).join(" ")} at start, ` +
      `${Deno.loadavg().map((x) => x.toFixed(1)).join(" ")} at end`,
  );
  console.log(["phase", ...names, ...(names.length === 2 ? ["old/new"] : [])].join("\t"));
  for (const k of keys) {
    const m = names.map((n) => median(samples.get(n)!.map((s) => s[k])));
    const ratio = m.length === 2 ? [`${(m[0] / m[1]).toFixed(2)}x`] : [];
    const digits = k.endsWith("mb") ? 0 : 2;
    console.log([k, ...m.map((x) => x.toFixed(digits)), ...ratio].join("\t"));
  }
}
