/**
 * Runs the examples: `deno test --doc` over the project's modules (every
 * `@example` block of their JSDoc) and over README.md and docs/** (every
 * `ts` code block; a block fenced as `ts ignore` is illustrative and
 * skipped). Each block is type-checked with the project's strict options and
 * run.
 *
 * One option is relaxed, in a configuration written next to deno.json for the
 * duration of the run and removed after: `noUnusedLocals`, because
 * `deno test --doc` adds to every block an import of every export of the
 * module it documents, which the block rarely uses all of.
 *
 * Usage: `deno task docs:test [FILE...]` (default: every module and page).
 * Exit status: that of `deno test`.
 *
 * @module
 */

import { join } from "node:path";
import { pages, ROOT } from "./gen_docs.ts";

/** The folders whose modules carry JSDoc examples (`bench/` and `tests/` carry none). */
const MODULE_DIRS = ["sim", "models", "reports", "tools", "examples"];

/**
 * Every module and page whose examples are run, relative to `root`: `mod.ts`,
 * the TypeScript modules of the source folders, README.md and docs/**.
 *
 * @example
 * ```ts
 * import { exampleFiles, ROOT } from "./doc_test.ts";
 * console.log(exampleFiles(ROOT).includes("mod.ts")); // true
 * ```
 */
export function exampleFiles(root: string): string[] {
  const files = ["mod.ts"];
  const walk = (dir: string) => {
    const entries = [...Deno.readDirSync(join(root, dir))].sort((a, b) =>
      a.name.localeCompare(b.name)
    );
    for (const e of entries) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory && e.name !== "fixtures") walk(path);
      else if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) {
        files.push(path);
      }
    }
  };
  for (const dir of MODULE_DIRS) walk(dir);
  return [...files, ...pages(root)];
}

export { ROOT };

if (import.meta.main) {
  const root = ROOT;
  const files = Deno.args.length > 0 ? Deno.args : exampleFiles(root);
  const config = JSON.parse(Deno.readTextFileSync(join(root, "deno.json")));
  config.compilerOptions = { ...config.compilerOptions, noUnusedLocals: false };
  const path = join(root, ".doctest.deno.json");
  Deno.writeTextFileSync(path, JSON.stringify(config, null, 2) + "\n");
  let code = 1;
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "--doc", "--config", path, "--allow-all", "--parallel", ...files],
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    code = out.code;
  } finally {
    Deno.removeSync(path);
  }
  Deno.exit(code);
}
