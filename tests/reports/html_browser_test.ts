import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { renderReport } from "../../reports/report.ts";
import { buildCharts, type Chart } from "../../reports/charts.ts";
import { buildContext } from "../../reports/context.ts";
import { buildHtml } from "../../reports/html.ts";
import { loadBundles } from "../../reports/bundles.ts";
import type { BrowserCheck } from "./browser_check.ts";
import { fixtureSet, writeFixture } from "./fixture.ts";
import { sweep480Copy } from "./sweep480.ts";

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present) {
  console.warn(`SKIP report.html browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);
}

/** Open `html` in Chromium (1280 × 800) through browser_check.ts and return what it saw. */
async function inChromium(html: string, shot?: string): Promise<BrowserCheck> {
  const profile = Deno.makeTempDirSync({ prefix: "evtchn-chromium-" });
  try {
    const script = new URL("./browser_check.ts", import.meta.url).pathname;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", script, html, profile, ...(shot ? [shot] : [])],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  } finally {
    Deno.removeSync(profile, { recursive: true });
  }
}

Deno.test({
  name: "report.html: every chart renders offline, no console error, no request leaves the page",
  ignore: !present,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "evtchn-report-" });
    try {
      writeFixture(dir);
      const { charts } = await renderReport(dir, { png: false });
      assert.ok(charts.length >= 5);
      const seen = await inChromium(`${dir}/report.html`);
      assert.deepEqual(seen.rendered, charts.map(() => true));
      assert.ok(seen.marks > 10, `charts draw marks (${seen.marks})`);
      assert.equal(seen.tocCharts, charts.length, "the contents link every chart");
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(seen.outside, []);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "report.html of the 480-run sweep has no horizontal scrollbar in a 1280-px window",
  ignore: !present,
  async fn() {
    const dir = await sweep480Copy();
    try {
      const { charts } = await renderReport(dir, { png: false });
      const shot = `${dir}/screenshot.png`;
      const seen = await inChromium(`${dir}/report.html`, shot);
      assert.equal(seen.overflowX, 0, "the page is no wider than the window");
      assert.deepEqual(seen.rendered, charts.map(() => true));
      assert.deepEqual(seen.errors, []);
      assert.ok(seen.widestRight <= 1280 - 15, `a chart reaches x = ${seen.widestRight}`);
      // A full-page screenshot is as wide as the page: exactly the window if nothing overflows.
      assert.equal(seen.shot?.width, 1280, JSON.stringify(seen.shot));
      assert.ok(seen.shot!.height > 800, "the screenshot covers the whole page");
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "report.html with 100 charts draws only those in view at first, and every one on scroll",
  ignore: !present,
  async fn() {
    const ctx = buildContext(fixtureSet());
    const base = buildCharts(ctx);
    const charts: Chart[] = Array.from({ length: 100 }, (_, i) => {
      const c = base[i % base.length];
      return { ...c, name: `${c.name}_${i}`, title: `${i + 1}. ${c.title}` };
    });
    const dir = Deno.makeTempDirSync({ prefix: "evtchn-report100-" });
    try {
      Deno.writeTextFileSync(
        `${dir}/report.html`,
        buildHtml(ctx, ["a finding"], charts, await loadBundles()),
      );
      const seen = await inChromium(`${dir}/report.html`);
      assert.equal(seen.tocCharts, 100);
      assert.ok(seen.initial <= 10, `${seen.initial} of 100 charts drawn before scrolling`);
      assert.deepEqual(seen.rendered, charts.map(() => true));
      assert.deepEqual(seen.errors, []);
      assert.equal(seen.overflowX, 0);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
