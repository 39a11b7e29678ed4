/**
 * A credit2-like scheduler of VCPUs on a pool of physical CPUs with one
 * runqueue, after Xen's `xen/common/sched/credit2.c` (all VCPUs of equal
 * weight, no caps, no soft affinity). The rules kept, each from that file:
 * - credit is time: a running VCPU burns its credit at one ns per ns
 *   (`burn_credits`, equal weights); a VCPU starts with CSCHED2_CREDIT_INIT
 *   (10 ms);
 * - the runqueue is ordered by credit; `csched2_schedule` runs the VCPU with
 *   the most credit, but keeps the current one while it has run less than the
 *   rate limit (`sched_ratelimit_us`, default 1000 µs, SCHED_DEFAULT_RATELIMIT_US;
 *   `runq_candidate`: "Return the current unit if it has executed for less
 *   than ratelimit");
 * - when the chosen VCPU has no credit left (<= CSCHED2_CREDIT_RESET, 0),
 *   every VCPU gets CSCHED2_CREDIT_INIT more, clipped at CREDIT_INIT +
 *   CSCHED2_CARRYOVER_MAX (500 µs) (`reset_credit`);
 * - time slice (`csched2_runtime`): run until the credit would equal that of
 *   the best waiting VCPU, at least CSCHED2_MIN_TIMER (500 µs) and the rest
 *   of the rate limit, at most CSCHED2_MAX_TIMER (10 ms);
 * - wake-up (`runq_tickle`): an idle physical CPU takes the woken VCPU
 *   (its previous one first); otherwise it preempts the running VCPU with the
 *   highest score `new.credit - cur.credit` (less CSCHED2_MIGRATE_RESIST,
 *   500 µs, on another CPU than its last), if positive and the running VCPU
 *   has run longer than the rate limit less 50 µs
 *   (CSCHED2_RATELIMIT_TICKLE_TOLERANCE, `is_preemptable`).
 *
 * The scheduler knows no time source: callers pass `now` and receive the
 * slice timers to arm through {@linkcode Credit2Host}.
 *
 * @module
 */

/** credit2.c CSCHED2_CREDIT_INIT: 10 ms. */
export const CREDIT_INIT_NS = 10e6;
/** credit2.c CSCHED2_MIN_TIMER: 500 µs. */
export const MIN_TIMER_NS = 500e3;
/** credit2.c CSCHED2_MAX_TIMER (= CSCHED2_CREDIT_INIT): 10 ms. */
export const MAX_TIMER_NS = 10e6;
/** credit2.c CSCHED2_CARRYOVER_MAX (= CSCHED2_MIN_TIMER). */
export const CARRYOVER_MAX_NS = 500e3;
/** credit2.c CSCHED2_MIGRATE_RESIST: opt_migrate_resist = 500 µs. */
export const MIGRATE_RESIST_NS = 500e3;
/** credit2.c CSCHED2_RATELIMIT_TICKLE_TOLERANCE: 50 µs. */
export const TICKLE_TOLERANCE_NS = 50e3;
/** sched/core.c SCHED_DEFAULT_RATELIMIT_US: 1000 µs. */
export const RATELIMIT_NS = 1e6;

/** What the scheduler asks of the simulation. */
export interface Credit2Host {
  /** VCPU `u` starts (or resumes) running on physical CPU `p`. */
  run(u: number, p: number): void;
  /** VCPU `u`, runnable, is taken off its physical CPU. */
  preempt(u: number): void;
  /** Arm physical CPU `p`'s slice timer at `at` (ns), replacing any earlier one. */
  timer(p: number, at: number): void;
}

/** VCPU states. */
const BLOCKED = 0, QUEUED = 1, RUNNING = 2;

/**
 * One pool of physical CPUs and the VCPUs (numbered 0..n-1) scheduled on it.
 *
 * @example
 * ```ts
 * import { Credit2 } from "./credit2.ts";
 * const log: string[] = [];
 * const s = new Credit2(1, 2, { run: (u) => log.push(`run ${u}`), preempt: () => {},
 *   timer: () => {} });
 * s.wake(0, 0);
 * s.wake(1, 0); // no idle CPU; VCPU 0 has not run for the rate limit yet
 * console.log(log); // ["run 0"]
 * ```
 */
export class Credit2 {
  /** Per VCPU: credit (ns). */
  readonly credit: Float64Array;
  /** Per VCPU: the physical CPU it runs on, or -1. */
  readonly onCpu: Int32Array;
  /** Per VCPU: the physical CPU it last ran on, or -1. */
  readonly lastCpu: Int32Array;
  /** Per VCPU: BLOCKED, QUEUED or RUNNING. */
  readonly state: Uint8Array;
  /** Per VCPU: when it started running (state_entry_time). */
  readonly since: Float64Array;
  /** Per VCPU: the time up to which its credit was burnt. */
  readonly burnt: Float64Array;
  /** Per physical CPU: the VCPU it runs, or -1 (idle). */
  readonly cur: Int32Array;
  /** Context switches so far. */
  switches = 0;
  /** Wake-up preemptions so far. */
  preemptions = 0;
  /** Credit resets so far. */
  resets = 0;
  /** Time VCPUs spent runnable in the runqueue, waiting for a CPU (ns), since the last reset. */
  waitNs = 0;
  /** Per VCPU: when it entered the runqueue. */
  readonly queuedAt: Float64Array;
  readonly #heap: Int32Array;
  readonly #pos: Int32Array;
  #size = 0;
  readonly #host: Credit2Host;
  readonly #ratelimit: number;

  /** `pcpus` physical CPUs for `vcpus` VCPUs; `ratelimitNs` is sched_ratelimit_us in ns. */
  constructor(pcpus: number, vcpus: number, host: Credit2Host, ratelimitNs = RATELIMIT_NS) {
    this.credit = new Float64Array(vcpus).fill(CREDIT_INIT_NS);
    this.onCpu = new Int32Array(vcpus).fill(-1);
    this.lastCpu = new Int32Array(vcpus).fill(-1);
    this.state = new Uint8Array(vcpus);
    this.since = new Float64Array(vcpus);
    this.burnt = new Float64Array(vcpus);
    this.cur = new Int32Array(pcpus).fill(-1);
    this.queuedAt = new Float64Array(vcpus);
    this.#heap = new Int32Array(vcpus);
    this.#pos = new Int32Array(vcpus).fill(-1);
    this.#host = host;
    this.#ratelimit = ratelimitNs;
  }

  /** VCPUs waiting in the runqueue. */
  get queued(): number {
    return this.#size;
  }

  /** Whether VCPU `u` is on a physical CPU. */
  isRunning(u: number): boolean {
    return this.state[u] === RUNNING;
  }

  /** Whether VCPU `u` is runnable and waiting in the runqueue for a physical CPU. */
  isQueued(u: number): boolean {
    return this.state[u] === QUEUED;
  }

  /** burn_credits: charge `u` for its time on the CPU up to `now`. */
  burn(u: number, now: number): void {
    if (now > this.burnt[u]) {
      this.credit[u] -= now - this.burnt[u];
      this.burnt[u] = now;
    }
  }

  /** VCPU `u` becomes runnable (csched2_unit_wake then runq_tickle). */
  wake(u: number, now: number): void {
    if (this.state[u] !== BLOCKED) return;
    this.#push(u);
    this.state[u] = QUEUED;
    this.queuedAt[u] = now;
    // 1. An idle physical CPU, the VCPU's last one first.
    const last = this.lastCpu[u];
    if (last >= 0 && this.cur[last] < 0) return this.schedule(last, now);
    for (let p = 0; p < this.cur.length; p++) if (this.cur[p] < 0) return this.schedule(p, now);
    // 2./3. Preempt the running VCPU with the best positive score.
    let best = -1, max = 0;
    for (let p = 0; p < this.cur.length; p++) {
      const c = this.cur[p];
      if (now - this.since[c] <= this.#ratelimit - TICKLE_TOLERANCE_NS) continue;
      this.burn(c, now);
      let score = this.credit[u] - this.credit[c];
      if (last !== p) score -= MIGRATE_RESIST_NS;
      if (score > max) {
        max = score;
        best = p;
      }
    }
    if (best >= 0) {
      this.preemptions++;
      this.schedule(best, now);
    }
  }

  /** VCPU `u`, running, blocks (it has nothing to do): its CPU picks another. */
  block(u: number, now: number): void {
    if (this.state[u] !== RUNNING) return;
    const p = this.onCpu[u];
    this.burn(u, now);
    this.state[u] = BLOCKED;
    this.onCpu[u] = -1;
    this.cur[p] = -1;
    this.schedule(p, now);
  }

  /** The slice timer of `p` fired. */
  tick(p: number, now: number): void {
    this.schedule(p, now);
  }

  /** csched2_schedule on physical CPU `p` at `now`. */
  schedule(p: number, now: number): void {
    const c = this.cur[p];
    if (c >= 0) {
      this.burn(c, now);
      // runq_candidate: the current VCPU keeps the CPU within the rate limit.
      // (Compared as the timer's own time, so that rounding cannot re-arm it at `now`.)
      const until = this.since[c] + this.#ratelimit;
      if (until > now) return this.#host.timer(p, until);
    }
    const top = this.#size > 0 ? this.#heap[0] : -1;
    let next = c;
    if (top >= 0 && (c < 0 || this.credit[top] > this.credit[c])) next = top;
    if (next < 0) return; // idle
    if (next !== c) {
      this.#remove(next);
      this.waitNs += now - this.queuedAt[next];
      if (c >= 0) {
        this.state[c] = QUEUED;
        this.onCpu[c] = -1;
        this.queuedAt[c] = now;
        this.#push(c);
        this.#host.preempt(c);
      }
      this.cur[p] = next;
      this.state[next] = RUNNING;
      this.onCpu[next] = p;
      this.lastCpu[next] = p;
      this.since[next] = now;
      this.burnt[next] = now;
      this.switches++;
    }
    if (this.credit[next] <= 0) this.#reset(now);
    this.#host.timer(p, now + this.#runtime(next, now));
    if (next !== c) this.#host.run(next, p);
  }

  /** csched2_runtime. */
  #runtime(u: number, now: number): number {
    let min = MIN_TIMER_NS;
    const rl = (this.since[u] + this.#ratelimit) - now;
    if (rl > min) min = rl;
    let rt = this.credit[u];
    if (this.#size > 0) {
      const w = this.credit[this.#heap[0]];
      if (w > 0) rt -= w;
    }
    if (rt < min) rt = min;
    if (rt > MAX_TIMER_NS) rt = MAX_TIMER_NS;
    return rt;
  }

  /** reset_credit: everyone gets CREDIT_INIT more, clipped at INIT + CARRYOVER_MAX. */
  #reset(now: number): void {
    this.resets++;
    const n = this.credit.length;
    for (let u = 0; u < n; u++) {
      if (this.state[u] === RUNNING) this.burn(u, now);
      let c = this.credit[u] + CREDIT_INIT_NS;
      if (c > CREDIT_INIT_NS + CARRYOVER_MAX_NS) c = CREDIT_INIT_NS + CARRYOVER_MAX_NS;
      this.credit[u] = c;
    }
    // Clipping may reorder equal tops: rebuild the heap.
    for (let i = (this.#size >> 1) - 1; i >= 0; i--) this.#down(i);
  }

  // A binary max-heap of queued VCPUs by credit (ties: lower VCPU number).
  #before(a: number, b: number): boolean {
    const ca = this.credit[a], cb = this.credit[b];
    return ca > cb || (ca === cb && a < b);
  }

  #push(u: number): void {
    const i = this.#size++;
    this.#heap[i] = u;
    this.#pos[u] = i;
    this.#up(i);
  }

  #remove(u: number): void {
    const i = this.#pos[u];
    const last = this.#heap[--this.#size];
    this.#pos[u] = -1;
    if (i === this.#size) return;
    this.#heap[i] = last;
    this.#pos[last] = i;
    this.#up(i);
    this.#down(this.#pos[last]);
  }

  #up(i: number): void {
    const h = this.#heap, pos = this.#pos;
    const u = h[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(u, h[parent])) break;
      h[i] = h[parent];
      pos[h[i]] = i;
      i = parent;
    }
    h[i] = u;
    pos[u] = i;
  }

  #down(i: number): void {
    const h = this.#heap, pos = this.#pos, n = this.#size;
    const u = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.#before(h[c + 1], h[c])) c++;
      if (!this.#before(h[c], u)) break;
      h[i] = h[c];
      pos[h[i]] = i;
      i = c;
    }
    h[i] = u;
    pos[u] = i;
  }
}
