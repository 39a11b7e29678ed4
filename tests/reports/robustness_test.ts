import assert from "node:assert/strict";
import { main } from "../../sim/cli/cli.ts";
import { buildContext } from "../../reports/context.ts";
import { loadResults } from "../../reports/load.ts";
import { computeFindings } from "../../reports/findings.ts";
import {
  assessRobustness,
  evaluateCheck,
  loadRobust,
  rhoSignificant,
  spearman,
} from "../../reports/robustness.ts";
import { RandomStream } from "../../sim/engine/random.ts";

/**
 * One VCPU, one port, periodic events far apart: every event is its own upcall, and with the
 * zero preset the only time before the handler starts is the ABI's per-event consume cost:
 * bitmap_consume_ns for 2-level, fifo_consume_ns for FIFO. With fifo_consume_ns held at 50,
 * 2-level is faster exactly while bitmap_consume_ns < 50.
 */
function flipScenario(dir: string): string {
  const s = {
    name: "flip",
    abis: ["2l", "fifo"],
    answer: ["lat_p99_ns"],
    duration_ms: 2,
    warmup_ms: 0.2,
    replications: 2,
    seed: 3,
    guest: { vcpus: 1 },
    costs: { preset: "zero", bitmap_consume_ns: 20, fifo_consume_ns: 50 },
    cost_ranges: { bitmap_consume_ns: { low: 0, high: 100 } },
    groups: [{
      name: "tick",
      ports: 1,
      vcpu: 0,
      arrival: { kind: "periodic", period_us: 10 },
      service: { kind: "const", ns: 1000 },
    }],
  };
  const path = `${dir}/flip.json`;
  Deno.writeTextFileSync(path, JSON.stringify(s));
  return path;
}

/** A 32-bit 2-level guest asked for 2000 ports: its limit (1024) makes binds fail. */
function limitScenario(dir: string): string {
  const s = {
    name: "limit",
    abis: ["2l:32", "fifo"],
    duration_ms: 1,
    warmup_ms: 0.1,
    replications: 2,
    seed: 5,
    guest: { vcpus: 1, word_bits: 32 },
    groups: [{
      name: "net",
      ports: 2000,
      vcpu: 0,
      arrival: { kind: "poisson", rate_per_s: 100000 },
      service: { kind: "exp", mean_ns: 1000 },
    }],
  };
  const path = `${dir}/limit.json`;
  Deno.writeTextFileSync(path, JSON.stringify(s));
  return path;
}

async function robustRun(file: string, out: string, n: number, workers = 2): Promise<void> {
  const code = await main([
    "run",
    file,
    "--out",
    out,
    "--robust",
    String(n),
    "--workers",
    String(workers),
    "--quiet",
  ]);
  assert.equal(code, 0);
}

function assess(dir: string) {
  const ctx = buildContext(loadResults(dir));
  return assessRobustness(ctx, loadRobust(dir)!, computeFindings(ctx));
}

Deno.test("a finding that trades one cost against another reverses where the hand-computed threshold says (50 ns, within 2 ns)", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    await robustRun(flipScenario(dir), `${dir}/out`, 20);
    const r = assess(`${dir}/out`);
    const f = r.findings.find((x) =>
      x.checks[0]?.kind === "pair" && x.checks[0].metric === "lat_p99_ns"
    );
    assert.ok(f, "the base costs (20 ns against 50 ns) give a fifo-slower p99 finding");
    assert.ok(f.holds > 0 && f.holds < 20, `holds in ${f.holds} of 20`);
    assert.ok(f.threshold);
    assert.equal(f.threshold.field, "bitmap_consume_ns");
    assert.equal(f.threshold.holdsWhere, "below");
    assert.equal(f.threshold.reverses, true);
    assert.ok(Math.abs(f.threshold.value - 50) <= 2, `threshold ${f.threshold.value}`);
    assert.match(f.tag, /reverses when bitmap_consume_ns > (4[89]|5[012])(\.\d+)? ns/);
    const md = Deno.readTextFileSync(`${dir}/out/report.md`);
    assert.match(md, /Robustness to the cost model/);
    assert.ok(md.split("\n").every((l) => [...l].length <= 78), "report.md fits 78 columns");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a port-limit finding holds in every cost vector", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    await robustRun(limitScenario(dir), `${dir}/out`, 4);
    const r = assess(`${dir}/out`);
    const f = r.findings.find((x) => x.checks[0]?.metric === "bind_failures");
    assert.ok(f, "2l:32 cannot bind 2000 ports");
    assert.equal(f.holds, 4);
    assert.equal(f.tag, "holds in 4 of 4 cost vectors");
    const md = Deno.readTextFileSync(`${dir}/out/report.md`).replace(/\s+/g, " ");
    assert.match(md, /Not compared: [^[]*2l:32 bound [^[]*\[holds in 4 of 4 cost vectors\]/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

/** A host whose 32-bit 2-level dom0 (1023 ports) cannot start all of its 200 guests. */
function hostLimitScenario(dir: string): string {
  const s = {
    name: "host-limit",
    abis: ["2l", "fifo"],
    duration_ms: 1,
    warmup_ms: 0,
    replications: 2,
    seed: 5,
    host: {
      dom0: { vcpus: 1, word_bits: 32 },
      guests: [{ count: 200, kind: "pv", vcpus: 1 }],
    },
  };
  const path = `${dir}/host-limit.json`;
  Deno.writeTextFileSync(path, JSON.stringify(s));
  return path;
}

Deno.test("a host's guests refused for lack of dom0 ports stay flagged in every cost vector, host costs varied", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    await robustRun(hostLimitScenario(dir), `${dir}/out`, 2);
    const design = loadRobust(`${dir}/out`)!.design;
    assert.ok(design.varied.some((f) => f.field === "host.blkback_ns"), "host costs are varied");
    const r = assess(`${dir}/out`);
    const f = r.findings.find((x) =>
      x.checks[0]?.metric === "guests_refused" &&
      x.checks[0]?.kind === "positive"
    );
    assert.ok(f, "2l's 32-bit dom0 refuses guests");
    assert.equal(f.tag, "holds in 2 of 2 cost vectors");
    const md = Deno.readTextFileSync(`${dir}/out/report.md`).replace(/\s+/g, " ");
    assert.match(md, /Not compared: [^[]*2l started [^[]*\[holds in 2 of 2 cost vectors\]/);
    const own = design.varied.filter((v) => v.field.startsWith("host.")).length;
    assert.ok(md.includes(
      `Under the robustness check's 2 cost vectors (${design.varied.length} cost fields varied ` +
        `over their ranges, ${own} of them the host's own`,
    ));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the same seeds give a byte-identical robustness.csv whatever the number of workers", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = flipScenario(dir);
    await robustRun(file, `${dir}/a`, 6, 1);
    await robustRun(file, `${dir}/b`, 6, 2);
    const a = Deno.readTextFileSync(`${dir}/a/robustness.csv`);
    const b = Deno.readTextFileSync(`${dir}/b/robustness.csv`);
    assert.ok(a.split("\n").length > 6, "one row per finding and cost vector");
    assert.equal(a, b);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a later run without --robust removes the earlier robustness rows", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = limitScenario(dir);
    await robustRun(file, `${dir}/out`, 2);
    assert.equal(await main(["run", file, "--out", `${dir}/out`, "--quiet"]), 0);
    assert.equal(loadRobust(`${dir}/out`), undefined);
    assert.doesNotMatch(Deno.readTextFileSync(`${dir}/out/report.md`), /cost vectors/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("spearman ranks ties by their average rank", () => {
  // x ranks 1, 2.5, 2.5, 4; y ranks 1, 2, 3, 4: Pearson on ranks = 4.5 / sqrt(4.5 * 5).
  assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 4.5 / Math.sqrt(4.5 * 5)) < 1e-12);
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
});

/** Five paired replications of 2l and fifo whose p99 differs by `delta` ns (± a little noise). */
function pairContext(delta: number) {
  const noise = [0.3, -0.2, 0.1, -0.4, 0.2];
  const summary = noise.flatMap((e, r) => [
    { abi: "2l", replication: r, lat_p99_ns: 1000 + e },
    { abi: "fifo", replication: r, lat_p99_ns: 1000 + delta + e * 0.5 },
  ]);
  return buildContext({
    dir: ".",
    manifest: { scenario: "s", command: "c", resolved: {}, params: [] },
    summary,
    groups: [],
    priorities: [],
  });
}

Deno.test("a 'no difference' finding keeps holding while a difference stays below the report's practical threshold", () => {
  const check = {
    kind: "nodiff" as const,
    metric: "lat_p99_ns",
    a: { abi: "fifo", point: "" },
    b: { abi: "2l", point: "" },
  };
  // 1% apart, and significant at 95%: the report would not make it a bullet, so neither does
  // the robustness check.
  const small = evaluateCheck(check, pairContext(10));
  assert.equal(small.holds, true);
  // 20% apart and significant: now a difference the report would state.
  const large = evaluateCheck(check, pairContext(200));
  assert.equal(large.holds, false);
  assert.equal(large.sign, 1);
});

/**
 * The largest |Spearman ρ| of `fields` random cost fields with a random
 * effect over `n` vectors, in each of `trials` draws: what a robustness
 * check sees when no field matters.
 */
function chanceRhos(name: string, trials: number, n: number, fields: number): number[] {
  const rng = RandomStream.derive(1, 0, name);
  return Array.from({ length: trials }, () => {
    const effect = Array.from({ length: n }, () => rng.uniform());
    let best = 0;
    for (let f = 0; f < fields; f++) {
      const x = Array.from({ length: n }, () => rng.uniform());
      best = Math.max(best, Math.abs(spearman(x, effect)));
    }
    return best;
  });
}

/** Binomial 95% bound (normal approximation) around `k` of `trials`: `sign` 1 upper, -1 lower. */
function bound(k: number, trials: number, sign: number): number {
  const p = k / trials;
  return p + sign * 1.96 * Math.sqrt(p * (1 - p) / trials);
}

Deno.test("the field a finding follows is named by chance in under one draw in seven once corrected for the fields tried", () => {
  // No field matters: the effect and 22 fields are independent draws over 8 vectors.
  const trials = 2000, n = 8, fields = 22;
  const best = chanceRhos("tests/robustness/chance", trials, n, fields);
  const plain = best.filter((r) => rhoSignificant(r, n)).length;
  const corrected = best.filter((r) => rhoSignificant(r, n, fields)).length;
  assert.ok(bound(corrected, trials, 1) < 1 / 7, `corrected: ${corrected} of ${trials}`);
  assert.ok(bound(plain, trials, -1) > 0.5, `uncorrected: ${plain} of ${trials}`);
});

Deno.test("with 4 cost vectors no field is named by chance, though most draws give some field a perfect order", () => {
  // A robustness check of 4 vectors over 22 fields, no field mattering: some field orders
  // the 4 effects perfectly in most draws (1 - (11/12)^22, about 85%); its exact chance,
  // 2 / 4! = 1/12, is far above 5% / 22, so none may be named.
  const trials = 2000, n = 4, fields = 22;
  const best = chanceRhos("tests/robustness/chance4", trials, n, fields);
  const perfect = best.filter((r) => r >= 1).length;
  assert.ok(bound(perfect, trials, -1) > 0.75, `a perfect order in ${perfect} of ${trials}`);
  assert.equal(best.filter((r) => rhoSignificant(r, n, fields)).length, 0);
  // The exact chance decides a perfect order: 2 / 5! = 1.7% passes 5% alone, not 5% / 22;
  // 2 / 7! = 0.04% passes both.
  assert.deepEqual(
    [
      rhoSignificant(1, 4),
      rhoSignificant(1, 5),
      rhoSignificant(-1, 5, 22),
      rhoSignificant(1, 7, 22),
    ],
    [false, true, false, true],
  );
});
