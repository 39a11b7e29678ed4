/**
 * Where results came from: the tool's version, the Deno version, the git
 * commit of the tool's own checkout (when it is one), the time and the
 * command line. Printed by `--version` and recorded in every manifest.json.
 *
 * The commit is read from the `.git` files themselves (HEAD, then the ref it
 * names, loose or packed; a worktree's `.git` file points to its folder), so
 * no `git` process is started and the command needs no `--allow-run`.
 *
 * @module
 */

/** The tool's version (kept equal to `version` in deno.json; a test checks it). */
export const TOOL_VERSION = "0.1.0";

/** What `--version` prints and manifest.json records. */
export interface Provenance {
  /** evtchn-sim version. */
  tool_version: string;
  /** Deno version running the tool. */
  deno_version: string;
  /** Git commit of the tool's checkout, or null outside a git repository. */
  git_commit: string | null;
}

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return undefined;
  }
}

/**
 * The commit checked out in the git repository (or worktree) at `root`, or
 * null when there is none or it cannot be read.
 *
 * @example
 * ```ts
 * import { gitCommit } from "./provenance.ts";
 * console.log(gitCommit(Deno.makeTempDirSync())); // null
 * ```
 */
export function gitCommit(root: string): string | null {
  let gitDir = `${root}/.git`;
  const pointer = readText(gitDir); // a worktree: "gitdir: <path>"
  if (pointer?.startsWith("gitdir:")) {
    const p = pointer.slice(7).trim();
    gitDir = p.startsWith("/") ? p : `${root}/${p}`;
  }
  const head = readText(`${gitDir}/HEAD`);
  if (head === undefined) return null;
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
  if (ref === undefined) return null;
  const common = readText(`${gitDir}/commondir`);
  const dirs = [gitDir];
  if (common !== undefined) dirs.push(common.startsWith("/") ? common : `${gitDir}/${common}`);
  for (const d of dirs) {
    const loose = readText(`${d}/${ref}`);
    if (loose !== undefined && /^[0-9a-f]{40,64}$/.test(loose)) return loose;
    const packed = readText(`${d}/packed-refs`);
    const line = packed?.split("\n").find((l) => l.endsWith(` ${ref}`));
    if (line !== undefined) return line.split(" ")[0];
  }
  return null;
}

/** The folder of the tool's own checkout (two levels above this file). */
const ROOT = new URL("../../", import.meta.url);

/**
 * The provenance of this process: tool version, Deno version, git commit.
 *
 * @example
 * ```ts
 * import { provenance } from "./provenance.ts";
 * console.log(provenance().deno_version === Deno.version.deno); // true
 * ```
 */
export function provenance(): Provenance {
  return {
    tool_version: TOOL_VERSION,
    deno_version: Deno.version.deno,
    git_commit: ROOT.protocol === "file:"
      ? gitCommit(decodeURIComponent(ROOT.pathname).replace(/\/$/, ""))
      : null,
  };
}

/**
 * The `--version` text: `evtchn-sim 0.1.0 (deno 2.x, commit abc1234...)`.
 *
 * @example
 * ```ts
 * import { versionText } from "./provenance.ts";
 * console.log(versionText().startsWith("evtchn-sim ")); // true
 * ```
 */
export function versionText(p: Provenance = provenance()): string {
  return `evtchn-sim ${p.tool_version}\ndeno ${p.deno_version}\ncommit ${
    p.git_commit ?? "unknown (not a git checkout)"
  }`;
}
