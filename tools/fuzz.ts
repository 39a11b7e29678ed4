/**
 * Fuzzing the ABI models: random sequences of hypercalls (bind, close,
 * set_priority, bind_vcpu, expand_array, unmask through `models/hypercalls.ts`),
 * Xen raises, guest-side upcall passes (beginUpcall, next, ack, mask) and,
 * for a hostile guest, arbitrary writes into the shared memory
 * (`EventChannelAbi.corrupt`).
 *
 * {@linkcode FuzzHarness} applies one operation at a time and checks, after
 * each: nothing throws; the Xen-side `steps` of the operation stay below the
 * ABI's constant bound ({@linkcode xenStepBound}); every port `next` returns
 * is a real port; an upcall pass ends. For a well-behaved guest (no corrupt
 * operations) it also keeps the books of every event instance: a raise with
 * outcome NEW opens one, `next` + `ack` delivers it, a close discards it, and
 * at the end every instance still open must still be pending in the model.
 *
 * `tests/models/fuzz_test.ts` drives it with fast-check (a few seconds per
 * ABI); `deno task fuzz` runs the long variant: 10^6 operations per ABI and
 * mode from a seeded stream, printing the operation counts and the largest
 * Xen-side steps seen.
 *
 * @module
 */

import { RandomStream } from "../sim/engine/random.ts";
import {
  type EventChannelAbi,
  PRIORITIES,
  RAISE_COALESCED,
  RAISE_DROPPED,
  RAISE_NEW,
} from "../models/abi.ts";
import { DEFAULT_COSTS } from "../models/costs.ts";
import { FIFO_CONSUME_LIMIT, FIFO_WORDS_PER_PAGE } from "../models/fifo.ts";
import { Domain } from "../models/hypercalls.ts";
import { ABI_IDS, createAbi } from "../models/registry.ts";

/** Operation kinds; an operation is `[kind, a, b, c]`. */
export const OP = {
  /** Domain.bind(vcpu = a). */
  BIND: 0,
  /** Domain.close(port a). */
  CLOSE: 1,
  /** abi.raise(port a) (Xen's send path). */
  RAISE: 2,
  /** abi.mask(port a) (guest). */
  MASK: 3,
  /** Domain.unmask(port a) (EVTCHNOP_unmask). */
  UNMASK: 4,
  /** Domain.setPriority(port a, priority b). */
  SET_PRIORITY: 5,
  /** Domain.bindVcpu(port a, vcpu b). */
  BIND_VCPU: 6,
  /** Domain.expandArray(). */
  EXPAND: 7,
  /** abi.corrupt(target a, index b, value c) (hostile guest only). */
  CORRUPT: 8,
  /** A whole upcall on vcpu a: beginUpcall, next + ack until -1, repeated while upcall_pending. */
  UPCALL: 9,
  /** One next (+ ack) on vcpu a. */
  NEXT: 10,
  /** beginUpcall on vcpu a. */
  BEGIN: 11,
} as const;

/** Number of operation kinds. */
export const OP_KINDS = 12;

/** One operation: kind and three integer arguments. */
export type Op = readonly [number, number, number, number];

/**
 * The largest Xen-side `steps` one operation of `abi` may take: 2-level 2,
 * 3-level 3 (the pending bit, then one per selector level), FIFO 5 (one set_link cmpxchg plus at most
 * 4 retries with BUSY, dae2a1c5f9), fifo:naive-link the event-array size plus
 * 5 (its hardened list walk visits each word at most once).
 *
 * @example
 * ```ts
 * import { xenStepBound } from "./fuzz.ts";
 * import { createAbi } from "../models/registry.ts";
 * import { DEFAULT_COSTS } from "../models/costs.ts";
 * console.log(xenStepBound(createAbi("fifo", { vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }))); // 5
 * ```
 */
export function xenStepBound(abi: EventChannelAbi): number {
  if (abi.id === "fifo:naive-link") {
    const pages = (abi as unknown as { pages: number }).pages;
    return pages * FIFO_WORDS_PER_PAGE + 5;
  }
  if (abi.id.startsWith("fifo")) return 5;
  if (abi.id.startsWith("3l")) return 3;
  return 2;
}

/** Figures of a fuzz session. */
export interface FuzzStats {
  /** Operations applied. */
  ops: number;
  /** Largest Xen-side steps of one operation. */
  maxXenSteps: number;
  /** Largest guest-side steps of one `next` call. */
  maxGuestSteps: number;
  /** Raises by outcome. */
  raisedNew: number;
  /** Raises that coalesced. */
  coalesced: number;
  /** Raises the model dropped (unbound ports, exhausted retries, corrupted lists). */
  dropped: number;
  /** Instances delivered by next + ack. */
  delivered: number;
  /** Instances discarded by closing their port. */
  closedPending: number;
  /** Instances a hostile write destroyed (reported by corrupt). */
  lost: number;
  /** Ports next returned with no open instance (stale 2/3-level snapshots, hostile writes). */
  spurious: number;
  /** Hostile writes applied. */
  corruptions: number;
}

/** Figures of a fuzz session that has not started. */
function emptyStats(): FuzzStats {
  return {
    ops: 0,
    maxXenSteps: 0,
    maxGuestSteps: 0,
    raisedNew: 0,
    coalesced: 0,
    dropped: 0,
    delivered: 0,
    closedPending: 0,
    lost: 0,
    spurious: 0,
    corruptions: 0,
  };
}

/** A broken invariant, with the operation that broke it. */
export class FuzzFailure extends Error {
  /** Build the failure message for operation number `index`. */
  constructor(abi: string, index: number, op: Op | null, what: string) {
    super(`${abi}: op #${index}${op ? ` [${op.join(", ")}]` : ""}: ${what}`);
    this.name = "FuzzFailure";
  }
}

/**
 * Applies operations to one ABI model behind a {@linkcode Domain} and checks
 * the invariants after each.
 *
 * @example
 * ```ts
 * import { FuzzHarness, OP } from "./fuzz.ts";
 * const h = new FuzzHarness("fifo", 2, false);
 * h.apply([OP.BIND, 0, 0, 0]);
 * h.apply([OP.RAISE, 1, 0, 0]);
 * h.apply([OP.UPCALL, 0, 0, 0]);
 * h.finish();
 * console.log(h.stats.delivered); // 1
 * ```
 */
export class FuzzHarness {
  /** The model. */
  readonly abi: EventChannelAbi;
  /** The hypercall layer over it. */
  readonly domain: Domain;
  /** Figures so far. */
  readonly stats: FuzzStats = emptyStats();
  readonly #id: string;
  readonly #hostile: boolean;
  readonly #vcpus: number;
  /** Per port: 1 while an instance is open (raised NEW, not yet delivered). */
  readonly #open: Uint8Array;
  /** Per VCPU: 1 from beginUpcall until next returns -1 (a pass in progress). */
  readonly #inPass: Uint8Array;
  #index = 0;
  #op: Op | null = null;

  /** A fresh model `id` with `vcpus` VCPUs; `hostile` allows CORRUPT and relaxes the books. */
  constructor(id: string, vcpus: number, hostile: boolean) {
    this.#id = id;
    this.#hostile = hostile;
    this.#vcpus = vcpus;
    this.abi = createAbi(id, { vcpus, wordBits: 64, costs: DEFAULT_COSTS });
    this.domain = new Domain(this.abi);
    this.#open = new Uint8Array(this.abi.maxPorts);
    this.#inPass = new Uint8Array(vcpus);
    if (this.domain.isFifo) {
      for (let v = 0; v < vcpus; v++) this.domain.initControl(v);
    }
  }

  #fail(what: string): never {
    throw new FuzzFailure(this.#id, this.#index, this.#op, what);
  }

  /** Map an argument to a port: mostly the low ports a domain binds, sometimes anything. */
  static port(a: number): number {
    return a >= 0 && a < 1 << 16 ? a % 48 : a;
  }

  #xen(): void {
    const s = this.abi.steps;
    if (s > this.stats.maxXenSteps) this.stats.maxXenSteps = s;
    const bound = xenStepBound(this.abi);
    if (!(s <= bound)) this.#fail(`Xen-side steps ${s} above the bound ${bound}`);
  }

  #deliver(v: number, port: number): void {
    const abi = this.abi;
    const g = abi.steps;
    if (g > this.stats.maxGuestSteps) this.stats.maxGuestSteps = g;
    if (port < 0) {
      this.#inPass[v] = 0;
      return;
    }
    if (!(port >= 1 && port < abi.maxPorts) || port !== Math.trunc(port)) {
      this.#fail(`next(${v}) returned ${port}, not a port`);
    }
    abi.ack(port);
    if (this.#open[port] === 1) {
      this.#open[port] = 0;
      this.stats.delivered++;
    } else {
      this.stats.spurious++;
      // FIFO checks P at consume time: a well-behaved guest never sees a spurious port.
      if (!this.#hostile && abi.hasPriorities) {
        this.#fail(`next(${v}) returned port ${port} with no pending instance`);
      }
    }
  }

  /** Apply one operation and check the invariants. */
  apply(op: Op): void {
    this.#op = op;
    this.stats.ops++;
    const d = this.domain, abi = this.abi, V = this.#vcpus;
    const [kind, a, b, c] = op;
    abi.steps = 0; // the hypercall layer may return before calling the model
    const vcpu = ((a % (V + 1)) + (V + 1)) % (V + 1); // sometimes one past the last VCPU
    switch (kind) {
      case OP.BIND: {
        const p = d.bind(vcpu);
        this.#xen();
        if (p > 0 && !this.#hostile) {
          if (this.#open[p] !== 0) this.#fail(`bind reused port ${p} with an open instance`);
          if (abi.isPending(p)) this.#fail(`bind returned port ${p} still pending`);
        }
        break;
      }
      case OP.CLOSE: {
        const p = FuzzHarness.port(a);
        const rc = d.close(p);
        this.#xen();
        if (rc === 0 && this.#open[p] === 1) {
          this.#open[p] = 0;
          this.stats.closedPending++;
        }
        break;
      }
      case OP.RAISE: {
        const p = FuzzHarness.port(a);
        abi.raise(p);
        this.#xen();
        const o = abi.outcome;
        const mine = p >= 1 && p < abi.maxPorts && d.bound[p] === 1;
        if (o === RAISE_NEW) {
          this.stats.raisedNew++;
          if (!mine) this.#fail(`raise on port ${p}, not bound, made a new instance`);
          if (this.#open[p] === 1 && !this.#hostile) {
            this.#fail(`raise on port ${p} made a new instance while one was open`);
          }
          this.#open[p] = 1;
        } else if (o === RAISE_COALESCED) {
          this.stats.coalesced++;
          if (!mine) this.#fail(`raise on port ${p}, not bound, coalesced`);
          if (this.#open[p] !== 1 && !this.#hostile) {
            this.#fail(`raise on port ${p} coalesced with no open instance`);
          }
        } else if (o === RAISE_DROPPED) {
          this.stats.dropped++;
          if (mine && !this.#hostile) this.#fail(`raise on bound port ${p} was dropped`);
        } else this.#fail(`raise outcome ${o}`);
        break;
      }
      case OP.MASK: {
        const p = FuzzHarness.port(a);
        // A well-behaved guest masks only its own ports.
        if (this.#hostile || (p >= 1 && p < abi.maxPorts && d.bound[p] === 1)) abi.mask(p);
        break;
      }
      case OP.UNMASK:
        d.unmask(FuzzHarness.port(a));
        this.#xen();
        break;
      case OP.SET_PRIORITY:
        d.setPriority(FuzzHarness.port(a), b % (PRIORITIES + 1));
        this.#xen();
        break;
      case OP.BIND_VCPU:
        d.bindVcpu(FuzzHarness.port(a), ((b % (V + 1)) + V + 1) % (V + 1));
        this.#xen();
        break;
      case OP.EXPAND:
        d.expandArray();
        this.#xen();
        break;
      case OP.CORRUPT: {
        if (!this.#hostile || abi.corrupt === undefined) break;
        this.stats.corruptions++;
        const n = abi.corrupt(a & 3, b, c);
        for (let i = 0; i < n; i++) {
          const p = abi.lostPorts![i];
          if (this.#open[p] === 1) {
            this.#open[p] = 0;
            this.stats.lost++;
          }
        }
        break;
      }
      case OP.UPCALL:
        this.upcall(vcpu % V);
        break;
      case OP.NEXT: {
        const v = vcpu % V;
        this.#deliver(v, abi.next(v));
        break;
      }
      case OP.BEGIN: {
        // The guest contract: a pass, once begun, runs until next returns -1 before
        // the next beginUpcall (Linux runs the loop with events disabled). Only a
        // hostile guest breaks it (2/3-level then lose the abandoned snapshot's edges).
        const v = vcpu % V;
        if (this.#inPass[v] === 1 && !this.#hostile) break;
        abi.beginUpcall(v);
        this.#inPass[v] = 1;
        break;
      }
      default:
        this.#fail(`unknown operation kind ${kind}`);
    }
    this.#index++;
  }

  /**
   * One whole upcall on `v`: beginUpcall, next + ack until -1, repeated while
   * evtchn_upcall_pending is set. Fails if a pass or the loop does not end.
   */
  upcall(v: number): void {
    const abi = this.abi;
    // Entries on queues are finite and each pass consumes at least one, or yields
    // after FIFO_CONSUME_LIMIT: these limits are far above any legitimate need.
    const maxPerPass = 4 * abi.maxPorts;
    for (let pass = 0;; pass++) {
      if (pass > 2 + abi.maxPorts / FIFO_CONSUME_LIMIT) this.#fail(`upcall on ${v} never ends`);
      // A well-behaved guest first finishes a pass in progress.
      if (this.#inPass[v] === 0 || this.#hostile) abi.beginUpcall(v);
      this.#inPass[v] = 1;
      for (let k = 0;; k++) {
        if (k > maxPerPass) this.#fail(`an upcall pass on ${v} never ends`);
        const p = abi.next(v);
        this.#deliver(v, p);
        if (p < 0) break;
      }
      if (!abi.upcallPending(v)) break;
    }
  }

  /**
   * Drain every VCPU, then check the books (well-behaved guest): every open
   * instance is still pending in the model, and raised NEW = delivered +
   * closed + still open (+ lost, hostile).
   */
  finish(): void {
    this.#op = null;
    for (let v = 0; v < this.#vcpus; v++) this.upcall(v);
    let open = 0;
    for (let p = 0; p < this.#open.length; p++) {
      if (this.#open[p] !== 1) continue;
      open++;
      if (!this.#hostile && !this.abi.isPending(p)) {
        this.#fail(`port ${p} has an open instance but is not pending (lost)`);
      }
    }
    const s = this.stats;
    if (!this.#hostile && s.raisedNew !== s.delivered + s.closedPending + open) {
      this.#fail(
        `books do not balance: new ${s.raisedNew} != delivered ${s.delivered} + ` +
          `closed ${s.closedPending} + pending ${open}`,
      );
    }
  }
}

/** Operation-kind weights (out of 100) of the long run, by kind; CORRUPT only when hostile. */
const WEIGHTS = [8, 4, 34, 4, 5, 3, 3, 1, 8, 10, 14, 6];

/**
 * A random operation from `r`, with the kind weights above.
 *
 * @example
 * ```ts
 * import { randomOp } from "./fuzz.ts";
 * let s = 1;
 * const op = randomOp({ int: (n) => (s = (s * 48271) % 2147483647) % n, next: () => 7 }, true);
 * console.log(op.length); // 4
 * ```
 */
export function randomOp(r: { int(n: number): number; next(): number }, hostile: boolean): Op {
  let w = r.int(hostile ? 100 : 92);
  let kind = 0;
  for (; kind < OP_KINDS; kind++) {
    if (kind === OP.CORRUPT && !hostile) continue;
    if (w < WEIGHTS[kind]) break;
    w -= WEIGHTS[kind];
  }
  const a = r.int(16) === 0 ? r.next() - 2 ** 31 : r.int(64);
  const b = r.int(4) === 0 ? r.next() : r.int(64);
  return [kind, a, b, r.next()];
}

/**
 * The long run: `ops` operations per ABI and mode (well-behaved, hostile),
 * in sessions of `sessionOps` operations on a fresh model.
 */
export function fuzzLong(
  id: string,
  hostile: boolean,
  ops: number,
  seed: number,
  sessionOps = 20000,
): FuzzStats {
  const total = emptyStats();
  // The run's operations come from a named stream, like every random draw of the simulator.
  const stream = RandomStream.derive(seed, 0, `fuzz/${id}/${hostile ? "hostile" : "behaved"}`);
  const r = { int: (n: number) => stream.int(n), next: () => stream.uint32() };
  for (let session = 0; total.ops < ops; session++) {
    const h = new FuzzHarness(id, 1 + (session % 3), hostile);
    const n = Math.min(sessionOps, ops - total.ops);
    for (let i = 0; i < n; i++) h.apply(randomOp(r, hostile));
    h.finish();
    for (const k of Object.keys(total) as (keyof FuzzStats)[]) {
      if (k === "maxXenSteps" || k === "maxGuestSteps") total[k] = Math.max(total[k], h.stats[k]);
      else total[k] += h.stats[k];
    }
  }
  return total;
}

if (import.meta.main) {
  // deno task fuzz [N] [ABI id...]: the last number given is the operation count.
  const nums = Deno.args.filter((x) => /^\d+$/.test(x)).map(Number);
  const named = Deno.args.filter((x) => !/^\d+$/.test(x));
  const unknown = named.filter((x) => !ABI_IDS.includes(x));
  if (unknown.length > 0) {
    console.error(`fuzz: unknown ABI id ${unknown.join(", ")} (ids: ${ABI_IDS.join(", ")})`);
    Deno.exit(2);
  }
  const ops = nums.length > 0 ? nums[nums.length - 1] : 1_000_000;
  const ids = named.length > 0 ? named : ABI_IDS;
  console.log(`fuzz: ${ops} operations per ABI and mode`);
  console.log(
    "abi".padEnd(18) + "mode".padEnd(10) + "ops".padStart(9) + "max_xen_steps".padStart(15) +
      "max_guest_steps".padStart(17) + "new".padStart(9) + "delivered".padStart(11) +
      "dropped".padStart(9) + "lost".padStart(7) + "corrupt".padStart(9) + "   seconds",
  );
  for (const id of ids) {
    for (const hostile of [false, true]) {
      const t0 = performance.now();
      const s = fuzzLong(id, hostile, ops, 0x5eed + (hostile ? 1 : 0));
      const sec = (performance.now() - t0) / 1000;
      console.log(
        id.padEnd(18) + (hostile ? "hostile" : "behaved").padEnd(10) +
          String(s.ops).padStart(9) + String(s.maxXenSteps).padStart(15) +
          String(s.maxGuestSteps).padStart(17) + String(s.raisedNew).padStart(9) +
          String(s.delivered).padStart(11) + String(s.dropped).padStart(9) +
          String(s.lost).padStart(7) + String(s.corruptions).padStart(9) +
          sec.toFixed(1).padStart(10),
      );
    }
  }
}
