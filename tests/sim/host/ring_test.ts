import assert from "node:assert/strict";
import { BLKIF_RING_SIZE, Rings } from "../../../sim/host/ring.ts";

Deno.test("the first request on a fresh ring notifies (SHARED_RING_INIT sets req_event to 1)", () => {
  const r = new Rings(1);
  r.init(0, BLKIF_RING_SIZE);
  assert.equal(r.pushRequest(0), true);
});

Deno.test("a consumer that has not done its final check gets no further notification", () => {
  const r = new Rings(1);
  r.init(0, 32);
  r.pushRequest(0);
  r.consumeRequest(0); // busy: consumed without re-arming
  assert.deepEqual([r.pushRequest(0), r.pushRequest(0)], [false, false]);
  assert.equal(r.suppressed[0], 2);
});

Deno.test("the final check re-arms the event index so the very next request notifies", () => {
  const r = new Rings(1);
  r.init(0, 32);
  r.pushRequest(0);
  r.pushRequest(0);
  r.consumeRequest(0);
  assert.equal(r.finalCheckRequests(0), true); // one still waiting: no re-arm
  r.consumeRequest(0);
  assert.equal(r.finalCheckRequests(0), false);
  assert.equal(r.reqEvent(0), 3);
  assert.equal(r.pushRequest(0), true);
});

Deno.test("responses follow the same rule with rsp_event and the front end's final check", () => {
  const r = new Rings(1);
  r.init(0, 32);
  for (let i = 0; i < 3; i++) r.pushRequest(0), r.consumeRequest(0);
  assert.deepEqual([r.pushResponse(0), r.pushResponse(0)], [true, false]);
  r.consumeResponse(0);
  r.consumeResponse(0);
  assert.equal(r.finalCheckResponses(0), false);
  assert.equal(r.pushResponse(0), true);
});

Deno.test("a ring is full when every slot awaits a consumed response", () => {
  const r = new Rings(1);
  r.init(0, 32);
  for (let i = 0; i < 32; i++) r.pushRequest(0);
  assert.equal(r.full(0), true);
  for (let i = 0; i < 32; i++) r.consumeRequest(0);
  assert.equal(r.full(0), true); // consumed, but no response yet
  r.pushResponse(0);
  assert.equal(r.full(0), true); // published, not consumed by the front end
  r.consumeResponse(0);
  assert.equal(r.full(0), false);
});

Deno.test("indexes wrap at 2^32 and the notify rule still holds", () => {
  const r = new Rings(1);
  const top = 0xffffffff;
  r.init(0, 32, top);
  assert.equal(r.reqEvent(0), 0); // = top + 1
  assert.deepEqual([r.reqProd(0), r.reqCons(0), r.rspProd(0), r.rspCons(0)], [top, top, top, top]);
  assert.equal(r.pushRequest(0), true);
  assert.equal(r.reqProd(0), 0);
  assert.equal(r.unconsumedRequests(0), 1);
  assert.equal(r.pushRequest(0), false);
});
