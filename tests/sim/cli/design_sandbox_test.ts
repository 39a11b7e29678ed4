// Untrusted designs and inputs (DESIGN.md §11): each hostile case, through the real CLI with
// the permissions of `deno task sim`, ends with exit 2 and a message naming the cause, in
// bounded time, with nothing written to the results folder or the project (deno.lock included).
import assert from "node:assert/strict";
import { assertBadInput, type CliResult, listing, ROOT, runCli } from "./cli_subprocess.ts";

const TASK = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks.sim as string;
const SIM = TASK.split(" ").slice(1);
const MOD = JSON.stringify(`${ROOT}mod.ts`);

function sim(dir: string, ...args: string[]): Promise<CliResult> {
  return runCli(SIM, dir, args);
}

const TINY = {
  abis: ["2l"],
  duration_ms: 2,
  warmup_ms: 0,
  replications: 1,
  groups: [{
    name: "g",
    ports: 4,
    arrival: { kind: "poisson", rate_per_s: 100000 },
    service: { kind: "const", ns: 100 },
  }],
};

/** A design module: `body` between the import of mod.ts and a default export of a FIFO model. */
function design(name: string, body: string, model = "FifoAbi"): string {
  return `import { type AbiOptions, FifoAbi } from ${MOD};\n${body}\n` +
    `export default (o: AbiOptions) => new ${model}(o, "fifo", ${JSON.stringify(name)});\n`;
}

/** A temporary folder holding `designs/<name>.ts` and `<name>.json` running it beside 2l. */
function setUp(name: string, source: string): string {
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-hostile-" });
  Deno.mkdirSync(`${dir}/designs`);
  Deno.writeTextFileSync(`${dir}/designs/${name}.ts`, source);
  Deno.writeTextFileSync(
    `${dir}/${name}.json`,
    JSON.stringify({ ...TINY, name, abis: ["2l", `./designs/${name}.ts`] }),
  );
  return dir;
}

/**
 * Run `name` in `dir` and assert the refusal: exit 2, every `expected` text, nothing written
 * in `dir` or in the project, within `seconds`.
 */
async function assertHostile(
  dir: string,
  name: string,
  expected: (string | RegExp)[],
  flags: string[] = [],
  seconds = 90,
): Promise<CliResult> {
  const lock = Deno.readTextFileSync(`${ROOT}deno.lock`);
  const project = listing(ROOT).filter((p) => !p.startsWith(".git") && !p.startsWith("results"));
  const before = listing(dir);
  const t0 = performance.now();
  const r = await sim(dir, "run", `${name}.json`, "--out", "out", "--quiet", ...flags);
  assertBadInput(r, expected, dir, before);
  assert.ok(performance.now() - t0 < seconds * 1000, `refused within ${seconds} s`);
  assert.equal(Deno.readTextFileSync(`${ROOT}deno.lock`), lock, "deno.lock unchanged");
  assert.deepEqual(
    listing(ROOT).filter((p) => !p.startsWith(".git") && !p.startsWith("results")),
    project,
    "nothing written in the project",
  );
  assert.equal(r.stderr.includes("\x1b"), false, "no raw escape character");
  return r;
}

Deno.test("a design that imports an npm package, statically or at run time, is refused before it runs", async () => {
  const dir = setUp("npm", design("npm", `await import("npm:left-pad@1.3.0");`));
  await assertHostile(dir, "npm", [
    "design module ./designs/npm.ts: npm.ts imports 'npm:left-pad@1.3.0' " +
    "(npm: specifiers are refused)",
  ]);
  // a specifier computed at run time escapes the static vetting; the process cannot load it
  const hidden = setUp(
    "hidden",
    design("hidden", `const m = ["npm:left", "pad@1.3.0"].join("-");\nawait import(m);`),
  );
  await assertHostile(hidden, "hidden", [
    "design module ./designs/hidden.ts",
    // Deno names the package with its version or without, depending on what
    // its cache holds: either way the message names it.
    "tried to load npm:left-pad",
  ]);
});

Deno.test("a design that imports a remote module is refused, naming the module and the import", async () => {
  const dir = setUp("remote", design("remote", `import "https://example.com/x.ts";`));
  await assertHostile(dir, "remote", [
    "remote.ts imports 'https://example.com/x.ts' (https: specifiers are refused)",
  ]);
  const hidden = setUp(
    "hidden",
    design("hidden", `const m = ["https://example", "com/x.ts"].join(".");\nawait import(m);`),
  );
  await assertHostile(hidden, "hidden", ["tried to load https://example.com/x.ts at run time"]);
});

Deno.test("a symlink out of the design's folder is refused, and the design reads no file at all", async () => {
  const dir = setUp(
    "link",
    design("link", `import { secret } from "./lib.ts";\nconsole.log(secret);`),
  );
  Deno.mkdirSync(`${dir}/elsewhere`);
  Deno.writeTextFileSync(`${dir}/elsewhere/lib.ts`, `export const secret = "s";\n`);
  Deno.symlinkSync(`${dir}/elsewhere/lib.ts`, `${dir}/designs/lib.ts`);
  await assertHostile(dir, "link", [
    `link.ts imports './lib.ts' (resolves to ${dir}/elsewhere/lib.ts, outside the folder)`,
  ]);
  // a symlinked folder beside the design lets it read nothing either: only its copy is readable
  const read = setUp("read", "");
  Deno.symlinkSync("/etc", `${read}/designs/etc`);
  const via = JSON.stringify(`${read}/designs/etc/hostname`);
  Deno.writeTextFileSync(
    `${read}/designs/read.ts`,
    design("read", `Deno.readTextFileSync(${via});`),
  );
  await assertHostile(read, "read", ["tried to leave its sandbox", "Requires read access"]);
});

Deno.test("a design whose output holds a terminal escape is refused, its output shown escaped", async () => {
  const osc52 = "\x1b]52;c;b3duZWQ=\x07";
  const dir = setUp("esc", design("esc", `console.log(${JSON.stringify(`hi ${osc52}`)});`));
  const r = await assertHostile(dir, "esc", [
    "design module ./designs/esc.ts printed: hi \\x1b]52;c;b3duZWQ=\\x07",
    "printed a terminal control character (\\x1b, shown escaped above)",
  ]);
  assert.equal(r.stderr.includes("\x07"), false);
});

Deno.test("a design that loops inside a model method is stopped by the watchdog", async () => {
  const dir = setUp(
    "loop",
    design(
      "loop",
      `class Loop extends FifoAbi {\n  override raise(port: number): number {\n` +
        `    for (;;) if (port < 0) return super.raise(port);\n  }\n}`,
      "Loop",
    ),
  );
  await assertHostile(
    dir,
    "loop",
    [
      /run \d+ \(replication 0, seed \d+, id \w+\): made no progress for 3 s/,
      "--design-watchdog-s 12 raises the limit",
    ],
    ["--design-watchdog-s", "3"],
    60,
  );
});

Deno.test("a design that fills its heap is stopped at the cap, naming the flag that raises it", async () => {
  const dir = setUp(
    "heap",
    design(
      "heap",
      `const keep: number[][] = [];\nclass Heap extends FifoAbi {\n` +
        `  override beginUpcall(v: number): void {\n` +
        `    for (;;) keep.push(new Array(1e5).fill(v + 0.5));\n  }\n}`,
      "Heap",
    ),
  );
  await assertHostile(
    dir,
    "heap",
    [
      "filled its JS heap cap of 128 MiB and was stopped; --design-memory-mb 256 raises the cap",
    ],
    ["--design-memory-mb", "128"],
    60,
  );
});

Deno.test("a design that fills memory outside the JS heap is stopped at the process's cap", async () => {
  const dir = setUp(
    "buffers",
    design(
      "buffers",
      `const keep: Uint8Array[] = [];\nclass Big extends FifoAbi {\n` +
        `  override beginUpcall(v: number): void {\n` +
        `    for (;;) keep.push(new Uint8Array(1 << 24).fill(v + 1));\n  }\n}`,
      "Big",
    ),
  );
  // The kernel's data limit (prlimit) fails an allocation past 128 + 256 MiB; V8 then
  // reports the heap full, or the design sees the allocation fail.
  await assertHostile(
    dir,
    "buffers",
    [
      /filled its JS heap cap of 128 MiB|ran out of its memory cap \(128 MiB of JS heap/,
      "--design-memory-mb 256 raises the cap",
    ],
    ["--design-memory-mb", "128", "--design-watchdog-s", "30"],
    60,
  );
});

Deno.test("NaN and negative costs from a design break the rules of its results, exit 2", async () => {
  for (
    const [name, value, rule] of [["nan", "NaN", "finite figures"], [
      "neg",
      "-5000",
      "non-negative figures",
    ]]
  ) {
    const dir = setUp(
      name,
      design(
        name,
        `class Cost extends FifoAbi {\n  override raise(port: number): number {\n` +
          `    const v = super.raise(port);\n    this.cost = ${value};\n    return v;\n  }\n}`,
        "Cost",
      ),
    );
    await assertHostile(dir, name, [
      new RegExp(`design module \\./designs/${name}\\.ts, run 1 \\(replication 0, seed \\d+`),
      `its results break the rule '${rule}'`,
    ]);
  }
});

Deno.test("a design that relabels its rows as another ABI's is refused, exit 2", async () => {
  const dir = setUp(
    "relabel",
    design(
      "relabel",
      `const s = JSON.stringify;\nJSON.stringify = ((v: unknown, ...r: unknown[]) =>\n` +
        `  (s as (...a: unknown[]) => string)(v, ...r)\n` +
        `    .replaceAll('"abi":"./designs/relabel.ts"', '"abi":"2l"')) as typeof JSON.stringify;`,
    ),
  );
  await assertHostile(dir, "relabel", [
    "its results break the rule 'labels': summary: abi is '2l', not './designs/relabel.ts'",
  ]);
});

Deno.test("a design whose accounting does not add up is refused, exit 2", async () => {
  const dir = setUp(
    "books",
    design(
      "books",
      `const s = JSON.stringify;\nJSON.stringify = ((v: unknown, ...r: unknown[]) =>\n` +
        `  (s as (...a: unknown[]) => string)(v, ...r)\n` +
        `    .replace(/"delivered":(\\d+)/, (_m: string, n: string) => \`"delivered":\${+n + 7}\`)) as typeof JSON.stringify;`,
    ),
  );
  await assertHostile(dir, "books", [
    "its results break the rule 'raised = delivered + coalesced + pending_at_end + dropped'",
  ]);
});

Deno.test("/dev/zero and a named pipe as trace files are refused by run and validate at once", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-hostile-" });
  const fifo = new Deno.Command("mkfifo", { args: [`${dir}/pipe.csv`] }).outputSync();
  assert.ok(fifo.success);
  for (const [file, what] of [["/dev/zero", "a character device"], ["pipe.csv", "a named pipe"]]) {
    const trace = {
      ...TINY,
      name: "tr",
      groups: [{ ...TINY.groups[0], arrival: { kind: "trace", file } }],
    };
    Deno.writeTextFileSync(`${dir}/tr.json`, JSON.stringify(trace));
    const expected = [`${file}: ${what}: an input file must be a regular file`];
    await assertHostile(dir, "tr", expected, [], 30);
    const before = listing(dir);
    const v = await sim(dir, "validate", "tr.json");
    assertBadInput(v, expected, dir, before);
  }
  const before = listing(dir);
  const z = await sim(dir, "validate", "/dev/zero");
  assertBadInput(z, ["/dev/zero: a character device"], dir, before);
});

Deno.test("an input file over the size cap is refused with the flag that raises it", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-hostile-" });
  Deno.writeTextFileSync(`${dir}/big.csv`, "1,1\n".repeat(400_000));
  Deno.writeTextFileSync(
    `${dir}/tr.json`,
    JSON.stringify({
      ...TINY,
      name: "tr",
      groups: [{ ...TINY.groups[0], arrival: { kind: "trace", file: "big.csv" } }],
    }),
  );
  const before = listing(dir);
  const v = await sim(dir, "validate", "tr.json", "--input-limit-mb", "1");
  assertBadInput(
    v,
    ["big.csv: 1.5 MiB, over the input limit of 1 MiB; --input-limit-mb 3"],
    dir,
    before,
  );
  const ok = await sim(dir, "validate", "tr.json", "--input-limit-mb", "3");
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("a misspelt hook gets a did-you-mean and a type error its file and line, exit 2", async () => {
  const typo = setUp(
    "typo",
    design(
      "typo",
      `class Typo extends FifoAbi {\n` +
        `  protected rereadReddy(_v: number, _q: number, _d: boolean): boolean {\n` +
        `    return false;\n  }\n}`,
      "Typo",
    ),
  );
  await assertHostile(typo, "typo", [
    "method 'rereadReddy' of Typo overrides nothing, so it is never called " +
    "(did you mean 'rereadReady', a method of FifoAbi?)",
  ]);
  const bad = setUp("bad", design("bad", `const n: number = "x";\nconsole.log(n);`));
  await assertHostile(bad, "bad", [
    "design module ./designs/bad.ts does not type-check with the project's strict options",
    "TS2322",
    `${bad}/designs/bad.ts:2:7`,
  ]);
});

Deno.test("importing the example instead of copying it says to copy it beside the design", async () => {
  const dir = setUp(
    "reuse",
    `import { FifoQuotaAbi } from ${JSON.stringify(`${ROOT}examples/fifo_quota.ts`)};\n` +
      `import type { AbiOptions } from ${MOD};\n` +
      `export default (o: AbiOptions) => new FifoQuotaAbi(o, 8);\n`,
  );
  const r = await assertHostile(dir, "reuse", [
    "reuse.ts imports the project's examples/fifo_quota.ts",
    `copy it beside your design (cp ${ROOT}examples/fifo_quota.ts ${dir}/designs/)`,
  ]);
  assert.doesNotMatch(r.stderr, /escape|\\x1b\[/);
});

Deno.test("a design that exits its process, breaks the reply channel or recurses without end is refused", async () => {
  const exit = setUp("exit", design("exit", `Deno.exit(0);`));
  await assertHostile(exit, "exit", ["its process ended unexpectedly (exit code 0)"]);
  const channel = setUp(
    "channel",
    design("channel", `console.log(${JSON.stringify(`\x1eevtchn-sim-reply {bad json`)});`),
  );
  await assertHostile(channel, "channel", [
    "sent a malformed reply",
    "a design must not write on the simulator's channel",
  ]);
  const deep = setUp(
    "deep",
    design(
      "deep",
      `class Deep extends FifoAbi {\n  override next(v: number): number {\n` +
        `    return this.next(v);\n  }\n}`,
      "Deep",
    ),
  );
  await assertHostile(deep, "deep", ["failed: RangeError: Maximum call stack size exceeded"]);
});

Deno.test("a design that prints a flood of plain lines runs; its output is shown escaped and bounded", async () => {
  const dir = setUp(
    "chatty",
    design("chatty", `for (let i = 0; i < 5000; i++) console.log("line " + i);`),
  );
  const r = await sim(dir, "run", "chatty.json", "--out", "out", "--quiet", "--no-report");
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes("design module ./designs/chatty.ts printed: line 39"), r.stderr);
  assert.equal(r.stderr.includes("printed: line 40\n"), false);
  assert.match(
    r.stderr,
    /design module \.\/designs\/chatty\.ts: 4960 more line\(s\) of output not shown/,
  );
});
