import { DiagnosticSink, type Diagnostic } from '../../model/diagnostics.js';

/**
 * More than any sink keeps (DiagnosticSink's cap is 200): past this, what a document stages is only
 * counted, since the target would drop it anyway.
 */
const STAGED_CAP = 1000;

interface Staged {
  readonly code: string;
  readonly severity: Diagnostic['severity'];
  readonly message: string;
  readonly line: number | undefined;
  /** Said of the document: its message gets the document's label in front. */
  readonly labelled: boolean;
}

/**
 * Holds back one document's diagnostics until it can say them as a whole-document reading did. A
 * streamed document's entries come before the members that sit after them (gcc writes keys in hash
 * order, `format_version` often last), yet a problem with the document as a whole was said first;
 * and a message names "the document" or "document at line N" depending on whether the file holds
 * several, which the first document learns only when a second begins or the input ends.
 *
 * The report builder writes through this too (unusable paths, clamped counts), so its diagnostics
 * stay in order among the format's own. Outside a document it passes everything straight on.
 */
export class StagedDiagnostics extends DiagnosticSink {
  private head: Staged[] = [];
  private body: Staged[] = [];
  private overflow = 0;
  private open = false;

  constructor(private readonly target: DiagnosticSink) {
    super(target.file);
  }

  /** Stages from now on, until `flush`. */
  hold(): void {
    this.open = true;
  }

  override add(code: string, severity: Diagnostic['severity'], message: string, line?: number): void {
    if (this.open) this.stage(false, { code, severity, message, line, labelled: false });
    else this.target.add(code, severity, message, line);
  }

  /** A diagnostic about the document at `line`, labelled at `flush`; `first`: said before the others. */
  unit(code: string, severity: Diagnostic['severity'], message: string, line: number, first = false): void {
    this.stage(first, { code, severity, message, line, labelled: true });
  }

  /** A diagnostic said before the document's others, as it is (syntax errors). */
  first(code: string, severity: Diagnostic['severity'], message: string, line?: number): void {
    this.stage(true, { code, severity, message, line, labelled: false });
  }

  override get hasErrors(): boolean {
    return this.target.hasErrors || this.head.some((d) => d.severity === 'error') || this.body.some((d) => d.severity === 'error');
  }

  /** Passes what is staged on to the target, labelled messages as `label: message`, and stops staging. */
  flush(label: string): void {
    for (const list of [this.head, this.body]) {
      for (const d of list) this.target.add(d.code, d.severity, d.labelled ? `${label}: ${d.message}` : d.message, d.line);
    }
    // The body reached STAGED_CAP, so the target is full: these only raise its count of dropped ones.
    for (; this.overflow > 0; this.overflow--) this.target.add('CW_DIAGNOSTICS_TRUNCATED', 'warning', '');
    this.head = [];
    this.body = [];
    this.open = false;
  }

  override finish(): Diagnostic[] {
    return this.target.finish();
  }

  private stage(first: boolean, d: Staged): void {
    if (first) this.head.push(d);
    else if (this.body.length < STAGED_CAP) this.body.push(d);
    else this.overflow++;
  }
}
