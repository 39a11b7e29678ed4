/**
 * Seeded, named, independent random streams and the distributions drawn from them.
 *
 * Each stream is a xoroshiro128+ generator (`npm:pure-rand`) whose whole
 * 128-bit state is taken from SHA-256 of (master seed, run index, stream
 * name): streams are derived by hashing, never by arithmetic on the seed, so
 * adding a stream or a replication never shifts another one.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";

type Xoro = ReturnType<typeof xoroshiro128plusFromState>;

/** A 2^-53 scale. */
const TWO_M53 = 1 / 9007199254740992;

/**
 * One named random stream.
 *
 * @example
 * ```ts
 * import { RandomStream } from "./random.ts";
 * const r = RandomStream.derive(1, 0, "arrivals/net");
 * const u = r.uniform(); // in [0, 1)
 * const x = r.exponential(2000); // mean 2000
 * ```
 */
export class RandomStream {
  #g: Xoro;

  private constructor(g: Xoro) {
    this.#g = g;
  }

  /** The stream for (master seed, run index, name), with its state hashed from all three. */
  static derive(masterSeed: number, runIndex: number, name: string): RandomStream {
    const words = hashWords(`evtchn-sim/stream\u0000${masterSeed}\u0000${runIndex}\u0000${name}`);
    // xoroshiro128+ must not start from the all-zero state.
    if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
    return new RandomStream(xoroshiro128plusFromState(words));
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const g = this.#g;
    const hi = g.next() >>> 5; // 27 bits
    const lo = g.next() >>> 6; // 26 bits
    return (hi * 67108864 + lo) * TWO_M53;
  }

  /** A uniform double in (0, 1], safe for logarithms. */
  uniformPositive(): number {
    return 1 - this.uniform();
  }

  /** An integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A raw 32-bit unsigned value. */
  uint32(): number {
    return this.#g.next() >>> 0;
  }

  /** An exponential variate with the given mean. */
  exponential(mean: number): number {
    return -Math.log(this.uniformPositive()) * mean;
  }

  /** A standard normal variate (Box–Muller, one of the pair). */
  normal(): number {
    const u1 = this.uniformPositive();
    const u2 = this.uniform();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}

/** SHA-256 of a string, as four signed 32-bit words (the generator state). */
function hashWords(text: string): number[] {
  const d = createHash("sha256").update(text).digest();
  return [d.readInt32LE(0), d.readInt32LE(4), d.readInt32LE(8), d.readInt32LE(12)];
}

/**
 * A 32-bit seed derived by hashing (master seed, label): used to show a
 * replication's seed in results without arithmetic on the master seed.
 *
 * @example
 * ```ts
 * import { deriveSeed } from "./random.ts";
 * console.log(deriveSeed(1, "replication/0") === deriveSeed(1, "replication/0")); // true
 * ```
 */
export function deriveSeed(masterSeed: number, label: string): number {
  return hashWords(`evtchn-sim/seed\u0000${masterSeed}\u0000${label}`)[0] >>> 0;
}

/** A distribution kind id, for allocation-free sampling in the hot path. */
export const DIST_CONST = 0;
/** Exponential distribution id. */
export const DIST_EXP = 1;
/** Uniform distribution id. */
export const DIST_UNIFORM = 2;
/** Lognormal distribution id. */
export const DIST_LOGNORMAL = 3;
/** Pareto distribution id. */
export const DIST_PARETO = 4;

/**
 * A compiled distribution over non-negative reals: a kind id and two
 * parameters, sampled without allocation.
 *
 * - const: p1 = value
 * - exp: p1 = mean
 * - uniform: [p1, p2)
 * - lognormal: p1 = mu, p2 = sigma of the underlying normal
 * - pareto: p1 = scale (minimum), p2 = shape alpha
 *
 * @example
 * ```ts
 * import { Distribution, DIST_EXP, RandomStream } from "./random.ts";
 * const d = new Distribution(DIST_EXP, 1500, 0);
 * const x = d.sample(RandomStream.derive(1, 0, "service"));
 * console.log(d.mean()); // 1500
 * ```
 */
export class Distribution {
  /** Build a distribution of `kind` with parameters `p1`, `p2` (see the class doc). */
  constructor(readonly kind: number, readonly p1: number, readonly p2: number) {}

  /** Draw one value from `r`. */
  sample(r: RandomStream): number {
    switch (this.kind) {
      case DIST_CONST:
        return this.p1;
      case DIST_EXP:
        return r.exponential(this.p1);
      case DIST_UNIFORM:
        return this.p1 + (this.p2 - this.p1) * r.uniform();
      case DIST_LOGNORMAL:
        return Math.exp(this.p1 + this.p2 * r.normal());
      default: // DIST_PARETO
        return this.p1 / Math.pow(r.uniformPositive(), 1 / this.p2);
    }
  }

  /** The distribution's mean (Infinity for a Pareto with alpha <= 1). */
  mean(): number {
    switch (this.kind) {
      case DIST_CONST:
        return this.p1;
      case DIST_EXP:
        return this.p1;
      case DIST_UNIFORM:
        return (this.p1 + this.p2) / 2;
      case DIST_LOGNORMAL:
        return Math.exp(this.p1 + this.p2 * this.p2 / 2);
      default:
        return this.p2 > 1 ? this.p1 * this.p2 / (this.p2 - 1) : Infinity;
    }
  }

  /** The second moment E[X^2] (Infinity where it does not exist). */
  secondMoment(): number {
    switch (this.kind) {
      case DIST_CONST:
        return this.p1 * this.p1;
      case DIST_EXP:
        return 2 * this.p1 * this.p1;
      case DIST_UNIFORM: {
        const a = this.p1, b = this.p2;
        return (a * a + a * b + b * b) / 3;
      }
      case DIST_LOGNORMAL:
        return Math.exp(2 * this.p1 + 2 * this.p2 * this.p2);
      default:
        return this.p2 > 2 ? this.p1 * this.p1 * this.p2 / (this.p2 - 2) : Infinity;
    }
  }
}
