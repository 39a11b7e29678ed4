import assert from "node:assert/strict";
import { buildCharts } from "../../reports/charts.ts";
import { buildContext } from "../../reports/context.ts";
import {
  canRenderPng,
  MAX_PNG_PIXELS,
  pngZoom,
  renderSvg,
  svgToPng,
} from "../../reports/render.ts";
import { fixtureSet } from "./fixture.ts";

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
