import assert from "node:assert/strict";
import type { CsvRow } from "../../reports/csv.ts";
import { buildContext } from "../../reports/context.ts";
import { floodFindings } from "../../reports/flood.ts";
import { buildFindings } from "../../reports/findings.ts";
import { toCsv } from "../../reports/csv.ts";
import { renderReport } from "../../reports/report.ts";
import type { ResultSet } from "../../reports/load.ts";
import { fixtureSet } from "./fixture.ts";

const CTRL = "guest.loop_ctrl";

/** Hand-made flood results: victims' p99 completion 30 µs with loop control, 9 ms without. */
function floodSet(): ResultSet {
  const summary: CsvRow[] = [];
  for (const ctrl of [true, false]) {
    for (const abi of ["2l", "fifo"]) {
      for (let r = 0; r < 3; r++) {
        summary.push({
          scenario: "flood",
          abi,
          replication: r,
          seed: r,
          [CTRL]: String(ctrl),
          lat_mean_ns: 1000,
          victim_lat_p99_ns: ctrl ? 4000 + r : 5_000_000 + r,
          victim_done_p99_ns: ctrl ? 30_000 + r : 9_000_000 + r,
          victim_cpu_share: ctrl ? 0.2 : 0.1,
          attacker_rate_per_s: ctrl ? 500 : 600_000,
          attacker_cpu_share: ctrl ? 0.0001 : 0.16,
        });
      }
    }
  }
  return {
    dir: ".",
    manifest: {
      scenario: "flood",
      command: "",
      resolved: { base: { name: "flood", abis: ["2l", "fifo"] }, grid: { [CTRL]: [true, false] } },
      params: [CTRL],
      tool_version: "0.1.0",
    },
    summary,
    groups: [],
    priorities: [],
  };
}

Deno.test("flood findings state each point's victim cost and attacker rate against the best point", () => {
  const lines = floodFindings(buildContext(floodSet()));
  assert.equal(lines.length, 4); // 2 ABIs x 2 points
  const off = lines.find((l) => l.startsWith("fifo") && l.includes("= false"))!;
  assert.match(off, /p99 completion 9(\.00)? ms/);
  assert.match(off, /300× the best point's/);
  assert.match(off, /600000 events\/s/);
  const on = lines.find((l) => l.startsWith("fifo") && l.includes("= true"))!;
  assert.match(on, /the best point/);
  assert.equal(buildFindings(buildContext(floodSet())).slice(0, 4).join("\n"), lines.join("\n"));
});

Deno.test("results without flood columns have no flood findings", () => {
  assert.deepEqual(floodFindings(buildContext(fixtureSet())), []);
});

Deno.test("report.md of a flood study states each point's victim cost before the other findings", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-flood-" });
  try {
    const set = floodSet();
    Deno.writeTextFileSync(`${dir}/summary.csv`, toCsv(set.summary));
    Deno.writeTextFileSync(`${dir}/groups.csv`, "");
    Deno.writeTextFileSync(`${dir}/priorities.csv`, "");
    Deno.writeTextFileSync(`${dir}/manifest.json`, JSON.stringify({ ...set.manifest, runs: [] }));
    await renderReport(dir, { png: false });
    const md = Deno.readTextFileSync(`${dir}/report.md`);
    const findings = md.slice(md.indexOf("Findings\n"));
    const first = findings.split("\n- ")[1].replace(/\s+/g, " ");
    assert.match(first, /^2l with .*victims' p99 dispatch latency/);
    assert.match(findings.replace(/\s+/g, " "), /the attacker is delivered 600000 events\/s/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
