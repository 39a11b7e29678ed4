/**
 * Where every cost field's default and range come from: the hardware
 * operation it stands for and the sources, each labelled with how well it is
 * known (**[code]** read in Xen or Linux source, **[text]** a number seen in a
 * commit message, paper or post, **[local]** measured with micro-benchmarks on
 * a small nested cloud VM, **[estimate]** a derivation, **[memory]** recalled
 * from a paper). The cost reference (docs/reference/costs.md) is generated
 * from this table, `DEFAULT_COSTS` and `COST_RANGES`; a field missing here
 * does not type-check.
 *
 * @module
 */

import type { Costs } from "./costs.ts";

/** The documentation of one cost field. */
export interface CostDoc {
  /** Where it is charged: by Xen per raise or unmask, on delivery, or in the guest's loop. */
  side: "xen" | "delivery" | "guest";
  /** The hardware operation it stands for. */
  operation: string;
  /** The sources and reasoning behind the default. */
  source: string;
  /** Where the range's low and high ends come from. */
  range_source: string;
}

/**
 * The documentation of every cost field, in the order of `DEFAULT_COSTS`.
 *
 * @example
 * ```ts
 * import { COST_DOCS } from "./cost_docs.ts";
 * console.log(COST_DOCS.upcall_ns.side); // "delivery"
 * ```
 */
export const COST_DOCS: Readonly<Record<keyof Costs, Readonly<CostDoc>>> = Object.freeze({
  xen_raise_2l_ns: {
    side: "xen",
    operation:
      "2-level `set_pending`: bts pending, test mask, bts selector, bts `evtchn_upcall_pending`",
    source:
      "3–4 locked RMW × ~6 ns on hot lines (18–20 cycles [text] uops.info, rygorous; 5.8–6.8 ns [local])",
    range_source:
      "3 locked RMW × 5.8 ns on hot lines [local]; high: 4 RMW with lock overhead, twice the default [estimate]",
  },
  xen_raise_3l_ns: {
    side: "xen",
    operation: "3-level `set_pending`: one more selector level than 2-level",
    source: "2-level plus one locked bts [estimate]",
    range_source: "the 2-level range plus one locked bts [estimate]",
  },
  xen_raise_fifo_ns: {
    side: "xen",
    operation:
      "FIFO `set_pending` and link: queue spinlock, test_and_set P and L, cmpxchg LINK into the tail word, HEAD/READY",
    source: "~2 lock ops + 2–3 cmpxchg [code: event_fifo.c] × 6 ns plus lock overhead [estimate]",
    range_source:
      "4–5 locked ops × 5.8–6.8 ns [code: event_fifo.c, local]; high: twice the default for lock overhead [estimate]",
  },
  cmpxchg_retry_ns: {
    side: "xen",
    operation: "one more cmpxchg attempt when the guest raced on the tail word",
    source: "one uncontended locked RMW [text, local]",
    range_source: "18–20 cycles at 2.5–3.5 GHz [text]; 5.8–6.8 ns [local]",
  },
  remote_line_ns: {
    side: "xen",
    operation: "extra per raise when the guest touched the line last (pulled from another core)",
    source:
      "core-to-core 44–115 ns within a socket [text: nviennot core-to-core-latency]; off by default: raises assume hot lines",
    range_source:
      "hot lines (the default) up to a core-to-core transfer in a socket, 44–115 ns [text: nviennot]",
  },
  hypercall_ns: {
    side: "xen",
    operation:
      "an event-channel hypercall round trip: VMCALL, dispatch, return (`EVTCHNOP_unmask` with P set, bind, set_priority)",
    source:
      "VM exit + entry ~1.2–1.4k cycles [text: KVM vmcall, SVM world switch]; Xen hypercall 1 228 cycles [memory: ISCA'16]; + 100–300 ns of Xen work [estimate]",
    range_source:
      "VM exit + entry 0.4–0.6 µs + 100–300 ns of Xen work; high: mitigations on exit/entry [text, estimate]",
  },
  upcall_ns: {
    side: "delivery",
    operation:
      "upcall to a running VCPU on another pCPU: sender kick, IPI flight, VM exit/inject or posted interrupt",
    source:
      "IPI flight < 1 µs [text: QNX]; exit/inject 1–2 µs or posted 0.3–1 µs [estimate]; ISCA'16 virtual IPI ~5.5k cycles [memory]",
    range_source:
      "0.7 µs inject at the next VM entry [estimate]; 1.5–3 µs exit/inject; ISCA'16 virtual IPI ~5.5k cycles [memory]",
  },
  wake_ns: {
    side: "delivery",
    operation:
      "wake-up of a blocked VCPU on an idle pCPU in C1/C1E: tickle IPI, C-state exit, schedule, VM entry",
    source:
      'C1/C1E exit 1–10 µs [code: mwait-idle.c]; ISCA\'16 "I/O latency in" ~10k cycles [memory]; ~11 µs local analogue [local]. Use ~150 000 for a pCPU in C6 (SKX 133 µs, ICX 170 µs, SPR 290 µs [code])',
    range_source:
      "C1/C1E wake 5–15 µs [code: mwait-idle.c; local analogue 11 µs]; C6 (~150 µs) is a scenario choice, not a range",
  },
  guest_entry_ns: {
    side: "guest",
    operation:
      "upcall vector entry and exit: IDT, irq_enter/irq_exit, register save, with mitigations",
    source: "between a bare-metal syscall and the local 1.2 µs nested-PV syscall [estimate]",
    range_source:
      "vector entry/exit with irq_enter/irq_exit and mitigations, 300–600 ns [estimate]",
  },
  xchg_ns: {
    side: "guest",
    operation:
      "one locked exchange by the guest: the 2-level selector, FIFO READY (FIFO pays it after every event)",
    source: "18–20 cycles [text]; 5.8–6.8 ns [local]",
    range_source: "18–20 cycles [text]; 5.8–6.8 ns [local]",
  },
  scan_word_ns: {
    side: "guest",
    operation: "scanning one bitmap or selector word that hits L1: load, and-not mask, tzcnt",
    source: "0.29–0.53 ns per word measured [local]",
    range_source: "0.29–0.53 ns per word measured [local]; ≤ 1 ns per L1 word",
  },
  line_miss_ns: {
    side: "guest",
    operation:
      "first touch of a line Xen wrote from another pCPU (pending word, FIFO event word, READY/HEAD)",
    source:
      "core-to-core 44–115 ns within a socket [text: nviennot]; 230–250 ns measured on a nested VM [local, pessimistic]; ~150 ns across sockets",
    range_source:
      "44–115 ns in a socket [text: nviennot]; 230–250 ns on a nested VM [local, pessimistic]",
  },
  bitmap_consume_ns: {
    side: "guest",
    operation: "2-level/3-level per event: lock btr of the pending bit plus cursor bookkeeping",
    source: "6–11 ns per further event with a remote producer [local]",
    range_source: "6–11 ns per further event with a remote producer [local]",
  },
  fifo_consume_ns: {
    side: "guest",
    operation:
      "FIFO per event: cmpxchg clearing LINKED, lock btr P (the READY xchg is counted apart)",
    source: "18–23 ns per further event with a remote producer, READY xchg included [local]",
    range_source:
      "18–23 ns with the READY xchg [local], less one xchg; 25 suggested with it [estimate]",
  },
  mask_ns: {
    side: "guest",
    operation:
      "guest mask: one locked bts of the mask bit or the M flag (late EOI masks at every ack)",
    source: "one locked RMW [text, local]",
    range_source: "one locked bts: 18–20 cycles [text, local]",
  },
  dispatch_ns: {
    side: "guest",
    operation:
      "per-event IRQ dispatch: evtchn→irq lookup, `is_active` xchg, flow handler, action call",
    source: "100–300 ns [estimate, from drivers/xen/events/events_base.c]",
    range_source: "100–300 ns [estimate, from drivers/xen/events/events_base.c]",
  },
});
