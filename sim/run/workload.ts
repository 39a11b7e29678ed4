/**
 * Workloads: arrival processes (poisson, periodic, onoff, trace replay), the
 * popularity of ports inside a group, and service times.
 *
 * Each group draws from its own named random streams (`arrival/<group>`,
 * `select/<group>`, `service/<group>`), derived from the replication and not
 * from the ABI: two ABIs in one replication see the same arrival sequence
 * (common random numbers). Ports are chosen by their index in the group's
 * request, so a port that failed to bind under one ABI does not shift the
 * choices made for the others.
 *
 * @module
 */

import type { Engine } from "../engine/engine.ts";
import { EV_ARRIVAL } from "./events.ts";
import {
  DIST_CONST,
  DIST_EXP,
  DIST_LOGNORMAL,
  DIST_PARETO,
  DIST_UNIFORM,
  Distribution,
  RandomStream,
} from "../engine/random.ts";
import type { CountSpec, DistributionSpec, Scenario } from "../scenario/scenario.ts";
import { loadTrace, type Trace } from "../scenario/trace_file.ts";

const SRC_POISSON = 0;
const SRC_PERIODIC = 1;
const SRC_ONOFF = 2;
const SRC_TRACE = 3;

/**
 * Compile a distribution spec (ns) into a sampler.
 *
 * @example
 * ```ts
 * import { compileDistribution } from "./workload.ts";
 * const d = compileDistribution({ kind: "lognormal", mean_ns: 2000, sigma: 0.5 });
 * console.log(Math.round(d.mean())); // 2000
 * ```
 */
export function compileDistribution(spec: DistributionSpec): Distribution {
  switch (spec.kind) {
    case "const":
      return new Distribution(DIST_CONST, spec.ns, 0);
    case "exp":
      return new Distribution(DIST_EXP, spec.mean_ns, 0);
    case "uniform":
      return new Distribution(DIST_UNIFORM, spec.min_ns, spec.max_ns);
    case "lognormal":
      // mean = exp(mu + sigma^2/2)
      return new Distribution(
        DIST_LOGNORMAL,
        Math.log(spec.mean_ns) - spec.sigma * spec.sigma / 2,
        spec.sigma,
      );
    case "pareto":
      return new Distribution(DIST_PARETO, spec.min_ns, spec.alpha);
  }
}

/**
 * Compile a count spec into a sampler of non-negative integers (work items
 * per event): `const` gives `n`; `geometric` draws on 1, 2, ... with the
 * given mean by inversion, without allocation.
 *
 * @example
 * ```ts
 * import { compileCount } from "./workload.ts";
 * import { RandomStream } from "../engine/random.ts";
 * const draw = compileCount({ kind: "const", n: 3 });
 * console.log(draw(RandomStream.derive(1, 0, "x"))); // 3
 * ```
 */
export function compileCount(spec: CountSpec): (r: RandomStream) => number {
  if (spec.kind === "const") {
    const n = spec.n;
    return () => n;
  }
  const p = 1 / spec.mean;
  if (p >= 1) return () => 1;
  const lq = Math.log(1 - p);
  return (r) => 1 + Math.floor(Math.log(r.uniformPositive()) / lq);
}

/** The port layout the workload raises into. */
export interface WorkloadPorts {
  /** Per group: ports in request order (bound ones; index i is request i). */
  groupPorts: readonly Int32Array[];
  /** Per group: number of ports requested. */
  groupRequested: readonly number[];
  /** Per port: group index or -1 (for raw-port traces). */
  portGroup: Int32Array;
}

/**
 * The arrival sources of a run. Each source schedules EV_ARRIVAL events with
 * its index; {@linkcode Workload.fire} returns the port to raise and schedules
 * the source's next arrival.
 *
 * @example
 * ```ts
 * import { Workload } from "./workload.ts";
 * import { Engine } from "../engine/engine.ts";
 * import { parseScenario } from "../scenario/scenario.ts";
 * const s = parseScenario({ name: "w", groups: [{ name: "g", ports: 2,
 *   arrival: { kind: "periodic", period_us: 10 }, service: { kind: "const", ns: 1 } }] }, "w");
 * const e = new Engine();
 * const w = new Workload(s, { groupPorts: [Int32Array.of(1, 2)], groupRequested: [2],
 *   portGroup: Int32Array.of(-1, 0, 0) }, e, 0);
 * w.start();
 * console.log(e.size); // 2
 * ```
 */
export class Workload {
  readonly #engine: Engine;
  readonly #ports: WorkloadPorts;
  // per source
  readonly #kind: Uint8Array;
  readonly #group: Int32Array;
  readonly #index: Int32Array;
  readonly #state: Uint8Array;
  readonly #stateEnd: Float64Array;
  readonly #pos: Int32Array;
  // per group
  readonly #arrivalRng: RandomStream[];
  readonly #selectRng: RandomStream[];
  readonly #serviceRng: RandomStream[];
  readonly #service: Distribution[];
  readonly #rate: Float64Array; // poisson rate, or onoff on-rate (per ns)
  readonly #offRate: Float64Array;
  readonly #onMean: Float64Array;
  readonly #offMean: Float64Array;
  readonly #period: Float64Array;
  readonly #jitter: Float64Array;
  readonly #zipfCdf: (Float64Array | null)[];
  readonly #traces: (Trace | null)[];
  readonly #scenario: Scenario;

  /** Build the sources of `s` over `ports`, drawing from replication `replication`'s streams. */
  constructor(s: Scenario, ports: WorkloadPorts, engine: Engine, replication: number) {
    this.#scenario = s;
    this.#engine = engine;
    this.#ports = ports;
    const names = s.groups.map((g) => g.name);
    const derive = (what: string, g: string) =>
      RandomStream.derive(s.seed, replication, `${what}/${g}`);
    this.#arrivalRng = names.map((n) => derive("arrival", n));
    this.#selectRng = names.map((n) => derive("select", n));
    this.#serviceRng = names.map((n) => derive("service", n));
    this.#service = s.groups.map((g) => compileDistribution(g.service));
    const G = s.groups.length;
    this.#rate = new Float64Array(G);
    this.#offRate = new Float64Array(G);
    this.#onMean = new Float64Array(G);
    this.#offMean = new Float64Array(G);
    this.#period = new Float64Array(G);
    this.#jitter = new Float64Array(G);
    this.#zipfCdf = [];
    this.#traces = [];
    const kinds: number[] = [], groups: number[] = [], idx: number[] = [];
    s.groups.forEach((g, gi) => {
      const a = g.arrival;
      const n = ports.groupRequested[gi];
      this.#zipfCdf.push(g.popularity.kind === "zipf" ? zipfCdf(n, g.popularity.s) : null);
      this.#traces.push(a.kind === "trace" ? loadTrace(a.file, names) : null);
      switch (a.kind) {
        case "poisson":
          this.#rate[gi] = a.rate_per_s / 1e9;
          kinds.push(SRC_POISSON), groups.push(gi), idx.push(0);
          break;
        case "periodic":
          this.#period[gi] = a.period_us * 1e3;
          this.#jitter[gi] = a.jitter_us * 1e3;
          for (let i = 0; i < n; i++) kinds.push(SRC_PERIODIC), groups.push(gi), idx.push(i);
          break;
        case "onoff":
          this.#rate[gi] = a.on_rate_per_s / 1e9;
          this.#offRate[gi] = a.off_rate_per_s / 1e9;
          this.#onMean[gi] = a.on_ms * 1e6;
          this.#offMean[gi] = a.off_ms * 1e6;
          kinds.push(SRC_ONOFF), groups.push(gi), idx.push(0);
          break;
        case "trace":
          kinds.push(SRC_TRACE), groups.push(gi), idx.push(0);
          break;
      }
    });
    this.#kind = Uint8Array.from(kinds);
    this.#group = Int32Array.from(groups);
    this.#index = Int32Array.from(idx);
    const S = kinds.length;
    this.#state = new Uint8Array(S);
    this.#stateEnd = new Float64Array(S);
    this.#pos = new Int32Array(S);
  }

  /** Number of arrival sources. */
  get sources(): number {
    return this.#kind.length;
  }

  /** Schedule every source's first arrival. */
  start(): void {
    const e = this.#engine;
    for (let src = 0; src < this.#kind.length; src++) {
      const g = this.#group[src];
      const r = this.#arrivalRng[g];
      switch (this.#kind[src]) {
        case SRC_POISSON:
          e.schedule(e.now + r.exponential(1 / this.#rate[g]), EV_ARRIVAL, src, 0);
          break;
        case SRC_PERIODIC: // a uniform random phase per port
          e.schedule(e.now + r.uniform() * this.#period[g], EV_ARRIVAL, src, 0);
          break;
        case SRC_ONOFF:
          this.#state[src] = 1;
          this.#stateEnd[src] = e.now + r.exponential(this.#onMean[g]);
          this.#scheduleOnOff(src, g);
          break;
        default: {
          const t = this.#traces[g]!;
          if (t.time.length > 0) e.schedule(t.time[0], EV_ARRIVAL, src, 0);
        }
      }
    }
  }

  #scheduleOnOff(src: number, g: number): void {
    const e = this.#engine;
    const r = this.#arrivalRng[g];
    let now = e.now;
    for (;;) {
      const on = this.#state[src] === 1;
      const rate = on ? this.#rate[g] : this.#offRate[g];
      const next = rate > 0 ? now + r.exponential(1 / rate) : Infinity;
      const end = this.#stateEnd[src];
      if (next < end) {
        e.schedule(next, EV_ARRIVAL, src, 0);
        return;
      }
      // State switch first (memoryless: redraw the arrival from the switch).
      now = end;
      this.#state[src] = on ? 0 : 1;
      this.#stateEnd[src] = end + r.exponential(on ? this.#offMean[g] : this.#onMean[g]);
    }
  }

  /** Handle source `src` firing now: returns the port to raise (or -1) and schedules the next arrival. */
  fire(src: number): number {
    const e = this.#engine;
    const g = this.#group[src];
    const r = this.#arrivalRng[g];
    let index: number;
    switch (this.#kind[src]) {
      case SRC_POISSON:
        e.schedule(e.now + r.exponential(1 / this.#rate[g]), EV_ARRIVAL, src, 0);
        index = this.#pick(g);
        break;
      case SRC_PERIODIC: {
        const j = this.#jitter[g];
        const next = this.#period[g] + (j > 0 ? (r.uniform() * 2 - 1) * j : 0);
        e.schedule(e.now + (next > 0 ? next : 0), EV_ARRIVAL, src, 0);
        index = this.#index[src];
        break;
      }
      case SRC_ONOFF:
        this.#scheduleOnOff(src, g);
        index = this.#pick(g);
        break;
      default: {
        const t = this.#traces[g]!;
        const pos = this.#pos[src]++;
        if (pos + 1 < t.time.length) e.schedule(t.time[pos + 1], EV_ARRIVAL, src, 0);
        const tg = t.group[pos];
        if (tg < 0) {
          const port = t.target[pos];
          return port < this.#ports.portGroup.length && this.#ports.portGroup[port] >= 0
            ? port
            : -1;
        }
        const list = this.#ports.groupPorts[tg];
        return t.target[pos] < list.length ? list[t.target[pos]] : -1;
      }
    }
    const list = this.#ports.groupPorts[g];
    return index < list.length ? list[index] : -1;
  }

  /** The request index of the port a group's aggregate arrival goes to. */
  #pick(g: number): number {
    const n = this.#ports.groupRequested[g];
    const cdf = this.#zipfCdf[g];
    const u = this.#selectRng[g].uniform();
    if (cdf === null) return Math.floor(u * n);
    let lo = 0, hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Draw a service time (ns) for group `g`. */
  serviceTime(g: number): number {
    return this.#service[g].sample(this.#serviceRng[g]);
  }

  /** The expected arrival rate of group `g` in events per second (trace: entries over the run). */
  expectedRate(g: number): number {
    const a = this.#scenario.groups[g].arrival;
    switch (a.kind) {
      case "poisson":
        return a.rate_per_s;
      case "periodic":
        return this.#ports.groupRequested[g] * 1e6 / a.period_us;
      case "onoff":
        return (a.on_rate_per_s * a.on_ms + a.off_rate_per_s * a.off_ms) / (a.on_ms + a.off_ms);
      case "trace":
        return this.#traces[g]!.time.length /
          ((this.#scenario.warmup_ms + this.#scenario.duration_ms) / 1e3);
    }
  }
}

/** The cumulative distribution of a Zipf law with exponent `s` over `n` ranks. */
export function zipfCdf(n: number, s: number): Float64Array {
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += 1 / Math.pow(i + 1, s);
    cdf[i] = acc;
  }
  for (let i = 0; i < n; i++) cdf[i] /= acc;
  cdf[n - 1] = 1;
  return cdf;
}
