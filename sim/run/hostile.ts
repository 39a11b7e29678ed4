/**
 * The hostile-guest process (scenario key `hostile`): at `rate_per_s`
 * (Poisson), the guest writes an arbitrary 32-bit value into its own shared
 * memory through the model's {@linkcode EventChannelAbi.corrupt}: FIFO event
 * words (flags and LINK), READY and HEAD; 2-level/3-level pending, mask and
 * selector words. Values and positions come from the named random stream
 * `hostile`, so a hostile run is as reproducible as any other.
 *
 * What it checks, run after run: the Xen side of the model keeps bounded work
 * per operation, never throws and never touches a port outside the domain,
 * and the guest loses only its own events. Instances a write destroys (a
 * pending bit cleared before the handler ran) are counted as `dropped` at
 * once, so `raised = delivered + coalesced + pending_at_end + dropped` holds;
 * instances a corrupted queue or selector strands stay pending and are
 * counted in `pending_at_end`, as a real guest would leave them.
 *
 * @module
 */

import {
  type EventChannelAbi,
  SHARED_BITMAPS,
  SHARED_CONTROL,
  SHARED_EVENT_WORDS,
  SHARED_LINK_RACE,
} from "../../models/abi.ts";
import type { Engine } from "../engine/engine.ts";
import { EV_HOSTILE } from "./events.ts";
import type { Metrics } from "./metrics.ts";
import { RandomStream } from "../engine/random.ts";

/** The scenario's `hostile` block. */
export interface HostileSpec {
  /** Writes per second of simulated time (Poisson). */
  rate_per_s: number;
  /** Which shared structures the guest writes. */
  targets: readonly ("event_words" | "control" | "bitmaps")[];
}

const TARGET_CODES: Record<HostileSpec["targets"][number], number> = {
  event_words: SHARED_EVENT_WORDS,
  control: SHARED_CONTROL,
  bitmaps: SHARED_BITMAPS,
};

/**
 * A guest that scribbles on its own shared memory.
 *
 * @example
 * ```ts
 * import { Engine } from "../engine/engine.ts";
 * import { Metrics } from "./metrics.ts";
 * import { HostileGuest } from "./hostile.ts";
 * import { createAbi } from "../../models/registry.ts";
 * import { DEFAULT_COSTS } from "../../models/costs.ts";
 * const abi = createAbi("fifo", { vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS });
 * abi.bind(1, 0);
 * const e = new Engine();
 * const m = new Metrics({ ports: abi.maxPorts, vcpus: 1, groupNames: ["g"],
 *   portGroup: new Int32Array(abi.maxPorts).fill(-1), starvationNs: 1e7 });
 * const h = new HostileGuest(abi, e, m, m.layout.portGroup,
 *   { rate_per_s: 1e6, targets: ["event_words", "control"] }, 1, 0);
 * h.start();
 * e.run(1e5, { handle: () => h.fire() });
 * console.log(h.writes > 50); // true
 * ```
 */
export class HostileGuest {
  /** Writes made so far. */
  writes = 0;
  /** Instances the writes destroyed (measured or not). */
  lost = 0;
  readonly #abi: EventChannelAbi;
  readonly #engine: Engine;
  readonly #metrics: Metrics;
  readonly #portGroup: Int32Array;
  readonly #targets: Int32Array;
  readonly #meanNs: number;
  readonly #rng: RandomStream;

  /** A hostile guest of `abi` writing at `spec.rate_per_s`, with stream `hostile` of (seed, replication). */
  constructor(
    abi: EventChannelAbi,
    engine: Engine,
    metrics: Metrics,
    portGroup: Int32Array,
    spec: HostileSpec,
    seed: number,
    replication: number,
  ) {
    this.#abi = abi;
    this.#engine = engine;
    this.#metrics = metrics;
    this.#portGroup = portGroup;
    this.#targets = Int32Array.from(spec.targets.map((t) => TARGET_CODES[t]));
    this.#meanNs = 1e9 / spec.rate_per_s;
    this.#rng = RandomStream.derive(seed, replication, "hostile");
  }

  /** Schedule the first write. */
  start(): void {
    const e = this.#engine;
    e.schedule(e.now + this.#rng.exponential(this.#meanNs), EV_HOSTILE, 0, 0);
  }

  /**
   * One write (the EV_HOSTILE event): a target among the scenario's, a word
   * anywhere in it, and a value that is fully random half of the time and
   * otherwise random flags over a small LINK/port-sized field (to hit real
   * ports and build plausible-looking lists). Writes to `event_words` are
   * sometimes a race on Xen's next set_link instead. Then the next write is
   * scheduled.
   */
  fire(): void {
    const r = this.#rng, abi = this.#abi;
    let target = this.#targets[r.int(this.#targets.length)];
    if (target === SHARED_EVENT_WORDS && r.uniform() < 0.25) target = SHARED_LINK_RACE;
    const index = r.uint32();
    const raw = r.uint32();
    const value = r.uniform() < 0.5 ? raw : ((raw & 0xf0000000) | r.int(4096)) >>> 0;
    this.writes++;
    if (abi.corrupt !== undefined) {
      const n = abi.corrupt(target, index, value);
      const lostPorts = abi.lostPorts;
      for (let i = 0; i < n && lostPorts !== undefined; i++) {
        const port = lostPorts[i];
        const g = port < this.#portGroup.length ? this.#portGroup[port] : -1;
        this.lost++;
        if (g >= 0) this.#metrics.onLost(port, g);
      }
    }
    const e = this.#engine;
    e.schedule(e.now + r.exponential(this.#meanNs), EV_HOSTILE, 0, 0);
  }
}
