import assert from "node:assert/strict";
import { anchorsOf, deadLinks, linksOf, slug } from "../../tools/check_links.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("every relative link and anchor of README.md and docs/ resolves", () => {
  assert.deepEqual(deadLinks(ROOT), []);
});

Deno.test("headings get GitHub's anchors: lower case, punctuation dropped, repeats numbered", () => {
  assert.equal(slug("Quick start"), "quick-start");
  assert.equal(slug("Walk-through: `fifo_quota.ts`"), "walk-through-fifo_quotats");
  assert.equal(slug("1. M/G/1: the mean wait"), "1-mg1-the-mean-wait");
  assert.equal(slug("Port groups (`groups[i]`)"), "port-groups-groupsi");
  assert.equal(slug("Towards 50× SimPy"), "towards-50-simpy");
  assert.equal(slug("[The manual](docs/index.md)"), "the-manual");
  assert.deepEqual([...anchorsOf("# A\n\n```\n# not a heading\n```\n\n## A\n")], ["a", "a-1"]);
});

Deno.test("links in code blocks and inline code are not links", () => {
  const md = "[a](x.md)\n```\n[b](y.md)\n```\n`[c](z.md)` and ![img](p.png)\n";
  assert.deepEqual(linksOf(md).map((l) => l.target), ["x.md", "p.png"]);
});

Deno.test("a missing page, a missing anchor and an anchor into a missing heading are dead", () => {
  const root = Deno.makeTempDirSync();
  try {
    Deno.mkdirSync(`${root}/docs/how-to`, { recursive: true });
    Deno.writeTextFileSync(
      `${root}/README.md`,
      "# Top\n\n[ok](docs/how-to/x.md#step-1) [gone](docs/none.md) [web](https://example.com)\n",
    );
    Deno.writeTextFileSync(
      `${root}/docs/how-to/x.md`,
      "# X\n\n## Step 1\n\n[up](../../README.md#top) [bad](../../README.md#bottom) [self](#nope)\n",
    );
    const dead = deadLinks(root).map((d) => `${d.page}:${d.line} ${d.target}`);
    assert.deepEqual(dead, [
      "README.md:3 docs/none.md",
      "docs/how-to/x.md:5 ../../README.md#bottom",
      "docs/how-to/x.md:5 #nope",
    ]);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
