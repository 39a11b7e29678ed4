import assert from "node:assert/strict";
import { main } from "../../../sim/cli/cli.ts";

function scenario(dir: string, costs: unknown): string {
  const s = {
    name: "robust-input",
    duration_ms: 1,
    costs,
    groups: [{
      name: "a",
      ports: 1,
      vcpu: 0,
      arrival: { kind: "periodic", period_us: 100 },
      service: { kind: "const", ns: 100 },
    }],
  };
  const path = `${dir}/s.json`;
  Deno.writeTextFileSync(path, JSON.stringify(s));
  return path;
}

Deno.test("--robust with a bad number or nothing to vary is refused with status 2, writing nothing", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    const file = scenario(dir, "default");
    for (const n of ["1", "x", "-3"]) {
      const code = await main(["run", file, "--out", `${dir}/out`, "--robust", n, "--quiet"]);
      assert.equal(code, 2, `--robust ${n}`);
    }
    const zero = scenario(dir, "zero"); // every field held: set by the scenario's preset
    assert.equal(await main(["run", zero, "--out", `${dir}/out`, "--robust", "--quiet"]), 2);
    assert.throws(() => Deno.statSync(`${dir}/out`), Deno.errors.NotFound);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
