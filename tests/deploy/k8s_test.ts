/**
 * The Kubernetes manifests of deploy/k8s/ (README: Running a sweep on a cluster), checked
 * without a cluster: they parse, name what an Indexed Job needs, agree with each other, and
 * their shell commands, run here as the pods would run them, give the unsharded sweep's CSVs.
 */
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";

const ROOT = new URL("../../", import.meta.url).pathname;
const K8S = `${ROOT}deploy/k8s`;

// deno-lint-ignore no-explicit-any
type Doc = any;

/** The one YAML document of a manifest file; fails on a YAML error or warning. */
function manifest(file: string): Doc {
  const docs = parseAllDocuments(Deno.readTextFileSync(`${K8S}/${file}`));
  assert.ok(Array.isArray(docs), `${file}: expected YAML documents`);
  assert.equal(docs.length, 1, `${file}: expected one document`);
  for (const d of docs) {
    assert.deepEqual(d.errors.map((e) => e.message), [], `${file}: YAML errors`);
    assert.deepEqual(d.warnings.map((e) => e.message), [], `${file}: YAML warnings`);
  }
  return docs[0].toJS();
}

/** The single container of a Job's pod template. */
function container(job: Doc): Doc {
  assert.equal(job.spec.template.spec.containers.length, 1);
  return job.spec.template.spec.containers[0];
}

/** The container's environment as a record (values must be strings, as Kubernetes requires). */
function env(job: Doc): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of container(job).env) {
    assert.equal(typeof e.value, "string", `env ${e.name}: Kubernetes wants a string value`);
    out[e.name] = e.value;
  }
  return out;
}

/** The shell script a container runs (`command: [sh, -c]`, one argument). */
function script(job: Doc): string {
  const c = container(job);
  assert.deepEqual(c.command, ["sh", "-c"]);
  assert.equal(c.args.length, 1);
  return c.args[0];
}

/** The claim behind the volume mounted at the folder holding OUT. */
function claimOf(job: Doc): string {
  const c = container(job);
  const out = env(job).OUT;
  const mount = c.volumeMounts.find((m: Doc) => out.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `OUT=${out} is on no mounted volume`);
  const volume = job.spec.template.spec.volumes.find((v: Doc) => v.name === mount.name);
  assert.ok(volume?.persistentVolumeClaim?.claimName, `volume ${mount.name}: expected a claim`);
  return volume.persistentVolumeClaim.claimName;
}

const sweepJob = manifest("sweep-job.yaml");
const mergeJob = manifest("merge-job.yaml");
const pvc = manifest("results-pvc.yaml");

Deno.test("the sweep Job is an Indexed Job with one completion per shard", () => {
  assert.equal(sweepJob.apiVersion, "batch/v1");
  assert.equal(sweepJob.kind, "Job");
  const spec = sweepJob.spec;
  assert.equal(spec.completionMode, "Indexed");
  assert.ok(Number.isInteger(spec.completions) && spec.completions >= 1);
  assert.ok(Number.isInteger(spec.parallelism) && spec.parallelism >= 1);
  assert.ok(spec.parallelism <= spec.completions);
  assert.equal(env(sweepJob).SHARDS, String(spec.completions), "SHARDS must equal completions");
  assert.ok(["OnFailure", "Never"].includes(spec.template.spec.restartPolicy));
});

Deno.test("each pod runs the shard its completion index names, into its own folder, resumable", () => {
  const s = script(sweepJob);
  assert.match(s, /deno task sim sweep "\$SWEEP"/);
  assert.match(s, /--shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)\/\$SHARDS"/);
  assert.match(s, /--out "\$OUT\/shard-\$JOB_COMPLETION_INDEX"/);
  assert.match(s, /--resume/);
});

Deno.test("the merge Job reads the same shards from the same shared volume", () => {
  assert.equal(mergeJob.apiVersion, "batch/v1");
  assert.equal(mergeJob.kind, "Job");
  assert.equal(mergeJob.spec.completionMode, undefined);
  assert.equal(env(mergeJob).OUT, env(sweepJob).OUT);
  assert.equal(env(mergeJob).SHARDS, env(sweepJob).SHARDS);
  assert.equal(container(mergeJob).image, container(sweepJob).image);
  assert.equal(pvc.kind, "PersistentVolumeClaim");
  assert.deepEqual(pvc.spec.accessModes, ["ReadWriteMany"]);
  assert.equal(claimOf(sweepJob), pvc.metadata.name);
  assert.equal(claimOf(mergeJob), pvc.metadata.name);
  const s = script(mergeJob);
  assert.match(s, /deno task sim merge .* --out "\$OUT\/all"/);
  assert.match(s, /deno task sim report "\$OUT\/all"/);
});

/** Run a manifest's script as its pod would (`sh -c`), in this repository instead of /app. */
async function runPod(job: Doc, vars: Record<string, string>): Promise<void> {
  const denoDir = Deno.execPath().replace(/\/[^/]*$/, "");
  const { code, stderr } = await new Deno.Command("sh", {
    args: ["-c", script(job)],
    cwd: ROOT,
    env: { ...env(job), ...vars, PATH: `${denoDir}:${Deno.env.get("PATH") ?? ""}` },
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
}

Deno.test("the Jobs' commands, run as their pods would, merge to the unsharded sweep's CSVs", async () => {
  const dir = Deno.makeTempDirSync();
  const sweep = `${dir}/tiny.json`;
  Deno.writeTextFileSync(
    sweep,
    JSON.stringify({
      base: {
        name: "k8s-tiny",
        abis: ["2l", "fifo"],
        duration_ms: 2,
        replications: 2,
        seed: 3,
        groups: [{
          name: "net",
          ports: 16,
          arrival: { kind: "poisson", rate_per_s: 200000 },
          service: { kind: "exp", mean_ns: 1500 },
        }],
      },
      grid: { "guest.vcpus": [1, 2, 4] },
    }),
  );
  const vars = { SWEEP: sweep, OUT: `${dir}/out`, SHARDS: "3", WORKERS: "1" };
  await Promise.all(
    ["0", "1", "2"].map((i) => runPod(sweepJob, { ...vars, JOB_COMPLETION_INDEX: i })),
  );
  await runPod(mergeJob, vars);
  const whole = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "sim", "sweep", sweep, "--out", `${dir}/whole`, "--quiet", "--no-report"],
    cwd: ROOT,
    stdout: "null",
    stderr: "inherit",
  }).output();
  assert.equal(whole.code, 0);
  const csvs = (d: string) =>
    [...Deno.readDirSync(d)].map((e) => e.name).filter((n) => n.endsWith(".csv")).sort();
  assert.deepEqual(csvs(`${dir}/out/all`), csvs(`${dir}/whole`));
  assert.ok(csvs(`${dir}/whole`).includes("summary.csv"));
  for (const f of csvs(`${dir}/whole`)) {
    assert.equal(
      Deno.readTextFileSync(`${dir}/out/all/${f}`),
      Deno.readTextFileSync(`${dir}/whole/${f}`),
      `${f} of the merged shards differs from the unsharded sweep`,
    );
  }
  for (const f of ["report.md", "report.html"]) {
    assert.ok(Deno.statSync(`${dir}/out/all/${f}`).size > 0, `no ${f}`);
  }
  Deno.removeSync(dir, { recursive: true });
});
