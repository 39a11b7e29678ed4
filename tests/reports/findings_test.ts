import assert from "node:assert/strict";
import { buildContext } from "../../reports/context.ts";
import { buildFindings } from "../../reports/findings.ts";
import type { CsvRow } from "../../reports/csv.ts";

/** One grid point, group `net`, three replications: the p99 of 2l and fifo per replication. */
function p99Findings(p99: { "2l": number[]; fifo: number[] }): string[] {
  const summary: CsvRow[] = [], groups: CsvRow[] = [];
  for (const abi of ["2l", "fifo"] as const) {
    p99[abi].forEach((x, r) => {
      const head = { scenario: "p99", abi, replication: r, seed: r };
      summary.push({ ...head, lat_mean_ns: x / 4, lat_p99_ns: x, delivered: 100 });
      groups.push({ ...head, group: "net", priority: 7, lat_mean_ns: x / 4, lat_p99_ns: x });
    });
  }
  const set = {
    dir: ".",
    manifest: { scenario: "p99", command: "c", resolved: {}, params: [] },
    summary,
    groups,
    priorities: [],
  };
  return buildFindings(buildContext(set)).filter((f) => f.includes("p99 dispatch latency"));
}

Deno.test("a p99 ratio with a significant paired difference is a finding", () => {
  // fifo is 1.5 µs in every replication, 2l 3.6–3.7 µs: 2.4x, paired differences 2100–2200.
  const f = p99Findings({ "2l": [3600, 3700, 3700], fifo: [1500, 1500, 1500] });
  assert.equal(f.length, 1, f.join("\n"));
  assert.match(f[0], /^fifo p99 dispatch latency for group net: .* vs 2l /);
});

Deno.test("a large but insignificant p99 ratio is not a finding", () => {
  // Means 3.67 µs against 1.5 µs (2.4x), but the paired differences -500, 7500, -500 have a
  // 95% half-width of about 11.5 µs around their mean of 2.2 µs: the interval holds 0.
  const f = p99Findings({ "2l": [1000, 9000, 1000], fifo: [1500, 1500, 1500] });
  assert.deepEqual(f, []);
});
