import assert from "node:assert/strict";
import { printable, quoteName } from "../../../sim/io/text.ts";

Deno.test("terminal escape sequences and direction overrides from input are shown escaped", () => {
  assert.equal(printable("a\x1b]0;title\x07b\x1b[2J"), "a\\x1b]0;title\\x07b\\x1b[2J");
  assert.equal(printable("x\u202etxt.exe"), "x\\u202etxt.exe");
  assert.equal(printable("line 1\nline 2\tend"), "line 1\nline 2\tend", "lines and tabs kept");
  assert.equal(printable("\x7f\x9b\u2028"), "\\x7f\\x9b\\u2028");
  assert.equal(printable("µs ± 3 — ok"), "µs ± 3 — ok", "printable text untouched");
});

Deno.test("a single name from input has its newlines escaped too", () => {
  assert.equal(quoteName("a\nb\tc"), "a\\x0ab\\x09c");
});

Deno.test("escaping covers carriage return, vertical tab and form feed", () => {
  // A CR rewrites the line a terminal shows; VT and FF move the cursor. Only \n and \t are kept.
  assert.equal(printable("ok\rFAKE"), "ok\\x0dFAKE");
  assert.equal(printable("a\vb\fc"), "a\\x0bb\\x0cc");
  assert.equal(quoteName("a\rb\vc\fd"), "a\\x0db\\x0bc\\x0cd");
});
