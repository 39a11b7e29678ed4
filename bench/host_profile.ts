/**
 * Where a host delivery's time goes, and what grows with the number of
 * guests: the scale benchmark's host (`host_scale.ts`) at two or more guest
 * counts, each run to its steady state and then profiled (V8's sampling
 * profiler through `node:inspector`) over the second half of its run. Prints
 * self time in ns per delivery by function and by source line, sorted by how
 * much it grows from the first guest count to the last: the statements whose
 * loads miss the caches once the guests' state no longer fits.
 *
 * `deno task bench:host-profile [guests,guests,...] [think_us] [deliveries] [rows]`
 *
 * Lines are mapped back to the TypeScript source through the source map Deno
 * keeps with each emitted module (found with `deno info --json`); where it
 * cannot be read, the emitted JavaScript's line is printed instead.
 *
 * @module
 */

import { Session } from "node:inspector";
import { decodedMappings, TraceMap } from "@jridgewell/trace-mapping";
import { hostScaleSimulation } from "./host_scale.ts";

/** A V8 CPU profile node, as `Profiler.stop` returns it (the fields used here). */
export interface ProfileNode {
  /** The node's id, as `samples` name it. */
  id: number;
  /** The function (its name, its script's URL, its first line, 0-based). */
  callFrame: { functionName: string; url: string; lineNumber: number };
  /** Samples per line of the emitted script (1-based), when line ticks were recorded. */
  positionTicks?: { line: number; ticks: number }[];
}

/** A V8 CPU profile (the fields used here). */
export interface CpuProfile {
  /** The call tree's nodes. */
  nodes: ProfileNode[];
  /** The node each sample fell in. */
  samples: number[];
  /** µs before each sample. */
  timeDeltas: number[];
}

/** Self time of one host, in ns per delivery, by function and by (url, emitted line). */
export interface HostProfile {
  /** Guests in the host. */
  guests: number;
  /** Deliveries in the profiled half. */
  delivered: number;
  /** Self ns per delivery by `function url:line` (the function's first line). */
  byFunction: Map<string, number>;
  /** Self ns per delivery by `url\u0000emitted line` (1-based). */
  byLine: Map<string, number>;
}

/**
 * Self time per delivery of a CPU profile covering `delivered` deliveries:
 * each sample's interval goes to its node, and a node's time is spread over
 * its lines in proportion to their ticks.
 *
 * @example
 * ```ts
 * import { selfTimes } from "./host_profile.ts";
 * const p = {
 *   nodes: [{ id: 1, callFrame: { functionName: "f", url: "file:///a.ts", lineNumber: 0 },
 *     positionTicks: [{ line: 3, ticks: 1 }] }],
 *   samples: [1, 1],
 *   timeDeltas: [10, 30],
 * };
 * console.log(selfTimes(p, 4, 10).byFunction.get("f a.ts:1")); // 10000
 * ```
 */
export function selfTimes(profile: CpuProfile, delivered: number, guests: number): HostProfile {
  const us = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    us.set(id, (us.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>(), byLine = new Map<string, number>();
  for (const n of profile.nodes) {
    const t = us.get(n.id);
    if (t === undefined) continue;
    const ns = t * 1e3 / delivered;
    const cf = n.callFrame;
    const file = cf.url.split("/").pop() ?? cf.url;
    const f = `${cf.functionName || "(anonymous)"} ${file}:${cf.lineNumber + 1}`;
    byFunction.set(f, (byFunction.get(f) ?? 0) + ns);
    const ticks = n.positionTicks ?? [];
    const total = ticks.reduce((s, x) => s + x.ticks, 0);
    for (const x of ticks) {
      const k = `${cf.url}\u0000${x.line}`;
      byLine.set(k, (byLine.get(k) ?? 0) + ns * x.ticks / total);
    }
  }
  return { guests, delivered, byFunction, byLine };
}

/** Post one inspector command and wait for its result. */
function post<T>(s: Session, method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    // deno-lint-ignore no-explicit-any
    s.post(method, params, (err: Error | null, res: any) => err ? reject(err) : resolve(res));
  });
}

/**
 * Profile the benchmark's host of `guests` guests over the second half of a
 * run long enough for about `deliveries` deliveries in that half.
 *
 * @example
 * ```ts ignore
 * import { profileHost } from "./host_profile.ts";
 * const p = await profileHost(10, 1000, 20_000);
 * console.log(p.delivered > 0); // true
 * ```
 */
export async function profileHost(
  guests: number,
  thinkUs: number,
  deliveries: number,
): Promise<HostProfile> {
  // About 1.7 deliveries per guest per think time (a request, its response, and some IPIs).
  const ms = Math.max(20, 2 * deliveries / (1.7 * guests) * thinkUs / 1000);
  const sim = hostScaleSimulation(ms, guests, thinkUs);
  sim.start();
  sim.engine.run(ms * 1e6 / 2, sim);
  const d0 = sim.delivered;
  const s = new Session();
  s.connect();
  await post(s, "Profiler.enable");
  await post(s, "Profiler.setSamplingInterval", { interval: 100 });
  await post(s, "Profiler.start");
  sim.engine.run(ms * 1e6, sim);
  const { profile } = await post<{ profile: CpuProfile }>(s, "Profiler.stop");
  s.disconnect();
  return selfTimes(profile, Math.max(1, sim.delivered - d0), guests);
}

/** Source lines for emitted-module lines: reads Deno's emit cache and its source maps. */
class SourceLines {
  #gen: string | null = null;
  #maps = new Map<string, { map: TraceMap; text: string[] } | null>();

  constructor() {
    try {
      const out = new Deno.Command("deno", { args: ["info", "--json"], stderr: "null" })
        .outputSync();
      this.#gen = JSON.parse(new TextDecoder().decode(out.stdout)).typescriptCache ?? null;
    } catch {
      this.#gen = null;
    }
  }

  /** `file.ts:line  source text` for an emitted line of `url`, or the emitted position. */
  describe(url: string, line: number): string {
    const file = url.split("/").pop() ?? url;
    const m = this.#load(url);
    if (m !== null) {
      // The last mapped segment: an emitted line may open with a comment
      // that belongs to the line above.
      const seg = decodedMappings(m.map)[line - 1]?.findLast((x) => x.length >= 4);
      if (seg !== undefined && seg.length >= 4) {
        const src = (seg[2] ?? 0) + 1;
        return `${file}:${src}  ${(m.text[src - 1] ?? "").trim().slice(0, 90)}`;
      }
    }
    return `${file}:${line} (emitted JavaScript)`;
  }

  #load(url: string): { map: TraceMap; text: string[] } | null {
    if (this.#maps.has(url)) return this.#maps.get(url)!;
    let r: { map: TraceMap; text: string[] } | null = null;
    if (this.#gen !== null && url.startsWith("file:///") && url.endsWith(".ts")) {
      try {
        const path = new URL(url).pathname;
        const emitted = Deno.readTextFileSync(`${this.#gen}/file${path}.js`);
        const tag = "sourceMappingURL=data:application/json;base64,";
        const at = emitted.lastIndexOf(tag);
        if (at >= 0) {
          const b64 = emitted.slice(at + tag.length).split("\n")[0];
          const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
          r = { map: new TraceMap(json), text: Deno.readTextFileSync(path).split("\n") };
        }
      } catch {
        r = null;
      }
    }
    this.#maps.set(url, r);
    return r;
  }
}

/** The rows of `a` against `b` sorted by growth, as printable lines. */
function growth(
  a: Map<string, number>,
  b: Map<string, number>,
  rows: number,
  label: (k: string) => string,
): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])];
  keys.sort((x, y) => ((b.get(y) ?? 0) - (a.get(y) ?? 0)) - ((b.get(x) ?? 0) - (a.get(x) ?? 0)));
  return keys.slice(0, rows).map((k) => {
    const x = a.get(k) ?? 0, y = b.get(k) ?? 0;
    return `${x.toFixed(0).padStart(7)} ${y.toFixed(0).padStart(7)} ${
      (y - x >= 0 ? "+" : "") + (y - x).toFixed(0)
    }`.padEnd(24) + label(k);
  });
}

if (import.meta.main) {
  const counts = (Deno.args[0] ?? "10,1000").split(",").map(Number);
  const thinkUs = Number(Deno.args[1] ?? 1000);
  const deliveries = Number(Deno.args[2] ?? 1_000_000);
  const rows = Number(Deno.args[3] ?? 30);
  await profileHost(100, thinkUs, 100_000); // warm-up (JIT)
  const profiles: HostProfile[] = [];
  for (const g of counts) profiles.push(await profileHost(g, thinkUs, deliveries));
  const sum = (m: Map<string, number>) => [...m.values()].reduce((s, x) => s + x, 0);
  for (const p of profiles) {
    console.log(
      `${p.guests} guests: ${p.delivered} deliveries profiled, ` +
        `${sum(p.byFunction).toFixed(0)} ns of samples per delivery`,
    );
  }
  const a = profiles[0], b = profiles[profiles.length - 1];
  const head = `${`${a.guests} g`.padStart(7)} ${`${b.guests} g`.padStart(7)} growth`;
  console.log(`\nself ns per delivery, by function\n${head}`);
  for (const l of growth(a.byFunction, b.byFunction, rows, (k) => k)) console.log(l);
  const src = new SourceLines();
  console.log(`\nself ns per delivery, by source line\n${head}`);
  for (const l of growth(a.byLine, b.byLine, rows, (k) => src.describe(...splitKey(k)))) {
    console.log(l);
  }
}

/** A `byLine` key's url and line. */
function splitKey(k: string): [string, number] {
  const [url, line] = k.split("\u0000");
  return [url, Number(line)];
}
