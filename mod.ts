/**
 * evtchn-sim: a discrete-event performance simulator of Xen's event-channel
 * ABIs (2-level, 3-level and FIFO-based) under synthetic guest workloads.
 *
 * The library runs scenarios (see `scenarios/` and the README's scenario
 * reference) and returns result rows; the `sim` command wraps it.
 *
 * @example
 * ```ts
 * import { executeRun, createAbi, parseScenario } from "./mod.ts";
 * const scenario = parseScenario({
 *   name: "tiny",
 *   abis: ["2l", "fifo"],
 *   duration_ms: 5,
 *   groups: [{ name: "net", ports: 64,
 *     arrival: { kind: "poisson", rate_per_s: 200000 },
 *     service: { kind: "exp", mean_ns: 2000 } }],
 * }, "inline");
 * const result = executeRun(
 *   { index: 0, id: "tiny", scenario, abi: "fifo", replication: 0, seed: 1, point: 0, params: {} },
 *   (options) => createAbi("fifo", options),
 * );
 * console.log(result.summary.lat_p99_ns);
 * ```
 *
 * A design of your own implements {@linkcode EventChannelAbi} and is named
 * by module path in a scenario's `abis` (see `examples/`).
 *
 * The hypercall layer, {@linkcode Domain}, applies a domain's event-channel
 * hypercalls to any model with Xen's rules and errnos, so a model (or a
 * design of your own) can be tested the way XTF tests Xen:
 *
 * @example
 * ```ts
 * import { Domain, EINVAL, EOPNOTSUPP, FifoAbi, DEFAULT_COSTS } from "./mod.ts";
 * // XTF tests/xsa-188: a failed init_control must not leave FIFO half set up.
 * const d = new Domain(new FifoAbi({ vcpus: 1, wordBits: 64, costs: DEFAULT_COSTS }));
 * console.log(d.initControl(0, 0, false) === -EINVAL); // true: bad control gfn
 * console.log(d.expandArray() === -EOPNOTSUPP); // true
 * ```
 *
 * @module
 */

export * from "./models/abi.ts";
export {
  COST_FIELDS,
  COST_RANGES,
  type CostRange,
  type Costs,
  DEFAULT_COSTS,
  resolveCosts,
  ZERO_COSTS,
} from "./models/costs.ts";
export { ABI_IDS, createAbi, isModulePath, loadAbiFactory } from "./models/registry.ts";
export { TwoLevelAbi } from "./models/two_level.ts";
export { ThreeLevelAbi } from "./models/three_level.ts";
export { FifoAbi } from "./models/fifo.ts";
export { Domain, type DomainOptions } from "./models/hypercalls.ts";
export { Engine, type EventHandler, EventLimitError } from "./sim/engine/engine.ts";
export { deriveSeed, Distribution, RandomStream } from "./sim/engine/random.ts";
export { InputError } from "./sim/io/errors.ts";
export {
  loadInput,
  parseScenario,
  type Scenario,
  ScenarioSchema,
} from "./sim/scenario/scenario.ts";
export { executeRun, type Run, runOne, type RunOptions, type RunResult } from "./sim/run/run.ts";
export { type HostRunOptions, HostSimulation } from "./sim/host/host.ts";
export { type HostFigures, hostFigures, runHost } from "./sim/host/run_host.ts";
export { allocateHost, guestPortCost, type HostLayout } from "./sim/host/ports.ts";
export { expandPlan, type Plan, type PlanOverrides } from "./sim/sweep/plan.ts";
export { writeResults } from "./sim/sweep/results.ts";
export { Metrics, type Row } from "./sim/run/metrics.ts";
export { type Objective, parseObjective } from "./sim/sweep/capacity_objective.ts";
export { CapacitySearch, type SearchAnswer } from "./sim/sweep/capacity_search.ts";
export { classifyLimit, type Limit } from "./sim/sweep/capacity_limit.ts";
