// Paths written in an input file resolve against its folder (sim/io/paths.ts); the old
// form, relative to the user's directory, still resolves there with a warning.
import assert from "node:assert/strict";
import { notFoundText, resolveInputPath, setInputFile } from "../../../sim/io/paths.ts";

Deno.test("a path written in a file resolves against the file's folder, not the user's directory", () => {
  const dir = Deno.makeTempDirSync();
  Deno.mkdirSync(`${dir}/s/traces`, { recursive: true });
  Deno.writeTextFileSync(`${dir}/s/traces/t.csv`, "1,1\n");
  setInputFile(`${dir}/s/x.json`, "s/x.json");
  try {
    assert.equal(
      resolveInputPath("traces/t.csv", "groups.0.arrival.file"),
      `${dir}/s/traces/t.csv`,
    );
    assert.equal(resolveInputPath("/abs/t.csv", "k"), "/abs/t.csv");
    // not found anywhere: where it was looked for, the file, the key, both forms
    const missing = resolveInputPath("./nope.csv", "groups.1.arrival.file");
    assert.equal(missing, `${dir}/s/nope.csv`);
    assert.equal(
      notFoundText("./nope.csv", missing, "groups.1.arrival.file"),
      `s/x.json: groups.1.arrival.file: './nope.csv' not found: no file ${dir}/s/nope.csv ` +
        `(resolved against the folder of s/x.json)`,
    );
  } finally {
    setInputFile(undefined);
  }
});

Deno.test("the old form, found only against the user's directory, resolves there with a warning", () => {
  const dir = Deno.makeTempDirSync();
  Deno.mkdirSync(`${dir}/s`);
  Deno.writeTextFileSync(`${dir}/old.csv`, "1,1\n");
  const cwd = Deno.cwd();
  const errors: string[] = [];
  const error = console.error;
  console.error = (m: string) => errors.push(m);
  Deno.chdir(dir);
  const env = Deno.env.get("INIT_CWD");
  Deno.env.delete("INIT_CWD");
  setInputFile(`${dir}/s/x.json`, "s/x.json");
  try {
    assert.equal(resolveInputPath("old.csv", "groups.0.arrival.file"), `${dir}/old.csv`);
    assert.equal(errors.length, 1);
    assert.match(
      errors[0],
      /^warning: s\/x\.json: groups\.0\.arrival\.file: 'old\.csv' is not found beside the file/,
    );
    assert.ok(errors[0].includes("write '../old.csv'"), errors[0]);
  } finally {
    console.error = error;
    Deno.chdir(cwd);
    if (env !== undefined) Deno.env.set("INIT_CWD", env);
    setInputFile(undefined);
  }
});
