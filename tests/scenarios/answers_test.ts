// Each built-in, run once at its own defaults into a temporary folder by the real CLI: its
// Answer, read back as structured data, says what the scenario is known to show (which ABI,
// which direction, the same or different), and its report.md opens with it within 78 columns.
// (Without --allow-ffi the CLI skips the PNGs, which these tests do not need.)
import assert from "node:assert/strict";
import { ROOT, runCli } from "../sim/cli/cli_subprocess.ts";
import { loadResults } from "../../reports/load.ts";
import { fromCsv } from "../../reports/csv.ts";
import { fmtNs } from "../../reports/format.ts";
import { buildContext, type ReportContext } from "../../reports/context.ts";
import { type Answer, answerFacts, computeAnswer, type Verdict } from "../../reports/answer.ts";

const runs = new Map<string, Promise<{ dir: string; ctx: ReportContext; answer: Answer }>>();

/** Run built-in `name` once (shared by its tests) and compute its Answer from the folder. */
function built(name: string) {
  let p = runs.get(name);
  if (!p) {
    p = (async () => {
      const dir = await Deno.makeTempDir({ prefix: `answer-${name}-` });
      const r = await runCli(
        ["run", "--allow-read", "--allow-write", "--allow-env", "--allow-sys", "sim/cli/cli.ts"],
        ROOT,
        [
          "run",
          name,
          "--out",
          dir,
        ],
      );
      assert.equal(r.code, 0, r.stderr);
      const ctx = buildContext(loadResults(dir));
      return { dir, ctx, answer: computeAnswer(ctx) };
    })();
    runs.set(name, p);
  }
  return p;
}

/** The verdicts of `metric` (of `group`) for `abi`, over its compared points. */
function verdicts(a: Answer, metric: string, abi: string, group?: string): Verdict[] {
  return answerFacts(a).filter((f) => f.metric === metric && f.abi === abi && f.group === group)
    .map((f) => f.verdict);
}

/** The point of a fact in words: the values of the swept parameters, joined. */
function at(_ctx: ReportContext, key: string): string {
  return (JSON.parse(key) as unknown[]).map(String).join(",");
}

/**
 * The mean of `metric` over the replications of `abi` at the grid point whose swept values,
 * joined by commas, are `point` ("" for the only point), in the report's unit: computed here
 * from summary.csv, independently of the Answer's own code.
 */
function meanText(ctx: ReportContext, abi: string, metric: string, point: string): string {
  const rows = ctx.set.summary.filter((r) =>
    r.abi === abi && ctx.params.map((p) => String(r[p])).join(",") === point
  );
  assert.ok(rows.length > 0, `${abi} at ${point}`);
  return fmtNs(rows.reduce((a, r) => a + Number(r[metric]), 0) / rows.length);
}

function only(vs: Verdict[], v: Verdict, what: string) {
  assert.ok(vs.length > 0 && vs.every((x) => x === v), `${what}: ${vs.join(", ")}`);
}

/**
 * report.md: the Answer right after the question, every line within 78 columns, opening with
 * `opening` (default: the Answer's first sentence; a host's opens with its growth paragraphs).
 */
async function checkReport(name: string, opening?: string) {
  const { dir, answer } = await built(name);
  const md = Deno.readTextFileSync(`${dir}/report.md`);
  const lines = md.split("\n");
  for (const [i, l] of lines.entries()) {
    assert.ok([...l].length <= 78, `${name} report.md line ${i + 1}: ${[...l].length} columns`);
  }
  const head = lines.findIndex((l) => l === "Answer");
  assert.ok(head > 0 && head < lines.indexOf("Findings"), `${name}: Answer before Findings`);
  const text = lines.slice(head + 3, lines.indexOf("Findings")).join(" ").replace(/\s+/g, " ");
  assert.ok(
    text.startsWith(opening ?? answer.sentences[0].split(" ").slice(0, 4).join(" ")),
    text,
  );
  const html = Deno.readTextFileSync(`${dir}/report.html`);
  const answerAt = html.indexOf('<h2 id="answer">Answer</h2>');
  assert.ok(answerAt >= 0 && answerAt < html.indexOf('<h2 id="findings">Findings</h2>'));
  await Deno.remove(dir, { recursive: true });
}

Deno.test("timer-vs-storm: the timer's p99 is the same under 2l, 3l and fifo; lowest-first raises it", async () => {
  const { answer } = await built("timer-vs-storm");
  only(verdicts(answer, "lat_p99_ns", "fifo", "timer"), "same", "fifo timer p99");
  only(verdicts(answer, "lat_p99_ns", "3l", "timer"), "same", "3l timer p99");
  only(verdicts(answer, "lat_p99_ns", "fifo:lowest-first", "timer"), "higher", "lowest-first");
  assert.equal(verdicts(answer, "lat_p99_ns", "fifo").length, 0, "the whole run is not asked");
  assert.match(answer.sentences[0], /group timer/);
  await checkReport("timer-vs-storm");
});

Deno.test("default: fifo and fifo:drain lower the whole-run p99 at every point, 3l matches 2l", async () => {
  const { answer } = await built("default");
  only(verdicts(answer, "lat_p99_ns", "fifo"), "lower", "fifo p99");
  only(verdicts(answer, "lat_p99_ns", "fifo:drain"), "lower", "fifo:drain p99");
  only(verdicts(answer, "lat_p99_ns", "3l"), "same", "3l p99");
  // The timer: nowhere different from 2l under 3l or fifo.
  for (const abi of ["3l", "fifo"]) {
    const v = verdicts(answer, "lat_p99_ns", abi, "timer");
    assert.ok(v.length === 6 && !v.includes("higher") && !v.includes("lower"), `${abi}: ${v}`);
  }
  await checkReport("default");
});

Deno.test("overcommit: p99 grows with the wait between slices under both ABIs, timer starved", async () => {
  const { answer, ctx } = await built("overcommit");
  for (const abi of ["2l", "fifo"]) {
    const facts = answerFacts(answer).filter((f) => f.abi === abi && f.metric === "lat_p99_ns");
    assert.deepEqual(facts.map((f) => [at(ctx, f.point), f.verdict]), [
      ["30000000", "higher"],
      ["60000000", "higher"],
    ]);
    assert.equal(at(ctx, facts[0].refPoint), "0");
  }
  assert.ok(answer.starved.some((s) => s.group === "timer" && at(ctx, s.point) === "60000000"));
  assert.ok(answer.starved.every((s) => at(ctx, s.point) !== "0"));
  // The decisive figure leads: 2l's p99 at a 30 ms wait, as summary.csv gives it.
  assert.ok(answer.sentences[0].includes(meanText(ctx, "2l", "lat_p99_ns", "30000000")));
  assert.match(answer.sentences[0], /coalesced/);
  await checkReport("overcommit");
});

Deno.test("init-control-failure: offline costs completion latency against fallback-2l, mean the same", async () => {
  const { answer, ctx } = await built("init-control-failure");
  const facts = answerFacts(answer);
  assert.ok(
    facts.every((f) => at(ctx, f.point) === "offline" && at(ctx, f.refPoint) === "fallback-2l"),
  );
  only(verdicts(answer, "done_mean_ns", "fifo"), "higher", "completion latency");
  only(verdicts(answer, "lat_mean_ns", "fifo"), "same", "mean dispatch latency");
  only(verdicts(answer, "overhead_ns_per_event", "fifo"), "higher", "overhead");
  // The decisive effect leads.
  assert.match(
    answer.sentences[0],
    /^Under fifo, init_fail_policy offline against .*: mean completion latency from [\d.]+ µs to [\d.]+ µs \([\d.]+× higher/,
  );
  await checkReport("init-control-failure");
});

Deno.test("backend-lateeoi: late EOI raises hypercalls, overhead and the latency tail under both ABIs", async () => {
  const { answer, ctx } = await built("backend-lateeoi");
  for (const abi of ["2l", "fifo"]) {
    for (
      const m of ["hypercalls", "overhead_ns_per_event", "lat_mean_ns", "lat_p99_ns", "lat_p999_ns"]
    ) {
      only(verdicts(answer, m, abi), "higher", `${abi} ${m}`);
    }
  }
  // Late EOI's effect on the tail, both ABIs side by side, as summary.csv gives it.
  const point = (on: boolean) => [on, on].join(",");
  for (const m of [["p99", "lat_p99_ns"], ["p99.9", "lat_p999_ns"]]) {
    const [off2, offF, on2, onF] = [false, true].flatMap((on) =>
      ["2l", "fifo"].map((abi) => meanText(ctx, abi, m[1], point(on)))
    );
    assert.ok(
      answer.sentences[0].includes(
        `${m[0]} dispatch latency from ${off2.replace(/ \S+$/, "")} / ${offF} to ` +
          `${on2.replace(/ \S+$/, "")} / ${onF}`,
      ),
      `${m[0]}: ${answer.sentences[0]}`,
    );
  }
  await checkReport("backend-lateeoi");
});

Deno.test("host-round-trip: round trips and dom0's CPU the same under both ABIs; only 2l refuses guests", async () => {
  const { answer, ctx, dir } = await built("host-round-trip");
  // Where both ABIs start every guest, FIFO's mean round trip and dom0's CPU are 2l's.
  only(verdicts(answer, "rt_mean_ns", "fifo"), "same", "fifo rt_mean_ns");
  only(verdicts(answer, "dom0_busy", "fifo"), "same", "fifo dom0_busy");
  // Ports: FIFO refuses none; 2l refuses at the largest host only.
  const refused = verdicts(answer, "guests_refused", "fifo");
  assert.deepEqual(refused.filter((v) => v === "lower").length, 1, refused.join(", "));
  const at600 = (abi: string) =>
    ctx.set.summary.filter((r) => r.abi === abi && Number(r["host.guests.0.count"]) === 600)
      .map((r) => Number(r.guests_refused));
  assert.ok(at600("2l").every((x) => x > 0) && at600("fifo").every((x) => x === 0));
  // report.md's Answer opens, per ABI, with the growth, where dom0's time goes and what runs out.
  const md = Deno.readTextFileSync(`${dir}/report.md`).replace(/\n(?!\n)/g, " ");
  // 2l started only some of its 600 guests, and the sentence says how many.
  const opening = {
    "2l": "2l: from 50 to 600 guests (498 started)",
    fifo: "fifo: from 50 to 600 guests",
  };
  for (const abi of ["2l", "fifo"] as const) {
    const at = md.indexOf(`${opening[abi]} the mean round trip goes from`);
    assert.ok(at >= 0 && at < md.indexOf("Findings"), `${abi} paragraph in the Answer`);
    const s = md.slice(at, md.indexOf("\n", at));
    assert.match(s, /At 600 guests dom0's VCPU time goes to kernel threads/);
    // The flows hash to two TX queues, whose ports every later guest binds on
    // two dom0 VCPUs: those saturate past 300 guests, and dom0 as a whole with them.
    assert.match(s, /dom0's CPU saturates first, at 450 guests/);
  }
  await checkReport("host-round-trip", "2l: from 50 to 600 guests");
});

Deno.test("dom0-capacity: the capacity answer gives each ABI's guest count, its limit and the port count", async () => {
  // The built-in at one guest profile and dom0 size, both notification policies: a capacity
  // search (its own defaults otherwise), as `deno task sim capacity dom0-capacity` runs it.
  const dir = await Deno.makeTempDir({ prefix: "answer-dom0-capacity-" });
  const sweep = JSON.parse(Deno.readTextFileSync(`${ROOT}/scenarios/dom0-capacity.json`));
  sweep.grid["host.guests.0"] = [sweep.grid["host.guests.0"][0]];
  sweep.grid["host.dom0.vcpus"] = [4];
  Deno.writeTextFileSync(`${dir}/d0.json`, JSON.stringify(sweep));
  const r = await runCli(
    [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--allow-run",
      "sim/cli/cli.ts",
    ],
    ROOT,
    ["capacity", `${dir}/d0.json`, "--out", `${dir}/out`, "--quiet"],
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = fromCsv(Deno.readTextFileSync(`${dir}/out/capacity.csv`));
  const of = (abi: string, notify: string) =>
    rows.find((x) => x.abi === abi && x["host.dom0.notify"] === notify)!;
  for (const abi of ["2l:32", "2l", "fifo"]) {
    const [v0, ll] = [of(abi, "vcpu0"), of(abi, "least-loaded")];
    // Linux < 5.11 puts every backend port on VCPU 0: that VCPU saturates first.
    assert.equal(v0.limit, "dom0_vcpu", `${abi} vcpu0`);
    assert.ok(Number(ll.capacity) > Number(v0.capacity_high), `${abi}: least-loaded serves more`);
  }
  // The port-count answer stays: a 32-bit 2-level dom0 runs out near 180 one-vif guests.
  const ports = Number(of("2l:32", "vcpu0").port_limit_guests);
  assert.ok(ports >= 170 && ports <= 200, `2l:32 port limit ${ports}`);
  const md = Deno.readTextFileSync(`${dir}/out/report.md`);
  assert.match(md.split("\n")[0], /^At round-trip p99 ≤ 200 µs, /);
  for (const l of md.split("\n")) assert.ok([...l].length <= 78, l);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("one-vs-drain: draining raises the urgent group's p99 and starves it; fifo pays in overhead", async () => {
  const { answer } = await built("one-vs-drain");
  only(verdicts(answer, "lat_p99_ns", "fifo:drain", "urgent"), "higher", "drain p99");
  only(verdicts(answer, "lat_p99_ns", "2l", "urgent"), "higher", "2l p99");
  only(verdicts(answer, "overhead_ns_per_event", "fifo:drain"), "lower", "drain overhead");
  only(verdicts(answer, "overhead_ns_per_event", "2l"), "lower", "2l overhead");
  assert.deepEqual(answer.starved.map((s) => [s.group, s.abi]), [["urgent", "fifo:drain"]]);
  await checkReport("one-vs-drain");
});

Deno.test("port-scaling: 2l stops at 4095 ports; 3l's overhead grows with the ports, stated once", async () => {
  const { answer, ctx } = await built("port-scaling");
  const two = answer.capacity.find((c) => c.abi === "2l")!;
  assert.deepEqual([two.bound, two.failed], [4095, 16384]);
  const top = answerFacts(answer).find((f) =>
    f.abi === "3l" && f.metric === "overhead_ns_per_event" && at(ctx, f.point) === "131071"
  );
  assert.equal(top?.verdict, "higher", "3l overhead at 131071 ports against 64");
  // Stated once per ABI, over its range (64 to 131 071 ports), not once per point.
  const text = answer.sentences.join(" ");
  assert.equal(text.match(/under 3l/gi)?.length, 1);
  assert.match(text, /under 3l, io ports 131 071 against io ports 64/);
  await checkReport("port-scaling");
});

Deno.test("strict-priority-starvation: fifo starves the low group, 2l does not", async () => {
  const { answer } = await built("strict-priority-starvation");
  only(verdicts(answer, "starved_events", "fifo", "low"), "higher", "starved events");
  only(verdicts(answer, "max_wait_ns", "fifo", "low"), "higher", "longest wait");
  only(verdicts(answer, "delivered_fraction", "fifo", "low"), "lower", "delivered fraction");
  only(verdicts(answer, "jain_latency", "fifo"), "lower", "Jain index");
  assert.deepEqual(answer.starved.map((s) => [s.group, s.abi]), [["low", "fifo"]]);
  assert.match(answer.sentences.join(" "), /group low starved under fifo: \d+ of \d+ raises/i);
  await checkReport("strict-priority-starvation");
});

Deno.test("equal-priority-fairness: fifo is fairer than 2l; 3l's Jain index is the same as 2l's", async () => {
  const { answer } = await built("equal-priority-fairness");
  only(verdicts(answer, "jain_latency", "fifo"), "higher", "fifo Jain");
  only(verdicts(answer, "latency_spread", "fifo"), "lower", "fifo spread");
  only(verdicts(answer, "jain_latency", "3l"), "same", "3l Jain");
  await checkReport("equal-priority-fairness");
});

Deno.test("event-flood: without EOI backoff the victims' completion tail and the attacker's rate explode", async () => {
  const { answer, ctx } = await built("event-flood");
  for (const abi of ["2l", "fifo"]) {
    const v = (m: string, p: string) =>
      answerFacts(answer).find((f) => f.abi === abi && f.metric === m && at(ctx, f.point) === p)
        ?.verdict;
    assert.equal(v("victim_done_p99_ns", "true,false"), "higher");
    assert.equal(v("victim_done_p99_ns", "false,true"), "same");
    assert.equal(v("attacker_rate_per_s", "true,false"), "higher");
    assert.equal(v("attacker_rate_per_s", "false,false"), "higher");
    only(verdicts(answer, "victim_lat_p99_ns", abi), "same", `${abi} victims' dispatch p99`);
  }
  assert.equal(answer.starved.length, 0, "the attacker is not a starved victim");
  await checkReport("event-flood");
});
