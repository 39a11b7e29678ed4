// Designs in a report (reports/designs.ts): named by id and file, and called out when they
// behaved exactly like a built-in ABI in every run.
import assert from "node:assert/strict";
import { identicalDesigns, withDesignNames } from "../../reports/designs.ts";
import type { ResultSet } from "../../reports/load.ts";

const rows = (abi: string, p99: number[], ran = abi) =>
  p99.map((v, i) => ({
    scenario: "s",
    abi,
    abi_ran: ran,
    replication: i,
    seed: i,
    rate: 1,
    lat_p99_ns: v,
  }));

Deno.test("a design identical to a built-in in every run is called out by id and file", () => {
  const summary = [...rows("fifo", [5, 6]), ...rows("./d/typo.ts", [5, 6], "fifo:typo")];
  assert.deepEqual(identicalDesigns(summary, ["rate"]), [
    "design fifo:typo (./d/typo.ts) behaved exactly like fifo in every run: " +
    "check that its hooks are called",
  ]);
});

Deno.test("a design that differs in one run, or compares with no built-in, is not called out", () => {
  const differs = [...rows("fifo", [5, 6]), ...rows("./d/q.ts", [5, 7], "fifo:q")];
  assert.deepEqual(identicalDesigns(differs, ["rate"]), []);
  const alone = [...rows("./a.ts", [5]), ...rows("./b.ts", [5])];
  assert.deepEqual(identicalDesigns(alone, []), []);
});

Deno.test("a design's rows are labelled as the design, never as the ABI it 'ran as'", () => {
  const set = {
    dir: "",
    manifest: { params: [] },
    groups: [],
    priorities: [],
    summary: [...rows("fifo", [1], "2l"), ...rows("./d/q.ts", [1], "fifo:q")],
  } as unknown as ResultSet;
  const named = withDesignNames(set).summary;
  assert.equal(named[0].abi_ran, "2l", "a built-in that fell back keeps its note");
  assert.equal(named[1].abi_ran, "./d/q.ts");
});
