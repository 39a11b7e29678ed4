/**
 * The `sim` command (DESIGN §6). Thin: parse, call the library, print.
 * Exit status: 0 done, 2 bad input, 1 internal failure.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { z } from "zod";
import { InputError } from "./errors.ts";
import { builtinNames, loadInput, resolveUserPath, ScenarioSchema } from "./scenario.ts";
import { expandPlan, type PlanOverrides } from "./sweep.ts";
import { checkOutputDir, writeResults } from "./results.ts";
import { runOne } from "./run.ts";
import type { RunResult } from "./run.ts";
import { ABI_IDS } from "../models/registry.ts";

const USAGE = `evtchn-sim: a discrete-event simulator of Xen event-channel ABIs

usage:
  deno task sim                         the default comparison -> results/default/
  deno task sim run <file|name> [--out DIR] [--abi LIST] [--seed N] [--replications N]
                                        [--set k=v]... [--ports] [--force] [--max-events N]
  deno task sim sweep <file|name> [--out DIR] [--workers N] [--shard i/n] [--resume]
  deno task sim list                    built-in scenarios and their questions
  deno task sim validate <file>         check a scenario or sweep file
  deno task sim schema [--out F]        the JSON Schema of scenario files

ABI ids: ${ABI_IDS.join(", ")}, or a module path (./designs/my_abi.ts)
`;

const OPTIONS = {
  out: { type: "string" },
  abi: { type: "string" },
  seed: { type: "string" },
  replications: { type: "string" },
  set: { type: "string", multiple: true },
  ports: { type: "boolean" },
  force: { type: "boolean" },
  "max-events": { type: "string" },
  workers: { type: "string" },
  shard: { type: "string" },
  resume: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) {
    throw new InputError(`--${name} ${v}: expected an integer >= ${min}`);
  }
  return n;
}

/** Run the command line `args`; returns the exit status. */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`error: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: flags, positionals } = parsed;
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  const [cmd = "default", ...rest] = positionals;
  try {
    switch (cmd) {
      case "default":
        return await simulate("default", flags, "deno task sim");
      case "run":
      case "sweep": {
        if (rest.length !== 1) throw new InputError(`${cmd}: expected one scenario file or name`);
        return await simulate(rest[0], flags, `deno task sim ${args.join(" ")}`);
      }
      case "list":
        for (const name of builtinNames()) {
          const raw = loadInput(name).raw as Record<string, unknown>;
          const base = raw.base && typeof raw.base === "object"
            ? raw.base as Record<string, unknown>
            : raw;
          const desc = (raw.description ?? base.description ?? "") as string;
          console.log(`${name.padEnd(28)} ${desc}`);
        }
        return 0;
      case "validate": {
        if (rest.length !== 1) throw new InputError("validate: expected one file");
        const plan = expandPlan(loadInput(rest[0]), {}, resolveUserPath);
        console.log(`${rest[0]}: valid (${plan.runs.length} runs)`);
        return 0;
      }
      case "schema": {
        const schema = JSON.stringify(z.toJSONSchema(ScenarioSchema, { io: "input" }), null, 2);
        if (flags.out) Deno.writeTextFileSync(resolveUserPath(flags.out), schema + "\n");
        else console.log(schema);
        return 0;
      }
      default:
        throw new InputError(`unknown command '${cmd}'\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof InputError) {
      console.error(`error: ${e.message}`);
      return 2;
    }
    console.error(`internal error: ${(e as Error).stack ?? e}`);
    return 1;
  }
}

type Flags = {
  out?: string;
  abi?: string;
  seed?: string;
  replications?: string;
  set?: string[];
  ports?: boolean;
  force?: boolean;
  "max-events"?: string;
};

async function simulate(target: string, flags: Flags, command: string): Promise<number> {
  const overrides: PlanOverrides = {
    abis: flags.abi ? flags.abi.split(",").map((s) => s.trim()).filter(Boolean) : undefined,
    seed: intFlag("seed", flags.seed, 0),
    replications: intFlag("replications", flags.replications, 1),
    sets: flags.set ?? [],
  };
  const maxEvents = intFlag("max-events", flags["max-events"], 1);
  const plan = expandPlan(loadInput(target), overrides, resolveUserPath);
  const out = resolveUserPath(flags.out ?? `results/${plan.name}`);
  checkOutputDir(out, plan, flags.force ?? false);
  const results: RunResult[] = [];
  const t0 = performance.now();
  for (const run of plan.runs) {
    results.push(await runOne(run, { maxEvents, ports: flags.ports ?? false }));
    console.error(
      `[${results.length}/${plan.runs.length}] ${run.abi} rep ${run.replication}` +
        ` (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
  }
  writeResults(out, plan, results, command);
  console.error(`wrote ${out}/`);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
