// Helpers for the guest-runtime tests: constructed timelines run through the whole model.
import assert from "node:assert/strict";
import { executeRun, type RunResult } from "../../../sim/run/run.ts";
import { parseScenario, type Scenario } from "../../../sim/scenario/scenario.ts";
import { createAbi } from "../../../models/registry.ts";

/** A trace file of `time_ns,group,index` lines, in a temporary folder of its own. */
export function trace(lines: [number, string, number][]): string {
  const dir = Deno.makeTempDirSync({ prefix: "guest_rules_" });
  const f = `${dir}/trace.csv`;
  Deno.writeTextFileSync(f, lines.map(([t, g, i]) => `${t},${g},${i}`).join("\n") + "\n");
  return f;
}

/** A scenario with zero costs, no warm-up and one replication, over `raw`. */
export function scenario(raw: Record<string, unknown>): Scenario {
  return parseScenario({
    name: "rules",
    warmup_ms: 0,
    replications: 1,
    costs: "zero",
    starvation_ms: 1000,
    ...raw,
  }, "guest_fixture");
}

/** Run `s` once under `abi`. */
export function exec(s: Scenario, abi = "fifo"): RunResult {
  return executeRun(
    { index: 0, id: "rules", scenario: s, abi, replication: 0, seed: s.seed, point: 0, params: {} },
    (o) => createAbi(abi, o),
  );
}

/** The groups.csv row of group `name`. */
export const group = (r: RunResult, name: string): Record<string, string | number> =>
  r.groups.find((g) => g.group === name)!;

/** A numeric column of a row (fails when the cell is empty). */
export const num = (row: Record<string, string | number>, col: string): number => {
  const v = row[col];
  assert.equal(typeof v, "number", `${col} is '${v}'`);
  return v as number;
};

/**
 * Group `name`: `ports` ports on VCPU 0, top half `topNs`, arrivals from `file`, then `extra`.
 * Every group that names a trace file replays all of it (each line raises the port of the group
 * it names), so a file shared by several groups goes to one of them; the others get `null`
 * (an empty trace).
 */
export function grp(
  name: string,
  file: string | null,
  topNs: number,
  extra: Record<string, unknown> = {},
  ports = 1,
): Record<string, unknown> {
  return {
    name,
    ports,
    vcpu: 0,
    arrival: { kind: "trace", file: file ?? trace([]) },
    service: { kind: "const", ns: topNs },
    ...extra,
  };
}

/** A softirq (NAPI) bottom half of `n` items of `itemNs` each, NAPI weight `weight`. */
export function napi(n: number, itemNs: number, weight = 64): Record<string, unknown> {
  return {
    kind: "softirq",
    items: { kind: "const", n },
    item: { kind: "const", ns: itemNs },
    weight,
  };
}
