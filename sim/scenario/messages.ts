/**
 * Error messages for bad input: zod issues turned into one line each that
 * names the file, the dotted path and what was expected, "did you mean"
 * suggestions, and JSON syntax errors with line and column.
 *
 * @module
 */

import type { z } from "zod";
import { COST_FIELDS } from "../../models/costs.ts";
import { InputError } from "../io/errors.ts";
import { ScenarioSchema, SCHEMA_KEYS, type ValidationError } from "./schema.ts";
import { nearest } from "./suggest.ts";

/** Every key name the schemas know, for "did you mean" suggestions. */
const KNOWN_KEYS: string[] = [
  ...new Set([
    ...SCHEMA_KEYS,
    "vcpus",
    "word_bits",
    "max_evtchn_port",
    "idle",
    "irq_off",
    "fraction",
    "mean_us",
    "kind",
    "ns",
    "mean_ns",
    "min_ns",
    "max_ns",
    "sigma",
    "alpha",
    "rate_per_s",
    "period_us",
    "jitter_us",
    "on_rate_per_s",
    "off_rate_per_s",
    "on_ms",
    "off_ms",
    "file",
    "s",
    "at_ms",
    "run",
    "wait",
    "init_control_fail_vcpus",
    "targets",
    "preset",
    ...COST_FIELDS,
  ]),
];

/**
 * The nearest known key to `key`, or undefined when none is close.
 *
 * @example
 * ```ts
 * import { suggestKey } from "./messages.ts";
 * console.log(suggestKey("duraton_ms")); // "duration_ms"
 * ```
 */
export function suggestKey(
  key: string,
  candidates: readonly string[] = KNOWN_KEYS,
): string | undefined {
  return nearest(key, candidates);
}

/** Format a dotted path like `groups.1.arrival.rate_per_s` (or `(top level)`). */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(top level)" : path.map(String).join(".");
}

/** The parts of a zod v4 schema definition that {@linkcode keysAt} walks. */
interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  options?: unknown[];
  discriminator?: string;
  in?: unknown;
  values?: unknown[];
}

function defOf(schema: unknown): SchemaDef {
  return (schema as { _zod: { def: SchemaDef } })._zod.def;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object/array schemas `schema` stands for, given the input value `v` (unions narrowed by discriminator). */
function unwrapSchema(schema: unknown, v: unknown): unknown[] {
  const d = defOf(schema);
  switch (d.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return unwrapSchema(d.innerType, v);
    case "pipe":
      return unwrapSchema(d.in, v);
    case "union": {
      let options = d.options ?? [];
      const key = d.discriminator;
      if (key !== undefined && isRecord(v)) {
        const match = options.filter((o) => {
          const lit = defOf(o).shape?.[key];
          return lit !== undefined && (defOf(lit).values ?? []).includes(v[key]);
        });
        if (match.length > 0) options = match;
      }
      return options.flatMap((o) => unwrapSchema(o, v));
    }
    default:
      return [schema];
  }
}

/**
 * The keys valid in the object at `path` of `schema`, reading `input` to
 * choose among discriminated-union options (e.g. the fields of the `kind`
 * given); empty when the path leads to no object.
 *
 * @example
 * ```ts
 * import { keysAt } from "./messages.ts";
 * import { ScenarioSchema } from "./schema.ts";
 * const input = { groups: [{ service: { kind: "exp" } }] };
 * console.log(keysAt(ScenarioSchema, ["groups", 0, "service"], input)); // ["kind", "mean_ns"]
 * ```
 */
export function keysAt(schema: unknown, path: readonly PropertyKey[], input?: unknown): string[] {
  let cur = unwrapSchema(schema, input);
  let v: unknown = input;
  for (const k of path) {
    const nv = isRecord(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    const next: unknown[] = [];
    for (const sc of cur) {
      const d = defOf(sc);
      if (d.type === "object" && d.shape && typeof k === "string" && k in d.shape) {
        next.push(...unwrapSchema(d.shape[k], nv));
      } else if (d.type === "array" && typeof k === "number") {
        next.push(...unwrapSchema(d.element, nv));
      }
    }
    cur = next;
    v = nv;
  }
  const keys = new Set<string>();
  for (const sc of cur) {
    const d = defOf(sc);
    if (d.type === "object" && d.shape) { for (const k of Object.keys(d.shape)) keys.add(k); }
  }
  return [...keys];
}

/**
 * Turn zod issues into one readable message per issue: `source: dotted.path:
 * what was expected`. Unknown keys get the nearest key valid at that path
 * (`schema` and `input` say which keys those are), or the list of valid keys
 * when none is close.
 *
 * @example
 * ```ts
 * import { formatIssues } from "./messages.ts";
 * const error = { issues: [{ code: "unrecognized_keys", path: [], keys: ["duraton_ms"] }] };
 * console.log(formatIssues("x.json", error)); // "x.json: duraton_ms: unknown key (did you mean 'duration_ms'?)"
 * ```
 */
export function formatIssues(
  source: string,
  error: ValidationError,
  schema: unknown = ScenarioSchema,
  input?: unknown,
): string {
  const issues = error.issues as readonly z.core.$ZodIssue[];
  const lines = issues.map((iss) => {
    const at = dottedPath(iss.path);
    if (iss.code === "unrecognized_keys") {
      const valid = keysAt(schema, iss.path, input);
      return iss.keys.map((k) => {
        const hint = suggestKey(k, valid.length > 0 ? valid : KNOWN_KEYS);
        const path = iss.path.length ? `${at}.${k}` : k;
        const help = hint
          ? ` (did you mean '${hint}'?)`
          : valid.length > 0 && valid.length <= 12
          ? ` (expected one of: ${valid.join(", ")})`
          : "";
        return `${source}: ${path}: unknown key${help}`;
      }).join("\n");
    }
    let msg = iss.message;
    if (iss.code === "invalid_type") {
      const received = /received (\w+)/.exec(iss.message)?.[1];
      msg = received === "undefined"
        ? `missing: expected ${iss.expected}`
        : `expected ${iss.expected}${received ? `, received ${received}` : ""}`;
    }
    if (iss.code === "invalid_union" && "note" in iss && iss.note === "No matching discriminator") {
      const options = "options" in iss && Array.isArray(iss.options) ? iss.options : [];
      msg = options.length > 0
        ? `expected one of ${options.map((o) => `'${String(o)}'`).join(", ")}`
        : `expected 'kind' to be one of the documented kinds`;
    }
    if (iss.code === "invalid_union" && !("note" in iss && iss.note)) {
      const alts = describeAlternatives(iss.errors);
      if (alts.length > 0) msg = `expected ${alts.join(" or ")}`;
    }
    if (iss.code === "invalid_value" && "values" in iss && Array.isArray(iss.values)) {
      msg = `expected one of ${iss.values.map((x) => JSON.stringify(x)).join(", ")}`;
    }
    if (iss.code === "too_small" || iss.code === "too_big") {
      const bound = iss.message.replace(/^Too (small|big): expected \w+ to (be|have) /, "")
        .replace(/^([<>]=?)(\S)/, "$1 $2");
      msg = iss.origin === "number" ? `expected a number ${bound}` : `expected ${bound}`;
    }
    if (iss.code === "custom" || msg.startsWith("a ") || msg.startsWith("one of")) {
      msg = `expected ${msg}`;
    }
    return `${source}: ${at}: ${msg}`;
  });
  return lines.join("\n");
}

/** What each alternative of a failed union expected, e.g. `32`, `64`, `an integer >= 0`. */
function describeAlternatives(errors: readonly (readonly z.core.$ZodIssue[])[]): string[] {
  const out: string[] = [];
  for (const alt of errors) {
    const first = alt[0];
    if (first === undefined || first.path.length > 0) return [];
    if (first.code === "invalid_value") {
      out.push(...first.values.map((x) => JSON.stringify(x)));
    } else if (first.code === "invalid_type") out.push(`a ${first.expected}`);
    else if (first.code === "too_small" || first.code === "too_big") {
      out.push(`a number ${first.message.replace(/^Too (small|big): expected \w+ to be /, "")}`);
    } else return [];
  }
  return [...new Set(out)];
}

/**
 * Parse JSON text, reporting syntax errors with line and column.
 *
 * @example
 * ```ts
 * import { parseJsonText } from "./messages.ts";
 * console.log(parseJsonText('{"a": 1}', "x.json")); // { a: 1 }
 * ```
 */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 BOM
  try {
    return JSON.parse(body);
  } catch (e) {
    const at = jsonErrorOffset(body);
    if (at < 0) throw new InputError(`${source}: malformed JSON: ${(e as Error).message}`);
    const before = body.slice(0, at);
    const line = before.split("\n").length;
    const col = at - before.lastIndexOf("\n");
    const lineText = body.split("\n")[line - 1].replace(/\r$/, "");
    const what = at >= body.length
      ? "unexpected end of the file"
      : `unexpected ${JSON.stringify(body[at])}`;
    const excerpt = lineText.trim() === ""
      ? ""
      : `\n  ${lineText}\n  ${" ".repeat(Math.max(0, col - 1))}^`;
    throw new InputError(
      `${source}: malformed JSON at line ${line}, column ${col}: ${what}${excerpt}`,
    );
  }
}

/**
 * The offset of the first JSON syntax error in `t` (RFC 8259), or -1 when
 * none is found. Engines word JSON.parse errors differently and some give no
 * position, so the position is found here.
 */
function jsonErrorOffset(t: string): number {
  let i = 0;
  const ws = () => {
    while (i < t.length && (t[i] === " " || t[i] === "\t" || t[i] === "\n" || t[i] === "\r")) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const str = () => {
    i++;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        if (i >= t.length || !`"\\/bfnrtu`.includes(t[i])) fail();
        if (t[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 1, i + 5))) fail();
          i += 4;
        }
      }
      i++;
    }
    fail();
  };
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const value = (depth: number): void => {
    if (depth > 1000) fail();
    ws();
    const c = t[i];
    if (c === "{") {
      i++;
      ws();
      if (t[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (t[i] !== '"') fail();
        str();
        ws();
        if (t[i] !== ":") fail();
        i++;
        value(depth + 1);
        ws();
        if (t[i] === ",") {
          i++;
          continue;
        }
        if (t[i] === "}") {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (t[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (t[i] === ",") {
          i++;
          continue;
        }
        if (t[i] === "]") {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '"') return str();
    literal.lastIndex = i;
    const m = literal.exec(t);
    if (m === null) fail();
    i += m![0].length;
  };
  try {
    value(0);
    ws();
    return i < t.length ? i : -1;
  } catch (e) {
    return typeof e === "number" ? e : -1;
  }
}
