import assert from "node:assert/strict";
import { ABI_COLORS, abiColor, buildCharts, type VlSpec } from "../../reports/charts.ts";
import { buildContext } from "../../reports/context.ts";
import { fixtureSet } from "./fixture.ts";

const charts = buildCharts(buildContext(fixtureSet()));
const byName = Object.fromEntries(charts.map((c) => [c.name, c.spec]));

/** The unit/layer spec inside a (possibly facetted) spec. */
function inner(spec: VlSpec): VlSpec {
  return (spec.spec as VlSpec | undefined) ?? spec;
}

function layers(spec: VlSpec): VlSpec[] {
  const s = inner(spec);
  return (s.layer as VlSpec[] | undefined) ?? [s];
}

function values(spec: VlSpec): Record<string, unknown>[] {
  return (spec.data as { values: Record<string, unknown>[] }).values;
}

Deno.test("charts: the scenario's sweep selects the expected charts", () => {
  for (
    const name of [
      "latency_quantiles",
      "lat_p99_vs_groups_1_arrival_rate_per_s",
      "lat_mean_vs_groups_1_ports",
      "priority_latency",
      "fairness_vs_groups_1_arrival_rate_per_s",
      "starved_events",
      "overhead_vs_groups_1_ports",
      "capacity_ports",
      "shared_memory",
    ]
  ) assert.ok(byName[name], `chart ${name}`);
  assert.equal(byName.headline_by_abi, undefined, "no per-ABI bars when a sweep exists");
});

Deno.test("charts: quantile plot has log axes, titles with units and the measured quantiles", () => {
  const spec = byName.latency_quantiles;
  const enc = inner(spec).encoding as Record<string, VlSpec>;
  assert.equal(inner(spec).mark && (inner(spec).mark as VlSpec).type, "line");
  assert.deepEqual(enc.x.scale, { type: "log" });
  assert.deepEqual(enc.y.scale, { type: "log" });
  assert.match(String(enc.x.title), /µs/);
  assert.match(JSON.stringify(spec.title), /quantile plot/);
  const timer = values(spec).filter((v) => v.group === "timer" && v.abi === "fifo");
  // 80 timer events per run: p99 and p99.9 are not measurable, so only p50, p90 and max.
  assert.deepEqual(timer.map((v) => v.quantile), ["p50", "p90", "max"]);
  const p50 = timer.find((v) => v.quantile === "p50")!;
  assert.equal(p50.latency_us, 0.656); // mean of 3900, 4100, 4300 / 5 * 0.8 ns
  assert.equal(p50.exceed, 0.5);
});

Deno.test("charts: latency against a parameter has a CI band, a line per ABI, facets", () => {
  const spec = byName.lat_p99_vs_groups_1_arrival_rate_per_s;
  // The line layer first, so that the ABI legend takes its symbols from it.
  const [line, band] = layers(spec);
  assert.equal((band.mark as VlSpec).type, "errorband");
  assert.equal(((line.encoding as VlSpec).color as VlSpec).legend, undefined);
  assert.equal(((band.encoding as VlSpec).color as VlSpec).legend, undefined);
  assert.equal(((band.encoding as VlSpec).y2 as VlSpec).field, "hi");
  assert.equal((line.mark as VlSpec).type, "line");
  const enc = line.encoding as Record<string, VlSpec>;
  assert.equal(enc.color.field, "abi");
  assert.match(String(enc.y.title), /\(µs\)/);
  assert.equal(enc.x.title, "net arrival rate (events/s)");
  assert.ok((spec.facet as VlSpec).column && (spec.facet as VlSpec).row);
  const v = values(spec).find((p) =>
    p.abi === "fifo" && p.row === "timer" && p.x === 600000 &&
    p.facet === "net ports bound = 4096"
  )!;
  assert.equal(v.y, 4.1);
  assert.ok((v.lo as number) < 4.1 && (v.hi as number) > 4.1);
});

Deno.test("charts: every chart colours ABIs with the fixed map", () => {
  for (const c of charts) {
    const s = JSON.stringify(c.spec);
    assert.ok(s.includes(`"range":["${ABI_COLORS["2l"]}","${ABI_COLORS.fifo}"]`), c.name);
    assert.ok(c.spec.title, `${c.name} has a title`);
  }
  assert.equal(abiColor("./designs/mine.ts"), abiColor("./designs/mine.ts"));
});

Deno.test("charts: a single grid point draws per-ABI bars and no line against parameters", () => {
  const set = fixtureSet();
  const pick = (r: Record<string, unknown>) =>
    r["groups.1.arrival.rate_per_s"] === 600000 && r["groups.1.ports"] === 256;
  const one = {
    ...set,
    summary: set.summary.filter(pick),
    groups: set.groups.filter(pick),
    priorities: set.priorities.filter(pick),
  };
  const names = buildCharts(buildContext(one)).map((c) => c.name);
  assert.ok(names.includes("headline_by_abi"));
  assert.ok(!names.some((n) => n.includes("_vs_")), names.join(","));
});
