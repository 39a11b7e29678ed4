// Rules of the FIFO ABI: Xen xen/common/event_fifo.c (commits named per test)
// and the Linux guest drivers/xen/events/events_fifo.c; variants from
// win-xenbus src/xenbus/evtchn_fifo.c and Bareflank/MicroV bfvmm/src/xen/evtchn.cpp.
import assert from "node:assert/strict";
import {
  EBUSY,
  EINVAL,
  ENOENT,
  ENOSPC,
  EOPNOTSUPP,
  RAISE_COALESCED,
  RAISE_DROPPED,
  RAISE_NEW,
} from "../../models/abi.ts";
import { DEFAULT_COSTS, ZERO_COSTS } from "../../models/costs.ts";
import {
  FIFO_BUSY,
  FIFO_LINKED,
  FIFO_MASKED,
  FIFO_PENDING,
  FifoAbi,
  type FifoId,
} from "../../models/fifo.ts";
import fifoQuota, { FifoQuotaAbi } from "../../examples/fifo_quota.ts";

const opts = (vcpus = 1) => ({ vcpus, wordBits: 64 as const, costs: DEFAULT_COSTS });

function setup(ports: number[], id: FifoId = "fifo", vcpus = 1): FifoAbi {
  const abi = new FifoAbi(opts(vcpus), id);
  for (const p of ports) assert.equal(abi.bind(p, 0), 0);
  return abi;
}

function drain(abi: FifoAbi, v = 0): number[] {
  const out: number[] = [];
  abi.beginUpcall(v);
  for (let p = abi.next(v); p >= 0; p = abi.next(v)) {
    out.push(p);
    abi.ack(p);
  }
  return out;
}

Deno.test("fifo has 131071 usable ports", () => {
  // public/event_channel.h EVTCHN_FIFO_NR_CHANNELS = 1 << 17, port 0 reserved
  const abi = new FifoAbi(opts());
  assert.equal(abi.maxPorts, 131072);
  assert.equal(abi.bind(131071, 0), 0);
  assert.equal(abi.pages, 128);
});

Deno.test("fifo bind gives -ENOSPC above the limit and -EBUSY for a port not free", () => {
  // event_channel.c evtchn_allocate_port: `port > d->max_evtchn_port || port >=
  // max_evtchns(d)` -> -ENOSPC; `chn->state != ECS_FREE || evtchn_is_busy()` -> -EBUSY
  // (port 0 is ECS_RESERVED); evtchn_bind_virq/ipi check the VCPU first (-ENOENT).
  const abi = new FifoAbi(opts());
  assert.equal(abi.bind(131072, 0), -ENOSPC);
  assert.equal(abi.bind(0, 0), -EBUSY);
  assert.equal(abi.bind(5, 0), 0);
  assert.equal(abi.bind(5, 0), -EBUSY);
  assert.equal(abi.bind(131072, 1), -ENOENT, "the VCPU is checked first");
});

Deno.test("fifo expand_array before any init_control fails with -EOPNOTSUPP", () => {
  // event_fifo.c evtchn_fifo_expand_array: `rc = -EOPNOTSUPP; if ( d->evtchn_fifo ) ...`;
  // XTF tests/xsa-188 accepts -EOPNOTSUPP or -ENOSYS.
  const abi = new FifoAbi(opts());
  assert.equal(abi.expandArray(), -EOPNOTSUPP);
  assert.equal(abi.pages, 0);
  assert.equal(abi.initControl(0), 0);
  assert.equal(abi.expandArray(), 0);
});

Deno.test("fifo starts every word of a page added by expand_array MASKED", () => {
  // Linux events_fifo.c init_array_page: `array_page[i] = 1 << EVTCHN_FIFO_MASKED`
  const abi = new FifoAbi(opts());
  abi.initControl(0);
  abi.expandArray();
  assert.equal(abi.bind(1500, 0), 0, "bound before its page exists (Xen side)");
  abi.expandArray();
  for (const p of [1024, 1500, 2047]) assert.equal(abi.word(p), FIFO_MASKED, `word ${p}`);
  assert.equal(abi.raise(1500), -1, "masked: P set, not linked");
  assert.equal(abi.isPending(1500), true);
  assert.equal(abi.unmask(1500), 0, "the guest's unmask links it");
  assert.deepEqual(drain(abi), [1500]);
});

Deno.test("fifo coalesces a raise on a port that is pending and linked", () => {
  // event_fifo.c evtchn_fifo_set_pending: test_and_set P; link only if !test_and_set L
  const abi = setup([5]);
  assert.equal(abi.raise(5), 0);
  assert.equal(abi.outcome, RAISE_NEW);
  assert.equal(abi.raise(5), -1);
  assert.equal(abi.outcome, RAISE_COALESCED);
  assert.deepEqual(drain(abi), [5]);
});

Deno.test("fifo sets READY only when a new HEAD is written", () => {
  // event_fifo.c: `if (!linked && !test_and_set(ready))`, 70ccddb14a
  const abi = setup([1, 2]);
  assert.equal(abi.raise(1), 0);
  abi.beginUpcall(0); // READY taken by the guest
  assert.equal(abi.raise(2), -1, "linked behind the tail: no new HEAD");
  assert.equal(abi.controlWord(0, 0), 0, "READY still clear");
  assert.deepEqual([abi.next(0), abi.next(0), abi.next(0)], [1, 2, -1]);
});

Deno.test("fifo upcalls only when READY and then evtchn_upcall_pending go 0 to 1", () => {
  // event_fifo.c READY edge, then x86 domain.c vcpu_mark_events_pending
  const abi = setup([1, 2]);
  abi.setPriority(2, 3);
  assert.equal(abi.raise(1), 0);
  assert.equal(abi.raise(2), -1, "READY bit 3 went 0->1 but upcall_pending was set");
  assert.equal(abi.controlWord(0, 0), (1 << 7) | (1 << 3));
  abi.beginUpcall(0);
  assert.equal(abi.upcallPending(0), false);
});

Deno.test("fifo delivers in arrival order within a priority", () => {
  // event_fifo.c: link at the private tail (FIFO within a queue)
  const abi = setup([300, 7, 64]);
  for (const p of [300, 7, 64]) abi.raise(p);
  assert.deepEqual(drain(abi), [300, 7, 64]);
});

Deno.test("fifo takes one event per READY re-check, so a higher priority raised mid-drain is next", () => {
  // events_fifo.c __evtchn_fifo_handle_events: ready |= xchg(READY) after every event
  const abi = setup([1, 2, 3, 9]);
  abi.setPriority(9, 2);
  for (const p of [1, 2, 3]) abi.raise(p);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), 1);
  abi.ack(1);
  abi.raise(9); // new HEAD of queue 2 while the guest is in its loop
  assert.deepEqual([abi.next(0), abi.next(0), abi.next(0), abi.next(0)], [9, 2, 3, -1]);
});

Deno.test("fifo:drain consumes a whole queue before re-reading READY", () => {
  // variant: drain (the README's ABI table)
  const abi = setup([1, 2, 3, 9], "fifo:drain");
  abi.setPriority(9, 2);
  for (const p of [1, 2, 3]) abi.raise(p);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), 1);
  abi.ack(1);
  abi.raise(9);
  assert.deepEqual([abi.next(0), abi.next(0), abi.next(0), abi.next(0)], [2, 3, 9, -1]);
});

Deno.test("fifo:lowest-first serves the lowest priority first", () => {
  // win-xenbus EvtchnFifoPoll: _BitScanReverse(&Priority, Ready)
  for (const [id, order] of [["fifo", [9, 1]], ["fifo:lowest-first", [1, 9]]] as const) {
    const abi = setup([1, 9], id);
    abi.setPriority(9, 2);
    abi.raise(1);
    abi.raise(9);
    assert.deepEqual(drain(abi), order, id);
  }
});

Deno.test("fifo never links a masked event", () => {
  // event_fifo.c: link only `if (!test_bit(MASKED))`
  const abi = setup([4]);
  abi.mask(4);
  assert.equal(abi.raise(4), -1);
  assert.equal(abi.outcome, RAISE_NEW);
  assert.equal(abi.isBusy(4), false);
  assert.equal(abi.isPending(4), true);
  assert.deepEqual(drain(abi), []);
});

Deno.test("fifo links a masked event at the tail on unmask, so it loses its place", () => {
  // event_fifo.c evtchn_fifo_unmask: clear M; if P, set_pending (link at the tail)
  const abi = setup([1, 2, 3]);
  abi.mask(1);
  for (const p of [1, 2, 3]) abi.raise(p); // 1 arrived first
  assert.equal(abi.unmask(1), -1, "queue not empty: no new HEAD");
  assert.equal(abi.outcome, RAISE_NEW);
  assert.deepEqual(drain(abi), [2, 3, 1]);
});

Deno.test("fifo skips a linked event that was masked and relinks it at the tail on unmask", () => {
  // events_fifo.c consume_one_event: handle only if P and !M; event_fifo.c unmask relinks
  const abi = setup([1, 2]);
  abi.raise(1);
  abi.raise(2);
  abi.mask(1);
  assert.deepEqual(drain(abi), [2], "1 was consumed (unlinked) and skipped");
  assert.equal(abi.isBusy(1), false);
  assert.equal(abi.unmask(1), 0);
  assert.deepEqual(drain(abi), [1]);
});

Deno.test("fifo skips an entry whose P was cleared and counts the consume", () => {
  // events_fifo.c consume_one_event; event_fifo.c clear_pending does not unlink
  const abi = setup([1]);
  abi.raise(1);
  abi.ack(1);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), -1);
  assert.equal(abi.steps, 1);
  assert.equal(abi.isBusy(1), false);
});

Deno.test("fifo keeps a linked event on its old queue after a priority change", () => {
  // event_fifo.c evtchn_fifo_set_priority: "it will be on the old queue -- this is fine"
  const abi = setup([1, 2, 3]);
  abi.raise(1);
  abi.raise(2);
  assert.equal(abi.setPriority(2, 0), 0);
  abi.raise(3);
  assert.equal(abi.controlWord(0, 0), 1 << 7, "only queue 7 is ready");
  assert.deepEqual(drain(abi), [1, 2, 3]);
  abi.raise(3);
  abi.raise(2); // next link uses priority 0
  assert.deepEqual(drain(abi), [2, 3]);
});

Deno.test("fifo invalidates the old queue's tail when an event moves queue", () => {
  // event_fifo.c "If this event was a tail, the old queue is now empty", e33d4257fc
  const abi = setup([1, 2]);
  abi.raise(1); // tail of queue 7
  assert.deepEqual(drain(abi), [1]);
  abi.setPriority(1, 0);
  abi.raise(1); // moves to queue 0: queue 7's tail (1) must be forgotten
  abi.raise(2); // queue 7 again: must become a new HEAD, not a link behind 1
  assert.equal(abi.controlWord(0, 2 + 7), 2);
  assert.equal(abi.controlWord(0, 0), (1 << 0) | (1 << 7));
  assert.deepEqual(drain(abi), [1, 2]);
});

Deno.test("fifo delivers a linked event on its old VCPU after bind_vcpu", () => {
  // event_fifo.c: VCPU changes take effect at the next link; lastq tracks the old queue
  const abi = setup([5], "fifo", 2);
  assert.equal(abi.raise(5), 0);
  assert.equal(abi.bindVcpu(5, 1), 0);
  assert.equal(abi.raise(5), -1, "still linked on VCPU 0: coalesced");
  assert.equal(abi.outcome, RAISE_COALESCED);
  assert.deepEqual(drain(abi, 1), []);
  assert.deepEqual(drain(abi, 0), [5]);
  assert.equal(abi.raise(5), 1, "next link is on VCPU 1");
  assert.deepEqual(drain(abi, 1), [5]);
});

Deno.test("fifo saves a raise on a port whose page is missing and delivers it at the port's later unmask", () => {
  // event_fifo.c evtchn_fifo_set_pending `evtchn->pending = true`; add_page_to_event_array
  // re-raises it (917c123029) onto the new page, whose words the guest set MASKED (Linux
  // events_fifo.c init_array_page): P only, no link and no upcall until the unmask.
  const abi = new FifoAbi(opts());
  assert.equal(abi.initControl(0), 0);
  assert.equal(abi.expandArray(), 0);
  assert.equal(abi.bind(1500, 0), 0, "binding does not need the page (Xen side)");
  assert.equal(abi.raise(1500), -1);
  assert.equal(abi.isPending(1500), true);
  assert.equal(abi.raise(1500), -1);
  assert.equal(abi.outcome, RAISE_COALESCED);
  assert.equal(abi.expandArray(), 0);
  assert.equal(abi.upcallPending(0), false, "nothing delivered at expand time");
  assert.equal(abi.word(1500), (FIFO_MASKED | FIFO_PENDING) >>> 0);
  assert.deepEqual(drain(abi), []);
  assert.equal(abi.unmask(1500), 0, "the unmask links it as a new HEAD");
  assert.equal(abi.outcome, RAISE_NEW);
  assert.deepEqual(drain(abi), [1500]);
});

Deno.test("fifo drops an event for a VCPU without a control block", () => {
  // event_fifo.c "Control block not mapped ... we can just drop the event", 8aa0e9d2d1
  const abi = new FifoAbi(opts(2));
  abi.initControl(0);
  abi.expandArray();
  abi.bind(3, 1);
  assert.equal(abi.raise(3), -1);
  assert.equal(abi.outcome, RAISE_DROPPED);
  assert.equal(abi.isPending(3), false);
});

Deno.test("fifo drops a raise on a port that is not bound", () => {
  // event_channel.c: sending on a closed port delivers nothing
  const abi = new FifoAbi(opts());
  assert.equal(abi.raise(3), -1);
  assert.equal(abi.outcome, RAISE_DROPPED);
});

Deno.test("fifo set_link retries with BUSY at most 4 times", () => {
  // event_fifo.c evtchn_fifo_set_link, dae2a1c5f9: "the cmpxchg() may fail at most 4 times"
  const costs = { ...ZERO_COSTS, cmpxchg_retry_ns: 6 };
  const abi = new FifoAbi({ vcpus: 1, wordBits: 64, costs });
  for (const p of [1, 2, 3]) abi.bind(p, 0);
  abi.raise(1);
  abi.tailRaces = 2;
  abi.raise(2);
  assert.equal(abi.steps, 3, "first cmpxchg + 2 retries");
  assert.equal(abi.cost, 12);
  assert.equal(abi.outcome, RAISE_NEW);
  assert.equal(abi.word(1) & FIFO_BUSY, 0, "BUSY cleared by the successful cmpxchg");
  abi.tailRaces = 100;
  abi.raise(3);
  assert.equal(abi.steps, 5, "bounded: 1 + 4 attempts");
  assert.equal(abi.tailRaces, 95);
  assert.equal(abi.outcome, RAISE_DROPPED, "treated as linked: the event is lost");
  assert.equal(abi.word(2) & FIFO_BUSY, 0);
  assert.deepEqual(drain(abi), [1, 2]);
  assert.equal(abi.isBusy(3), true, "LINKED but on no reachable list");
});

Deno.test("fifo refuses to bind a port that is still LINKED", () => {
  // event_channel.c evtchn_allocate_port skips busy ports, 78e24c269b
  const abi = setup([6]);
  abi.raise(6);
  assert.equal(abi.close(6), 0);
  assert.equal(abi.isBusy(6), true);
  assert.equal(abi.bind(6, 0), -EBUSY);
  assert.deepEqual(drain(abi), [], "P was cleared at close: skipped");
  assert.equal(abi.bind(6, 0), 0);
});

Deno.test("fifo:naive-link walks the list from HEAD: O(n) steps per raise", () => {
  // Bareflank/MicroV evtchn.cpp xen_evtchn::upcall walks to the tail
  const abi = setup([1, 2, 3, 4, 5, 6], "fifo:naive-link");
  const steps: number[] = [];
  for (const p of [1, 2, 3, 4, 5, 6]) {
    abi.raise(p);
    steps.push(abi.steps);
  }
  assert.deepEqual(steps, [0, 2, 3, 4, 5, 6], "walk of k-1 nodes + one cmpxchg");
  const fifo = setup([1, 2, 3, 4, 5, 6]);
  const tailSteps = [1, 2, 3, 4, 5, 6].map((p) => (fifo.raise(p), fifo.steps));
  assert.deepEqual(tailSteps, [0, 1, 1, 1, 1, 1], "Xen's private tail: O(1)");
  assert.deepEqual(drain(abi), [1, 2, 3, 4, 5, 6]);
});

Deno.test("fifo:naive-link sets READY on every raise", () => {
  // Bareflank/MicroV evtchn.cpp: `ready |= 1 << p` on each upcall
  const abi = setup([1, 2], "fifo:naive-link");
  abi.raise(1);
  abi.beginUpcall(0);
  assert.equal(abi.controlWord(0, 0), 0);
  abi.raise(2);
  assert.equal(abi.controlWord(0, 0), 1 << 7, "READY set although HEAD did not change");
  assert.deepEqual([abi.next(0), abi.next(0), abi.next(0)], [1, 2, -1]);
});

Deno.test("fifo clears the local ready bit of the queue just emptied (draft-B review `r[b] = 0`)", () => {
  // fifo-abi-draft-b-review.txt: "What is b? Could be clear_bit(r,q)?"; events_fifo.c
  // consume_one_event clears bit q when LINK is 0. The draft's loop, modelled over
  // plain queues, with the bit to clear chosen by `b`:
  const draftLoop = (queues: number[][], b: (q: number) => number, limit = 50) => {
    const handled: number[] = [];
    let r = 0;
    queues.forEach((qu, i) => qu.length && (r |= 1 << i));
    let spins = 0;
    while (r !== 0 && spins < limit) {
      spins++;
      const q = 31 - Math.clz32(r & -r);
      const ev = queues[q].shift();
      if (ev !== undefined) handled.push(ev);
      if (queues[q].length === 0) r &= ~(1 << b(q));
    }
    return { handled, spins, r };
  };
  const correct = draftLoop([[], [], [], [30, 31], [], [50]], (q) => q);
  assert.deepEqual(correct.handled, [30, 31, 50]);
  assert.equal(correct.r, 0);
  // `b` undefined -> bit 0: queue 3's bit is never cleared and the loop spins on an empty queue.
  const spin = draftLoop([[], [], [], [30, 31], [], [50]], () => 0);
  assert.equal(spin.spins, 50, "spins until the iteration limit");
  assert.deepEqual(spin.handled, [30, 31], "queue 5 is never reached");
  // `b` = another ready queue: that queue's bit is lost for this pass.
  const lose = draftLoop([[], [], [], [30], [], [50]], (q) => q + 2);
  assert.deepEqual(lose.handled, [30], "queue 5 lost");
  // The model clears the right bit: both queues delivered, the pass ends.
  const abi = setup([30, 31, 50]);
  abi.setPriority(30, 3);
  abi.setPriority(31, 3);
  abi.setPriority(50, 5);
  for (const p of [30, 31, 50]) abi.raise(p);
  assert.deepEqual(drain(abi), [30, 31, 50]);
  assert.equal(abi.steps, 0, "the final next() found an empty ready set at once");
});

Deno.test("fifo relinks an event raised after it was dequeued but before the ack", () => {
  // event_fifo.c: P set but L clear -> linked again; the stale entry is skipped later
  const abi = setup([1]);
  abi.raise(1);
  abi.beginUpcall(0);
  assert.equal(abi.next(0), 1); // dequeued, not acked yet
  abi.raise(1);
  assert.equal(abi.outcome, RAISE_COALESCED);
  assert.equal(abi.word(1) & FIFO_LINKED, FIFO_LINKED);
  abi.ack(1);
  assert.equal(abi.next(0), -1, "re-read READY: the new entry has P clear and is skipped");
  assert.equal(abi.isBusy(1), false);
});

Deno.test("fifo sharedBytes is the event array pages plus 72 bytes per control block", () => {
  // event_fifo.c: 1024 words per page; struct evtchn_fifo_control_block is 72 bytes
  const abi = new FifoAbi(opts(4));
  abi.bind(1, 0);
  assert.equal(abi.sharedBytes(), 4096 + 4 * 72);
  abi.bind(131071, 0);
  assert.equal(abi.sharedBytes(), 128 * 4096 + 4 * 72);
});

Deno.test("the fifo_quota example re-reads READY after its quota of events", () => {
  // examples/fifo_quota.ts: between fifo (quota 1) and fifo:drain
  const order = (quota: number) => {
    const abi = new FifoQuotaAbi(opts(), quota);
    for (const p of [1, 2, 3, 4, 9]) abi.bind(p, 0);
    abi.setPriority(9, 2);
    for (const p of [1, 2, 3, 4]) abi.raise(p);
    abi.beginUpcall(0);
    const out = [abi.next(0)];
    abi.ack(out[0]);
    abi.raise(9);
    for (let p = abi.next(0); p >= 0; p = abi.next(0)) {
      out.push(p);
      abi.ack(p);
    }
    return out;
  };
  assert.deepEqual(order(1), [1, 9, 2, 3, 4]);
  assert.deepEqual(order(2), [1, 2, 9, 3, 4]);
  assert.deepEqual(order(100), [1, 2, 3, 4, 9]);
  assert.equal(fifoQuota(opts()).id, "fifo:quota-4");
});

Deno.test("fifo shared memory counts control blocks only for the VCPUs that mapped one", () => {
  // EVTCHNOP_init_control maps one 72-byte control block per VCPU that calls it: VCPU 2 of 3
  // never did (its init_control failed and Linux offlined it).
  const abi = new FifoAbi(opts(3));
  assert.equal(abi.initControl(0), 0);
  assert.equal(abi.initControl(1), 0);
  assert.equal(abi.expandArray(), 0);
  assert.equal(abi.sharedBytes(), 4096 + 2 * 72);
});

Deno.test("fifo set_priority accepts priorities 0 to 15 only", () => {
  // event_fifo.c evtchn_fifo_set_priority: priority > EVTCHN_FIFO_PRIORITY_MIN (15) -> -EINVAL.
  const abi = setup([1]);
  assert.equal(abi.setPriority(1, 15), 0);
  assert.equal(abi.setPriority(1, 0), 0);
  assert.equal(abi.setPriority(1, 16), -EINVAL);
  assert.equal(abi.setPriority(1, -1), -EINVAL);
});

Deno.test("fifo bind_vcpu refuses a free port, never bound or closed", () => {
  // event_channel.c evtchn_bind_vcpu: a channel in state ECS_FREE falls to `default: rc =
  // -EINVAL`; a bad VCPU is checked first (-ENOENT).
  const abi = setup([1], "fifo", 2);
  assert.equal(abi.bindVcpu(2, 1), -EINVAL);
  assert.equal(abi.bindVcpu(1, 1), 0);
  assert.equal(abi.bindVcpu(1, 2), -ENOENT);
  assert.equal(abi.close(1), 0);
  assert.equal(abi.bindVcpu(1, 0), -EINVAL);
});

Deno.test("fifo grows its event words one page per expand_array and keeps the words already there", () => {
  // event_fifo.c evtchn_fifo_expand_array -> add_page_to_event_array: one page of 1024
  // event words per call; the array holds exactly the pages added so far.
  const abi = new FifoAbi(opts());
  assert.equal(abi.initControl(0), 0);
  assert.equal(abi.wordCount, 0, "no page before the first expand_array");
  assert.throws(() => abi.word(0), RangeError);
  assert.equal(abi.expandArray(), 0);
  assert.equal(abi.wordCount, 1024);
  assert.equal(abi.bind(5, 0), 0);
  assert.equal(abi.raise(5), 0);
  const before = abi.word(5);
  assert.equal((before & (FIFO_PENDING | FIFO_LINKED)) >>> 0, (FIFO_PENDING | FIFO_LINKED) >>> 0);
  assert.equal(abi.expandArray(), 0);
  assert.equal(abi.wordCount, 2048, "one more page, not the whole array");
  assert.throws(() => abi.word(2048), RangeError, "no word past the pages added");
  assert.equal(abi.word(5), before, "the linked word survives the growth");
  assert.equal(abi.word(2047), FIFO_MASKED);
  assert.equal(abi.sharedBytes(), 2 * 4096 + 72);
  assert.deepEqual(drain(abi), [5]);
});

Deno.test("fifo keeps per-port Xen state for ports bound beyond the event array, page by page", () => {
  // evtchn_allocate_port allocates struct evtchn for a port whatever the array's size; a
  // raise there is saved in evtchn->pending (event_fifo.c evtchn_fifo_set_pending,
  // 917c123029) and nothing exists for ports never bound.
  const abi = new FifoAbi(opts());
  abi.initControl(0);
  abi.expandArray();
  assert.equal(abi.portSlots, 1024);
  assert.equal(abi.bind(5000, 0), 0);
  assert.equal(abi.portSlots, 5120, "state up to the page holding port 5000");
  assert.equal(abi.wordCount, 1024, "binding adds no event-array page");
  assert.equal(abi.raise(5000), -1);
  assert.equal(abi.outcome, RAISE_NEW);
  assert.equal(abi.isPending(5000), true);
  assert.equal(abi.setPriority(5000, 2), 0);
  assert.equal(abi.raise(100000), -1, "a port above every bound one");
  assert.equal(abi.outcome, RAISE_DROPPED);
  assert.equal(abi.isPending(100000), false);
  assert.equal(abi.close(100000), -EINVAL);
  assert.equal(abi.bindVcpu(100000, 0), -EINVAL);
  assert.equal(abi.portSlots, 5120, "unbound ports allocate nothing");
  while (abi.pages * 1024 <= 5000) assert.equal(abi.expandArray(), 0);
  assert.equal(abi.wordCount, 5120);
  assert.equal(abi.word(5000), (FIFO_MASKED | FIFO_PENDING) >>> 0, "re-raised on a MASKED word");
  assert.equal(abi.unmask(5000), 0);
  assert.deepEqual(drain(abi), [5000]);
});

Deno.test("fifo domains keep their own event words, control blocks and port state", () => {
  // Each domain has its own event array, control blocks and struct evtchn (event_fifo.c
  // evtchn_fifo_init_control, evtchn_allocate_port), whatever memory the model shares.
  const a = setup([5, 6]);
  const b = setup([5, 6]);
  a.setPriority(6, 2);
  assert.equal(a.raise(5), 0);
  assert.equal(b.word(5), 0, "b's word 5: bound, unmasked, nothing pending");
  assert.equal(b.controlWord(0, 0), 0, "b's READY untouched");
  assert.equal(b.priorityOf(6), 7);
  // a grows its per-port state (a port beyond its array): b and a's own state stay.
  assert.equal(a.bind(5000, 0), 0);
  assert.equal(a.portSlots, 5120);
  assert.equal(
    a.word(5),
    (FIFO_PENDING | FIFO_LINKED) >>> 0,
    "a's linked word survives the growth",
  );
  assert.equal(a.priorityOf(6), 2);
  assert.equal(b.raise(6), 0);
  assert.deepEqual(drain(b), [6]);
  assert.deepEqual(drain(a), [5]);
});
