/**
 * Branch ids shared by every file of every report: formats name branch outcomes with small numbers
 * (coverage.py arcs `12`, Coveralls `block,branch` `0,1`), and a fresh string per outcome was tens
 * of megabytes of a 5M-line report. The same few thousand strings, made once, do.
 */
const INT_MIN = -4096;
const INT_MAX = 65536;
const ints: (string | undefined)[] = [];
const PAIR_A = 4096;
const PAIR_B = 256;
const pairs: (string | undefined)[] = [];

/** `String(n)`, shared for small integers. */
export function intId(n: number): string {
  if (n >= INT_MIN && n < INT_MAX && (n | 0) === n) {
    const k = n - INT_MIN;
    return (ints[k] ??= String(n));
  }
  return String(n);
}

/** `${a},${b}`, shared for small non-negative integers. */
export function pairId(a: number | string, b: number | string): string {
  if (typeof a === 'number' && typeof b === 'number' && a >= 0 && a < PAIR_A && b >= 0 && b < PAIR_B && (a | 0) === a && (b | 0) === b) {
    const k = a * PAIR_B + b;
    return (pairs[k] ??= `${a},${b}`);
  }
  return `${a},${b}`;
}
