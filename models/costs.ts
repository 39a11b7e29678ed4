/**
 * The cost model: named per-operation costs in nanoseconds.
 *
 * Defaults are orders of magnitude for a 2017–2024 x86 server (one socket,
 * 2.5–3.5 GHz, APICv, credit2); each line says what hardware operation it
 * stands for. Every field can be overridden per scenario and swept
 * (`"costs": { "upcall_ns": 5000 }`), and the preset `"zero"` sets all of
 * them to 0 for validation against queueing theory.
 *
 * @module
 */

/** Per-operation costs, all in nanoseconds. */
export interface Costs {
  /** Xen 2-level set_pending: bts pending, test mask, bts selector, bts upcall_pending (3–4 locked RMW × 6 ns, hot lines). */
  xen_raise_2l_ns: number;
  /** Xen 3-level set_pending: one more selector level than 2-level (4–5 locked RMW). */
  xen_raise_3l_ns: number;
  /** Xen FIFO set_pending and link: queue spinlock, test_and_set P and L, cmpxchg LINK into the tail, HEAD/READY. */
  xen_raise_fifo_ns: number;
  /** One extra cmpxchg attempt in FIFO set_link when the guest raced on the tail word (one locked RMW). */
  cmpxchg_retry_ns: number;
  /** Extra per raise when the guest touched the line last (cache line pulled from another core, same socket). */
  remote_line_ns: number;
  /** Upcall delivery to a running VCPU: IPI flight, VM exit/inject or posted interrupt, and entry (about 2 µs). */
  upcall_ns: number;
  /** Wake-up of a blocked VCPU on an idle pCPU (C1/C1E exit plus credit2 wake, about 10 µs). */
  wake_ns: number;
  /** Guest upcall entry and exit: IDT vector, irq_enter/irq_exit, register save with mitigations. */
  guest_entry_ns: number;
  /** One locked exchange by the guest (xchg of the 2-level selector or FIFO READY; about 18–20 cycles). */
  xchg_ns: number;
  /** Scanning one bitmap or selector word that hits L1 (load, and-not mask, count trailing zeros). */
  scan_word_ns: number;
  /** First touch by the guest of a line Xen wrote from another pCPU (core-to-core transfer, same socket). */
  line_miss_ns: number;
  /** 2-level/3-level per event consumed: lock btr of the pending bit and cursor bookkeeping. */
  bitmap_consume_ns: number;
  /** FIFO per event consumed: cmpxchg clearing LINKED, lock btr P (the READY xchg is counted apart). */
  fifo_consume_ns: number;
  /** Guest mask: one locked bts on the mask bit or the M flag. */
  mask_ns: number;
  /** An event-channel hypercall round trip (VMCALL, dispatch, return): unmask with P set, bind, set_priority. */
  hypercall_ns: number;
  /** Per-event IRQ dispatch in the guest: evtchn-to-irq lookup, is_active xchg, flow handler, action call. */
  dispatch_ns: number;
}

/**
 * The cost fields the guest runtime and the host charge around whatever ABI
 * model runs (upcall delivery and wake-up, upcall entry, IRQ dispatch, the
 * `EVTCHNOP_send` hypercall): every run reads them.
 *
 * @example
 * ```ts
 * import { RUNTIME_COST_FIELDS } from "./costs.ts";
 * console.log(RUNTIME_COST_FIELDS.includes("upcall_ns")); // true
 * ```
 */
export const RUNTIME_COST_FIELDS: readonly (keyof Costs)[] = Object.freeze(
  [
    "upcall_ns",
    "wake_ns",
    "guest_entry_ns",
    "dispatch_ns",
    "hypercall_ns",
  ] as const,
);

/**
 * The documented default costs (the README's cost table gives each one's source).
 *
 * @example
 * ```ts
 * import { DEFAULT_COSTS } from "./costs.ts";
 * console.log(DEFAULT_COSTS.upcall_ns); // 2000
 * ```
 */
export const DEFAULT_COSTS: Readonly<Costs> = Object.freeze({
  xen_raise_2l_ns: 30, // 3–4 locked RMW at ~6 ns, lines hot in Xen's cache
  xen_raise_3l_ns: 36, // one more bts on the second-level selector
  xen_raise_fifo_ns: 80, // spinlock + 2–3 cmpxchg + READY bts, ~6 ns each plus lock overhead
  cmpxchg_retry_ns: 6, // one uncontended lock cmpxchg (18–20 cycles)
  remote_line_ns: 0, // off by default: raise costs above assume hot lines
  upcall_ns: 2000, // IPI + VM exit/inject (or posted interrupt) + guest entry, ~1–3 µs
  wake_ns: 10000, // C1/C1E exit 1–10 µs plus the scheduler's wake path
  guest_entry_ns: 400, // vector entry/exit with irq_enter/irq_exit and mitigations
  xchg_ns: 6, // one uncontended xchg
  scan_word_ns: 1, // one 64-bit word from L1: load, andn, tzcnt (0.3–0.5 ns measured)
  line_miss_ns: 80, // core-to-core line transfer, same socket (44–115 ns)
  bitmap_consume_ns: 10, // lock btr of the pending bit plus bookkeeping (6–11 ns measured)
  fifo_consume_ns: 20, // cmpxchg clear LINKED + lock btr P (18–23 ns measured incl. READY xchg)
  mask_ns: 6, // one locked bts
  hypercall_ns: 600, // VMCALL round trip + Xen dispatch (~1.2k cycles + 100–300 ns work)
  dispatch_ns: 200, // handle_irq_for_port -> generic_handle_irq -> flow handler -> action
});

/** A plausible range of one cost field, in ns: the low and high ends of what its sources report. */
export interface CostRange {
  /** Lowest plausible value (ns). */
  low: number;
  /** Highest plausible value (ns). */
  high: number;
}

/**
 * The plausible range of every cost field, beside its default (README: Cost
 * ranges; each bound from the source the cost table cites for the default).
 * Robustness checks (`--robust`) draw cost vectors across these ranges; a
 * scenario narrows or widens them with `cost_ranges`.
 *
 * @example
 * ```ts
 * import { COST_RANGES, DEFAULT_COSTS } from "./costs.ts";
 * const r = COST_RANGES.upcall_ns;
 * console.log(r.low <= DEFAULT_COSTS.upcall_ns && DEFAULT_COSTS.upcall_ns <= r.high); // true
 * ```
 */
export const COST_RANGES: Readonly<Record<keyof Costs, Readonly<CostRange>>> = Object.freeze({
  xen_raise_2l_ns: { low: 18, high: 60 }, // 3 RMW x 5.8 ns hot; up to 4 RMW with lock overhead x2
  xen_raise_3l_ns: { low: 24, high: 70 }, // the 2-level range plus one locked bts
  xen_raise_fifo_ns: { low: 40, high: 160 }, // 4-5 locked ops x 5.8-6.8 ns; x2 for lock overhead
  cmpxchg_retry_ns: { low: 5, high: 8 }, // 18-20 cycles at 2.5-3.5 GHz; 5.8-6.8 ns local
  remote_line_ns: { low: 0, high: 115 }, // hot lines (0) to core-to-core 44-115 ns in a socket
  upcall_ns: { low: 700, high: 5000 }, // inject at next entry 0.7 us; posted 1.5 us; QNX/ISCA 2.8-5 us
  wake_ns: { low: 5000, high: 15000 }, // C1/C1E: 5-15 us (mwait-idle.c exit latency + schedule)
  guest_entry_ns: { low: 300, high: 600 }, // vector entry/exit with mitigations: 300-600 ns
  xchg_ns: { low: 5, high: 8 }, // 18-20 cycles at 2.5-3.5 GHz; 5.8-6.8 ns local
  scan_word_ns: { low: 0.3, high: 1 }, // 0.29-0.53 ns measured; <= 1 ns per L1 word
  line_miss_ns: { low: 44, high: 250 }, // 44-115 ns in a socket; 230-250 ns nested VM
  bitmap_consume_ns: { low: 6, high: 11 }, // 6-11 ns per further event, remote producer
  fifo_consume_ns: { low: 12, high: 25 }, // 18-23 ns with READY xchg (less one xchg) to 25
  mask_ns: { low: 5, high: 8 }, // one locked bts: 18-20 cycles
  hypercall_ns: { low: 500, high: 1200 }, // exit+entry 0.4-0.6 us + 100-300 ns; + mitigations
  dispatch_ns: { low: 100, high: 300 }, // 100-300 ns estimate (events_base.c path)
});

/** Every cost field name, in declaration order. */
export const COST_FIELDS: readonly (keyof Costs)[] = Object.freeze(
  Object.keys(DEFAULT_COSTS) as (keyof Costs)[],
);

/**
 * The `"zero"` preset: every cost 0, upcall delivery and wake-up included, so
 * that the only time that passes is service time.
 *
 * @example
 * ```ts
 * import { ZERO_COSTS } from "./costs.ts";
 * console.log(ZERO_COSTS.wake_ns); // 0
 * ```
 */
export const ZERO_COSTS: Readonly<Costs> = Object.freeze(
  Object.fromEntries(COST_FIELDS.map((k) => [k, 0])) as unknown as Costs,
);

/**
 * Resolve a scenario's `costs` value: a preset name, or an object of overrides
 * applied to a preset (`"preset"` key, default `"default"`).
 *
 * @example
 * ```ts
 * import { resolveCosts } from "./costs.ts";
 * const c = resolveCosts({ upcall_ns: 5000 });
 * console.log(c.upcall_ns, c.wake_ns); // 5000 10000
 * ```
 */
export function resolveCosts(
  spec: "default" | "zero" | ({ preset?: "default" | "zero" } & Partial<Costs>),
): Costs {
  if (spec === "default") return { ...DEFAULT_COSTS };
  if (spec === "zero") return { ...ZERO_COSTS };
  const { preset, ...overrides } = spec;
  return { ...(preset === "zero" ? ZERO_COSTS : DEFAULT_COSTS), ...overrides };
}
