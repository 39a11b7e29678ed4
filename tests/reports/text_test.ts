import assert from "node:assert/strict";
import { buildContext } from "../../reports/context.ts";
import { buildFindings } from "../../reports/findings.ts";
import { buildText } from "../../reports/text.ts";
import { fixtureSet } from "./fixture.ts";

const ctx = buildContext(fixtureSet());
const findings = buildFindings(ctx);

Deno.test("findings: the timer p99 comparison states values, CIs, ratio and condition", () => {
  assert.ok(
    findings.includes(
      "fifo p99 dispatch latency for group timer: 4.1 µs ± 0.5 vs 2l 61 µs ± 7.5 (15× lower) " +
        "at net arrival rate (events/s) = 600000, net ports bound = 4096.",
    ),
    findings.join("\n"),
  );
});

Deno.test("findings: starvation, capacity and overhead come from the data", () => {
  const text = findings.join("\n");
  assert.match(text, /2l starved 31 ± 2\.5 events per run in group disk \(waits over 1 ms\)/);
  assert.match(text, /fifo starved no event at any grid point/);
  assert.match(text, /2l failed to bind 66 of the requested ports/);
  // 2l could not bind every port at 4096: its overhead there is that of the ports it bound,
  // so no growth is claimed from that point.
  assert.doesNotMatch(text, /2l guest overhead/);
  assert.doesNotMatch(text, /fifo guest overhead/);
});

Deno.test("findings: guest overhead growth is reported between points where every port bound", () => {
  const set = fixtureSet();
  const f = buildFindings(buildContext({
    ...set,
    summary: set.summary.map((r) => ({ ...r, bind_failures: 0 })),
  })).join("\n");
  assert.match(f, /2l guest overhead per event grows from 33 ns ± 2\.5 to 513 ns ± 2\.5 \(16×\)/);
  assert.doesNotMatch(f, /fifo guest overhead/);
});

Deno.test("findings: ABIs that do not differ produce no comparison", () => {
  const set = fixtureSet();
  const same = set.summary.filter((r) => r.abi === "2l").map((r) => ({ ...r, abi: "3l" }));
  const g = set.groups.filter((r) => r.abi === "2l").map((r) => ({ ...r, abi: "3l" }));
  const f = buildFindings(buildContext({
    ...set,
    summary: [...set.summary.filter((r) => r.abi === "2l"), ...same],
    groups: [...set.groups.filter((r) => r.abi === "2l"), ...g],
  }));
  assert.ok(!f.some((s) => s.includes("p99 dispatch latency for group")), f.join("\n"));
  assert.ok(f.some((s) => s.includes("3l mean dispatch latency is not distinguishable")));
});

Deno.test("report.md: fixed-width tables, wrapped for mail, ends with the command", () => {
  const md = buildText(ctx, findings);
  const lines = md.trimEnd().split("\n");
  assert.equal(lines[lines.length - 1].trim(), ctx.set.manifest.command);
  for (const l of lines.filter((l) => l.startsWith("- ") || l.startsWith("  "))) {
    if (!l.startsWith("    ")) assert.ok([...l].length <= 72, l);
  }
  assert.match(md, /ABI\s+mean latency\s+p99 latency\s+p99\.9 latency/);
  assert.match(md, /timer\s+61 µs ± 7\.5\s+4\.1 µs ± 0\.5/);
});
