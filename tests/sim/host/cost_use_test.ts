import assert from "node:assert/strict";
import { hostCostFieldsRead } from "../../../sim/host/cost_use.ts";
import { parseScenario } from "../../../sim/scenario/scenario.ts";
import { HOST_COST_FIELDS } from "../../../sim/scenario/schema.ts";

function read(guest: Record<string, unknown>) {
  return hostCostFieldsRead(parseScenario({ name: "h", host: { guests: [guest] } }, "h").host!);
}

Deno.test("a host reads QEMU's costs only when an HVM guest makes emulated I/O exits", () => {
  assert.equal(read({ count: 1, kind: "hvm" }).has("qemu_ns"), false);
  const io = read({ count: 1, kind: "hvm", ioreq_rate_per_s: 50 });
  assert.equal(io.has("qemu_ns"), true);
  assert.equal(io.has("user_wake_ns"), true);
});

Deno.test("a host reads a backend's costs only when some client uses its device", () => {
  const none = read({ count: 1, vifs: 0, vbds: 0 });
  assert.equal(none.size, 0);
  const blk = read({ count: 1, vifs: 0 });
  assert.deepEqual(
    [...blk].sort(),
    ["blkback_ns", "client_wake_ns", "front_request_ns", "front_response_ns", "kthread_wake_ns"],
  );
  const all = read({ count: 1, kind: "hvm", ioreq_rate_per_s: 1 });
  assert.deepEqual([...all].sort(), [...HOST_COST_FIELDS].sort());
});

Deno.test("a host reads the client's wake-up only when a closed-loop client blocks on its responses", () => {
  assert.equal(read({ count: 1, vifs: 0 }).has("client_wake_ns"), true);
  const open = read({ count: 1, vifs: 0, workload: { kind: "poisson", rate_per_s: 100 } });
  assert.equal(open.has("client_wake_ns"), false);
  assert.equal(open.has("blkback_ns"), true);
});
