/**
 * Opens a report.html in headless Chromium in a 1280 × 800 window and prints
 * what the browser tests assert, as JSON: how many charts were drawn before
 * any scrolling (charts are drawn as they come into view), then, after
 * scrolling each chart into view, per chart whether it rendered, the marks
 * drawn, the table of contents' chart links, how far the page overflows the
 * window sideways, the widest chart, the size of a full-page screenshot (if asked),
 * console errors, and every request that was not file: or data:.
 * A separate process because playwright-core probes /proc at import time,
 * which Deno allows only with --allow-all.
 *
 * Usage: deno run --allow-all tests/reports/browser_check.ts <report.html> <profile dir> [shot.png]
 *
 * @module
 */

import { chromium } from "playwright-core";

/** The path of Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** The browser window the checks use (CSS px). */
export const WINDOW = { width: 1280, height: 800 };

/** What the check observed. */
export interface BrowserCheck {
  /** Charts drawn (or drawing) after the page loaded, before any scrolling. */
  initial: number;
  /** Per embed container, after scrolling it into view: an svg or canvas inside. */
  rendered: boolean[];
  /** Line, rect and symbol marks drawn. */
  marks: number;
  /** Chart links in the table of contents. */
  tocCharts: number;
  /** Document width beyond the window's client width (px): > 0 means a horizontal scrollbar. */
  overflowX: number;
  /** The widest drawn chart's right edge (px from the page's left). */
  widestRight: number;
  /** Width and height of the full-page screenshot (px), when one was asked for. */
  shot?: { width: number; height: number };
  /** Console errors and page errors. */
  errors: string[];
  /** Requests to anything but file: and data:. */
  outside: string[];
}

/** Open `html` with a fresh profile folder `profile` (--user-data-dir) and observe it. */
export async function checkReport(
  html: string,
  profile: string,
  shotPath?: string,
): Promise<BrowserCheck> {
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: WINDOW,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    const outside: string[] = [];
    const local = (u: string) => u.startsWith("file:") || u.startsWith("data:");
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => {
      if (!local(r.url())) outside.push(r.url());
    });
    await page.route("**/*", (route) => {
      if (local(route.request().url())) return route.continue();
      outside.push(route.request().url());
      return route.abort();
    });
    await page.goto(`file://${html}`, { waitUntil: "load" });
    // Let the observer fire for what is in view, then count what it drew.
    await page.evaluate("new Promise((r) => requestAnimationFrame(() => setTimeout(r, 300)))");
    const initial = await page.$$eval(
      ".embed",
      (els) => els.filter((e) => e.getAttribute("data-state") !== "pending").length,
    );
    // Scroll each chart into view, as a reader would, and wait until it is drawn.
    await page.evaluate(`(async () => {
      const boxes = Array.from(document.querySelectorAll(".embed"));
      const frame = () => new Promise((r) => requestAnimationFrame(r));
      for (const box of boxes) {
        box.scrollIntoView();
        const t0 = performance.now();
        while (!["done", "error"].includes(box.dataset.state)) {
          if (performance.now() - t0 > 30000) throw new Error("not drawn: " + box.id);
          await frame();
        }
      }
    })()`);
    const rendered = await page.$$eval(
      ".embed",
      (els) => els.map((e) => e.querySelector("svg, canvas") !== null),
    );
    const marks = await page.$$eval(
      ".embed svg .mark-line path, .embed svg .mark-rect path, .embed svg .mark-symbol path",
      (els) => els.length,
    );
    const tocCharts = await page.$$eval('nav.toc a[href^="#chart-"]', (els) => els.length);
    const overflowX = Number(
      await page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth",
      ),
    );
    const widestRight = Number(
      await page.evaluate(
        "Math.max(0, ...Array.from(document.querySelectorAll('.embed svg'))" +
          ".map((e) => e.getBoundingClientRect().right + window.scrollX))",
      ),
    );
    let shot: BrowserCheck["shot"];
    if (shotPath) {
      // A full-page screenshot is as wide as the page: wider than the window if it overflows.
      try {
        const png = await page.screenshot({ fullPage: true, path: shotPath });
        const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
        shot = { width: view.getUint32(16), height: view.getUint32(20) };
      } catch (e) {
        errors.push(`screenshot: ${e}`);
      }
    }
    return {
      initial,
      rendered,
      marks,
      tocCharts,
      overflowX,
      widestRight,
      ...(shot ? { shot } : {}),
      errors,
      outside: [...new Set(outside)],
    };
  } finally {
    await browser.close();
  }
}

if (import.meta.main) {
  const [html, profile, shot] = Deno.args;
  console.log(JSON.stringify(await checkReport(html, profile, shot)));
}
