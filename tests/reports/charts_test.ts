import assert from "node:assert/strict";
import {
  ABI_COLORS,
  abiColor,
  buildCharts,
  facetOrder,
  hiddenLines,
  informative,
  lineSpec,
  PAGE_PX,
  type VlSpec,
} from "../../reports/charts.ts";
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
    p.facet === "net ports requested = 4096"
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

Deno.test("charts: confidence bands stay within the metric's domain", () => {
  for (const c of charts) {
    for (const v of values(c.spec)) {
      if (typeof v.lo === "number") assert.ok(v.lo >= 0, `${c.name}: band below 0`);
    }
  }
  const fair = values(byName.fairness_vs_groups_1_arrival_rate_per_s);
  for (const v of fair) assert.ok((v.hi as number) <= 1, `Jain band above 1: ${v.hi}`);
  // fifo's Jain values are 0.9, 0.91, 0.92: the raw band reaches past 0.93 but stops at 1.
  const set = fixtureSet();
  const high = buildCharts(buildContext({
    ...set,
    summary: set.summary.map((r) =>
      r.abi === "fifo" ? { ...r, jain_latency: 0.995 + 0.002 * Number(r.replication) } : r
    ),
  })).find((c) => c.name.startsWith("fairness_vs"))!;
  for (const v of values(high.spec)) assert.ok((v.hi as number) <= 1, `Jain band ${v.hi}`);
});

Deno.test("charts: numeric facets are sorted as numbers, wrapped, and no chart is wider than the page", () => {
  assert.deepEqual(facetOrder(["p = 4096", "p = 256", "p = 1024"]), [
    "p = 256",
    "p = 1024",
    "p = 4096",
  ]);
  const spec = byName.lat_p99_vs_groups_1_arrival_rate_per_s;
  const col = (spec.facet as VlSpec).column as VlSpec;
  assert.deepEqual(col.sort, ["net ports requested = 256", "net ports requested = 4096"]);
  for (const c of charts) {
    const s = c.spec;
    const panel = Number(inner(s).width ?? s.width);
    const facet = s.facet as VlSpec | undefined;
    const n = facet?.column
      ? ((facet.column as VlSpec).sort as unknown[] | undefined)?.length ?? 1
      : Number(s.columns ?? 1);
    assert.ok(panel * n <= PAGE_PX, `${c.name}: ${n} panels of ${panel} px`);
  }
});

Deno.test("charts: a chart of one flat value is left out, and a hidden line is named", () => {
  const set = fixtureSet();
  const flat = buildCharts(buildContext({
    ...set,
    summary: set.summary.map((r) => ({ ...r, jain_latency: 1 })),
  })).map((c) => c.name);
  assert.ok(!flat.some((n) => n.startsWith("fairness_vs")), flat.join(","));
  const p = (abi: string, x: number, y: number) => ({ abi, x, y, lo: y, hi: y, ci: 0 });
  assert.deepEqual(
    hiddenLines([p("2l", 1, 5), p("2l", 2, 7), p("fifo", 1, 5), p("fifo", 2, 7)], [
      "2l",
      "fifo",
    ]),
    ["fifo's line hides 2l's"],
  );
  assert.deepEqual(hiddenLines([p("2l", 1, 5), p("fifo", 1, 6)], ["2l", "fifo"]), []);
  // The fixture's 2l and fifo both bind every port below 4096: the capacity chart says so.
  const cap = byName.capacity_ports;
  assert.ok(informative({ name: "x", title: "", caption: "", spec: cap }));
});

Deno.test("charts: a long subtitle wraps into lines, so it never widens a chart", () => {
  const hides = ["3l", "fifo", "fifo:drain", "fifo:lowest-first"].map((a) =>
    `${a}'s line hides 2l's in 4 of 8 panels`
  );
  const subtitle = `mean over replications, band: 95% CI; ${hides.join(", ")}`;
  const spec = lineSpec([
    { abi: "2l", x: 1, y: 2, lo: 1.5, hi: 2.5, ci: 0.5 },
    { abi: "2l", x: 2, y: 3, lo: 2.5, hi: 3.5, ci: 0.5 },
  ], { title: "t", subtitle, xTitle: "x", yTitle: "y (µs)", abis: ["2l"] });
  const lines = (spec.title as { subtitle: string[] }).subtitle;
  assert.ok(Array.isArray(lines) && lines.length >= 2, JSON.stringify(lines));
  assert.ok(lines.every((l) => l.length <= 100), JSON.stringify(lines));
  assert.equal(lines.join(" "), subtitle);
  const short = lineSpec([], {
    title: "t",
    subtitle: "band: 95% CI",
    xTitle: "x",
    yTitle: "y",
    abis: [],
  });
  assert.equal((short.title as { subtitle: string }).subtitle, "band: 95% CI");
});
