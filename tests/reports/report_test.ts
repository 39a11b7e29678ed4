import assert from "node:assert/strict";
import { renderReport } from "../../reports/report.ts";
import { canRenderPng } from "../../reports/render.ts";
import { writeFixture } from "./fixture.ts";

Deno.test({
  name: "a report announces every chart once as it is written, and writes every PNG it lists",
  ignore: !canRenderPng(),
  async fn() {
    const dir = Deno.makeTempDirSync({ prefix: "evtchn-report-" });
    try {
      writeFixture(dir);
      const seen: string[] = [];
      const totals = new Set<number>();
      const { charts, files } = await renderReport(dir, {
        progress: (done, total, name) => {
          assert.equal(done, seen.length + 1);
          seen.push(name);
          totals.add(total);
        },
      });
      assert.deepEqual([...totals], [charts.length]);
      assert.deepEqual([...seen].sort(), charts.map((c) => c.name).sort());
      // PNGs only for the charts the findings cite (at least one), each a real PNG.
      const pngs = files.filter((f) => f.endsWith(".png"));
      assert.ok(pngs.length >= 1);
      for (const f of pngs) {
        const png = Deno.readFileSync(`${dir}/${f}`);
        assert.equal(png[1], 0x50, `${f} is a PNG`);
        assert.ok(charts.some((c) => f === `charts/${c.name}.png`), f);
      }
      // report.md names each chart by a file that was written (its PNG, else its SVG).
      const md = Deno.readTextFileSync(`${dir}/report.md`);
      const named = [...md.matchAll(/^- ([\w.-]+\.(?:png|svg)):/gm)].map((x) => x[1]);
      assert.equal(named.length, charts.length);
      for (const f of named) assert.ok(files.includes(`charts/${f}`), `report.md names ${f}`);
      assert.ok(named.some((f) => f.endsWith(".svg")) || pngs.length === charts.length);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});

Deno.test("a plain run of a capacity study opens its Answer by saying it did not search", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-report-" });
  try {
    writeFixture(dir);
    const answerOf = async () => {
      await renderReport(dir, { png: false });
      const md = Deno.readTextFileSync(`${dir}/report.md`);
      return md.slice(md.indexOf("Answer\n------\n") + 14).trimStart();
    };
    assert.doesNotMatch(await answerOf(), /capacity study/);
    const manifest = JSON.parse(Deno.readTextFileSync(`${dir}/manifest.json`));
    manifest.resolved = { ...manifest.resolved, capacity: { axis: "workload.rate_per_s" } };
    Deno.writeTextFileSync(`${dir}/manifest.json`, JSON.stringify(manifest));
    assert.match(await answerOf(), /^fixture is a capacity study, and this run did not search/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
