/**
 * The error types the command line maps to exit statuses.
 *
 * Folder `sim/io/` owns what the sweep and the reports share: atomic writes,
 * user paths, error types and exit statuses. It imports nothing of the
 * project.
 *
 * @module
 */

/**
 * Bad input from the user (scenario, sweep, flag, trace file): exit status 2.
 * The message names the file, the dotted path and what was expected.
 *
 * @example
 * ```ts
 * import { InputError } from "./errors.ts";
 * const e = new InputError("x.json: duration_ms: expected a number > 0");
 * console.log(e.name); // "InputError"
 * ```
 */
export class InputError extends Error {
  /** Build an input error with a complete, user-facing message. */
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}
