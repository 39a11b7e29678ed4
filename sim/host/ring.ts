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
  /** Ring size (entries, a power of two). */
  readonly size: Uint32Array;
  /** sring->req_prod. */
  readonly reqProd: Uint32Array;
  /** sring->req_event. */
  readonly reqEvent: Uint32Array;
  /** sring->rsp_prod. */
  readonly rspProd: Uint32Array;
  /** sring->rsp_event. */
  readonly rspEvent: Uint32Array;
  /** Back end's req_cons. */
  readonly reqCons: Uint32Array;
  /** Front end's rsp_cons. */
  readonly rspCons: Uint32Array;
  /** Notifications the rule suppressed (pushes that did not notify), per ring. */
  readonly suppressed: Float64Array;

  /** Room for `n` rings. */
  constructor(n: number) {
    this.size = new Uint32Array(n);
    this.reqProd = new Uint32Array(n);
    this.reqEvent = new Uint32Array(n);
    this.rspProd = new Uint32Array(n);
    this.rspEvent = new Uint32Array(n);
    this.reqCons = new Uint32Array(n);
    this.rspCons = new Uint32Array(n);
    this.suppressed = new Float64Array(n);
  }

  /** SHARED_RING_INIT and FRONT/BACK_RING_INIT: every index 0, both event indexes 1. */
  init(r: number, size: number): void {
    this.size[r] = size;
    this.reqProd[r] =
      this.rspProd[r] =
      this.reqCons[r] =
      this.rspCons[r] =
        0;
    this.reqEvent[r] = this.rspEvent[r] = 1;
  }

  /** RING_FULL for the front end: no request slot is free until a response is consumed. */
  full(r: number): boolean {
    return ((this.reqProd[r] - this.rspCons[r]) >>> 0) >= this.size[r];
  }

  /** Requests published and not yet consumed by the back end (RING_HAS_UNCONSUMED_REQUESTS). */
  unconsumedRequests(r: number): number {
    return (this.reqProd[r] - this.reqCons[r]) >>> 0;
  }

  /** Responses published and not yet consumed by the front end. */
  unconsumedResponses(r: number): number {
    return (this.rspProd[r] - this.rspCons[r]) >>> 0;
  }

  /** Requests consumed whose response is not yet published (the back end owes them). */
  owedResponses(r: number): number {
    return (this.reqCons[r] - this.rspProd[r]) >>> 0;
  }

  /**
   * Produce one request and push it (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY with
   * a batch of one); returns whether the front end must notify. The caller
   * checks {@linkcode Rings.full} first.
   */
  pushRequest(r: number): boolean {
    const old = this.reqProd[r];
    const now = (old + 1) >>> 0;
    this.reqProd[r] = now;
    const notify = ((now - this.reqEvent[r]) >>> 0) < ((now - old) >>> 0);
    if (!notify) this.suppressed[r]++;
    return notify;
  }

  /** The back end consumes one request (req_cons++). */
  consumeRequest(r: number): void {
    this.reqCons[r] = (this.reqCons[r] + 1) >>> 0;
  }

  /** Push one response (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY); returns whether to notify. */
  pushResponse(r: number): boolean {
    const old = this.rspProd[r];
    const now = (old + 1) >>> 0;
    this.rspProd[r] = now;
    const notify = ((now - this.rspEvent[r]) >>> 0) < ((now - old) >>> 0);
    if (!notify) this.suppressed[r]++;
    return notify;
  }

  /** The front end consumes one response (rsp_cons++), freeing its request slot. */
  consumeResponse(r: number): void {
    this.rspCons[r] = (this.rspCons[r] + 1) >>> 0;
  }

  /**
   * RING_FINAL_CHECK_FOR_REQUESTS: true when requests are waiting; otherwise
   * re-arm (`req_event = req_cons + 1`) and check again.
   */
  finalCheckRequests(r: number): boolean {
    if (this.unconsumedRequests(r) > 0) return true;
    this.reqEvent[r] = (this.reqCons[r] + 1) >>> 0;
    return this.unconsumedRequests(r) > 0;
  }

  /** RING_FINAL_CHECK_FOR_RESPONSES: the same for the front end (`rsp_event = rsp_cons + 1`). */
  finalCheckResponses(r: number): boolean {
    if (this.unconsumedResponses(r) > 0) return true;
    this.rspEvent[r] = (this.rspCons[r] + 1) >>> 0;
    return this.unconsumedResponses(r) > 0;
  }
}
