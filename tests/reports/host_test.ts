import assert from "node:assert/strict";
import { hostCharts, hostPoints, hostSection, hostSentences } from "../../reports/host.ts";
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
    ["host.pcpus = 10", 40000],
    ["host.pcpus = 24", 30000],
  ]);
  const s = hostSentences(p);
  assert.match(s[0], /^fifo \(host\.pcpus = 10\): at 24 guests the mean round trip is 40 µs/);
  assert.deepEqual(hostPoints(rows).length, 1); // without the parameter list: one point
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
