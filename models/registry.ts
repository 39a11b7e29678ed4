/**
 * ABI ids and the factories behind them, plus loading a user's design by module path.
 *
 * @module
 */

import type { AbiFactory, AbiOptions, EventChannelAbi } from "./abi.ts";
import { TwoLevelAbi } from "./two_level.ts";
import { ThreeLevelAbi } from "./three_level.ts";
import { FifoAbi } from "./fifo.ts";
import { DEFAULT_COSTS } from "./costs.ts";

const FACTORIES: Record<string, AbiFactory> = {
  "2l": (o) => new TwoLevelAbi(o, "2l"),
  "2l:32": (o) => new TwoLevelAbi({ ...o, wordBits: 32 }, "2l:32"),
  "3l": (o) => new ThreeLevelAbi(o, "3l"),
  "3l:32": (o) => new ThreeLevelAbi({ ...o, wordBits: 32 }, "3l:32"),
  "fifo": (o) => new FifoAbi(o, "fifo"),
  "fifo:drain": (o) => new FifoAbi(o, "fifo:drain"),
  "fifo:lowest-first": (o) => new FifoAbi(o, "fifo:lowest-first"),
  "fifo:naive-link": (o) => new FifoAbi(o, "fifo:naive-link"),
};

/** The built-in ABI ids. */
export const ABI_IDS: readonly string[] = Object.freeze(Object.keys(FACTORIES));

/**
 * Whether an ABI name is a module path (a user's design) rather than a built-in id.
 *
 * @example
 * ```ts
 * import { isModulePath } from "./registry.ts";
 * console.log(isModulePath("./designs/my_abi.ts"), isModulePath("fifo")); // true false
 * ```
 */
export function isModulePath(name: string): boolean {
  return /\.(ts|js|mjs|mts)$/.test(name) &&
    (name.startsWith("./") || name.startsWith("../") || name.startsWith("/") ||
      name.startsWith("file:"));
}

/**
 * Create a built-in model by id.
 *
 * @example
 * ```ts
 * import { createAbi } from "./registry.ts";
 * import { DEFAULT_COSTS } from "./costs.ts";
 * const abi = createAbi("fifo", { vcpus: 2, wordBits: 64, costs: DEFAULT_COSTS });
 * console.log(abi.maxPorts); // 131072
 * ```
 */
export function createAbi(id: string, options: AbiOptions): EventChannelAbi {
  const f = FACTORIES[id];
  if (f === undefined) throw new Error(`unknown ABI id '${id}'`);
  return f(options);
}

/**
 * The cost fields a built-in ABI's model reads, or `null` for a module path
 * (a design's reads are unknown). Every built-in model copies the costs it
 * charges in its constructor, so building it once on costs that record each
 * read finds them all.
 *
 * @example
 * ```ts
 * import { costFieldsRead } from "./registry.ts";
 * const read = costFieldsRead("2l")!;
 * console.log(read.has("xen_raise_2l_ns"), read.has("xen_raise_fifo_ns")); // true false
 * ```
 */
export function costFieldsRead(id: string): ReadonlySet<string> | null {
  if (FACTORIES[id] === undefined) return null;
  const read = new Set<string>();
  const costs = new Proxy({ ...DEFAULT_COSTS }, {
    get(target, key, receiver) {
      if (typeof key === "string") read.add(key);
      return Reflect.get(target, key, receiver);
    },
  });
  createAbi(id, { vcpus: 1, wordBits: 64, costs });
  return read;
}

/**
 * The folder whose tree a design module may read: the folder holding the
 * module file (`url` is its absolute `file:` URL).
 *
 * @example
 * ```ts
 * import { designTree } from "./registry.ts";
 * console.log(designTree("file:///home/me/designs/my_abi.ts")); // "/home/me/designs"
 * ```
 */
export function designTree(url: string): string {
  const path = decodeURIComponent(new URL(url).pathname);
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** The permissions a design's sandbox must not hold (DESIGN.md §11). */
const FORBIDDEN = ["write", "net", "env", "run", "ffi", "sys"] as const;

/**
 * Whether this thread is a sandbox a design module may run in: a process (a
 * design's own, see `sim/sweep/design_child.ts`) or a Web Worker holding
 * none of write, net, env, run, ffi or sys, nor read access to everything.
 *
 * @example
 * ```ts
 * import { inSandbox } from "./registry.ts";
 * console.log(inSandbox()); // false (tests and the command line hold these permissions)
 * ```
 */
export function inSandbox(): boolean {
  return [...FORBIDDEN, "read" as const].every((name) =>
    Deno.permissions.querySync({ name }).state !== "granted"
  );
}

/**
 * The factory for a built-in id, or the default export of a design module
 * (`url` must be absolute: resolve user paths first). A design module is
 * imported only inside a sandbox ({@linkcode inSandbox}): anywhere else this
 * refuses, so that a scenario file can never run code with the user's rights.
 *
 * @example
 * ```ts
 * import { loadAbiFactory } from "./registry.ts";
 * const f = await loadAbiFactory("2l");
 * ```
 */
export async function loadAbiFactory(idOrUrl: string): Promise<AbiFactory> {
  const f = FACTORIES[idOrUrl];
  if (f !== undefined) return f;
  if (!inSandbox()) {
    throw new Error(
      `${idOrUrl}: a design module is imported only inside its sandbox ` +
        `(a process that may read its own files, nothing else); refusing to import it here`,
    );
  }
  const mod = await import(idOrUrl);
  const d = mod.default;
  if (typeof d !== "function") {
    throw new Error(
      `${idOrUrl}: the default export must be a function (options) => EventChannelAbi`,
    );
  }
  return (o: AbiOptions) => {
    // A class or a plain factory function: both are accepted.
    try {
      return d(o) as EventChannelAbi;
    } catch (e) {
      if (e instanceof TypeError && /class constructor/i.test(e.message)) {
        return new d(o) as EventChannelAbi;
      }
      throw e;
    }
  };
}
