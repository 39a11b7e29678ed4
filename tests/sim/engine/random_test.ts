import assert from "node:assert/strict";
import {
  deriveSeed,
  DIST_CONST,
  DIST_EXP,
  DIST_LOGNORMAL,
  DIST_PARETO,
  DIST_UNIFORM,
  Distribution,
  RandomStream,
} from "../../../sim/engine/random.ts";
import { meanCi } from "../../../reports/aggregate.ts";
import jstat from "jstat";
import { compileDistribution } from "../../../sim/run/workload.ts";

Deno.test("random streams with the same (seed, run, name) repeat exactly", () => {
  const a = RandomStream.derive(7, 3, "arrival/net");
  const b = RandomStream.derive(7, 3, "arrival/net");
  for (let i = 0; i < 100; i++) assert.equal(a.uniform(), b.uniform());
});

Deno.test("random streams differ by name, run index and master seed", () => {
  const first = (s: number, r: number, n: string) => RandomStream.derive(s, r, n).uniform();
  const base = first(1, 0, "x");
  assert.notEqual(first(1, 0, "y"), base);
  assert.notEqual(first(1, 1, "x"), base);
  assert.notEqual(first(2, 0, "x"), base);
  // Hashing, not arithmetic: (seed 1, run 1) is not (seed 2, run 0).
  assert.notEqual(first(1, 1, "x"), first(2, 0, "x"));
});

Deno.test("random streams are uncorrelated across names", () => {
  const a = RandomStream.derive(1, 0, "a"), b = RandomStream.derive(1, 0, "b");
  const n = 20000;
  let sab = 0, sa = 0, sb = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a.uniform(), y = b.uniform();
    sab += x * y, sa += x, sb += y, saa += x * x, sbb += y * y;
  }
  const cov = sab / n - (sa / n) * (sb / n);
  const r = cov / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2));
  // |r| of independent samples has a standard error of 1/sqrt(n) = 0.007; 4 sigma.
  assert.ok(Math.abs(r) < 4 / Math.sqrt(n), `correlation ${r}`);
});

Deno.test("uniform draws stay in [0, 1)", () => {
  const r = RandomStream.derive(1, 0, "u");
  for (let i = 0; i < 100000; i++) {
    const u = r.uniform();
    assert.ok(u >= 0 && u < 1);
  }
});

Deno.test("deriveSeed is a stable hash of its inputs", () => {
  assert.equal(deriveSeed(1, "replication/0"), deriveSeed(1, "replication/0"));
  assert.notEqual(deriveSeed(1, "replication/0"), deriveSeed(1, "replication/1"));
});

for (
  const [name, d] of [
    ["const", new Distribution(DIST_CONST, 1500, 0)],
    ["exponential", new Distribution(DIST_EXP, 2000, 0)],
    ["uniform", new Distribution(DIST_UNIFORM, 1000, 3000)],
    ["lognormal", new Distribution(DIST_LOGNORMAL, Math.log(2000) - 0.125, 0.5)],
    ["pareto", new Distribution(DIST_PARETO, 1000, 3.5)],
  ] as const
) {
  Deno.test(`${name} samples have the distribution's mean within a 99.9% interval`, () => {
    const r = RandomStream.derive(42, 0, `dist/${name}`);
    // 30 batch means of 2000 draws: a t-interval on the batch means.
    const batches: number[] = [];
    for (let b = 0; b < 30; b++) {
      let s = 0;
      for (let i = 0; i < 2000; i++) s += d.sample(r);
      batches.push(s / 2000);
    }
    const ci = meanCi(batches);
    const half99 = ci.half / 2.045 * 3.659; // t(0.975, 29) -> t(0.9995, 29)
    const err = Math.abs(ci.mean - d.mean());
    assert.ok(name === "const" ? err === 0 : err <= half99, `${name}: ${ci.mean} vs ${d.mean()}`);
  });
}

Deno.test("exponential second moment matches 2 mean^2", () => {
  const d = new Distribution(DIST_EXP, 3, 0);
  assert.equal(d.secondMoment(), 18);
  assert.equal(new Distribution(DIST_UNIFORM, 0, 3).secondMoment(), 3);
});

/** `n` Exp(1) draws from a fixed stream, sorted. */
function exponentialDraws(n: number, seed: number): Float64Array {
  const r = RandomStream.derive(seed, 0, "gof/exponential");
  const xs = new Float64Array(n);
  for (let i = 0; i < n; i++) xs[i] = r.exponential(1);
  return xs.sort();
}

Deno.test("exponential draws pass a Kolmogorov-Smirnov test against Exp(1) at the 0.1% level", () => {
  const n = 1_000_000;
  const xs = exponentialDraws(n, 11);
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = 1 - Math.exp(-xs[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  // Asymptotic critical value of sqrt(n) D at alpha = 0.001: 1.9495.
  assert.ok(Math.sqrt(n) * d < 1.9495, `sqrt(n) D = ${Math.sqrt(n) * d}`);
});

Deno.test("exponential draws fill 256 equiprobable bins of Exp(1) as a chi-square test at 0.1% allows", () => {
  const n = 1_000_000, k = 256;
  const xs = exponentialDraws(n, 12);
  const counts = new Float64Array(k);
  // Bin b holds [q(b/k), q((b+1)/k)) with q the Exp(1) quantile -ln(1 - p).
  for (const x of xs) counts[Math.min(k - 1, Math.floor((1 - Math.exp(-x)) * k))]++;
  const e = n / k;
  let chi2 = 0;
  for (const c of counts) chi2 += (c - e) ** 2 / e;
  assert.ok(chi2 <= jstat.chisquare.inv(0.999, k - 1), `chi-square ${chi2}`);
});

Deno.test("exponential draws have the Exp(1) tail: its frequency and memoryless excess", () => {
  // Beyond 7.697 (where a 256-layer ziggurat would switch to its tail path)
  // the frequency must be exp(-7.697) and, memoryless, the excess must have mean 1.
  const n = 4_000_000;
  const r = RandomStream.derive(13, 0, "gof/tail");
  const base = 7.69711747013104972;
  let tail = 0, excess = 0, beyond10 = 0;
  for (let i = 0; i < n; i++) {
    const x = r.exponential(1);
    if (x > base) {
      tail++;
      excess += x - base;
    }
    if (x > 10) beyond10++;
  }
  const z = 3.29; // two-sided 99.9 %
  const p = Math.exp(-base), p10 = Math.exp(-10);
  assert.ok(Math.abs(tail - n * p) <= z * Math.sqrt(n * p * (1 - p)), `tail ${tail} vs ${n * p}`);
  assert.ok(
    Math.abs(excess / tail - 1) <= z / Math.sqrt(tail),
    `tail excess mean ${excess / tail}`,
  );
  assert.ok(
    Math.abs(beyond10 - n * p10) <= z * Math.sqrt(n * p10) + 1,
    `beyond 10: ${beyond10} vs ${n * p10}`,
  );
});

/** A t-interval (99.9%) on 30 batch means of `f` over 4000 draws each: [mean, half-width]. */
function batchInterval(f: () => number): [number, number] {
  const batches: number[] = [];
  for (let b = 0; b < 30; b++) {
    let s = 0;
    for (let i = 0; i < 4000; i++) s += f();
    batches.push(s / 4000);
  }
  const ci = meanCi(batches);
  return [ci.mean, ci.half / 2.045 * 3.659]; // t(0.975, 29) -> t(0.9995, 29)
}

Deno.test("normal and lognormal draws have the mean and variance they are given", () => {
  // Standard normal: E[x] = 0 and E[x^2] = 1 (its variance about the true mean).
  const r = RandomStream.derive(5, 0, "dist/normal");
  const [m, hm] = batchInterval(() => r.normal());
  assert.ok(Math.abs(m) <= hm, `normal mean ${m} ± ${hm}`);
  const [v, hv] = batchInterval(() => r.normal() ** 2);
  assert.ok(Math.abs(v - 1) <= hv, `normal variance ${v} ± ${hv}`);
  // A scenario's lognormal (mean_ns, sigma): mean mean_ns, variance mean^2 (e^(sigma^2) - 1).
  const mean = 2000, sigma = 0.5;
  const d = compileDistribution({ kind: "lognormal", mean_ns: mean, sigma });
  const s = RandomStream.derive(5, 0, "dist/lognormal");
  const [lm, hlm] = batchInterval(() => d.sample(s));
  assert.ok(Math.abs(lm - mean) <= hlm, `lognormal mean ${lm} ± ${hlm}`);
  const want = mean * mean * (Math.exp(sigma * sigma) - 1);
  const [lv, hlv] = batchInterval(() => (d.sample(s) - mean) ** 2);
  assert.ok(Math.abs(lv - want) <= hlv, `lognormal variance ${lv} ± ${hlv} (want ${want})`);
  // The intervals are tight enough to tell a wrong variance from the right one (5%).
  assert.ok(hv < 0.05 && hlv < 0.05 * want, `${hv} ${hlv}`);
});
