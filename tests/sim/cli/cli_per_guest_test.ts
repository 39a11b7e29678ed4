import assert from "node:assert/strict";
import { main } from "../../../sim/cli/cli.ts";

/** The files a host sweep writes whose rows come from each run. */
const HOST_CSVS = ["summary.csv", "guests.csv", "per_guest.csv", "dom0.csv"];

/** A tiny host sweep: 2 ABIs x 2 guest counts x 2 replications = 8 runs, PVH and HVM guests. */
function hostSweep(dir: string): string {
  const sweep = {
    base: {
      name: "tiny-host",
      abis: ["2l", "fifo"],
      duration_ms: 3,
      warmup_ms: 1,
      replications: 2,
      seed: 7,
      host: {
        dom0: { vcpus: 2 },
        guests: [
          { name: "pvh", count: 3, vcpus: 2 },
          { name: "hvm", count: 1, kind: "hvm", ioreq_rate_per_s: 5000 },
        ],
      },
    },
    grid: { "host.guests.0.count": [2, 5] },
  };
  const path = `${dir}/tiny-host.json`;
  Deno.writeTextFileSync(path, JSON.stringify(sweep));
  return path;
}

function csvs(dir: string): string[] {
  return HOST_CSVS.map((f) => Deno.readTextFileSync(`${dir}/${f}`));
}

async function sim(...args: string[]): Promise<number> {
  return await main([...args, "--quiet"]);
}

/** Data rows of per_guest.csv the sweep must write: per run, its started guests' classes. */
function expectedPerGuestRows(): number {
  // Per ABI and replication: (N PVH guests x 2 classes) + the HVM guest's net, blk and ioreq.
  return 2 * 2 * [2, 5].reduce((a, n) => a + 2 * n + 3, 0);
}

Deno.test("per_guest.csv is byte-identical on one worker and on two, with a row per guest and class", async () => {
  const dir = Deno.makeTempDirSync();
  const file = hostSweep(dir);
  assert.equal(
    await sim("sweep", file, "--out", `${dir}/w1`, "--workers", "1", "--robust", "0"),
    0,
  );
  assert.equal(
    await sim("sweep", file, "--out", `${dir}/w2`, "--workers", "2", "--robust", "0"),
    0,
  );
  assert.deepEqual(csvs(`${dir}/w1`), csvs(`${dir}/w2`));
  const rows = csvs(`${dir}/w1`)[2].trim().split("\n");
  assert.equal(rows.length, 1 + expectedPerGuestRows());
  assert.ok(rows[0].startsWith("scenario,abi,replication,seed,host.guests.0.count,guest,"));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a host sweep resumed after losing runs, or merged from shards, keeps every per-guest row once", async () => {
  const dir = Deno.makeTempDirSync();
  const file = hostSweep(dir);
  assert.equal(await sim("sweep", file, "--out", `${dir}/all`, "--robust", "0"), 0);
  const whole = csvs(`${dir}/all`);
  // Lose three finished runs from the journal, as an interrupted sweep would, then resume.
  const entries = [...Deno.readDirSync(`${dir}/all/journal`)]
    .filter((e) => e.name.endsWith(".json") && e.name !== "sweep.json").map((e) => e.name).sort();
  assert.ok(entries.length >= 8, `${entries.length} journal entries`);
  for (const name of entries.slice(0, 3)) Deno.removeSync(`${dir}/all/journal/${name}`);
  Deno.removeSync(`${dir}/all/per_guest.csv`);
  assert.equal(await sim("sweep", file, "--out", `${dir}/all`, "--resume", "--robust", "0"), 0);
  assert.deepEqual(csvs(`${dir}/all`), whole);
  // Resuming a complete folder runs nothing and writes the same rows, not twice.
  assert.equal(await sim("sweep", file, "--out", `${dir}/all`, "--resume", "--robust", "0"), 0);
  assert.deepEqual(csvs(`${dir}/all`), whole);
  for (const s of ["1/2", "2/2"]) {
    const out = `${dir}/s${s[0]}`;
    assert.equal(await sim("sweep", file, "--out", out, "--shard", s, "--robust", "0"), 0);
  }
  assert.equal(await sim("merge", `${dir}/s1`, `${dir}/s2`, "--out", `${dir}/merged`), 0);
  assert.deepEqual(csvs(`${dir}/merged`), whole);
  Deno.removeSync(dir, { recursive: true });
});
