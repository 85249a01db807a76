import { DEFAULT_LIMITS, type ParseLimits } from './limits.js';
import { DiagnosticSink } from './diagnostics.js';
import type { FileCoverage } from './file-coverage.js';
import { FileCoverageBuilder, LineSlabs, type NormalizedColumns } from './file-builder.js';

/** A coverage report: normalized files, sorted by path, one entry per path. */
export interface Report {
  readonly files: readonly FileCoverage[];
}

export const EMPTY_REPORT: Report = Object.freeze({ files: Object.freeze([]) as readonly FileCoverage[] });

/**
 * Builds a report from records in any order. Asking twice for the same path returns the same
 * builder, which is how repeated `SF` blocks (lcov) or classes split over one file (Cobertura) merge.
 */
export class ReportBuilder {
  private readonly files = new Map<string, FileCoverageBuilder>();
  private readonly slabs = new LineSlabs();
  private tooMany = false;

  constructor(
    readonly sink: DiagnosticSink,
    readonly limits: ParseLimits = DEFAULT_LIMITS,
  ) {}

  /**
   * The builder for `path`, or null when the path is unusable (empty, too long, contains NUL) or the
   * report already holds the maximum number of files; the reason goes to the sink.
   */
  file(path: string, at?: number, fresh = false): FileCoverageBuilder | null {
    const existing = this.files.get(path);
    if (existing !== undefined) return existing;
    if (path.length === 0) {
      this.sink.warn('CW_PATH_EMPTY', 'a record has an empty source path; ignored', at);
      return null;
    }
    if (path.length > this.limits.maxPathLength) {
      this.sink.warn('CW_PATH_TOO_LONG', `a source path of ${path.length} characters exceeds the limit of ${this.limits.maxPathLength}; ignored`, at);
      return null;
    }
    if (path.includes('\0')) {
      this.sink.warn('CW_PATH_NUL', 'a source path contains a NUL character; ignored', at);
      return null;
    }
    if (this.files.size >= this.limits.maxFilesPerReport) {
      if (!this.tooMany) {
        this.sink.error('CW_TOO_MANY_FILES', `the report holds more than ${this.limits.maxFilesPerReport} files; the rest are ignored`, at);
        this.tooMany = true;
      }
      return null;
    }
    // A path sliced out of a large text chunk would keep the whole chunk alive (V8 sliced strings);
    // store a copy, unless the caller says the string is its own (decoded from bytes for this path).
    const own = fresh ? path : (' ' + path).slice(1);
    const b = new FileCoverageBuilder(own, this.limits, this.sink, this.slabs);
    this.files.set(own, b);
    return b;
  }

  get fileCount(): number {
    return this.files.size;
  }

  /**
   * The finished report. Columns of all files are packed into one typed array per column and each
   * file gets views into them: one allocation per column instead of several per file, which was a
   * third of the time for reports of many small files (garbage collection of small ArrayBuffers).
   * Consumers must not rely on a column's `.buffer` being its own.
   */
  build(): Report {
    const paths = [...this.files.keys()].sort(comparePaths);
    const n = paths.length;
    const cols: NormalizedColumns[] = new Array<NormalizedColumns>(n);
    for (let i = 0; i < n; i++) cols[i] = this.files.get(paths[i]!)!.normalized();
    // Columns that are already typed views (bulk handovers, see LineSlabs) are kept as they are;
    // the others are packed into one typed array per column.
    let nL = 0;
    let nB = 0;
    let nS = 0;
    for (let i = 0; i < n; i++) {
      const c = cols[i]!;
      if (!(c.lines instanceof Int32Array)) nL += c.lines.length;
      if (!(c.bLines instanceof Int32Array)) nB += c.bLines.length;
      if (c.sLines !== null && !(c.sLines instanceof Int32Array)) nS += c.sLines.length;
    }
    const out = new PackedColumns(nL, nB, nS);
    const files: FileCoverage[] = new Array<FileCoverage>(n);
    // One call per file: the loops here stay small, so the code V8 compiles on the fly for them
    // (once per report, as this runs once) stays cheap; the per-file work is compiled once.
    for (let i = 0; i < n; i++) files[i] = out.file(paths[i]!, cols[i]!);
    return { files };
  }
}

const EMPTY_I32 = new Int32Array(0);
const EMPTY_F64 = new Float64Array(0);

/** Columns of all files of a report that were not typed views already, and each file's views into them. */
class PackedColumns {
  /**
   * One instance for the life of the process. V8's optimized code for build() and file() depends on
   * this class's hidden class, which dies with the last instance (each report's is garbage once
   * built): the code was then thrown away and compiled again for every report.
   */
  static readonly shapeAnchor = new PackedColumns(0, 0, 0);

  private readonly LN: Int32Array;
  private readonly LH: Float64Array;
  private readonly BL: Int32Array;
  private readonly BT: Float64Array;
  private readonly SL: Int32Array;
  private readonly SC: Int32Array;
  private readonly SH: Float64Array;
  private oL = 0;
  private oB = 0;
  private oS = 0;

  constructor(nL: number, nB: number, nS: number) {
    this.LN = new Int32Array(nL);
    this.LH = new Float64Array(nL);
    this.BL = new Int32Array(nB);
    this.BT = new Float64Array(nB);
    this.SL = new Int32Array(nS);
    this.SC = new Int32Array(nS);
    this.SH = new Float64Array(nS);
  }

  file(path: string, c: NormalizedColumns): FileCoverage {
    let lineNumbers: Int32Array;
    let lineHits: Float64Array;
    if (c.lines instanceof Int32Array && c.hits instanceof Float64Array) {
      lineNumbers = c.lines;
      lineHits = c.hits;
    } else if (c.lines.length === 0) {
      lineNumbers = EMPTY_I32;
      lineHits = EMPTY_F64;
    } else {
      const l = c.lines.length;
      const o = this.oL;
      this.LN.set(c.lines, o);
      this.LH.set(c.hits, o);
      lineNumbers = this.LN.subarray(o, o + l);
      lineHits = this.LH.subarray(o, o + l);
      this.oL = o + l;
    }
    let branchLines: Int32Array;
    let branchTaken: Float64Array;
    if (c.bLines instanceof Int32Array && c.bTaken instanceof Float64Array) {
      branchLines = c.bLines;
      branchTaken = c.bTaken;
    } else if (c.bLines.length === 0) {
      // Most files of most formats have no branches: one shared empty column each (an empty typed
      // array has nothing to modify), not two fresh views per file for the GC to copy.
      branchLines = EMPTY_I32;
      branchTaken = EMPTY_F64;
    } else {
      const b = c.bLines.length;
      const o = this.oB;
      this.BL.set(c.bLines, o);
      this.BT.set(c.bTaken, o);
      branchLines = this.BL.subarray(o, o + b);
      branchTaken = this.BT.subarray(o, o + b);
      this.oB = o + b;
    }
    let statements: FileCoverage['statements'] = null;
    if (c.sLines !== null) {
      if (c.sLines instanceof Int32Array && c.sCols instanceof Int32Array && c.sHits instanceof Float64Array) {
        statements = { lines: c.sLines, columns: c.sCols, hits: c.sHits };
      } else {
        const s = c.sLines.length;
        const o = this.oS;
        this.SL.set(c.sLines, o);
        this.SC.set(c.sCols!, o);
        this.SH.set(c.sHits!, o);
        statements = { lines: this.SL.subarray(o, o + s), columns: this.SC.subarray(o, o + s), hits: this.SH.subarray(o, o + s) };
        this.oS = o + s;
      }
    }
    return { path, lineNumbers, lineHits, branchLines, branchIds: c.bIds, branchTaken, functions: c.functions, statements };
  }
}

/** Code-unit order: deterministic and locale-independent. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A builder whose diagnostics go nowhere; for tests and for code that builds reports from trusted data. */
export function newReportBuilder(limits: ParseLimits = DEFAULT_LIMITS): ReportBuilder {
  return new ReportBuilder(new DiagnosticSink(undefined), limits);
}
