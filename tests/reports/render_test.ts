import assert from "node:assert/strict";
import { buildCharts, MAX_HEIGHT_PX, MAX_WIDTH_PX } from "../../reports/charts.ts";
import { buildContext } from "../../reports/context.ts";
import {
  canRenderPng,
  MAX_PNG_PIXELS,
  pngSize,
  pngZoom,
  renderSvg,
  svgSize,
  svgToPng,
} from "../../reports/render.ts";
import { renderReport } from "../../reports/report.ts";
import { fixtureSet } from "./fixture.ts";
import { sweep480Copy } from "./sweep480.ts";

const charts = buildCharts(buildContext(fixtureSet()));

Deno.test("render: SVG of a chart is non-trivial (paths, title text)", async () => {
  const chart = charts.find((c) => c.name === "latency_quantiles")!;
  const svg = await renderSvg(chart.spec);
  assert.ok(svg.startsWith("<svg"));
  assert.ok(svg.length > 10000, `svg size ${svg.length}`);
  assert.ok((svg.match(/<path/g) ?? []).length > 10);
  assert.match(svg, /Dispatch latency, quantile plot/);
  assert.match(svg, /<text/);
});

Deno.test({
  name: "render: PNG has the PNG signature and a real size",
  ignore: !canRenderPng(),
  async fn() {
    const svg = await renderSvg(charts.find((c) => c.name === "priority_latency")!.spec);
    const png = await svgToPng(svg);
    assert.deepEqual([...png.slice(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.length > 10000, `png size ${png.length}`);
  },
});

Deno.test("render: a PNG keeps its scale unless it would exceed the pixel budget", () => {
  assert.equal(pngZoom('<svg xmlns="x" width="800" height="400">', 2), 2);
  const z = pngZoom('<svg xmlns="x" width="43574" height="1073">', 2);
  assert.ok(z < 2);
  assert.ok(Math.abs(43574 * 1073 * z * z - MAX_PNG_PIXELS) < 1e3);
  assert.equal(pngZoom("<svg>", 2), 2); // no size: unchanged
});

Deno.test({
  name: "render: a PNG of a very wide chart is rasterised within the pixel budget",
  ignore: !canRenderPng(),
  async fn() {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="16000" height="1000">' +
      '<rect width="16000" height="1000" fill="#4c78a8"/></svg>';
    const png = await svgToPng(svg);
    // IHDR: width and height as big-endian 32-bit integers at bytes 16 and 20.
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    const w = view.getUint32(16), h = view.getUint32(20);
    assert.ok(w * h <= MAX_PNG_PIXELS * 1.001, `${w} x ${h}`);
    assert.ok(w * h > MAX_PNG_PIXELS * 0.99, `${w} x ${h}: zoomed out too far`);
    assert.ok(Math.abs(w / h - 16) < 0.05, `${w} x ${h}: aspect ratio kept`);
  },
});

Deno.test({
  name: "render: every chart of the 480-run, 3-axis sweep fits 1200 × 2000 px in its SVG and PNG",
  ignore: !canRenderPng(),
  async fn() {
    const dir = await sweep480Copy();
    try {
      const { charts } = await renderReport(dir, { pngs: "all" });
      assert.ok(charts.length >= 6, charts.map((c) => c.name).join(","));
      // The grid needs 48 panels per latency chart: a heatmap stands in for them.
      assert.ok(charts.some((c) => c.name.startsWith("ratio_lat_p99_ns")));
      for (const c of charts) {
        const svg = svgSize(Deno.readTextFileSync(`${dir}/charts/${c.name}.svg`));
        assert.ok(svg.width > 100 && svg.width <= MAX_WIDTH_PX, `${c.name}.svg: ${svg.width} wide`);
        assert.ok(svg.height > 100 && svg.height <= MAX_HEIGHT_PX, `${c.name}.svg: ${svg.height}`);
        // The PNG is the SVG at 2× (under the pixel budget, which these never reach).
        const png = pngSize(Deno.readFileSync(`${dir}/charts/${c.name}.png`));
        assert.ok(Math.abs(png.width - 2 * svg.width) <= 2, `${c.name}.png: ${png.width} wide`);
        assert.ok(Math.abs(png.height - 2 * svg.height) <= 2, `${c.name}.png: ${png.height}`);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "render: by default only the charts the findings cite get a PNG, and every chart an SVG",
  ignore: !canRenderPng(),
  async fn() {
    const dir = await sweep480Copy();
    try {
      Deno.mkdirSync(`${dir}/charts`);
      Deno.writeTextFileSync(`${dir}/charts/stale_chart.svg`, "<svg/>");
      const { charts, files } = await renderReport(dir);
      const pngs = files.filter((f) => f.endsWith(".png"));
      // 2l cannot bind 4096 ports: the "not compared" findings cite the capacity chart.
      assert.ok(pngs.includes("charts/capacity_ports.png"), pngs.join(","));
      assert.ok(pngs.length >= 1 && pngs.length < charts.length, pngs.join(","));
      for (const c of charts) assert.ok(files.includes(`charts/${c.name}.svg`), c.name);
      const listed = [...Deno.readDirSync(`${dir}/charts`)].map((e) => `charts/${e.name}`);
      assert.deepEqual(listed.sort(), files.filter((f) => f.startsWith("charts/")).sort());
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
