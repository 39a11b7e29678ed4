/**
 * Bounded runs and sandboxed designs, as the command line states them:
 * refuse work estimated beyond the budget (naming the estimate and the flag
 * that raises it), and list the design modules that will run sandboxed.
 *
 * @module
 */

import { InputError } from "../io/errors.ts";
import type { Run } from "../run/run.ts";
import type { Scenario } from "../scenario/scenario.ts";
import {
  estimateRun,
  formatBytes,
  formatCount,
  MAX_RUNS,
  type WorkEstimate,
} from "../scenario/estimate.ts";
import { tracesOf } from "../scenario/trace_file.ts";
import { designTree } from "../../models/registry.ts";
import { notFoundText } from "../io/paths.ts";
import { formatDuration } from "../sweep/progress.ts";

/** The budget of one command. */
export interface WorkBudget {
  /** Simulated events of all runs together. */
  events: number;
  /** Set-up memory of one run, in bytes. */
  bytes: number;
}

/** Events per second one core simulates, roughly (README: Performance), for the time estimate. */
const EVENTS_PER_SECOND = 1e6;

function estimateOf(run: Run): WorkEstimate {
  const entries = tracesOf(run.scenario.groups).reduce((n, [, t]) => n + t.time.length, 0);
  return estimateRun(run.scenario, entries);
}

function roundUp(x: number): string {
  const e = Math.floor(Math.log10(x));
  return `${Math.ceil(x / 10 ** (e - 1)) / 10}e${e}`;
}

/**
 * Check the work of a sweep against `budget` before anything runs. Given a
 * run `count` (from the grid's lists, not expanded), the base scenario's
 * estimate stands for every run; given the `runs`, each is estimated.
 * Returns the estimate, with a one-line description; throws InputError
 * beyond the budget. `parallel`: runs executed at once (for the time estimate).
 *
 * @example
 * ```ts
 * import { checkBudget } from "./budget.ts";
 * console.log(checkBudget({ runs: [] }, { events: 1e9, bytes: 1e9 }, 1).events); // 0
 * ```
 */
export function checkBudget(
  work: { count: { runs: number; base: Scenario } } | { runs: readonly Run[] },
  budget: WorkBudget,
  parallel: number,
): { events: number; bytes: number; text: string } {
  let events = 0, bytes = 0, runs: number, biggest = 0;
  if ("count" in work) {
    runs = work.count.runs;
    if (runs > MAX_RUNS) {
      throw new InputError(
        `this sweep expands to ${formatCount(runs)} runs, more than the ${formatCount(MAX_RUNS)} ` +
          `one sweep may hold; cut the grid, or split it into several sweep files`,
      );
    }
    const e = estimateRun(work.count.base);
    events = e.events * runs;
    bytes = e.bytes;
    biggest = e.events;
  } else {
    runs = work.runs.length;
    for (const r of work.runs) {
      const e = estimateOf(r);
      events += e.events;
      bytes = Math.max(bytes, e.bytes);
      biggest = Math.max(biggest, e.events);
    }
  }
  if (!(events <= budget.events)) {
    const time = formatDuration(events / (EVENTS_PER_SECOND * Math.max(1, parallel)));
    throw new InputError(
      `refusing to start: about ${formatCount(events)} simulated events ` +
        `(${runs} run${runs === 1 ? "" : "s"}, the largest ${formatCount(biggest)}; ` +
        `${time} at ${formatCount(EVENTS_PER_SECOND)} events/s per core), ` +
        `over the budget of ${formatCount(budget.events)} events. ` +
        (Number.isFinite(events)
          ? `Check the rates, periods and durations; if you mean it, add --budget ${
            roundUp(events)
          }`
          : `Simulated time would stand still: check the rates, periods and slices`),
    );
  }
  if (!(bytes <= budget.bytes)) {
    throw new InputError(
      `refusing to start: a run would need about ${formatBytes(bytes)} of memory to set up ` +
        `(bound ports x VCPUs), over the budget of ${formatBytes(budget.bytes)}. ` +
        `Check ports, "vcpu": "each" and guest.vcpus; if you mean it, add --budget-mb ${
          Math.ceil(bytes / 2 ** 20)
        }`,
    );
  }
  const text = `about ${formatCount(events)} events, at most ${formatBytes(bytes)} per run`;
  return { events, bytes, text };
}

/**
 * The design modules `runs` will import, one line each, saying that they
 * run sandboxed and what they may read; throws InputError for a module that
 * does not exist (so `validate` fails on it, before anything runs).
 *
 * @example
 * ```ts
 * import { checkDesigns } from "./budget.ts";
 * console.log(checkDesigns([])); // []
 * ```
 */
export function checkDesigns(runs: readonly Run[]): string[] {
  const seen = new Map<string, string>();
  for (const r of runs) if (r.module !== undefined) seen.set(r.module, r.abi);
  const lines: string[] = [];
  for (const [url, name] of seen) {
    const path = decodeURIComponent(new URL(url).pathname);
    let ok = false;
    try {
      ok = Deno.statSync(path).isFile;
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
    }
    if (!ok) {
      const i = runs.find((r) => r.module === url)!.scenario.abis.indexOf(name);
      throw new InputError(`${notFoundText(name, path, `abis.${i}`)} (a design module)`);
    }
    lines.push(
      `design module ${name} runs sandboxed in a process of its own: it may read its vetted ` +
        `files from ${designTree(url)}/ and nothing else (no write, net, env, run, ffi or sys)`,
    );
  }
  return lines;
}
