import assert from "node:assert/strict";
import {
  capacityAnswer,
  capacitySummary,
  capacityText,
  objectiveWords,
  robustCapacity,
} from "../../reports/capacity_text.ts";
import { capacityChart } from "../../reports/capacity_chart.ts";

const row = (abi: string, capacity: number, high: number, limit: string, detail = "") => ({
  abi,
  capacity,
  capacity_high: high,
  limit,
  limit_detail: detail,
  objective: "rt_p99_ns<=200000",
  axis: "host.guests.0.count",
});

Deno.test("the answer states each ABI's guest count, its interval, the objective and the limit", () => {
  const [line] = capacityAnswer([
    row("fifo", 412, 430, "dom0_cpu", "dom0 busy 0.97"),
    row("2l", 207, 207, "ports", "4095 ports bound"),
  ], []);
  assert.equal(
    line,
    "fifo serves 412 guests (412–430) at round-trip p99 ≤ 200 µs, limited by dom0's CPU " +
      "(dom0 busy 0.97); 2l serves 207 guests, limited by its ports (4095 ports bound).",
  );
});

Deno.test("a single guest's saturated VCPUs read as the guest's CPU, not dom0's", () => {
  const single = (abi: string, detail: string) => ({
    ...row(abi, 750000, 787499, "dom0_cpu", detail),
    objective: "done_mean_ns<=4000",
    axis: "groups.0.arrival.rate_per_s",
  });
  const rows = [
    single("2l", "the guest's VCPUs 97% busy"),
    single("fifo", "the guest's VCPUs 96% busy"),
  ];
  assert.match(
    capacityAnswer(rows, [])[0],
    /limited by the guest's CPU \(the guest's VCPUs 97% busy\)/,
  );
  assert.match(
    capacitySummary(rows, []).join(" "),
    /What runs out first: the guest's CPU in 2 of 2 searches/,
  );
  // A host's keeps dom0's name.
  const host = [row("fifo", 40, 41, "dom0_cpu", "dom0 97% busy")];
  assert.match(
    capacitySummary(host, []).join(" "),
    /What runs out first: dom0's CPU in 1 of 1 searches/,
  );
});

Deno.test("a sweep's grid points each get their answer, named in words", () => {
  const lines = capacityAnswer([
    { ...row("fifo", 10, 10, "objective"), "host.dom0.vcpus": 4 },
    { ...row("fifo", 20, 20, "objective"), "host.dom0.vcpus": 8 },
  ], ["host.dom0.vcpus"]);
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^With dom0\.vcpus=4: fifo serves 10 guests/);
  assert.match(lines[1], /^With dom0\.vcpus=8: fifo serves 20 guests/);
});

Deno.test("an objective reads in words with its unit", () => {
  assert.equal(objectiveWords("rt_p99_ns<=200000"), "round-trip p99 ≤ 200 µs");
  assert.equal(objectiveWords("jain_rt>=0.9"), "jain rt ≥ 0.9");
  // As a scenario's capacity block may write it: with a unit.
  assert.equal(objectiveWords("rt_p99_ns<=200us"), "round-trip p99 ≤ 200 µs");
  assert.equal(objectiveWords("rt_p99_ns<=1.5ms"), "round-trip p99 ≤ 1.5 ms");
});

Deno.test("the robust columns give the range over cost vectors and the field capacity follows", () => {
  const own = [{ abi: "fifo", capacity: 10 }, { abi: "2l", capacity: 9 }];
  const per = [1, 2, 3, 4, 5].flatMap((v) => [
    { cost_vector: v, upcall_ns: v * 100, wake_ns: (v * 37) % 5, abi: "fifo", capacity: 20 - v },
    { cost_vector: v, upcall_ns: v * 100, wake_ns: (v * 37) % 5, abi: "2l", capacity: 7 },
  ]);
  const [fifo, two] = robustCapacity(own, per, []);
  assert.deepEqual([fifo.robust_low, fifo.robust_high, fifo.follows], [15, 19, "upcall_ns"]);
  assert.equal(fifo.follows_rho, -1);
  // A capacity that does not move follows nothing.
  assert.deepEqual([two.robust_low, two.robust_high, two.follows], [7, 7, ""]);
});

Deno.test("the capacity chart draws the objective and a rule at each ABI's capacity", () => {
  const summary = [10, 20, 40].flatMap((n) =>
    [0, 1].map((r) => ({
      abi: "fifo",
      replication: r,
      "host.guests.0.count": n,
      rt_p99_ns: 5e3 * n,
    }))
  );
  const chart = capacityChart(summary, [row("fifo", 39, 39, "objective")], [])!;
  const text = JSON.stringify(chart.spec);
  assert.match(text, /"datum":200\b/, "the objective at 200 µs");
  assert.match(text, /"values":\[\{"abi":"fifo","x":39\}\]/, "the capacity rule");
  assert.ok(capacityChart(summary, [], []) === undefined);
});

Deno.test("the summary says the ABIs serve the same guests when their intervals overlap everywhere", () => {
  const rows = [
    { ...row("2l", 40, 42, "dom0_cpu"), p: 4, port_limit_guests: 183 },
    { ...row("fifo", 41, 41, "dom0_cpu"), p: 4, port_limit_guests: "" },
    { ...row("2l", 80, 80, "dom0_vcpu"), p: 8, port_limit_guests: 189 },
    { ...row("fifo", 79, 81, "dom0_cpu"), p: 8, port_limit_guests: "" },
  ];
  const [first, second, third] = capacitySummary(rows, ["p"]);
  assert.match(first, /2l and fifo serve the same number of guests at every point/);
  assert.match(first, /from 40 guests \(p=4\) to 81 \(p=8\)/);
  assert.equal(
    second,
    "What runs out first: dom0's CPU in 3 of 4 searches, a single dom0 VCPU in 1 of 4 searches.",
  );
  assert.equal(third, "By ports alone, dom0 would stop at: 2l at 183–189 guests.");
});

Deno.test("the summary names the points where one ABI's interval lies above another's", () => {
  const rows = [
    { ...row("2l", 30, 31, "ports"), p: 1, port_limit_guests: 31 },
    { ...row("fifo", 50, 52, "dom0_cpu"), p: 1, port_limit_guests: "" },
    { ...row("2l", 60, 62, "dom0_cpu"), p: 2, port_limit_guests: 120 },
    { ...row("fifo", 61, 61, "dom0_cpu"), p: 2, port_limit_guests: "" },
  ];
  const [first, , third] = capacitySummary(rows, ["p"]);
  assert.match(
    first,
    /the ABIs differ at 1 of 2 points: fifo serves 50 where 2l serves 30–31 \(p=1\)/,
  );
  // Ports bound first somewhere: the port-count answer stays, and says where.
  assert.equal(
    third,
    "By ports alone, dom0 would stop at: 2l at 31–120 guests (the limit met first at 1 of 2 points).",
  );
});

Deno.test("report.md's capacity lines fit in 78 columns and open with the summary", () => {
  const rows = Array.from({ length: 6 }, (_, i) => ({
    ...row(i % 2 ? "fifo" : "2l", 20 + i, 22 + i, "dom0_vcpu", "busiest dom0 VCPU 99.4% busy"),
    "host.dom0.notify": i < 3 ? "vcpu0" : "least-loaded",
    "host.dom0.vcpus": 8,
  }));
  const text = capacityText(rows, ["host.dom0.notify", "host.dom0.vcpus"]);
  assert.ok(text.startsWith("At round-trip p99 ≤ 200 µs"), text.slice(0, 80));
  for (const line of text.split("\n")) assert.ok(line.length <= 78, line);
});
