/** A problem found while reading a report. Pure code returns these; it never logs or throws on bad input. */
export interface Diagnostic {
  /** Stable machine-readable code, e.g. `CW_LCOV_BAD_DA`. */
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  /** Name of the report file the problem is in (as given by the caller). */
  readonly file?: string;
  /** 1-based line in the report file, where known. */
  readonly line?: number;
  readonly message: string;
}

/**
 * Collects diagnostics with a cap, so a report with a million bad lines cannot produce a million
 * messages; the overflow is counted and reported once.
 */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  private dropped = 0;
  constructor(
    readonly file: string | undefined,
    private readonly cap = 200,
  ) {}

  add(code: string, severity: Diagnostic['severity'], message: string, line?: number): void {
    if (this.items.length >= this.cap) {
      this.dropped++;
      return;
    }
    const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code, severity, message };
    if (this.file !== undefined) d.file = this.file;
    if (line !== undefined) d.line = line;
    this.items.push(d);
  }
  error(code: string, message: string, line?: number): void {
    this.add(code, 'error', message, line);
  }
  warn(code: string, message: string, line?: number): void {
    this.add(code, 'warning', message, line);
  }
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
  /** The diagnostics, plus one summarising those dropped past the cap. */
  finish(): Diagnostic[] {
    if (this.dropped > 0) {
      const d: Diagnostic = {
        code: 'CW_DIAGNOSTICS_TRUNCATED',
        severity: 'warning',
        message: `${this.dropped} more diagnostics were not recorded`,
        ...(this.file !== undefined ? { file: this.file } : {}),
      };
      return [...this.items, d];
    }
    return [...this.items];
  }
}
