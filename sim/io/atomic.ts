/**
 * Atomic file writes: write a temporary file beside the target, then rename.
 * A reader (or a crash) sees either the old file or the new one, never half.
 *
 * @module
 */

/** Options of {@linkcode writeFileAtomic}. */
export interface AtomicOptions {
  /**
   * Survive a power loss, not only a crash: flush the temporary file to disk
   * (fsync) before the rename, and the folder after it, so that the rename
   * itself is on disk. Costs a few milliseconds per file.
   */
  durable?: boolean;
}

/**
 * Flush folder `dir` to disk (fsync of the folder), so that names created or
 * renamed in it survive a power loss.
 *
 * @example
 * ```ts
 * import { syncDir } from "./atomic.ts";
 * syncDir(Deno.makeTempDirSync());
 * ```
 */
export function syncDir(dir: string): void {
  const d = Deno.openSync(dir, { read: true });
  try {
    d.syncSync();
  } finally {
    d.close();
  }
}

/**
 * Write `data` to `path` atomically (temporary name in the same folder, then rename).
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic.ts";
 * const dir = Deno.makeTempDirSync();
 * writeFileAtomic(`${dir}/a.txt`, "hello\n", { durable: true });
 * console.log(Deno.readTextFileSync(`${dir}/a.txt`)); // "hello\n"
 * ```
 */
export function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicOptions = {},
): void {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const base = slash >= 0 ? path.slice(slash + 1) : path;
  const tmp = `${dir}/.${base}.${Deno.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    if (typeof data === "string") Deno.writeTextFileSync(tmp, data);
    else Deno.writeFileSync(tmp, data);
    if (options.durable) {
      // fsync flushes the file's data whichever descriptor asks
      const f = Deno.openSync(tmp, { read: true, write: true });
      try {
        f.syncSync();
      } finally {
        f.close();
      }
    }
    Deno.renameSync(tmp, path);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // the temporary file was never created
    }
    throw e;
  }
  if (options.durable) syncDir(dir);
}
