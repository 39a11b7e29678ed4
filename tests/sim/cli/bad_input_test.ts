// Bad input never runs (README: Scenarios): the real CLI, run as a subprocess with the
// permissions of `deno task sim`, must name the file, the dotted path and what
// was expected, exit with status 2, print no stack trace and write nothing.
// Also: a results folder of another scenario is refused, a write error on --out
// exits 1 leaving earlier results intact, --max-events stops a runaway run.
import assert from "node:assert/strict";
import { assertBadInput, type CliResult, listing, runCli, STACK } from "./cli_subprocess.ts";

const SIM = [
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-env=INIT_CWD",
  "--allow-sys=cpus",
  "sim/cli/cli.ts",
];
/** Run `deno task sim ...args` from the repository with INIT_CWD = `dir`. */
function sim(dir: string, ...args: string[]): Promise<CliResult> {
  return runCli(SIM, dir, args);
}

const TINY = {
  name: "tiny",
  abis: ["2l"],
  duration_ms: 1,
  warmup_ms: 0,
  replications: 1,
  groups: [{
    name: "g",
    ports: 4,
    arrival: { kind: "poisson", rate_per_s: 10000 },
    service: { kind: "const", ns: 100 },
  }],
};

function tmpWith(files: Record<string, string | object>): string {
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-bad-input-" });
  for (const [name, content] of Object.entries(files)) {
    Deno.writeTextFileSync(
      `${dir}/${name}`,
      typeof content === "string" ? content : JSON.stringify(content, null, 2),
    );
  }
  return dir;
}

Deno.test("unknown keys are rejected with the nearest key valid at that path", async () => {
  const dir = tmpWith({
    "s.json": {
      name: "t",
      duraton_ms: 5,
      abis: ["fifo", "2level"],
      guest: { vcpu: 2 },
      costs: { hypercal_ns: 4 },
      groups: [{
        name: "g",
        ports: 4,
        arival: { kind: "poisson", rate_per_s: 1000 },
        service: { kind: "const", ns: 100, mean: 3 },
      }],
    },
  });
  const before = listing(dir);
  const r = await sim(dir, "run", "s.json");
  assertBadInput(
    r,
    [
      "s.json: duraton_ms: unknown key (did you mean 'duration_ms'?)",
      // 'vcpu' is a group key: at guest.* the nearest valid key is 'vcpus'.
      "s.json: guest.vcpu: unknown key (did you mean 'vcpus'?)",
      "s.json: costs.hypercal_ns: unknown key (did you mean 'hypercall_ns'?)",
      "s.json: groups.0.arival: unknown key (did you mean 'arrival'?)",
      "s.json: groups.0.arrival: missing: expected object",
      // No close key for a 'const' service: the keys valid there are listed.
      "s.json: groups.0.service.mean: unknown key (expected one of: kind, ns)",
      /s\.json: abis\.1: expected one of 2l, 2l:32, 3l, .*fifo:naive-link/,
    ],
    dir,
    before,
  );
  // `validate` says the same.
  const v = await sim(dir, "validate", "s.json");
  assert.equal(v.code, 2);
  assert.ok(v.stderr.includes("guest.vcpu: unknown key (did you mean 'vcpus'?)"));
});

Deno.test("values out of range, unknown kinds and bad enums name what was expected", async () => {
  const dir = tmpWith({
    "s.json": {
      name: "t",
      guest: { vcpus: 2, word_bits: 48 },
      hostile: { rate_per_s: 0, targets: ["bitmap"] },
      groups: [{
        name: "g",
        ports: 0,
        vcpu: "spreed",
        arrival: { kind: "poison", rate_per_s: 1000 },
        service: { kind: "exp", mean_ns: -1 },
      }],
    },
  });
  const before = listing(dir);
  const r = await sim(dir, "run", "s.json");
  assertBadInput(
    r,
    [
      "s.json: guest.word_bits: expected 32 or 64",
      "s.json: hostile.rate_per_s: expected a number > 0",
      /s\.json: hostile\.targets\.0: expected one of "event_words", "control", "bitmaps"/,
      "s.json: groups.0.ports: expected a number >= 1",
      /s\.json: groups\.0\.vcpu: expected .*"spread" or "each"/,
      "s.json: groups.0.arrival.kind: expected one of 'poisson', 'periodic', 'onoff', 'trace'",
      "s.json: groups.0.service.mean_ns: expected a number > 0",
    ],
    dir,
    before,
  );
});

Deno.test("a scenario with a negative rate exits with status 2 and names the key", async () => {
  const dir = tmpWith({
    "neg.json": {
      name: "neg",
      groups: [{
        name: "net",
        ports: 4,
        arrival: { kind: "poisson", rate_per_s: -5 },
        service: { kind: "const", ns: 100 },
      }],
    },
  });
  const before = listing(dir);
  assertBadInput(
    await sim(dir, "run", "neg.json"),
    ["neg.json: groups.0.arrival.rate_per_s: expected a number > 0"],
    dir,
    before,
  );
});

Deno.test("malformed JSON is reported with line and column; a missing file by name", async () => {
  const dir = tmpWith({ "bad.json": '{ "name": "t",\n  "duration_ms": 5,\n  "groups": [ }\n' });
  const before = listing(dir);
  const r = await sim(dir, "run", "bad.json");
  assertBadInput(r, ['bad.json: malformed JSON at line 3, column 15: unexpected "}"'], dir, before);
  const m = await sim(dir, "run", "nope.json");
  assertBadInput(m, ["nope.json: cannot read the file: no such file"], dir, before);
  const b = await sim(dir, "run", "defualt");
  assertBadInput(b, ["defualt: no such built-in scenario (did you mean 'default'?)"], dir, before);
});

Deno.test("--set values are validated like the file", async () => {
  const dir = tmpWith({ "tiny.json": TINY });
  const before = listing(dir);
  assertBadInput(
    await sim(dir, "run", "tiny.json", "--set", "duration_ms"),
    ["--set duration_ms: expected dotted.path=value"],
    dir,
    before,
  );
  assertBadInput(
    await sim(dir, "run", "tiny.json", "--set", "guest.vcpu=2"),
    ["tiny.json: guest.vcpu: unknown key (did you mean 'vcpus'?)"],
    dir,
    before,
  );
  assertBadInput(
    await sim(dir, "run", "tiny.json", "--set", "duration_ms=1e999", "--set", "groups.3.ports=1"),
    ["--set groups.3.ports=1: groups.3: expected an index below 1"],
    dir,
    before,
  );
  assertBadInput(
    await sim(dir, "run", "tiny.json", "--set", "duration_ms=1e999"),
    ["tiny.json: duration_ms: expected number, received Infinity"],
    dir,
    before,
  );
});

Deno.test("a trace file with a bad line names the file and the line; nothing is written", async () => {
  const dir = tmpWith({
    "tr.json": {
      ...TINY,
      name: "tr",
      groups: [{ ...TINY.groups[0], arrival: { kind: "trace", file: "t.csv" } }],
    },
    "t.csv": "time_ns,port\n100,1\n200,x\n",
  });
  const before = listing(dir);
  const r = await sim(dir, "run", "tr.json");
  assertBadInput(r, ["t.csv: line 3: expected port to be an integer >= 1, got 'x'"], dir, before);
});

Deno.test("a sweep file is validated strictly, grid point by grid point", async () => {
  const dir = tmpWith({
    "sw1.json": { base: TINY, grdi: {} },
    "sw2.json": { base: TINY, grid: { "guest.vcpus": [1, 0] } },
  });
  const before = listing(dir);
  assertBadInput(
    await sim(dir, "sweep", "sw1.json"),
    ["sw1.json: grdi: unknown key in a sweep file (expected base, grid, zip, capacity)"],
    dir,
    before,
  );
  assertBadInput(
    await sim(dir, "sweep", "sw2.json"),
    ["sw2.json (grid point 1: guest.vcpus=0): guest.vcpus: expected a number >= 1"],
    dir,
    before,
  );
});

Deno.test("schema prints the JSON Schema, --out writes it (with the task's permissions)", async () => {
  const dir = tmpWith({});
  const r = await sim(dir, "schema");
  assert.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout);
  assert.ok(schema.$defs.scenario.properties.groups);
  assert.ok(schema.$defs.scenario.properties.hostile);
  assert.ok(schema.$defs.sweep.properties.grid);
  const w = await sim(dir, "schema", "--out", "schema.json");
  assert.equal(w.code, 0, w.stderr);
  assert.deepEqual(JSON.parse(Deno.readTextFileSync(`${dir}/schema.json`)), schema);
});

Deno.test("a results folder of another scenario is refused without --force", async () => {
  const dir = tmpWith({ "tiny.json": TINY });
  Deno.mkdirSync(`${dir}/out`);
  const manifest = JSON.stringify({ scenario: "other", runs: [] });
  Deno.writeTextFileSync(`${dir}/out/manifest.json`, manifest);
  const before = listing(dir);
  const r = await sim(dir, "run", "tiny.json", "--out", "out", "--quiet");
  assertBadInput(r, [/out: holds results of scenario 'other', not 'tiny'.*--force/], dir, before);
  assert.equal(Deno.readTextFileSync(`${dir}/out/manifest.json`), manifest);
});

Deno.test("a write error on --out exits 1 and leaves earlier results intact", async () => {
  const dir = tmpWith({ "tiny.json": TINY });
  const first = await sim(dir, "run", "tiny.json", "--out", "out", "--quiet");
  assert.equal(first.code, 0, first.stderr);
  const saved = ["manifest.json", "summary.csv"].map((f) =>
    Deno.readTextFileSync(`${dir}/out/${f}`)
  );
  const before = listing(dir);
  // A path under a file: ENOTDIR, whoever runs the test (root ignores chmod).
  const r = await sim(dir, "run", "tiny.json", "--out", "out/summary.csv/x", "--quiet");
  assert.equal(r.code, 1, r.stderr);
  assert.ok(r.stderr.includes("out/summary.csv/x"), r.stderr);
  assert.match(r.stderr, /error: cannot write/);
  assert.doesNotMatch(r.stderr, STACK, "no stack trace");
  assert.deepEqual(listing(dir), before);
  assert.deepEqual(
    ["manifest.json", "summary.csv"].map((f) => Deno.readTextFileSync(`${dir}/out/${f}`)),
    saved,
  );
  // A read-only folder, where chmod binds (not root).
  let uid: number | null = null;
  try {
    uid = Deno.uid();
  } catch {
    // no --allow-sys: treat as root
  }
  if (uid === 0 || uid === null) {
    console.log("  (skipped the read-only folder case: running as root, chmod does not block)");
    return;
  }
  Deno.chmodSync(`${dir}/out`, 0o555);
  try {
    const ro = await sim(dir, "run", "tiny.json", "--out", "out", "--force", "--quiet");
    assert.equal(ro.code, 1, ro.stderr);
    assert.deepEqual(
      ["manifest.json", "summary.csv"].map((f) => Deno.readTextFileSync(`${dir}/out/${f}`)),
      saved,
    );
  } finally {
    Deno.chmodSync(`${dir}/out`, 0o755);
  }
});

Deno.test("--max-events stops a runaway run with a clear message and status 1", async () => {
  const dir = tmpWith({ "tiny.json": TINY });
  const r = await sim(dir, "run", "tiny.json", "--max-events", "10", "--out", "m", "--quiet");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /run 0 \(2l, replication 0, id \w+\): run stopped after 10 events/);
  assert.ok(r.stderr.includes("(--max-events)"));
  assert.doesNotMatch(r.stderr, STACK);
  assert.equal(listing(dir).includes("m/manifest.json"), false);
});
