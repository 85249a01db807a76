/**
 * Append-only typed arrays. Parsers push millions of records; typed columns keep that fast and
 * memory-bounded (12 bytes a line instead of an object or Map entry each).
 */
// Shared zero-length buffers: a builder per file creates several growables, most of which stay
// empty, and allocating a typed array each time showed up in profiles.
const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);

export class GrowableInt32 {
  data: Int32Array;
  length = 0;
  /** No allocation until the first push: most files have no branches or statements. */
  constructor(capacity = 0) {
    this.data = capacity === 0 ? EMPTY_I32 : new Int32Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(Math.max(16, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  /** Makes room for `extra` more values with at most one reallocation. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    const next = new Int32Array(Math.max(need, this.data.length * 2));
    next.set(this.length === this.data.length ? this.data : this.data.subarray(0, this.length));
    this.data = next;
  }
  /** The values; no copy when the buffer is exactly full. */
  toArray(): Int32Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
  /** Replaces the content (used when a builder compacts its records). */
  reset(values: Int32Array): void {
    this.data = new Int32Array(Math.max(16, values.length * 2));
    this.data.set(values);
    this.length = values.length;
  }
}

export class GrowableFloat64 {
  data: Float64Array;
  length = 0;
  constructor(capacity = 0) {
    this.data = capacity === 0 ? EMPTY_F64 : new Float64Array(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(Math.max(16, this.data.length * 2));
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  /** Makes room for `extra` more values with at most one reallocation. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.data.length) return;
    const next = new Float64Array(Math.max(need, this.data.length * 2));
    next.set(this.length === this.data.length ? this.data : this.data.subarray(0, this.length));
    this.data = next;
  }
  /** The values; no copy when the buffer is exactly full. */
  toArray(): Float64Array {
    return this.length === this.data.length ? this.data : this.data.slice(0, this.length);
  }
  /** Replaces the content (used when a builder compacts its records). */
  reset(values: Float64Array): void {
    this.data = new Float64Array(Math.max(16, values.length * 2));
    this.data.set(values);
    this.length = values.length;
  }
}

const OBJECTS: unknown[] = [{}];

/**
 * An empty array that holds objects from the start. A fresh `[]` holds small integers until its first
 * object is pushed, and that change of elements kind deoptimized code compiled for an earlier parser
 * (once per report) when each parser starts with a fresh array.
 */
export function objectArray<T extends object>(): T[] {
  return OBJECTS.slice(0, 0) as T[];
}
