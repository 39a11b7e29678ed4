/**
 * The scenario format (README: Scenarios): zod schema, defaults, built-ins, `--set`
 * overrides and validation with errors that name the file, the dotted path and
 * what was expected.
 *
 * @module
 */

import { z } from "zod";
import { ABI_IDS, isModulePath } from "../models/registry.ts";
import { COST_FIELDS, type Costs } from "../models/costs.ts";
import { InputError } from "./errors.ts";
import { loadTrace } from "./workload.ts";

const finite = z.number().refine(Number.isFinite, "a finite number");
const nonneg = finite.refine((x) => x >= 0, "a number >= 0");
const pos = finite.refine((x) => x > 0, "a number > 0");
const int = z.number().int("an integer");
const prio = int.min(0).max(15);

/**
 * A validating schema for values of type `T`: one of the zod schemas below,
 * typed here without zod's own types.
 */
export interface Validator<T> {
  /** Validate `value` and fill in defaults; throws a zod error listing every issue. */
  parse(value: unknown): T;
}

/** A distribution of non-negative durations in ns (service times, time-share slices). */
export type DistributionSpec =
  /** Always `ns`. */
  | { kind: "const"; ns: number }
  /** Exponential with mean `mean_ns`. */
  | { kind: "exp"; mean_ns: number }
  /** Uniform from `min_ns` to `max_ns`. */
  | { kind: "uniform"; min_ns: number; max_ns: number }
  /** Lognormal with mean `mean_ns` and shape `sigma`. */
  | { kind: "lognormal"; mean_ns: number; sigma: number }
  /** Pareto with minimum `min_ns` and shape `alpha`. */
  | { kind: "pareto"; min_ns: number; alpha: number };

/** How a group's events arrive (README: Arrival kinds). */
export type ArrivalSpec =
  /** The group's aggregate Poisson rate (events/s); `popularity` picks each port. */
  | { kind: "poisson"; rate_per_s: number }
  /** Per port: one event every `period_us` µs, each gap shifted by a uniform ±`jitter_us` µs. */
  | { kind: "periodic"; period_us: number; jitter_us: number }
  /** Bursts: exponential on/off periods (mean `on_ms`, `off_ms` ms), Poisson at the on/off rate (events/s). */
  | { kind: "onoff"; on_rate_per_s: number; off_rate_per_s: number; on_ms: number; off_ms: number }
  /** Replays a CSV trace file. */
  | { kind: "trace"; file: string };

/** How an aggregate arrival process picks a port of the group. */
export type PopularitySpec =
  /** Every port equally. */
  | { kind: "even" }
  /** Port i (1-based, in binding order) with weight 1/i^s. */
  | { kind: "zipf"; s: number };

/** One port group of a scenario, defaults filled in (README: Port groups). */
export interface Group {
  /** The group's name (letters, digits, `_`, `.`, `-`), unique in the scenario. */
  name: string;
  /** Ports the group binds, per VCPU with `vcpu: "each"` (ports). */
  ports: number;
  /** A fixed VCPU; `"spread"`: ports round-robin over the VCPUs; `"each"`: `ports` ports per VCPU. */
  vcpu: number | "spread" | "each";
  /** Whether the ports are the per-VCPU timer VIRQ. */
  timer: boolean;
  /** FIFO queue priority, 0 (highest) to 15; unset: 0 for timers, else 7. */
  priority?: number;
  /** Late EOI: the port is masked at ack and unmasked after the handler. */
  lateeoi: boolean;
  /** How the group's events arrive. */
  arrival: ArrivalSpec;
  /** Each handler's service time (ns). */
  service: DistributionSpec;
  /** How an aggregate arrival process picks a port. */
  popularity: PopularitySpec;
  /** Every `rebalance_ms` ms, each port moves to the next online VCPU. */
  rebalance_ms?: number;
  /** At `at_ms` ms (warm-up included), every port of the group gets `priority`. */
  priority_change?: { at_ms: number; priority: number };
}

/** Cost-model overrides: a preset to start from and any `Costs` fields (ns). */
export type CostOverrides = { preset?: "default" | "zero" } & Partial<Costs>;

/** A validated scenario with every default filled in (README: Scenarios). */
export interface Scenario {
  /** The scenario's name (letters, digits, `_`, `.`, `-`); results go to `results/<name>/`. */
  name: string;
  /** The question the scenario answers. */
  description: string;
  /** ABI ids (`2l`, `fifo`, ...) or module paths of the designs compared. */
  abis: string[];
  /** The ABI the others are compared against (unset: the first of `abis`). */
  baseline?: string;
  /** Measured simulated time (ms). */
  duration_ms: number;
  /** Unmeasured simulated time before `duration_ms` (ms). */
  warmup_ms: number;
  /** Independent runs per ABI and grid point. */
  replications: number;
  /** Master seed of every replication's seed and random stream. */
  seed: number;
  /** The guest domain. */
  guest: {
    /** Number of VCPUs. */
    vcpus: number;
    /** Guest word size (bits). */
    word_bits: 32 | 64;
    /** EVTCHNOP_set_limit: binding above this port fails (unset: the ABI's maximum). */
    max_evtchn_port?: number;
    /** What an idle VCPU does: `busy` (pays upcall_ns) or `halt` (pays wake_ns). */
    idle: "busy" | "halt";
    /** Event-disabled windows: mean `mean_us` µs, covering `fraction` of the time. */
    irq_off?: { fraction: number; mean_us: number };
  };
  /** The cost model: a preset or overrides. */
  costs: "default" | "zero" | CostOverrides;
  /** An instance waiting longer than this counts as starved (ms). */
  starvation_ms: number;
  /** VCPU scheduling: always running, or time-shared with `run` and `wait` slices (ns). */
  vcpu_sched:
    | { kind: "dedicated" }
    | { kind: "timeshare"; run: DistributionSpec; wait: DistributionSpec };
  /** Injected faults: VCPUs whose EVTCHNOP_init_control fails (FIFO-family ABIs only). */
  faults: { init_control_fail_vcpus: number[] };
  /** When init_control fails on a non-boot VCPU: offline it, or keep every VCPU on 2-level. */
  init_fail_policy: "offline" | "fallback-2l";
  /** A hostile guest writing into its own shared memory (Poisson, `rate_per_s` writes/s). */
  hostile?: {
    rate_per_s: number;
    targets: ("event_words" | "control" | "bitmaps")[];
  };
  /** The port groups (at least one). */
  groups: Group[];
}

const distributionSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("const"), ns: nonneg }),
  z.strictObject({ kind: z.literal("exp"), mean_ns: pos }),
  z.strictObject({ kind: z.literal("uniform"), min_ns: nonneg, max_ns: nonneg }).refine(
    (d) => d.max_ns >= d.min_ns,
    { message: "max_ns >= min_ns", path: ["max_ns"] },
  ),
  z.strictObject({ kind: z.literal("lognormal"), mean_ns: pos, sigma: pos }),
  z.strictObject({ kind: z.literal("pareto"), min_ns: pos, alpha: pos }),
]);

const arrivalSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("poisson"), rate_per_s: pos }),
  z.strictObject({
    kind: z.literal("periodic"),
    period_us: pos,
    jitter_us: nonneg.default(0),
  }),
  z.strictObject({
    kind: z.literal("onoff"),
    on_rate_per_s: pos,
    off_rate_per_s: nonneg.default(0),
    on_ms: pos,
    off_ms: pos,
  }),
  z.strictObject({ kind: z.literal("trace"), file: z.string().min(1) }),
]);

const popularitySchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("even") }),
  z.strictObject({ kind: z.literal("zipf"), s: pos }),
]);

const groupSchema = z.strictObject({
  name: z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.' or '-'"),
  ports: int.min(1).max(1 << 20),
  vcpu: z.union([int.min(0), z.literal("spread"), z.literal("each")]).default("spread"),
  timer: z.boolean().default(false),
  priority: prio.optional(),
  lateeoi: z.boolean().default(false),
  arrival: arrivalSchema,
  service: distributionSchema,
  popularity: popularitySchema.default({ kind: "even" }),
  rebalance_ms: pos.optional(),
  priority_change: z.strictObject({ at_ms: nonneg, priority: prio }).optional(),
});

const costOverrides = z.strictObject({
  preset: z.enum(["default", "zero"]).optional(),
  ...Object.fromEntries(COST_FIELDS.map((k) => [k, nonneg.optional()])),
});

const scenarioSchema = z.strictObject({
  name: z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '_', '.' or '-'"),
  description: z.string().default(""),
  abis: z.array(
    z.string().refine((s) => ABI_IDS.includes(s) || isModulePath(s), {
      message: `one of ${ABI_IDS.join(", ")}, or a module path such as ./designs/my_abi.ts`,
    }),
  ).min(1).default(["2l", "fifo"]),
  baseline: z.string().optional(),
  duration_ms: pos.default(100),
  warmup_ms: nonneg.default(10),
  replications: int.min(1).max(10000).default(3),
  seed: int.min(0).max(2 ** 32 - 1).default(1),
  guest: z.strictObject({
    vcpus: int.min(1).max(4096).default(1),
    word_bits: z.union([z.literal(32), z.literal(64)]).default(64),
    max_evtchn_port: int.min(1).optional(),
    idle: z.enum(["busy", "halt"]).default("busy"),
    irq_off: z.strictObject({
      fraction: nonneg.refine((x) => x < 1, "a fraction < 1"),
      mean_us: pos,
    }).optional(),
  }).default({ vcpus: 1, word_bits: 64, idle: "busy" }),
  costs: z.union([z.literal("default"), z.literal("zero"), costOverrides]).default("default"),
  starvation_ms: pos.default(10),
  vcpu_sched: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("dedicated") }),
    z.strictObject({
      kind: z.literal("timeshare"),
      run: distributionSchema,
      wait: distributionSchema,
    }),
  ]).default({ kind: "dedicated" }),
  faults: z.strictObject({
    init_control_fail_vcpus: z.array(int.min(0)).default([]),
  }).default({ init_control_fail_vcpus: [] }),
  init_fail_policy: z.enum(["offline", "fallback-2l"]).default("offline"),
  hostile: z.strictObject({
    rate_per_s: pos,
    targets: z.array(z.enum(["event_words", "control", "bitmaps"])).min(1).default([
      "event_words",
      "control",
      "bitmaps",
    ]),
  }).optional(),
  groups: z.array(groupSchema).min(1),
}).superRefine((s, ctx) => {
  const names = new Set<string>();
  s.groups.forEach((g, i) => {
    if (names.has(g.name)) {
      ctx.addIssue({ code: "custom", path: ["groups", i, "name"], message: "a unique group name" });
    }
    names.add(g.name);
    if (typeof g.vcpu === "number" && g.vcpu >= s.guest.vcpus) {
      ctx.addIssue({
        code: "custom",
        path: ["groups", i, "vcpu"],
        message: `a VCPU number below guest.vcpus (${s.guest.vcpus})`,
      });
    }
  });
  if (s.baseline !== undefined && !s.abis.includes(s.baseline)) {
    ctx.addIssue({ code: "custom", path: ["baseline"], message: "one of the scenario's abis" });
  }
  for (const [i, v] of s.faults.init_control_fail_vcpus.entries()) {
    if (v >= s.guest.vcpus) {
      ctx.addIssue({
        code: "custom",
        path: ["faults", "init_control_fail_vcpus", i],
        message: `a VCPU number below guest.vcpus (${s.guest.vcpus})`,
      });
    }
  }
});

/** `true` when `A` and `B` are the same type, else `never`. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
// The types above must be exactly what the schemas produce.
true satisfies Same<DistributionSpec, z.output<typeof distributionSchema>>;
true satisfies Same<ArrivalSpec, z.output<typeof arrivalSchema>>;
true satisfies Same<PopularitySpec, z.output<typeof popularitySchema>>;
true satisfies Same<Group, z.output<typeof groupSchema>>;
true satisfies Same<Scenario, z.output<typeof scenarioSchema>>;

/** A distribution of non-negative durations in ns (service times, time-share slices). */
export const DistributionSchema: Validator<DistributionSpec> = distributionSchema;
/** How a group's events arrive. */
export const ArrivalSchema: Validator<ArrivalSpec> = arrivalSchema;
/** How a group's aggregate rate is shared among its ports. */
export const PopularitySchema: Validator<PopularitySpec> = popularitySchema;
/** A group of ports with one arrival process and one service-time distribution. */
export const GroupSchema: Validator<Group> = groupSchema;
/** The scenario schema. Keys are a contract: keep them working, add freely. */
export const ScenarioSchema: Validator<Scenario> = scenarioSchema;

/**
 * The JSON Schema of scenario files, input side (keys with defaults optional).
 *
 * @example
 * ```ts
 * import { scenarioJsonSchema } from "./scenario.ts";
 * console.log(scenarioJsonSchema().type); // "object"
 * ```
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(scenarioSchema, { io: "input" });
}

/** Every key name the schemas know, for "did you mean" suggestions. */
const KNOWN_KEYS: string[] = [
  ...new Set([
    ...Object.keys(scenarioSchema.shape),
    ...Object.keys(groupSchema.shape),
    "vcpus",
    "word_bits",
    "max_evtchn_port",
    "idle",
    "irq_off",
    "fraction",
    "mean_us",
    "kind",
    "ns",
    "mean_ns",
    "min_ns",
    "max_ns",
    "sigma",
    "alpha",
    "rate_per_s",
    "period_us",
    "jitter_us",
    "on_rate_per_s",
    "off_rate_per_s",
    "on_ms",
    "off_ms",
    "file",
    "s",
    "at_ms",
    "run",
    "wait",
    "init_control_fail_vcpus",
    "targets",
    "preset",
    ...COST_FIELDS,
  ]),
];

/** Levenshtein distance, for suggestions. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/**
 * The nearest known key to `key`, or undefined when none is close.
 *
 * @example
 * ```ts
 * import { suggestKey } from "./scenario.ts";
 * console.log(suggestKey("duraton_ms")); // "duration_ms"
 * ```
 */
export function suggestKey(
  key: string,
  candidates: readonly string[] = KNOWN_KEYS,
): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of candidates) {
    const dd = distance(key, k);
    if (dd < bestD) {
      bestD = dd;
      best = k;
    }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Format a dotted path like `groups.1.arrival.rate_per_s` (or `(top level)`). */
export function dottedPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(top level)" : path.map(String).join(".");
}

/** The parts of a zod v4 schema definition that {@linkcode keysAt} walks. */
interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  element?: unknown;
  options?: unknown[];
  discriminator?: string;
  in?: unknown;
  values?: unknown[];
}

function defOf(schema: unknown): SchemaDef {
  return (schema as { _zod: { def: SchemaDef } })._zod.def;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The object/array schemas `schema` stands for, given the input value `v` (unions narrowed by discriminator). */
function unwrapSchema(schema: unknown, v: unknown): unknown[] {
  const d = defOf(schema);
  switch (d.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return unwrapSchema(d.innerType, v);
    case "pipe":
      return unwrapSchema(d.in, v);
    case "union": {
      let options = d.options ?? [];
      const key = d.discriminator;
      if (key !== undefined && isRecord(v)) {
        const match = options.filter((o) => {
          const lit = defOf(o).shape?.[key];
          return lit !== undefined && (defOf(lit).values ?? []).includes(v[key]);
        });
        if (match.length > 0) options = match;
      }
      return options.flatMap((o) => unwrapSchema(o, v));
    }
    default:
      return [schema];
  }
}

/**
 * The keys valid in the object at `path` of `schema`, reading `input` to
 * choose among discriminated-union options (e.g. the fields of the `kind`
 * given); empty when the path leads to no object.
 *
 * @example
 * ```ts
 * import { keysAt, ScenarioSchema } from "./scenario.ts";
 * const input = { groups: [{ service: { kind: "exp" } }] };
 * console.log(keysAt(ScenarioSchema, ["groups", 0, "service"], input)); // ["kind", "mean_ns"]
 * ```
 */
export function keysAt(schema: unknown, path: readonly PropertyKey[], input?: unknown): string[] {
  let cur = unwrapSchema(schema, input);
  let v: unknown = input;
  for (const k of path) {
    const nv = isRecord(v) || Array.isArray(v) ? (v as Record<PropertyKey, unknown>)[k] : undefined;
    const next: unknown[] = [];
    for (const sc of cur) {
      const d = defOf(sc);
      if (d.type === "object" && d.shape && typeof k === "string" && k in d.shape) {
        next.push(...unwrapSchema(d.shape[k], nv));
      } else if (d.type === "array" && typeof k === "number") {
        next.push(...unwrapSchema(d.element, nv));
      }
    }
    cur = next;
    v = nv;
  }
  const keys = new Set<string>();
  for (const sc of cur) {
    const d = defOf(sc);
    if (d.type === "object" && d.shape) { for (const k of Object.keys(d.shape)) keys.add(k); }
  }
  return [...keys];
}

/** A failed validation, as {@linkcode formatIssues} reads it: a zod error. */
export interface ValidationError {
  /** The zod issues (`code`, `path`, `message` and the fields of each code). */
  readonly issues: readonly unknown[];
}

/**
 * Turn zod issues into one readable message per issue: `source: dotted.path:
 * what was expected`. Unknown keys get the nearest key valid at that path
 * (`schema` and `input` say which keys those are), or the list of valid keys
 * when none is close.
 *
 * @example
 * ```ts
 * import { formatIssues } from "./scenario.ts";
 * const error = { issues: [{ code: "unrecognized_keys", path: [], keys: ["duraton_ms"] }] };
 * console.log(formatIssues("x.json", error)); // "x.json: duraton_ms: unknown key (did you mean 'duration_ms'?)"
 * ```
 */
export function formatIssues(
  source: string,
  error: ValidationError,
  schema: unknown = ScenarioSchema,
  input?: unknown,
): string {
  const issues = error.issues as readonly z.core.$ZodIssue[];
  const lines = issues.map((iss) => {
    const at = dottedPath(iss.path);
    if (iss.code === "unrecognized_keys") {
      const valid = keysAt(schema, iss.path, input);
      return iss.keys.map((k) => {
        const hint = suggestKey(k, valid.length > 0 ? valid : KNOWN_KEYS);
        const path = iss.path.length ? `${at}.${k}` : k;
        const help = hint
          ? ` (did you mean '${hint}'?)`
          : valid.length > 0 && valid.length <= 12
          ? ` (expected one of: ${valid.join(", ")})`
          : "";
        return `${source}: ${path}: unknown key${help}`;
      }).join("\n");
    }
    let msg = iss.message;
    if (iss.code === "invalid_type") {
      const received = /received (\w+)/.exec(iss.message)?.[1];
      msg = received === "undefined"
        ? `missing: expected ${iss.expected}`
        : `expected ${iss.expected}${received ? `, received ${received}` : ""}`;
    }
    if (iss.code === "invalid_union" && "note" in iss && iss.note === "No matching discriminator") {
      const options = "options" in iss && Array.isArray(iss.options) ? iss.options : [];
      msg = options.length > 0
        ? `expected one of ${options.map((o) => `'${String(o)}'`).join(", ")}`
        : `expected 'kind' to be one of the documented kinds`;
    }
    if (iss.code === "invalid_union" && !("note" in iss && iss.note)) {
      const alts = describeAlternatives(iss.errors);
      if (alts.length > 0) msg = `expected ${alts.join(" or ")}`;
    }
    if (iss.code === "invalid_value" && "values" in iss && Array.isArray(iss.values)) {
      msg = `expected one of ${iss.values.map((x) => JSON.stringify(x)).join(", ")}`;
    }
    if (iss.code === "too_small" || iss.code === "too_big") {
      const bound = iss.message.replace(/^Too (small|big): expected \w+ to (be|have) /, "")
        .replace(/^([<>]=?)(\S)/, "$1 $2");
      msg = iss.origin === "number" ? `expected a number ${bound}` : `expected ${bound}`;
    }
    if (iss.code === "custom" || msg.startsWith("a ") || msg.startsWith("one of")) {
      msg = `expected ${msg}`;
    }
    return `${source}: ${at}: ${msg}`;
  });
  return lines.join("\n");
}

/** What each alternative of a failed union expected, e.g. `32`, `64`, `an integer >= 0`. */
function describeAlternatives(errors: readonly (readonly z.core.$ZodIssue[])[]): string[] {
  const out: string[] = [];
  for (const alt of errors) {
    const first = alt[0];
    if (first === undefined || first.path.length > 0) return [];
    if (first.code === "invalid_value") {
      out.push(...first.values.map((x) => JSON.stringify(x)));
    } else if (first.code === "invalid_type") out.push(`a ${first.expected}`);
    else if (first.code === "too_small" || first.code === "too_big") {
      out.push(`a number ${first.message.replace(/^Too (small|big): expected \w+ to be /, "")}`);
    } else return [];
  }
  return [...new Set(out)];
}

/**
 * Validate a parsed JSON value as a scenario; throws InputError naming
 * `source`, the dotted path and what was expected. The trace files of
 * `trace` arrivals are read and checked too (their errors name the file and
 * the line).
 *
 * @example
 * ```ts
 * import { parseScenario } from "./scenario.ts";
 * const s = parseScenario({
 *   name: "tiny",
 *   groups: [{ name: "net", ports: 8, arrival: { kind: "poisson", rate_per_s: 1000 },
 *     service: { kind: "const", ns: 1000 } }],
 * }, "inline");
 * console.log(s.duration_ms); // 100
 * ```
 */
export function parseScenario(value: unknown, source: string): Scenario {
  const r = scenarioSchema.safeParse(value);
  if (!r.success) throw new InputError(formatIssues(source, r.error, ScenarioSchema, value));
  // Trace files are input too: read and check them now (errors name the file and
  // line), before anything is run or written. loadTrace caches what it parsed.
  const names = r.data.groups.map((g) => g.name);
  for (const g of r.data.groups) if (g.arrival.kind === "trace") loadTrace(g.arrival.file, names);
  return r.data;
}

/**
 * Parse JSON text, reporting syntax errors with line and column.
 *
 * @example
 * ```ts
 * import { parseJsonText } from "./scenario.ts";
 * console.log(parseJsonText('{"a": 1}', "x.json")); // { a: 1 }
 * ```
 */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // a UTF-8 BOM
  try {
    return JSON.parse(body);
  } catch (e) {
    const at = jsonErrorOffset(body);
    if (at < 0) throw new InputError(`${source}: malformed JSON: ${(e as Error).message}`);
    const before = body.slice(0, at);
    const line = before.split("\n").length;
    const col = at - before.lastIndexOf("\n");
    const lineText = body.split("\n")[line - 1].replace(/\r$/, "");
    const what = at >= body.length
      ? "unexpected end of the file"
      : `unexpected ${JSON.stringify(body[at])}`;
    const excerpt = lineText.trim() === ""
      ? ""
      : `\n  ${lineText}\n  ${" ".repeat(Math.max(0, col - 1))}^`;
    throw new InputError(
      `${source}: malformed JSON at line ${line}, column ${col}: ${what}${excerpt}`,
    );
  }
}

/**
 * The offset of the first JSON syntax error in `t` (RFC 8259), or -1 when
 * none is found. Engines word JSON.parse errors differently and some give no
 * position, so the position is found here.
 */
function jsonErrorOffset(t: string): number {
  let i = 0;
  const ws = () => {
    while (i < t.length && (t[i] === " " || t[i] === "\t" || t[i] === "\n" || t[i] === "\r")) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const str = () => {
    i++;
    while (i < t.length) {
      const c = t.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        if (i >= t.length || !`"\\/bfnrtu`.includes(t[i])) fail();
        if (t[i] === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 1, i + 5))) fail();
          i += 4;
        }
      }
      i++;
    }
    fail();
  };
  const literal = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;
  const value = (depth: number): void => {
    if (depth > 1000) fail();
    ws();
    const c = t[i];
    if (c === "{") {
      i++;
      ws();
      if (t[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (t[i] !== '"') fail();
        str();
        ws();
        if (t[i] !== ":") fail();
        i++;
        value(depth + 1);
        ws();
        if (t[i] === ",") {
          i++;
          continue;
        }
        if (t[i] === "}") {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (t[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (t[i] === ",") {
          i++;
          continue;
        }
        if (t[i] === "]") {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '"') return str();
    literal.lastIndex = i;
    const m = literal.exec(t);
    if (m === null) fail();
    i += m![0].length;
  };
  try {
    value(0);
    ws();
    return i < t.length ? i : -1;
  } catch (e) {
    return typeof e === "number" ? e : -1;
  }
}

/**
 * Apply a `--set dotted.path=value` override to a raw (unvalidated) object.
 * The value is parsed as JSON when it is valid JSON, else taken as a string.
 *
 * @example
 * ```ts
 * import { applySet } from "./scenario.ts";
 * const raw = { groups: [{ ports: 1 }, { ports: 2 }] };
 * applySet(raw, "groups.1.ports=8000");
 * console.log(raw.groups[1].ports); // 8000
 * ```
 */
export function applySet(raw: unknown, assignment: string): void {
  const eq = assignment.indexOf("=");
  if (eq <= 0) {
    throw new InputError(`--set ${assignment}: expected dotted.path=value`);
  }
  const path = assignment.slice(0, eq).split(".");
  const text = assignment.slice(eq + 1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  setPath(raw, path, value, `--set ${assignment}`);
}

/** Set `value` at `path` inside `raw`, creating objects on the way; errors name `source`. */
export function setPath(
  raw: unknown,
  path: readonly string[],
  value: unknown,
  source: string,
): void {
  if (typeof raw !== "object" || raw === null) {
    throw new InputError(`${source}: expected the scenario to be an object`);
  }
  let cur = raw as Record<string, unknown>;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    if (Array.isArray(cur)) {
      const idx = Number(k);
      if (!Number.isInteger(idx) || idx < 0 || idx >= cur.length) {
        throw new InputError(
          `${source}: ${path.slice(0, i + 1).join(".")}: expected an index below ${cur.length}`,
        );
      }
    }
    let nxt = cur[k];
    if (typeof nxt !== "object" || nxt === null) {
      nxt = {};
      cur[k] = nxt;
    }
    cur = nxt as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if (Array.isArray(cur)) {
    const idx = Number(last);
    if (!Number.isInteger(idx) || idx < 0 || idx > cur.length) {
      throw new InputError(`${source}: ${path.join(".")}: expected an index up to ${cur.length}`);
    }
  }
  cur[last] = value;
}

/** The folder of built-in scenarios and sweeps. */
export const BUILTIN_DIR: URL = new URL("../scenarios/", import.meta.url);

/**
 * Names of the built-in scenarios and sweeps (`scenarios/*.json`), sorted.
 *
 * @example
 * ```ts
 * import { builtinNames } from "./scenario.ts";
 * console.log(builtinNames().includes("default")); // true
 * ```
 */
export function builtinNames(): string[] {
  const names: string[] = [];
  for (const e of Deno.readDirSync(BUILTIN_DIR)) {
    if (e.isFile && e.name.endsWith(".json")) names.push(e.name.slice(0, -5));
  }
  return names.sort();
}

/** Where a scenario or sweep came from, and its raw JSON. */
export interface LoadedInput {
  /** A display name for errors: the path the user gave, or `builtin:<name>`. */
  source: string;
  /** Absolute path of the file. */
  path: string;
  /** The parsed, unvalidated JSON. */
  raw: unknown;
}

/**
 * Resolve a user path against the directory `deno task` was started from
 * (`INIT_CWD`), else the current directory.
 */
export function resolveUserPath(p: string): string {
  if (p.startsWith("/")) return p;
  let base = Deno.cwd();
  try {
    base = Deno.env.get("INIT_CWD") ?? base;
  } catch {
    // no env permission: current directory
  }
  return new URL(p, `file://${base.endsWith("/") ? base : base + "/"}`).pathname;
}

/**
 * Load a scenario or sweep by file path or built-in name, parsing its JSON.
 *
 * @example
 * ```ts
 * import { loadInput } from "./scenario.ts";
 * const input = loadInput("default");
 * console.log(input.source); // "builtin:default"
 * ```
 */
export function loadInput(fileOrName: string): LoadedInput {
  const looksLikePath = fileOrName.includes("/") || fileOrName.endsWith(".json");
  if (!looksLikePath) {
    const names = builtinNames();
    if (!names.includes(fileOrName)) {
      const hint = suggestKey(fileOrName, names);
      throw new InputError(
        `${fileOrName}: no such built-in scenario${
          hint ? ` (did you mean '${hint}'?)` : ""
        }; 'deno task sim list' shows them`,
      );
    }
    const path = new URL(`${fileOrName}.json`, BUILTIN_DIR).pathname;
    return {
      source: `builtin:${fileOrName}`,
      path,
      raw: parseJsonText(Deno.readTextFileSync(path), `builtin:${fileOrName}`),
    };
  }
  const path = resolveUserPath(fileOrName);
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound
      ? "no such file"
      : e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable
      ? "permission denied"
      : (e as Error).message;
    throw new InputError(`${fileOrName}: cannot read the file: ${why}`);
  }
  return { source: fileOrName, path, raw: parseJsonText(text, fileOrName) };
}
