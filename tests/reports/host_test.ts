import assert from "node:assert/strict";
import {
  guestOrder,
  hostCharts,
  hostPoints,
  hostRobustSentences,
  hostSection,
  hostSentences,
} from "../../reports/host.ts";
import { wrap } from "../../reports/text.ts";
import { fmtNs } from "../../reports/format.ts";
import type { CsvRow } from "../../reports/csv.ts";

function row(abi: string, n: number, o: Partial<Record<string, number>> = {}): CsvRow {
  return {
    abi,
    guests_requested: n,
    guests_started: n - (o.refused ?? 0),
    guests_refused: o.refused ?? 0,
    rt_mean_ns: o.rt ?? 30000,
    rt_p99_ns: o.p99 ?? 40000,
    dom0_busy: o.busy ?? 0.1,
    dom0_busy_max: o.max ?? 0.2,
    events_per_request: 2.5,
  };
}

Deno.test("host points are means over replications per ABI and guest count, counts ascending", () => {
  const p = hostPoints([
    row("2l", 100, { rt: 50000 }),
    row("2l", 10, { rt: 30000 }),
    row("2l", 100, { rt: 70000 }),
    row("fifo", 10),
  ]);
  assert.deepEqual(p.map((x) => [x.abi, x.guests, x.rtMean]), [
    ["2l", 10, 30000],
    ["2l", 100, 60000],
    ["fifo", 10, 30000],
  ]);
});

Deno.test("the section names a saturated dom0 VCPU as what runs out first when it comes before ports", () => {
  const [s] = hostSentences(hostPoints([
    row("2l", 10),
    row("2l", 100, { max: 0.99, busy: 0.6 }),
    row("2l", 500, { max: 1, refused: 20 }),
  ]));
  assert.match(s, /A dom0 VCPU saturates first, at 100 guests/);
  assert.match(s, /ports run out at 500 guests \(20 refused\)/);
});

Deno.test("the section says dom0's CPU, not one VCPU, when dom0 as a whole saturates with its busiest VCPU", () => {
  const [s] = hostSentences(hostPoints([
    row("fifo", 10),
    row("fifo", 300, { max: 0.93, busy: 0.77 }),
    row("fifo", 450, { max: 1, busy: 0.96 }),
  ]));
  assert.match(
    s,
    /dom0's CPU saturates first, at 450 guests \(dom0 as a whole 96% busy, its busiest VCPU 100%\)/,
  );
  assert.doesNotMatch(s, /A dom0 VCPU saturates/);
  // Behind the ports, likewise.
  const [t] = hostSentences(hostPoints([
    row("2l", 10, { refused: 2 }),
    row("2l", 450, { max: 1, busy: 0.96, refused: 9 }),
  ]));
  assert.match(t, /ports run out first: .*; dom0's CPU saturates at 450\./);
});

Deno.test("under the cost vectors the Answer gives the range of where a dom0 VCPU saturates and of the largest point's round trip", () => {
  const v = (k: number, r: CsvRow): CsvRow => ({ cost_vector: k, ...r });
  const rows = [
    // Vector 0: a VCPU saturates at 100 guests; vector 1: dom0's CPU at 500; vector 2: ports
    // first, at 500.
    v(0, row("2l", 10)),
    v(0, row("2l", 100, { max: 0.99 })),
    v(0, row("2l", 500, { max: 1, rt: 9e5 })),
    v(1, row("2l", 10)),
    v(1, row("2l", 100, { max: 0.5 })),
    v(1, row("2l", 500, { max: 0.97, busy: 0.96, rt: 4e5 })),
    v(2, row("2l", 10)),
    v(2, row("2l", 100, { max: 0.5 })),
    v(2, row("2l", 500, { max: 0.6, refused: 3, rt: 2e5 })),
  ];
  const [s] = hostRobustSentences(rows, [], ["upcall_ns", "host.blkback_ns", "host.stack_ns"]);
  assert.match(
    s,
    /3 cost vectors \(3 cost fields varied over their ranges, 2 of them the host's own/,
  );
  assert.match(
    s,
    /2l: dom0's CPU saturates first at 500 guests in 1 of 3; a dom0 VCPU saturates first at 100 guests in 1 of 3/,
  );
  assert.match(s, /dom0's ports run out first, at 500 guests, in 1 of 3/);
  assert.ok(s.includes(`at 500 guests the mean round trip is ${fmtNs(2e5)}–${fmtNs(9e5)}`), s);
  assert.deepEqual(hostRobustSentences([row("2l", 10)], []), [], "no vectors, no sentence");
});

Deno.test("where guests were refused, the growth sentence says how many started, so the figure reads as the smaller host's", () => {
  const [s] = hostSentences(hostPoints([row("2l", 50), row("2l", 600, { refused: 102 })]));
  assert.match(s, /^2l: from 50 to 600 guests \(498 started\) the mean round trip goes from/);
  const [t] = hostSentences(hostPoints([row("2l", 600, { refused: 102 })]));
  assert.match(t, /^2l: at 600 guests \(498 started\) the mean round trip is/);
  const [u] = hostSentences(hostPoints([row("fifo", 50), row("fifo", 600)]));
  assert.match(u, /^fifo: from 50 to 600 guests the mean round trip goes from/);
});

Deno.test("the section names dom0's ports when guests are refused before any VCPU saturates", () => {
  const [s] = hostSentences(hostPoints([row("2l", 10), row("2l", 200, { refused: 5 })]));
  assert.match(s, /ports run out first: at 200 guests 5 could not start/);
});

Deno.test("the section says when nothing runs out, and is empty for single-guest results", () => {
  const [s] = hostSentences(hostPoints([row("fifo", 10), row("fifo", 20)]));
  assert.match(s, /Neither a dom0 VCPU .* nor dom0's ports run out/);
  assert.deepEqual(hostSection([{ abi: "fifo", lat_p99_ns: 5 }], (t) => t), []);
  const lines = hostSection([row("fifo", 10)], (t) => t);
  assert.match(lines[0], /^Host:/);
  assert.ok(lines.some((l) => /fifo\s+10\s+10\s+30 µs/.test(l)));
});

Deno.test("a single guest count reads as one figure, not as growth", () => {
  const [s] = hostSentences(hostPoints([row("fifo", 24)]));
  assert.match(s, /^fifo: at 24 guests the mean round trip is 30 µs \(p99 40 µs\)/);
  assert.match(s, /run out here\.$/);
});

Deno.test("another swept parameter makes a series of its own instead of being averaged away", () => {
  const rows = [
    { ...row("fifo", 24, { rt: 30000 }), "host.pcpus": 24 },
    { ...row("fifo", 24, { rt: 40000 }), "host.pcpus": 10 },
  ];
  const p = hostPoints(rows, ["host.pcpus"]);
  assert.deepEqual(p.map((x) => [x.label, x.rtMean]), [
    ["pcpus=10", 40000],
    ["pcpus=24", 30000],
  ]);
  assert.deepEqual(p[0].params, [{ path: "host.pcpus", value: "10" }]);
  const s = hostSentences(p);
  assert.match(s[0], /^fifo \(pcpus=10\): at 24 guests the mean round trip is 40 µs/);
  assert.deepEqual(hostPoints(rows).length, 1); // without the parameter list: one point
  // In the table, the parameter is a key column of its own.
  const table = hostSection(rows, (t) => t, ["host.pcpus"]).join("\n");
  assert.match(table, /abi +pcpus +guests/);
  assert.match(table, /fifo +10 +24 /);
});

Deno.test("host charts plot round trips and dom0's CPU against the guest count, none for one count", () => {
  const rows = [
    row("fifo", 10, { p99: 40000, busy: 0.1, max: 0.2 }),
    row("fifo", 10, { p99: 42000, busy: 0.1, max: 0.2 }),
    row("fifo", 100, { p99: 90000, busy: 0.5, max: 1 }),
  ];
  const charts = hostCharts(rows, ["host.guests.0.count"]);
  assert.deepEqual(charts.map((c) => c.name), ["host_rt_vs_guests", "host_dom0_busy_vs_guests"]);
  const values = (c: { spec: Record<string, unknown> }) =>
    (c.spec.data as { values: { x: number; y: number; row?: string }[] }).values;
  const p99 = values(charts[0]).filter((v) => v.row === "p99").map((v) => [v.x, v.y]);
  assert.deepEqual(p99, [[10, 41], [100, 90]]);
  const busiest = values(charts[1]).filter((v) => v.row === "busiest dom0 VCPU");
  assert.deepEqual(busiest.map((v) => v.y), [20, 100]);
  assert.deepEqual(hostCharts([row("fifo", 10)], []), []);
});

Deno.test("the section says where dom0's time goes at the largest point, largest context first", () => {
  const ctx = (hard: number, soft: number, kthread: number, user: number) => ({
    dom0_hardirq: hard,
    dom0_softirq: soft,
    dom0_kthread: kthread,
    dom0_user: user,
  });
  const [s] = hostSentences(hostPoints([
    { ...row("fifo", 10, { busy: 0.1 }), ...ctx(0.02, 0.05, 0.03, 0) },
    { ...row("fifo", 100, { busy: 0.6 }), ...ctx(0.1, 0.3, 0.2, 0.001) },
    { ...row("fifo", 100, { busy: 0.6 }), ...ctx(0.1, 0.34, 0.16, 0.001) },
  ]));
  // Means over the two replications at 100 guests; user space (0.1%) is below 1% and left out.
  assert.match(
    s,
    /At 100 guests dom0's VCPU time goes to softirq \(netback's NAPI polls\) 32%, kernel threads \(blkback, guest-rx\) 18%, hard IRQ \(event handlers\) 10%\./,
  );
  assert.doesNotMatch(s, /user space/);
  // Without the context columns the sentence is not written.
  const [plain] = hostSentences(hostPoints([row("fifo", 10), row("fifo", 20)]));
  assert.doesNotMatch(plain, /VCPU time goes to/);
});

Deno.test("a host chart shows dom0's time per context, the rows adding up to its busy fraction", () => {
  const r = (n: number, soft: number, kthread: number) => ({
    ...row("2l", n, { busy: 0.05 + soft + kthread }),
    dom0_hardirq: 0.05,
    dom0_softirq: soft,
    dom0_kthread: kthread,
    dom0_user: 0,
  });
  const charts = hostCharts([r(10, 0.1, 0.05), r(100, 0.4, 0.3)], ["host.guests.0.count"]);
  const chart = charts.find((c) => c.name === "host_dom0_contexts_vs_guests");
  assert.ok(chart, "the context chart is drawn");
  const values = (chart.spec.data as { values: { x: number; y: number; row: string }[] }).values;
  const at100 = values.filter((v) => v.x === 100);
  const busy100 = values.length && (0.05 + 0.4 + 0.3) * 100;
  assert.ok(Math.abs(at100.reduce((a, v) => a + v.y, 0) - busy100) < 1e-9);
  assert.deepEqual(
    [...new Set(values.map((v) => v.row))],
    [
      "hard IRQ (event handlers)",
      "softirq (netback's NAPI polls)",
      "kernel threads (blkback, guest-rx)",
      "user space (xenstored, xenconsoled, QEMU)",
    ],
  );
});

/**
 * Hand-made per_guest.csv rows: `n` guests x `reps` replications, a net and a blk row each,
 * guest g's round trip `rt(g, rep)` on both (requests alike, so the weighted mean is rt).
 */
function perGuestRows(
  abi: string,
  n: number,
  reps: number,
  rt: (g: number, rep: number) => number,
  extra: CsvRow = {},
): CsvRow[] {
  const rows: CsvRow[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (let g = 0; g < n; g++) {
      for (const device of ["net", "blk"]) {
        rows.push({
          abi,
          replication: rep,
          ...extra,
          guest: g,
          device,
          requests: 40,
          rt_mean_ns: rt(g, rep),
        });
      }
    }
  }
  return rows;
}

/** Lines of the section for `perGuest`, joined, with one summary row per ABI present. */
function sectionText(perGuest: CsvRow[], params: string[] = []): string {
  const abis = [...new Set(perGuest.map((r) => String(r.abi)))];
  return hostSection(abis.map((a) => row(a, 40)), wrap, params, perGuest).join("\n")
    .replace(/\u00a0/g, " ");
}

Deno.test("guests that fare alike whatever their creation order read as alike, with their spread", () => {
  // 40 guests, 3 replications: guest g waits 30 µs plus noise that does not follow g.
  const noise = (g: number, rep: number) => ((g * 7 + rep * 13) % 11) * 100;
  const rows = perGuestRows("fifo", 40, 3, (g, rep) => 30000 + noise(g, rep));
  const o = guestOrder(rows)[0];
  assert.equal(o.guests, 40);
  assert.equal(o.tenth, 4);
  const mean = (gs: number[]) =>
    gs.reduce((a, g) => a + [0, 1, 2].reduce((b, r) => b + 30000 + noise(g, r), 0) / 3, 0) /
    gs.length;
  assert.ok(Math.abs(o.first - mean([0, 1, 2, 3])) < 1e-6);
  assert.ok(Math.abs(o.last - mean([36, 37, 38, 39])) < 1e-6);
  const text = sectionText(rows);
  assert.match(text, /fifo, 40 guests: guests fare alike whatever their creation order/);
  const each = Array.from({ length: 40 }, (_, g) => mean([g]));
  const [lo, hi] = [Math.min(...each), Math.max(...each)];
  assert.equal(o.min, lo);
  assert.equal(o.max, hi);
  assert.ok(text.replace(/\n +/g, " ").includes(`run from ${fmtNs(lo)} to ${fmtNs(hi)}`));
  assert.doesNotMatch(text, /fare worse/);
  for (const line of text.split("\n")) assert.ok(line.length <= 78, line);
});

Deno.test("later guests that wait longer read as faring worse, with the difference and its interval", () => {
  // Guest g waits 30 µs + 0.5 µs per creation index: the last tenth 19.5 µs more than the first.
  const rows = perGuestRows("2l", 40, 3, (g, rep) => 30000 + 500 * g + 50 * rep);
  const o = guestOrder(rows)[0];
  assert.ok(Math.abs(o.last - o.first - 500 * 36) < 1e-6, `${o.last - o.first}`);
  assert.equal(o.half, 0, "the same difference in every replication");
  const text = sectionText(rows).replace(/\n +/g, " ");
  // first tenth: 30 µs + 0.5 µs x 1.5 + 50 ns = 30.8 µs; last: + 0.5 µs x 37.5 = 48.8 µs.
  assert.match(text, /2l, 40 guests: later guests fare worse: the first 4 guests by creation/);
  assert.match(text, /average 30\.8 µs per round trip, the last 4 48\.8 µs \(\+58%/);
});

Deno.test("a small difference in line with creation order still reads as alike; one run uses the spread across guests", () => {
  // 2% more for the later guests, every replication: significant but under the 5% threshold.
  const small = perGuestRows("fifo", 20, 3, (g) => (g < 10 ? 30000 : 30600));
  assert.match(sectionText(small), /guests fare alike whatever their creation order/);
  assert.match(sectionText(small).replace(/\n +/g, " "), /\+2%, within 5%/);
  // One replication: the interval comes from the guests' spread (Welch); a clear step shows.
  const one = perGuestRows(
    "2l",
    20,
    1,
    (g) => (g < 10 ? 30000 + (g % 3) * 100 : 45000 + (g % 3) * 100),
  );
  assert.match(sectionText(one), /later guests fare worse/);
  // Too few guests to compare tenths: nothing is said.
  assert.equal(guestOrder(perGuestRows("2l", 3, 1, (g) => 1000 * g)).length, 0);
});

Deno.test("per-guest order takes the point with the most guests, and ioreq rows stay out", () => {
  const P = "host.guests.0.count";
  const rows = [
    ...perGuestRows("2l", 10, 2, () => 30000, { [P]: 10 }),
    ...perGuestRows("2l", 30, 2, (g) => 30000 + 1000 * g, { [P]: 30 }),
    ...Array.from({ length: 30 }, (_, g) => ({
      abi: "2l",
      replication: 0,
      [P]: 30,
      guest: g,
      device: "ioreq",
      requests: 5,
      rt_mean_ns: 1e9,
    })),
  ];
  const [o] = guestOrder(rows, [P]);
  assert.equal(o.guests, 30);
  assert.equal(o.max, 30000 + 1000 * 29);
});

Deno.test("a large difference that changes sign across replications reads as within noise, not as an order", () => {
  // The last 4 of 40 guests wait 12, -6 and 3 µs more than the rest in replications 0..2:
  // +10% on average, but the paired interval spans zero.
  const step = [12000, -6000, 3000];
  const rows = perGuestRows("2l", 40, 3, (g, rep) => 30000 + (g >= 36 ? step[rep] : 0));
  const o = guestOrder(rows)[0];
  assert.ok(Math.abs((o.last - o.first) / o.first - 0.1) < 1e-9);
  assert.ok(o.half > o.last - o.first, `half ${o.half}`);
  const text = sectionText(rows).replace(/\n +/g, " ");
  assert.match(text, /guests fare alike whatever their creation order: .*within noise/);
  assert.doesNotMatch(text, /fare worse/);
});

Deno.test("when later guests fare worse, the section says which dom0 VCPU their requests wait on", () => {
  // 20 guests: the net devices of guests 5.. notify dom0 VCPU 3 and wait 1 ms; every other
  // device (the first 5 guests' net, every blk) notifies VCPU 1 or 2 and waits 40 µs.
  const rows = perGuestRows("fifo", 20, 2, () => 0).map((r) => {
    const late = r.device === "net" && Number(r.guest) >= 5;
    return {
      ...r,
      dom0_vcpu: late ? 3 : r.device === "net" ? 1 : 2,
      rt_mean_ns: late ? 1e6 : 40000,
    };
  });
  const o = guestOrder(rows)[0];
  // Devices: 15 late net devices on VCPU 3; 5 net + 20 blk elsewhere.
  // Among VCPU 3's 15 guests alone, the first and last tenth (2 guests each) wait alike.
  assert.deepEqual(o.byVcpu, {
    vcpu: 3,
    devices: 15,
    mean: 1e6,
    otherDevices: 25,
    otherMean: 40000,
    within: { tenth: 2, first: 1e6, last: 1e6, half: 0 },
  });
  const text = sectionText(rows).replace(/\n +/g, " ");
  assert.match(text, /later guests fare worse/);
  assert.match(
    text,
    /The guest devices whose requests notify dom0 VCPU 3 \(15 of 40\) average 1 ms, the others 40 µs\./,
  );
  assert.match(text, /Among the devices on VCPU 3 alone, creation order shows no difference/);
  assert.doesNotMatch(text, /matters beyond that VCPU/);
  // Without the column nothing is said of VCPUs.
  const plain = rows.map(({ dom0_vcpu: _, ...r }) => r);
  assert.equal(guestOrder(plain)[0].byVcpu, undefined);
  assert.doesNotMatch(sectionText(plain).replace(/\n +/g, " "), /requests notify dom0 VCPU/);
});

Deno.test("a device whose dom0 VCPU changes between replications is counted once per replication", () => {
  // 20 guests, 2 replications: a late guest's net device notifies VCPU 3 in
  // replication 0 only when its index is odd, in replication 1 only when it is
  // even (a queue drawn per replication). VCPU 3 holds 8 devices in the first
  // replication and 7 in the second: 7.5 of 40 per replication.
  const rows = perGuestRows("fifo", 20, 2, () => 0).map((r) => {
    const g = Number(r.guest), rep = Number(r.replication);
    const hot = r.device === "net" && g >= 5 && g % 2 === (rep === 0 ? 1 : 0);
    return { ...r, dom0_vcpu: hot ? 3 : 1, rt_mean_ns: hot ? 1e6 : 40000 };
  });
  const b = guestOrder(rows)[0].byVcpu!;
  assert.equal(b.vcpu, 3);
  assert.equal(b.devices, 7.5);
  assert.equal(b.devices + b.otherDevices, 40);
  const text = sectionText(rows).replace(/\n +/g, " ");
  assert.match(text, /notify dom0 VCPU 3 \(7\.5 of 40 per replication, on average\)/);
});

Deno.test("when later guests wait longer even on the same dom0 VCPU, the section says order matters beyond it", () => {
  // As above, but on VCPU 3 each later guest waits 20 µs more than the one before, in every
  // replication: the order matters among the devices of one VCPU too (a scan order would).
  const rows = perGuestRows("2l", 20, 2, () => 0).map((r) => {
    const g = Number(r.guest), late = r.device === "net" && g >= 5;
    return {
      ...r,
      dom0_vcpu: late ? 3 : r.device === "net" ? 1 : 2,
      rt_mean_ns: late ? 1e6 + 20000 * g : 40000,
    };
  });
  const w = guestOrder(rows)[0].byVcpu!.within!;
  assert.equal(w.last - w.first, 20000 * (18.5 - 5.5));
  const text = sectionText(rows).replace(/\n +/g, " ");
  assert.match(text, /Creation order matters beyond that VCPU: .*wait 23% longer than the first 2/);
  assert.doesNotMatch(text, /shows no difference/);
  // Later guests on that VCPU waiting less read as less, not as a negative wait.
  const fewer = rows.map((r) =>
    Number(r.rt_mean_ns) > 40000 ? { ...r, rt_mean_ns: 2e6 - Number(r.rt_mean_ns) } : r
  );
  const less = sectionText(fewer).replace(/\n +/g, " ");
  assert.match(less, /Creation order matters beyond that VCPU: .*wait 29% less than the first 2/);
});
