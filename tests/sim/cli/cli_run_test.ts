import assert from "node:assert/strict";
import { main } from "../../../sim/cli/cli.ts";
import { fromCsv } from "../../../reports/csv.ts";
import { ABI_IDS } from "../../../models/registry.ts";

const EXAMPLE = new URL("../../../examples/fifo_quota.ts", import.meta.url).pathname;

function scenario(dir: string, abis: string[]): string {
  const s = {
    name: "e2e",
    abis,
    duration_ms: 3,
    warmup_ms: 0.5,
    replications: 2,
    seed: 11,
    guest: { vcpus: 2 },
    groups: [
      {
        name: "timer",
        ports: 1,
        vcpu: "each",
        timer: true,
        arrival: { kind: "periodic", period_us: 500 },
        service: { kind: "const", ns: 1500 },
      },
      {
        name: "net",
        ports: 200,
        arrival: { kind: "poisson", rate_per_s: 300000 },
        service: { kind: "exp", mean_ns: 2000 },
      },
    ],
  };
  const path = `${dir}/e2e.json`;
  Deno.writeTextFileSync(path, JSON.stringify(s));
  return path;
}

const SUMMARY_COLUMNS = [
  "scenario",
  "abi",
  "replication",
  "seed",
  "raised",
  "delivered",
  "coalesced",
  "lat_mean_ns",
  "lat_p50_ns",
  "lat_p90_ns",
  "lat_p99_ns",
  "lat_p999_ns",
  "lat_max_ns",
  "jain_latency",
  "starved_events",
  "inversions",
  "upcalls",
  "overhead_ns_per_event",
  "bind_failures",
  "shared_bytes",
  "sim_events",
];

Deno.test("an end-to-end run writes the summary columns and delivered + coalesced <= raised", async () => {
  const dir = Deno.makeTempDirSync();
  const file = scenario(dir, ["2l", "fifo"]);
  assert.equal(await main(["run", file, "--out", `${dir}/out`, "--quiet"]), 0);
  const text = Deno.readTextFileSync(`${dir}/out/summary.csv`);
  const header = text.split("\n")[0].split(",");
  for (const c of SUMMARY_COLUMNS) assert.ok(header.includes(c), `missing column ${c}`);
  const rows = fromCsv(text);
  assert.equal(rows.length, 4);
  for (const r of rows) {
    const n = (k: string) => r[k] as number;
    assert.ok(n("delivered") + n("coalesced") <= n("raised"));
    assert.ok(n("delivered") > 0);
  }
  const groups = fromCsv(Deno.readTextFileSync(`${dir}/out/groups.csv`));
  assert.deepEqual([...new Set(groups.map((g) => g.group))], ["timer", "net"]);
  const agg = fromCsv(Deno.readTextFileSync(`${dir}/out/aggregate.csv`));
  assert.deepEqual(agg.map((r) => r.abi), ["2l", "fifo"]);
  assert.ok("lat_p99_ns_ci95" in agg[0] && "lat_p99_ns_diff" in agg[1]);
  const manifest = JSON.parse(Deno.readTextFileSync(`${dir}/out/manifest.json`));
  assert.equal(manifest.runs.length, 4);
  // The report is rendered after the results.
  assert.ok(Deno.readTextFileSync(`${dir}/out/report.md`).includes("Findings"));
  assert.ok(Deno.statSync(`${dir}/out/report.html`).size > 100000);
  assert.ok(manifest.runs.every((r: { wall_ms: number }) => r.wall_ms >= 0));
});

Deno.test("the same scenario and seed give byte-identical CSVs", async () => {
  const dir = Deno.makeTempDirSync();
  const file = scenario(dir, ["2l", "fifo"]);
  for (const out of ["a", "b"]) {
    assert.equal(
      await main([
        "run",
        file,
        "--out",
        `${dir}/${out}`,
        "--quiet",
        "--no-report",
        "--workers",
        "1",
      ]),
      0,
    );
  }
  for (const f of ["summary.csv", "groups.csv", "aggregate.csv", "priorities.csv"]) {
    assert.equal(
      Deno.readTextFileSync(`${dir}/a/${f}`),
      Deno.readTextFileSync(`${dir}/b/${f}`),
      f,
    );
  }
  // A different seed changes the results.
  assert.equal(
    await main(["run", file, "--out", `${dir}/c`, "--quiet", "--no-report", "--seed", "12"]),
    0,
  );
  assert.notEqual(
    Deno.readTextFileSync(`${dir}/a/summary.csv`),
    Deno.readTextFileSync(`${dir}/c/summary.csv`),
  );
});

Deno.test("every ABI id and a design module run end to end", async () => {
  const dir = Deno.makeTempDirSync();
  const file = scenario(dir, ["2l"]);
  const abis = [...ABI_IDS, EXAMPLE];
  assert.equal(
    await main([
      "run",
      file,
      "--out",
      `${dir}/out`,
      "--quiet",
      "--no-report",
      "--abi",
      abis.join(","),
      "--replications",
      "1",
    ]),
    0,
  );
  const rows = fromCsv(Deno.readTextFileSync(`${dir}/out/summary.csv`));
  assert.deepEqual(rows.map((r) => r.abi), abis);
  for (const r of rows) assert.ok((r.delivered as number) > 0, `${r.abi} delivered nothing`);
});

Deno.test("--ci-target adds replications until the headline half-widths are small enough", async () => {
  const dir = Deno.makeTempDirSync();
  const file = scenario(dir, ["fifo"]);
  const code = await main([
    "run",
    file,
    "--out",
    `${dir}/out`,
    "--quiet",
    "--no-report",
    "--replications",
    "2",
    "--ci-target",
    "0.2",
    "--max-replications",
    "16",
  ]);
  assert.equal(code, 0);
  const agg = fromCsv(Deno.readTextFileSync(`${dir}/out/aggregate.csv`))[0];
  const n = agg.n as number;
  assert.ok(n > 2 && n <= 16, `replications ${n}`);
  // Either the target is met, or the maximum was reached.
  const met = ["lat_mean_ns", "lat_p99_ns", "overhead_ns_per_event"].every((m) =>
    (agg[`${m}_ci95`] as number) <= 0.2 * (agg[`${m}_mean`] as number)
  );
  assert.ok(met || n === 16);
  const rows = fromCsv(Deno.readTextFileSync(`${dir}/out/summary.csv`));
  assert.deepEqual(rows.map((r) => r.replication), Array.from({ length: n }, (_, i) => i));
});
