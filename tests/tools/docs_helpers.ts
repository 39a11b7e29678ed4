/**
 * Helpers of the docs tools' tests: a throw-away copy of the project to
 * break, and a way to run a copy's tool with its task's permissions.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../../tools/gen_docs.ts";

/** What a copy of the project needs for the docs tools to run in it. */
const PARTS = [
  "deno.json",
  "deno.lock",
  "mod.ts",
  "README.md",
  "docs",
  "sim",
  "models",
  "reports",
  "scenarios",
  "examples",
  "tools",
];

/** A copy of the project in a temporary folder (the real tree is never touched). */
export async function copyProject(): Promise<string> {
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-docs-test-" });
  const out = await new Deno.Command("cp", {
    args: ["-r", ...PARTS.map((p) => join(ROOT, p)), dir],
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return dir;
}

/** Run a copy's tool with the task's permissions; its exit code and stderr. */
export async function runTool(
  dir: string,
  tool: string,
  args: string[],
): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-run",
      "--allow-env",
      "--allow-sys",
      "--allow-ffi",
      join(dir, tool),
      ...args,
    ],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}
