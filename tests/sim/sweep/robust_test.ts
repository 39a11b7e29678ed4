import assert from "node:assert/strict";
import {
  costFieldsReadBy,
  costSpace,
  latinHypercube,
  maxRankCorrelation,
  robustPlans,
} from "../../../sim/sweep/robust.ts";
import { expandPlan } from "../../../sim/sweep/plan.ts";
import { executeRun } from "../../../sim/run/run.ts";
import { createAbi } from "../../../models/registry.ts";
import { loadInput, parseScenario } from "../../../sim/scenario/scenario.ts";
import { COST_FIELDS, COST_RANGES, DEFAULT_COSTS } from "../../../models/costs.ts";
import {
  HOST_COST_DEFAULTS,
  HOST_COST_FIELDS,
  HOST_COST_RANGES,
} from "../../../sim/scenario/schema.ts";

const GROUP = {
  name: "a",
  ports: 1,
  vcpu: 0,
  arrival: { kind: "periodic", period_us: 100 },
  service: { kind: "const", ns: 100 },
};

Deno.test("every default cost lies inside its documented range", () => {
  for (const f of COST_FIELDS) {
    const r = COST_RANGES[f];
    assert.ok(r.low <= DEFAULT_COSTS[f] && DEFAULT_COSTS[f] <= r.high, f);
  }
});

Deno.test("a Latin hypercube uses every stratum of every field exactly once", () => {
  const varied = [
    { field: "upcall_ns" as const, low: 700, high: 5000 },
    { field: "line_miss_ns" as const, low: 44, high: 250 },
  ];
  const v = latinHypercube(varied, 10, 7);
  assert.equal(v.length, 10);
  for (const { field, low, high } of varied) {
    const strata = v.map((c) => Math.floor((c[field] - low) / ((high - low) / 10)));
    assert.deepEqual([...strata].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }
  assert.deepEqual(latinHypercube(varied, 10, 7), v, "deterministic in the seed");
  assert.notDeepEqual(latinHypercube(varied, 10, 8), v, "another seed draws other vectors");
});

Deno.test("fields the scenario sets or a grid sweeps are held; cost_ranges varies or holds them", () => {
  const s = parseScenario({
    name: "x",
    costs: { upcall_ns: 5000, wake_ns: 1000 },
    cost_ranges: { wake_ns: { low: 500, high: 2000 }, mask_ns: { low: 6, high: 6 } },
    groups: [GROUP],
  }, "x");
  const { varied, held } = costSpace(s, ["costs.line_miss_ns"]);
  const why = Object.fromEntries(held.map((h) => [h.field, h.why]));
  assert.equal(why.upcall_ns, "set by the scenario");
  assert.equal(why.line_miss_ns, "swept by the grid");
  assert.equal(why.mask_ns, "range of zero width");
  assert.deepEqual(varied.find((f) => f.field === "wake_ns"), {
    field: "wake_ns",
    low: 500,
    high: 2000,
  });
  assert.equal(varied.length + held.length, COST_FIELDS.length);
});

Deno.test("every cost vector reuses the scenario's seeds and sets only its costs", () => {
  const input = loadInput("default");
  const plan = expandPlan(input, {});
  const { design, plans } = robustPlans(plan, 3, (sets) => expandPlan(input, { sets }));
  assert.equal(plans.length, 3);
  for (const [v, p] of plans.entries()) {
    assert.deepEqual(p.runs.map((r) => r.seed), plan.runs.map((r) => r.seed));
    assert.deepEqual(p.runs.map((r) => r.abi), plan.runs.map((r) => r.abi));
    const costs = p.runs[0].scenario.costs as Record<string, number>;
    for (const f of design.varied) assert.equal(costs[f.field], design.costs[v][f.field]);
  }
  assert.equal(design.runs_per_vector, plan.runs.length);
});

Deno.test("the hypercube kept has less rank correlation between fields than a single draw", () => {
  const varied = COST_FIELDS.map((field) => ({ field, ...COST_RANGES[field] }));
  const ranks = (v: Record<string, number>[]) =>
    varied.map(({ field }) => {
      const order = v.map((_, i) => i).sort((a, b) => v[a][field] - v[b][field]);
      const r: number[] = [];
      order.forEach((i, k) => r[i] = k);
      return r;
    });
  const one = maxRankCorrelation(ranks(latinHypercube(varied, 8, 1, 1)));
  const kept = maxRankCorrelation(ranks(latinHypercube(varied, 8, 1)));
  assert.ok(kept < one, `${kept} < ${one}`);
});

Deno.test("the design score penalises a strong negative correlation between fields as much as a positive one", () => {
  // Ranks of two fields: the same order (rho 1), reversed (rho -1), and one with rho 0.3.
  assert.equal(maxRankCorrelation([[0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]), 1);
  assert.equal(maxRankCorrelation([[0, 1, 2, 3, 4], [4, 3, 2, 1, 0]]), 1);
  // sum((x - 2)(y - 2)) over [0..4] x [1, 3, 0, 4, 2] = 2 - 1 + 0 + 2 + 0 = 3, over
  // n(n^2 - 1)/12 = 10: 0.3.
  assert.ok(Math.abs(maxRankCorrelation([[0, 1, 2, 3, 4], [1, 3, 0, 4, 2]]) - 0.3) < 1e-12);
  // The worst pair decides, whatever its sign: a third field reversed against the first.
  assert.equal(maxRankCorrelation([[0, 1, 2, 3, 4], [1, 3, 0, 4, 2], [4, 3, 2, 1, 0]]), 1);
  // A hypercube of 2 fields over 8 vectors never keeps a perfectly reversed pair.
  const v = latinHypercube(
    [
      { field: "upcall_ns", low: 0, high: 8 },
      { field: "wake_ns", low: 0, high: 8 },
    ],
    8,
    11,
  );
  const rank = (k: string) => v.map((c) => Math.floor(c[k]));
  assert.ok(maxRankCorrelation([rank("upcall_ns"), rank("wake_ns")]) < 0.5);
});

/** A small host: one template of `count` 1-VCPU guests. */
function hostInput(host: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    name: "h",
    duration_ms: 1,
    warmup_ms: 0,
    replications: 1,
    host: { guests: [{ count: 2, vcpus: 1 }], ...host },
    ...extra,
  };
}

Deno.test("every host cost default lies inside its range", () => {
  for (const f of HOST_COST_FIELDS) {
    const r = HOST_COST_RANGES[f];
    assert.ok(r.low <= HOST_COST_DEFAULTS[f] && HOST_COST_DEFAULTS[f] <= r.high, f);
  }
});

Deno.test("a host's own costs vary as host.<field>; one the scenario sets, the grid sweeps or cost_ranges.host fixes is held", () => {
  const s = parseScenario(
    hostInput({
      costs: { blkback_ns: 9999 },
      guests: [{ count: 2, vcpus: 1, kind: "hvm", ioreq_rate_per_s: 100 }],
    }, {
      cost_ranges: {
        host: { qemu_ns: { low: 7000, high: 7000 }, stack_ns: { low: 100, high: 200 } },
      },
    }),
    "h",
  );
  const { varied, held } = costSpace(s, ["host.costs.netback_tx_ns"]);
  const why = Object.fromEntries(held.map((h) => [h.field, h.why]));
  assert.equal(why["host.blkback_ns"], "set by the scenario");
  assert.equal(why["host.netback_tx_ns"], "swept by the grid");
  assert.equal(why["host.qemu_ns"], "range of zero width");
  assert.deepEqual(varied.find((f) => f.field === "host.stack_ns"), {
    field: "host.stack_ns",
    low: 100,
    high: 200,
  });
  assert.deepEqual(varied.find((f) => f.field === "host.kthread_wake_ns"), {
    field: "host.kthread_wake_ns",
    ...HOST_COST_RANGES.kthread_wake_ns,
  });
  assert.equal(varied.length + held.length, COST_FIELDS.length + HOST_COST_FIELDS.length);
  // A single guest has no host costs to vary.
  const single = costSpace(parseScenario({ name: "x", groups: [GROUP] }, "x"), []);
  assert.ok(single.varied.every((f) => !f.field.startsWith("host.")));
});

Deno.test("every cost vector sets a host's own costs in its runs, and the event-channel costs as before", () => {
  const hvm = { guests: [{ count: 2, vcpus: 1, kind: "hvm", ioreq_rate_per_s: 100 }] };
  const input = { source: "h.json", path: "/h.json", raw: hostInput(hvm) };
  const plan = expandPlan(input, {});
  const { design, plans } = robustPlans(plan, 3, (sets) => expandPlan(input, { sets }));
  const hostFields = design.varied.filter((f) => f.field.startsWith("host."));
  assert.equal(hostFields.length, HOST_COST_FIELDS.length);
  for (const [v, p] of plans.entries()) {
    assert.deepEqual(p.runs.map((r) => r.seed), plan.runs.map((r) => r.seed));
    const s = p.runs[0].scenario;
    const costs = s.costs as Record<string, number>;
    const host = s.host!.costs as unknown as Record<string, number>;
    for (const f of design.varied) {
      const got = f.field.startsWith("host.") ? host[f.field.slice(5)] : costs[f.field];
      assert.equal(got, design.costs[v][f.field], f.field);
    }
  }
});

Deno.test("robustness holds another ABI's costs, which no run of the scenario reads", () => {
  const twoAbis = parseScenario({ name: "x", abis: ["2l", "fifo"], groups: [GROUP] }, "x");
  const why = (s: typeof twoAbis, params: string[] = []) =>
    Object.fromEntries(costSpace(s, params).held.map((h) => [h.field, h.why]));
  assert.equal(why(twoAbis).xen_raise_3l_ns, "read by no run");
  for (
    const f of ["xen_raise_2l_ns", "xen_raise_fifo_ns", "bitmap_consume_ns", "fifo_consume_ns"]
  ) {
    assert.equal(why(twoAbis)[f], undefined, f);
  }
  const fifo = parseScenario({ name: "x", abis: ["fifo"], groups: [GROUP] }, "x");
  assert.equal(why(fifo).bitmap_consume_ns, "read by no run");
  assert.equal(why(fifo).xen_raise_2l_ns, "read by no run");
  // What the runtime charges around any model is always read.
  for (const f of ["upcall_ns", "wake_ns", "guest_entry_ns", "dispatch_ns", "hypercall_ns"]) {
    assert.equal(why(fifo)[f], undefined, f);
  }
  // A grid over the ABIs, or a design module, may read anything.
  assert.equal(why(fifo, ["abis"]).xen_raise_2l_ns, undefined);
  const design = parseScenario({ name: "x", abis: ["fifo", "./my_abi.ts"], groups: [GROUP] }, "x");
  assert.equal(costFieldsReadBy(design, []).has("xen_raise_3l_ns"), true);
});

Deno.test("robustness holds a host's costs whose work its guests never cause", () => {
  const why = (host: Record<string, unknown>, params: string[] = []) =>
    Object.fromEntries(
      costSpace(parseScenario(hostInput(host), "h"), params).held.map((h) => [h.field, h.why]),
    );
  const netOnly = why({ guests: [{ count: 2, vcpus: 1, vbds: 0 }] });
  assert.equal(netOnly["host.blkback_ns"], "read by no run");
  assert.equal(netOnly["host.qemu_ns"], "read by no run", "no HVM guest with emulated I/O");
  assert.equal(netOnly["host.user_wake_ns"], "read by no run");
  assert.equal(netOnly["host.netback_tx_ns"], undefined);
  const blkClients = why({
    guests: [{ count: 2, vcpus: 1, workload: { kind: "closed", devices: "blk" } }],
  });
  for (const f of ["netback_tx_ns", "netback_rx_ns", "stack_ns"]) {
    assert.equal(blkClients[`host.${f}`], "read by no run", f);
  }
  assert.equal(blkClients["host.blkback_ns"], undefined);
  assert.equal(blkClients["host.kthread_wake_ns"], undefined);
  // A grid that may give a template other devices holds none of them.
  const swept = why({ guests: [{ count: 2, vcpus: 1, vbds: 0 }] }, ["host.guests.0.vbds"]);
  assert.equal(swept["host.blkback_ns"], undefined);
  // Sweeping only the count changes no template's traffic.
  const counted = why({ guests: [{ count: 2, vcpus: 1, vbds: 0 }] }, ["host.guests.0.count"]);
  assert.equal(counted["host.blkback_ns"], "read by no run");
});

/** The CSV rows of one short run of `raw` with `sets` applied. */
function runRows(raw: Record<string, unknown>, sets: string[]): string {
  const plan = expandPlan({ source: "x.json", path: "/x.json", raw }, { sets });
  return plan.runs.map((run) => {
    const r = executeRun(run, (o) => createAbi(run.abi, o));
    return JSON.stringify([r.summary, r.groups, r.guests ?? [], r.dom0 ?? [], r.fingerprint]);
  }).join("\n");
}

Deno.test("a cost field held as read by no run changes no result when set to its range's far end", () => {
  const single = {
    name: "x",
    abis: ["2l", "fifo"],
    duration_ms: 2,
    warmup_ms: 0,
    replications: 1,
    groups: [{ ...GROUP, ports: 4, arrival: { kind: "poisson", rate_per_s: 200000 } }],
  };
  const host = {
    ...hostInput({ guests: [{ count: 3, vcpus: 2, vbds: 0 }] }),
    abis: ["fifo"],
    duration_ms: 2,
  };
  // Each with a field that is read, to show the comparison can fail.
  const cases: [Record<string, unknown>, string][] = [
    [single, "costs.upcall_ns=4999"],
    [host, "costs.hypercall_ns=1199"],
  ];
  for (const [raw, readSet] of cases) {
    const s = parseScenario(raw, "x");
    const unread = costSpace(s, []).held.filter((h) => h.why === "read by no run");
    assert.ok(unread.length >= 1, "the scenario has a field no run reads");
    const base = runRows(raw, []);
    for (const { field } of unread) {
      const hostField = field.startsWith("host.");
      const name = hostField ? field.slice(5) : field;
      const far = hostField
        ? HOST_COST_RANGES[name as keyof typeof HOST_COST_RANGES].high * 10
        : COST_RANGES[name as keyof typeof COST_RANGES].high * 10;
      const set = `${hostField ? "host.costs" : "costs"}.${name}=${far}`;
      assert.equal(runRows(raw, [set]), base, `${field} changed a result`);
    }
    assert.notEqual(runRows(raw, [readSet]), base, `${readSet} changed nothing`);
  }
});
