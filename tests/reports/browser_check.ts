/**
 * Opens a report.html in headless Chromium and prints what the browser test
 * asserts, as JSON: per chart whether it rendered, the number of marks drawn,
 * console errors, and every request that was not file: or data:.
 * A separate process because playwright-core probes /proc at import time,
 * which Deno allows only with --allow-all.
 *
 * Usage: deno run --allow-all tests/reports/browser_check.ts <report.html> <profile dir>
 *
 * @module
 */

import { chromium } from "playwright-core";

/** The path of Debian's Chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** What the check observed. */
export interface BrowserCheck {
  /** Per embed container: an svg or canvas inside. */
  rendered: boolean[];
  /** Line and rect marks drawn. */
  marks: number;
  /** Console errors and page errors. */
  errors: string[];
  /** Requests to anything but file: and data:. */
  outside: string[];
}

/** Open `html` with a fresh profile folder `profile` (--user-data-dir) and observe it. */
export async function checkReport(html: string, profile: string): Promise<BrowserCheck> {
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
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
    await page.evaluate("window.chartsRendered.then(function (r) { return r.length; })");
    const rendered = await page.$$eval(
      ".embed",
      (els) => els.map((e) => e.querySelector("svg, canvas") !== null),
    );
    const marks = await page.$$eval(
      ".embed svg .mark-line path, .embed svg .mark-rect path, .embed svg .mark-symbol path",
      (els) => els.length,
    );
    return { rendered, marks, errors, outside: [...new Set(outside)] };
  } finally {
    await browser.close();
  }
}

if (import.meta.main) {
  const [html, profile] = Deno.args;
  console.log(JSON.stringify(await checkReport(html, profile)));
}
