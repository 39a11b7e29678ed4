// The built-in models and loading designs by module path (models/registry.ts): never outside a
// sandbox.
import assert from "node:assert/strict";
import {
  ABI_IDS,
  costFieldsRead,
  designTree,
  inSandbox,
  loadAbiFactory,
} from "../../models/registry.ts";

Deno.test("a design module is never imported in the main thread", async () => {
  const dir = Deno.makeTempDirSync();
  const marker = `${dir}/imported.txt`;
  Deno.writeTextFileSync(
    `${dir}/design.ts`,
    `Deno.writeTextFileSync(${JSON.stringify(marker)}, "x");\nexport default () => null;\n`,
  );
  assert.equal(inSandbox(), false);
  await assert.rejects(
    () => loadAbiFactory(`file://${dir}/design.ts`),
    /design\.ts: a design module is imported only inside its sandbox/,
  );
  assert.throws(() => Deno.statSync(marker), Deno.errors.NotFound);
  // built-in ids need no sandbox
  assert.equal(typeof await loadAbiFactory("fifo"), "function");
});

Deno.test("a design's readable tree is the folder holding its file", () => {
  assert.equal(designTree("file:///home/me/designs/my_abi.ts"), "/home/me/designs");
  assert.equal(designTree("file:///my%20designs/a.ts"), "/my designs");
  assert.equal(designTree("file:///a.ts"), "/");
});

Deno.test("each built-in ABI reads its own raise cost and no other ABI's", () => {
  const raises: Record<string, string> = {
    "2l": "xen_raise_2l_ns",
    "3l": "xen_raise_3l_ns",
    "fifo": "xen_raise_fifo_ns",
  };
  for (const id of ABI_IDS) {
    const read = costFieldsRead(id)!;
    const own = raises[id.split(":")[0]];
    for (const field of Object.values(raises)) assert.equal(read.has(field), field === own, id);
  }
  assert.equal(costFieldsRead("./my_design.ts"), null, "a design's reads are unknown");
});
