import { addHits, type ParseLimits } from './limits.js';
import type { DiagnosticSink } from './diagnostics.js';
import type { CountColumn, FileCoverage, FunctionRecord } from './file-coverage.js';
import { RecordStage, type StageOwner } from './record-stage.js';

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
  /** Single records of the file being read, shared by the report's builders (record-stage.ts). */
  readonly stage = new RecordStage();
  private i32 = new Int32Array(0);
  private usedI32 = 0;
  private f64 = new Float64Array(0);
  private usedF64 = 0;
  private u32 = new Uint32Array(0);
  private usedU32 = 0;

  /** A view of `n` fresh int32 values. */
  ints(n: number): Int32Array {
    if (this.usedI32 + n > this.i32.length) {
      this.i32 = new Int32Array(Math.max(n, 1 << 16));
      this.usedI32 = 0;
    }
    const o = this.usedI32;
    this.usedI32 += n;
    return this.i32.subarray(o, o + n);
  }

  /** A view of `n` fresh float64 values. */
  floats(n: number): Float64Array {
    if (this.usedF64 + n > this.f64.length) {
      this.f64 = new Float64Array(Math.max(n, 1 << 16));
      this.usedF64 = 0;
    }
    const o = this.usedF64;
    this.usedF64 += n;
    return this.f64.subarray(o, o + n);
  }

  /**
   * A column for the `n` counts `values[0..n)`: 4 bytes a count where every one fits in 32 bits
   * (nearly always: a 5M-line report's counts were a third of its memory as doubles), else 8.
   */
  counts(values: ArrayLike<number>, n: number): CountColumn {
    for (let i = 0; i < n; i++) if (values[i]! > U32_MAX) return this.floats(n);
    if (this.usedU32 + n > this.u32.length) {
      this.u32 = new Uint32Array(Math.max(n, 1 << 16));
      this.usedU32 = 0;
    }
    const o = this.usedU32;
    this.usedU32 += n;
    return this.u32.subarray(o, o + n);
  }
}

const U32_MAX = 0xffffffff;

/**
 * A builder's records kept as single values (small handovers after the first, refused-then-clamped
 * ones, merges of unlike files) and the sizes at which they are compacted. Apart from the builder,
 * which a report has one of per file, so the common builder stays small (about half the memory
 * per file of a 50,000-file report was builders and their arrays).
 */
class LooseRecords {
  linesCompactAt = COMPACT_MIN;
  branchesCompactAt = COMPACT_MIN;
  statementsCompactAt = COMPACT_MIN;
  functionsCompactAt = COMPACT_MIN >> 4;
  lines: number[] | null = null;
  hits: number[] | null = null;
  bLines: number[] | null = null;
  bIds: string[] | null = null;
  bTaken: number[] | null = null;
  sLines: number[] | null = null;
  sCols: number[] | null = null;
  sHits: number[] | null = null;
}

/** Never written: `w()` swaps it for a builder's own before the first write. */
const NO_LOOSE_RECORDS = new LooseRecords();

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
 * Single records accumulate in plain arrays (made on first use: most files never see most kinds);
 * bulk handovers (`addLines`, `addBranches`, `addStatements`) go to views into shared slabs, and a
 * file whose records arrived as one sorted handover keeps those views as its final columns. Every
 * `add*` validates its numbers against the limits and reports problems to the sink with the report
 * line `at`, returning false when the record was dropped.
 */
export class FileCoverageBuilder implements StageOwner {
  /** Records kept one by one (few files have any): shared and empty until the first is written. */
  private r: LooseRecords = NO_LOOSE_RECORDS;
  /** Line columns handed over in bulk (see LineSlabs), before the single records in `lines`. */
  /** [lines, hits, lines, hits, ...]: one array per kind keeps small files small. */
  private segs: (Int32Array | CountColumn)[] | null = null;
  private segCount = 0;
  /** Whether the first segment's lines are strictly ascending (read only while it is the only one). */
  private segAscending = false;
  /** [lines, ids, taken, ...] */
  private bSegs: (Int32Array | string[] | CountColumn)[] | null = null;
  private bSegCount = 0;
  private fns: FunctionRecord[] | null = null;
  private hasStatements = false;
  /** [lines, columns, hits, ...] */
  private sSegs: (Int32Array | Float64Array)[] | null = null;
  private sSegCount = 0;

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
    const st = this.slabs.stage;
    if (st.owner !== this) this.own(st);
    st.line(line, h);
    return true;
  }

  /** The loose records, this builder's own from now on. */
  private w(): LooseRecords {
    if (this.r === NO_LOOSE_RECORDS) this.r = new LooseRecords();
    return this.r;
  }

  /** Takes the stage for this file's single records, handing the previous file's over. */
  private own(st: RecordStage): void {
    st.flush();
    st.owner = this;
  }

  /** The stage's records of this file, handed over in bulk (RecordStage.flush). */
  takeStaged(st: RecordStage): void {
    this.addLines(st.L, st.H, st.nL);
    this.addBranches(st.BL, st.BI, st.BT, st.nB);
    if (st.nS > 0) this.addStatements(st.SL, st.SC, st.SH, st.nS);
  }

  /** Moves this file's staged records in (before anything reads the records). */
  private settle(): void {
    if (this.slabs.stage.owner === this) this.slabs.stage.flush();
  }

  /** `line()` straight into the plain arrays (the bulk handovers' path for a few records). */
  private record(line: number, hits: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    if (this.r.lines === null) {
      this.w().lines = [];
      this.w().hits = [];
    }
    this.w().lines!.push(line);
    this.w().hits!.push(h);
    if (this.r.lines!.length + this.segCount >= this.r.linesCompactAt) this.compactLines();
    return true;
  }

  /**
   * Appends `n` line records from columns in one go: the fast path for parsers that collect a
   * file's lines themselves (LCOV, Go). Values are validated exactly as `line()` does; `at[i]`, when
   * given, is the report line of record i for diagnostics.
   */
  addLines(lines: ArrayLike<number>, hits: ArrayLike<number>, n: number, at?: ArrayLike<number>): void {
    if (n <= 0) return;
    const maxLine = this.limits.maxLineNumber;
    const maxHits = this.limits.maxHits;
    if (n < MIN_SEGMENT && (this.segs !== null || this.r.lines !== null)) {
      // A few more lines (a repeated small SF block): a view per call would cost more than the data,
      // and thousands of them would pin slabs; plain arrays, compacted like single records. A
      // file's first handover is a segment whatever its size: that is most files, done once.
      for (let i = 0; i < n; i++) this.record(lines[i]!, hits[i]!, at?.[i]);
      return;
    }
    const SL = this.slabs.ints(n);
    const SH = this.slabs.counts(hits, n);
    let k = 0;
    // Whether the kept lines are strictly ascending (nearly always), found while copying: a sorted
    // single segment then needs no second pass in normalized().
    let ascending = true;
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const l = lines[i]!;
      const h = hits[i]!;
      if (l >= 1 && l <= maxLine && (l | 0) === l && h >= 0 && h <= maxHits && Math.floor(h) === h) {
        if (l <= prev) ascending = false;
        prev = l;
        SL[k] = l;
        SH[k++] = h;
      } else {
        this.record(l, h, at?.[i]);
      }
    }
    if (k > 0) {
      const l = k === n ? SL : SL.subarray(0, k);
      const h = k === n ? SH : SH.subarray(0, k);
      // A literal: most files never get a second segment.
      if (this.segs === null) {
        this.segs = [l, h];
        this.segAscending = ascending;
      } else {
        this.segs.push(l, h);
      }
      this.segCount += k;
    }
    if ((this.r.lines?.length ?? 0) + this.segCount >= this.r.linesCompactAt || (this.segs?.length ?? 0) >= 2 * MAX_SEGMENTS) this.compactLines();
  }

  /** All line records, segments first, as plain arrays (for normalization of the general case). */
  private gatherLines(): [number[], number[]] {
    const L: number[] = [];
    const H: number[] = [];
    if (this.segs !== null) {
      for (let s = 0; s < this.segs.length; s += 2) {
        const sl = this.segs[s]!;
        const sh = this.segs[s + 1]!;
        for (let i = 0; i < sl.length; i++) {
          L.push(sl[i]!);
          H.push(sh[i]!);
        }
      }
    }
    if (this.r.lines !== null) {
      if (L.length === 0) return [this.r.lines, this.r.hits!];
      for (let i = 0; i < this.r.lines.length; i++) {
        L.push(this.r.lines[i]!);
        H.push(this.r.hits![i]!);
      }
    }
    return [L, H];
  }

  /** Records a branch outcome of `line`; `id` identifies it within the line. */
  branch(line: number, id: string, taken: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const t = this.checkHits(taken, at);
    if (t < 0) return false;
    const st = this.slabs.stage;
    if (st.owner !== this) this.own(st);
    st.branch(line, id, t);
    return true;
  }

  /** `branch()` straight into the plain arrays. */
  private recordBranch(line: number, id: string, taken: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const t = this.checkHits(taken, at);
    if (t < 0) return false;
    if (this.r.bLines === null) {
      this.w().bLines = [];
      this.w().bIds = [];
      this.w().bTaken = [];
    }
    this.w().bLines!.push(line);
    this.w().bIds!.push(id);
    this.w().bTaken!.push(t);
    if (this.r.bLines!.length + this.bSegCount >= this.r.branchesCompactAt) this.compactBranches();
    return true;
  }

  /**
   * Appends `n` branch records from columns in one go (validated as `branch()` does). Like
   * `addLines`, a file's branches handed over in one sorted call become its final columns as is.
   */
  addBranches(lines: ArrayLike<number>, ids: readonly string[], taken: ArrayLike<number>, n: number, at?: ArrayLike<number>): void {
    if (n <= 0) return;
    const maxLine = this.limits.maxLineNumber;
    const maxHits = this.limits.maxHits;
    if (n < MIN_SEGMENT && (this.bSegs !== null || this.r.bLines !== null)) {
      for (let i = 0; i < n; i++) this.recordBranch(lines[i]!, ids[i]!, taken[i]!, at?.[i]);
      return;
    }
    const SL = this.slabs.ints(n);
    const ST = this.slabs.counts(taken, n);
    const SI: string[] = new Array<string>(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const l = lines[i]!;
      const t = taken[i]!;
      if (l >= 1 && l <= maxLine && (l | 0) === l && t >= 0 && t <= maxHits && Math.floor(t) === t) {
        SL[k] = l;
        SI[k] = ids[i]!;
        ST[k++] = t;
      } else {
        this.recordBranch(l, ids[i]!, t, at?.[i]);
      }
    }
    if (k > 0) {
      if (k < n) SI.length = k;
      const l = k === n ? SL : SL.subarray(0, k);
      const t = k === n ? ST : ST.subarray(0, k);
      if (this.bSegs === null) this.bSegs = [l, SI, t];
      else this.bSegs.push(l, SI, t);
      this.bSegCount += k;
    }
    if ((this.r.bLines?.length ?? 0) + this.bSegCount >= this.r.branchesCompactAt || (this.bSegs?.length ?? 0) >= 3 * MAX_SEGMENTS) this.compactBranches();
  }

  private gatherBranches(): { lines: number[]; ids: string[]; taken: number[] } {
    const L: number[] = [];
    const I: string[] = [];
    const T: number[] = [];
    if (this.bSegs !== null) {
      for (let s = 0; s < this.bSegs.length; s += 3) {
        const sl = this.bSegs[s] as Int32Array;
        const si = this.bSegs[s + 1] as string[];
        const st = this.bSegs[s + 2] as CountColumn;
        for (let i = 0; i < sl.length; i++) {
          L.push(sl[i]!);
          I.push(si[i]!);
          T.push(st[i]!);
        }
      }
    }
    if (this.r.bLines !== null) {
      if (L.length === 0) return { lines: this.r.bLines, ids: this.r.bIds!, taken: this.r.bTaken! };
      for (let i = 0; i < this.r.bLines.length; i++) {
        L.push(this.r.bLines[i]!);
        I.push(this.r.bIds![i]!);
        T.push(this.r.bTaken![i]!);
      }
    }
    return { lines: L, ids: I, taken: T };
  }

  /** Records a function starting at `line`; functions with the same (name, line) are one function. */
  fn(name: string, line: number, hits: number, endLine: number | null = null, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.enableFunctions();
    const end = endLine !== null && Number.isInteger(endLine) && endLine >= line && endLine <= this.limits.maxLineNumber ? endLine : null;
    this.fns!.push({ name, line, endLine: end, hits: h });
    if (this.fns!.length >= this.r.functionsCompactAt) {
      this.fns = normalizeFunctions(this.fns!, this.limits.maxHits);
      this.w().functionsCompactAt = Math.max(COMPACT_MIN >> 4, this.fns.length * 2);
    }
    return true;
  }

  /**
   * Adds functions in one go (validated as `fn()` does, `at[i]` the report line of record i). When
   * the file has no functions yet and every record is valid, `records` itself is kept: the caller
   * hands it over and must not touch it again.
   */
  addFunctions(records: FunctionRecord[], at?: ArrayLike<number>): void {
    const maxLine = this.limits.maxLineNumber;
    const maxHits = this.limits.maxHits;
    let valid = this.fns === null || this.fns.length === 0;
    for (let i = 0; i < records.length && valid; i++) {
      const r = records[i]!;
      const l = r.line;
      const h = r.hits;
      const e = r.endLine;
      if (!(l >= 1 && l <= maxLine && (l | 0) === l && h >= 0 && h <= maxHits && Math.floor(h) === h)) valid = false;
      else if (e !== null && !((e | 0) === e && e >= l && e <= maxLine)) valid = false;
    }
    if (valid && records.length < this.r.functionsCompactAt) {
      this.fns = records;
      return;
    }
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      this.fn(r.name, r.line, r.hits, r.endLine, at?.[i]);
    }
  }

  /** Marks this file as having a function metric even if it ends up with no functions. */
  enableFunctions(): void {
    if (this.fns === null) this.fns = [];
  }

  /** Marks this file as having a statement metric even if it ends up with no statements. */
  enableStatements(): void {
    this.hasStatements = true;
  }

  /** Records a statement starting at (line, column); that pair is its identity. */
  statement(line: number, column: number, hits: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.hasStatements = true;
    const st = this.slabs.stage;
    if (st.owner !== this) this.own(st);
    st.statement(line, Number.isInteger(column) && column >= 0 ? Math.min(column, 0x7fffffff) : 0, h);
    return true;
  }

  /** `statement()` straight into the plain arrays. */
  private recordStatement(line: number, column: number, hits: number, at?: number): boolean {
    if (!this.checkLine(line, at)) return false;
    const h = this.checkHits(hits, at);
    if (h < 0) return false;
    this.hasStatements = true;
    if (this.r.sLines === null) {
      this.w().sLines = [];
      this.w().sCols = [];
      this.w().sHits = [];
    }
    this.w().sLines!.push(line);
    this.w().sCols!.push(Number.isInteger(column) && column >= 0 ? Math.min(column, 0x7fffffff) : 0);
    this.w().sHits!.push(h);
    if (this.r.sLines!.length + this.sSegCount >= this.r.statementsCompactAt) this.compactStatements();
    return true;
  }

  /** Appends `n` statement records from columns in one go (validated as `statement()` does). */
  addStatements(lines: ArrayLike<number>, cols: ArrayLike<number>, hits: ArrayLike<number>, n: number, at?: ArrayLike<number>): void {
    this.hasStatements = true;
    if (n <= 0) return;
    const maxLine = this.limits.maxLineNumber;
    const maxHits = this.limits.maxHits;
    if (n < MIN_SEGMENT && (this.sSegs !== null || this.r.sLines !== null)) {
      for (let i = 0; i < n; i++) this.recordStatement(lines[i]!, cols[i]!, hits[i]!, at?.[i]);
      return;
    }
    const SL = this.slabs.ints(n);
    const SC = this.slabs.ints(n);
    const SH = this.slabs.floats(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const l = lines[i]!;
      const c = cols[i]!;
      const h = hits[i]!;
      if (l >= 1 && l <= maxLine && (l | 0) === l && c >= 0 && (c | 0) === c && h >= 0 && h <= maxHits && Math.floor(h) === h) {
        SL[k] = l;
        SC[k] = c;
        SH[k++] = h;
      } else {
        this.recordStatement(l, c, h, at?.[i]);
      }
    }
    if (k > 0) {
      const l = k === n ? SL : SL.subarray(0, k);
      const c = k === n ? SC : SC.subarray(0, k);
      const h = k === n ? SH : SH.subarray(0, k);
      if (this.sSegs === null) this.sSegs = [l, c, h];
      else this.sSegs.push(l, c, h);
      this.sSegCount += k;
    }
    if ((this.r.sLines?.length ?? 0) + this.sSegCount >= this.r.statementsCompactAt || (this.sSegs?.length ?? 0) >= 3 * MAX_SEGMENTS) this.compactStatements();
  }

  private gatherStatements(): { lines: number[]; cols: number[]; hits: number[] } {
    const L: number[] = [];
    const C: number[] = [];
    const H: number[] = [];
    if (this.sSegs !== null) {
      for (let s = 0; s < this.sSegs.length; s += 3) {
        const sl = this.sSegs[s]!;
        const sc = this.sSegs[s + 1]!;
        const sh = this.sSegs[s + 2]!;
        for (let i = 0; i < sl.length; i++) {
          L.push(sl[i]!);
          C.push(sc[i]!);
          H.push(sh[i]!);
        }
      }
    }
    if (this.r.sLines !== null) {
      if (L.length === 0) return { lines: this.r.sLines, cols: this.r.sCols!, hits: this.r.sHits! };
      for (let i = 0; i < this.r.sLines.length; i++) {
        L.push(this.r.sLines[i]!);
        C.push(this.r.sCols![i]!);
        H.push(this.r.sHits![i]!);
      }
    }
    return { lines: L, cols: C, hits: H };
  }

  /** Records held before `build()`, duplicates included (bounded by compaction). */
  get pendingRecords(): number {
    this.settle();
    return (
      (this.r.lines?.length ?? 0) + this.segCount + (this.r.bLines?.length ?? 0) + this.bSegCount + (this.fns?.length ?? 0) + (this.r.sLines?.length ?? 0) + this.sSegCount
    );
  }

  get isEmpty(): boolean {
    this.settle();
    return this.r.lines === null && this.segCount === 0 && this.r.bLines === null && this.bSegCount === 0 && this.fns === null && !this.hasStatements;
  }

  /** Sorted, merged columns (shared with the builder's arrays when they were already normalized). */
  normalized(): NormalizedColumns {
    this.settle();
    const max = this.limits.maxHits;
    let lines: ArrayLike<number> = EMPTY;
    let hits: ArrayLike<number> = EMPTY;
    // The common case, one bulk handover already in order, needs no copy at all.
    if (this.segs !== null && this.segs.length === 2 && this.r.lines === null && (this.segAscending || isAscending(this.segs[0]!))) {
      lines = this.segs[0]!;
      hits = this.segs[1]!;
    } else if (this.segs !== null || this.r.lines !== null) {
      [lines, hits] = normalizeLines(...this.gatherLines(), max);
    }
    let bLines: ArrayLike<number> = EMPTY;
    let bIds: readonly string[] = EMPTY_IDS;
    let bTaken: ArrayLike<number> = EMPTY;
    if (this.bSegs !== null && this.bSegs.length === 3 && this.r.bLines === null && branchesAscending(this.bSegs[0] as Int32Array, this.bSegs[1] as string[])) {
      bLines = this.bSegs[0] as Int32Array;
      bIds = this.bSegs[1] as string[];
      bTaken = this.bSegs[2] as CountColumn;
    } else if (this.bSegs !== null || this.r.bLines !== null) {
      const g = this.gatherBranches();
      const b = normalizeBranches(g.lines, g.ids, g.taken, max);
      bLines = b.lines;
      bIds = b.ids;
      bTaken = b.taken;
    }
    let sLines: ArrayLike<number> | null = null;
    let sCols: ArrayLike<number> | null = null;
    let sHits: ArrayLike<number> | null = null;
    if (this.hasStatements) {
      if (this.sSegs !== null && this.sSegs.length === 3 && this.r.sLines === null && statementsAscending(this.sSegs[0]!, this.sSegs[1]!)) {
        sLines = this.sSegs[0]!;
        sCols = this.sSegs[1]!;
        sHits = this.sSegs[2]!;
      } else if (this.sSegs !== null || this.r.sLines !== null) {
        const g = this.gatherStatements();
        const st = normalizeStatements(g.lines, g.cols, g.hits, max);
        sLines = st.lines;
        sCols = st.cols;
        sHits = st.hits;
      } else {
        sLines = sCols = sHits = EMPTY;
      }
    }
    return {
      lines,
      hits,
      bLines,
      bIds,
      bTaken,
      functions: this.fns === null ? null : normalizeFunctions(this.fns, max),
      sLines,
      sCols,
      sHits,
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
      if (this.r.lines === null) {
        this.w().lines = [];
        this.w().hits = [];
      }
      this.w().lines!.push(f.lineNumbers[i]!);
      this.w().hits!.push(f.lineHits[i]!);
    }
    for (let i = 0; i < f.branchLines.length; i++) {
      if (this.r.bLines === null) {
        this.w().bLines = [];
        this.w().bIds = [];
        this.w().bTaken = [];
      }
      this.w().bLines!.push(f.branchLines[i]!);
      this.w().bIds!.push(f.branchIds[i]!);
      this.w().bTaken!.push(f.branchTaken[i]!);
    }
    if (f.functions !== null) {
      this.enableFunctions();
      for (const fn of f.functions) this.fns!.push(fn);
    }
    if (f.statements !== null) {
      this.enableStatements();
      const s = f.statements;
      for (let i = 0; i < s.lines.length; i++) {
        if (this.r.sLines === null) {
          this.w().sLines = [];
          this.w().sCols = [];
          this.w().sHits = [];
        }
        this.w().sLines!.push(s.lines[i]!);
        this.w().sCols!.push(s.columns[i]!);
        this.w().sHits!.push(s.hits[i]!);
      }
    }
  }

  private compactLines(): void {
    const [l, h] = normalizeLines(...this.gatherLines(), this.limits.maxHits);
    this.w().lines = Array.from(l);
    this.w().hits = Array.from(h);
    this.segs = null;
    this.segCount = 0;
    this.w().linesCompactAt = Math.max(COMPACT_MIN, l.length * 2);
  }

  private compactBranches(): void {
    const g = this.gatherBranches();
    const b = normalizeBranches(g.lines, g.ids, g.taken, this.limits.maxHits);
    this.w().bLines = Array.from(b.lines);
    this.w().bTaken = Array.from(b.taken);
    this.w().bIds = b.ids.slice();
    this.bSegs = null;
    this.bSegCount = 0;
    this.w().branchesCompactAt = Math.max(COMPACT_MIN, b.lines.length * 2);
  }

  private compactStatements(): void {
    const g = this.gatherStatements();
    const st = normalizeStatements(g.lines, g.cols, g.hits, this.limits.maxHits);
    this.w().sLines = Array.from(st.lines);
    this.w().sCols = Array.from(st.cols);
    this.w().sHits = Array.from(st.hits);
    this.sSegs = null;
    this.sSegCount = 0;
    this.w().statementsCompactAt = Math.max(COMPACT_MIN, st.lines.length * 2);
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

const EMPTY: readonly number[] = Object.freeze([]) as readonly number[];
const EMPTY_IDS: readonly string[] = Object.freeze([]) as readonly string[];

function branchesAscending(lines: ArrayLike<number>, ids: readonly string[]): boolean {
  for (let i = 1; i < lines.length; i++) {
    const d = lines[i]! - lines[i - 1]!;
    if (d < 0 || (d === 0 && compareStrings(ids[i - 1]!, ids[i]!) >= 0)) return false;
  }
  return true;
}

function statementsAscending(lines: ArrayLike<number>, cols: ArrayLike<number>): boolean {
  for (let i = 1; i < lines.length; i++) {
    const d = lines[i]! - lines[i - 1]!;
    if (d < 0 || (d === 0 && cols[i]! <= cols[i - 1]!)) return false;
  }
  return true;
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
  // Already normalized (the common case): shared, like the other columns of normalized().
  if (sorted) return fns;
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
