// Safe to run a scenario from a mailing list (DESIGN.md §11; README: Security):
// the real CLI, run as a subprocess with the permissions of `deno task sim`.
// Design modules run sandboxed; runaway work is refused up front; results
// folders are guarded; whatever is echoed from input is escaped.
import assert from "node:assert/strict";
import { lockFolder } from "../../../sim/sweep/results.ts";
import { assertBadInput, type CliResult, listing, ROOT, runCli } from "./cli_subprocess.ts";
import { REPLY_MARK } from "../../../sim/sweep/design_child.ts";

const TASK = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.sim as string;
// `deno task sim` without its leading `deno`: the very permissions users get.
const SIM = TASK.split(" ").slice(1);
const EXAMPLE = `${ROOT}examples/fifo_quota.ts`;
function sim(dir: string, ...args: string[]): Promise<CliResult> {
  return runCli(SIM, dir, args);
}

/** A refusal: status 2, every `expected` line, no stack, nothing written in `dir`. */
const assertRefused = assertBadInput;

const GROUP = {
  name: "g",
  ports: 4,
  arrival: { kind: "poisson", rate_per_s: 10000 },
  service: { kind: "const", ns: 100 },
};
const TINY = {
  name: "tiny",
  abis: ["2l"],
  duration_ms: 1,
  warmup_ms: 0,
  replications: 1,
  groups: [GROUP],
};

function tmpWith(files: Record<string, string | object>): string {
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-safety-" });
  for (const [name, content] of Object.entries(files)) {
    const path = `${dir}/${name}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  }
  return dir;
}

// A design module that tries one forbidden thing at import.
const ESCAPES: Record<string, string> = {
  write: `Deno.writeTextFileSync(${JSON.stringify("PWNED")}, "owned");`,
  read: `Deno.readTextFileSync("/etc/passwd");`,
  run: `new Deno.Command("id").outputSync();`,
  ffi: `Deno.dlopen("libc.so.6", { system: { parameters: ["buffer"], result: "i32" } });`,
  env: `Deno.env.get("HOME");`,
  net: `await fetch("http://127.0.0.1:8000/");`,
};

Deno.test("a design module that tries to write, read outside its folder, spawn, dlopen, read the environment or the network at import is refused, exit 2, nothing written", async () => {
  const files: Record<string, string | object> = {};
  for (const [what, code] of Object.entries(ESCAPES)) {
    files[`designs/${what}.ts`] = `${code}\nexport default () => null;\n`;
    files[`${what}.json`] = { ...TINY, name: what, abis: ["2l", `./designs/${what}.ts`] };
  }
  const dir = tmpWith(files);
  const pwned = `${dir}/pwned.txt`;
  files["designs/write.ts"] = `Deno.writeTextFileSync(${JSON.stringify(pwned)}, "owned");\n` +
    `export default () => null;\n`;
  Deno.writeTextFileSync(`${dir}/designs/write.ts`, files["designs/write.ts"] as string);
  const before = listing(dir);
  for (const what of Object.keys(ESCAPES)) {
    const r = await sim(dir, "run", `${what}.json`, "--out", `out-${what}`, "--quiet");
    assertRefused(
      r,
      [
        `design module ./designs/${what}.ts (${dir}/designs/${what}.ts) tried to leave its sandbox`,
        `may read its own vetted files only (copied from ${dir}/designs/)`,
      ],
      dir,
      before,
    );
    assert.doesNotMatch(r.stderr, /run again with/, "no advice to grant the permission");
  }
  // validate imports the design in its sandbox too, and refuses it the same way
  const v = await sim(dir, "validate", "read.json");
  assertRefused(
    v,
    ["tried to leave its sandbox", 'Requires read access to "/etc/passwd"'],
    dir,
    before,
  );
  assert.equal(listing(dir).includes("pwned.txt"), false);
});

Deno.test("a design module that forges a worker's reply is refused, its forged path never written", async () => {
  // Everything happens inside this test's own folder: the CLI's directory is a
  // subfolder, so a forged "../../forged" id would land in `root`, never beyond.
  const root = Deno.makeTempDirSync({ prefix: "evtchn-safety-" });
  const dir = `${root}/a/b`;
  Deno.mkdirSync(`${dir}/designs`, { recursive: true });
  const forged = JSON.stringify({
    ok: true,
    result: { id: "../../forged", index: 0, summary: {}, groups: [], priorities: [], ports: [] },
  });
  Deno.writeTextFileSync(
    `${dir}/designs/forge.ts`,
    `import { type AbiOptions, FifoAbi } from ${JSON.stringify(`${ROOT}mod.ts`)};\n` +
      `console.log(${JSON.stringify(`\n${REPLY_MARK}${forged}`)});\n` +
      `export default (o: AbiOptions) => new FifoAbi(o, "fifo", "forge");\n`,
  );
  Deno.writeTextFileSync(
    `${dir}/forge.json`,
    JSON.stringify({ ...TINY, name: "forge", abis: ["./designs/forge.ts"] }),
  );
  const before = listing(root);
  const r = await sim(dir, "run", "forge.json", "--out", "out", "--quiet");
  assertRefused(r, ["design module ./designs/forge.ts", "answered for another run"], root, before);
  assert.equal(listing(root).some((p) => p.includes("forged")), false);
});

Deno.test("validate and run list the design modules and say they run sandboxed; a missing module fails validate with exit 2", async () => {
  const dir = tmpWith({
    "ok.json": { ...TINY, name: "ok", abis: ["fifo", EXAMPLE] },
    "missing.json": { ...TINY, name: "missing", abis: ["fifo", "./designs/nope.ts"] },
  });
  const v = await sim(dir, "validate", "ok.json");
  assert.equal(v.code, 0, v.stderr);
  assert.ok(
    v.stderr.includes(
      `design module ${EXAMPLE} runs sandboxed in a process of its own: it may read its vetted ` +
        `files from ${ROOT}examples/ and nothing else`,
    ),
    v.stderr,
  );
  assert.match(v.stdout, /ok\.json: valid \(2 runs; about \S+ events, at most .* per run\)/);
  const before = listing(dir);
  const m = await sim(dir, "validate", "missing.json");
  assertRefused(
    m,
    [
      `missing.json: abis.1: './designs/nope.ts' not found: no file ${dir}/designs/nope.ts ` +
      `(resolved against the folder of missing.json) (a design module)`,
    ],
    dir,
    before,
  );
  const mr = await sim(dir, "run", "missing.json", "--quiet");
  assertRefused(mr, ["'./designs/nope.ts' not found"], dir, before);
});

Deno.test("the example design runs sandboxed with one worker, two workers, and in a trace", async () => {
  const dir = tmpWith({
    "d.json": { ...TINY, name: "d", abis: ["fifo", EXAMPLE], replications: 2 },
  });
  for (const workers of ["1", "2"]) {
    const r = await sim(
      dir,
      "run",
      "d.json",
      "--workers",
      workers,
      "--out",
      `w${workers}`,
      "--no-report",
    );
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stderr.includes("runs sandboxed"), r.stderr);
  }
  assert.equal(
    Deno.readTextFileSync(`${dir}/w1/summary.csv`),
    Deno.readTextFileSync(`${dir}/w2/summary.csv`),
  );
  assert.ok(Deno.readTextFileSync(`${dir}/w1/summary.csv`).includes("fifo_quota.ts"));
  const t = await sim(dir, "trace", "d.json", "--abi", EXAMPLE, "--out", "t.json");
  assert.equal(t.code, 0, t.stderr);
  assert.ok(JSON.parse(Deno.readTextFileSync(`${dir}/t.json`)).traceEvents.length > 0);
});

Deno.test("runs that cannot finish are refused up front with the estimate and the flag that raises the budget", async () => {
  const storm = { ...GROUP, arrival: { kind: "poisson", rate_per_s: 400000 } };
  const dir = tmpWith({
    "long.json": { ...TINY, name: "long", duration_ms: 1e9, groups: [storm] },
    "rate.json": {
      ...TINY,
      name: "rate",
      groups: [{ ...GROUP, arrival: { kind: "poisson", rate_per_s: 1e15 } }],
    },
    "period.json": {
      ...TINY,
      name: "period",
      duration_ms: 100,
      groups: [{ ...GROUP, arrival: { kind: "periodic", period_us: 1e-6 } }],
    },
    "ports.json": {
      ...TINY,
      name: "ports",
      guest: { vcpus: 4096 },
      groups: [{ ...GROUP, ports: 1 << 20, vcpu: "each" }],
    },
    "slices.json": {
      ...TINY,
      name: "slices",
      vcpu_sched: {
        kind: "timeshare",
        run: { kind: "const", ns: 0 },
        wait: { kind: "const", ns: 0 },
      },
    },
  });
  const before = listing(dir);
  for (const name of ["long", "rate", "period"]) {
    const t0 = performance.now();
    const r = await sim(dir, "run", `${name}.json`, "--quiet");
    assertRefused(
      r,
      [
        /refusing to start: about \S+ simulated events .* over the budget of 1\.0e10 events/,
        /--budget \S+/,
      ],
      dir,
      before,
    );
    assert.ok(performance.now() - t0 < 60_000, "refused at once");
  }
  const p = await sim(dir, "run", "ports.json", "--quiet");
  assertRefused(
    p,
    [/a run would need about [\d.]+ [GT]iB of memory/, /--budget-mb \d+/],
    dir,
    before,
  );
  const s = await sim(dir, "validate", "slices.json");
  assertRefused(s, ["slices.json: vcpu_sched.run: expected a slice with a mean > 0"], dir, before);
  // the budget flag does raise it (validate: nothing runs)
  const raised = await sim(dir, "validate", "long.json", "--budget", "1e13");
  assert.equal(raised.code, 0, raised.stderr);
});

Deno.test("a grid larger than the budget is refused by counting its runs, not expanding them", async () => {
  const values = Array.from({ length: 10000 }, (_, i) => i + 1);
  const dir = tmpWith({
    "grid.json": { base: TINY, grid: { "seed": values, "groups.0.ports": values } },
    "many.json": {
      base: TINY,
      grid: { "seed": values, "groups.0.ports": values, "replications": [1, 2] },
    },
  });
  const before = listing(dir);
  const t0 = performance.now();
  // 1e8 runs of a tiny scenario: too many runs whatever their size
  const r = await sim(dir, "sweep", "grid.json", "--quiet");
  assertRefused(r, ["this sweep expands to 1.0e8 runs, more than the 1.0e6"], dir, before);
  const v = await sim(dir, "validate", "many.json");
  assertRefused(v, ["this sweep expands to 3.0e8 runs"], dir, before);
  assert.ok(performance.now() - t0 < 60_000, "counted, not expanded");
});

Deno.test("trace honours --max-events, caps --until-ms at the scenario's length and refuses an output beyond the budget", async () => {
  const busy = { ...GROUP, arrival: { kind: "poisson", rate_per_s: 1e6 } };
  const dir = tmpWith({ "s.json": { ...TINY, name: "s", duration_ms: 2, groups: [busy] } });
  const capped = await sim(dir, "trace", "s.json", "--until-ms", "1e9", "--out", "a.json");
  assert.equal(capped.code, 0, capped.stderr);
  assert.ok(capped.stderr.includes("is past the scenario's end (2 ms): tracing to 2 ms"));
  const a = JSON.parse(Deno.readTextFileSync(`${dir}/a.json`)).traceEvents as { ts: number }[];
  assert.ok(Math.max(...a.map((e) => e.ts)) <= 2000, "nothing past 2 ms (µs timestamps)");
  const stopped = await sim(dir, "trace", "s.json", "--max-events", "10", "--out", "b.json");
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.ok(stopped.stderr.includes("stopped after 10 simulated events (--max-events)"));
  const b = JSON.parse(Deno.readTextFileSync(`${dir}/b.json`)).traceEvents;
  assert.ok(b.length < a.length);
  const before = listing(dir);
  const big = await sim(dir, "trace", "s.json", "--out", "c.json", "--budget-mb", "0.5");
  assertRefused(
    big,
    [/the trace would be about .* over the budget/, /--budget-mb \d+/],
    dir,
    before,
  );
  const nan = await sim(dir, "trace", "s.json", "--until-ms", "abc", "--out", "d.json");
  assertRefused(nan, ["--until-ms abc: not a number"], dir, before);
});

Deno.test("--workers above the number of cores gets a warning", async () => {
  const dir = tmpWith({ "tiny.json": TINY });
  const r = await sim(dir, "run", "tiny.json", "--workers", "4096", "--no-report");
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: --workers 4096 is more than the \d+ cores/);
});

Deno.test("a scenario named '..' is refused; results never land outside --out", async () => {
  const dir = tmpWith({ "sub/dots.json": { ...TINY, name: ".." } });
  const before = listing(dir);
  const r = await sim(`${dir}/sub`, "run", "dots.json");
  assertRefused(
    r,
    ["dots.json: name: letters, digits, '_', '.' or '-', not only dots"],
    dir,
    before,
  );
});

Deno.test("the overwrite guard recognises a results folder by its manifest, not its name", async () => {
  // The README's minimal example is named like a built-in: it must not replace its results.
  const minimal = { ...TINY, name: "timer-vs-storm" };
  const dir = tmpWith({ "minimal.json": minimal, "user/summary.csv": "my,own\n1,2\n" });
  const first = await sim(
    dir,
    "run",
    "timer-vs-storm",
    "--set",
    "duration_ms=1",
    "--set",
    "warmup_ms=0",
    "--replications",
    "1",
    "--abi",
    "2l",
    "--out",
    "out",
    "--no-report",
    "--quiet",
  );
  assert.equal(first.code, 0, first.stderr);
  const manifest = Deno.readTextFileSync(`${dir}/out/manifest.json`);
  const r = await sim(dir, "run", "minimal.json", "--out", "out", "--quiet");
  assertRefused(r, [
    /out: holds results of scenario 'timer-vs-storm' from builtin:timer-vs-storm, sweep hash \w+, this one is 'timer-vs-storm' from minimal\.json/,
    "--force",
  ]);
  assert.equal(Deno.readTextFileSync(`${dir}/out/manifest.json`), manifest);
  // the same built-in again (other settings) replaces its own results
  const again = await sim(
    dir,
    "run",
    "timer-vs-storm",
    "--set",
    "duration_ms=1",
    "--set",
    "warmup_ms=0",
    "--replications",
    "1",
    "--abi",
    "fifo",
    "--out",
    "out",
    "--no-report",
    "--quiet",
  );
  assert.equal(again.code, 0, again.stderr);
  // a folder of the user's own files is not a results folder
  const u = await sim(dir, "run", "minimal.json", "--out", "user", "--quiet");
  assertRefused(u, [
    "user: is not an evtchn-sim results folder (no manifest.json) and holds 1 file(s) (summary.csv)",
  ]);
  assert.equal(Deno.readTextFileSync(`${dir}/user/summary.csv`), "my,own\n1,2\n");
  const forced = await sim(
    dir,
    "run",
    "minimal.json",
    "--out",
    "user",
    "--force",
    "--quiet",
    "--no-report",
  );
  assert.equal(forced.code, 0, forced.stderr);
  // foreign files beside a results folder's own need --force too
  Deno.writeTextFileSync(`${dir}/user/notes.txt`, "mine");
  const f = await sim(dir, "run", "minimal.json", "--out", "user", "--quiet");
  assertRefused(f, ["user: holds files evtchn-sim did not write (notes.txt)"]);
});

Deno.test("a second writer of a locked folder gets a clear error and exit 2", async () => {
  const dir = tmpWith({ "tiny.json": TINY });
  const lock = lockFolder(`${dir}/out`);
  try {
    const r = await sim(dir, "run", "tiny.json", "--out", "out", "--quiet");
    assertRefused(r, [/out: another evtchn-sim process is writing this folder \(pid \d+ since /]);
    const s = await sim(dir, "sweep", "tiny.json", "--out", "out", "--shard", "1/2", "--quiet");
    assertRefused(s, ["another evtchn-sim process is writing this folder"]);
  } finally {
    lock.release();
  }
  const r = await sim(dir, "run", "tiny.json", "--out", "out", "--quiet", "--no-report");
  assert.equal(r.code, 0, r.stderr);
});

Deno.test("report on a folder that is not a results folder exits 2 and says what to do", async () => {
  const dir = tmpWith({ "x/summary.csv": "a\n1\n" });
  const before = listing(dir);
  const r = await sim(dir, "report", "x");
  assertRefused(
    r,
    ["x: not a results folder (no manifest.json); an interrupted sweep? run it again with --resume"],
    dir,
    before,
  );
});

Deno.test("control characters from input are escaped, never echoed raw to the terminal", async () => {
  const evil = "\x1b]0;owned\x07\x1b[2J";
  const dir = tmpWith({ "e.json": { ...TINY, [`dur${evil}`]: 5 } });
  const r = await sim(dir, "run", "e.json", "--quiet");
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.includes("dur\\x1b]0;owned\\x07\\x1b[2J: unknown key"), r.stderr);
  assert.equal(r.stderr.includes("\x1b"), false, "no raw escape character");
  const c = await sim(dir, `bogus${evil}`);
  assert.equal(c.code, 2);
  assert.equal(c.stderr.includes("\x1b"), false);
});

Deno.test("--version prints the tool version, the Deno version and the git commit; the manifest records them", async () => {
  const dir = tmpWith({ "tiny.json": TINY });
  const r = await sim(dir, "--version");
  assert.equal(r.code, 0, r.stderr);
  const version = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).version;
  assert.ok(r.stdout.includes(`evtchn-sim ${version}`), r.stdout);
  assert.ok(r.stdout.includes(`deno ${Deno.version.deno}`), r.stdout);
  const git = await new Deno.Command("git", {
    args: ["rev-parse", "HEAD"],
    cwd: ROOT,
    stdout: "piped",
  })
    .output();
  const commit = new TextDecoder().decode(git.stdout).trim();
  assert.ok(r.stdout.includes(`commit ${commit}`), r.stdout);
  const run = await sim(dir, "run", "tiny.json", "--out", "out", "--quiet", "--no-report");
  assert.equal(run.code, 0, run.stderr);
  const m = JSON.parse(Deno.readTextFileSync(`${dir}/out/manifest.json`));
  assert.equal(m.tool_version, version);
  assert.equal(m.deno_version, Deno.version.deno);
  assert.equal(m.git_commit, commit);
  assert.ok(Math.abs(Date.parse(m.written_at) - Date.now()) < 600_000);
  assert.equal(m.command, "deno task sim run tiny.json --out out --quiet --no-report");
});

Deno.test("help, per-command help and did-you-mean for commands and flags", async () => {
  const dir = tmpWith({});
  const h = await sim(dir, "help");
  assert.equal(h.code, 0);
  for (const c of ["run", "sweep", "merge", "validate", "trace", "report", "schema", "list"]) {
    assert.match(h.stdout, new RegExp(`deno task sim ${c}\\b`));
  }
  const rh = await sim(dir, "run", "--help");
  assert.equal(rh.code, 0);
  assert.ok(rh.stdout.startsWith("usage: deno task sim run <file|name>"), rh.stdout);
  assert.ok(rh.stdout.includes("--workers N") && rh.stdout.includes("--budget EVENTS"));
  assert.equal(rh.stdout.includes("--partial"), false, "merge's flag is not run's");
  const ht = await sim(dir, "help", "trace");
  assert.ok(ht.stdout.includes("--until-ms N"));
  const typo = await sim(dir, "sweap", "default");
  assertRefused(typo, ["unknown command 'sweap' (did you mean 'sweep'?)"]);
  const flag = await sim(dir, "run", "default", "--worker", "2");
  assertRefused(flag, ["(did you mean --workers?)"]);
  const wrong = await sim(dir, "validate", "default", "--workers", "2");
  assertRefused(wrong, ["--workers: not an option of 'validate'"]);
});

Deno.test("trace files are read by the main thread and handed to workers, which read no files", async () => {
  const times = Array.from({ length: 50 }, (_, i) => `${(i + 1) * 10000},${(i % 4) + 1}`);
  const dir = tmpWith({
    "traces/t.csv": `time_ns,port\n${times.join("\n")}\n`,
    "tr.json": {
      ...TINY,
      name: "tr",
      groups: [{ ...GROUP, arrival: { kind: "trace", file: "traces/t.csv" } }],
    },
  });
  const r = await sim(dir, "run", "tr.json", "--out", "out", "--quiet", "--no-report");
  assert.equal(r.code, 0, r.stderr);
  const summary = Deno.readTextFileSync(`${dir}/out/summary.csv`).trim().split("\n");
  const row = Object.fromEntries(
    summary[0].split(",").map((k, i) => [k, summary[1].split(",")[i]]),
  );
  assert.equal(Number(row.raised), 50, "every trace entry raised");
});
