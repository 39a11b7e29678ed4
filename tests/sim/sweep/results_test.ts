// The results folder's guards (sim/sweep/results.ts).
import assert from "node:assert/strict";
import { checkOutputDir, lockFolder } from "../../../sim/sweep/results.ts";
import { InputError } from "../../../sim/io/errors.ts";

const PLAN = { name: "s", hash: "h1", source: "s.json" };

function folder(files: Record<string, string>): string {
  const dir = Deno.makeTempDirSync();
  for (const [n, t] of Object.entries(files)) Deno.writeTextFileSync(`${dir}/${n}`, t);
  return dir;
}

const manifest = (m: object) => JSON.stringify({ sweep_hash: "h1", source: "s.json", ...m });

Deno.test("a results folder is recognised by its manifest, not by its name", () => {
  // empty, missing, or this very sweep: fine
  checkOutputDir(folder({}), PLAN, false);
  checkOutputDir(`${folder({})}/missing`, PLAN, false);
  checkOutputDir(
    folder({ "manifest.json": manifest({ scenario: "s" }), "summary.csv": "" }),
    PLAN,
    false,
  );
  // the same scenario and source with other settings: its own results
  checkOutputDir(
    folder({ "manifest.json": manifest({ scenario: "s", sweep_hash: "h2" }) }),
    PLAN,
    false,
  );
  // the same name from another source: another sweep
  const other = folder({
    "manifest.json": manifest({ scenario: "s", sweep_hash: "h2", source: "b" }),
  });
  assert.throws(() => checkOutputDir(other, PLAN, false), InputError);
  checkOutputDir(other, PLAN, true);
  // the user's own files, no manifest
  assert.throws(
    () => checkOutputDir(folder({ "summary.csv": "mine" }), PLAN, false),
    /not an evtchn-sim results folder \(no manifest\.json\)/,
  );
  // foreign files beside our own
  assert.throws(
    () =>
      checkOutputDir(
        folder({ "manifest.json": manifest({ scenario: "s" }), "x.txt": "" }),
        PLAN,
        false,
      ),
    /holds files evtchn-sim did not write \(x\.txt\)/,
  );
  // a file where the folder should be
  const f = folder({ "file": "" });
  assert.throws(() => checkOutputDir(`${f}/file`, PLAN, true), /is not a folder/);
});

Deno.test("a results folder has one writer at a time", () => {
  const dir = Deno.makeTempDirSync();
  const lock = lockFolder(dir);
  assert.throws(
    () => lockFolder(dir),
    /another evtchn-sim process is writing this folder \(pid \d+/,
  );
  lock.release();
  lock.release(); // idempotent
  lockFolder(dir).release();
  // the lock file alone does not make the folder foreign
  checkOutputDir(dir, PLAN, false);
});
