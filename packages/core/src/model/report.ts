import { DEFAULT_LIMITS, type ParseLimits } from './limits.js';
import { DiagnosticSink } from './diagnostics.js';
import type { FileCoverage } from './file-coverage.js';
import { FileCoverageBuilder } from './file-builder.js';

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
  private tooMany = false;

  constructor(
    readonly sink: DiagnosticSink,
    readonly limits: ParseLimits = DEFAULT_LIMITS,
  ) {}

  /**
   * The builder for `path`, or null when the path is unusable (empty, too long, contains NUL) or the
   * report already holds the maximum number of files; the reason goes to the sink.
   */
  file(path: string, at?: number): FileCoverageBuilder | null {
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
    // store a copy. Once per file, so it costs nothing measurable.
    const own = (' ' + path).slice(1);
    const b = new FileCoverageBuilder(own, this.limits, this.sink);
    this.files.set(own, b);
    return b;
  }

  get fileCount(): number {
    return this.files.size;
  }

  build(): Report {
    const paths = [...this.files.keys()].sort(comparePaths);
    return { files: paths.map((p) => this.files.get(p)!.build()) };
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
