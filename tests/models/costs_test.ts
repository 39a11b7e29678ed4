import assert from "node:assert/strict";
import { COST_FIELDS, type Costs } from "../../models/costs.ts";
import { createAbi } from "../../models/registry.ts";
import { executeRun, type RunResult } from "../../sim/run/run.ts";
import { parseScenario } from "../../sim/scenario/scenario.ts";

/** What a cost can move: guest overhead per event, Xen time per raise, or only latency. */
type Moves = "guest" | "xen" | "latency";

type Family = "2l" | "3l" | "fifo";

/** A variant of the workload a field needs to be exercised at all. */
interface Variant {
  /** Idle VCPUs halt (wake_ns) instead of spinning (upcall_ns). */
  halt?: boolean;
  /** A hostile guest writing into its event words (FIFO tail races: cmpxchg_retry_ns). */
  hostile?: boolean;
  /** The second group uses late EOI (masked at ack, unmasked at the EOI). */
  lateeoi?: boolean;
}

/**
 * For every cost field, what raising it alone moves under each ABI (omitted: nothing at all),
 * starting from the zero preset. Mask and unmask happen only with late EOI, so their rows run a
 * late-EOI group; the other rows do not, as an EOI that finds the port pending makes the
 * EVTCHNOP_unmask hypercall, whose Xen work the guest waits for (guest overhead).
 */
const TABLE: Record<keyof Costs, { moves: Partial<Record<Family, Moves[]>>; variant?: Variant }> = {
  xen_raise_2l_ns: { moves: { "2l": ["xen"] } },
  xen_raise_3l_ns: { moves: { "3l": ["xen"] } },
  xen_raise_fifo_ns: { moves: { fifo: ["xen"] } },
  cmpxchg_retry_ns: { moves: { fifo: ["xen"] }, variant: { hostile: true } },
  remote_line_ns: { moves: { "2l": ["xen"], "3l": ["xen"], fifo: ["xen"] } },
  upcall_ns: { moves: { "2l": ["latency"], "3l": ["latency"], fifo: ["latency"] } },
  wake_ns: {
    moves: { "2l": ["latency"], "3l": ["latency"], fifo: ["latency"] },
    variant: { halt: true },
  },
  guest_entry_ns: { moves: { "2l": ["guest"], "3l": ["guest"], fifo: ["guest"] } },
  xchg_ns: { moves: { "2l": ["guest"], "3l": ["guest"], fifo: ["guest"] } },
  scan_word_ns: { moves: { "2l": ["guest"], "3l": ["guest"] } },
  line_miss_ns: { moves: { "2l": ["guest"], "3l": ["guest"], fifo: ["guest"] } },
  bitmap_consume_ns: { moves: { "2l": ["guest"], "3l": ["guest"] } },
  fifo_consume_ns: { moves: { fifo: ["guest"] } },
  mask_ns: {
    moves: { "2l": ["guest"], "3l": ["guest"], fifo: ["guest"] },
    variant: { lateeoi: true },
  },
  hypercall_ns: {
    moves: { "2l": ["guest"], "3l": ["guest"], fifo: ["guest"] },
    variant: { lateeoi: true },
  },
  dispatch_ns: { moves: { "2l": ["latency"], "3l": ["latency"], fifo: ["latency"] } },
};

function run(abi: Family, costs: Partial<Costs>, variant: Variant = {}): RunResult {
  const s = parseScenario({
    name: "costs",
    duration_ms: 2,
    warmup_ms: 0,
    replications: 1,
    guest: { vcpus: 2, idle: variant.halt ? "halt" : "busy" },
    costs: { preset: "zero", ...costs },
    ...(variant.hostile ? { hostile: { rate_per_s: 200000, targets: ["event_words"] } } : {}),
    groups: [
      {
        name: "net",
        ports: 64,
        arrival: { kind: "poisson", rate_per_s: 400000 },
        service: { kind: "exp", mean_ns: 2000 },
      },
      {
        name: "backend",
        ports: 2,
        lateeoi: variant.lateeoi ?? false,
        arrival: { kind: "poisson", rate_per_s: 200000 },
        service: { kind: "exp", mean_ns: 3000 },
      },
    ],
  }, "costs");
  return executeRun(
    { index: 0, id: "c", scenario: s, abi, replication: 0, seed: 1, point: 0, params: {} },
    (o) => createAbi(abi, o),
  );
}

function measure(r: RunResult) {
  return {
    guest: Number(r.summary.overhead_ns_per_event),
    xen: Number(r.summary.xen_ns_per_raise),
    latency: Number(r.summary.lat_mean_ns),
  };
}

Deno.test("the table covers every cost field", () => {
  assert.deepEqual(Object.keys(TABLE).sort(), [...COST_FIELDS].sort());
});

Deno.test("each cost field moves the overhead it belongs to, and only that one", () => {
  for (const abi of ["2l", "3l", "fifo"] as const) {
    const bases = new Map<string, ReturnType<typeof measure>>();
    const base = (v: Variant = {}) => {
      const k = JSON.stringify(v);
      if (!bases.has(k)) bases.set(k, measure(run(abi, {}, v)));
      return bases.get(k)!;
    };
    for (const field of COST_FIELDS) {
      const { moves, variant } = TABLE[field];
      const want = moves[abi] ?? [];
      const b = base(variant);
      assert.deepEqual([b.guest, b.xen], [0, 0], `${abi}: zero costs, zero overhead`);
      const m = measure(run(abi, { [field]: 50 }, variant));
      const label = `${abi}: ${field} = 50`;
      for (const what of ["guest", "xen"] as const) {
        if (want.includes(what)) assert.ok(m[what] > 0, `${label} should move ${what} overhead`);
        else assert.equal(m[what], 0, `${label} should not move ${what} overhead`);
      }
      if (want.length === 0) {
        assert.equal(m.latency, b.latency, `${label} should change nothing`);
      } else if (want.includes("latency")) {
        // A delivery cost changes the timing without counting as overhead (the mean can go
        // either way in one short run: later upcalls batch more events).
        assert.notEqual(m.latency, b.latency, `${label} should move latency`);
      }
    }
  }
});
