// Results are never lost: sim/io/atomic.ts writes a temporary file beside the
// target and renames it, so an interrupted write leaves the previous file
// whole and no temporary file behind.
import assert from "node:assert/strict";
import { writeFileAtomic } from "../../../sim/io/atomic.ts";

function tmp(): string {
  return Deno.makeTempDirSync({ prefix: "evtchn-atomic-" });
}

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

/** Replace `Deno[name]` while `body` runs. */
function withStub<K extends "writeFileSync" | "writeTextFileSync" | "renameSync">(
  name: K,
  stub: (typeof Deno)[K],
  body: () => void,
): void {
  const d = Deno as unknown as Record<string, unknown>;
  const orig = d[name];
  d[name] = stub;
  try {
    body();
  } finally {
    d[name] = orig;
  }
}

Deno.test("writeFileAtomic replaces the whole file and leaves no temporary file", () => {
  const dir = tmp();
  writeFileAtomic(`${dir}/a.csv`, "old\n".repeat(1000));
  writeFileAtomic(`${dir}/a.csv`, "new\n");
  assert.equal(Deno.readTextFileSync(`${dir}/a.csv`), "new\n");
  writeFileAtomic(`${dir}/b.bin`, Uint8Array.of(1, 2, 3));
  assert.deepEqual(Deno.readFileSync(`${dir}/b.bin`), Uint8Array.of(1, 2, 3));
  assert.deepEqual(names(dir), ["a.csv", "b.bin"]);
});

Deno.test("a write that fails half-way leaves the previous file intact and no temporary", () => {
  const dir = tmp();
  const path = `${dir}/summary.csv`;
  writeFileAtomic(path, "previous results\n");
  const realWrite = Deno.writeTextFileSync;
  // The disk fills up after half the data: a truncated temporary file, then an error.
  withStub("writeTextFileSync", (p: string | URL, data: unknown) => {
    const text = String(data);
    realWrite(p, text.slice(0, text.length >> 1));
    throw new Deno.errors.WriteZero("no space left on device (simulated)");
  }, () => {
    assert.throws(() => writeFileAtomic(path, "x".repeat(10000)), /no space left/);
  });
  assert.equal(Deno.readTextFileSync(path), "previous results\n");
  assert.deepEqual(names(dir), ["summary.csv"]);
});

Deno.test("a failed rename leaves the previous file intact and no temporary", () => {
  const dir = tmp();
  const path = `${dir}/manifest.json`;
  writeFileAtomic(path, "{}\n");
  withStub("renameSync", () => {
    throw new Deno.errors.PermissionDenied("rename refused (simulated)");
  }, () => {
    assert.throws(() => writeFileAtomic(path, '{"new": true}\n'), /rename refused/);
  });
  assert.equal(Deno.readTextFileSync(path), "{}\n");
  assert.deepEqual(names(dir), ["manifest.json"]);
});

Deno.test("data that throws while being written never reaches the file", () => {
  const dir = tmp();
  const path = `${dir}/groups.csv`;
  writeFileAtomic(path, "a,b\n1,2\n");
  // Not text nor bytes (a bug upstream of the writer): the write throws.
  const bad = {
    toString(): string {
      throw new Error("row serialisation failed");
    },
  } as unknown as string;
  assert.throws(() => writeFileAtomic(path, bad));
  assert.equal(Deno.readTextFileSync(path), "a,b\n1,2\n");
  assert.deepEqual(names(dir), ["groups.csv"]);
});

Deno.test("a target in a folder that is not there fails cleanly", () => {
  const dir = tmp();
  assert.throws(() => writeFileAtomic(`${dir}/missing/x.csv`, "x"), Deno.errors.NotFound);
  assert.deepEqual(names(dir), []);
});

Deno.test("a target that is a folder is not replaced", () => {
  const dir = tmp();
  Deno.mkdirSync(`${dir}/out.csv`);
  Deno.writeTextFileSync(`${dir}/out.csv/keep`, "kept");
  assert.throws(() => writeFileAtomic(`${dir}/out.csv`, "x"));
  assert.equal(Deno.readTextFileSync(`${dir}/out.csv/keep`), "kept");
  assert.deepEqual(names(dir), ["out.csv"]);
});
