/**
 * The report's host section (DESIGN §12): for a results folder of host runs,
 * in words, how the round trip and dom0's CPU grow with the number of guests
 * under each ABI and which resource runs out first, whether guests fare
 * alike or by creation order (from per_guest.csv, when present), then a table
 * of the means over replications. Reads result rows only; never simulates.
 *
 * @module
 */

import type { CsvRow } from "./csv.ts";
import { fmtNs, sig } from "./format.ts";
import { fmtParamValue, guestAxis, paramWords } from "./context.ts";
import { fitTable } from "./text.ts";
import { meanCi } from "./aggregate.ts";
import { type Chart, type LinePoint, lineSpec } from "./charts.ts";

/** dom0_busy_max at or above this reads as a saturated dom0 VCPU. */
export const SATURATED = 0.95;

/** Means over replications of one ABI at one guest count. */
export interface HostPoint {
  /** The ABI. */
  abi: string;
  /** The other swept parameters of the point ("" when none), e.g. `pcpus=12`. */
  label: string;
  /**
   * The same parameters one by one, in the order `label` names them: each
   * one's path and its value as a table cell shows it (the same paths for
   * every point of one call).
   */
  params: { path: string; value: string }[];
  /** Guests requested. */
  guests: number;
  /** Guests started (mean). */
  started: number;
  /** Guests refused for lack of dom0 ports (mean). */
  refused: number;
  /** Mean round trip (ns). */
  rtMean: number;
  /** p99 round trip (ns). */
  rtP99: number;
  /** dom0's busy fraction over all its VCPUs. */
  busy: number;
  /** The busiest dom0 VCPU's busy fraction. */
  busyMax: number;
  /** Events per request. */
  events: number;
  /**
   * dom0's time per context, as fractions of its VCPU time (they add up to
   * `busy`): hard IRQ, softirq, kernel threads, user space; NaN when the rows
   * do not have them.
   */
  contexts: [number, number, number, number];
}

/** dom0's execution contexts, as host summary columns and as the report names them. */
export const DOM0_CONTEXTS: readonly { column: string; name: string }[] = [
  { column: "dom0_hardirq", name: "hard IRQ (event handlers)" },
  { column: "dom0_softirq", name: "softirq (netback's NAPI polls)" },
  { column: "dom0_kthread", name: "kernel threads (blkback, guest-rx)" },
  { column: "dom0_user", name: "user space (xenstored, xenconsoled, QEMU)" },
];

const num = (r: CsvRow, k: string): number => Number(r[k]);

/**
 * The label of a row's other swept parameters (those that are not a guest
 * count and take two values or more among `rows`), e.g. `pcpus=12`; "" when
 * there are none. Each such combination is a series of its own.
 */
function otherParams(rows: readonly CsvRow[], params: readonly string[]): (r: CsvRow) => string {
  return labelBy(otherParamPaths(rows, params));
}

/** A row's label by the parameters at `paths`, e.g. `pcpus=12`; "" for none. */
function labelBy(paths: readonly string[]): (r: CsvRow) => string {
  return (r) => paths.map((p) => paramWords(p, r[p])).join(", ");
}

/** The paths {@linkcode otherParams} labels by. */
function otherParamPaths(rows: readonly CsvRow[], params: readonly string[]): string[] {
  return params.filter((p) => !guestAxis(p) && p in (rows[0] ?? {}))
    .filter((p) => new Set(rows.map((r) => String(r[p]))).size > 1);
}

/** A table header for swept path `p`: `template` for a guest template, else the path without `host.`. */
function shortHeader(p: string): string {
  return /^host\.guests\.\d+$/.test(p) ? "template" : p.replace(/^host\./, "");
}

/**
 * The per-(ABI, guest count) means of host summary rows, ABIs in order of
 * appearance and guest counts ascending; empty when the rows are not a host's.
 *
 * @example
 * ```ts
 * import { hostPoints } from "./host.ts";
 * const p = hostPoints([{ abi: "fifo", guests_requested: 10, guests_started: 10,
 *   guests_refused: 0, rt_mean_ns: 30000, rt_p99_ns: 40000, dom0_busy: 0.1,
 *   dom0_busy_max: 0.2, events_per_request: 2.5 }]);
 * console.log(p[0].guests, p[0].rtMean); // 10 30000
 * ```
 */
export function hostPoints(rows: readonly CsvRow[], params: readonly string[] = []): HostPoint[] {
  const host = rows.filter((r) => "guests_requested" in r && "rt_mean_ns" in r);
  // Swept parameters other than a guest count label a series of their own.
  const others = otherParamPaths(host, params);
  const labelOf = labelBy(others);
  const keys: string[] = [];
  const groups = new Map<string, CsvRow[]>();
  for (const r of host) {
    const key = `${r.abi}\u0000${labelOf(r)}\u0000${num(r, "guests_requested")}`;
    if (!groups.has(key)) {
      groups.set(key, []);
      keys.push(key);
    }
    groups.get(key)!.push(r);
  }
  const mean = (rs: CsvRow[], k: string): number =>
    rs.reduce((a, r) => a + (Number.isFinite(num(r, k)) ? num(r, k) : 0), 0) / rs.length;
  const abis = [...new Set(host.map((r) => String(r.abi)))];
  return keys.map((key) => {
    const rs = groups.get(key)!;
    return {
      abi: String(rs[0].abi),
      label: labelOf(rs[0]),
      params: others.map((path) => ({ path, value: fmtParamValue(path, rs[0][path]) })),
      guests: num(rs[0], "guests_requested"),
      started: mean(rs, "guests_started"),
      refused: mean(rs, "guests_refused"),
      rtMean: mean(rs, "rt_mean_ns"),
      rtP99: mean(rs, "rt_p99_ns"),
      busy: mean(rs, "dom0_busy"),
      busyMax: mean(rs, "dom0_busy_max"),
      events: mean(rs, "events_per_request"),
      contexts: DOM0_CONTEXTS.map(({ column }) =>
        column in rs[0] ? mean(rs, column) : NaN
      ) as HostPoint["contexts"],
    };
  }).sort((a, b) =>
    abis.indexOf(a.abi) - abis.indexOf(b.abi) ||
    a.label.localeCompare(b.label, "en", { numeric: true }) ||
    a.guests - b.guests
  );
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** In one series of host points, the first whose busiest dom0 VCPU saturates and the first that refuses a guest. */
function limitPoints(ps: readonly HostPoint[]): { cpu?: HostPoint; ports?: HostPoint } {
  return { cpu: ps.find((p) => p.busyMax >= SATURATED), ports: ps.find((p) => p.refused > 0) };
}

/**
 * Where guests were refused at `p`, how many did start, so that a figure
 * there is read as the smaller host's: " (498 started)"; else "".
 */
function startedWords(p: HostPoint): string {
  return p.refused > 0 ? ` (${sig(p.started)} started)` : "";
}

/** Whether dom0 as a whole is saturated at `p` (not only its busiest VCPU). */
function wholeDom0(p: HostPoint): boolean {
  return p.busy >= SATURATED;
}

/**
 * One paragraph per ABI: how the round trip and dom0's CPU grow with the
 * guest count, and what runs out first: dom0's CPU (its busiest VCPU and dom0
 * as a whole both at {@linkcode SATURATED} or more), a single dom0 VCPU,
 * dom0's ports, or nothing within the sweep.
 *
 * @example
 * ```ts
 * import { hostSentences, hostPoints } from "./host.ts";
 * const row = (n: number, rt: number, max: number) => ({ abi: "2l", guests_requested: n,
 *   guests_started: n, guests_refused: 0, rt_mean_ns: rt, rt_p99_ns: rt,
 *   dom0_busy: max / 2, dom0_busy_max: max, events_per_request: 2 });
 * console.log(hostSentences(hostPoints([row(10, 3e4, 0.2), row(100, 9e4, 1)]))[0]);
 * ```
 */
export function hostSentences(points: readonly HostPoint[]): string[] {
  const out: string[] = [];
  const series = [...new Set(points.map((p) => `${p.abi}\u0000${p.label}`))];
  for (const key of series) {
    const ps = points.filter((p) => `${p.abi}\u0000${p.label}` === key);
    const a = ps[0], b = ps[ps.length - 1];
    const abi = a.label ? `${a.abi} (${a.label})` : a.abi;
    let s = a === b
      ? `${abi}: at ${a.guests} guests${startedWords(a)} the mean round trip is ` +
        `${fmtNs(a.rtMean)} (p99 ${fmtNs(a.rtP99)}), and dom0 is ${pct(a.busy)} busy (busiest ` +
        `VCPU ${pct(a.busyMax)}).`
      : `${abi}: from ${a.guests}${startedWords(a)} to ${b.guests} guests${startedWords(b)} ` +
        `the mean round trip goes from ` +
        `${fmtNs(a.rtMean)} to ${fmtNs(b.rtMean)} (p99 ${fmtNs(a.rtP99)} to ` +
        `${fmtNs(b.rtP99)}), and dom0 from ${pct(a.busy)} to ${pct(b.busy)} busy ` +
        `(busiest VCPU ${pct(a.busyMax)} to ${pct(b.busyMax)}).`;
    s += whereDom0TimeGoes(b);
    const { cpu, ports } = limitPoints(ps);
    if (cpu && (!ports || cpu.guests <= ports.guests)) {
      // dom0 as a whole saturated with its busiest VCPU: its CPU, not one VCPU.
      s += wholeDom0(cpu)
        ? ` dom0's CPU saturates first, at ${cpu.guests} guests (dom0 as a whole ` +
          `${pct(cpu.busy)} busy, its busiest VCPU ${pct(cpu.busyMax)})`
        : ` A dom0 VCPU saturates first, at ${cpu.guests} guests (the busiest at ` +
          `${pct(cpu.busyMax)} while dom0 as a whole is ${pct(cpu.busy)} busy)`;
      s += ports
        ? `; dom0's ports run out at ${ports.guests} guests (${sig(ports.refused)} refused).`
        : `; dom0's ports never run out in this sweep.`;
    } else if (ports) {
      s += ` dom0's ports run out first: at ${ports.guests} guests ${sig(ports.refused)} ` +
        `could not start` +
        (cpu
          ? `; ${wholeDom0(cpu) ? "dom0's CPU" : "a dom0 VCPU"} saturates at ` +
            `${cpu.guests}.`
          : `.`);
    } else {
      s += ` Neither a dom0 VCPU (below ${pct(SATURATED)} busy) nor dom0's ports run out ` +
        (a === b ? `here.` : `in this sweep.`);
    }
    out.push(s);
  }
  return out;
}

/**
 * What runs out first in one series of host points: dom0's CPU (as a whole,
 * with its busiest VCPU), a single dom0 VCPU, dom0's ports, or nothing.
 */
function firstLimit(
  ps: readonly HostPoint[],
): { what: "cpu" | "vcpu" | "ports" | "none"; guests: number } {
  const { cpu, ports } = limitPoints(ps);
  if (cpu && (!ports || cpu.guests <= ports.guests)) {
    return { what: wholeDom0(cpu) ? "cpu" : "vcpu", guests: cpu.guests };
  }
  if (ports) return { what: "ports", guests: ports.guests };
  return { what: "none", guests: NaN };
}

/** "150", or "150–450": the range of some numbers. */
function span(xs: readonly number[], fmt: (x: number) => string = (x) => `${x}`): string {
  const lo = Math.min(...xs), hi = Math.max(...xs);
  return lo === hi ? fmt(lo) : `${fmt(lo)}–${fmt(hi)}`;
}

/**
 * The Answer's growth sentences checked against the robustness check's cost
 * vectors (`robust/summary.csv` rows, `cost_vector` first): per series, what
 * runs out first in each vector and at what guest count, and the range of the
 * mean round trip at the largest guest count. Empty without vectors or host rows.
 *
 * @example
 * ```ts
 * import { hostRobustSentences } from "./host.ts";
 * const row = (v: number, n: number, rt: number, max: number) => ({ cost_vector: v, abi: "2l",
 *   guests_requested: n, guests_started: n, guests_refused: 0, rt_mean_ns: rt, rt_p99_ns: rt,
 *   dom0_busy: max / 2, dom0_busy_max: max, events_per_request: 2 });
 * console.log(hostRobustSentences([row(0, 10, 3e4, 0.2), row(0, 100, 9e4, 1),
 *   row(1, 10, 4e4, 0.3), row(1, 100, 2e5, 0.9)], [], ["host.blkback_ns"])[0]);
 * ```
 */
export function hostRobustSentences(
  rows: readonly CsvRow[],
  params: readonly string[] = [],
  varied: readonly string[] = [],
): string[] {
  const vectors = [...new Set(rows.map((r) => Number(r.cost_vector)))]
    .filter(Number.isFinite).sort((a, b) => a - b);
  if (vectors.length === 0) return [];
  const perVector = vectors.map((v) =>
    hostPoints(rows.filter((r) => Number(r.cost_vector) === v), params)
  );
  const series = [...new Set(perVector.flat().map((p) => `${p.abi}\u0000${p.label}`))];
  if (series.length === 0) return [];
  const host = varied.filter((f) => f.startsWith("host.")).length;
  const parts = series.map((key) => {
    const limits = perVector.map((ps) =>
      firstLimit(ps.filter((p) => `${p.abi}\u0000${p.label}` === key))
    );
    const ends = perVector.map((ps) => ps.filter((p) => `${p.abi}\u0000${p.label}` === key))
      .filter((ps) => ps.length > 0).map((ps) => ps[ps.length - 1]);
    const [abi, label] = key.split("\u0000");
    const name = label ? `${abi} (${label})` : abi;
    const said: string[] = [];
    for (const what of ["cpu", "vcpu", "ports", "none"] as const) {
      const at = limits.filter((l) => l.what === what).map((l) => l.guests);
      if (at.length === 0) continue;
      const k = `${at.length} of ${vectors.length}`;
      said.push(
        what === "cpu"
          ? `dom0's CPU saturates first at ${span(at)} guests in ${k}`
          : what === "vcpu"
          ? `a dom0 VCPU saturates first at ${span(at)} guests in ${k}`
          : what === "ports"
          ? `dom0's ports run out first, at ${span(at)} guests, in ${k}`
          : `nothing runs out within the sweep in ${k}`,
      );
    }
    const last = ends[0]?.guests;
    return `${name}: ${said.join("; ")}; at ${last} guests the mean round trip is ` +
      `${span(ends.map((p) => p.rtMean), fmtNs)}`;
  });
  return [
    `Under the robustness check's ${vectors.length} cost vectors (${varied.length} cost fields ` +
    `varied over their ranges, ${host} of them the host's own: backend, frontend and wake-up ` +
    `costs), ${parts.join(". ")}.`,
  ];
}

/**
 * Where dom0's busy time goes at one point, largest context first, contexts
 * under 1% of its VCPU time left out: " At 600 guests dom0's time goes to
 * softirq (netback's NAPI polls) 40%, ...". Empty without the context columns.
 *
 * @example
 * ```ts
 * import { whereDom0TimeGoes } from "./host.ts";
 * console.log(whereDom0TimeGoes({ guests: 10, contexts: [0.05, 0.3, 0.2, 0] }));
 * ```
 */
export function whereDom0TimeGoes(p: Pick<HostPoint, "guests" | "contexts">): string {
  const parts = p.contexts
    .map((f, i) => ({ f, name: DOM0_CONTEXTS[i].name }))
    .filter((c) => Number.isFinite(c.f) && c.f >= 0.005)
    .sort((a, b) => b.f - a.f);
  if (parts.length === 0) return "";
  return ` At ${p.guests} guests dom0's VCPU time goes to ` +
    parts.map((c) => `${c.name} ${pct(c.f)}`).join(", ") + ".";
}

/**
 * A relative difference at or under this reads as "alike", significant or not.
 *
 * @example
 * ```ts
 * import { ALIKE } from "./host.ts";
 * console.log(ALIKE); // 0.05
 * ```
 */
export const ALIKE = 0.05;

/** Whether guests fare alike or by creation order, for one ABI (and other swept values). */
export interface GuestOrder {
  /** The ABI. */
  abi: string;
  /** The other swept parameters of the point ("" when none). */
  label: string;
  /** Guests with round trips at the point (started guests with ring traffic). */
  guests: number;
  /** Guests in each tenth compared. */
  tenth: number;
  /** Mean round trip of the first tenth of guests by creation index (ns). */
  first: number;
  /** Mean round trip of the last tenth (ns). */
  last: number;
  /** 95% half-width of last - first (ns; NaN when unknown). */
  half: number;
  /** The lowest per-guest mean round trip (ns). */
  min: number;
  /** The median per-guest mean round trip (ns). */
  median: number;
  /** The highest per-guest mean round trip (ns). */
  max: number;
  /**
   * With per_guest.csv's `dom0_vcpu`: the dom0 VCPU whose guest devices wait
   * longest (requests-weighted mean round trip over every replication), and
   * the same for the devices notifying the other dom0 VCPUs; absent when all
   * devices notify one VCPU.
   */
  byVcpu?: {
    /** The dom0 VCPU. */
    vcpu: number;
    /** Its guest devices, per replication (a mean when the choice varies by replication). */
    devices: number;
    /** Their requests-weighted mean round trip (ns). */
    mean: number;
    /** The other VCPUs' guest devices, per replication. */
    otherDevices: number;
    /** Their requests-weighted mean round trip (ns). */
    otherMean: number;
    /**
     * Among that VCPU's devices alone, the first and last tenth of their
     * guests by creation index, as for the whole point: whether creation
     * order still matters once the VCPU is the same.
     */
    within?: { tenth: number; first: number; last: number; half: number };
  };
}

/** The first and last tenth of a point's guests by creation index (see {@linkcode guestOrder}). */
interface Tenths {
  /** Guests. */
  n: number;
  /** Guests in a tenth. */
  k: number;
  /** Mean round trip of the first tenth (ns). */
  first: number;
  /** Mean round trip of the last tenth (ns). */
  last: number;
  /** 95% half-width of last - first (ns). */
  half: number;
  /** Per guest, in creation order: its mean round trip over replications (ns). */
  perGuest: number[];
}

/**
 * The first and last tenth by creation index of the guests in `here` (one
 * point's per_guest.csv rows): each guest's requests-weighted mean round trip
 * per replication, then over replications; the difference's 95% interval from
 * the per-replication differences (paired) with two replications or more,
 * else from the spread across guests (Welch). Undefined under 4 guests.
 */
function tenthsOf(here: readonly CsvRow[]): Tenths | undefined {
  // Per replication and guest: the requests-weighted mean of its ring round trips.
  const reps = [...new Set(here.map((r) => num(r, "replication")))].sort((a, b) => a - b);
  const per = new Map<number, Map<number, [number, number]>>();
  for (const r of here) {
    const rep = num(r, "replication"), g = num(r, "guest");
    if (!per.has(rep)) per.set(rep, new Map());
    const m = per.get(rep)!;
    const [s, n] = m.get(g) ?? [0, 0];
    m.set(g, [s + num(r, "rt_mean_ns") * num(r, "requests"), n + num(r, "requests")]);
  }
  const guests = [...new Set(here.map((r) => num(r, "guest")))].sort((a, b) => a - b);
  const valueAt = (rep: number, g: number): number | undefined => {
    const v = per.get(rep)?.get(g);
    return v ? v[0] / v[1] : undefined;
  };
  const meanOf = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const perGuest = guests.map((g) =>
    meanOf(reps.map((rep) => valueAt(rep, g)).filter((v): v is number => v !== undefined))
  );
  const n = guests.length;
  const k = Math.max(2, Math.floor(n / 10));
  if (n < 2 * k) return undefined;
  const firstG = guests.slice(0, k), lastG = guests.slice(n - k);
  const first = meanOf(perGuest.slice(0, k)), last = meanOf(perGuest.slice(n - k));
  let half = NaN;
  if (reps.length >= 2) {
    const diffs = reps.map((rep) => {
      const f = firstG.map((g) => valueAt(rep, g)).filter((v): v is number => v !== undefined);
      const l = lastG.map((g) => valueAt(rep, g)).filter((v): v is number => v !== undefined);
      return f.length && l.length ? meanOf(l) - meanOf(f) : NaN;
    }).filter(Number.isFinite);
    half = meanCi(diffs).half;
  } else {
    const v = (xs: number[]) => {
      const m = meanOf(xs);
      return xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1);
    };
    half = 1.96 * Math.sqrt(v(perGuest.slice(0, k)) / k + v(perGuest.slice(n - k)) / k);
  }
  return { n, k, first, last, half, perGuest };
}

/**
 * Per ABI (and other swept values), at the point with the most guests: the
 * mean round trip of the first and the last tenth of guests by creation
 * index, from per_guest.csv rows (ring requests, `net` and `blk`; a guest's
 * value is its round trips' mean weighted by requests, averaged over
 * replications). The difference's 95% interval comes from the per-replication
 * differences with two replications or more (paired: both tenths come from
 * the same runs), else from the spread across guests (Welch). A tenth has at
 * least 2 guests; a series with fewer than 4 guests gives nothing.
 *
 * @example
 * ```ts
 * import { guestOrder } from "./host.ts";
 * const rows = Array.from({ length: 20 }, (_, g) => ({ abi: "2l", replication: 0, guest: g,
 *   device: "net", requests: 10, rt_mean_ns: 30000 + 100 * g }));
 * const o = guestOrder(rows)[0];
 * console.log(o.tenth, o.first, o.last); // 2 30050 31850
 * ```
 */
export function guestOrder(rows: readonly CsvRow[], params: readonly string[] = []): GuestOrder[] {
  const ring = rows.filter((r) =>
    "guest" in r && (r.device === "net" || r.device === "blk") && num(r, "requests") > 0 &&
    Number.isFinite(num(r, "rt_mean_ns"))
  );
  const counts = params.filter(guestAxis);
  const labelOf = otherParams(ring, params);
  const pointOf = (r: CsvRow) => JSON.stringify(counts.map((p) => r[p]));
  const series = new Map<string, CsvRow[]>();
  for (const r of ring) {
    const key = `${r.abi}\u0000${labelOf(r)}`;
    if (!series.has(key)) series.set(key, []);
    series.get(key)!.push(r);
  }
  const out: GuestOrder[] = [];
  for (const rs of series.values()) {
    // The point with the most guests (ties: the first found).
    const byPoint = new Map<string, CsvRow[]>();
    for (const r of rs) {
      if (!byPoint.has(pointOf(r))) byPoint.set(pointOf(r), []);
      byPoint.get(pointOf(r))!.push(r);
    }
    const nGuests = (x: CsvRow[]) => new Set(x.map((r) => num(r, "guest"))).size;
    const here = [...byPoint.values()].reduce((a, b) => (nGuests(b) > nGuests(a) ? b : a));
    const t = tenthsOf(here);
    if (t === undefined) continue;
    const { n, k, first, last, half, perGuest } = t;
    // Guest devices by the dom0 VCPU their requests notify.
    const vcpus = new Map<number, { s: number; n: number; devices: Set<string> }>();
    for (const r of here) {
      if (!Number.isFinite(num(r, "dom0_vcpu"))) continue;
      const v = num(r, "dom0_vcpu");
      if (!vcpus.has(v)) vcpus.set(v, { s: 0, n: 0, devices: new Set() });
      const e = vcpus.get(v)!;
      e.s += num(r, "rt_mean_ns") * num(r, "requests");
      e.n += num(r, "requests");
      // A device's ports may notify another VCPU in another replication (the
      // queue or ring its traffic takes is drawn per replication): count
      // devices per replication.
      e.devices.add(`${r.replication}\u0000${r.guest}\u0000${r.device}`);
    }
    const nReps = new Set(here.map((r) => num(r, "replication"))).size;
    let byVcpu: GuestOrder["byVcpu"];
    if (vcpus.size >= 2) {
      const [worst, e] = [...vcpus].reduce((a, b) => (b[1].s / b[1].n > a[1].s / a[1].n ? b : a));
      let os = 0, on = 0, od = 0;
      for (const [v, x] of vcpus) {
        if (v === worst) continue;
        os += x.s;
        on += x.n;
        od += x.devices.size / nReps;
      }
      const within = tenthsOf(here.filter((r) => num(r, "dom0_vcpu") === worst));
      byVcpu = {
        vcpu: worst,
        devices: e.devices.size / nReps,
        mean: e.s / e.n,
        otherDevices: od,
        otherMean: os / on,
        ...(within
          ? {
            within: { tenth: within.k, first: within.first, last: within.last, half: within.half },
          }
          : {}),
      };
    }
    const sorted = [...perGuest].sort((a, b) => a - b);
    const mid = Math.floor(n / 2);
    out.push({
      abi: String(here[0].abi),
      label: labelOf(here[0]),
      guests: n,
      tenth: k,
      first,
      last,
      half,
      min: sorted[0],
      median: n % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
      max: sorted[n - 1],
      ...(byVcpu ? { byVcpu } : {}),
    });
  }
  return out;
}

/**
 * One sentence per {@linkcode GuestOrder}: whether later (or earlier) guests
 * fare worse, only when the difference's 95% interval excludes zero and the
 * difference exceeds {@linkcode ALIKE} of the first tenth's mean; otherwise
 * that guests fare alike whatever their creation order. With the per-guest
 * spread.
 *
 * @example
 * ```ts
 * import { guestOrder, guestOrderSentences } from "./host.ts";
 * const rows = Array.from({ length: 20 }, (_, g) => ({ abi: "fifo", replication: 0, guest: g,
 *   device: "net", requests: 10, rt_mean_ns: 30000 + (g % 2) * 100 }));
 * console.log(guestOrderSentences(guestOrder(rows))[0].includes("alike")); // true
 * ```
 */
export function guestOrderSentences(orders: readonly GuestOrder[]): string[] {
  return orders.map((o) => {
    const abi = o.label ? `${o.abi} (${o.label})` : o.abi;
    const d = o.last - o.first;
    const rel = o.first > 0 ? d / o.first : 0;
    const known = Number.isFinite(o.half);
    const shown = known && Math.abs(d) > o.half && Math.abs(rel) > ALIKE;
    const pctS = (x: number) => `${x > 0 ? "+" : ""}${sig(100 * x, 2)}%`;
    const tenths = `the first ${o.tenth} guests by creation order average ${fmtNs(o.first)} ` +
      `per round trip, the last ${o.tenth} ${fmtNs(o.last)}`;
    let s = `${abi}, ${o.guests} guests: `;
    if (shown) {
      s += `${d > 0 ? "later" : "earlier"} guests fare worse: ${tenths} (${pctS(rel)}, 95% CI ` +
        `${pctS((d - o.half) / o.first)} to ${pctS((d + o.half) / o.first)}).`;
      const b = o.byVcpu;
      if (b && b.otherMean > 0 && (b.mean - b.otherMean) / b.otherMean > ALIKE) {
        // Creation order decides which dom0 VCPU a guest's backend ports notify
        // (ports are bound in creation order); say where the waiting is.
        const all = b.devices + b.otherDevices;
        const whole = Number.isInteger(b.devices) && Number.isInteger(all);
        s += ` The guest devices whose requests notify dom0 VCPU ${b.vcpu} (` +
          (whole
            ? `${b.devices} of ${all}`
            : `${sig(b.devices)} of ${sig(all)} per replication, on average`) +
          `) average ${fmtNs(b.mean)}, the others ${fmtNs(b.otherMean)}.`;
        const w = b.within;
        if (w && Number.isFinite(w.half) && w.first > 0) {
          // The same comparison among that VCPU's devices alone: does the
          // order still matter (an ABI's scan order), or only through the
          // VCPU a guest's ports notify?
          const wd = w.last - w.first, wrel = wd / w.first;
          const ci = `95% CI ${pctS((wd - w.half) / w.first)} to ${pctS((wd + w.half) / w.first)}`;
          s += Math.abs(wd) > w.half && Math.abs(wrel) > ALIKE
            ? ` Creation order matters beyond that VCPU: among the devices on VCPU ${b.vcpu} ` +
              `alone, the last ` +
              `${w.tenth} guests by creation order wait ${sig(100 * Math.abs(wrel), 2)}% ` +
              `${wrel > 0 ? "longer" : "less"} than the first ${w.tenth} (${ci}).`
            : ` Among the devices on VCPU ${b.vcpu} alone, creation order shows no difference: the ` +
              `last ${w.tenth} ` +
              `guests against the first ${w.tenth}, ${pctS(wrel)} (` +
              (Math.abs(wd) > w.half ? `within ${sig(100 * ALIKE)}%` : ci) + `).`;
        }
      }
    } else {
      s += `guests fare alike whatever their creation order: ${tenths} (` +
        (!known
          ? `too few runs to tell a difference`
          : Math.abs(d) > o.half
          ? `${pctS(rel)}, within ${sig(100 * ALIKE)}%`
          : `the difference is within noise`) +
        `).`;
    }
    return s + ` Per-guest means run from ${fmtNs(o.min)} to ${fmtNs(o.max)} ` +
      `(median ${fmtNs(o.median)}).`;
  });
}

/**
 * The host section's lines for report.md (title, rule, paragraphs, table),
 * or none when the rows are not a host's; with `perGuest` (per_guest.csv
 * rows), whether guests fare alike or by creation order.
 *
 * @example
 * ```ts
 * import { hostSection } from "./host.ts";
 * console.log(hostSection([], (t) => t).length); // 0
 * ```
 */
export function hostSection(
  rows: readonly CsvRow[],
  wrap: (text: string, width?: number, first?: string, indent?: string) => string,
  params: readonly string[] = [],
  perGuest: readonly CsvRow[] = [],
): string[] {
  const points = hostPoints(rows, params);
  const order = guestOrderSentences(guestOrder(perGuest, params));
  if (points.length === 0) return [];
  const title = "Host: round trips and dom0's CPU against the number of guests";
  // The other swept parameters as key columns of their own (a label in one
  // column would overflow the page).
  const others = points[0].params.map((q) => q.path);
  const table = fitTable(
    [
      "abi",
      ...others.map(shortHeader),
      "guests",
      "started",
      "rt mean",
      "rt p99",
      "dom0 busy",
      "busiest",
      "events/req",
    ],
    points.map((p) => [
      p.abi,
      ...p.params.map((q) => q.value),
      String(p.guests),
      sig(p.started),
      fmtNs(p.rtMean),
      fmtNs(p.rtP99),
      pct(p.busy),
      pct(p.busyMax),
      sig(p.events),
    ]),
    2 + others.length,
  );
  return [
    title,
    "-".repeat(title.length),
    "",
    ...hostSentences(points).flatMap((s) => [wrap(s, undefined, "- ", "  ")]),
    ...(order.length > 0
      ? [
        "",
        wrap(
          "Per guest, at the point with the most guests (per_guest.csv): do guests " +
            "fare alike, or by the order they were created in?",
        ),
        "",
        ...order.map((s) => wrap(s, undefined, "- ", "  ")),
      ]
      : []),
    "",
    wrap(
      "Means over replications. A round trip runs from the client's request until the " +
        "client has its response; dom0 busy is the fraction of dom0's VCPU " +
        "time not idle, busiest the same for its busiest VCPU.",
    ),
    "",
    table.split("\n").map((l) => (l ? `  ${l}` : "")).join("\n"),
    "",
  ];
}

/**
 * Line points of summary column `col` (scaled by `k`) against the guest count,
 * one line per ABI, a row facet per `row` label and a column facet per other
 * swept parameter combination; mean and 95% band over replications.
 */
function hostLine(
  rows: readonly CsvRow[],
  params: readonly string[],
  col: string,
  k: number,
  row?: string,
): LinePoint[] {
  const host = rows.filter((r) => "guests_requested" in r && col in r);
  const facetOf = otherParams(host, params);
  const groups = new Map<string, { abi: string; x: number; facet: string; ys: number[] }>();
  for (const r of host) {
    const facet = facetOf(r);
    const x = num(r, "guests_requested");
    const key = `${r.abi}\u0000${facet}\u0000${x}`;
    if (!groups.has(key)) groups.set(key, { abi: String(r.abi), x, facet, ys: [] });
    const y = num(r, col);
    if (Number.isFinite(y)) groups.get(key)!.ys.push(y * k);
  }
  return [...groups.values()].filter((g) => g.ys.length > 0).map((g) => {
    const { mean, half } = meanCi(g.ys);
    const ci = Number.isFinite(half) ? half : 0;
    return {
      abi: g.abi,
      x: g.x,
      y: mean,
      lo: mean - ci,
      hi: mean + ci,
      ci,
      ...(g.facet ? { facet: g.facet } : {}),
      ...(row !== undefined ? { row } : {}),
    };
  });
}

/**
 * The host charts: round trip (p99 and mean), dom0's busy fraction (all
 * VCPUs and the busiest) and dom0's time per context against the guest
 * count, one line per ABI; none unless the guest count takes two values or
 * more.
 *
 * @example
 * ```ts
 * import { hostCharts } from "./host.ts";
 * console.log(hostCharts([], []).length); // 0
 * ```
 */
export function hostCharts(rows: readonly CsvRow[], params: readonly string[]): Chart[] {
  const counts = new Set(
    rows.filter((r) => "guests_requested" in r).map((r) => num(r, "guests_requested")),
  );
  if (counts.size < 2) return [];
  const abis = [...new Set(rows.map((r) => String(r.abi)))];
  const text = (title: string, yTitle: string) => ({
    title,
    subtitle: "mean over replications, band: 95% CI",
    xTitle: "guests requested",
    yTitle,
    abis,
    facetTitle: "",
    rowTitle: "",
  });
  const rt = [
    ...hostLine(rows, params, "rt_p99_ns", 1e-3, "p99"),
    ...hostLine(rows, params, "rt_mean_ns", 1e-3, "mean"),
  ];
  const busy = [
    ...hostLine(rows, params, "dom0_busy", 100, "all dom0 VCPUs"),
    ...hostLine(rows, params, "dom0_busy_max", 100, "busiest dom0 VCPU"),
  ];
  const contexts = DOM0_CONTEXTS.flatMap(({ column, name }) =>
    hostLine(rows, params, column, 100, name)
  );
  const charts: Chart[] = [
    {
      name: "host_rt_vs_guests",
      title: "Round trip against the number of guests",
      caption: "Request-to-response round trip (p99 and mean, rows) against the guests " +
        "requested, one line per ABI, with 95% bands over replications. Lower is better.",
      spec: lineSpec(rt, text("Round trip against the number of guests", "round trip (µs)")),
    },
    {
      name: "host_dom0_busy_vs_guests",
      title: "dom0's CPU against the number of guests",
      caption: "dom0's busy time as a percentage of its VCPU time, over all its VCPUs and for " +
        "the busiest one (rows), against the guests requested; 100% on the busiest VCPU is " +
        "saturation.",
      spec: lineSpec(busy, { ...text("dom0's CPU against the number of guests", "busy (%)") }),
    },
  ];
  if (contexts.length > 0) {
    charts.push({
      name: "host_dom0_contexts_vs_guests",
      title: "Where dom0's CPU goes, against the number of guests",
      caption: "dom0's time in each execution context (rows: hard IRQ, softirq, kernel " +
        "threads, user space) as a percentage of its VCPU time, against the guests requested, " +
        "one line per ABI, with 95% bands; the rows add up to the busy line of the chart above.",
      spec: lineSpec(
        contexts,
        text("Where dom0's CPU goes, against the number of guests", "share of VCPU time (%)"),
      ),
    });
  }
  return charts;
}
