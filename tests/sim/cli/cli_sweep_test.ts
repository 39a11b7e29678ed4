import assert from "node:assert/strict";
import { main } from "../../../sim/cli/cli.ts";

const CLI = new URL("../../../sim/cli/cli.ts", import.meta.url).pathname;
const CSVS = ["summary.csv", "groups.csv", "priorities.csv"];

/** A tiny sweep: 2 ABIs x 3 points x 2 replications = 12 runs of a few ms each. */
function tinySweep(dir: string, name = "tiny", durationMs = 2, ratePerS = 200000): string {
  const sweep = {
    base: {
      name,
      abis: ["2l", "fifo"],
      duration_ms: durationMs,
      warmup_ms: 0,
      replications: 2,
      seed: 5,
      guest: { vcpus: 2 },
      groups: [{
        name: "net",
        ports: 16,
        arrival: { kind: "poisson", rate_per_s: ratePerS },
        service: { kind: "exp", mean_ns: 1500 },
      }],
    },
    grid: { "groups.0.ports": [8, 16, 64] },
  };
  const path = `${dir}/${name}.json`;
  Deno.writeTextFileSync(path, JSON.stringify(sweep));
  return path;
}

function csvs(dir: string): string[] {
  return CSVS.map((f) => Deno.readTextFileSync(`${dir}/${f}`));
}

async function sim(...args: string[]): Promise<number> {
  return await main([...args, "--quiet"]);
}

function journalEntries(dir: string): number {
  try {
    return [...Deno.readDirSync(`${dir}/journal`)].filter((e) =>
      e.name.endsWith(".json") && !e.name.startsWith(".") && e.name !== "sweep.json"
    ).length;
  } catch {
    return 0;
  }
}

Deno.test("one worker and two workers write byte-identical CSVs", async () => {
  const dir = Deno.makeTempDirSync();
  const file = tinySweep(dir);
  assert.equal(await sim("sweep", file, "--out", `${dir}/w1`, "--workers", "1"), 0);
  assert.equal(await sim("sweep", file, "--out", `${dir}/w2`, "--workers", "2"), 0);
  assert.deepEqual(csvs(`${dir}/w1`), csvs(`${dir}/w2`));
  const summary = csvs(`${dir}/w1`)[0].trim().split("\n");
  assert.equal(summary.length, 1 + 12);
  assert.ok(summary[0].startsWith("scenario,abi,replication,seed,groups.0.ports,"));
  const manifest = JSON.parse(Deno.readTextFileSync(`${dir}/w2/manifest.json`));
  assert.equal(manifest.runs.length, 12);
  assert.deepEqual(manifest.runs.map((r: { index: number }) => r.index), [...Array(12).keys()]);
  for (const k of ["id", "seed", "wall_ms", "sim_events"]) assert.ok(k in manifest.runs[0]);
  assert.equal(typeof manifest.sweep_hash, "string");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("shards 1/2 and 2/2 merged equal the whole sweep", async () => {
  const dir = Deno.makeTempDirSync();
  const file = tinySweep(dir);
  assert.equal(await sim("sweep", file, "--out", `${dir}/all`, "--workers", "2"), 0);
  assert.equal(await sim("sweep", file, "--out", `${dir}/s1`, "--shard", "1/2"), 0);
  assert.equal(await sim("sweep", file, "--out", `${dir}/s2`, "--shard", "2/2"), 0);
  assert.equal(csvs(`${dir}/s1`)[0].trim().split("\n").length, 1 + 6);
  // one shard alone is incomplete: refused, unless --partial
  assert.equal(await sim("merge", `${dir}/s1`, "--out", `${dir}/half`), 2);
  assert.equal(await sim("merge", `${dir}/s1`, "--out", `${dir}/half`, "--partial"), 0);
  assert.equal(await sim("merge", `${dir}/s1`, `${dir}/s2`, "--out", `${dir}/merged`), 0);
  assert.deepEqual(csvs(`${dir}/merged`), csvs(`${dir}/all`));
  // the merged folder is itself a complete sweep: resuming it runs nothing
  assert.equal(await sim("sweep", file, "--out", `${dir}/merged`, "--resume"), 0);
  assert.deepEqual(csvs(`${dir}/merged`), csvs(`${dir}/all`));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("merging folders of different sweeps is refused", async () => {
  const dir = Deno.makeTempDirSync();
  const a = tinySweep(dir, "alpha");
  const b = tinySweep(dir, "beta");
  assert.equal(await sim("sweep", a, "--out", `${dir}/a`, "--shard", "1/2"), 0);
  assert.equal(await sim("sweep", b, "--out", `${dir}/b`, "--shard", "2/2"), 0);
  assert.equal(await sim("merge", `${dir}/a`, `${dir}/b`, "--out", `${dir}/m`), 2);
  assert.equal(await sim("merge", `${dir}/a`, `${dir}/nowhere`, "--out", `${dir}/m`), 2);
  assert.throws(() => Deno.statSync(`${dir}/m`));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("resuming into a folder of a different sweep is refused", async () => {
  const dir = Deno.makeTempDirSync();
  const file = tinySweep(dir);
  assert.equal(await sim("sweep", file, "--out", `${dir}/out`, "--shard", "1/3"), 0);
  const before = csvs(`${dir}/out`);
  assert.equal(await sim("sweep", file, "--out", `${dir}/out`, "--resume", "--seed", "99"), 2);
  assert.equal(await sim("sweep", file, "--out", `${dir}/out`, "--resume"), 2); // other shard
  assert.deepEqual(csvs(`${dir}/out`), before);
  // another scenario's folder is never silently overwritten
  const other = tinySweep(dir, "other");
  assert.equal(await sim("sweep", other, "--out", `${dir}/out`), 2);
  assert.equal(await sim("sweep", other, "--out", `${dir}/out`, "--force"), 0);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a sweep killed with SIGKILL and resumed gives the CSVs of an uninterrupted run", async () => {
  const dir = Deno.makeTempDirSync();
  // 12 runs of ~50 ms each on one worker: slow enough to be killed mid-way.
  const file = tinySweep(dir, "slow", 20, 1000000);
  const out = `${dir}/killed`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env=INIT_CWD",
      "--allow-sys=cpus",
      CLI,
      "sweep",
      file,
      "--out",
      out,
      "--workers",
      "1",
      "--quiet",
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const t0 = Date.now();
  while (journalEntries(out) < 3 && Date.now() - t0 < 60000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGKILL");
  const status = await child.status;
  assert.equal(status.signal, "SIGKILL");
  const recorded = journalEntries(out);
  assert.ok(recorded >= 3 && recorded < 12, `recorded ${recorded} runs before the kill`);

  assert.equal(await sim("sweep", file, "--out", out, "--resume", "--workers", "2"), 0);
  assert.equal(await sim("sweep", file, "--out", `${dir}/whole`, "--workers", "1"), 0);
  assert.deepEqual(csvs(out), csvs(`${dir}/whole`));
  const manifest = JSON.parse(Deno.readTextFileSync(`${out}/manifest.json`));
  assert.equal(manifest.runs.length, 12);
  assert.equal(new Set(manifest.runs.map((r: { id: string }) => r.id)).size, 12);
  Deno.removeSync(dir, { recursive: true });
});
