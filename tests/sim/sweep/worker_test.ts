// The worker side of the pool (sim/sweep/worker.ts) and its sandbox (pool.ts).
import assert from "node:assert/strict";
import { handleRequest, type WorkerReply } from "../../../sim/sweep/worker.ts";
import { executeRuns, probeDesigns, sandboxPermissions } from "../../../sim/sweep/pool.ts";
import { expandPlan } from "../../../sim/sweep/plan.ts";
import { PROGRESS_EVENTS } from "../../../sim/run/run.ts";
import { disposeDesigns } from "../../../sim/sweep/design_process.ts";

function plan(rate: number, durationMs: number) {
  const raw = {
    name: "busy",
    abis: ["fifo"],
    duration_ms: durationMs,
    warmup_ms: 0,
    replications: 1,
    groups: [{
      name: "g",
      ports: 64,
      arrival: { kind: "poisson", rate_per_s: rate },
      service: { kind: "const", ns: 10 },
    }],
  };
  return expandPlan({ source: "busy.json", path: "/busy.json", raw }, {});
}

Deno.test("a run in flight posts its simulated time and events, and the result is unchanged", async () => {
  const run = plan(4e6, 400).runs[0];
  const posted: WorkerReply[] = [];
  const reply = await handleRequest({ run, options: {}, progressMs: 1e-9 }, (m) => posted.push(m));
  assert.ok("ok" in reply && reply.ok, JSON.stringify(reply).slice(0, 300));
  const result = (reply as { result: { simEvents: number; fingerprint: string } }).result;
  assert.ok(result.simEvents > 2 * PROGRESS_EVENTS, `${result.simEvents} events`);
  const progress = posted.map((m) =>
    (m as { progress: { simNs: number; events: number } }).progress
  );
  assert.ok(progress.length >= 2, "at least one report per 2^20 events");
  for (const [i, p] of progress.entries()) {
    assert.equal(p.events, (i + 1) * PROGRESS_EVENTS);
    assert.ok(p.simNs > 0 && p.simNs < 400e6);
    if (i > 0) assert.ok(p.simNs >= progress[i - 1].simNs, "simulated time moves forward");
  }
  // reporting progress changes nothing simulated
  const quiet = await handleRequest({ run, options: {} });
  assert.equal(
    (quiet as { result: { fingerprint: string } }).result.fingerprint,
    result.fingerprint,
  );
});

Deno.test("the workers of built-in ABIs hold no permission at all", () => {
  const none = sandboxPermissions();
  for (const k of ["read", "write", "net", "env", "run", "ffi", "sys", "import"] as const) {
    assert.equal(none[k], false, k);
  }
});

Deno.test("runs of built-in ABIs run in workers without any permission", async () => {
  const p = plan(1e5, 2);
  const results = await executeRuns(p.runs, { workers: 1 });
  assert.equal(results.length, 1);
  assert.ok((results[0].summary.delivered as number) > 0);
});

Deno.test("a design that never finishes importing is given up, naming it", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/loop.ts`, "while (true) {}\nexport default () => null;\n");
  const run = { ...plan(1e5, 2).runs[0], abi: "./loop.ts", module: `file://${dir}/loop.ts` };
  await assert.rejects(
    () => probeDesigns([run], 300),
    /design module \.\/loop\.ts: did not finish importing within 0\.3 s/,
  );
  await disposeDesigns();
});
