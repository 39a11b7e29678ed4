import assert from "node:assert/strict";
import { buildContext } from "../../reports/context.ts";
import { computeFindings, type Finding } from "../../reports/findings.ts";
import type { CsvRow } from "../../reports/csv.ts";
import type { ResultSet } from "../../reports/load.ts";
import { expandPlan, type PlanOverrides } from "../../sim/sweep/plan.ts";
import { loadInput } from "../../sim/scenario/scenario.ts";
import { runOne } from "../../sim/run/run.ts";

/** Run a built-in scenario in-process (fixed seeds) and load its rows as a results folder. */
async function runBuiltin(name: string, overrides: PlanOverrides = {}): Promise<ResultSet> {
  const plan = expandPlan(loadInput(name), overrides);
  const summary: CsvRow[] = [], groups: CsvRow[] = [], priorities: CsvRow[] = [];
  for (const run of plan.runs) {
    const r = await runOne(run);
    summary.push(r.summary as CsvRow);
    groups.push(...r.groups as CsvRow[]);
    priorities.push(...r.priorities as CsvRow[]);
  }
  return {
    dir: ".",
    manifest: {
      scenario: plan.name,
      command: `deno task sim run ${name}`,
      resolved: plan.resolved,
      scenario_full: plan.base,
      params: plan.params,
    },
    summary,
    groups,
    priorities,
  };
}

function passed(fs: readonly Finding[], metric: string, kind: Finding["kind"] = "abi"): Finding[] {
  return fs.filter((f) => f.metric === metric && f.kind === kind && f.significant);
}

Deno.test("init-control-failure: offline against fallback-2l is a finding, labelled by the ABI that ran", async () => {
  const { findings, text } = computeFindings(
    buildContext(await runBuiltin("init-control-failure")),
  );
  // The top halves are short, so offlining shows in the deferred packet work that queues on
  // the doubled VCPU: fallback-2l (the domain ran 2-level) has the lower mean completion latency.
  const mean = passed(findings, "done_mean_ns", "param");
  assert.equal(mean.length, 1, text.join("\n"));
  assert.equal(mean[0].direction, "lower");
  assert.ok(mean[0].diff.mean + mean[0].diff.ci < 0, "the 95% interval excludes 0");
  assert.match(mean[0].text, /init_fail_policy = fallback-2l \(ran as 2l\)/);
  const answer = ["mean dispatch", "p99 dispatch", "guest overhead", "mean completion"];
  assert.ok(answer.some((a) => text[0].startsWith(a)), "an answer metric leads");
  assert.doesNotMatch(text.join("\n"), /No difference/);
});

Deno.test("backend-lateeoi: late EOI's hypercalls are a finding for every ABI", async () => {
  const { findings } = computeFindings(
    buildContext(await runBuiltin("backend-lateeoi", { replications: 3 })),
  );
  const h = passed(findings, "hypercalls", "param");
  assert.deepEqual(h.map((f) => f.abis[0]).sort(), ["2l", "fifo"]);
  for (const f of h) {
    assert.equal(f.direction, "higher");
    // One EVTCHNOP_unmask per event raised while its port was masked: several times as many
    // (work arriving while a poll or kthread is scheduled raises nothing, so not more).
    assert.ok(f.a.mean > 2.5 * f.b.mean, `${f.abis[0]}: ${f.a.mean} vs ${f.b.mean}`);
  }
});

Deno.test("one-vs-drain: fifo:drain against fifo on urgent p99 and overhead per event", async () => {
  const { findings, text } = computeFindings(buildContext(await runBuiltin("one-vs-drain")));
  const urgent = passed(findings, "lat_p99_ns").find((f) =>
    f.abis[0] === "fifo:drain" && f.group === "urgent"
  );
  assert.ok(urgent, text.join("\n"));
  assert.equal(urgent.abis[1], "fifo", "compared with the baseline, fifo");
  assert.equal(urgent.direction, "higher");
  const o = passed(findings, "overhead_ns_per_event").find((f) => f.abis[0] === "fifo:drain");
  assert.ok(o, text.join("\n"));
  // Draining saves the READY re-check per event: a few ns less, a tight paired interval.
  assert.equal(o.direction, "lower");
  assert.ok(o.diff.mean + o.diff.ci < 0 && o.diff.mean > -20, `${o.diff.mean} ± ${o.diff.ci}`);
});

Deno.test("equal-priority-fairness: fifo's Jain index and latency spread differ from 2l's", async () => {
  const { findings, text } = computeFindings(
    buildContext(await runBuiltin("equal-priority-fairness", { abis: ["2l", "fifo"] })),
  );
  const jain = passed(findings, "jain_latency").find((f) => f.abis[0] === "fifo");
  assert.ok(jain, text.join("\n"));
  assert.equal(jain.direction, "higher");
  const spread = passed(findings, "latency_spread").find((f) => f.abis[0] === "fifo");
  assert.ok(spread, text.join("\n"));
  assert.equal(spread.direction, "lower");
  assert.ok(text.findIndex((t) => t.startsWith("Jain")) === 0, "the answer metric leads");
});

Deno.test("port-scaling: a point where 2l cannot bind is flagged, never compared on latency", async () => {
  const set = await runBuiltin("port-scaling", {
    replications: 2,
    sets: ["duration_ms=3", "warmup_ms=1"],
  });
  const { findings, text } = computeFindings(buildContext(set));
  const flags = findings.filter((f) => f.kind === "flag");
  assert.deepEqual(flags.map((f) => JSON.parse(f.points[0])[0]), [16384, 131071]);
  assert.match(
    flags[1].text,
    /at io ports requested = 131071, 2l bound 4095 of 131071 requested ports; it carried \d\.?\d*% of the offered load/,
  );
  for (const f of findings) {
    if (f.kind === "flag" || f.kind === "none" || !/lat_|overhead/.test(f.metric)) continue;
    const at = JSON.parse(f.points[0])[0];
    if (f.abis.includes("2l")) assert.ok(at < 16384, `compared at ${at}: ${f.text}`);
  }
  assert.ok(text.some((t) => t.startsWith("Not compared")));
});

/**
 * One grid point of a scenario asking about p99 latency (`answer`), replications of 2l (the
 * baseline) and fifo with the given p99 each: the p99 findings.
 */
function p99Findings(values: { "2l": number[]; fifo: number[] }) {
  const summary: CsvRow[] = [];
  for (const abi of ["2l", "fifo"] as const) {
    values[abi].forEach((x, r) => {
      summary.push({ scenario: "p99", abi, replication: r, seed: r, lat_p99_ns: x });
    });
  }
  const set: ResultSet = {
    dir: ".",
    manifest: { scenario: "p99", command: "c", resolved: { answer: ["lat_p99_ns"] }, params: [] },
    summary,
    groups: [],
    priorities: [],
  };
  const { findings, text } = computeFindings(buildContext(set));
  return { p99: findings.filter((f) => f.metric === "lat_p99_ns"), text: text.join("\n") };
}

Deno.test("a p99 ratio with a significant paired difference is a finding", () => {
  // fifo is 1.5 µs in every replication, 2l 3.6–3.7 µs: 2.4x, paired differences -2100..-2200.
  const { p99, text } = p99Findings({ "2l": [3600, 3700, 3700], fifo: [1500, 1500, 1500] });
  assert.deepEqual(p99.map((f) => [f.kind, f.significant, f.direction]), [["abi", true, "lower"]]);
  assert.match(text, /fifo/);
});

Deno.test("a large but insignificant p99 ratio is not a finding", () => {
  // Means 3.67 µs against 1.5 µs (2.4x), but the paired differences 500, -7500, 500 have a
  // 95% half-width of about 11.5 µs around their mean of -2.2 µs: the interval holds 0.
  const noisy = p99Findings({ "2l": [1000, 9000, 1000], fifo: [1500, 1500, 1500] });
  assert.deepEqual(noisy.p99.map((f) => [f.kind, f.abis[0]]), [["none", "fifo"]], noisy.text);
  assert.match(noisy.text, /no difference of fifo against 2l passed the test/);
  // One replication: a ratio with no interval at all.
  const one = p99Findings({ "2l": [3600], fifo: [1500] });
  assert.deepEqual(one.p99.map((f) => [f.kind, f.abis[0]]), [["none", "fifo"]], one.text);
});

Deno.test("a switch's effect within one ABI is a finding in a two-by-two grid", () => {
  // Two on/off switches, 4 grid points, 2l only: with both off the p99 is 50x that with both
  // on, in every replication. Each point is compared with the first (both on).
  const summary: CsvRow[] = [];
  const p99 = (x: string, y: string) => (x === "true" || y === "true" ? 1000 : 50000);
  for (const x of ["true", "false"]) {
    for (const y of ["true", "false"]) {
      for (let r = 0; r < 4; r++) {
        summary.push({
          scenario: "s",
          abi: "2l",
          replication: r,
          seed: r,
          x,
          y,
          lat_p99_ns: p99(x, y) + 10 * r,
        });
      }
    }
  }
  const set: ResultSet = {
    dir: ".",
    manifest: {
      scenario: "s",
      command: "c",
      resolved: { answer: ["lat_p99_ns"] },
      params: ["x", "y"],
    },
    summary,
    groups: [],
    priorities: [],
  };
  const { findings } = computeFindings(buildContext(set));
  const param = passed(findings, "lat_p99_ns", "param");
  assert.equal(param.length, 1, findings.map((f) => f.text).join("\n"));
  assert.equal(param[0].direction, "higher");
  assert.equal(param[0].b.mean, 1015);
  assert.equal(param[0].a.mean, 50015);
});

Deno.test("a metric that is the same in every run at one point only stays in one sentence", () => {
  // Median latency: fifo 2790 against 2l 2700 in every replication at p = 1 (no noise), and
  // about 3000 against 2780 at p = 2 (noise): both points go in one sentence, and the
  // "same in every run" line is left to metrics that never vary.
  const summary: CsvRow[] = [];
  for (const p of ["1", "2"]) {
    for (let r = 0; r < 4; r++) {
      const noise = p === "1" ? 0 : 7 * r;
      summary.push({
        abi: "2l",
        replication: r,
        p,
        lat_p50_ns: (p === "1" ? 2700 : 2780) + noise,
        shared_bytes: 1056,
      });
      summary.push({
        abi: "fifo",
        replication: r,
        p,
        lat_p50_ns: (p === "1" ? 2790 : 3000) + 2 * noise,
        shared_bytes: 4240,
      });
    }
  }
  const set: ResultSet = {
    dir: ".",
    manifest: {
      scenario: "s",
      command: "c",
      resolved: { answer: ["shared_bytes"] },
      params: ["p"],
    },
    summary,
    groups: [],
    priorities: [],
  };
  const { text } = computeFindings(buildContext(set));
  const median = text.filter((t) => t.includes("median dispatch latency"));
  assert.equal(median.length, 1, text.join("\n"));
  assert.match(median[0].replace(/\s+/g, " "), /at 2 of 2 grid points/);
});
