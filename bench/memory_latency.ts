/**
 * The machine's memory latency by working-set size: a chain of dependent
 * loads, one per 64-byte cache line, through a random cyclic permutation of
 * the lines of a buffer. Each load's address comes from the previous load,
 * so nothing overlaps: the time per load is the latency of the level of the
 * cache hierarchy (and TLB) the buffer fits in. It says what a host's
 * per-guest state costs once it no longer fits (docs/explanation/host.md,
 * "Since: where a cold guest's time goes").
 *
 * `deno task bench:memory [KiB,KiB,...]`
 *
 * @module
 */

/** Bytes of a cache line. */
const LINE = 64;

/**
 * Nanoseconds per dependent load over a buffer of `kib` KiB, after one
 * untimed pass through the chain; `random` draws the permutation
 * (`Math.random` by default: the order does not matter, only that it
 * defeats the prefetchers).
 *
 * @example
 * ```ts
 * import { loadLatencyNs } from "./memory_latency.ts";
 * console.log(loadLatencyNs(16, 1e5) > 0); // true
 * ```
 */
export function loadLatencyNs(
  kib: number,
  loads = 2e6,
  random: () => number = Math.random,
): number {
  const lines = Math.max(2, Math.floor(kib * 1024 / LINE));
  const stride = LINE / 4;
  const chain = new Int32Array(lines * stride);
  const order = new Int32Array(lines);
  for (let i = 0; i < lines; i++) order[i] = i;
  for (let i = lines - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const x = order[i];
    order[i] = order[j];
    order[j] = x;
  }
  for (let i = 0; i < lines; i++) chain[order[i] * stride] = order[(i + 1) % lines] * stride;
  let p = 0;
  for (let i = 0; i < loads; i++) p = chain[p];
  const t0 = performance.now();
  for (let i = 0; i < loads; i++) p = chain[p];
  const ns = (performance.now() - t0) * 1e6 / loads;
  // Use the chain's end so that the loop cannot be dropped.
  return p >= 0 ? ns : -ns;
}

if (import.meta.main) {
  const sizes = (Deno.args[0] ?? "16,256,1024,2048,4096,6144,8192,16384,65536")
    .split(",").map(Number);
  for (const kib of sizes) {
    console.log(`${kib} KiB: ${loadLatencyNs(kib).toFixed(1)} ns per dependent load`);
  }
}
