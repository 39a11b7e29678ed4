// Helpers shared by the host tests.
import { HostSimulation } from "../../../sim/host/host.ts";
import type { Scenario } from "../../../sim/scenario/scenario.ts";
import { createAbi } from "../../../models/registry.ts";
import type { Costs } from "../../../models/costs.ts";

/** A host simulation of `s` under `abi` (seed from the scenario, replication 0), not started. */
export function sim(
  s: Scenario,
  abi: string,
  costs: Costs,
  stopIssuingNs?: number,
): HostSimulation {
  return new HostSimulation(s, abi, {
    seed: s.seed,
    replication: 0,
    costs,
    factory: (o) => createAbi(abi, o),
    ...(stopIssuingNs !== undefined ? { stopIssuingNs } : {}),
  });
}
