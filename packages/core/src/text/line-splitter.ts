import type { DiagnosticSink } from '../model/diagnostics.js';
import { utf8Decoder } from './text-decoder.js';

/**
 * Splits a byte stream into text lines (LF or CRLF; a lone CR inside a line is kept) and calls
 * `onLine(text, lineNumber)` for each, lineNumber 1-based. A line longer than `maxLength` is skipped
 * with one error diagnostic, so memory stays bounded whatever the input.
 */
export class LineSplitter {
  private readonly decode = utf8Decoder();
  private carry = '';
  private lineNo = 0;
  private skippingLongLine = false;

  constructor(
    private readonly onLine: (text: string, lineNumber: number) => void,
    private readonly sink: DiagnosticSink,
    private readonly maxLength: number,
  ) {}

  write(chunk: Uint8Array): void {
    this.feed(this.decode(chunk));
  }

  end(): void {
    this.feed(this.decode(null));
    if (this.carry.length > 0 || this.skippingLongLine) {
      this.emit(this.carry);
      this.carry = '';
    }
  }

  /** Number of lines seen so far. */
  get lines(): number {
    return this.lineNo;
  }

  private feed(text: string): void {
    if (text.length === 0) return;
    let s = this.carry.length > 0 ? this.carry + text : text;
    this.carry = '';
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      this.emit(s.slice(start, nl));
      start = nl + 1;
    }
    if (start < s.length) {
      const rest = s.length - start;
      if (rest > this.maxLength) {
        if (!this.skippingLongLine) {
          this.sink.error('CW_RECORD_TOO_LONG', `line ${this.lineNo + 1} is longer than ${this.maxLength} characters; skipped`, this.lineNo + 1);
        }
        this.skippingLongLine = true;
        s = '';
      } else {
        this.carry = s.slice(start);
      }
    }
  }

  private emit(raw: string): void {
    this.lineNo++;
    if (this.skippingLongLine) {
      this.skippingLongLine = false;
      return;
    }
    if (raw.length > this.maxLength) {
      this.sink.error('CW_RECORD_TOO_LONG', `line ${this.lineNo} is longer than ${this.maxLength} characters; skipped`, this.lineNo);
      return;
    }
    const text = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    this.onLine(text, this.lineNo);
  }
}
