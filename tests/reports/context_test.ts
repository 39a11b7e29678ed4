import assert from "node:assert/strict";
import {
  fmtParamValue,
  latencyDefinition,
  LIMIT_METRICS,
  paramWords,
  pointText,
  ranAll,
  templateName,
} from "../../reports/context.ts";
import { paramLabel } from "../../reports/load.ts";

Deno.test("a host's report defines the round trip before dispatch latency; a guest's only dispatch", () => {
  const host = latencyDefinition([{ abi: "fifo", rt_mean_ns: 30000, dom0_busy: 0.2 }]);
  assert.match(host, /^A round trip runs from a guest's request/);
  assert.match(host, /dispatch latency runs from the raise/);
  const guest = latencyDefinition([{ abi: "fifo", lat_mean_ns: 3000 }]);
  assert.match(guest, /^Latency is dispatch latency: from the raise/);
  assert.doesNotMatch(guest, /round trip/);
});

Deno.test("a point where ports failed to bind or guests were refused did not run the whole load", () => {
  assert.ok(ranAll([{ bind_failures: 0, guests_refused: 0 }, {}]));
  assert.ok(!ranAll([{ bind_failures: 0 }, { bind_failures: 3 }]));
  assert.ok(!ranAll([{ guests_refused: 102 }]));
  // What measures the limit itself stays comparable there; latency does not.
  assert.ok(LIMIT_METRICS.has("guests_refused") && LIMIT_METRICS.has("bind_failures"));
  assert.ok(!LIMIT_METRICS.has("rt_p99_ns") && !LIMIT_METRICS.has("lat_p99_ns"));
});

Deno.test("a swept guest template reads by its name wherever a grid value is shown", () => {
  const template = JSON.stringify({ name: "hvm-4vcpu", count: 16, kind: "hvm" });
  assert.equal(templateName(template), "hvm-4vcpu");
  assert.equal(templateName({ name: "pv" }), "pv");
  assert.equal(templateName("{not json"), undefined);
  assert.equal(templateName(8), undefined);
  assert.equal(fmtParamValue("host.guests.0", template), "hvm-4vcpu");
  assert.equal(paramWords("host.guests.0", template), "hvm-4vcpu");
  assert.equal(paramWords("host.dom0.vcpus", 8), "dom0.vcpus=8");
  assert.equal(
    pointText(JSON.stringify([template, 8]), ["host.guests.0", "host.dom0.vcpus"], {
      "host.guests.0": "guest template",
      "host.dom0.vcpus": "dom0 VCPUs",
    }),
    "guest template = hvm-4vcpu, dom0 VCPUs = 8",
  );
});

Deno.test("a swept guest template is labelled as one, a field of it by what the field is", () => {
  const base = { host: { guests: [{ name: "pvh", count: 4 }] } };
  assert.equal(paramLabel("host.guests.0", base), "guest template");
  assert.equal(paramLabel("host.guests.0.count", base), "guests");
  assert.equal(paramLabel("host.guests.0.vcpus", base), "guest VCPUs");
});
