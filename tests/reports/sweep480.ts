// The results of bench/inputs/sweep480.json (3 swept axes, 4 ABIs, 480 runs), simulated by the
// real CLI (a subprocess: reports never simulate) without its report, once per test file that
// uses them (about 2 s on a quiet 2-core machine), for the tests that render the report of a
// large grid.
import { runCli } from "../sim/cli/cli_subprocess.ts";

const SIM = [
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-env=INIT_CWD",
  "--allow-sys=cpus",
  "sim/cli/cli.ts",
];

let results: Promise<string> | undefined;

/**
 * A folder holding the CSVs and manifest of the 480-run sweep (simulated on first call,
 * removed when the test file's isolate exits). Callers render reports into copies of it.
 */
export function sweep480Results(): Promise<string> {
  results ??= (async () => {
    const tmp = Deno.makeTempDirSync({ prefix: "evtchn-sweep480-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(tmp, { recursive: true }));
    const out = `${tmp}/results`;
    const r = await runCli(SIM, tmp, [
      "run",
      new URL("../../bench/inputs/sweep480.json", import.meta.url).pathname,
      "--out",
      out,
      "--quiet",
      "--no-report",
    ]);
    if (r.code !== 0) throw new Error(`sweep480 failed (${r.code}):\n${r.stderr}`);
    return out;
  })();
  return results;
}

/** A fresh copy of the sweep's results (CSVs and manifest) in a new temporary folder. */
export async function sweep480Copy(): Promise<string> {
  const src = await sweep480Results();
  const dir = Deno.makeTempDirSync({ prefix: "evtchn-report480-" });
  for (const f of ["summary.csv", "groups.csv", "priorities.csv", "manifest.json"]) {
    Deno.copyFileSync(`${src}/${f}`, `${dir}/${f}`);
  }
  return dir;
}
