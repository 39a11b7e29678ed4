/**
 * Vetting a design module before anything of it runs (DESIGN.md §11): its
 * import graph is resolved without running it (`deno info --json`, remote
 * and npm resolution off), and every import of every module of the design
 * must be a relative import of a regular file inside the design's folder
 * (symlinks resolved) or the project's `mod.ts`. The vetted files are then
 * copied to a private folder, the only one the design's process may read,
 * with the import of `mod.ts` pointed at the project's file; the copy is
 * what is type-checked and run, so a file changed after vetting is never
 * read.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import { quoteName } from "../io/text.ts";

/** The project's root folder (where `deno.json` and `mod.ts` are). */
export const PROJECT_ROOT: string = new URL("../../", import.meta.url).pathname;

/** The project's library entry, the one module outside its folder a design may import. */
export const MOD_URL: string = new URL("../../mod.ts", import.meta.url).href;

/**
 * The `deno` command that vets, type-checks and runs designs: found on the
 * PATH, as `deno task` itself was (the `sim` task's `--allow-run=deno`).
 */
export const DENO = "deno";

/** A design module vetted and copied. */
export interface VettedDesign {
  /** The design as the scenario names it. */
  name: string;
  /** Its absolute path as given (the folder it may read is this file's folder). */
  path: string;
  /** The design's folder with symlinks resolved. */
  folder: string;
  /** The private copy's folder (the design process reads this folder only). */
  copyDir: string;
  /** The `file:` URL of the copied entry module. */
  entryUrl: string;
  /** Vetted files, relative to the folder. */
  files: string[];
}

interface InfoDependency {
  specifier: string;
  isDynamic?: boolean;
  code?: { specifier?: string; error?: string; span?: Span };
  type?: { specifier?: string; error?: string; span?: Span };
}
interface Span {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
interface InfoModule {
  specifier: string;
  error?: string;
  dependencies?: InfoDependency[];
}

const dec = new TextDecoder();

/** The `deno` flags that keep resolution local: no remote module, no npm package, no lock write. */
export const OFFLINE_FLAGS: readonly string[] = [
  "--no-remote",
  "--no-npm",
  "--no-lock",
  "--no-config",
];

/** Whether `path` lies inside `folder` (both absolute, symlinks resolved). */
function inside(path: string, folder: string): boolean {
  return path.startsWith(folder.endsWith("/") ? folder : `${folder}/`);
}

/** The folder of a file path. */
function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** Run `deno info --json` on `path` with resolution kept local. */
async function importGraph(name: string, path: string): Promise<InfoModule[]> {
  const out = await new Deno.Command(DENO, {
    args: ["info", "--json", ...OFFLINE_FLAGS, path],
    cwd: dirOf(path),
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const why = dec.decode(out.stderr).replace(/^error:\s*/i, "").trim();
    throw new InputError(`design module ${name}: cannot resolve its imports: ${quoteName(why)}`);
  }
  return (JSON.parse(dec.decode(out.stdout)) as { modules: InfoModule[] }).modules;
}

/** The text of `lines` between a span's start and end. */
function spanText(lines: string[], span: Span): string | undefined {
  if (span.start.line !== span.end.line) return undefined;
  return lines[span.start.line]?.slice(span.start.character, span.end.character);
}

/**
 * Vet the design module at `path` (named `name` in the scenario) and copy
 * its files to a private folder. Throws an {@linkcode InputError} naming
 * the module and the import for anything but relative imports of regular
 * files inside the design's folder and the project's `mod.ts`.
 *
 * @example
 * ```ts
 * import { vetDesign } from "./design_vet.ts";
 * // const v = await vetDesign("./designs/x.ts", "/home/me/designs/x.ts");
 * console.log(typeof vetDesign); // "function"
 * ```
 */
export async function vetDesign(name: string, path: string): Promise<VettedDesign> {
  let folder: string;
  let entryReal: string;
  try {
    const info = Deno.lstatSync(path);
    entryReal = Deno.realPathSync(path);
    folder = Deno.realPathSync(dirOf(path));
    if (!info.isFile && !info.isSymlink) throw new Deno.errors.NotFound();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) {
      throw new InputError(`${name}: design module not found (no file ${path})`);
    }
    throw e;
  }
  const refuse = (module: string, what: string) =>
    new InputError(
      `design module ${name}: ${quoteName(module)} ${what}; a design may import only ` +
        `regular files inside its own folder (${folder}/) by relative path, and the project's ` +
        `mod.ts. To reuse another design, copy it beside yours`,
    );
  if (!inside(entryReal, folder) || !Deno.statSync(entryReal).isFile) {
    throw refuse(path, "is a link to a file outside its folder");
  }
  const modules = await importGraph(name, path);
  const entryUrl = new URL(`file://${path}`).href;
  const byUrl = new Map(modules.map((m) => [m.specifier, m]));
  // The design's own modules: the entry and what it reaches without passing mod.ts.
  const mine = new Map<string, string>(); // url -> relative path in the folder
  const todo = [entryUrl];
  const rewrites = new Map<string, { span: Span; text: string }[]>();
  const given = dirOf(path);
  while (todo.length > 0) {
    const url = todo.pop()!;
    if (mine.has(url)) continue;
    const filePath = decodeURIComponent(new URL(url).pathname);
    const rel = filePath.slice(given.length + 1);
    mine.set(url, rel);
    const m = byUrl.get(url);
    if (m === undefined) throw refuse(rel, "could not be resolved");
    if (m.error) throw refuse(rel, `cannot be loaded: ${m.error}`);
    for (const dep of m.dependencies ?? []) {
      for (const side of [dep.code, dep.type]) {
        if (side === undefined) continue;
        const where = `${rel} imports '${dep.specifier}'`;
        const target = side.specifier ?? "";
        if (side.error || target === "") throw refuse(where, `(${side.error ?? "unresolved"})`);
        if (!target.startsWith("file:")) {
          throw refuse(where, `(${target.split(":")[0]}: specifiers are refused)`);
        }
        const targetPath = decodeURIComponent(new URL(target).pathname);
        let real: string;
        try {
          real = Deno.realPathSync(targetPath);
        } catch {
          throw refuse(where, "(no such file)");
        }
        if (target === MOD_URL || real === Deno.realPathSync(new URL(MOD_URL).pathname)) {
          const list = rewrites.get(url) ?? [];
          if (side.span) list.push({ span: side.span, text: JSON.stringify(MOD_URL) });
          rewrites.set(url, list);
          continue;
        }
        if (!inside(real, folder) && inside(real, PROJECT_ROOT)) {
          const file = real.slice(PROJECT_ROOT.length);
          const base = file.slice(file.lastIndexOf("/") + 1);
          throw new InputError(
            `design module ${name}: ${quoteName(rel)} imports the project's ${quoteName(file)}; ` +
              `a design may import the project's mod.ts only. To build on ${quoteName(file)}, ` +
              `copy it beside your design (cp ${PROJECT_ROOT}${quoteName(file)} ${given}/) and ` +
              `import it as ./${quoteName(base)}`,
          );
        }
        if (!/^\.\.?\//.test(dep.specifier)) throw refuse(where, "(not a relative path)");
        if (!inside(targetPath, given) || !inside(real, folder)) {
          throw refuse(where, `(resolves to ${real}, outside the folder)`);
        }
        if (!Deno.statSync(real).isFile) throw refuse(where, "(not a regular file)");
        todo.push(target);
      }
    }
  }
  const copyDir = Deno.makeTempDirSync({ prefix: "evtchn-sim-design-" });
  for (const [url, rel] of mine) {
    const real = Deno.realPathSync(decodeURIComponent(new URL(url).pathname));
    let text = Deno.readTextFileSync(real);
    const list = rewrites.get(url) ?? [];
    if (list.length > 0) {
      const lines = text.split("\n");
      // Right to left on a line, so earlier spans keep their columns.
      list.sort((a, b) =>
        b.span.start.line - a.span.start.line || b.span.start.character - a.span.start.character
      );
      for (const { span, text: to } of list) {
        const from = spanText(lines, span);
        if (from === undefined || !/^["'].*["']$/.test(from)) {
          throw refuse(`${rel}:${span.start.line + 1}`, "imports mod.ts in a form not understood");
        }
        const line = lines[span.start.line];
        lines[span.start.line] = line.slice(0, span.start.character) + to +
          line.slice(span.end.character);
      }
      text = lines.join("\n");
    }
    const dest = `${copyDir}/${rel}`;
    Deno.mkdirSync(dirOf(dest), { recursive: true });
    Deno.writeTextFileSync(dest, text);
  }
  return {
    name,
    path,
    folder,
    copyDir,
    entryUrl: new URL(`file://${copyDir}/${mine.get(entryUrl)!}`).href,
    files: [...mine.values()].sort(),
  };
}
