/**
 * Linux's loop control of softirq work, one piece of code for every runtime
 * that runs Linux (the single guest, `guest.ts`, and each domain of a host,
 * `sim/host/host.ts`): `__do_softirq`'s rounds (kernel/softirq.c) and
 * `net_rx_action`'s budget, time limit and poll-list order (net/core/dev.c),
 * as Linux 6.1 has them. It knows time only as jiffies handed to it; the
 * caller runs the polls and decides, from the answers here, whether to go on,
 * restart or wake ksoftirqd.
 *
 * @module
 */

import type { ItemLists } from "./item_lists.ts";

/** Linux's softirq and NAPI limits, each from its source. */
export const SOFTIRQ = {
  /** include/linux/netdevice.h NAPI_POLL_WEIGHT: a poll's default budget of items. */
  napiWeight: 64,
  /** net/core/dev.c netdev_budget: items one net_rx_action may process. */
  netdevBudget: 300,
  /** net/core/dev.c netdev_budget_usecs = 2 * USEC_PER_SEC / HZ: net_rx_action's time limit, 2 jiffies. */
  netdevBudgetJiffies: 2,
  /** kernel/softirq.c MAX_SOFTIRQ_TIME = msecs_to_jiffies(2). */
  maxSoftirqMs: 2,
  /** kernel/softirq.c MAX_SOFTIRQ_RESTART: __do_softirq runs at most this many rounds. */
  maxSoftirqRestart: 10,
} as const;

/**
 * include/linux/jiffies.h msecs_to_jiffies: `ms` in jiffies, rounded up.
 *
 * @example
 * ```ts
 * import { msecsToJiffies } from "./softirq.ts";
 * console.log(msecsToJiffies(2, 250), msecsToJiffies(2, 1000)); // 1 2
 * ```
 */
export function msecsToJiffies(ms: number, hz: number): number {
  return Math.ceil(ms * hz / 1000);
}

/**
 * Per CPU: `__do_softirq`'s end and rounds left, `net_rx_action`'s budget
 * and time limit.
 *
 * @example
 * ```ts
 * import { SoftirqControl } from "./softirq.ts";
 * const s = new SoftirqControl(1, 250);
 * s.doSoftirq(0, 100); // MAX_SOFTIRQ_TIME: until jiffy 101
 * s.netRxAction(0, 100); // netdev_budget 300, until jiffy 102
 * console.log(s.spend(0, 64, 100), s.spend(0, 236, 100)); // false true
 * console.log(s.restart(0, 100), s.restart(0, 101)); // true false
 * ```
 */
export class SoftirqControl {
  /** Per CPU: the jiffy at which __do_softirq stops restarting (`end`). */
  readonly end: Float64Array;
  /** Per CPU: __do_softirq's rounds left (`max_restart`). */
  readonly restarts: Int32Array;
  /** Per CPU: net_rx_action's budget left (`budget`). */
  readonly budget: Int32Array;
  /** Per CPU: net_rx_action's time limit, a jiffy (`time_limit`). */
  readonly limit: Float64Array;
  readonly #maxJiffies: number;

  /** State for `cpus` CPUs of a kernel at `hz`. */
  constructor(cpus: number, hz: number) {
    this.end = new Float64Array(cpus);
    this.restarts = new Int32Array(cpus);
    this.budget = new Int32Array(cpus);
    this.limit = new Float64Array(cpus);
    this.#maxJiffies = msecsToJiffies(SOFTIRQ.maxSoftirqMs, hz);
  }

  /** __do_softirq begins on `cpu` at jiffy `j`: `end = jiffies + MAX_SOFTIRQ_TIME`, `max_restart = MAX_SOFTIRQ_RESTART`. */
  doSoftirq(cpu: number, j: number): void {
    this.end[cpu] = j + this.#maxJiffies;
    this.restarts[cpu] = SOFTIRQ.maxSoftirqRestart;
  }

  /** net_rx_action begins on `cpu` at jiffy `j`: `budget = netdev_budget`, `time_limit = jiffies + usecs_to_jiffies(netdev_budget_usecs)`. */
  netRxAction(cpu: number, j: number): void {
    this.budget[cpu] = SOFTIRQ.netdevBudget;
    this.limit[cpu] = j + SOFTIRQ.netdevBudgetJiffies;
  }

  /**
   * A poll on `cpu` did `work` items and the jiffy is `j`: `budget -=
   * napi_poll(...)`; true when net_rx_action stops here (`budget <= 0 ||
   * time_after_eq(jiffies, time_limit)`: time_squeeze).
   */
  spend(cpu: number, work: number, j: number): boolean {
    this.budget[cpu] -= work;
    return this.budget[cpu] <= 0 || j >= this.limit[cpu];
  }

  /**
   * A round of __do_softirq ends on `cpu` at jiffy `j` with NET_RX pending
   * again: true when it restarts (`time_before(jiffies, end) && --max_restart`),
   * false when it wakes ksoftirqd instead.
   */
  restart(cpu: number, j: number): boolean {
    return j < this.end[cpu] && --this.restarts[cpu] > 0;
  }
}

/**
 * The end of net_rx_action (net/core/dev.c): the polls it took and did not
 * run (list `taken`), then the polls scheduled meanwhile (`pollList`), then
 * those to repoll (`repoll`) form the poll list again
 * (`list_splice_tail_init(&sd->poll_list, &list); list_splice_tail(&repoll,
 * &list); list_splice(&list, &sd->poll_list)`). `taken` and `repoll` end empty.
 *
 * @example
 * ```ts
 * import { ItemLists } from "./item_lists.ts";
 * import { rebuildPollList } from "./softirq.ts";
 * const l = new ItemLists(3, 8); // 0 the poll list, 1 taken, 2 repoll
 * l.push(1, 4);
 * l.push(0, 6);
 * l.push(2, 2);
 * rebuildPollList(l, 0, 1, 2);
 * console.log(l.pop(0), l.pop(0), l.pop(0)); // 4 6 2
 * ```
 */
export function rebuildPollList(
  lists: ItemLists,
  pollList: number,
  taken: number,
  repoll: number,
): void {
  lists.splice(taken, pollList); // the untouched polls, then those scheduled meanwhile
  lists.splice(taken, repoll); // then the repolls
  lists.splice(pollList, taken); // the whole list is the poll list again
}
