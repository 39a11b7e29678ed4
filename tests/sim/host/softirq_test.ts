/**
 * Linux's softirq rules inside a host, on dom0's NAPI polls (netback's TX
 * queues): net_rx_action's budget and poll-list order (net/core/dev.c),
 * __do_softirq's restarts and ksoftirqd (kernel/softirq.c), as Linux 6.1 has
 * them. Each test watches an overloaded dom0 VCPU and re-derives, from the
 * rule, what the host must have done.
 */
import assert from "node:assert/strict";
import { type HostSimulation, IT_POLL, IT_THREAD } from "../../../sim/host/host.ts";
import { msecsToJiffies, SOFTIRQ } from "../../../sim/run/softirq.ts";
import { vcpu0Host } from "./host_fixture.ts";

/** What a dom0 VCPU's softirq did, as seen through the host's own calls. */
interface Watch {
  h: HostSimulation;
  /** Per net_rx_action: its jiffy, the poll list it took, the polls it ran and their packets. */
  actions: { j: number; taken: number[]; ran: number[]; packets: number[]; scheduled: number[] }[];
  /** Per __do_softirq: its jiffy, its rounds, whether it ran in ksoftirqd, whether it woke ksoftirqd and when. */
  runs: {
    j: number;
    rounds: number;
    roundJ: number[];
    inKsoftirqd: boolean;
    woke: boolean;
    endJ: number;
  }[];
  /** Thread items begun on the VCPU between ksoftirqd's runs, and the threads runnable at each run's start. */
  threadItems: number[];
  runnableAtRun: number[];
}

/** The poll list of VCPU `u` (`list`: 0 sd->poll_list, 1 taken, 2 repoll), first to last. */
function list(h: HostSimulation, u: number, l: number): number[] {
  const out: number[] = [];
  for (let r = h.polls.head[3 * u + l]; r >= 0; r = h.polls.next[r]) out.push(r);
  return out;
}

/**
 * A 1-VCPU dom0 serving `guests` 1-VCPU guests, each with one vif whose
 * client keeps 256 requests outstanding with no think time: dom0's only VCPU
 * is saturated by netback's TX polls and guest-rx kthreads. Run for `ms`
 * while watching dom0's VCPU 0.
 */
function watch(guests: number, ms: number, dom0Hz = 250, guestHz = 250): Watch {
  const h = vcpu0Host({
    guests,
    vifs: 1,
    vbds: 0,
    workload: { kind: "closed", window: 256, think_us: 0, devices: "net" },
    durationMs: ms,
    dom0Hz,
    guestHz,
  });
  const w: Watch = { h, actions: [], runs: [], threadItems: [], runnableAtRun: [] };
  const j = () => h.lateEoi[0].jiffies(h.engine.now);
  const sc = h.softirq[0];
  const doSoftirq = sc.doSoftirq.bind(sc);
  sc.doSoftirq = (u, jiffy) => {
    if (u === 0) {
      w.runs.push({
        j: jiffy,
        rounds: 0,
        roundJ: [],
        inKsoftirqd: h.inSoftirq[0] === 2,
        woke: false,
        endJ: -1,
      });
      if (h.inSoftirq[0] === 2) {
        w.runnableAtRun.push(h.threads.len[0]);
        w.threadItems.push(0);
      }
    }
    doSoftirq(u, jiffy);
  };
  const netRxAction = sc.netRxAction.bind(sc);
  sc.netRxAction = (u, jiffy) => {
    if (u === 0) {
      w.runs[w.runs.length - 1].rounds++;
      w.runs[w.runs.length - 1].roundJ.push(jiffy);
      w.actions.push({ j: jiffy, taken: list(h, 0, 0), ran: [], packets: [], scheduled: [] });
    }
    netRxAction(u, jiffy);
  };
  const restart = sc.restart.bind(sc);
  sc.restart = (u, jiffy) => {
    const again = restart(u, jiffy);
    if (u === 0 && !again) {
      const run = w.runs[w.runs.length - 1];
      run.woke = true;
      run.endJ = jiffy;
    }
    return again;
  };
  const napiSchedule = h.napiSchedule.bind(h);
  h.napiSchedule = (u, r) => {
    if (u === 0 && h.softOn[r] === 0 && h.inSoftirq[0] !== 0) {
      w.actions[w.actions.length - 1].scheduled.push(r);
    }
    napiSchedule(u, r);
  };
  // net_rx_action takes the next poll off its list (VCPU 0's list 1) and runs it.
  const pop = h.polls.pop.bind(h.polls);
  h.polls.pop = (l) => {
    const r = pop(l);
    if (l === 1 && r >= 0) {
      const a = w.actions[w.actions.length - 1];
      a.ran.push(r);
      a.packets.push(0);
    }
    return r;
  };
  const begin = h.begin.bind(h);
  h.begin = (u, kind, arg, ctx, ns, ns2) => {
    if (u === 0 && kind === IT_POLL) {
      w.actions[w.actions.length - 1].packets[w.actions[w.actions.length - 1].packets.length - 1]++;
    }
    if (u === 0 && kind === IT_THREAD && w.threadItems.length > 0) {
      w.threadItems[w.threadItems.length - 1]++;
    }
    begin(u, kind, arg, ctx, ns, ns2);
  };
  h.start();
  h.engine.run(ms * 1e6, h);
  assert.ok(j() > 0);
  return w;
}

const W = watch(24, 40);
/** The same host with dom0 at HZ 1000 and its guests at HZ 100: dom0's softirq counts dom0's jiffies. */
const W1000 = watch(24, 40, 1000, 100);

Deno.test("host: net_rx_action stops once its budget of 300 packets is spent, polls taking at most 64", () => {
  let spent = 0;
  for (const [i, a] of W.actions.entries()) {
    for (const p of a.packets) assert.ok(p <= SOFTIRQ.napiWeight, `a poll took ${p} packets`);
    const total = a.packets.reduce((x, y) => x + y, 0);
    const before = a.packets.slice(0, -1).reduce((x, y) => x + y, 0);
    // net_rx_action checks the budget after each poll: no poll begins once it is spent.
    assert.ok(before < SOFTIRQ.netdevBudget, `action ${i} began a poll with its budget spent`);
    if (total >= SOFTIRQ.netdevBudget) spent++;
  }
  assert.ok(spent > 10, `only ${spent} actions spent their budget: the host is not overloaded`);
});

Deno.test("host: net_rx_action rebuilds the poll list untaken polls first, then those scheduled meanwhile, then repolls", () => {
  let checked = 0, reordered = 0;
  for (let i = 0; i + 1 < W.actions.length; i++) {
    const a = W.actions[i], b = W.actions[i + 1];
    const untaken = a.taken.filter((r) => !a.ran.includes(r));
    const repoll = a.ran.filter((_, k) => a.packets[k] === SOFTIRQ.napiWeight);
    const expected = [...untaken, ...a.scheduled, ...repoll];
    // Polls scheduled between the two actions (by hard IRQs, outside any
    // __do_softirq) follow.
    assert.deepEqual(b.taken.slice(0, expected.length), expected, `action ${i + 1}`);
    checked++;
    if (untaken.length > 0 && repoll.length > 0) reordered++;
  }
  assert.ok(checked > 20 && reordered > 5, `${checked} actions checked, ${reordered} reordered`);
});

for (const [hz, w] of [[250, W], [1000, W1000]] as const) {
  // MAX_SOFTIRQ_TIME = msecs_to_jiffies(2): one jiffy at HZ 250, two at HZ 1000.
  const maxJ = msecsToJiffies(SOFTIRQ.maxSoftirqMs, hz);
  Deno.test(`host: __do_softirq restarts at most MAX_SOFTIRQ_RESTART rounds and only before MAX_SOFTIRQ_TIME ends (dom0 at HZ ${hz})`, () => {
    assert.equal(w.h.lateEoi[0].hz, hz);
    let byTime = 0;
    for (const run of w.runs) {
      assert.ok(run.rounds <= SOFTIRQ.maxSoftirqRestart, `${run.rounds} rounds`);
      // A restart needs time_before(jiffies, end): every round after the first begins before `end`.
      for (const rj of run.roundJ.slice(1)) {
        assert.ok(rj < run.j + maxJ, `a round in jiffy ${rj} from ${run.j}`);
      }
      if (run.woke) {
        // wakeup_softirqd: the time (end = jiffies + MAX_SOFTIRQ_TIME) or the rounds ran out.
        assert.ok(
          run.endJ >= run.j + maxJ || run.rounds === SOFTIRQ.maxSoftirqRestart,
          `ksoftirqd woken in jiffy ${run.endJ} after ${run.rounds} rounds from jiffy ${run.j}`,
        );
        if (run.endJ >= run.j + maxJ) byTime++;
      }
    }
    assert.ok(byTime > 0, "no __do_softirq reached the end of MAX_SOFTIRQ_TIME");
  });
}

Deno.test("host: while ksoftirqd is woken, irq_exit leaves NET_RX to it and the threads take turns with it", () => {
  const inThread = W.runs.filter((r) => r.inKsoftirqd).length;
  assert.ok(inThread > 0, "ksoftirqd never ran");
  // Every thread runnable when ksoftirqd's turn began had one item before its next turn.
  let turns = 0;
  for (let k = 0; k + 1 < W.threadItems.length; k++) {
    assert.ok(
      W.threadItems[k] >= W.runnableAtRun[k] || W.runnableAtRun[k] === 0,
      `turn ${k}: ${W.threadItems[k]} thread items, ${W.runnableAtRun[k]} threads were runnable`,
    );
    if (W.runnableAtRun[k] > 0) turns++;
  }
  assert.ok(turns > 0, "ksoftirqd never shared the VCPU with a thread");
  // No __do_softirq begins at irq_exit while ksoftirqd is woken: each run
  // outside ksoftirqd follows a run that finished without waking it.
  for (let k = 1; k < W.runs.length; k++) {
    if (!W.runs[k].inKsoftirqd) {
      assert.ok(!W.runs[k - 1].woke, `run ${k} at irq_exit after a wakeup`);
    }
  }
});
