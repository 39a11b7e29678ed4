/**
 * The words of a capacity study (`capacity.csv`): the answer that opens
 * report.md ("fifo serves 412 guests (395–430) at round-trip p99 ≤ 200 µs,
 * limited by dom0's CPU; 2l serves 207, limited by its ports"), the table
 * under it, and the robustness summary of `--robust` (capacity's range over
 * the cost vectors and the cost field it follows most).
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { fmtNs } from "./format.ts";
import { guestAxis, paramWords } from "./context.ts";
import { fmtMetric } from "./findings.ts";
import { PAGE, wrap } from "./text.ts";
import { rhoSignificant, spearman } from "./robustness.ts";
import { NS_PER_TIME_UNIT } from "../sim/io/time_units.ts";

/** Readable names of the metrics an objective usually reads. */
const METRIC_WORDS: Record<string, string> = {
  rt_mean_ns: "mean round trip",
  rt_p50_ns: "round-trip p50",
  rt_p99_ns: "round-trip p99",
  rt_p999_ns: "round-trip p99.9",
  rt_max_ns: "round-trip maximum",
  lat_mean_ns: "mean dispatch latency",
  lat_p99_ns: "dispatch p99",
  lat_p999_ns: "dispatch p99.9",
  done_mean_ns: "mean response time",
  done_p99_ns: "response-time p99",
  dom0_busy: "dom0 busy fraction",
};

/**
 * The objective in words: `rt_p99_ns<=200000` -> "round-trip p99 ≤ 200 µs".
 *
 * @example
 * ```ts
 * import { objectiveWords } from "./capacity_text.ts";
 * console.log(objectiveWords("rt_p99_ns<=200000")); // "round-trip p99 ≤ 200 µs"
 * ```
 */
export function objectiveWords(objective: string): string {
  const m = /^([A-Za-z0-9_]+)(<=|>=)(.*)$/.exec(objective);
  if (!m) return objective;
  const [, metric, op, text] = m;
  // A bound with a unit, as a scenario's `capacity` block may give it (`200us`).
  const unit = /^([0-9.]+)\s*([a-zµμ]+)$/i.exec(text.trim());
  const scale = unit ? NS_PER_TIME_UNIT[unit[2].toLowerCase()] : undefined;
  const bound = scale !== undefined ? Number(unit![1]) * scale : Number(text);
  const value = Number.isFinite(bound) && metric.endsWith("_ns") ? fmtNs(bound) : text;
  return `${METRIC_WORDS[metric] ?? metric.replace(/_/g, " ")} ${op === "<=" ? "≤" : "≥"} ${value}`;
}

/**
 * Whether `row`'s limit was found in a single guest, whose own VCPUs play
 * dom0's part (the limit's detail then names the guest, not dom0).
 */
function guestPlaysDom0(row: CsvRow): boolean {
  return String(row.limit_detail ?? "").includes("the guest's VCPUs");
}

/** The name of `row`'s limit, as "What runs out first" and the sentences say it. */
function limitName(row: CsvRow): string {
  const l = String(row.limit);
  if (l === "dom0_cpu" && guestPlaysDom0(row)) return "the guest's CPU";
  return LIMIT_NAMES[l] ?? l;
}

function limitWords(row: CsvRow): string {
  const detail = String(row.limit_detail ?? "");
  switch (row.limit) {
    case "ports":
      return `limited by its ports (${detail})`;
    case "dom0_cpu":
      return `limited by ${limitName(row)} (${detail})`;
    case "dom0_vcpu":
      return `limited by a single dom0 VCPU (${detail})`;
    case "ring":
      return `limited by a ring (${detail})`;
    case "pcpus":
      return `limited by the guests' physical CPUs (${detail})`;
    case "max":
      return `still within the objective at the search's upper bound`;
    default:
      return `limited by the objective itself (${detail})`;
  }
}

function amount(row: CsvRow): string {
  const low = Number(row.capacity), high = Number(row.capacity_high);
  const axis = String(row.axis ?? "");
  const range = high > low ? ` (${low}–${high})` : "";
  if (guestAxis(axis)) return `serves ${low} guest${low === 1 ? "" : "s"}${range}`;
  return `reaches ${axis} = ${low}${range}`;
}

/**
 * One sentence per grid point: each ABI's capacity, the objective and the limit.
 *
 * @example
 * ```ts
 * import { capacityAnswer } from "./capacity_text.ts";
 * const rows = [{ abi: "fifo", capacity: 412, capacity_high: 430, limit: "dom0_cpu",
 *   limit_detail: "dom0 busy 0.95", objective: "rt_p99_ns<=200000", axis: "host.guests.0.count" }];
 * console.log(capacityAnswer(rows, [])[0]);
 * // "fifo serves 412 guests (412–430) at round-trip p99 ≤ 200 µs, limited by dom0's CPU (dom0 busy 0.95)."
 * ```
 */
export function capacityAnswer(rows: readonly CsvRow[], params: readonly string[]): string[] {
  const points = new Map<string, CsvRow[]>();
  for (const r of rows) {
    const key = params.map((p) => paramWords(p, r[p])).join(", ");
    points.set(key, [...(points.get(key) ?? []), r]);
  }
  const out: string[] = [];
  for (const [key, rs] of points) {
    const parts = rs.map((r, i) =>
      `${r.abi} ${amount(r)}${i === 0 ? ` at ${objectiveWords(String(r.objective))}` : ""}, ` +
      limitWords(r)
    );
    out.push(`${key ? `With ${key}: ` : ""}${parts.join("; ")}.`);
  }
  return out;
}

const LIMIT_NAMES: Record<string, string> = {
  ports: "dom0's ports",
  dom0_cpu: "dom0's CPU",
  dom0_vcpu: "a single dom0 VCPU",
  ring: "a ring",
  pcpus: "the guests' physical CPUs",
  objective: "the objective itself",
  max: "nothing up to the search's upper bound",
};

/**
 * The answer in one to three sentences over every grid point: whether the ABIs serve the same
 * number of guests (their capacity intervals overlap at every point) or which serves more and
 * where, the range of capacities, what limits them, and the guest count at which each ABI's
 * ports alone would stop the host (`port_limit_guests`).
 *
 * @example
 * ```ts
 * import { capacitySummary } from "./capacity_text.ts";
 * const rows = [
 *   { p: "a", abi: "2l", capacity: 40, capacity_high: 42, limit: "dom0_cpu",
 *     objective: "rt_p99_ns<=200000", axis: "host.guests.0.count", port_limit_guests: 183 },
 *   { p: "a", abi: "fifo", capacity: 41, capacity_high: 41, limit: "dom0_cpu",
 *     objective: "rt_p99_ns<=200000", axis: "host.guests.0.count", port_limit_guests: "" },
 * ];
 * console.log(capacitySummary(rows, ["p"])[0]);
 * // "At round-trip p99 ≤ 200 µs, 2l and fifo serve the same number of guests at every point (their intervals overlap): 40–42 guests."
 * ```
 */
export function capacitySummary(rows: readonly CsvRow[], params: readonly string[]): string[] {
  if (rows.length === 0) return [];
  const abis = [...new Set(rows.map((r) => String(r.abi)))];
  const unit = guestAxis(String(rows[0].axis ?? "")) ? "guests" : String(rows[0].axis);
  const where = (r: CsvRow) => params.map((p) => paramWords(p, r[p])).join(", ");
  const points = new Map<string, CsvRow[]>();
  for (const r of rows) points.set(where(r), [...(points.get(where(r)) ?? []), r]);
  const lo = (r: CsvRow) => Number(r.capacity), hi = (r: CsvRow) => Number(r.capacity_high);
  // Two ABIs differ at a point only when their capacity intervals do not overlap.
  const differ: string[] = [];
  for (const [key, rs] of points) {
    const best = rs.reduce((a, b) => (lo(b) > hi(a) ? b : a));
    const worse = rs.filter((r) => hi(r) < lo(best));
    if (worse.length) {
      differ.push(
        `${best.abi} serves ${lo(best)} where ${
          worse.map((r) => `${r.abi} serves ${hi(r) > lo(r) ? `${lo(r)}–${hi(r)}` : lo(r)}`)
            .join(" and ")
        }${key ? ` (${key})` : ""}`,
      );
    }
  }
  const min = rows.reduce((a, b) => (lo(b) < lo(a) ? b : a));
  const max = rows.reduce((a, b) => (hi(b) > hi(a) ? b : a));
  const span = lo(min) === hi(max)
    ? `${lo(min)} ${unit}`
    : `from ${lo(min)} ${unit}${where(min) ? ` (${where(min)})` : ""} to ${hi(max)}` +
      `${where(max) ? ` (${where(max)})` : ""}`;
  const objective = objectiveWords(String(rows[0].objective));
  const names = abis.length > 1
    ? `${abis.slice(0, -1).join(", ")} and ${abis[abis.length - 1]}`
    : abis[0];
  const first = differ.length === 0
    ? `At ${objective}, ${names} serve${abis.length > 1 ? "" : "s"} the same number of ` +
      `${unit} at every point${abis.length > 1 ? " (their intervals overlap)" : ""}: ${span}.`
    : `At ${objective}, the ABIs differ at ${differ.length} of ${points.size} points: ` +
      `${differ.join("; ")}. Over every point: ${span}.`;
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(limitName(r), (counts.get(limitName(r)) ?? 0) + 1);
  // A limit met only where a swept value is the same (e.g. notify=vcpu0) says so.
  const shared = (l: string) => {
    const mine = rows.filter((r) => limitName(r) === l);
    if (mine.length < 2 || mine.length === rows.length) return "";
    const same = params.filter((p) =>
      mine.every((r) => String(r[p]) === String(mine[0][p])) &&
      rows.some((r) => String(r[p]) !== String(mine[0][p]))
    );
    return same.length
      ? `, every one with ${same.map((p) => paramWords(p, mine[0][p])).join(", ")}`
      : "";
  };
  const limits = [...counts].sort((a, b) => b[1] - a[1])
    .map(([l, n]) => `${l} in ${n} of ${rows.length} searches${shared(l)}`);
  const second = `What runs out first: ${limits.join(", ")}.`;
  // The port-count answer, per ABI, and where the ports did end a search.
  const byPorts = abis.flatMap((abi) => {
    const mine = rows.filter((r) => r.abi === abi);
    const v = mine.map((r) => Number(r.port_limit_guests))
      .filter((x) => Number.isFinite(x) && x > 0);
    if (v.length === 0) return [];
    const a = Math.min(...v), b = Math.max(...v);
    const ended = mine.filter((r) => String(r.limit) === "ports").length;
    return [
      `${abi} at ${a === b ? a : `${a}–${b}`} ${unit}` +
      (ended ? ` (the limit met first at ${ended} of ${mine.length} points)` : ""),
    ];
  });
  const third = byPorts.length
    ? [`By ports alone, dom0 would stop at: ${byPorts.join("; ")}.`]
    : [];
  return [first, second, ...third];
}

/**
 * capacity.csv's rows with the robustness columns of `--robust`: per row,
 * the lowest and highest capacity over the cost vectors (`robust_low`,
 * `robust_high`), and the cost field whose value it follows most
 * (`follows`, by Spearman's rank correlation `follows_rho`, empty when no
 * field's correlation differs from 0 at 95%).
 *
 * @example
 * ```ts
 * import { robustCapacity } from "./capacity_text.ts";
 * const own = [{ abi: "fifo", capacity: 10 }];
 * const per = [1, 2, 3, 4].map((v) => ({ cost_vector: v, upcall_ns: v * 100, abi: "fifo",
 *   capacity: 20 - v }));
 * const [row] = robustCapacity(own, per, []);
 * console.log(row.robust_low, row.robust_high, row.follows); // 16 19 "upcall_ns"
 * ```
 */
export function robustCapacity(
  own: readonly CsvRow[],
  perVector: readonly CsvRow[],
  params: readonly string[],
): CsvRow[] {
  const known = new Set([...params, "cost_vector"]);
  const fields = perVector.length
    ? Object.keys(perVector[0]).filter((k) =>
      !known.has(k) && /_ns$/.test(k) && !(own[0] && k in own[0])
    )
    : [];
  return own.map((row) => {
    const mine = perVector.filter((r) =>
      r.abi === row.abi && params.every((p) => String(r[p]) === String(row[p]))
    );
    const caps = mine.map((r) => Number(r.capacity));
    let follows = "", rho = NaN;
    for (const f of fields) {
      const r = spearman(mine.map((m) => Number(m[f])), caps);
      if (Number.isFinite(r) && (!Number.isFinite(rho) || Math.abs(r) > Math.abs(rho))) {
        rho = r;
        follows = f;
      }
    }
    const significant = rhoSignificant(rho, caps.length, fields.length);
    return {
      ...row,
      robust_low: caps.length ? Math.min(...caps) : "",
      robust_high: caps.length ? Math.max(...caps) : "",
      follows: significant ? follows : "",
      follows_rho: Number.isFinite(rho) ? Number(rho.toFixed(3)) : "",
    };
  });
}

/**
 * The capacity section of report.md: the answer first, then a table and,
 * with `--robust`, the range over cost vectors.
 *
 * @example
 * ```ts
 * import { capacityText } from "./capacity_text.ts";
 * const text = capacityText([{ abi: "2l", capacity: 5, capacity_high: 5, limit: "ports",
 *   limit_detail: "4095 ports bound", objective: "lat_p99_ns<=1000", axis: "host.guests.0.count" }], []);
 * console.log(text.split("\n")[0].startsWith("2l serves 5 guests")); // true
 * ```
 */
export function capacityText(rows: readonly CsvRow[], params: readonly string[]): string {
  const summary = capacitySummary(rows, params);
  const each = summary.length && params.length ? capacityAnswer(rows, params) : [];
  const out = params.length
    ? [
      wrap(summary.join(" "), PAGE),
      "",
      ...each.map((x) => wrap(x.replace(/^With /, ""), PAGE, "- ", "  ")),
      "",
    ]
    : [...capacityAnswer(rows, params).map((x) => wrap(x, PAGE)), ""];
  const objective = String(rows[0]?.objective ?? "");
  const metric = /^[A-Za-z0-9_]+/.exec(objective)?.[0] ?? "";
  const value = (mean: unknown, half: unknown) =>
    mean === "" || mean === undefined ? "n/a" : fmtMetric(metric, Number(mean), Number(half));
  out.push("Capacity", "--------", "");
  out.push(
    wrap(
      `The largest ${rows[0]?.axis ?? "value"} at which ${objectiveWords(objective)} holds, ` +
        `per ABI: a value is decided only when the 95% confidence interval over replications ` +
        `lies on one side of the bound; "a–b" where replications up to the cap could not ` +
        `decide. Then the metric at capacity and at the smallest value that failed ` +
        `(capacity.csv has every figure).`,
    ),
    "",
  );
  for (const r of rows) {
    const where = params.map((p) => paramWords(p, r[p])).join(", ");
    const next = r.next_value === ""
      ? ""
      : `; at ${r.next_value}: ${value(r.metric_at_next, r.metric_at_next_ci)}`;
    const rob = r.robust_low !== undefined && r.robust_low !== ""
      ? `; under the cost vectors ${r.robust_low}–${r.robust_high}` +
        (r.follows ? `, follows ${r.follows} (rho ${r.follows_rho})` : "")
      : "";
    const high = Number(r.capacity_high) > Number(r.capacity) ? `–${r.capacity_high}` : "";
    out.push(
      wrap(
        `${where ? `${where}, ` : ""}${r.abi}: ${r.capacity}${high} (${r.limit}); ` +
          `${value(r.metric_at_capacity, r.metric_at_capacity_ci)}${next}${rob}`,
        PAGE,
        "- ",
        "  ",
      ),
    );
  }
  out.push("");
  return out.join("\n");
}
