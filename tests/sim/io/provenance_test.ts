import assert from "node:assert/strict";
import { gitCommit, provenance, TOOL_VERSION, versionText } from "../../../sim/io/provenance.ts";

const ROOT = new URL("../../../", import.meta.url).pathname;
const A = "a".repeat(40), B = "b".repeat(40);

Deno.test("the tool version is the one in deno.json", () => {
  assert.equal(TOOL_VERSION, JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).version);
  const p = provenance();
  assert.equal(p.deno_version, Deno.version.deno);
  assert.ok(versionText(p).includes(`deno ${Deno.version.deno}`));
});

Deno.test("the git commit is read from loose refs, packed refs and worktrees", () => {
  const repo = Deno.makeTempDirSync();
  assert.equal(gitCommit(repo), null, "not a repository");
  Deno.mkdirSync(`${repo}/.git/refs/heads`, { recursive: true });
  Deno.writeTextFileSync(`${repo}/.git/HEAD`, "ref: refs/heads/main\n");
  Deno.writeTextFileSync(`${repo}/.git/packed-refs`, `# pack-refs\n${B} refs/heads/main\n`);
  assert.equal(gitCommit(repo), B, "packed");
  Deno.writeTextFileSync(`${repo}/.git/refs/heads/main`, `${A}\n`);
  assert.equal(gitCommit(repo), A, "loose wins");
  // a worktree: .git is a file naming its folder, whose commondir holds the refs
  const wt = Deno.makeTempDirSync();
  Deno.mkdirSync(`${repo}/.git/worktrees/wt`, { recursive: true });
  Deno.writeTextFileSync(`${wt}/.git`, `gitdir: ${repo}/.git/worktrees/wt\n`);
  Deno.writeTextFileSync(`${repo}/.git/worktrees/wt/HEAD`, "ref: refs/heads/main\n");
  Deno.writeTextFileSync(`${repo}/.git/worktrees/wt/commondir`, "../..\n");
  assert.equal(gitCommit(wt), A);
  // a detached HEAD
  Deno.writeTextFileSync(`${repo}/.git/HEAD`, `${B}\n`);
  assert.equal(gitCommit(repo), B);
});
