/**
 * Shared request/response rings with `ring.h`'s notification rule, for many
 * rings at once (a 32-byte record of indexes per ring in one typed array,
 * numeric ring ids, no allocation per operation). Indexes are 32-bit free-running counters (RING_IDX, an
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

// A ring's record: the shared ring's indexes and both ends' private ones,
// side by side so that one request's books touch one cache line.
const W_SIZE = 0;
const W_REQ_PROD = 1;
const W_REQ_EVENT = 2;
const W_RSP_PROD = 3;
const W_RSP_EVENT = 4;
const W_REQ_CONS = 5;
const W_RSP_CONS = 6;

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
  /** Per ring, a 32-byte record of its indexes (the `W_*` words). */
  readonly #w: Uint32Array;
  /** Notifications the rule suppressed (pushes that did not notify), per ring. */
  readonly suppressed: Float64Array;

  /** Room for `n` rings. */
  constructor(n: number) {
    this.#w = new Uint32Array(8 * n);
    this.suppressed = new Float64Array(n);
  }

  /** Ring size (entries, a power of two). */
  size(r: number): number {
    return this.#w[8 * r + W_SIZE];
  }

  /** sring->req_prod. */
  reqProd(r: number): number {
    return this.#w[8 * r + W_REQ_PROD];
  }

  /** sring->req_event. */
  reqEvent(r: number): number {
    return this.#w[8 * r + W_REQ_EVENT];
  }

  /** sring->rsp_prod. */
  rspProd(r: number): number {
    return this.#w[8 * r + W_RSP_PROD];
  }

  /** sring->rsp_event. */
  rspEvent(r: number): number {
    return this.#w[8 * r + W_RSP_EVENT];
  }

  /** The back end's req_cons. */
  reqCons(r: number): number {
    return this.#w[8 * r + W_REQ_CONS];
  }

  /** The front end's rsp_cons. */
  rspCons(r: number): number {
    return this.#w[8 * r + W_RSP_CONS];
  }

  /**
   * SHARED_RING_INIT and FRONT/BACK_RING_INIT: every index `at` (0 as Linux
   * sets them; another value lets a test start near the 2^32 wrap), both
   * event indexes `at + 1`.
   */
  init(r: number, size: number, at = 0): void {
    const w = this.#w, b = 8 * r;
    w[b + W_SIZE] = size;
    w[b + W_REQ_PROD] =
      w[b + W_RSP_PROD] =
      w[b + W_REQ_CONS] =
      w[b + W_RSP_CONS] =
        at;
    w[b + W_REQ_EVENT] = w[b + W_RSP_EVENT] = (at + 1) >>> 0;
  }

  /**
   * The front end has produced requests up to `reqProd` before the run,
   * without notifying (netfront posting its RX buffers when it connects).
   */
  prefill(r: number, reqProd: number): void {
    this.#w[8 * r + W_REQ_PROD] = reqProd;
  }

  /** RING_FULL for the front end: no request slot is free until a response is consumed. */
  full(r: number): boolean {
    const w = this.#w, b = 8 * r;
    return ((w[b + W_REQ_PROD] - w[b + W_RSP_CONS]) >>> 0) >= w[b + W_SIZE];
  }

  /** Requests published and not yet consumed by the back end (RING_HAS_UNCONSUMED_REQUESTS). */
  unconsumedRequests(r: number): number {
    const w = this.#w, b = 8 * r;
    return (w[b + W_REQ_PROD] - w[b + W_REQ_CONS]) >>> 0;
  }

  /** Responses published and not yet consumed by the front end. */
  unconsumedResponses(r: number): number {
    const w = this.#w, b = 8 * r;
    return (w[b + W_RSP_PROD] - w[b + W_RSP_CONS]) >>> 0;
  }

  /** Requests consumed whose response is not yet published (the back end owes them). */
  owedResponses(r: number): number {
    const w = this.#w, b = 8 * r;
    return (w[b + W_REQ_CONS] - w[b + W_RSP_PROD]) >>> 0;
  }

  /**
   * Produce one request and push it (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY with
   * a batch of one); returns whether the front end must notify. The caller
   * checks {@linkcode Rings.full} first.
   */
  pushRequest(r: number): boolean {
    const w = this.#w, b = 8 * r;
    const old = w[b + W_REQ_PROD];
    const now = (old + 1) >>> 0;
    w[b + W_REQ_PROD] = now;
    const notify = ((now - w[b + W_REQ_EVENT]) >>> 0) < ((now - old) >>> 0);
    if (!notify) this.suppressed[r]++;
    return notify;
  }

  /** The back end consumes one request (req_cons++). */
  consumeRequest(r: number): void {
    const i = 8 * r + W_REQ_CONS;
    this.#w[i] = (this.#w[i] + 1) >>> 0;
  }

  /** Push one response (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY); returns whether to notify. */
  pushResponse(r: number): boolean {
    const w = this.#w, b = 8 * r;
    const old = w[b + W_RSP_PROD];
    const now = (old + 1) >>> 0;
    w[b + W_RSP_PROD] = now;
    const notify = ((now - w[b + W_RSP_EVENT]) >>> 0) < ((now - old) >>> 0);
    if (!notify) this.suppressed[r]++;
    return notify;
  }

  /** The front end consumes one response (rsp_cons++), freeing its request slot. */
  consumeResponse(r: number): void {
    const i = 8 * r + W_RSP_CONS;
    this.#w[i] = (this.#w[i] + 1) >>> 0;
  }

  /**
   * RING_FINAL_CHECK_FOR_REQUESTS: true when requests are waiting; otherwise
   * re-arm (`req_event = req_cons + 1`) and check again.
   */
  finalCheckRequests(r: number): boolean {
    if (this.unconsumedRequests(r) > 0) return true;
    const w = this.#w, b = 8 * r;
    w[b + W_REQ_EVENT] = (w[b + W_REQ_CONS] + 1) >>> 0;
    return this.unconsumedRequests(r) > 0;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: the same for the front end (`rsp_event = rsp_cons + 1`). */
  finalCheckResponses(r: number): boolean {
    if (this.unconsumedResponses(r) > 0) return true;
    const w = this.#w, b = 8 * r;
    w[b + W_RSP_EVENT] = (w[b + W_RSP_CONS] + 1) >>> 0;
    return this.unconsumedResponses(r) > 0;
  }
}
