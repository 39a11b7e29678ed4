/**
 * The entry of a design module's own process (DESIGN.md §11): the parent
 * (`design_process.ts`) starts it with `deno run`, read access to the
 * design's private copy only, nothing else, and writes one JSON request a
 * line on its stdin; each reply is one line on stdout behind
 * {@linkcode REPLY_MARK}. Anything else the process prints is the design's
 * output, which the parent shows escaped. The project's modules are static
 * imports of this file, loaded before the design, so the design's import of
 * `mod.ts` needs no read access to the project.
 *
 * On `probe`, the design is imported and one model built, and a method of
 * the design whose name is close to a hook of the built-in class it extends
 * but overrides nothing is refused (a misspelt hook is never called).
 *
 * @module
 */

import "../../mod.ts";
import { handleRequest, type WorkerReply, type WorkerRequest } from "./worker.ts";
import type { Trace, TraceEntry } from "../scenario/trace_file.ts";
import { loadAbiFactory } from "../../models/registry.ts";
import { DEFAULT_COSTS } from "../../models/costs.ts";
import { FifoAbi } from "../../models/fifo.ts";
import { TwoLevelAbi } from "../../models/two_level.ts";
import { ThreeLevelAbi } from "../../models/three_level.ts";

/** What starts every reply line on the design process's stdout. */
export const REPLY_MARK = "\x1eevtchn-sim-reply ";

/** A trace as it crosses the pipe: plain arrays instead of typed arrays. */
export type WireTrace = [key: string, trace: { time: number[]; group: number[]; target: number[] }];

/**
 * A trace entry in a form JSON keeps.
 *
 * @example
 * ```ts
 * import { toWire } from "./design_child.ts";
 * const t = { time: Float64Array.of(1), group: Int32Array.of(-1), target: Int32Array.of(3) };
 * console.log(JSON.stringify(toWire(["k", t]))); // '["k",{"time":[1],"group":[-1],"target":[3]}]'
 * ```
 */
export function toWire([key, t]: TraceEntry): WireTrace {
  return [key, {
    time: Array.from(t.time),
    group: Array.from(t.group),
    target: Array.from(t.target),
  }];
}

/**
 * A trace entry back from its wire form.
 *
 * @example
 * ```ts
 * import { fromWire } from "./design_child.ts";
 * console.log(fromWire(["k", { time: [1], group: [-1], target: [3] }])[1].target[0]); // 3
 * ```
 */
export function fromWire([key, t]: WireTrace): TraceEntry {
  const trace: Trace = {
    time: Float64Array.from(t.time),
    group: Int32Array.from(t.group),
    target: Int32Array.from(t.target),
  };
  return [key, trace];
}

/** Edit distance of two names, case-insensitive, capped at 3. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const swap = i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1] ? 0 : 9;
      cur[j] = Math.min(
        prev[j] + 1,
        cur[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
        swap === 0 ? prev[j - 1] : 9,
      );
    }
    prev = cur;
  }
  return Math.min(3, prev[b.length]);
}

const BASES: readonly (abstract new (...a: never[]) => unknown)[] = [
  FifoAbi,
  TwoLevelAbi,
  ThreeLevelAbi,
];

/**
 * Methods of `model`'s own classes whose names are close to a method of the
 * built-in class they extend but override nothing: one message each, with
 * the hook meant. Empty when the model extends no built-in class.
 *
 * @example
 * ```ts
 * import { misspeltHooks } from "./design_child.ts";
 * import { FifoAbi, DEFAULT_COSTS } from "../../mod.ts";
 * class Typo extends FifoAbi {
 *   rereadReddy(): boolean { return true; }
 * }
 * const m = new Typo({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
 * console.log(misspeltHooks(m)[0].includes("did you mean 'rereadReady'")); // true
 * ```
 */
export function misspeltHooks(model: object): string[] {
  const own: { cls: string; names: string[] }[] = [];
  let proto = Object.getPrototypeOf(model);
  let base: string | undefined;
  while (proto !== null && proto !== Object.prototype) {
    if (BASES.some((b) => b.prototype === proto)) {
      base = proto.constructor.name;
      break;
    }
    own.push({ cls: proto.constructor?.name ?? "?", names: Object.getOwnPropertyNames(proto) });
    proto = Object.getPrototypeOf(proto);
  }
  if (base === undefined) return [];
  const hooks = new Set<string>();
  for (let p = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const n of Object.getOwnPropertyNames(p)) if (n !== "constructor") hooks.add(n);
  }
  const out: string[] = [];
  for (const { cls, names } of own) {
    for (const n of names) {
      if (n === "constructor" || hooks.has(n)) continue;
      let best: string | undefined, bestD = 3;
      for (const h of hooks) {
        const d = distance(n, h);
        if (d < bestD) [best, bestD] = [h, d];
      }
      if (best !== undefined && (bestD <= 1 || (bestD === 2 && n.length >= 8))) {
        out.push(
          `method '${n}' of ${cls} overrides nothing, so it is never called ` +
            `(did you mean '${best}', a method of ${base}?)`,
        );
      }
    }
  }
  return out;
}

/** Write all of `text` to stdout. */
function write(text: string): void {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

function reply(r: WorkerReply): void {
  write(`\n${REPLY_MARK}${JSON.stringify(r)}\n`);
}

/** A request as it crosses the pipe. */
type WireRequest = Omit<WorkerRequest, "traces"> & { traces?: WireTrace[] };

async function serve(line: string): Promise<void> {
  const req = JSON.parse(line) as WireRequest;
  const request: WorkerRequest = { ...req, traces: req.traces?.map(fromWire) };
  if (req.kind === "probe") {
    try {
      const factory = await loadAbiFactory(req.run.module!);
      const model = factory({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
      const typos = model && typeof model === "object" ? misspeltHooks(model) : [];
      if (typos.length > 0) {
        reply({
          ok: false,
          index: req.run.index,
          error: { name: "HookTypo", message: typos.join("\n"), stack: "" },
        });
        return;
      }
    } catch {
      // handleRequest reports the error below
    }
  }
  reply(await handleRequest(request, reply));
}

if (import.meta.main) {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of Deno.stdin.readable) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim() !== "") await serve(line);
    }
  }
}
