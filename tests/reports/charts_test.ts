import assert from "node:assert/strict";
import {
  ABI_COLORS,
  abiColor,
  buildCharts,
  citedCharts,
  facetOrder,
  hiddenLines,
  informative,
  lineSpec,
  PAGE_PX,
  type VlSpec,
} from "../../reports/charts.ts";
import { buildContext } from "../../reports/context.ts";
import { heatmapSpec } from "../../reports/heatmap.ts";
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

/** The subtitle of a spec as one line (long subtitles are wrapped into several). */
function subtitle(spec: VlSpec): string {
  return [(spec.title as { subtitle?: string | string[] }).subtitle ?? ""].flat().join(" ");
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

// A grid too large for one panel per combination: 10 rates × 4 port counts × 3 VCPU counts,
// 2l against fifo, 3 replications, three port groups.
const RATE = "groups.1.arrival.rate_per_s", PORTS = "groups.1.ports", VCPUS = "guest.vcpus";
const BIG_GRID = {
  [RATE]: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => k * 100000),
  [PORTS]: [64, 256, 1024, 4096],
  [VCPUS]: [1, 2, 4],
};

/**
 * Rows of the big grid: fifo's p99 is half of 2l's from 500k events/s on (the same in every
 * replication, so the paired test passes) and 2l's ± 3 ns below (a paired mean of 0: not
 * significant); 2l fails a bind at 4096 ports. `guests` adds a per-guest table of 6 guests.
 */
function bigSet(guests = false) {
  const summary: Record<string, string | number>[] = [];
  const groups: Record<string, string | number>[] = [];
  const perGuest: Record<string, string | number>[] = [];
  for (const rate of BIG_GRID[RATE]) {
    for (const ports of BIG_GRID[PORTS]) {
      for (const vcpus of BIG_GRID[VCPUS]) {
        for (const abi of ["2l", "fifo"]) {
          for (let r = 0; r < 3; r++) {
            const head = { scenario: "big", abi, replication: r, [RATE]: rate, [PORTS]: ports };
            const p99 = 1000 * vcpus + rate / 100 + ports / 64 + 10 * r;
            const fifo = rate >= 500000 ? p99 / 2 : p99 + [3, -3, 0][r];
            const row = { ...head, [VCPUS]: vcpus, lat_p99_ns: abi === "2l" ? p99 : fifo };
            summary.push({
              ...row,
              lat_mean_ns: row.lat_p99_ns / 5,
              bind_failures: abi === "2l" && ports === 4096 ? 1 : 0,
            });
            for (const group of ["timer", "net", "disk"]) {
              groups.push({ ...row, group, lat_mean_ns: row.lat_p99_ns / 5 });
            }
            for (let g = 0; g < 6 && guests; g++) {
              perGuest.push({ ...row, guest: `vm${g}`, rt_p99_ns: (g + 1) * 1000 + r });
            }
          }
        }
      }
    }
  }
  return {
    dir: ".",
    manifest: {
      scenario: "big",
      command: "c",
      resolved: {
        base: {
          name: "big",
          description: "Does the network arrival rate hurt the timer?",
          abis: ["2l", "fifo"],
          groups: [{ name: "timer" }, { name: "net" }, { name: "disk" }],
        },
        grid: BIG_GRID,
      },
      params: [PORTS, RATE, VCPUS],
    },
    summary,
    groups,
    priorities: [],
    ...(guests ? { guests: perGuest } : {}),
  };
}

Deno.test("charts: a grid too large for its panels draws the question's axis at the focus point and a heatmap", () => {
  const ctx = buildContext(bigSet());
  const big = buildCharts(ctx);
  const names = big.map((c) => c.name);
  // The description names the arrival rate: its axis is the question's, though not first.
  assert.ok(names.includes(`lat_p99_vs_${RATE.replace(/\./g, "_")}`), names.join(","));
  assert.ok(!names.some((n) => n.startsWith("lat_p99_vs_groups_1_ports")), names.join(","));
  const line = big.find((c) => c.name.startsWith("lat_p99_vs"))!;
  const held = values(line.spec);
  // Ports and VCPUs held at the focus point (highest p99: 4096 ports, 4 VCPUs).
  assert.ok(held.every((v) => !String(v.facet).includes("=")), "no facet per combination");
  assert.equal(held.length, 10 * 2 * 4, "10 rates × 2 ABIs × (3 groups + all events)");
  assert.match(subtitle(line.spec), /net ports requested = 4096, VCPUs = 4 held/);
  assert.match(subtitle(line.spec), /the question's axis/);
  assert.equal(line.spec.columns, 2, "four group panels wrap two by two");
  const heat = big.find((c) => c.name === "ratio_lat_p99_ns_vs_2l")!;
  assert.ok(heat, names.join(","));
  assert.match(subtitle(heat.spec), /Shown instead of a line chart of about 48 panels/);
});

Deno.test("charts: heatmap cells compare each ABI with the baseline, marking untested ones", () => {
  const ctx = buildContext(bigSet());
  const heat = buildCharts(ctx).find((c) => c.name === "ratio_lat_p99_ns_vs_2l")!;
  const cells = values(heat.spec);
  // x: rate, y: ports (more values than VCPUs), rows: VCPUs (1 ABI × 3 rows fit).
  assert.equal(cells.length, 10 * 4 * 3);
  assert.deepEqual(
    (heat.spec.facet as VlSpec).row && ((heat.spec.facet as VlSpec).row as VlSpec).sort,
    ["1", "2", "4"],
  );
  const at = (x: string, y: string, row: string) =>
    cells.find((c) => c.x === x && c.y === y && c.row === row)!;
  assert.equal(at("600k", "256", "2").value, 0.5);
  assert.equal(at("600k", "256", "2").mark, "", "halved in every replication: significant");
  assert.equal(at("200k", "256", "2").mark, "ns", "± 3 ns around 2l: not significant");
  assert.equal(at("600k", "4096", "2").mark, "×", "2l could not bind every port");
  assert.ok(Math.abs((at("200k", "256", "2").value as number) - 1) < 1e-3);
});

Deno.test("charts: a fourth axis is held at the focus point in the heatmap", () => {
  const set = bigSet();
  const QUEUE = "groups.2.ports";
  const summary = set.summary.flatMap((r) => [16, 32].map((q) => ({ ...r, [QUEUE]: q })));
  const ctx = buildContext({
    ...set,
    summary,
    groups: [],
    manifest: { ...set.manifest, params: [...set.manifest.params, QUEUE] },
  });
  const heat = buildCharts(ctx).find((c) => c.name === "ratio_lat_p99_ns_vs_2l")!;
  assert.match(subtitle(heat.spec), /disk ports requested = (16|32) \(focus point\)/);
  assert.equal(values(heat.spec).length, 10 * 4 * 3);
});

Deno.test("charts: a grid with more columns than fit wraps its panels labelled 'row; column'", () => {
  const p = (facet: string, row: string) => ({
    abi: "2l",
    x: 1,
    y: 1,
    lo: 1,
    hi: 1,
    ci: 0,
    facet,
    row,
  });
  const q = (facet: string, row: string) => ({ ...p(facet, row), x: 2, y: 2 });
  const pts = ["a = 1", "a = 2", "a = 3", "a = 4"].flatMap((f) =>
    ["g1", "g2"].flatMap((r) => [p(f, r), q(f, r)])
  );
  const spec = lineSpec(pts, {
    title: "t",
    subtitle: "",
    xTitle: "x",
    yTitle: "y",
    abis: ["2l"],
    facetTitle: "a",
    rowTitle: "group",
  });
  assert.equal(spec.columns, 3);
  const facet = spec.facet as VlSpec;
  assert.equal(facet.field, "facet");
  assert.deepEqual((facet.sort as string[]).slice(0, 5), [
    "g1; a = 1",
    "g1; a = 2",
    "g1; a = 3",
    "g1; a = 4",
    "g2; a = 1",
  ]);
});

Deno.test("charts: per-guest results are drawn as one box per ABI across guests", () => {
  const ctx = buildContext(bigSet(true));
  const dist = buildCharts(ctx).find((c) => c.name === "dist_rt_p99_ns_by_guest")!;
  assert.ok(dist, "a guests table gets a distribution chart");
  assert.equal((dist.spec.mark as VlSpec).type, "boxplot");
  const v = values(dist.spec);
  assert.equal(v.length, 6 * 2, "one value per guest and ABI, at the focus point");
  // vm2: 3000 + replication (0, 1, 2) ns, averaged: 3.001 µs.
  assert.equal(v.find((x) => x.entity === "vm2" && x.abi === "fifo")!.value, 3.001);
  assert.match(subtitle(dist.spec), /6 guests/);
});

Deno.test("charts: the findings' metrics choose the charts that get a PNG", () => {
  const ctx = buildContext(bigSet());
  const big = buildCharts(ctx);
  const cited = citedCharts(big, ["lat_mean_ns"]);
  assert.deepEqual([...cited], [`lat_mean_vs_${RATE.replace(/\./g, "_")}`]);
  const none = citedCharts(big, ["no_such_metric"]);
  assert.equal(none.size, 1, "one chart to attach even when no finding cites one");
  assert.deepEqual(
    [...citedCharts(big, ["lat_p99_ns"])].sort(),
    [`lat_p99_vs_${RATE.replace(/\./g, "_")}`, "ratio_lat_p99_ns_vs_2l"].sort(),
  );
});

Deno.test("charts: a heatmap of more ABIs than columns puts one ABI per panel row", () => {
  const abis = ["3l", "fifo", "fifo:drain", "fifo:lowest-first"];
  const cells = abis.flatMap((abi) =>
    ["1", "2"].map((row) => ({ abi, x: "a", y: "b", row, value: 1, a: 1, b: 1, mark: "" as const }))
  );
  const o = {
    title: "t",
    subtitle: "",
    xTitle: "x",
    yTitle: "y",
    valueTitle: "÷ 2l",
    ratio: true,
    abis,
    xValues: ["a"],
    yValues: ["b"],
  };
  const grid = heatmapSpec(cells, { ...o, rowTitle: "VCPUs", rowSort: ["1", "2"] });
  const facet = grid.facet as Record<string, VlSpec>;
  assert.equal(facet.row.field, "abi");
  assert.equal(facet.column.field, "row");
  const wrapped = heatmapSpec(cells.map(({ row: _, ...c }) => c), o);
  assert.equal(wrapped.columns, 3, "without a third axis the ABIs' panels wrap after three");
});

Deno.test("charts: a host's per-guest rows get one distribution per device class, never mixing them", () => {
  const set = bigSet(true);
  // Each guest has a net and a blk row; blk round trips are ten times the net ones.
  const guests = set.guests!.flatMap((r) => [
    { ...r, device: "net" },
    { ...r, device: "blk", rt_p99_ns: 10 * Number(r.rt_p99_ns) },
  ]);
  const ctx = buildContext({ ...set, guests });
  const charts = buildCharts(ctx);
  const net = charts.find((c) => c.name === "dist_rt_p99_ns_by_guest_net")!;
  const blk = charts.find((c) => c.name === "dist_rt_p99_ns_by_guest_blk")!;
  assert.ok(net && blk, charts.map((c) => c.name).join(", "));
  assert.equal(charts.find((c) => c.name === "dist_rt_p99_ns_by_guest"), undefined);
  assert.equal(values(net.spec).length, 6 * 2);
  assert.equal(values(net.spec).find((x) => x.entity === "vm2" && x.abi === "fifo")!.value, 3.001);
  assert.equal(values(blk.spec).find((x) => x.entity === "vm2" && x.abi === "fifo")!.value, 30.01);
  assert.match(net.title, /p99 net round-trip time/);
});
