import assert from "node:assert/strict";
import { main } from "../../../sim/cli/cli.ts";
import { assertBadInput, listing, runCli } from "./cli_subprocess.ts";

const CLI = new URL("../../../sim/cli/cli.ts", import.meta.url).pathname;
const PERMS = ["run", "--allow-read", "--allow-write", "--allow-env=INIT_CWD", "--allow-sys=cpus"];

/** A one-VCPU M/M/1-like guest whose arrival rate the search varies. */
function scenario(dir: string, durationMs = 4): string {
  const s = {
    name: "cap",
    abis: ["2l", "fifo"],
    duration_ms: durationMs,
    warmup_ms: 1,
    replications: 3,
    seed: 3,
    guest: { vcpus: 1 },
    costs: "zero",
    groups: [{
      name: "g",
      ports: 500,
      vcpu: 0,
      arrival: { kind: "poisson", rate_per_s: 100000 },
      service: { kind: "exp", mean_ns: 1000 },
    }],
  };
  const path = `${dir}/cap.json`;
  Deno.writeTextFileSync(path, JSON.stringify(s));
  return path;
}

const SEARCH = [
  "--objective",
  "done_mean_ns<=4us",
  "--axis",
  "groups.0.arrival.rate_per_s",
  "--resolution",
  "20000",
  "--no-report",
];

function journalEntries(dir: string): number {
  try {
    return [...Deno.readDirSync(`${dir}/journal`)].filter((e) =>
      e.name.endsWith(".json") && e.name !== "sweep.json"
    ).length;
  } catch {
    return 0;
  }
}

const read = (dir: string, f: string) => Deno.readTextFileSync(`${dir}/${f}`);

Deno.test("a capacity search killed with SIGKILL and resumed writes the same capacity.csv, whatever the workers", async () => {
  const dir = Deno.makeTempDirSync();
  const file = scenario(dir, 20);
  const out = `${dir}/killed`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [...PERMS, CLI, "capacity", file, ...SEARCH, "--out", out, "--workers", "1", "--quiet"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  const t0 = Date.now();
  while (journalEntries(out) < 12 && Date.now() - t0 < 120000) {
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGKILL");
  assert.equal((await child.status).signal, "SIGKILL");
  const recorded = journalEntries(out);
  assert.ok(recorded >= 12, `recorded ${recorded} runs before the kill`);
  assert.throws(() => Deno.statSync(`${out}/capacity.csv`), "killed before the end");

  const args = ["capacity", file, ...SEARCH, "--quiet"];
  assert.equal(await main([...args, "--out", out, "--resume", "--workers", "2"]), 0);
  assert.equal(await main([...args, "--out", `${dir}/whole`, "--workers", "1"]), 0);
  for (const f of ["capacity.csv", "summary.csv", "groups.csv", "aggregate.csv"]) {
    assert.equal(read(out, f), read(`${dir}/whole`, f), f);
  }
  const manifest = JSON.parse(read(out, "manifest.json"));
  assert.ok(manifest.runs.length > recorded, "the resumed search ran more runs");
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("sim capacity writes the answer first in report.md and a capacity chart", async () => {
  const dir = Deno.makeTempDirSync();
  const file = scenario(dir);
  const out = `${dir}/out`;
  const args = ["capacity", file, ...SEARCH.filter((a) => a !== "--no-report")];
  const r = await runCli([...PERMS, CLI], dir, [...args, "--out", out, "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const md = read(out, "report.md");
  // The answer's paragraph, wrapped at 78 columns in report.md, one line on stdout.
  const first = md.split("\n\n")[0].replace(/\n/g, " ");
  assert.match(first, /^2l reaches groups\.0\.arrival\.rate_per_s = \d+/);
  assert.match(first, /at mean response time ≤ 4 µs/);
  assert.match(first, /; fifo reaches /);
  assert.ok(md.split("\n").every((l) => [...l].length <= 78), "report.md within 78 columns");
  assert.equal(r.stdout.split("\n")[0], first, "the answer is printed too");
  const spec = JSON.parse(read(out, "charts/capacity.vl.json"));
  assert.match(JSON.stringify(spec), /"datum":4(,|})/, "the objective's rule at 4 µs");
  assert.ok(listing(out).includes("charts/capacity.svg"));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("capacity refuses a bad objective, axis or bound with exit status 2 and writes nothing", async () => {
  const dir = Deno.makeTempDirSync();
  const file = scenario(dir);
  const before = listing(dir);
  const out = ["--out", `${dir}/out`];
  const cases: [string[], string[]][] = [
    [["--objective", "done_mean_ns<5us"], ["--objective", '"<column><=<value>"']],
    [["--objective", "rt_p99_ns<=5us", "--axis", "groups.0.arrival.rate_per_s"], [
      "'rt_p99_ns' is not a summary.csv column",
    ]],
    [["--objective", "done_mean_ns<=5us"], ["--axis", "no host"]],
    [["--objective", "done_mean_ns<=5us", "--axis", "groups.0.nope"], [
      "--axis groups.0.nope",
      "no such key",
    ]],
    [["--objective", "done_mean_ns<=5us", "--axis", "groups.0.name"], [
      "expected a dotted path to an integer key",
    ]],
    [[
      "--objective",
      "done_mean_ns<=5us",
      "--axis",
      "groups.0.ports",
      "--start",
      "50",
      "--max",
      "10",
    ], ["--max 10", "at least the start value 50"]],
    [["--axis", "groups.0.ports"], ["--objective is required"]],
    [["--objective", "done_mean_ns<=5us", "--axis", "groups.0.ports", "--budget", "1000"], [
      "refusing to start",
    ]],
  ];
  for (const [flags, expected] of cases) {
    const r = await runCli([...PERMS, CLI], dir, ["capacity", file, ...flags, ...out]);
    assertBadInput(r, expected, dir, before);
  }
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("help capacity lists the search's flags", async () => {
  const r = await runCli([...PERMS, CLI], Deno.cwd(), ["help", "capacity"]);
  assert.equal(r.code, 0);
  for (const flag of ["--objective", "--axis", "--start", "--max", "--resolution", "--resume"]) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

Deno.test("a capacity sweep whose base is a file beside it runs from another directory", async () => {
  const dir = Deno.makeTempDirSync();
  Deno.mkdirSync(`${dir}/study`);
  scenario(`${dir}/study`);
  Deno.writeTextFileSync(
    `${dir}/study/sweep.json`,
    JSON.stringify({ base: "./cap.json", grid: { "groups.0.service.mean_ns": [1000] } }),
  );
  // Run from `dir`: the base resolves against the sweep file's folder, not the command's.
  const r = await runCli([...PERMS, CLI], dir, [
    "capacity",
    "study/sweep.json",
    ...SEARCH,
    "--max",
    "200000",
    "--quiet",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(listing(dir).includes("results/cap-capacity/capacity.csv"), listing(dir).join(" "));
  Deno.removeSync(dir, { recursive: true });
});

Deno.test("a plain run of a capacity study notes on stderr that it does not search, and how to", async () => {
  const dir = Deno.makeTempDirSync();
  const base = JSON.parse(Deno.readTextFileSync(scenario(dir)));
  const sweep = (capacity: boolean) => {
    const path = `${dir}/sweep-${capacity}.json`;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({
        base,
        grid: { "groups.0.ports": [500] },
        ...(capacity ? { capacity: { objective: "done_mean_ns<=4us" } } : {}),
      }),
    );
    return path;
  };
  const args = (f: string, out: string) => [
    ...PERMS,
    CLI,
    "run",
    f,
    "--out",
    `${dir}/${out}`,
    "--no-report",
    "--replications",
    "2",
  ];
  const study = sweep(true);
  const r = await runCli([], dir, args(study, "study"));
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /note: cap is a capacity study: this run simulates its grid without searching/,
  );
  assert.ok(r.stderr.includes(`\`deno task sim capacity ${study}\` searches`), r.stderr);
  const plain = await runCli([], dir, args(sweep(false), "plain"));
  assert.equal(plain.code, 0, plain.stderr);
  assert.doesNotMatch(plain.stderr, /capacity study/);
});
