/**
 * Copies of typed columns with more room, for the parsers' and builders' scratch columns that
 * grow by doubling (GrowableInt32/Float64 in growable.ts wrap the same for push-only columns).
 */

/** A copy of `a`, `size` long (never shorter than `a`); the new slots hold `fill`. */
export function grownInt32(a: Int32Array, size: number, fill = 0): Int32Array<ArrayBuffer> {
  const next = new Int32Array(Math.max(size, a.length));
  next.set(a);
  if (fill !== 0) next.fill(fill, a.length);
  return next;
}

/** The same for a Float64Array. */
export function grownFloat64(a: Float64Array, size: number, fill = 0): Float64Array<ArrayBuffer> {
  const next = new Float64Array(Math.max(size, a.length));
  next.set(a);
  if (fill !== 0) next.fill(fill, a.length);
  return next;
}
