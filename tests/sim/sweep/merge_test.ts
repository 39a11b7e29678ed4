import assert from "node:assert/strict";
import { InputError } from "../../../sim/io/errors.ts";
import { journalDir, readJournal } from "../../../sim/sweep/journal.ts";
import { describeMissing, mergeFolders } from "../../../sim/sweep/merge.ts";
import { expandPlan, type Plan } from "../../../sim/sweep/plan.ts";
import { runSweep, type SweepOptions } from "../../../sim/sweep/sweep.ts";

/** A tiny sweep: 2 ABIs x 2 points x 1 replication = 4 runs of 1 ms. */
function tinyPlan(dir: string, name = "tiny"): Plan {
  const raw = {
    base: {
      name,
      abis: ["2l", "fifo"],
      duration_ms: 1,
      warmup_ms: 0,
      replications: 1,
      groups: [{
        name: "net",
        ports: 8,
        arrival: { kind: "poisson", rate_per_s: 200000 },
        service: { kind: "exp", mean_ns: 1500 },
      }],
    },
    grid: { "groups.0.ports": [8, 16] },
  };
  return expandPlan({ source: `${name}.json`, path: `${dir}/${name}.json`, raw }, {});
}

async function sweep(plan: Plan, out: string, options: Partial<SweepOptions> = {}) {
  await runSweep(plan, { out, workers: 1, progress: "off", ...options });
}

/** Copy results folder `from` (its journal is all merge reads) to a new folder. */
function copyFolder(from: string): string {
  const to = Deno.makeTempDirSync();
  Deno.mkdirSync(journalDir(to));
  for (const e of Deno.readDirSync(journalDir(from))) {
    Deno.copyFileSync(`${journalDir(from)}/${e.name}`, `${journalDir(to)}/${e.name}`);
  }
  return to;
}

// The folders every test reads, run once: shards 1/2 and 2/2 of `tiny`, the whole of it, shard
// 2/2 run with --ports and with --max-events, and shard 1/2 of another sweep, `alpha`.
const ROOT = Deno.makeTempDirSync();
const TINY = tinyPlan(ROOT);
const S1 = `${ROOT}/s1`, S2 = `${ROOT}/s2`, ALL = `${ROOT}/all`;
const PORTS = `${ROOT}/ports`, MAX = `${ROOT}/max`, ALPHA = `${ROOT}/alpha`;
await sweep(TINY, S1, { shard: { number: 1, count: 2 } });
await sweep(TINY, S2, { shard: { number: 2, count: 2 } });
await sweep(TINY, ALL);
await sweep(TINY, PORTS, { shard: { number: 2, count: 2 }, ports: true });
await sweep(TINY, MAX, { shard: { number: 2, count: 2 }, maxEvents: 1e9 });
await sweep(tinyPlan(ROOT, "alpha"), ALPHA, { shard: { number: 1, count: 2 } });
globalThis.addEventListener("unload", () => Deno.removeSync(ROOT, { recursive: true }));

/** The error `mergeFolders(dirs)` throws (it must throw an InputError). */
function mergeError(dirs: string[]): string {
  try {
    mergeFolders(dirs);
  } catch (e) {
    assert.ok(e instanceof InputError, `not an InputError: ${e}`);
    return e.message;
  }
  assert.fail(`merge of ${dirs.join(", ")} was accepted`);
}

function entryPath(dir: string, index: number): string {
  const r = readJournal(dir)!.results.find((x) => x.index === index)!;
  return `${journalDir(dir)}/${r.id}.json`;
}

Deno.test("merge combines two shards of one sweep", () => {
  const m = mergeFolders([S1, S2]);
  assert.deepEqual(m.results.map((r) => r.index), [0, 1, 2, 3]);
  assert.deepEqual([m.missing.length, m.duplicates], [0, 0]);
});

Deno.test("merge refuses folders run with different --ports or --max-events", () => {
  assert.match(mergeError([S1, PORTS]), /different options/);
  assert.match(mergeError([S1, MAX]), /different options/);
});

Deno.test("merge refuses a run recorded twice with different results", () => {
  const b = copyFolder(ALL);
  try {
    // The same runs twice with the same results: kept once each.
    assert.equal(mergeFolders([ALL, b]).duplicates, 4);
    // Run 2 of b with another event fingerprint.
    const path = entryPath(b, 2);
    const r = JSON.parse(Deno.readTextFileSync(path));
    Deno.writeTextFileSync(path, JSON.stringify({ ...r, fingerprint: "deadbeef" }));
    assert.match(mergeError([ALL, b]), /run 2 .*differs between/);
    // The same event sequence but another result (e.g. a metric computed differently).
    const p99 = Number(r.summary.lat_p99_ns) + 1;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({ ...r, summary: { ...r.summary, lat_p99_ns: p99 } }),
    );
    assert.match(mergeError([ALL, b]), /run 2 .*differs between.*lat_p99_ns/s);
    // Only the wall time differs: the same result.
    Deno.writeTextFileSync(path, JSON.stringify({ ...r, wallMs: r.wallMs + 1000 }));
    assert.equal(mergeFolders([ALL, b]).duplicates, 4);
  } finally {
    Deno.removeSync(b, { recursive: true });
  }
});

Deno.test("a journal entry whose file name is not its run id is not taken as that run", () => {
  const s2 = copyFolder(S2); // runs 1 and 3
  try {
    // Run 1's entry saved under run 3's name: a copy gone wrong, not a record of run 3.
    Deno.copyFileSync(entryPath(s2, 1), entryPath(s2, 3));
    assert.deepEqual(readJournal(s2)!.results.map((r) => r.index), [1]);
    const m = mergeFolders([S1, s2]);
    assert.deepEqual(m.results.map((r) => r.index), [0, 1, 2]);
    assert.deepEqual(m.missing.map((r) => r.index), [3]);
    assert.equal(m.duplicates, 0);
  } finally {
    Deno.removeSync(s2, { recursive: true });
  }
});

Deno.test("merge refuses folders of different sweeps and says so", () => {
  const msg = mergeError([ALPHA, S2]);
  assert.match(msg, /different sweeps/);
  assert.match(msg, /scenario 'alpha'/);
  assert.match(msg, /scenario 'tiny'/);
});

Deno.test("merge refuses a journal entry whose run id is not the sweep's run at that index", () => {
  const b = copyFolder(S2); // runs 1 and 3
  try {
    // A record of run 1 under another id (its file named after that id, as the journal wants):
    // the sweep's run 1 has another id, so this is not a record of it.
    const r = JSON.parse(Deno.readTextFileSync(entryPath(b, 1)));
    const forged = "0".repeat(String(r.id).length);
    Deno.writeTextFileSync(`${journalDir(b)}/${forged}.json`, JSON.stringify({ ...r, id: forged }));
    assert.ok(readJournal(b)!.results.some((x) => x.id === forged), "the journal reads it");
    assert.match(mergeError([S1, b]), new RegExp(`${forged}\\.json: not a run of this sweep`));
  } finally {
    Deno.removeSync(b, { recursive: true });
  }
});

Deno.test("the list of missing runs names shards 1-based, as the command line does", () => {
  // Shard 1/2 ran runs 0 and 2: runs 1 and 3 are missing, and `--shard 2/2` runs them.
  const m = mergeFolders([S1]);
  assert.deepEqual(m.missing.map((r) => r.index), [1, 3]);
  const text = describeMissing(m.missing, 2);
  assert.equal(text.match(/shard 2\/2/g)?.length, 2, text);
  assert.doesNotMatch(text, /shard [013]\//);
  // Unsharded: no shard named.
  assert.doesNotMatch(describeMissing(m.missing, 1), /shard/);
});

Deno.test("the list of missing runs cuts at its limit and counts the rest", () => {
  const m = mergeFolders([S1]); // runs 1 and 3 missing
  const two = describeMissing(m.missing, 2, 2);
  assert.equal(two.split("\n").length, 2, two);
  assert.doesNotMatch(two, /more/);
  const one = describeMissing(m.missing, 2, 1);
  assert.deepEqual(one.split("\n").slice(1), ["  ... and 1 more"]);
});
