import type { FileCoverageBuilder } from '../../model/file-builder.js';
import { pairId } from '../../model/id-strings.js';
import { grownFloat64 } from '../../model/typed-grow.js';

/** Lines past which the per-line array is not grown (a hostile line number): a Map takes over. */
const SCRATCH_MAX_LINES = 1 << 20;

/**
 * Per-parse working memory, reused file after file by both readers (the byte reader and the general
 * one): the largest statement count per line (istanbul's line coverage; indexed by line, -1 = no
 * statement yet) and the lines touched in the current file.
 */
export class IstanbulScratch {
  private lineMax: Float64Array = new Float64Array(1024).fill(-1);
  private touched: Int32Array = new Int32Array(256);
  private hits: Float64Array = new Float64Array(256);
  private nTouched = 0;
  private ascending = true;
  private far: Map<number, number> | null = null;

  constructor(readonly maxHits: number) {}

  /**
   * Counts statement `n` on `line` towards the line's count (the largest). `line` must be one the
   * builder accepted (an integer >= 1 within the limit) and `n >= 0`.
   */
  statementLine(line: number, n: number): void {
    let lineMax = this.lineMax;
    if (line >= lineMax.length) {
      if (line >= SCRATCH_MAX_LINES) {
        this.far ??= new Map();
        const prev = this.far.get(line);
        if (prev === undefined || n > prev) this.far.set(line, n);
        return;
      }
      lineMax = this.lineMax = grow(lineMax, line + 1);
    }
    const prev = lineMax[line]!;
    if (prev < 0) {
      let touched = this.touched;
      const k = this.nTouched;
      if (k === touched.length) {
        const next = new Int32Array(k * 2);
        next.set(touched);
        touched = this.touched = next;
      }
      if (k > 0 && line < touched[k - 1]!) this.ascending = false;
      touched[k] = line;
      this.nTouched = k + 1;
      lineMax[line] = n;
    } else if (n > prev) lineMax[line] = n;
  }

  /** Hands the file's lines to the builder in ascending order and resets for the next file. */
  emitLines(file: FileCoverageBuilder): void {
    const nTouched = this.nTouched;
    const far = this.far;
    const total = nTouched + (far?.size ?? 0);
    this.nTouched = 0;
    this.far = null;
    const ascending = this.ascending;
    this.ascending = true;
    if (total === 0) return;
    let lines = this.touched;
    if (!ascending) lines.subarray(0, nTouched).sort();
    if (far !== null) {
      // Lines past the per-line array all come after its lines.
      if (lines.length < total) {
        const next = new Int32Array(total);
        next.set(lines.subarray(0, nTouched));
        lines = this.touched = next;
      }
      let k = nTouched;
      for (const line of far.keys()) lines[k++] = line;
      lines.subarray(nTouched, total).sort();
    }
    if (this.hits.length < total) this.hits = new Float64Array(Math.max(total, this.hits.length * 2));
    const hits = this.hits;
    const lineMax = this.lineMax;
    // The builder already warned about a clamped statement count; clamp here so it does not warn twice.
    const maxHits = this.maxHits;
    for (let k = 0; k < total; k++) {
      const line = lines[k]!;
      let n: number;
      if (k < nTouched) {
        n = lineMax[line]!;
        lineMax[line] = -1;
      } else n = far!.get(line)!;
      hits[k] = n > maxHits ? maxHits : n;
    }
    file.addLines(lines, hits, total);
  }

  /** The id "k,i" of outcome i of branch k; shared strings (model/id-strings.ts) for istanbul's numeric keys. */
  branchId(k: string, i: number): string {
    const n = decimalKey(k);
    return n >= 0 ? pairId(n, i) : `${k},${i}`;
  }
}

/** The value of a key written as a decimal integer of at most 4 digits without leading zeros, else -1. */
function decimalKey(k: string): number {
  const len = k.length;
  if (len === 0 || len > 4 || (len > 1 && k.charCodeAt(0) === 48)) return -1;
  let n = 0;
  for (let j = 0; j < len; j++) {
    const d = k.charCodeAt(j) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** A copy of `a` at least `size` long, the new part -1 (no statement). */
function grow(a: Float64Array, size: number): Float64Array {
  return grownFloat64(a, Math.min(Math.max(size, a.length * 2), SCRATCH_MAX_LINES), -1);
}
