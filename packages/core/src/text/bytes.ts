/**
 * A copy of `b[start..end)` as a plain Uint8Array. Not `b.slice()`: callers hand over Node Buffers,
 * whose `slice` is a view, so a kept "copy" would change when the caller reuses its buffer and
 * would keep the caller's whole chunk alive.
 */
export function copyBytes(b: Uint8Array, start = 0, end = b.length): Uint8Array {
  return new Uint8Array(b.subarray(start, end));
}
