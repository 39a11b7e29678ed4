/**
 * Bit helpers over `Uint32Array` words, shared by the bitmap ABIs (2-level,
 * 3-level) and the FIFO model.
 *
 * The ABIs use `xen_ulong_t` words (64 bits on 64-bit guests, 32 on 32-bit
 * x86). We store them as little-endian `Uint32` halves, so ABI bit `b` is
 * always `Uint32` word `b >>> 5`, bit `b & 31`, and an ABI word of `w` bits
 * starting at bit `i * w` is `w / 32` consecutive `Uint32` words. None of the
 * helpers allocates.
 *
 * @module
 */

/**
 * Index of the lowest set bit of a 32-bit value, or -1 when it is 0 (tzcnt).
 *
 * @example
 * ```ts
 * import { lowestBit } from "./bitmap.ts";
 * console.log(lowestBit(0b1000)); // 3
 * ```
 */
export function lowestBit(x: number): number {
  return x === 0 ? -1 : 31 - Math.clz32(x & -x);
}

/**
 * Index of the highest set bit of a 32-bit value, or -1 when it is 0 (bsr).
 *
 * @example
 * ```ts
 * import { highestBit } from "./bitmap.ts";
 * console.log(highestBit(0b1010)); // 3
 * ```
 */
export function highestBit(x: number): number {
  return x === 0 ? -1 : 31 - Math.clz32(x);
}

/**
 * Whether bit `bit` of the bitmap starting at `Uint32` index `base` is set.
 *
 * @example
 * ```ts
 * import { testBit } from "./bitmap.ts";
 * console.log(testBit(Uint32Array.of(0, 2), 0, 33)); // true
 * ```
 */
export function testBit(a: Uint32Array, base: number, bit: number): boolean {
  return (a[base + (bit >>> 5)] & (1 << (bit & 31))) !== 0;
}

/**
 * Set bit `bit`; returns whether it was already set (test_and_set_bit).
 *
 * @example
 * ```ts
 * import { testAndSet } from "./bitmap.ts";
 * const a = new Uint32Array(2);
 * console.log(testAndSet(a, 0, 40), testAndSet(a, 0, 40)); // false true
 * ```
 */
export function testAndSet(a: Uint32Array, base: number, bit: number): boolean {
  const i = base + (bit >>> 5);
  const m = 1 << (bit & 31);
  const old = a[i];
  a[i] = old | m;
  return (old & m) !== 0;
}

/**
 * Clear bit `bit`; returns whether it was set (test_and_clear_bit).
 *
 * @example
 * ```ts
 * import { testAndClear } from "./bitmap.ts";
 * const a = Uint32Array.of(1);
 * console.log(testAndClear(a, 0, 0), a[0]); // true 0
 * ```
 */
export function testAndClear(a: Uint32Array, base: number, bit: number): boolean {
  const i = base + (bit >>> 5);
  const m = 1 << (bit & 31);
  const old = a[i];
  a[i] = old & ~m;
  return (old & m) !== 0;
}

/**
 * The first set bit at or after `from` in the `nbits`-bit field (a multiple
 * of 32) starting at `Uint32` index `base`, or -1 (find_next_bit over one
 * ABI word when `nbits` is the word size). Also returns -1 when `from >= nbits`.
 *
 * @example
 * ```ts
 * import { findFrom } from "./bitmap.ts";
 * console.log(findFrom(Uint32Array.of(0b101, 1), 0, 64, 1)); // 2
 * console.log(findFrom(Uint32Array.of(0b101, 1), 0, 64, 3)); // 32
 * ```
 */
export function findFrom(a: Uint32Array, base: number, nbits: number, from: number): number {
  if (from >= nbits) return -1;
  let h = from >>> 5;
  const n = nbits >>> 5;
  // MASK_LSBS(w, from): drop the bits below `from` in the first half.
  let x = a[base + h] & (-1 << (from & 31));
  for (;;) {
    if (x !== 0) return (h << 5) + 31 - Math.clz32(x & -x);
    if (++h >= n) return -1;
    x = a[base + h];
  }
}

/**
 * Whether all `n` `Uint32` words from `base` are zero.
 *
 * @example
 * ```ts
 * import { isZero } from "./bitmap.ts";
 * console.log(isZero(Uint32Array.of(0, 0, 4), 0, 2)); // true
 * ```
 */
export function isZero(a: Uint32Array, base: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[base + i] !== 0) return false;
  return true;
}

/**
 * Exchange `n` words with zero (xchg of a selector or READY word): copies
 * `src[srcBase..]` into `dst[dstBase..]` and clears the source.
 *
 * @example
 * ```ts
 * import { xchgZero } from "./bitmap.ts";
 * const sel = Uint32Array.of(5, 1);
 * const snap = new Uint32Array(2);
 * xchgZero(sel, 0, snap, 0, 2);
 * console.log(snap[0], sel[0]); // 5 0
 * ```
 */
export function xchgZero(
  src: Uint32Array,
  srcBase: number,
  dst: Uint32Array,
  dstBase: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    dst[dstBase + i] = src[srcBase + i];
    src[srcBase + i] = 0;
  }
}

/** Cache-line owner: nobody touched the line yet (no transfer cost). */
export const LINE_NONE = 0;
/** Cache-line owner: Xen (another pCPU) wrote it last; the guest's next touch misses. */
export const LINE_XEN = 1;
/** Cache-line owner: the guest wrote or read it last; Xen's next write pulls it back. */
export const LINE_GUEST = 2;
