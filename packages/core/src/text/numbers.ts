/**
 * Parses a non-negative decimal integer from s[start, end). Returns -1 when the text is not one (empty,
 * sign, fraction, other characters). Hand-written because it runs once per record on the hot path of
 * every line-oriented parser and Number() would accept "0x10", " 1", "1e3" and "".
 */
export function parseUint(s: string, start = 0, end = s.length): number {
  if (start >= end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Like parseUint, but also accepts a decimal fraction or exponent (some producers write hit counts
 * such as "1.0" or "1e+20"); returns -1 for anything else, including negatives and NaN.
 */
export function parseCount(s: string, start = 0, end = s.length): number {
  const n = parseUint(s, start, end);
  if (n >= 0) return n;
  const text = s.slice(start, end);
  if (!/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return -1;
  const v = Number(text);
  return Number.isFinite(v) ? v : Number.MAX_VALUE;
}
