/**
 * The command line's vocabulary in one place: every subcommand with its
 * usage line, every flag with its help text and the subcommands that take
 * it. Help (`help`, `<cmd> --help`), parsing and "did you mean" all read
 * these tables, so a new flag is one entry here.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { InputError } from "../io/errors.ts";
import { nearest } from "../scenario/suggest.ts";
import { ABI_IDS } from "../../models/registry.ts";

/** A subcommand. */
export interface CommandSpec {
  /** Its arguments, as shown in usage (`<file|name>`). */
  args: string;
  /** One line: what it does. */
  summary: string;
}

/** The subcommands, in the order help lists them. */
export const COMMANDS: Record<string, CommandSpec> = {
  run: { args: "<file|name>", summary: "run a scenario (or sweep) into a results folder" },
  sweep: { args: "<file|name>", summary: "run a sweep: like run, with workers and shards" },
  merge: { args: "<dir>... --out DIR", summary: "combine shard folders of one sweep" },
  capacity: {
    args: "<file|name> --objective X",
    summary: "per ABI, the largest guest count (or --axis value) that meets an objective",
  },
  list: { args: "", summary: "built-in scenarios and their questions" },
  validate: { args: "<file|name>", summary: "check a scenario or sweep file; nothing runs" },
  schema: { args: "", summary: "the JSON Schema of scenario and sweep files" },
  report: { args: "<dir>", summary: "re-render charts, report.html and report.md" },
  trace: { args: "<file|name> --out F", summary: "Chrome trace (Perfetto) of one run" },
  help: { args: "[command]", summary: "this help, or one command's options" },
};

/** A flag. */
export interface FlagSpec {
  /** `string` takes a value, `boolean` does not. */
  type: "string" | "boolean";
  /** The value's name in help (`N`, `DIR`). */
  value?: string;
  /** A one-letter alias. */
  short?: string;
  /** May be given several times. */
  multiple?: boolean;
  /** One line of help. */
  help: string;
  /** The subcommands that take it (`*`: all). */
  commands: readonly string[];
}

const SIM = ["run", "sweep", "default"];
/** The commands that run simulations into a results folder (capacity searches included). */
const RUNS = [...SIM, "capacity"];

/** Every flag of the command line. */
export const FLAGS: Record<string, FlagSpec> = {
  out: {
    type: "string",
    value: "DIR",
    help: "results folder (default results/<name>/, capacity: results/<name>-capacity/); " +
      "trace, schema: the output file",
    commands: [...RUNS, "merge", "trace", "schema"],
  },
  abi: {
    type: "string",
    value: "LIST",
    help: "ABIs to run instead of the scenario's (comma-separated ids or module paths)",
    commands: [...RUNS, "trace", "validate"],
  },
  seed: {
    type: "string",
    value: "N",
    help: "master seed",
    commands: [...RUNS, "trace", "validate"],
  },
  replications: {
    type: "string",
    value: "N",
    help: "replications per ABI and grid point (capacity: of a first look at a value)",
    commands: [...RUNS, "validate"],
  },
  set: {
    type: "string",
    value: "k=v",
    multiple: true,
    help: "override any key (dotted path); setting a `kind` starts a new object",
    commands: [...RUNS, "trace", "validate"],
  },
  ports: { type: "boolean", help: "also write ports.csv (per-port rows)", commands: SIM },
  force: {
    type: "boolean",
    help: "write into a folder holding other results or files of its own",
    commands: [...RUNS, "merge"],
  },
  "max-events": {
    type: "string",
    value: "N",
    help: "stop any run after N simulated events",
    commands: [...RUNS, "trace"],
  },
  budget: {
    type: "string",
    value: "EVENTS",
    help: "refuse work estimated above this many simulated events (default 1e10)",
    commands: [...RUNS, "trace", "validate"],
  },
  "input-limit-mb": {
    type: "string",
    value: "MB",
    help: "largest scenario, sweep or trace file read, in MiB (default 256)",
    commands: [...SIM, "trace", "validate"],
  },
  "design-memory-mb": {
    type: "string",
    value: "MB",
    help: "memory cap of a design module's process (JS heap and resident size), in MiB " +
      "(default 2048)",
    commands: [...SIM, "trace", "validate"],
  },
  "design-watchdog-s": {
    type: "string",
    value: "S",
    help: "stop a design module's process that shows no progress for S seconds (default 60)",
    commands: [...SIM, "trace", "validate"],
  },
  "budget-mb": {
    type: "string",
    value: "MB",
    help: "refuse runs (or a trace) estimated above this memory or output, in MiB (default 2048)",
    commands: [...RUNS, "trace", "validate"],
  },
  "until-ms": {
    type: "string",
    value: "N",
    help: "simulated time to trace to (default and cap: the scenario's warm-up + duration)",
    commands: ["trace"],
  },
  workers: {
    type: "string",
    value: "N",
    help: "worker threads (default: the number of cores)",
    commands: RUNS,
  },
  shard: { type: "string", value: "i/n", help: "run one shard of the sweep", commands: SIM },
  resume: { type: "boolean", help: "skip the runs already recorded in --out", commands: RUNS },
  partial: { type: "boolean", help: "merge even when runs are missing", commands: ["merge"] },
  "ci-target": {
    type: "string",
    value: "F",
    help: "add replications until headline 95% half-widths are below F x the mean",
    commands: SIM,
  },
  "max-replications": {
    type: "string",
    value: "N",
    help: "upper bound of replications with --ci-target (default 50); capacity: near the " +
      "boundary (default 4 x the first look)",
    commands: RUNS,
  },
  robust: {
    type: "string",
    value: "[N]",
    help: "check every finding under N cost vectors (default 10; 8 in `sim`; 0: off); " +
      "capacity: its range and the cost field it follows",
    commands: RUNS,
  },
  objective: {
    type: "string",
    value: "X",
    help: 'capacity objective "<column><=<value>" or >=, units ns/us/ms/s (e.g. rt_p99_ns<=200us)',
    commands: ["capacity"],
  },
  axis: {
    type: "string",
    value: "PATH",
    help: "integer key the capacity search varies (default host.guests.0.count)",
    commands: ["capacity"],
  },
  start: {
    type: "string",
    value: "N",
    help: "first value of the capacity search (default: the scenario's own)",
    commands: ["capacity"],
  },
  max: {
    type: "string",
    value: "N",
    help: "largest value the capacity search tries (default 1024 x start)",
    commands: ["capacity"],
  },
  resolution: {
    type: "string",
    value: "N",
    help: "capacity bisection stops at gaps this wide (default 1)",
    commands: ["capacity"],
  },
  quiet: { type: "boolean", short: "q", help: "no progress on stderr", commands: ["*"] },
  "no-report": { type: "boolean", help: "write CSVs only (no charts or report)", commands: RUNS },
  help: { type: "boolean", short: "h", help: "show help", commands: ["*"] },
  version: { type: "boolean", help: "tool version, Deno version and git commit", commands: ["*"] },
};

/** Parsed flag values, by flag name. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/**
 * Parse `args` against {@linkcode FLAGS}: positionals and flag values.
 * Throws InputError on an unknown flag (suggesting the nearest) or a flag
 * the subcommand does not take.
 *
 * @example
 * ```ts
 * import { parseCommandLine } from "./flags.ts";
 * const { command, positionals } = parseCommandLine(["run", "default", "--quiet"]);
 * console.log(command, positionals); // "run" ["default"]
 * ```
 */
export function parseCommandLine(
  args: readonly string[],
): { command: string; positionals: string[]; flags: Flags } {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([k, f]) => [
      k,
      { type: f.type, ...(f.short ? { short: f.short } : {}), multiple: f.multiple ?? false },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message;
    const flag = /Unknown option '--([^']+)'/.exec(msg)?.[1];
    const hint = flag ? nearest(flag, Object.keys(FLAGS)) : undefined;
    throw new InputError(
      `${msg.replace(/\. To specify a positional.*$/s, "")}` +
        `${hint ? ` (did you mean --${hint}?)` : ""}; 'deno task sim help' lists the options`,
    );
  }
  const [command = "default", ...positionals] = parsed.positionals;
  const flags = parsed.values as Flags;
  if (command in COMMANDS || command === "default") {
    for (const [name, value] of Object.entries(flags)) {
      const spec = FLAGS[name];
      if (value === undefined || spec.commands.includes("*")) continue;
      if (!spec.commands.includes(command)) {
        throw new InputError(
          `--${name}: not an option of '${command === "default" ? "sim" : command}'; ` +
            `'deno task sim ${
              command === "default" ? "help" : `${command} --help`
            }' lists its options`,
        );
      }
    }
  }
  return { command, positionals, flags };
}

/**
 * The subcommand nearest to an unknown `word`, for "did you mean".
 *
 * @example
 * ```ts
 * import { suggestCommand } from "./flags.ts";
 * console.log(suggestCommand("sweap")); // "sweep"
 * ```
 */
export function suggestCommand(word: string): string | undefined {
  return nearest(word, Object.keys(COMMANDS));
}

/**
 * A number flag: `--name value`, an integer when `integer`, at least `min`.
 * Says "not a number" for text and names the bound otherwise.
 *
 * @example
 * ```ts
 * import { numberFlag } from "./flags.ts";
 * console.log(numberFlag("budget", "2e10", { min: 1 })); // 20000000000
 * ```
 */
export function numberFlag(
  name: string,
  value: unknown,
  { min = -Infinity, integer = false, above = false }: {
    min?: number;
    integer?: boolean;
    above?: boolean;
  } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const n = text.trim() === "" ? NaN : Number(text);
  if (Number.isNaN(n)) throw new InputError(`--${name} ${text}: not a number`);
  if (!Number.isFinite(n)) throw new InputError(`--${name} ${text}: expected a finite number`);
  if (integer && !Number.isInteger(n)) {
    throw new InputError(`--${name} ${text}: expected an integer >= ${min}`);
  }
  if (above ? !(n > min) : n < min) {
    throw new InputError(
      `--${name} ${text}: expected ${integer ? "an integer" : "a number"} ${
        above ? ">" : ">="
      } ${min}`,
    );
  }
  return n;
}

function flagLine(name: string, f: FlagSpec): string {
  const left = `  ${f.short ? `-${f.short}, ` : ""}--${name}${f.value ? ` ${f.value}` : ""}`;
  return `${left.padEnd(32)} ${f.help}${f.multiple ? " (repeatable)" : ""}`;
}

/**
 * Help text: the whole command line, or one subcommand's usage and options.
 *
 * @example
 * ```ts
 * import { helpText } from "./flags.ts";
 * console.log(helpText("run").includes("--workers")); // true
 * ```
 */
export function helpText(command?: string): string {
  if (command !== undefined && command in COMMANDS) {
    const c = COMMANDS[command];
    const flags = Object.entries(FLAGS).filter(([, f]) =>
      f.commands.includes(command) || f.commands.includes("*")
    );
    return `usage: deno task sim ${command}${c.args ? ` ${c.args}` : ""} [options]\n\n` +
      `${c.summary}\n\noptions:\n${flags.map(([n, f]) => flagLine(n, f)).join("\n")}\n`;
  }
  const cmds = Object.entries(COMMANDS).map(([n, c]) =>
    `  deno task sim ${`${n} ${c.args}`.padEnd(30)} ${c.summary}`
  );
  return `evtchn-sim: a discrete-event simulator of Xen event-channel ABIs

usage:
  deno task sim ${"".padEnd(30)} the default comparison -> results/default/
${cmds.join("\n")}
  deno task sim --version ${"".padEnd(20)} tool version, Deno version and git commit

'deno task sim <command> --help' shows a command's options.
ABI ids: ${ABI_IDS.join(", ")},
or a module path (./designs/my_abi.ts), which runs sandboxed in a process of its own: it may
read its own vetted files and nothing else (docs/explanation/security.md).
`;
}
