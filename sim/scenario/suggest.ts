/**
 * "Did you mean" suggestions: the nearest of a list of known words.
 *
 * @module
 */

/** Levenshtein distance, for suggestions. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/**
 * The candidate nearest to `word` (edit distance), or undefined when none is
 * close enough to be what was meant.
 *
 * @example
 * ```ts
 * import { nearest } from "./suggest.ts";
 * console.log(nearest("fifo:drian", ["fifo", "fifo:drain"])); // "fifo:drain"
 * ```
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const key = word;
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of candidates) {
    const dd = distance(key, k);
    if (dd < bestD) {
      bestD = dd;
      best = k;
    }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}
