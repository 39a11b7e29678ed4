/**
 * The link check of the manual: every relative link and `#anchor` in
 * README.md and docs/** must lead somewhere. A link to a file needs the file
 * (or folder); a link with an anchor needs a heading in the target page whose
 * GitHub-style slug is that anchor. Links in code blocks and inline code are
 * not links; `http(s):` and `mailto:` links are not checked (no network).
 *
 * Usage: `deno task docs:links [ROOT]` (ROOT defaults to the project).
 * Exit status 0 when every link resolves, 1 with one line per dead link.
 *
 * @module
 */

import { dirname, join, normalize, relative } from "node:path";

/** A link that leads nowhere. */
export interface DeadLink {
  /** The page holding the link, relative to the root. */
  page: string;
  /** Its 1-based line. */
  line: number;
  /** The link's target as written. */
  target: string;
  /** Why it is dead. */
  reason: string;
}

/**
 * The anchor GitHub gives a heading: lower case, punctuation dropped (letters,
 * digits, `-`, `_` and spaces kept), each space a `-`. Inline code, emphasis
 * and link syntax are dropped first; the text of a link is kept.
 *
 * @example
 * ```ts
 * import { slug } from "./check_links.ts";
 * console.log(slug("Walk-through: `fifo_quota.ts`")); // "walk-through-fifo_quotats"
 * ```
 */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/[`*]/g, "")
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\- _]/gu, "").replace(/ /g, "-");
}

/**
 * The anchors of a Markdown page: one per heading (outside code blocks), with
 * GitHub's `-1`, `-2` suffixes for repeated headings, plus explicit
 * `<a id="...">` / `<a name="...">` anchors.
 *
 * @example
 * ```ts
 * import { anchorsOf } from "./check_links.ts";
 * console.log([...anchorsOf("# A\n\n## A\n")]); // ["a", "a-1"]
 * ```
 */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence = "";
  for (const line of markdown.split("\n")) {
    const f = line.match(/^\s*(`{3,}|~{3,})/);
    if (f) {
      if (!fence) fence = f[1];
      else if (f[1].startsWith(fence)) fence = "";
      continue;
    }
    if (fence) continue;
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
    const h = line.match(/^#{1,6}\s+(.*?)\s*#*\s*$/);
    if (!h) continue;
    const base = slug(h[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/**
 * The links of a Markdown page, with their lines: inline links and images
 * (`[text](target)`, `![alt](target)`) outside code blocks and inline code.
 *
 * @example
 * ```ts
 * import { linksOf } from "./check_links.ts";
 * console.log(linksOf("See [x](a.md#b) and `[y](c.md)`.")); // [{ line: 1, target: "a.md#b" }]
 * ```
 */
export function linksOf(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  let fence = "";
  markdown.split("\n").forEach((line, i) => {
    const f = line.match(/^\s*(`{3,}|~{3,})/);
    if (f) {
      if (!fence) fence = f[1];
      else if (f[1].startsWith(fence)) fence = "";
      return;
    }
    if (fence) return;
    const prose = line.replace(/`[^`]*`/g, "");
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: i + 1, target: m[1] });
    }
  });
  return links;
}

/** The pages checked: README.md and every Markdown file under docs/, relative to `root`. */
export function pagesOf(root: string): string[] {
  const pages = ["README.md"];
  const walk = (dir: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(join(root, dir))];
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory && e.name !== "api") walk(path);
      else if (e.isFile && e.name.endsWith(".md")) pages.push(path);
    }
  };
  walk("docs");
  return pages;
}

/**
 * Every dead link of the pages under `root` (README.md and docs/**).
 *
 * @example
 * ```ts
 * import { deadLinks } from "./check_links.ts";
 * const root = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${root}/README.md`, "# Top\n\n[a](#top) [b](#nowhere)\n");
 * console.log(deadLinks(root).map((d) => d.target)); // ["#nowhere"]
 * ```
 */
export function deadLinks(root: string): DeadLink[] {
  const dead: DeadLink[] = [];
  const anchorCache = new Map<string, Set<string> | null>();
  const anchorsAt = (path: string) => {
    if (!anchorCache.has(path)) {
      try {
        anchorCache.set(path, anchorsOf(Deno.readTextFileSync(join(root, path))));
      } catch {
        anchorCache.set(path, null);
      }
    }
    return anchorCache.get(path)!;
  };
  for (const page of pagesOf(root)) {
    let text: string;
    try {
      text = Deno.readTextFileSync(join(root, page));
    } catch {
      continue;
    }
    for (const { line, target } of linksOf(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
      const hash = target.indexOf("#");
      const file = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? "" : decodeURIComponent(target.slice(hash + 1));
      const path = file === "" ? page : normalize(join(dirname(page), file));
      const fail = (reason: string) => dead.push({ page, line, target, reason });
      if (path.startsWith("..")) {
        fail("leads outside the project");
        continue;
      }
      let info: Deno.FileInfo;
      try {
        info = Deno.statSync(join(root, path));
      } catch {
        fail(`no file ${relative(".", path)}`);
        continue;
      }
      if (!anchor) continue;
      if (!info.isFile || !path.endsWith(".md")) {
        fail(`an anchor into ${path}, which is not a Markdown page`);
        continue;
      }
      if (!anchorsAt(path)?.has(anchor)) fail(`no heading in ${path} has the anchor #${anchor}`);
    }
  }
  return dead;
}

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("..", import.meta.url).pathname;
  const dead = deadLinks(root);
  for (const d of dead) {
    console.error(`${d.page}:${d.line}: dead link ${d.target}: ${d.reason}`);
  }
  if (dead.length > 0) {
    console.error(`docs:links: ${dead.length} dead link(s) in README.md and docs/`);
    Deno.exit(1);
  }
  console.log(`docs:links: every link of README.md and docs/ resolves`);
}
