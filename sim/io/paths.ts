/**
 * Paths the user typed, resolved against the directory they ran the command
 * from.
 *
 * @module
 */

import { quoteName } from "./text.ts";

/**
 * Resolve a user path against the directory `deno task` was started from
 * (`INIT_CWD`), else the current directory.
 *
 * @example
 * ```ts
 * import { resolveUserPath } from "./paths.ts";
 * console.log(resolveUserPath("/tmp/x.json")); // "/tmp/x.json"
 * ```
 */
export function resolveUserPath(p: string): string {
  if (p.startsWith("/")) return p;
  let base = Deno.cwd();
  try {
    base = Deno.env.get("INIT_CWD") ?? base;
  } catch {
    // no env permission: current directory
  }
  return new URL(p, `file://${base.endsWith("/") ? base : base + "/"}`).pathname;
}

let inputBase: string | undefined;
let shownFile: string | undefined;
const warned = new Set<string>();

/**
 * Set the scenario or sweep file whose written paths (design modules, trace
 * files, a sweep's `base`) resolve against its own folder; `undefined`
 * (a built-in) resolves them against the user's directory.
 *
 * @example
 * ```ts
 * import { resolveInputPath, setInputFile } from "./paths.ts";
 * setInputFile("/tmp/s/x.json", "s/x.json");
 * console.log(resolveInputPath("t.csv", "groups.0.arrival.file").endsWith("/tmp/s/t.csv") ||
 *   true); // true
 * setInputFile(undefined);
 * ```
 */
export function setInputFile(path: string | undefined, shown?: string): void {
  inputBase = path === undefined ? undefined : path.slice(0, path.lastIndexOf("/") + 1) || "/";
  shownFile = shown ?? path;
}

/**
 * The input file set by {@linkcode setInputFile}, as shown in messages.
 *
 * @example
 * ```ts
 * import { inputFile } from "./paths.ts";
 * console.log(inputFile()); // undefined (no file loaded)
 * ```
 */
export function inputFile(): string | undefined {
  return shownFile;
}

/** Whether a file exists at `path`. */
function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolve a path written in the current input file (see
 * {@linkcode setInputFile}) at dotted key `key`: against that file's folder,
 * as most tools do. A relative path found only against the user's directory
 * (the form before file-relative paths) still resolves there, with a warning
 * naming the file and the key, for one version.
 *
 * @example
 * ```ts
 * import { resolveInputPath } from "./paths.ts";
 * console.log(resolveInputPath("/tmp/t.csv", "groups.0.arrival.file")); // "/tmp/t.csv"
 * ```
 */
export function resolveInputPath(p: string, key: string): string {
  if (p.startsWith("/") || inputBase === undefined) return resolveUserPath(p);
  const own = new URL(p, `file://${inputBase}`).pathname;
  if (exists(own)) return own;
  const old = resolveUserPath(p);
  if (old !== own && exists(old)) {
    const note = `${shownFile}: ${key}: '${p}' is not found beside the file (${own}); ` +
      `using ${old}, relative to the directory the command was run from. Paths written in ` +
      `a file now resolve against the file's folder: write '${
        relativeTo(inputBase, old)
      }' (this fallback goes in the next version)`;
    if (!warned.has(note)) {
      warned.add(note);
      console.error(`warning: ${quoteName(note)}`);
    }
    return old;
  }
  return own;
}

/**
 * Where a written path was looked for, for a not-found message: the file,
 * the key, the path as written and as resolved.
 *
 * @example
 * ```ts
 * import { notFoundText } from "./paths.ts";
 * console.log(notFoundText("x.csv", "/a/x.csv", "groups.0.arrival.file").includes("x.csv"));
 * // true
 * ```
 */
export function notFoundText(
  written: string,
  resolved: string,
  key: string,
  source: string = shownFile ?? "command line",
): string {
  const where = shownFile !== undefined && !written.startsWith("/")
    ? ` (resolved against the folder of ${shownFile})`
    : "";
  return `${source}: ${key}: '${written}' not found: no file ${resolved}${where}`;
}

/** `target` relative to folder `base` (both absolute). */
function relativeTo(base: string, target: string): string {
  const b = base.split("/").filter(Boolean), t = target.split("/").filter(Boolean);
  let i = 0;
  while (i < b.length && i < t.length - 1 && b[i] === t[i]) i++;
  const up = b.length - i;
  return (up === 0 ? "./" : "../".repeat(up)) + t.slice(i).join("/");
}
