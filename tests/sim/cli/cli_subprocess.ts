// The real CLI as a subprocess, for the end-to-end tests of bad input and safety:
// run it, list what a folder holds, and assert a bad-input exit.
import assert from "node:assert/strict";

/** The project root. */
export const ROOT = new URL("../../../", import.meta.url).pathname;

const dec = new TextDecoder();

/** What a CLI run printed and its exit status. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `deno <flags> ...args` from the project root with INIT_CWD = `dir`. */
export async function runCli(
  flags: readonly string[],
  dir: string,
  args: readonly string[],
): Promise<CliResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...flags, ...args],
    cwd: ROOT,
    env: { INIT_CWD: dir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Every path under `dir`, sorted. */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of Deno.readDirSync(d)) {
      out.push(rel + e.name);
      if (e.isDirectory) walk(`${d}/${e.name}`, `${rel}${e.name}/`);
    }
  };
  walk(dir, "");
  return out.sort();
}

/** A stack-trace line. */
export const STACK = /^\s+at .+:\d+:\d+\)?$/m;

/**
 * Assert a bad-input exit: status 2, every `expected` line on stderr, no stack trace and,
 * when `dir` is given, nothing written there (its listing still equals `before`).
 */
export function assertBadInput(
  r: CliResult,
  expected: (string | RegExp)[],
  dir?: string,
  before?: string[],
): void {
  assert.equal(r.code, 2, `exit status\n${r.stderr}`);
  for (const e of expected) {
    if (typeof e === "string") assert.ok(r.stderr.includes(e), `missing '${e}' in:\n${r.stderr}`);
    else assert.match(r.stderr, e);
  }
  assert.doesNotMatch(r.stderr, STACK, "no stack trace");
  if (dir !== undefined) assert.deepEqual(listing(dir), before, "nothing written");
}
