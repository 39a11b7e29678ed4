/**
 * The built-in scenarios and sweeps: the JSON files of `scenarios/`.
 *
 * @module
 */

/** The folder of built-in scenarios and sweeps. */
export const BUILTIN_DIR: URL = new URL("../../scenarios/", import.meta.url);

/**
 * Names of the built-in scenarios and sweeps (`scenarios/*.json`), sorted.
 *
 * @example
 * ```ts
 * import { builtinNames } from "./builtins.ts";
 * console.log(builtinNames().includes("default")); // true
 * ```
 */
export function builtinNames(): string[] {
  const names: string[] = [];
  for (const e of Deno.readDirSync(BUILTIN_DIR)) {
    if (e.isFile && e.name.endsWith(".json")) names.push(e.name.slice(0, -5));
  }
  return names.sort();
}
