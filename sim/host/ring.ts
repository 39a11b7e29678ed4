/**
 * Shared request/response rings with `ring.h`'s notification rule, for many
 * rings at once (struct of typed arrays, numeric ring ids, no allocation per
 * operation). Indexes are 32-bit free-running counters (RING_IDX, an
 * `unsigned int`), compared by unsigned difference as `ring.h` does.
 *
 * Rules, from Xen `xen/include/public/io/ring.h` (also in Linux
 * `include/xen/interface/io/ring.h`):
 * - SHARED_RING_INIT: `req_event = rsp_event = 1`, so the first message
 *   notifies.
 * - RING_PUSH_REQUESTS_AND_CHECK_NOTIFY: publish `req_prod = new`, then
 *   `notify = (RING_IDX)(new - req_event) < (RING_IDX)(new - old)`: notify
 *   iff the consumer's event index lies in the range just pushed. Likewise
 *   RING_PUSH_RESPONSES_AND_CHECK_NOTIFY with `rsp_event`.
 * - RING_FINAL_CHECK_FOR_REQUESTS: when nothing is unconsumed, set
 *   `req_event = req_cons + 1` and check again (the consumer re-arms only
 *   here, before it sleeps). Likewise for responses with `rsp_cons`.
 * - RING_FULL: the frontend may not produce a request while
 *   `req_prod_pvt - rsp_cons == RING_SIZE`: a slot frees only when its
 *   response was consumed. A full ring stalls the producer.
 *
 * @module
 */

/** blkif ring size on one page (`__CONST_RING_SIZE(blkif, 4096)`: 112-byte entries, x86-64). */
export const BLKIF_RING_SIZE = 32;
/** netif TX and RX ring size (`__CONST_RING_SIZE(netif_tx/rx, 4096)`). */
export const NETIF_RING_SIZE = 256;

/**
 * 32-bit words in one ring's record (128 bytes: two cache lines).
 *
 * @example
 * ```ts
 * import { RING_WORDS } from "./ring.ts";
 * console.log(RING_WORDS * 4); // 128
 * ```
 */
export const RING_WORDS = 32;
/**
 * The first word of a ring's record left to the owner of the rings.
 *
 * @example
 * ```ts
 * import { RING_OWNER_WORD, RING_WORDS } from "./ring.ts";
 * console.log(RING_WORDS - RING_OWNER_WORD); // 22 words for the owner
 * ```
 */
export const RING_OWNER_WORD = 10;
// The ring's own words: size, the sring indexes, both ends' private indexes;
// words 8-9 hold the suppressed count (an f64).
const RW_SIZE = 0, RW_REQ_PROD = 1, RW_REQ_EVENT = 2, RW_RSP_PROD = 3, RW_RSP_EVENT = 4;
const RW_REQ_CONS = 5, RW_RSP_CONS = 6;

/**
 * Many rings, each a `sring` (the shared indexes) plus both ends' private
 * indexes.
 *
 * @example
 * ```ts
 * import { Rings } from "./ring.ts";
 * const r = new Rings(1);
 * r.init(0, 32);
 * console.log(r.pushRequest(0), r.pushRequest(0)); // true false: the consumer is not re-armed
 * ```
 */
export class Rings {
  /**
   * One record of {@linkcode RING_WORDS} 32-bit words per ring, so that a
   * ring's indexes share a cache line (a host's rings are touched in turn):
   * ring r's fields at `RING_WORDS * r +` the `RW_*` offsets, the suppressed
   * count as an f64 at `RING_WORDS / 2 * r + 4`. Words from
   * {@linkcode RING_OWNER_WORD} on are the owner's, for its own per-ring
   * fields (a view of {@linkcode Rings.buffer}).
   */
  readonly #w: Uint32Array;
  readonly #f: Float64Array;

  /** Room for `n` rings. */
  constructor(n: number) {
    this.#w = new Uint32Array(RING_WORDS * n);
    this.#f = new Float64Array(this.#w.buffer);
  }

  /** The records' memory, for the owner's words (from {@linkcode RING_OWNER_WORD} on in each record). */
  get buffer(): ArrayBuffer {
    return this.#w.buffer as ArrayBuffer;
  }

  /** SHARED_RING_INIT and FRONT/BACK_RING_INIT: every index 0, both event indexes 1. */
  init(r: number, size: number): void {
    const w = this.#w, i = RING_WORDS * r;
    w[i + RW_SIZE] = size;
    w[i + RW_REQ_PROD] =
      w[i + RW_RSP_PROD] =
      w[i + RW_REQ_CONS] =
      w[i + RW_RSP_CONS] =
        0;
    w[i + RW_REQ_EVENT] = w[i + RW_RSP_EVENT] = 1;
  }

  /** RING_FULL for the front end: no request slot is free until a response is consumed. */
  full(r: number): boolean {
    const w = this.#w, i = RING_WORDS * r;
    return ((w[i + RW_REQ_PROD] - w[i + RW_RSP_CONS]) >>> 0) >= w[i + RW_SIZE];
  }

  /** Requests published and not yet consumed by the back end (RING_HAS_UNCONSUMED_REQUESTS). */
  unconsumedRequests(r: number): number {
    const w = this.#w, i = RING_WORDS * r;
    return (w[i + RW_REQ_PROD] - w[i + RW_REQ_CONS]) >>> 0;
  }

  /** Responses published and not yet consumed by the front end. */
  unconsumedResponses(r: number): number {
    const w = this.#w, i = RING_WORDS * r;
    return (w[i + RW_RSP_PROD] - w[i + RW_RSP_CONS]) >>> 0;
  }

  /** Requests consumed whose response is not yet published (the back end owes them). */
  owedResponses(r: number): number {
    const w = this.#w, i = RING_WORDS * r;
    return (w[i + RW_REQ_CONS] - w[i + RW_RSP_PROD]) >>> 0;
  }

  /**
   * Produce one request and push it (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY with
   * a batch of one); returns whether the front end must notify. The caller
   * checks {@linkcode Rings.full} first.
   */
  pushRequest(r: number): boolean {
    const w = this.#w, i = RING_WORDS * r;
    const old = w[i + RW_REQ_PROD];
    const now = (old + 1) >>> 0;
    w[i + RW_REQ_PROD] = now;
    const notify = ((now - w[i + RW_REQ_EVENT]) >>> 0) < ((now - old) >>> 0);
    if (!notify) this.#f[(RING_WORDS >> 1) * r + 4]++;
    return notify;
  }

  /** The back end consumes one request (req_cons++). */
  consumeRequest(r: number): void {
    const i = RING_WORDS * r + RW_REQ_CONS;
    this.#w[i] = (this.#w[i] + 1) >>> 0;
  }

  /** Push one response (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY); returns whether to notify. */
  pushResponse(r: number): boolean {
    const w = this.#w, i = RING_WORDS * r;
    const old = w[i + RW_RSP_PROD];
    const now = (old + 1) >>> 0;
    w[i + RW_RSP_PROD] = now;
    const notify = ((now - w[i + RW_RSP_EVENT]) >>> 0) < ((now - old) >>> 0);
    if (!notify) this.#f[(RING_WORDS >> 1) * r + 4]++;
    return notify;
  }

  /** The front end consumes one response (rsp_cons++), freeing its request slot. */
  consumeResponse(r: number): void {
    const i = RING_WORDS * r + RW_RSP_CONS;
    this.#w[i] = (this.#w[i] + 1) >>> 0;
  }

  /**
   * RING_FINAL_CHECK_FOR_REQUESTS: true when requests are waiting; otherwise
   * re-arm (`req_event = req_cons + 1`) and check again.
   */
  finalCheckRequests(r: number): boolean {
    if (this.unconsumedRequests(r) > 0) return true;
    const i = RING_WORDS * r;
    this.#w[i + RW_REQ_EVENT] = (this.#w[i + RW_REQ_CONS] + 1) >>> 0;
    return this.unconsumedRequests(r) > 0;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: the same for the front end (`rsp_event = rsp_cons + 1`). */
  finalCheckResponses(r: number): boolean {
    if (this.unconsumedResponses(r) > 0) return true;
    const i = RING_WORDS * r;
    this.#w[i + RW_RSP_EVENT] = (this.#w[i + RW_RSP_CONS] + 1) >>> 0;
    return this.unconsumedResponses(r) > 0;
  }

  /**
   * Ask for a notification at the next request the front end pushes
   * (`req_event = req_prod + 1`), as a back end out of buffers does
   * (netback xenvif_rx_ring_slots_available).
   *
   * @example
   * ```ts
   * import { Rings } from "./ring.ts";
   * const r = new Rings(1);
   * r.init(0, 256);
   * r.pushRequest(0); // notifies; the back end has not re-armed since
   * r.requestNextNotify(0);
   * console.log(r.pushRequest(0)); // true
   * ```
   */
  requestNextNotify(r: number): void {
    const i = RING_WORDS * r;
    this.#w[i + RW_REQ_EVENT] = (this.#w[i + RW_REQ_PROD] + 1) >>> 0;
  }

  /**
   * Requests the front end posted before the run (netfront fills the RX ring
   * with buffers when it connects): `req_prod` starts at `n`.
   *
   * @example
   * ```ts
   * import { Rings } from "./ring.ts";
   * const r = new Rings(1);
   * r.init(0, 256);
   * r.prefill(0, 256);
   * console.log(r.unconsumedRequests(0), r.full(0)); // 256 true
   * ```
   */
  prefill(r: number, n: number): void {
    this.#w[RING_WORDS * r + RW_REQ_PROD] = n >>> 0;
  }

  /**
   * The ring's indexes, for checks: `[size, req_prod, req_event, rsp_prod,
   * rsp_event, req_cons, rsp_cons]`.
   *
   * @example
   * ```ts
   * import { Rings } from "./ring.ts";
   * const r = new Rings(1);
   * r.init(0, 32);
   * r.pushRequest(0);
   * console.log(r.indexes(0)); // [ 32, 1, 1, 0, 1, 0, 0 ]
   * ```
   */
  indexes(r: number): number[] {
    return Array.from(this.#w.subarray(RING_WORDS * r, RING_WORDS * r + 7));
  }

  /**
   * Set the ring's indexes (a check's starting state), in the order of
   * {@linkcode Rings.indexes}.
   *
   * @example
   * ```ts
   * import { Rings } from "./ring.ts";
   * const r = new Rings(1);
   * r.setIndexes(0, [32, 5, 6, 5, 6, 5, 5]);
   * console.log(r.pushRequest(0)); // true: req_event 6 is in the pushed range
   * ```
   */
  setIndexes(r: number, idx: readonly number[]): void {
    for (let k = 0; k < 7; k++) this.#w[RING_WORDS * r + k] = idx[k] >>> 0;
  }

  /**
   * Pushes the notification rule suppressed on ring `r` since the last
   * {@linkcode Rings.clearSuppressed}.
   *
   * @example
   * ```ts
   * import { Rings } from "./ring.ts";
   * const r = new Rings(1);
   * r.init(0, 32);
   * r.pushRequest(0);
   * r.pushRequest(0);
   * console.log(r.suppressed(0)); // 1
   * ```
   */
  suppressed(r: number): number {
    return this.#f[(RING_WORDS >> 1) * r + 4];
  }

  /** Zero every ring's suppressed count (the warm-up is over). */
  clearSuppressed(): void {
    const f = this.#f;
    for (let k = 4; k < f.length; k += RING_WORDS >> 1) f[k] = 0;
  }
}
