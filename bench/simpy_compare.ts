/**
 * The same M/M/1 queue (ρ = 0.5, mean service 1 µs, one server, FIFO) in
 * SimPy and in evtchn-sim (FIFO ABI, zero costs), one after the other, and
 * the ratio of delivered (served) events per wall second. Target: >= 50x.
 *
 * Run with `deno task bench:simpy [runs]` (needs Debian's python3-simpy3).
 * Each side reports the median of `runs` (default 3) runs; SimPy simulates
 * 0.4 s (about 200k customers), evtchn-sim 1 s (about 500k deliveries).
 *
 * @module
 */

import { median, mm1Scenario, runMm1 } from "./mm1.ts";

const SIMPY_US = 400_000;
/** Debian's interpreter, where python3-simpy3 lives (a pyenv shim may shadow it on PATH). */
const PYTHON = Deno.env.get("SIMPY_PYTHON") ?? "/usr/bin/python3";

/** One SimPy run: served customers per wall second and the mean wait in ns. */
async function simpyRun(seed: number): Promise<{ rate: number; waitNs: number; version: string }> {
  const script = new URL("./mm1_simpy.py", import.meta.url).pathname;
  const out = await new Deno.Command(PYTHON, {
    args: [script, String(SIMPY_US), "0.5", String(seed)],
    stderr: "inherit",
  }).output();
  if (!out.success) {
    throw new Error(`${PYTHON} bench/mm1_simpy.py failed (apt-get install python3-simpy3)`);
  }
  const r = JSON.parse(new TextDecoder().decode(out.stdout));
  return { rate: r.served / r.wall_s, waitNs: r.mean_wait_us * 1e3, version: r.simpy };
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 3);
  const simpy: number[] = [];
  let wait = 0, version = "";
  for (let i = 0; i < runs; i++) {
    const r = await simpyRun(i + 1);
    simpy.push(r.rate);
    wait = r.waitNs;
    version = r.version;
  }
  runMm1(mm1Scenario({ durationMs: 50 }), "fifo"); // JIT warm-up
  const s = mm1Scenario({ durationMs: 1000 });
  const ours: number[] = [];
  let ourWait = 0;
  for (let i = 0; i < runs; i++) {
    const r = runMm1(s, "fifo");
    ours.push((r.summary.delivered as number) / (r.wallMs / 1e3));
    ourWait = r.summary.lat_mean_ns as number;
  }
  const a = median(simpy), b = median(ours);
  console.log(
    `M/M/1 rho=0.5, mean service 1 us; median of ${runs} runs each (theory: Wq = 1000 ns)`,
  );
  console.log(
    `SimPy ${version}:        ${(a / 1e3).toFixed(1).padStart(8)} k served/s   Wq ${
      wait.toFixed(0)
    } ns`,
  );
  console.log(
    `evtchn-sim (fifo): ${(b / 1e3).toFixed(1).padStart(8)} k delivered/s   Wq ${
      ourWait.toFixed(0)
    } ns`,
  );
  console.log(`ratio: ${(b / a).toFixed(1)}x (target >= 50x)`);
}
