/**
 * `--set dotted.path=value` overrides, applied to raw (unvalidated) scenario
 * JSON before it is validated.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";

/**
 * Apply a `--set dotted.path=value` override to a raw (unvalidated) object.
 * The value is parsed as JSON when it is valid JSON, else taken as a string.
 * Setting a `kind` to another value clears the object's other keys (they
 * belonged to the old kind): set the new kind's keys after it.
 *
 * @example
 * ```ts
 * import { applySet } from "./overrides.ts";
 * const raw = { groups: [{ ports: 1 }, { ports: 2 }] };
 * applySet(raw, "groups.1.ports=8000");
 * console.log(raw.groups[1].ports); // 8000
 * ```
 */
export function applySet(raw: unknown, assignment: string): void {
  const eq = assignment.indexOf("=");
  if (eq <= 0) {
    throw new InputError(`--set ${assignment}: expected dotted.path=value`);
  }
  const path = assignment.slice(0, eq).split(".");
  const text = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  setPath(raw, path, value, `--set ${assignment}`);
}

/** Set `value` at `path` inside `raw`, creating objects on the way; errors name `source`. */
export function setPath(
  raw: unknown,
  path: readonly string[],
  value: unknown,
  source: string,
): void {
  if (typeof raw !== "object" || raw === null) {
    throw new InputError(`${source}: expected the scenario to be an object`);
  }
  let cur = raw as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    if (Array.isArray(cur)) {
      const idx = Number(k);
      if (!Number.isInteger(idx) || idx < 0 || idx >= cur.length) {
        throw new InputError(
          `${source}: ${path.slice(0, i + 1).join(".")}: expected an index below ${cur.length}`,
        );
      }
    }
    let nxt = cur[k];
    if (typeof nxt !== "object" || nxt === null) {
      nxt = {};
      cur[k] = nxt;
    }
    cur = nxt as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (last === "kind" && !Array.isArray(cur) && cur[last] !== value) {
    // A new kind starts a new object: the other keys belonged to the old kind
    // (`--set vcpu_sched.kind=dedicated`); set the new kind's keys after it.
    for (const k of Object.keys(cur)) delete cur[k];
  }
  if (Array.isArray(cur)) {
    const idx = Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx > cur.length) {
      throw new InputError(`${source}: ${path.join(".")}: expected an index up to ${cur.length}`);
    }
  }
  cur[last] = value;
}
