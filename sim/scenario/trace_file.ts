/**
 * Trace files: CSVs of `time_ns,port` or `time_ns,group,index` that a `trace`
 * arrival replays. They are input, so they are read and checked with the
 * scenario, before anything runs; errors name the file and the line.
 *
 * @module
 */

import { parse as parseCsv } from "csv-parse/sync";
import { InputError } from "../io/errors.ts";
import { notFoundText, resolveInputPath } from "../io/paths.ts";
import { readBoundedText } from "../io/bounded_read.ts";

/** One parsed trace: raise times and, per entry, a group index and an index in it (or a raw port). */
export interface Trace {
  /** Raise times in ns, non-decreasing. */
  time: Float64Array;
  /** Group index per entry, or -1 when `target` is a raw port number. */
  group: Int32Array;
  /** Index inside the group, or a raw port number. */
  target: Int32Array;
}

/**
 * Parse a trace CSV of `time_ns,port` or `time_ns,group,index` lines (a header
 * line is allowed). Errors name the file and the line.
 *
 * @example
 * ```ts
 * import { parseTrace } from "./trace_file.ts";
 * const t = parseTrace("time_ns,port\n100,3\n250,4\n", "t.csv", ["net"]);
 * console.log(Array.from(t.target)); // [3, 4]
 * ```
 */
export function parseTrace(text: string, source: string, groupNames: readonly string[]): Trace {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    throw new InputError(`${source}: malformed CSV: ${(e as Error).message}`);
  }
  const time: number[] = [], group: number[] = [], target: number[] = [];
  let last = -Infinity;
  records.forEach(({ record: rec, info }, i) => {
    const line = info.lines; // the line in the file, blank lines included
    if (i === 0 && rec.length > 0 && !/^[0-9.eE+-]+$/.test(rec[0])) return; // header
    const bad = (what: string) => new InputError(`${source}: line ${line}: ${what}`);
    if (rec.length !== 2 && rec.length !== 3) {
      throw bad(`expected 'time_ns,port' or 'time_ns,group,index', got ${rec.length} fields`);
    }
    const t = Number(rec[0]);
    if (!Number.isFinite(t) || t < 0) {
      throw bad(`expected time_ns to be a number >= 0, got '${rec[0]}'`);
    }
    if (t < last) throw bad(`expected times in non-decreasing order (${t} < ${last})`);
    last = t;
    if (rec.length === 2) {
      const port = Number(rec[1]);
      if (!Number.isInteger(port) || port < 1) {
        throw bad(`expected port to be an integer >= 1, got '${rec[1]}'`);
      }
      time.push(t);
      group.push(-1);
      target.push(port);
    } else {
      const g = groupNames.indexOf(rec[1]);
      if (g < 0) throw bad(`expected a group name (${groupNames.join(", ")}), got '${rec[1]}'`);
      const idx = Number(rec[2]);
      if (!Number.isInteger(idx) || idx < 0) {
        throw bad(`expected index to be an integer >= 0, got '${rec[2]}'`);
      }
      time.push(t);
      group.push(g);
      target.push(idx);
    }
  });
  return {
    time: Float64Array.from(time),
    group: Int32Array.from(group),
    target: Int32Array.from(target),
  };
}

const traceCache = new Map<string, Trace>();

/** A parsed trace as it crosses to a worker: its cache key and the trace. */
export type TraceEntry = [key: string, trace: Trace];

function traceKey(file: string, groupNames: readonly string[]): string {
  return `${file}\u0000${groupNames.join(",")}`;
}

/** Load (once per process) the trace file `file` of a scenario with `groupNames`. */
export function loadTrace(
  file: string,
  groupNames: readonly string[],
  dottedKey = "arrival.file",
  source?: string,
): Trace {
  // Keyed by the path as written: one process resolves it against one directory.
  const key = traceKey(file, groupNames);
  let t = traceCache.get(key);
  if (t === undefined) {
    const path = resolveInputPath(file, dottedKey);
    let text: string;
    try {
      text = readBoundedText(path, file);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(
        e instanceof Deno.errors.NotFound
          ? `${notFoundText(file, path, dottedKey, source)} (a trace file)`
          : `${file}: cannot read the trace file: ${(e as Error).message}`,
      );
    }
    t = parseTrace(text, file, groupNames);
    traceCache.set(key, t);
  }
  return t;
}

/**
 * The traces loaded so far for the groups of `scenario`-like `groups`, to hand
 * to a worker (which reads no files) with {@linkcode primeTraces}.
 *
 * @example
 * ```ts
 * import { tracesOf } from "./trace_file.ts";
 * console.log(tracesOf([])); // []
 * ```
 */
export function tracesOf(
  groups: readonly { name: string; arrival: { kind: string; file?: string } }[],
): TraceEntry[] {
  const names = groups.map((g) => g.name);
  const out: TraceEntry[] = [];
  for (const g of groups) {
    if (g.arrival.kind !== "trace" || g.arrival.file === undefined) continue;
    out.push([traceKey(g.arrival.file, names), loadTrace(g.arrival.file, names)]);
  }
  return out;
}

/**
 * Put traces read elsewhere into this process's cache.
 *
 * @example
 * ```ts
 * import { primeTraces } from "./trace_file.ts";
 * primeTraces([]);
 * ```
 */
export function primeTraces(entries: readonly TraceEntry[]): void {
  for (const [key, trace] of entries) traceCache.set(key, trace);
}
