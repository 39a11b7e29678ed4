/**
 * The browser builds of vega, vega-lite and vega-embed, read from the npm
 * packages Deno resolved for this project (global cache or node_modules),
 * so that report.html can inline them and work offline.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The three browser bundles, in the order they must load. */
export interface Bundles {
  /** build/vega.min.js. */
  vega: string;
  /** build/vega-lite.min.js. */
  vegaLite: string;
  /** build/vega-embed.min.js. */
  vegaEmbed: string;
}

// Literal dynamic imports put the packages into Deno's module graph (and so on disk)
// before their entry points are resolved to file: URLs.
const PACKAGES = {
  "vega": { load: () => import("vega"), file: "build/vega.min.js" },
  "vega-lite": { load: () => import("vega-lite"), file: "build/vega-lite.min.js" },
  "vega-embed": { load: () => import("vega-embed"), file: "build/vega-embed.min.js" },
} as const;

/** The package folder of `name`, found from its resolved entry point. */
async function packageDir(name: keyof typeof PACKAGES): Promise<string> {
  let url = import.meta.resolve(name);
  if (!url.startsWith("file:")) {
    await PACKAGES[name].load();
    url = import.meta.resolve(name);
  }
  if (!url.startsWith("file:")) throw new Error(`cannot locate npm package ${name} (${url})`);
  let dir = dirname(fileURLToPath(url));
  for (;;) {
    try {
      const pkg = JSON.parse(Deno.readTextFileSync(join(dir, "package.json")));
      if (pkg.name === name) return dir;
    } catch {
      // not the package root yet
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the package.json of ${name} above ${url}`);
    dir = up;
  }
}

let cache: Promise<Bundles> | null = null;

/**
 * Read the browser bundles (cached after the first call).
 *
 * @example
 * ```ts
 * import { loadBundles } from "./bundles.ts";
 * const b = await loadBundles();
 * console.log(b.vega.length > 100000); // true
 * ```
 */
export function loadBundles(): Promise<Bundles> {
  cache ??= (async () => {
    const read = async (n: keyof typeof PACKAGES) =>
      await Deno.readTextFile(join(await packageDir(n), PACKAGES[n].file));
    return {
      vega: await read("vega"),
      vegaLite: await read("vega-lite"),
      vegaEmbed: await read("vega-embed"),
    };
  })();
  return cache;
}

/**
 * Make script text safe inside an inline `<script>` element.
 *
 * @example
 * ```ts
 * import { inlineScript } from "./bundles.ts";
 * console.log(inlineScript('x = "</script>"')); // x = "<\/script>"
 * ```
 */
export function inlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}
