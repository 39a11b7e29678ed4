import assert from "node:assert/strict";
import { buildContext } from "../../reports/context.ts";
import { buildFindings, computeFindings } from "../../reports/findings.ts";
import { buildText, fitTable, PAGE, scenarioLines } from "../../reports/text.ts";
import { fixtureSet, RESOLVED } from "./fixture.ts";

/** The fixture with the scenario's question about p99 latency. */
function answered() {
  const set = fixtureSet();
  return {
    ...set,
    manifest: {
      ...set.manifest,
      resolved: { ...RESOLVED, base: { ...RESOLVED.base, answer: ["lat_p99_ns"] } },
    },
  };
}

const ctx = buildContext(answered());
const findings = buildFindings(ctx);

Deno.test("findings: the question's metric leads, compared with the baseline per group", () => {
  assert.match(findings[0], /^p99 dispatch latency/, findings.join("\n"));
  const timer = findings.find((f) => f.startsWith("p99 dispatch latency of group timer"))!;
  // The fixture's timer p99: fifo 3 µs against 2l 20 µs at the two points where both bind.
  assert.match(timer, /fifo is lower than 2l at 2 of 2 grid points/);
  assert.match(timer, /net ports requested = 256/);
});

Deno.test("findings: no latency is compared where an ABI could not bind; the point is flagged", () => {
  const { findings: fs, text } = computeFindings(ctx);
  for (const f of fs) {
    if (f.kind !== "abi" || !/^lat_|overhead/.test(f.metric)) continue;
    assert.equal(JSON.parse(f.points[0])[1], 256, f.text);
  }
  // The fixture's 2l fails 66 binds at 4096 net ports (2 + 4096 + 64 requested).
  const flag = text.find((t) => t.startsWith("Not compared"))!;
  assert.match(flag, /2l bound all but 66 of the requested ports/);
  assert.doesNotMatch(text.join("\n"), /61 µs/, "the timer p99 at the flagged point");
});

Deno.test("findings: ABIs that do not differ produce no comparison, and the text says so", () => {
  const set = answered();
  const same = set.summary.filter((r) => r.abi === "2l").map((r) => ({ ...r, abi: "3l" }));
  const g = set.groups.filter((r) => r.abi === "2l").map((r) => ({ ...r, abi: "3l" }));
  const f = buildFindings(buildContext({
    ...set,
    summary: [...set.summary.filter((r) => r.abi === "2l"), ...same],
    groups: [...set.groups.filter((r) => r.abi === "2l"), ...g],
  }));
  assert.ok(!f.some((s) => / 3l .* vs 2l /.test(s)), f.join("\n"));
  assert.ok(f.some((s) => s.includes("no difference of 3l against 2l passed the test")));
});

Deno.test("report.md: every line fits in 78 columns, tables included", () => {
  const md = buildText(ctx, findings);
  for (const l of md.split("\n")) assert.ok([...l].length <= PAGE, `${[...l].length}: ${l}`);
  assert.match(md, /ABI\s+p99 latency\s+mean latency/, "the question's metric first");
  const lines = md.trimEnd().split("\n");
  assert.equal(lines[lines.length - 1].trim(), ctx.set.manifest.command);
  // No legend line twice.
  const legend = md.split("\n").filter((l) => /^\S+: /.test(l));
  assert.equal(new Set(legend).size, legend.length);
});

Deno.test("fitTable splits columns over several tables that repeat the key columns", () => {
  const head = ["ABI", "a".repeat(30), "b".repeat(30), "c".repeat(30)];
  const t = fitTable(head, [["fifo", "1", "2", "3"]], 1, 78);
  const parts = t.split("\n\n");
  assert.equal(parts.length, 2);
  for (const p of parts) assert.match(p, /^ABI/);
  for (const l of t.split("\n")) assert.ok(l.length <= 78, l);
});

Deno.test("Scenario (resolved) shows defaults filled in, in human units", () => {
  const set = answered();
  const full = {
    name: "fixture",
    duration_ms: 30,
    vcpu_sched: { kind: "timeshare", run: { kind: "const", ns: 30000000 } },
    groups: [{ name: "net", arrival: { kind: "poisson", rate_per_s: 1400000 } }],
  };
  const md = buildText(
    buildContext({ ...set, manifest: { ...set.manifest, scenario_full: full } }),
    [],
  );
  const section = md.slice(md.indexOf("Scenario (resolved)"));
  assert.match(section, /ns: 30 ms/);
  assert.match(section, /duration_ms: 30 ms/);
  assert.match(section, /rate_per_s: 1\.4M/);
  assert.doesNotMatch(section, /30000000/);
  assert.deepEqual(scenarioLines({ a: [1, 2] }), ["a: [1, 2]"]);
});
