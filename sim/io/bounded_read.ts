/**
 * Input files read within bounds (DESIGN.md §11): a scenario, sweep or trace
 * file must be a regular file (a device such as `/dev/zero` never ends, a
 * named pipe or socket can block for ever) and is read in chunks up to a
 * size cap, so no input can exhaust memory. `--input-limit-mb` raises the cap.
 *
 * @module
 */

import { InputError } from "./errors.ts";

/** The default cap on one input file, in bytes (256 MiB). */
export const DEFAULT_INPUT_LIMIT = 256 * 1024 * 1024;

let limit = DEFAULT_INPUT_LIMIT;

/**
 * Set the cap on one input file, in bytes (the `--input-limit-mb` flag).
 *
 * @example
 * ```ts
 * import { inputLimit, setInputLimit } from "./bounded_read.ts";
 * setInputLimit(1 << 20);
 * console.log(inputLimit()); // 1048576
 * setInputLimit(256 * 1024 * 1024);
 * ```
 */
export function setInputLimit(bytes: number): void {
  limit = bytes;
}

/**
 * The cap on one input file, in bytes.
 *
 * @example
 * ```ts
 * import { inputLimit } from "./bounded_read.ts";
 * console.log(inputLimit() > 0); // true
 * ```
 */
export function inputLimit(): number {
  return limit;
}

function mib(bytes: number): string {
  return `${Math.round((bytes / 1048576) * 10) / 10} MiB`;
}

/** What kind of file `info` is, in words. */
function kindOf(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a named pipe";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  return "not a regular file";
}

/**
 * Read the text of the input file at `path` (named `shown` in messages):
 * it must be a regular file (symlinks followed) of at most
 * {@linkcode inputLimit} bytes, and is read in chunks that stop at the cap,
 * even if the file grows while it is read. Anything else is an
 * {@linkcode InputError} naming the file, what it is and the flag that
 * raises the cap. A missing file throws `Deno.errors.NotFound` (the caller
 * names its key).
 *
 * @example
 * ```ts
 * import { readBoundedText } from "./bounded_read.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/a.csv`, "1,2\n");
 * console.log(readBoundedText(`${dir}/a.csv`, "a.csv")); // "1,2\n"
 * ```
 */
export function readBoundedText(path: string, shown: string): string {
  const info = Deno.statSync(path);
  if (!info.isFile) {
    throw new InputError(
      `${shown}: ${kindOf(info)}: an input file must be a regular file ` +
        `(devices, pipes and sockets are refused)`,
    );
  }
  const tooBig = (size: string) =>
    new InputError(
      `${shown}: ${size}, over the input limit of ${mib(limit)}; ` +
        `--input-limit-mb ${Math.ceil((Math.max(info.size, limit + 1)) / 1048576) + 1} raises it`,
    );
  if (info.size > limit) throw tooBig(mib(info.size));
  const file = Deno.openSync(path, { read: true });
  try {
    const again = file.statSync();
    if (!again.isFile) throw new InputError(`${shown}: ${kindOf(again)}: not a regular file`);
    const decoder = new TextDecoder("utf-8", { fatal: false });
    const chunk = new Uint8Array(1 << 20);
    const parts: string[] = [];
    let total = 0;
    for (;;) {
      const n = file.readSync(chunk);
      if (n === null || n === 0) break;
      total += n;
      if (total > limit) throw tooBig(`more than ${mib(limit)}`);
      parts.push(decoder.decode(chunk.subarray(0, n), { stream: true }));
    }
    parts.push(decoder.decode());
    return parts.join("");
  } finally {
    file.close();
  }
}
