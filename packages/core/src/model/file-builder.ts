import { addHits, type ParseLimits } from './limits.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { FileCoverage, FunctionRecord } from './file-coverage.js';

/**
 * Pending records past which a builder merges what it holds. A hostile report can repeat the same
 * record endlessly (1 GB of `DA:1,1`); compaction keeps memory proportional to distinct records.
 * Real files stay far below it, so it costs nothing in the common case.
 */
const COMPACT_MIN = 1 << 20;
/** Bulk line handovers smaller than this go to plain arrays instead of a slab segment. */
const MIN_SEGMENT = 32;
/** Segments one file may hold before they are merged (bounds the views that pin slabs). */
const MAX_SEGMENTS = 256;

/**
 * Hands out line columns as views into large shared typed arrays ("slabs"). Parsers of reports with
 * many small files (LCOV, Go) hand each file's lines over in one call; giving each file its own
 * ArrayBuffer, or keeping the values in JS arrays, made garbage collection a third of parse time.
 * Memory: a slab lives while any view into it does, so at worst (hostile interleavings of huge,
 * later-compacted files with small ones) slabs hold as much as the input's line records (12 bytes per
 * `DA` line of at least 6 bytes): bounded by the input size, never more.
 */
export class LineSlabs {
  private lines = new Int32Array(0);
  private hits = new Float64Array(0);
  private used = 0;

  alloc(n: number): { lines: Int32Array; hits: Float64Array } {
    if (this.used + n > this.lines.length) {
      const size = Math.max(n, 1 << 16);
      this.lines = new Int32Array(size);
      this.hits = new Float64Array(size);
      this.used = 0;
    }
    const o = this.used;
    this.used += n;
    return { lines: this.lines.subarray(o, o + n), hits: this.hits.subarray(o, o + n) };
  }
}

/** A file's records after normalization, as plain columns (copied into typed arrays by the caller). */
export interface NormalizedColumns {
  readonly lines: ArrayLike<number>;
  readonly hits: ArrayLike<number>;
  readonly bLines: ArrayLike<number>;
  readonly bIds: readonly string[];
  readonly bTaken: ArrayLike<number>;
  readonly functions: FunctionRecord[] | null;
  readonly sLines: ArrayLike<number> | null;
  readonly sCols: ArrayLike<number> | null;
  readonly sHits: ArrayLike<number> | null;
}

/**
 * Accumulates one file's records in any order and with repeats (lcov repeats `SF` blocks, Go repeats
 * blocks across test binaries); `build()` sorts and merges them. Repeated records add up: hit counts
 * are execution counts, so two records of the same line mean the line ran in both (see
 * docs/coverage-semantics.md, "Merging").
 *
 * Records accumulate in plain arrays (cheap young-generation objects); typed arrays are made once,
 * at build time. Every `add*` validates its numbers against the limits and reports problems to the
 * sink with the report line `at`, returning false when the record was dropped.
 */
export class FileCoverageBuilder {
  private linesCompactAt = COMPACT_MIN;
  private branchesCompactAt = COMPACT_MIN;
  private statementsCompactAt = COMPACT_MIN;
  private functionsCompactAt = COMPACT_MIN >> 4;
  private lines: number[] = [];
  private hits: number[] = [];
  /** Line columns handed over in bulk (see LineSlabs), before the single records in `lines`. */
  private segLines: Int32Array[] = [];
  private segHits: Float64Array[] = [];
  private segCount = 0;
  private bLines: number[] = [];
  private bIds: string[] = [];
  private bTaken: number[] = [];
  private fns: FunctionRecord[] | null = null;
  private sLines: number[] | null = null;
  private sCols: number[] | null = null;
  private sHits: number[] | null = null;

  constructor(
    readonly path: string,
    private readonly limits: ParseLimits,
    private readonly sink: DiagnosticSink,
    private readonly slabs: LineSlabs = new LineSlabs(),
  ) {}

  /** Records that `line` ran `hits` times (0 = instrumented but never ran). */
  line(line: number, hits: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.lines.push(line);
    this.hits.push(h);
    if (this.lines.length + this.segCount >= this.linesCompactAt) this.compactLines();
    return true;
  }

  /**
   * Appends `n` line records from columns in one go: the fast path for parsers that collect a
   * file's lines themselves (LCOV, Go). Values are validated exactly as `line()` does; `at[i]`, when
   * given, is the report line of record i for diagnostics.
   */
  addLines(lines: ArrayLike<number>, hits: ArrayLike<number>, n: number, at?: ArrayLike<number>): void {
    const maxLine = this.limits.maxLineNumber;
    const maxHits = this.limits.maxHits;
    if (n < MIN_SEGMENT) {
      // A few lines (a repeated small SF block): a view per call would cost more than the data,
      // and thousands of them would pin slabs; plain arrays, compacted like single records.
      for (let i = 0; i < n; i++) this.line(lines[i]!, hits[i]!, at?.[i]);
      return;
    }
    const seg = this.slabs.alloc(n);
    const SL = seg.lines;
    const SH = seg.hits;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const l = lines[i]!;
      const h = hits[i]!;
      if (l >= 1 && l <= maxLine && (l | 0) === l && h >= 0 && h <= maxHits && Math.floor(h) === h) {
        SL[k] = l;
        SH[k++] = h;
      } else {
        this.line(l, h, at?.[i]);
      }
    }
    if (k > 0) {
      this.segLines.push(k === n ? SL : SL.subarray(0, k));
      this.segHits.push(k === n ? SH : SH.subarray(0, k));
      this.segCount += k;
    }
    if (this.lines.length + this.segCount >= this.linesCompactAt || this.segLines.length >= MAX_SEGMENTS) this.compactLines();
  }

  /** All line records, segments first, as plain arrays (for normalization of the general case). */
  private gatherLines(): [number[], number[]] {
    if (this.segCount === 0) return [this.lines, this.hits];
    const L: number[] = [];
    const H: number[] = [];
    for (let s = 0; s < this.segLines.length; s++) {
      const sl = this.segLines[s]!;
      const sh = this.segHits[s]!;
      for (let i = 0; i < sl.length; i++) {
        L.push(sl[i]!);
        H.push(sh[i]!);
      }
    }
    for (let i = 0; i < this.lines.length; i++) {
      L.push(this.lines[i]!);
      H.push(this.hits[i]!);
    }
    return [L, H];
  }

  /** Records a branch outcome of `line`; `id` identifies it within the line. */
  branch(line: number, id: string, taken: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const t = this.checkHits(taken, at);
    if (t < 0) return false;
    this.bLines.push(line);
    this.bIds.push(id);
    this.bTaken.push(t);
    if (this.bLines.length >= this.branchesCompactAt) this.compactBranches();
    return true;
  }

  /** Records a function starting at `line`; functions with the same (name, line) are one function. */
  fn(name: string, line: number, hits: number, endLine: number | null = null, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.enableFunctions();
    const end = endLine !== null && Number.isInteger(endLine) && endLine >= line && endLine <= this.limits.maxLineNumber ? endLine : null;
    this.fns!.push({ name, line, endLine: end, hits: h });
    if (this.fns!.length >= this.functionsCompactAt) {
      this.fns = normalizeFunctions(this.fns!, this.limits.maxHits);
      this.functionsCompactAt = Math.max(COMPACT_MIN >> 4, this.fns.length * 2);
    }
    return true;
  }

  /** Marks this file as having a function metric even if it ends up with no functions. */
  enableFunctions(): void {
    if (this.fns === null) this.fns = [];
  }

  /** Marks this file as having a statement metric even if it ends up with no statements. */
  enableStatements(): void {
    if (this.sLines === null) {
      this.sLines = [];
      this.sCols = [];
      this.sHits = [];
    }
  }

  /** Records a statement starting at (line, column); that pair is its identity. */
  statement(line: number, column: number, hits: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.enableStatements();
    this.sLines!.push(line);
    this.sCols!.push(Number.isInteger(column) && column >= 0 ? Math.min(column, 0x7fffffff) : 0);
    this.sHits!.push(h);
    if (this.sLines!.length >= this.statementsCompactAt) this.compactStatements();
    return true;
  }

  /** Records held before `build()`, duplicates included (bounded by compaction). */
  get pendingRecords(): number {
    return this.lines.length + this.segCount + this.bLines.length + (this.fns?.length ?? 0) + (this.sLines?.length ?? 0);
  }

  get isEmpty(): boolean {
    return this.lines.length === 0 && this.segCount === 0 && this.bLines.length === 0 && this.fns === null && this.sLines === null;
  }

  /** Sorted, merged columns (shared with the builder's arrays when they were already normalized). */
  normalized(): NormalizedColumns {
    const max = this.limits.maxHits;
    // The common case, one bulk segment already in order, needs no copy at all.
    const single = this.segLines.length === 1 && this.lines.length === 0;
    const [lines, hits] = single && isAscending(this.segLines[0]!)
      ? [this.segLines[0]!, this.segHits[0]!] as const
      : normalizeLines(...this.gatherLines(), max);
    const b = normalizeBranches(this.bLines, this.bIds, this.bTaken, max);
    const st = this.sLines === null ? null : normalizeStatements(this.sLines, this.sCols!, this.sHits!, max);
    return {
      lines,
      hits,
      bLines: b.lines,
      bIds: b.ids,
      bTaken: b.taken,
      functions: this.fns === null ? null : normalizeFunctions(this.fns, max),
      sLines: st?.lines ?? null,
      sCols: st?.cols ?? null,
      sHits: st?.hits ?? null,
    };
  }

  build(): FileCoverage {
    const c = this.normalized();
    return {
      path: this.path,
      lineNumbers: Int32Array.from(c.lines),
      lineHits: Float64Array.from(c.hits),
      branchLines: Int32Array.from(c.bLines),
      branchIds: c.bIds.slice(),
      branchTaken: Float64Array.from(c.bTaken),
      functions: c.functions,
      statements: c.sLines === null ? null : { lines: Int32Array.from(c.sLines), columns: Int32Array.from(c.sCols!), hits: Float64Array.from(c.sHits!) },
    };
  }

  /** Adds every record of an already-normalized file (used by merge). */
  addFile(f: FileCoverage): void {
    for (let i = 0; i < f.lineNumbers.length; i++) {
      this.lines.push(f.lineNumbers[i]!);
      this.hits.push(f.lineHits[i]!);
    }
    for (let i = 0; i < f.branchLines.length; i++) {
      this.bLines.push(f.branchLines[i]!);
      this.bIds.push(f.branchIds[i]!);
      this.bTaken.push(f.branchTaken[i]!);
    }
    if (f.functions !== null) {
      this.enableFunctions();
      for (const fn of f.functions) this.fns!.push(fn);
    }
    if (f.statements !== null) {
      this.enableStatements();
      const s = f.statements;
      for (let i = 0; i < s.lines.length; i++) {
        this.sLines!.push(s.lines[i]!);
        this.sCols!.push(s.columns[i]!);
        this.sHits!.push(s.hits[i]!);
      }
    }
  }

  private compactLines(): void {
    const [l, h] = normalizeLines(...this.gatherLines(), this.limits.maxHits);
    this.lines = Array.from(l);
    this.hits = Array.from(h);
    this.segLines = [];
    this.segHits = [];
    this.segCount = 0;
    this.linesCompactAt = Math.max(COMPACT_MIN, l.length * 2);
  }

  private compactBranches(): void {
    const b = normalizeBranches(this.bLines, this.bIds, this.bTaken, this.limits.maxHits);
    this.bLines = Array.from(b.lines);
    this.bTaken = Array.from(b.taken);
    this.bIds = b.ids.slice();
    this.branchesCompactAt = Math.max(COMPACT_MIN, b.lines.length * 2);
  }

  private compactStatements(): void {
    const st = normalizeStatements(this.sLines!, this.sCols!, this.sHits!, this.limits.maxHits);
    this.sLines = Array.from(st.lines);
    this.sCols = Array.from(st.cols);
    this.sHits = Array.from(st.hits);
    this.statementsCompactAt = Math.max(COMPACT_MIN, st.lines.length * 2);
  }

  private checkLine(line: number, at: number | undefined): boolean {
    if (!Number.isInteger(line) || line < 1) {
      this.sink.warn('CW_LINE_INVALID', `${this.path}: line number ${String(line)} is not a positive integer; record ignored`, at);
      return false;
    }
    if (line > this.limits.maxLineNumber) {
      this.sink.warn('CW_LINE_TOO_LARGE', `${this.path}: line number ${line} exceeds the limit of ${this.limits.maxLineNumber}; record ignored`, at);
      return false;
    }
    return true;
  }

  /** Returns the count to store, or -1 when the record must be dropped. */
  private checkHits(hits: number, at: number | undefined): number {
    if (Number.isNaN(hits) || hits < 0) {
      this.sink.warn('CW_HITS_INVALID', `${this.path}: hit count ${String(hits)} is not a non-negative number; record ignored`, at);
      return -1;
    }
    if (hits > this.limits.maxHits) {
      this.sink.warn('CW_HITS_CLAMPED', `${this.path}: hit count ${String(hits)} clamped to ${this.limits.maxHits}`, at);
      return this.limits.maxHits;
    }
    return Number.isInteger(hits) ? hits : Math.floor(hits);
  }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isAscending(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (a[i]! <= a[i - 1]!) return false;
  return true;
}

function normalizeLines(lines: number[], hits: number[], max: number): [number[], number[]] {
  let sorted = true;
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]! <= lines[i - 1]!) {
      sorted = false;
      break;
    }
  }
  if (sorted) return [lines, hits];
  const order = sortedOrder(lines.length, (a, b) => lines[a]! - lines[b]!);
  const outL: number[] = [];
  const outH: number[] = [];
  for (const i of order) {
    const l = lines[i]!;
    const last = outL.length - 1;
    if (last >= 0 && outL[last] === l) outH[last] = addHits(outH[last]!, hits[i]!, max);
    else {
      outL.push(l);
      outH.push(hits[i]!);
    }
  }
  return [outL, outH];
}

function normalizeBranches(lines: number[], ids: string[], taken: number[], max: number): { lines: number[]; ids: string[]; taken: number[] } {
  const n = lines.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const d = lines[i]! - lines[i - 1]!;
    if (d < 0 || (d === 0 && compareStrings(ids[i - 1]!, ids[i]!) >= 0)) sorted = false;
  }
  if (sorted) return { lines, ids, taken };
  const order = sortedOrder(n, (a, b) => lines[a]! - lines[b]! || compareStrings(ids[a]!, ids[b]!));
  const outL: number[] = [];
  const outT: number[] = [];
  const outI: string[] = [];
  for (const i of order) {
    const last = outL.length - 1;
    if (last >= 0 && outL[last] === lines[i] && outI[last] === ids[i]) outT[last] = addHits(outT[last]!, taken[i]!, max);
    else {
      outL.push(lines[i]!);
      outI.push(ids[i]!);
      outT.push(taken[i]!);
    }
  }
  return { lines: outL, ids: outI, taken: outT };
}

function normalizeFunctions(fns: FunctionRecord[], max: number): FunctionRecord[] {
  let sorted = true;
  for (let i = 1; i < fns.length; i++) {
    const a = fns[i - 1]!;
    const b = fns[i]!;
    if (a.line > b.line || (a.line === b.line && compareStrings(a.name, b.name) >= 0)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return fns.slice();
  const byKey = fns.slice().sort((a, b) => a.line - b.line || compareStrings(a.name, b.name));
  const out: FunctionRecord[] = [];
  for (const f of byKey) {
    const last = out[out.length - 1];
    if (last !== undefined && last.line === f.line && last.name === f.name) {
      const endLine = last.endLine === null ? f.endLine : f.endLine === null ? last.endLine : Math.max(last.endLine, f.endLine);
      out[out.length - 1] = { name: f.name, line: f.line, endLine, hits: addHits(last.hits, f.hits, max) };
    } else {
      out.push(f);
    }
  }
  return out;
}

function normalizeStatements(lines: number[], cols: number[], hits: number[], max: number): { lines: number[]; cols: number[]; hits: number[] } {
  const n = lines.length;
  let sorted = true;
  for (let i = 1; i < n; i++) {
    const d = lines[i]! - lines[i - 1]!;
    if (d < 0 || (d === 0 && cols[i]! <= cols[i - 1]!)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return { lines, cols, hits };
  const order = sortedOrder(n, (a, b) => lines[a]! - lines[b]! || cols[a]! - cols[b]!);
  const outL: number[] = [];
  const outC: number[] = [];
  const outH: number[] = [];
  for (const i of order) {
    const last = outL.length - 1;
    if (last >= 0 && outL[last] === lines[i] && outC[last] === cols[i]) outH[last] = addHits(outH[last]!, hits[i]!, max);
    else {
      outL.push(lines[i]!);
      outC.push(cols[i]!);
      outH.push(hits[i]!);
    }
  }
  return { lines: outL, cols: outC, hits: outH };
}

function sortedOrder(n: number, cmp: (a: number, b: number) => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  // Ties are fully merged afterwards, so the result does not depend on input order.
  return order.sort(cmp);
}
