/**
 * Text echoed from input (file names, keys, values, error messages) made
 * safe for a terminal: control characters (ESC sequences can retitle or
 * clear a terminal) and invisible direction overrides are shown escaped.
 *
 * @module
 */

// C0 controls but tab and newline, DEL, C1 controls, bidirectional overrides
// and isolates, zero-width and line/paragraph separators, the byte-order mark.
const OTHERS = "\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ufeff";
const UNSAFE = new RegExp(`[\\u0000-\\u0008\\u000b-\\u001f${OTHERS}]`, "g");
const UNSAFE_ALL = new RegExp(`[\\u0000-\\u001f${OTHERS}]`, "g");

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * `text` with every non-printable character escaped (`\x1b`, `\u202e`);
 * newlines and tabs are kept, so multi-line messages still read as lines.
 *
 * @example
 * ```ts
 * import { printable } from "./text.ts";
 * console.log(printable("a\x1b]0;owned\x07b")); // "a\\x1b]0;owned\\x07b"
 * ```
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/**
 * A single name or value from input for a one-line message: every
 * non-printable character escaped, newlines and tabs included.
 *
 * @example
 * ```ts
 * import { quoteName } from "./text.ts";
 * console.log(quoteName("x\ny")); // "x\\x0ay"
 * ```
 */
export function quoteName(text: string): string {
  return text.replace(UNSAFE_ALL, escapeChar);
}
