import { DEFAULT_LIMITS, type ParseLimits } from './limits.js';
import { DiagnosticSink } from './diagnostics.js';
import type { FileCoverage } from './file-coverage.js';
import { FileCoverageBuilder, LineSlabs, type NormalizedColumns } from './file-builder.js';
import { branchesAreViews, linesAreViews, PackedColumns, statementsAreViews } from './packed-columns.js';

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
      if (!linesAreViews(c)) nL += c.lines.length;
      if (!branchesAreViews(c)) nB += c.bLines.length;
      if (c.sLines !== null && !statementsAreViews(c)) nS += c.sLines.length;
    }
    const out = new PackedColumns(nL, nB, nS);
    const files: FileCoverage[] = new Array<FileCoverage>(n);
    // One call per file: the loops here stay small, so the code V8 compiles on the fly for them
    // (once per report, as this runs once) stays cheap; the per-file work is compiled once.
    for (let i = 0; i < n; i++) files[i] = out.file(paths[i]!, cols[i]!);
    return { files };
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
