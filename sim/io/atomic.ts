/**
 * Atomic file writes: write a temporary file beside the target, then rename.
 * A reader (or a crash) sees either the old file or the new one, never half.
 *
 * @module
 */

/**
 * Write `data` to `path` atomically (temporary name in the same folder, then rename).
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * const dir = Deno.makeTempDirSync();
 * writeFileAtomic(`${dir}/a.txt`, "hello\n");
 * console.log(Deno.readTextFileSync(`${dir}/a.txt`)); // "hello\n"
 * ```
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) : ".";
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const tmp = `${dir}/.${base}.${Deno.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    if (typeof data === "string") Deno.writeTextFileSync(tmp, data);
    else Deno.writeFileSync(tmp, data);
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // the temporary file was never created
    }
    throw e;
  }
}
