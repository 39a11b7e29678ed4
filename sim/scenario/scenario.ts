/**
 * The input contract (README: Scenarios): load a scenario or sweep by path or
 * built-in name and validate it, with errors that name the file, the dotted
 * path and what was expected.
 *
 * This folder owns the scenario format: the schema (`schema.ts`), the error
 * messages (`messages.ts`), `--set` overrides (`overrides.ts`), the built-ins
 * (`builtins.ts`) and trace files (`trace_file.ts`). It never imports the
 * engine, a run, a sweep, the reports or the command line.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import { inputFile, resolveUserPath, setInputFile } from "../io/paths.ts";
import { readBoundedText } from "../io/bounded_read.ts";
import { BUILTIN_DIR, builtinNames } from "./builtins.ts";
import { formatIssues, parseJsonText, suggestKey } from "./messages.ts";
import { checkScenario, type Scenario, ScenarioSchema } from "./schema.ts";
import { loadTrace } from "./trace_file.ts";

export * from "./schema.ts";
export * from "./messages.ts";
export * from "./overrides.ts";
export * from "./builtins.ts";
export { resolveUserPath } from "../io/paths.ts";

/**
 * Validate a parsed JSON value as a scenario; throws InputError naming
 * `source`, the dotted path and what was expected. The trace files of
 * `trace` arrivals are read and checked too (their errors name the file and
 * the line).
 *
 * @example
 * ```ts
 * import { parseScenario } from "./scenario.ts";
 * const s = parseScenario({
 *   name: "tiny",
 *   groups: [{ name: "net", ports: 8, arrival: { kind: "poisson", rate_per_s: 1000 },
 *     service: { kind: "const", ns: 1000 } }],
 * }, "inline");
 * console.log(s.duration_ms); // 100
 * ```
 */
export function parseScenario(value: unknown, source: string): Scenario {
  const r = checkScenario(value);
  if (!r.success) throw new InputError(formatIssues(source, r.error, ScenarioSchema, value));
  // Trace files are input too: read and check them now (errors name the file and
  // line), before anything is run or written. loadTrace caches what it parsed.
  const names = r.data.groups.map((g) => g.name);
  r.data.groups.forEach((g, i) => {
    if (g.arrival.kind !== "trace") return;
    loadTrace(g.arrival.file, names, `groups.${i}.arrival.file`, inputFile() ?? source);
  });
  return r.data;
}

/** Where a scenario or sweep came from, and its raw JSON. */
export interface LoadedInput {
  /** A display name for errors: the path the user gave, or `builtin:<name>`. */
  source: string;
  /** Absolute path of the file. */
  path: string;
  /** The parsed, unvalidated JSON. */
  raw: unknown;
}

/**
 * Load a scenario or sweep by file path or built-in name, parsing its JSON.
 *
 * @example
 * ```ts
 * import { loadInput } from "./scenario.ts";
 * const input = loadInput("default");
 * console.log(input.source); // "builtin:default"
 * ```
 */
export function loadInput(fileOrName: string): LoadedInput {
  const looksLikePath = fileOrName.includes("/") || fileOrName.endsWith(".json");
  if (!looksLikePath) {
    const names = builtinNames();
    if (!names.includes(fileOrName)) {
      const hint = suggestKey(fileOrName, names);
      throw new InputError(
        `${fileOrName}: no such built-in scenario${
          hint ? ` (did you mean '${hint}'?)` : ""
        }; 'deno task sim list' shows them`,
      );
    }
    const path = new URL(`${fileOrName}.json`, BUILTIN_DIR).pathname;
    return {
      source: `builtin:${fileOrName}`,
      path,
      raw: parseJsonText(Deno.readTextFileSync(path), `builtin:${fileOrName}`),
    };
  }
  const path = resolveUserPath(fileOrName);
  setInputFile(path, fileOrName);
  let text: string;
  try {
    text = readBoundedText(path, fileOrName);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable
      ? "permission denied"
      : (e as Error).message;
    throw new InputError(`${fileOrName}: cannot read the file: ${why}`);
  }
  return { source: fileOrName, path, raw: parseJsonText(text, fileOrName) };
}
