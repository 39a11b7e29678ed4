// The JSON Schema matches the validator (sim/scenario/schema.ts): checked with a
// real JSON Schema validator (npm:ajv, draft 2020-12) on every built-in scenario
// and sweep file, and on inputs the validator refuses.
import assert from "node:assert/strict";
import { Ajv2020 } from "ajv/dist/2020.js";
import { BUILTIN_DIR, builtinNames } from "../../../sim/scenario/builtins.ts";
import {
  checkScenario,
  scenarioJsonSchema,
  type ValidationError,
} from "../../../sim/scenario/schema.ts";
import { parseJsonText } from "../../../sim/scenario/messages.ts";
import { formatIssues } from "../../../sim/scenario/messages.ts";

const ajv = new Ajv2020({ strict: false, allErrors: true });
const validateJson = ajv.compile(scenarioJsonSchema());

const TINY = {
  name: "tiny",
  groups: [{
    name: "g",
    ports: 4,
    arrival: { kind: "poisson", rate_per_s: 1000 },
    service: { kind: "const", ns: 100 },
  }],
};

/** The validation error of a failed check. */
function errorOf(r: ReturnType<typeof checkScenario>): ValidationError {
  assert.equal(r.success, false);
  return (r as { error: ValidationError }).error;
}

function builtinRaw(name: string): unknown {
  const path = new URL(`${name}.json`, BUILTIN_DIR).pathname;
  return parseJsonText(Deno.readTextFileSync(path), name);
}

Deno.test("the JSON Schema accepts every built-in scenario and sweep file", () => {
  const names = builtinNames();
  assert.ok(names.length >= 10);
  let sweeps = 0;
  for (const name of names) {
    const raw = builtinRaw(name) as Record<string, unknown>;
    if ("base" in raw) sweeps++;
    assert.ok(validateJson(raw), `${name}: ${JSON.stringify(validateJson.errors, null, 1)}`);
  }
  assert.ok(sweeps >= 3, "sweep files are covered too");
});

Deno.test("the JSON Schema refuses what the validator refuses", () => {
  const timeshare = (run: unknown) => ({
    ...TINY,
    vcpu_sched: { kind: "timeshare", run, wait: { kind: "const", ns: 1000 } },
  });
  const bad: [string, unknown][] = [
    ["a negative duration", { ...TINY, duration_ms: -5 }],
    ["a zero duration (exclusive minimum)", { ...TINY, duration_ms: 0 }],
    ["an unknown ABI id", { ...TINY, abis: ["4l"] }],
    ["a name made only of dots", { ...TINY, name: ".." }],
    ["an unknown key", { ...TINY, duraton_ms: 5 }],
    ["an irq-off fraction of 1", { ...TINY, guest: { irq_off: { fraction: 1, mean_us: 5 } } }],
    ["zero-length time-share run slices", timeshare({ kind: "const", ns: 0 })],
    ["zero-length uniform run slices", timeshare({ kind: "uniform", min_ns: 0, max_ns: 0 })],
    ["a sweep with an unknown key", { base: TINY, grdi: {} }],
    ["a sweep with an empty list", { base: TINY, grid: { duration_ms: [] } }],
    ["a sweep whose base is invalid", { base: { ...TINY, duration_ms: -5 }, grid: {} }],
  ];
  for (const [what, value] of bad) {
    assert.equal(validateJson(value), false, `the JSON Schema accepts ${what}`);
    const inner = (value as { base?: unknown }).base ?? value;
    if (what.startsWith("a sweep with")) continue; // sweep keys: checked by expandPlan
    assert.equal(checkScenario(inner).success, false, `the validator accepts ${what}`);
  }
  // and both accept the plain good cases
  for (
    const good of [
      TINY,
      { ...TINY, abis: ["fifo", "./designs/my_abi.ts"] },
      timeshare({
        kind: "exp",
        mean_ns: 1000,
      }),
    ]
  ) {
    assert.ok(validateJson(good), JSON.stringify(validateJson.errors));
    assert.ok(checkScenario(good).success);
  }
});

Deno.test("zero-length time-share slices are refused: simulated time would stand still", () => {
  const r = checkScenario({
    ...TINY,
    vcpu_sched: {
      kind: "timeshare",
      run: { kind: "const", ns: 0 },
      wait: { kind: "const", ns: 0 },
    },
  });
  assert.equal(r.success, false);
  const msg = formatIssues("s.json", errorOf(r));
  assert.match(msg, /s\.json: vcpu_sched\.run: expected a slice with a mean > 0.*stand still/);
  // zero-length waits with real run slices are fine: the VCPU simply always runs
  const ok = checkScenario({
    ...TINY,
    vcpu_sched: {
      kind: "timeshare",
      run: { kind: "const", ns: 1000 },
      wait: { kind: "const", ns: 0 },
    },
  });
  assert.equal(ok.success, true);
});

Deno.test("an unknown ABI id names the value and suggests the nearest id", () => {
  const r = checkScenario({ ...TINY, abis: ["fifo", "fifo:drian"] });
  assert.equal(r.success, false);
  const msg = formatIssues("s.json", errorOf(r));
  assert.match(
    msg,
    /s\.json: abis\.1: expected one of 2l, .*; got "fifo:drian" \(did you mean 'fifo:drain'\?\)/,
  );
});

Deno.test("a scenario name made only of dots is refused; dots inside a name are fine", () => {
  for (const name of [".", "..", "..."]) {
    const r = checkScenario({ ...TINY, name });
    assert.equal(r.success, false, name);
    assert.match(formatIssues("s.json", errorOf(r)), /name: .*not only dots/);
  }
  assert.equal(checkScenario({ ...TINY, name: "v1.2-run" }).success, true);
});

Deno.test("a group's fixed VCPU must be below guest.vcpus", () => {
  const s = (vcpu: number) => ({
    ...TINY,
    guest: { vcpus: 2 },
    groups: [{
      name: "g",
      ports: 1,
      vcpu,
      arrival: { kind: "poisson", rate_per_s: 1000 },
      service: { kind: "const", ns: 100 },
    }],
  });
  assert.equal(checkScenario(s(1)).success, true);
  const r = checkScenario(s(2));
  assert.equal(r.success, false);
  assert.match(
    formatIssues("s.json", errorOf(r)),
    /s\.json: groups\.0\.vcpu: expected a VCPU number below guest\.vcpus \(2\)/,
  );
});

Deno.test("a VCPU whose init_control fails must be below guest.vcpus", () => {
  const s = (v: number) => ({
    ...TINY,
    guest: { vcpus: 2 },
    faults: { init_control_fail_vcpus: [v] },
  });
  assert.equal(checkScenario(s(1)).success, true);
  const r = checkScenario(s(2));
  assert.equal(r.success, false);
  assert.match(
    formatIssues("s.json", errorOf(r)),
    /s\.json: faults\.init_control_fail_vcpus\.0: expected a VCPU number below guest\.vcpus \(2\)/,
  );
});

Deno.test("a baseline must be one of the scenario's abis", () => {
  assert.equal(checkScenario({ ...TINY, abis: ["2l", "fifo"], baseline: "fifo" }).success, true);
  const r = checkScenario({ ...TINY, abis: ["2l", "fifo"], baseline: "3l" });
  assert.match(
    formatIssues("s.json", errorOf(r)),
    /s\.json: baseline: expected one of the scenario's abis/,
  );
});

Deno.test("the guest's defaults are Linux's", () => {
  // drivers/xen/events/events_base.c: event_eoi_delay = 10, event_loop_timeout = 2 (module
  // parameters); loop control and the spurious backoff are always on; HZ 250 is
  // kernel/Kconfig.hz's default.
  // Without a `guest` object, and with one that sets other keys only.
  for (const raw of [TINY, { ...TINY, guest: { vcpus: 2 } }]) {
    const r = checkScenario(raw);
    assert.ok(r.success);
    const g = r.data.guest;
    assert.equal(g.event_eoi_delay, 10);
    assert.equal(g.event_loop_timeout, 2);
    assert.equal(g.loop_ctrl, true);
    assert.equal(g.eoi_backoff, true);
    assert.equal(g.hz, 250);
  }
});
