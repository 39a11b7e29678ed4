/**
 * Hand-made results (no simulation): a sweep over net rate and net ports for
 * 2l and fifo with 3 replications, whose latencies are known in advance.
 *
 * @module
 */

import type { CsvRow } from "../../reports/csv.ts";
import { toCsv } from "../../reports/csv.ts";
import type { ResultSet } from "../../reports/load.ts";
import { RandomStream } from "../../sim/engine/random.ts";

/** p99 dispatch latency (ns) of group timer: 2l 61 µs ± ~3, fifo 4.1 µs ± ~0.2. */
export const TIMER_P99 = { "2l": [58000, 61000, 64000], fifo: [3900, 4100, 4300] };

const RATE = "groups.1.arrival.rate_per_s";
const PORTS = "groups.1.ports";

/** The resolved sweep the fixture claims to come from. */
export const RESOLVED = {
  base: {
    name: "fixture",
    description: "Does FIFO keep the timer fast under a network storm?",
    abis: ["2l", "fifo"],
    guest: { vcpus: 2 },
    starvation_ms: 1,
    groups: [
      { name: "timer", ports: 1, vcpu: "each", timer: true },
      { name: "net", ports: 256, vcpu: "spread" },
      { name: "disk", ports: 64, vcpu: "spread", priority: 9 },
    ],
  },
  grid: { [RATE]: [200000, 600000], [PORTS]: [256, 4096] },
};

function lat(base: number): CsvRow {
  return {
    lat_mean_ns: base,
    lat_p50_ns: base * 0.8,
    lat_p90_ns: base * 2,
    lat_p99_ns: base * 5,
    lat_p999_ns: base * 9,
    lat_max_ns: base * 15,
  };
}

/** Build the fixture's rows. */
export function fixtureSet(dir = "."): ResultSet {
  const summary: CsvRow[] = [], groups: CsvRow[] = [], priorities: CsvRow[] = [];
  for (const rate of [200000, 600000]) {
    for (const ports of [256, 4096]) {
      for (const abi of ["2l", "fifo"] as const) {
        for (let r = 0; r < 3; r++) {
          const head: CsvRow = {
            scenario: "fixture",
            abi,
            replication: r,
            seed: 100 + r,
            [RATE]: rate,
            [PORTS]: ports,
          };
          const load = rate / 200000;
          const base = (abi === "2l" ? 3000 : 2000) * load * (ports > 256 ? 1.1 : 1) *
            (1 + r * 0.05);
          const requested = 2 + ports + 64;
          const failures = abi === "2l" ? Math.max(0, requested - 4096) : 0;
          summary.push({
            ...head,
            raised: 1000,
            delivered: 900,
            coalesced: 100,
            ...lat(base),
            jain_latency: abi === "2l" ? 0.6 - 0.1 * load + r * 0.01 : 0.9 + r * 0.01,
            starved_events: abi === "2l" ? 10 * load + r : 0,
            inversions: abi === "2l" ? 50 : 0,
            upcalls: 300,
            overhead_ns_per_event: (abi === "2l" ? ports / 8 : 40) + r,
            bind_failures: failures,
            shared_bytes: abi === "2l" ? 8192 : 4096 * Math.ceil(requested / 1024),
            sim_events: 5000,
          });
          const timer = rate === 600000 && ports === 4096
            ? TIMER_P99[abi][r]
            : (abi === "2l" ? 20000 : 3000) + r * 100;
          groups.push({
            ...head,
            group: "timer",
            priority: 0,
            delivered: 80,
            ...lat(timer / 5),
            starved_events: 0,
          });
          groups.push({
            ...head,
            group: "net",
            priority: 7,
            delivered: 700,
            ...lat(base),
            starved_events: 0,
          });
          groups.push({
            ...head,
            group: "disk",
            priority: 9,
            delivered: 120,
            ...lat(base * (abi === "fifo" ? 3 : 1)),
            starved_events: abi === "2l" ? 10 * load + r : 0,
          });
          for (const [p, k] of [[0, 0.2], [7, 1], [9, abi === "fifo" ? 3 : 1]]) {
            priorities.push({ ...head, priority: p, delivered: 100, ...lat(base * k) });
          }
        }
      }
    }
  }
  return {
    dir,
    manifest: {
      scenario: "fixture",
      command: "deno task sim sweep fixture.json --out results/fixture",
      resolved: RESOLVED,
      params: [RATE, PORTS],
      tool_version: "0.1.0",
    },
    summary,
    groups,
    priorities,
  };
}

/** Write the fixture as a results folder in `dir`. */
export function writeFixture(dir: string): void {
  const set = fixtureSet(dir);
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(`${dir}/summary.csv`, toCsv(set.summary));
  Deno.writeTextFileSync(`${dir}/groups.csv`, toCsv(set.groups));
  Deno.writeTextFileSync(`${dir}/priorities.csv`, toCsv(set.priorities));
  Deno.writeTextFileSync(
    `${dir}/manifest.json`,
    JSON.stringify({ ...set.manifest, runs: [] }, null, 2),
  );
}

/** A Fisher–Yates shuffle of `xs`, driven by a fixed-seed stream named `label`. */
export function shuffled<T>(xs: readonly T[], label: string): T[] {
  const r = RandomStream.derive(3, 0, label);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r.uniform() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
