import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { renderReport } from "../../reports/report.ts";
import { writeFixture } from "./fixture.ts";

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present) {
  console.warn(`SKIP report.html browser test: ${CHROMIUM} is missing (apt-get install chromium)`);
}

Deno.test({
  name: "report.html: every chart renders offline, no console error, no request leaves the page",
  ignore: !present,
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "evtchn-report-" });
    const profile = Deno.makeTempDirSync({ prefix: "evtchn-chromium-" });
    try {
      writeFixture(dir);
      const { charts } = await renderReport(dir, { png: false });
      assert.ok(charts.length >= 5);
      const script = new URL("./browser_check.ts", import.meta.url).pathname;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", script, `${dir}/report.html`, profile],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      assert.equal(out.code, 0, stderr);
      const seen = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.deepEqual(seen.rendered, charts.map(() => true));
      assert.ok(seen.marks > 10, `charts draw marks (${seen.marks})`);
      assert.deepEqual(seen.errors, []);
      assert.deepEqual(seen.outside, []);
    } finally {
      Deno.removeSync(dir, { recursive: true });
      Deno.removeSync(profile, { recursive: true });
    }
  },
});
