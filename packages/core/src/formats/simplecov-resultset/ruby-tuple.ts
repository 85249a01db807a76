/**
 * Reads the Ruby-inspect array strings that JSON turns Ruby's Coverage keys into:
 * branch conditions and arms `[:if, 0, 12, 4, 12, 20]`, `[:"&.", 3, 71, 28, 71, 52]`
 * (type, id, start line, start column, end line, end column) and methods
 * `[Mustache, :render, 12, 2, 20, 5]` (class, method, lines and columns).
 *
 * Only the trailing integers and the leading words are needed, so the string is scanned from the
 * right with indexOf/charCodeAt (no regex, no eval, no general Ruby parser): the integers never contain
 * a comma, while a symbol or class name in front might (`:"a,b"`).
 */

/** Parses a possibly negative decimal integer in s[start, end), spaces around it allowed; NaN if not one. */
function parseInt32(s: string, start: number, end: number): number {
  while (start < end && s.charCodeAt(start) === 32) start++;
  while (end > start && s.charCodeAt(end - 1) === 32) end--;
  let neg = false;
  if (start < end && s.charCodeAt(start) === 45 /* - */) {
    neg = true;
    start++;
  }
  // More than 15 digits cannot be a line or column (and would lose precision).
  if (start >= end || end - start > 15) return NaN;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

/**
 * Reads the last `count` integers of `[a, b, ..., n1, n2]` into `out[0..count)` and returns the index
 * of the comma before the first of them (the leading elements are s[1, index)), or -1 when `s` is not
 * such an array.
 */
export function tailIntegers(s: string, count: number, out: number[]): number {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  if (end < 2 || s.charCodeAt(0) !== 91 /* [ */ || s.charCodeAt(end - 1) !== 93 /* ] */) return -1;
  end--;
  for (let k = count - 1; k >= 0; k--) {
    const comma = s.lastIndexOf(',', end - 1);
    if (comma < 1) return -1;
    const v = parseInt32(s, comma + 1, end);
    if (Number.isNaN(v)) return -1;
    out[k] = v;
    end = comma;
  }
  return end;
}

/** `:if` -> `if`, `:"&."` -> `&.`, `Foo` -> `Foo`, `"Foo"` -> `Foo` (surrounding spaces dropped). */
export function rubyWord(s: string, start: number, end: number): string {
  while (start < end && s.charCodeAt(start) === 32) start++;
  while (end > start && s.charCodeAt(end - 1) === 32) end--;
  if (start < end && s.charCodeAt(start) === 58 /* : */) start++;
  if (end - start >= 2 && s.charCodeAt(start) === 34 && s.charCodeAt(end - 1) === 34) {
    start++;
    end--;
  }
  return s.slice(start, end);
}
