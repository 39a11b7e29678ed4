/**
 * Paths the user typed, resolved against the directory they ran the command
 * from.
 *
 * @module
 */

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
