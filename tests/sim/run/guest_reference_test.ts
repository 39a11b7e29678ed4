// Reference implementations of the guest runtime's most intricate rules, written to be read
// against Linux 6.1 line by line, compared with the model (sim/run/guest.ts) on random timelines
// (fast-check, fixed seeds):
// - the softirq and ksoftirqd scheduler: irq_exit's invoke_softirq, __do_softirq's restarts,
//   net_rx_action's budget, time limit and poll list, napi_poll's weight, and thread context
//   taking turns between ksoftirqd and kthreads;
// - loop control (evtchn_loop_ctrl) with late EOIs issued in and after the upcall loop.
// Both run with zero costs and zero-time top halves, so hard-IRQ work takes no time and the
// references need no model of the upcall itself.
import assert from "node:assert/strict";
import fc from "fast-check";
import { exec, group, num, scenario } from "./guest_fixture.ts";

// ---- the softirq and ksoftirqd scheduler ----------------------------------------------------

interface Port {
  /** "softirq" (a NAPI poll) or "thread" (a kthread). */
  kind: "softirq" | "thread";
  /** Items each event brings, time per item (ns), NAPI weight. */
  items: number;
  itemNs: number;
  weight: number;
}

interface Timeline {
  ports: Port[];
  /** Arrivals: time (ns) and port, times distinct, in order. */
  arrivals: [number, number][];
  hz: number;
  /** Run length (ns). */
  end: number;
}

interface Outcome {
  /** Per port: sum and count of completion latencies. */
  doneSum: number[];
  completed: number[];
  /** Time spent on items in softirq context (irq_exit) and in thread context (ns). */
  softirqNs: number;
  threadNs: number;
  ksoftirqdWakeups: number;
}

/** One work item: the port it belongs to, its duration and the context it runs in. */
interface Item {
  port: number;
  ns: number;
  ctx: "softirq" | "thread";
}

/**
 * The scheduler as Linux 6.1 has it, one VCPU. Each context is a generator that yields the work
 * items it runs, in the order the kernel's code runs them; the driver below runs them in time
 * and lets an arrival interrupt an item (its top half takes no time), after which irq_exit runs.
 */
function referenceScheduler(tl: Timeline): Outcome {
  const P = tl.ports.length, tick = 1e9 / tl.hz;
  const jiffies = (t: number) => Math.floor(t / tick);
  // include/linux/jiffies.h msecs_to_jiffies: rounded up.
  const msecsToJiffies = (ms: number) => Math.ceil(ms * tl.hz / 1000);
  const added = new Array(P).fill(0), done = new Array(P).fill(0);
  const waiting: { raise: number; end: number }[][] = tl.ports.map(() => []);
  const napiScheduled = new Array(P).fill(false), kthreadWoken = new Array(P).fill(false);
  let pollList: number[] = []; // sd->poll_list
  const kthreads: number[] = []; // runnable kthreads, in wake-up order
  let ksoftirqdWoken = false, kthreadsBeforeKsoftirqd = 0;
  const out: Outcome = {
    doneSum: new Array(P).fill(0),
    completed: new Array(P).fill(0),
    softirqNs: 0,
    threadNs: 0,
    ksoftirqdWakeups: 0,
  };
  let now = 0;

  // net/core/dev.c napi_poll: at most `weight` items; a poll that used its whole weight is
  // repolled, one that found its work done completes (napi_complete_done).
  function* napiPoll(p: number, repoll: number[], ctx: Item["ctx"]): Generator<Item, number> {
    let work = 0;
    while (work < tl.ports[p].weight && added[p] > done[p]) {
      yield { port: p, ns: tl.ports[p].itemNs, ctx };
      work++;
    }
    if (work === tl.ports[p].weight) repoll.push(p);
    else napiScheduled[p] = false;
    return work;
  }
  // net_rx_action: budget netdev_budget (300), time limit 2 jiffies; on leaving, the polls not
  // run, then those scheduled meanwhile, then the repolls form the poll list again.
  function* netRxAction(ctx: Item["ctx"]): Generator<Item> {
    let budget = 300;
    const timeLimit = jiffies(now) + 2;
    const list = pollList;
    pollList = [];
    const repoll: number[] = [];
    while (list.length > 0) {
      budget -= yield* napiPoll(list.shift()!, repoll, ctx);
      if (budget <= 0 || jiffies(now) >= timeLimit) break;
    }
    pollList = [...list, ...pollList, ...repoll];
  }
  // kernel/softirq.c __do_softirq: restart while less than MAX_SOFTIRQ_TIME has passed and
  // --max_restart (10) stays positive; otherwise wake ksoftirqd.
  function* doSoftirq(ctx: Item["ctx"]): Generator<Item> {
    const end = jiffies(now) + msecsToJiffies(2);
    let maxRestart = 10;
    for (;;) {
      yield* netRxAction(ctx);
      if (pollList.length === 0) return;
      if (jiffies(now) < end && --maxRestart > 0) continue;
      if (!ksoftirqdWoken) {
        ksoftirqdWoken = true;
        out.ksoftirqdWakeups++;
      }
      return;
    }
  }
  // A kthread (blkback's xen_blkif_schedule): every queued item of its port.
  function* kthread(p: number): Generator<Item> {
    while (added[p] > done[p]) yield { port: p, ns: tl.ports[p].itemNs, ctx: "thread" };
    kthreadWoken[p] = false;
  }
  // Thread context: ksoftirqd and the kthreads take turns; every kthread runnable when
  // ksoftirqd's turn begins runs once before its next turn. Returns when nothing is runnable.
  function* threadContext(): Generator<Item> {
    for (;;) {
      if (ksoftirqdWoken && pollList.length === 0) ksoftirqdWoken = false; // ksoftirqd sleeps
      if (ksoftirqdWoken && (kthreads.length === 0 || kthreadsBeforeKsoftirqd <= 0)) {
        kthreadsBeforeKsoftirqd = kthreads.length;
        yield* doSoftirq("thread"); // run_ksoftirqd
      } else if (kthreads.length > 0) {
        kthreadsBeforeKsoftirqd--;
        yield* kthread(kthreads.shift()!);
      } else return;
    }
  }

  // The driver: a stack of contexts (thread context at the bottom, softirq run from irq_exit
  // on top of it), each with the item it is running and the time that item has left.
  const stack: { gen: Generator<Item>; item: Item | null; left: number }[] = [];
  const advance = (): void => {
    let fresh = false;
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        if (fresh) return; // thread context has nothing to run: idle
        stack.push({ gen: threadContext(), item: null, left: 0 });
        fresh = true;
        continue;
      }
      const r = top.gen.next();
      if (!r.done) {
        top.item = r.value;
        top.left = r.value.ns;
        return;
      }
      stack.pop();
      const below = stack[stack.length - 1];
      if (below !== undefined && below.item !== null) return; // resume the interrupted item
    }
  };
  const complete = (p: number) => {
    const q = waiting[p];
    while (q.length > 0 && q[0].end <= done[p]) {
      out.doneSum[p] += now - q.shift()!.raise;
      out.completed[p]++;
    }
  };
  // An arrival: put on the ring without an event while the port's work is scheduled (ring.h);
  // otherwise its top half (taking no time) schedules the poll or wakes the kthread.
  const arrive = (p: number) => {
    added[p] += tl.ports[p].items;
    waiting[p].push({ raise: now, end: added[p] });
    if (napiScheduled[p] || kthreadWoken[p]) return;
    if (tl.ports[p].kind === "softirq") {
      napiScheduled[p] = true;
      pollList.push(p);
    } else {
      kthreadWoken[p] = true;
      kthreads.push(p);
    }
    // irq_exit -> invoke_softirq: run softirqs unless already in softirq context, or (before
    // Linux 6.5) while ksoftirqd is woken.
    const top = stack[stack.length - 1];
    const inSoftirq = top !== undefined && top.item?.ctx === "softirq";
    if (!inSoftirq && pollList.length > 0 && !ksoftirqdWoken) {
      stack.push({ gen: doSoftirq("softirq"), item: null, left: 0 });
      advance();
    } else if (stack.length === 0) advance();
  };

  let next = 0;
  for (;;) {
    const top = stack[stack.length - 1];
    const at = next < tl.arrivals.length ? tl.arrivals[next][0] : Infinity;
    if (top === undefined || top.item === null) {
      stack.length = 0; // nothing runs: idle
      if (at >= tl.end) break;
      now = at;
      arrive(tl.arrivals[next++][1]);
      continue;
    }
    const itemEnd = now + top.left;
    const until = Math.min(itemEnd, at, tl.end);
    const spent = until - now;
    if (top.item.ctx === "softirq") out.softirqNs += spent;
    else out.threadNs += spent;
    top.left -= spent;
    now = until;
    if (until === tl.end) break;
    if (until === at) {
      arrive(tl.arrivals[next++][1]);
      continue;
    }
    const p = top.item.port;
    done[p]++;
    complete(p);
    top.item = null;
    advance();
  }
  return out;
}

/**
 * A trace file of `lines` in a temporary folder of its own, and an empty one. A group replays
 * all of the file it names, so only the first group names it and the others the empty one.
 */
function traceFiles(lines: string[]): [string, string] {
  const dir = Deno.makeTempDirSync({ prefix: "guest_ref_" });
  Deno.writeTextFileSync(`${dir}/trace.csv`, lines.join("\n") + "\n");
  Deno.writeTextFileSync(`${dir}/none.csv`, "");
  return [`${dir}/trace.csv`, `${dir}/none.csv`];
}

/** Write `tl` as a scenario: one group per port, all on VCPU 0, zero costs. */
function schedulerScenario(tl: Timeline) {
  const [file, none] = traceFiles(tl.arrivals.map(([t, p]) => `${t},p${p},0`));
  return scenario({
    duration_ms: tl.end / 1e6,
    guest: { vcpus: 1, hz: tl.hz },
    groups: tl.ports.map((p, i) => ({
      name: `p${i}`,
      ports: 1,
      vcpu: 0,
      arrival: { kind: "trace", file: i === 0 ? file : none },
      service: { kind: "const", ns: 0 },
      deferred: {
        kind: p.kind,
        items: { kind: "const", n: p.items },
        item: { kind: "const", ns: p.itemNs },
        ...(p.kind === "softirq" ? { weight: p.weight } : {}),
      },
    })),
  });
}

// Arrival times are whole µs plus a distinct offset below 1000 ns, and item times whole µs, so
// an item never ends at an arrival, a jiffy boundary or the run's end: no ties to break.
const timeline = fc.record({
  ports: fc.array(
    fc.record({
      kind: fc.constantFrom("softirq" as const, "softirq" as const, "thread" as const),
      // Multiples of 50 often add up to netdev_budget (300) exactly.
      items: fc.constantFrom(1, 7, 50, 100, 150, 200, 300, 400),
      itemNs: fc.integer({ min: 1, max: 5 }).map((x) => x * 1000),
      weight: fc.constantFrom(1, 16, 50, 64, 100, 150, 300),
    }),
    { minLength: 1, maxLength: 8 },
  ),
  // Arrivals crowded into the first 3 ms of a 6 ms run, so that polls overlap, net_rx_action
  // runs out of budget with polls still to run and others scheduled meanwhile.
  us: fc.uniqueArray(fc.integer({ min: 0, max: 2_999 }), { minLength: 1, maxLength: 120 }),
  portPick: fc.array(fc.nat(), { minLength: 120, maxLength: 120 }),
  hz: fc.constantFrom(100, 250, 300, 1000),
}).map(({ ports, us, portPick, hz }): Timeline => ({
  ports,
  arrivals: [...us].sort((a, b) => a - b).map((u, i) => [
    u * 1000 + 1 + i,
    portPick[i] % ports.length,
  ]),
  hz,
  end: 6e6,
}));

Deno.test("the softirq and ksoftirqd scheduler matches a reference implementation on random timelines", () => {
  let handedOff = 0;
  fc.assert(
    fc.property(timeline, (tl) => {
      const want = referenceScheduler(tl);
      const r = exec(schedulerScenario(tl));
      assert.equal(num(r.summary, "ksoftirqd_wakeups"), want.ksoftirqdWakeups, "wakeups");
      assert.equal(
        num(r.summary, "softirq_share"),
        Math.round(want.softirqNs / tl.end * 1e6) / 1e6,
      );
      assert.equal(num(r.summary, "thread_share"), Math.round(want.threadNs / tl.end * 1e6) / 1e6);
      tl.ports.forEach((_, i) => {
        const g = group(r, `p${i}`);
        assert.equal(g.completed, want.completed[i], `p${i} completed`);
        if (want.completed[i] > 0) {
          assert.equal(num(g, "done_mean_ns"), Math.round(want.doneSum[i] / want.completed[i]));
        }
      });
      if (want.ksoftirqdWakeups > 0) handedOff++;
    }),
    { seed: 2028, numRuns: 200 },
  );
  // The timelines reach ksoftirqd often enough for the comparison to cover it.
  assert.ok(handedOff >= 10, `${handedOff} timelines handed work to ksoftirqd`);
});

// ---- loop control with late EOIs ------------------------------------------------------------

interface LoopGroup {
  /** "plain" (no late EOI), "top" (late EOI in its top half), "napi" (late EOI after its poll). */
  kind: "plain" | "top" | "napi";
  serviceNs: number;
}

interface Bursts {
  groups: LoopGroup[];
  /** Per burst: its start (ns) and the group of each of its events, in raise order. */
  bursts: { start: number; events: number[] }[];
  hz: number;
  loopTimeout: number;
  eoiDelay: number;
}

/**
 * drivers/xen/events/events_base.c as Linux 6.1 has it: each burst is one upcall loop (FIFO,
 * every event raised while the first is handled), with a fresh struct evtchn_loop_ctrl.
 * handle_irq_for_port counts every event; every 256th checks the time, the first check sets
 * the timeout, a later one past it sets defer_eoi, and then every event records eoi_time and
 * the loop's irq_epoch. A late EOI is deferred when it is issued in the same irq_epoch: the
 * top-half EOIs of that loop; never a NAPI group's, which comes after the loop. Returns the
 * deferred EOIs per group.
 */
function referenceLoopControl(b: Bursts): number[] {
  const deferred = new Array(b.groups.length).fill(0);
  // include/linux/jiffies.h jiffies_to_msecs: DIV_ROUND_UP(j * 1000, HZ) when HZ divides
  // neither 1000 nor is divided by it (HZ 300), exact otherwise.
  const timeoutNs = Math.ceil(b.loopTimeout * 1000 / b.hz) * 1e6;
  for (const burst of b.bursts) {
    const ctrl = { count: 0, timeout: 0, deferEoi: false };
    let t = burst.start;
    for (const g of burst.events) {
      if (!ctrl.deferEoi && (++ctrl.count & 0xff) === 0) {
        if (ctrl.timeout === 0) ctrl.timeout = t + timeoutNs;
        else if (t > ctrl.timeout) ctrl.deferEoi = true;
      }
      if (ctrl.deferEoi && b.groups[g].kind === "top") deferred[g]++;
      t += b.groups[g].serviceNs;
    }
  }
  return deferred;
}

function loopScenario(b: Bursts) {
  const next = b.groups.map(() => 0); // each event on a port of its own
  const [file, none] = traceFiles(
    b.bursts.flatMap((burst) =>
      burst.events.map((g, i) => `${burst.start + i},g${g},${next[g]++}`)
    ),
  );
  const last = b.bursts[b.bursts.length - 1];
  const end = last.start + last.events.reduce((a, g) => a + b.groups[g].serviceNs, 0);
  return scenario({
    duration_ms: Math.ceil((end + 1e6) / 1e6),
    guest: {
      vcpus: 1,
      hz: b.hz,
      event_loop_timeout: b.loopTimeout,
      event_eoi_delay: b.eoiDelay,
    },
    groups: b.groups.map((g, i) => ({
      name: `g${i}`,
      ports: Math.max(1, next[i]),
      vcpu: 0,
      lateeoi: g.kind !== "plain",
      arrival: { kind: "trace", file: i === 0 ? file : none },
      service: { kind: "const", ns: g.serviceNs },
      ...(g.kind === "napi"
        ? { deferred: { kind: "softirq", item: { kind: "const", ns: 1 } } }
        : {}),
    })),
  });
}

const bursts = fc.record({
  groups: fc.array(
    fc.record({
      kind: fc.constantFrom("plain" as const, "top" as const, "napi" as const),
      serviceNs: fc.integer({ min: 5, max: 60 }).map((x) => x * 1000),
    }),
    { minLength: 1, maxLength: 4 },
  ),
  sizes: fc.array(fc.integer({ min: 1, max: 1100 }), { minLength: 1, maxLength: 3 }),
  picks: fc.array(fc.nat(), { minLength: 3300, maxLength: 3300 }),
  gapsUs: fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 3, maxLength: 3 }),
  hz: fc.constantFrom(100, 250, 300, 300, 1000),
  loopTimeout: fc.integer({ min: 0, max: 4 }),
  eoiDelay: fc.integer({ min: 0, max: 12 }),
}).map(({ groups, sizes, picks, gapsUs, hz, loopTimeout, eoiDelay }): Bursts => {
  // The first burst starts after one tick (jiffies > 0, so eoi_time is never 0) and each
  // later one after the previous loop has ended; events 1 ns apart, all within the first
  // event's top half.
  let start = 1e9 / hz + 1001, k = 0;
  const out: Bursts["bursts"] = [];
  sizes.forEach((n, i) => {
    const events = Array.from({ length: n }, () => picks[k++] % groups.length);
    out.push({ start, events });
    start += events.reduce((a, g) => a + groups[g].serviceNs, 0) + gapsUs[i] * 1000 + 1001;
  });
  return { groups, bursts: out, hz, loopTimeout, eoiDelay };
});

Deno.test("loop control with late EOIs matches a reference implementation on random timelines", () => {
  let deferring = 0;
  fc.assert(
    fc.property(bursts, (b) => {
      const want = referenceLoopControl(b);
      const r = exec(loopScenario(b));
      b.groups.forEach((g, i) => {
        const row = group(r, `g${i}`);
        const events = b.bursts.reduce((a, x) => a + x.events.filter((e) => e === i).length, 0);
        assert.equal(row.delivered, events, `g${i} delivered`);
        assert.equal(row.eoi_deferred, want[i], `g${i} (${g.kind}) eoi_deferred`);
      });
      if (want.some((x) => x > 0)) deferring++;
    }),
    { seed: 2332, numRuns: 200 },
  );
  assert.ok(deferring >= 10, `${deferring} timelines deferred EOIs`);
});
