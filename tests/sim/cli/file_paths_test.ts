// Paths written in a scenario file resolve against the file's folder (issue: a scenario that
// names ./designs/x.ts and a trace file runs the same from the project root and from its folder).
import assert from "node:assert/strict";
import { assertBadInput, listing, ROOT, runCli } from "./cli_subprocess.ts";

const TASK = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.sim as string;
const SIM = TASK.split(" ").slice(1);

Deno.test("a scenario naming ./designs/x.ts and a trace file runs the same from any directory", async () => {
  const root = Deno.makeTempDirSync({ prefix: "evtchn-paths-" });
  const dir = `${root}/study`;
  Deno.mkdirSync(`${dir}/designs`, { recursive: true });
  Deno.copyFileSync(`${ROOT}examples/fifo_quota.ts`, `${dir}/designs/x.ts`);
  const x = Deno.readTextFileSync(`${dir}/designs/x.ts`)
    .replace(`"../mod.ts"`, JSON.stringify(`${ROOT}mod.ts`));
  Deno.writeTextFileSync(`${dir}/designs/x.ts`, x);
  const times = Array.from({ length: 40 }, (_, i) => `${(i + 1) * 20000},${(i % 4) + 1}`);
  Deno.writeTextFileSync(`${dir}/t.csv`, `time_ns,port\n${times.join("\n")}\n`);
  Deno.writeTextFileSync(
    `${dir}/s.json`,
    JSON.stringify({
      name: "s",
      abis: ["fifo", "./designs/x.ts"],
      duration_ms: 1,
      warmup_ms: 0,
      replications: 1,
      groups: [{
        name: "g",
        ports: 4,
        arrival: { kind: "trace", file: "t.csv" },
        service: { kind: "const", ns: 100 },
      }],
    }),
  );
  const here = await runCli(SIM, dir, ["run", "s.json", "--out", `${root}/a`, "--no-report"]);
  assert.equal(here.code, 0, here.stderr);
  const above = await runCli(SIM, root, [
    "run",
    "study/s.json",
    "--out",
    `${root}/b`,
    "--no-report",
  ]);
  assert.equal(above.code, 0, above.stderr);
  assert.doesNotMatch(above.stderr, /warning/);
  for (const f of ["summary.csv", "groups.csv"]) {
    assert.equal(Deno.readTextFileSync(`${root}/a/${f}`), Deno.readTextFileSync(`${root}/b/${f}`));
  }
  // a path that is nowhere: the file, the dotted key, the path as written and as resolved
  Deno.writeTextFileSync(
    `${dir}/bad.json`,
    Deno.readTextFileSync(`${dir}/s.json`).replace('"t.csv"', '"traces/none.csv"'),
  );
  const before = listing(root);
  const bad = await runCli(SIM, root, ["validate", "study/bad.json"]);
  assertBadInput(
    bad,
    [
      `study/bad.json: groups.0.arrival.file: 'traces/none.csv' not found: no file ` +
      `${dir}/traces/none.csv (resolved against the folder of study/bad.json)`,
    ],
    root,
    before,
  );
});
