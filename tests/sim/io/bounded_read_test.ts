// Input files read within bounds (sim/io/bounded_read.ts): regular files only, a size cap.
import assert from "node:assert/strict";
import { readBoundedText, setInputLimit } from "../../../sim/io/bounded_read.ts";
import { InputError } from "../../../sim/io/errors.ts";

Deno.test("a regular file is read whole, across chunk boundaries, multi-byte characters intact", () => {
  const dir = Deno.makeTempDirSync();
  const text = "é,µ\n".repeat(400_000); // 2.4 MB: several 1 MiB chunks, characters split across them
  Deno.writeTextFileSync(`${dir}/t.csv`, text);
  assert.equal(readBoundedText(`${dir}/t.csv`, "t.csv"), text);
});

Deno.test("a device, a named pipe and a folder are refused without being read", () => {
  const dir = Deno.makeTempDirSync();
  assert.ok(new Deno.Command("mkfifo", { args: [`${dir}/p`] }).outputSync().success);
  for (
    const [path, what] of [["/dev/zero", "a character device"], [`${dir}/p`, "a named pipe"], [
      dir,
      "a directory",
    ]]
  ) {
    assert.throws(
      () => readBoundedText(path, "x"),
      (e: unknown) =>
        e instanceof InputError &&
        e.message.startsWith(`x: ${what}: an input file must be a regular file`),
    );
  }
});

Deno.test("a file over the cap is refused with the flag that raises it; the cap is the flag's", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/big.csv`, "x".repeat(3 * 1048576));
  setInputLimit(2 * 1048576);
  try {
    assert.throws(
      () => readBoundedText(`${dir}/big.csv`, "big.csv"),
      /big\.csv: 3 MiB, over the input limit of 2 MiB; --input-limit-mb 4 raises it/,
    );
    setInputLimit(4 * 1048576);
    assert.equal(readBoundedText(`${dir}/big.csv`, "big.csv").length, 3 * 1048576);
  } finally {
    setInputLimit(256 * 1048576);
  }
});
