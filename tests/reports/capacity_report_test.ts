import assert from "node:assert/strict";
import { unsearchedCapacityNote } from "../../reports/capacity_report.ts";

const study = {
  scenario: "dom0-capacity",
  source: "builtin:dom0-capacity",
  resolved: { capacity: { objective: "rt_p99_ns<=200us", axis: "host.guests.0.count" } },
};

Deno.test("a plain run of a capacity study says it did not search, at what count, and how to search", () => {
  const rows = [16, 16, 32].map((n) => ({ abi: "fifo", guests_requested: n }));
  const note = unsearchedCapacityNote(study, rows);
  assert.match(note, /^dom0-capacity is a capacity study, and this run did not search/);
  assert.match(note, /it simulated 16, 32 guests \(`host\.guests\.0\.count`\) at every grid point/);
  assert.match(note, /`deno task sim capacity dom0-capacity` answers its question/);
  assert.match(note, /how many guests one dom0 serves under each ABI with round-trip p99 ≤ 200 µs/);
});

Deno.test("a capacity study from a file is searched by its path, along its own axis", () => {
  const note = unsearchedCapacityNote({
    scenario: "mine",
    source: "studies/mine.json",
    resolved: { capacity: { axis: "workload.rate_per_s" } },
  }, [{ abi: "fifo", lat_p99_ns: 5 }]);
  assert.match(note, /it simulated `workload\.rate_per_s` as the scenario sets it\./);
  assert.match(note, /`deno task sim capacity studies\/mine\.json`/);
  assert.match(note, /how far each ABI goes along `workload\.rate_per_s`, and what limits it\.$/);
});

Deno.test("a scenario without a capacity block gets no note", () => {
  assert.equal(unsearchedCapacityNote({ scenario: "default", resolved: { base: {} } }, []), "");
  assert.equal(unsearchedCapacityNote({}, []), "");
});
