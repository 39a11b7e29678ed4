// Linux 6.1's loop control of softirq work (sim/run/softirq.ts), one rule per
// test, each with figures worked out by hand from its source:
// kernel/softirq.c __do_softirq (MAX_SOFTIRQ_TIME, MAX_SOFTIRQ_RESTART) and
// net/core/dev.c net_rx_action (netdev_budget, netdev_budget_usecs, the
// order of the poll list it leaves behind).
import assert from "node:assert/strict";
import { ItemLists } from "../../../sim/run/item_lists.ts";
import {
  msecsToJiffies,
  rebuildPollList,
  SOFTIRQ,
  SoftirqControl,
} from "../../../sim/run/softirq.ts";
import { LINUX, msecsToJiffies as guestMsecsToJiffies } from "../../../sim/run/guest.ts";

/** How many rounds one __do_softirq on `cpu` runs when NET_RX is raised again after each, the jiffy staying `j`. */
function rounds(s: SoftirqControl, cpu: number, j: number): number {
  s.doSoftirq(cpu, j);
  let n = 1;
  while (s.restart(cpu, j)) n++;
  return n;
}

Deno.test("the softirq limits are Linux's, and the guest runtime's LINUX constants are the same", () => {
  assert.deepEqual({ ...SOFTIRQ }, {
    napiWeight: 64, // include/linux/netdevice.h NAPI_POLL_WEIGHT
    netdevBudget: 300, // net/core/dev.c netdev_budget
    netdevBudgetJiffies: 2, // netdev_budget_usecs = 2 * USEC_PER_SEC / HZ
    maxSoftirqMs: 2, // kernel/softirq.c MAX_SOFTIRQ_TIME = msecs_to_jiffies(2)
    maxSoftirqRestart: 10, // kernel/softirq.c MAX_SOFTIRQ_RESTART
  });
  for (const k of Object.keys(SOFTIRQ) as (keyof typeof SOFTIRQ)[]) {
    assert.equal(LINUX[k], SOFTIRQ[k], k);
  }
  assert.equal(guestMsecsToJiffies, msecsToJiffies);
});

Deno.test("msecs_to_jiffies rounds up to whole jiffies", () => {
  // include/linux/jiffies.h: a partial jiffy counts as a whole one.
  assert.equal(msecsToJiffies(2, 100), 1); // 0.2 jiffy
  assert.equal(msecsToJiffies(2, 250), 1); // 0.5 jiffy
  assert.equal(msecsToJiffies(2, 1000), 2);
  assert.equal(msecsToJiffies(5, 300), 2); // 1.5 jiffies
  assert.equal(msecsToJiffies(10, 100), 1);
  assert.equal(msecsToJiffies(0, 250), 0);
});

Deno.test("net_rx_action stops when its budget of 300 items is used up", () => {
  // net/core/dev.c: budget -= napi_poll(n, &repoll); if (budget <= 0 || ...) break.
  const s = new SoftirqControl(1, 250);
  s.netRxAction(0, 100);
  assert.equal(s.budget[0], 300);
  for (let i = 0; i < 4; i++) assert.equal(s.spend(0, 64, 100), false, `poll ${i}`); // 256 done
  assert.equal(s.spend(0, 43, 100), false); // 299 done, 1 left
  assert.equal(s.spend(0, 1, 100), true); // 300 done: budget 0
  s.netRxAction(0, 100); // a new net_rx_action has a whole budget again
  assert.equal(s.spend(0, 299, 100), false);
  assert.equal(s.spend(0, 64, 100), true); // past the budget: -63
  assert.equal(s.budget[0], -63);
});

Deno.test("net_rx_action stops at its time limit, netdev_budget_usecs' 2 jiffies after it began", () => {
  // net/core/dev.c: time_limit = jiffies + usecs_to_jiffies(netdev_budget_usecs);
  // ... if (... || time_after_eq(jiffies, time_limit)) break (time_squeeze).
  const s = new SoftirqControl(1, 250);
  s.netRxAction(0, 100);
  assert.equal(s.limit[0], 102);
  assert.equal(s.spend(0, 1, 100), false);
  assert.equal(s.spend(0, 1, 101), false);
  assert.equal(s.spend(0, 1, 102), true); // time_after_eq: the limit's own jiffy stops it
  assert.equal(s.budget[0], 297); // with most of the budget left
});

Deno.test("__do_softirq stops restarting at MAX_SOFTIRQ_TIME's jiffy", () => {
  // kernel/softirq.c: end = jiffies + MAX_SOFTIRQ_TIME; a round ending with softirqs pending
  // restarts only if time_before(jiffies, end), else wakes ksoftirqd.
  // MAX_SOFTIRQ_TIME = msecs_to_jiffies(2): 1 jiffy at HZ 250, 2 at HZ 1000.
  const at250 = new SoftirqControl(1, 250);
  at250.doSoftirq(0, 100);
  assert.equal(at250.end[0], 101);
  assert.equal(at250.restart(0, 100), true);
  assert.equal(at250.restart(0, 101), false);

  const at1000 = new SoftirqControl(1, 1000);
  at1000.doSoftirq(0, 100);
  assert.equal(at1000.end[0], 102);
  assert.equal(at1000.restart(0, 101), true);
  assert.equal(at1000.restart(0, 102), false);
  assert.equal(at1000.restart(0, 103), false);
});

Deno.test("__do_softirq runs at most MAX_SOFTIRQ_RESTART rounds", () => {
  // kernel/softirq.c: max_restart = MAX_SOFTIRQ_RESTART; ... if (time_before(jiffies, end) &&
  // !need_resched() && --max_restart) goto restart: the first round and 9 restarts.
  const s = new SoftirqControl(1, 250);
  assert.equal(rounds(s, 0, 100), 10);
  assert.equal(s.restart(0, 100), false); // and it stays stopped
  assert.equal(rounds(s, 0, 200), 10); // a new __do_softirq has its rounds again
});

Deno.test("each CPU has its own __do_softirq rounds and end, net_rx_action budget and time limit", () => {
  const s = new SoftirqControl(2, 250);
  s.doSoftirq(0, 100);
  s.netRxAction(0, 100);
  s.doSoftirq(1, 500);
  s.netRxAction(1, 500);
  assert.equal(s.spend(0, 299, 100), false);
  assert.equal(s.spend(1, 1, 500), false);
  assert.equal(s.spend(1, 298, 501), false); // CPU 1: 299 spent, its own limit is 502
  assert.equal(s.spend(0, 1, 100), true);
  assert.equal(s.budget[1], 1);
  for (let i = 0; i < 9; i++) assert.equal(s.restart(0, 100), true);
  assert.equal(s.restart(0, 100), false); // CPU 0's rounds are used up ...
  assert.equal(s.restart(1, 500), true); // ... CPU 1's are not
  assert.equal(s.restart(1, 501), false); // CPU 1's end is jiffy 501
});

Deno.test("the poll list is rebuilt untaken polls first, then those scheduled meanwhile, then repolls", () => {
  // net/core/dev.c net_rx_action's end: list_splice_tail_init(&sd->poll_list, &list);
  // list_splice_tail(&repoll, &list); list_splice(&list, &sd->poll_list).
  const POLL = 0, TAKEN = 1, REPOLL = 2;
  const l = new ItemLists(3, 16);
  for (const p of [7, 3]) l.push(TAKEN, p); // taken at the start, not run: budget or time ran out
  for (const p of [9, 1]) l.push(POLL, p); // napi_schedule'd while net_rx_action ran
  for (const p of [4, 12]) l.push(REPOLL, p); // used their whole weight
  rebuildPollList(l, POLL, TAKEN, REPOLL);
  const order: number[] = [];
  for (let p = l.pop(POLL); p >= 0; p = l.pop(POLL)) order.push(p);
  assert.deepEqual(order, [7, 3, 9, 1, 4, 12]);
  for (const list of [TAKEN, REPOLL]) {
    assert.deepEqual([l.head[list], l.tail[list], l.len[list]], [-1, -1, 0], `list ${list}`);
  }
});

Deno.test("a poll list rebuilt from repolls alone is the repolls in their order", () => {
  // Every poll taken was run and none was scheduled meanwhile: only the repolls remain.
  const l = new ItemLists(3, 8);
  l.push(2, 5);
  l.push(2, 6);
  rebuildPollList(l, 0, 1, 2);
  assert.deepEqual([l.head[0], l.tail[0], l.len[0]], [5, 6, 2]);
  assert.deepEqual([l.len[1], l.len[2]], [0, 0]);
  rebuildPollList(l, 0, 1, 2); // nothing taken or repolled: the poll list stays as it is
  assert.deepEqual([l.pop(0), l.pop(0), l.pop(0)], [5, 6, -1]);
});
