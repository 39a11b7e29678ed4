import assert from "node:assert/strict";
import { Journal, type JournalHeader, readJournal } from "../../../sim/sweep/journal.ts";
import type { RunResult } from "../../../sim/run/run.ts";

const header: JournalHeader = {
  tool_version: "0.1.0",
  scenario: "t",
  source: "t.json",
  sweep_hash: "abc",
  resolved: {},
  total_runs: 3,
  shard: null,
  options: { ports: false, max_events: null },
};

function result(index: number): RunResult {
  return {
    id: `id${index}`,
    index,
    summary: { abi: "fifo", delivered: index },
    groups: [],
    priorities: [],
    ports: [],
    simEvents: 10,
    wallMs: 1.5,
    fingerprint: "0000beef",
  };
}

Deno.test("a journal returns its recorded runs by index and ignores interrupted writes", () => {
  const dir = Deno.makeTempDirSync();
  assert.equal(readJournal(dir), undefined);
  const j = Journal.create(dir, header);
  j.record(result(2));
  j.record(result(0));
  Deno.writeTextFileSync(`${dir}/journal/.id1.json.123.x.tmp`, "{ half a wri");
  const back = readJournal(dir)!;
  assert.deepEqual(back.header, header);
  assert.deepEqual(back.results.map((r) => r.index), [0, 2]);
  assert.deepEqual(back.results[1], result(2));
  Journal.reopen(dir);
  assert.deepEqual([...Deno.readDirSync(`${dir}/journal`)].map((e) => e.name).sort(), [
    "id0.json",
    "id2.json",
    "sweep.json",
  ]);
  Journal.create(dir, header); // starting over empties it
  assert.equal(readJournal(dir)!.results.length, 0);
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("journal entries are flushed to disk before the rename, and their folder after it", () => {
  const dir = Deno.makeTempDirSync();
  const journal = Journal.create(dir, header);
  const calls: string[] = [];
  const proto = Deno.FsFile.prototype;
  const sync = proto.syncSync;
  const rename = Deno.renameSync;
  proto.syncSync = function (this: Deno.FsFile) {
    calls.push(this.statSync().isDirectory ? "sync folder" : "sync file");
    return sync.call(this);
  };
  Deno.renameSync = (from, to) => {
    calls.push("rename");
    return rename(from, to);
  };
  try {
    journal.record(result(0));
  } finally {
    proto.syncSync = sync;
    Deno.renameSync = rename;
  }
  assert.deepEqual(calls, ["sync file", "rename", "sync folder"]);
  assert.deepEqual(readJournal(dir)?.results.map((r) => r.id), ["id0"]);
});

Deno.test("a run's infinite or undefined figures come back from the journal as they were", () => {
  const dir = Deno.makeTempDirSync();
  const j = Journal.create(dir, header);
  const r = result(0);
  r.summary = { abi: "fifo", latency_spread: Infinity, low: -Infinity, odd: NaN, n: 1 };
  j.record(r);
  const back = readJournal(dir)!.results[0].summary;
  assert.equal(back.latency_spread, Infinity);
  assert.equal(back.low, -Infinity);
  assert.ok(Number.isNaN(back.odd));
  assert.equal(back.n, 1);
  Deno.removeSync(dir, { recursive: true });
});
