import type { DiagnosticSink } from '../model/diagnostics.js';
import { copyBytes } from './bytes.js';

/**
 * Splits a byte stream into lines without decoding it, calling the handler's `onLine(bytes, start,
 * end, lineNo)` with the line's byte range (LF or CRLF stripped; 1-based line numbers). Line-oriented parsers
 * (LCOV, Go) read numbers straight from the bytes and decode only the few fields that are text
 * (paths, names): decoding every byte to a string first was a third of their time.
 *
 * A UTF-8 BOM at the start is skipped. A line longer than `maxLength` bytes is skipped with one
 * error diagnostic, so memory stays bounded whatever the input.
 */
/** Where a `fastLines` run stopped (one object per reader, reused). */
export interface FastRun {
  next: number;
}

/**
 * What a ByteLineReader calls. A parser implements it as methods of a class rather than closures:
 * closures are new functions for every parser, so V8 compiled the hot loops afresh for each report
 * (half the CPU time of parsing a 1M-line LCOV file went to recompiling and to the GC, measured on
 * the worker threads), while methods are compiled once per process.
 */
export interface LineHandler {
  /** A line's byte range (LF or CRLF stripped; 1-based line numbers). */
  onLine(bytes: Uint8Array, start: number, end: number, lineNo: number): void;
  /**
   * The hot path: given the start of a line (and its number), consume as many whole lines as it can,
   * set `run.next` to the index after the last LF consumed and return how many lines that was (0
   * leaves the line to `onLine`). Lets a parser read runs of its most common records in a loop of its
   * own: a call per line was a fifth of LCOV parsing.
   */
  fastLines(bytes: Uint8Array, start: number, limit: number, lineNo: number, run: FastRun): number;
}

export class ByteLineReader {
  private carry: Uint8Array | null = null;
  private lineNo = 0;
  private first = true;
  private skipping = false;
  private readonly run: FastRun = { next: 0 };

  constructor(
    private readonly handler: LineHandler,
    private readonly sink: DiagnosticSink,
    private readonly maxLength: number,
  ) {}

  get lines(): number {
    return this.lineNo;
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // A plain view: subarrays of a Node Buffer are Buffers, and creating those is much slower.
    let buf = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    if (this.carry !== null) {
      const lf = this.first ? -1 : buf.indexOf(10);
      if (lf < 0) {
        const joined = new Uint8Array(this.carry.length + buf.length);
        joined.set(this.carry);
        joined.set(buf, this.carry.length);
        buf = joined;
      } else {
        // Only the line cut by the chunk boundary is copied; the rest is read in place (copying
        // every chunk whole made a 1 MiB garbage buffer per write).
        const head = new Uint8Array(this.carry.length + lf + 1);
        head.set(this.carry);
        head.set(buf.subarray(0, lf + 1), this.carry.length);
        this.carry = null;
        this.scan(head, 0);
        start = lf + 1;
      }
      this.carry = null;
    }
    if (this.first) {
      if (buf.length < 3 && buf[0] === 0xef) {
        this.carry = copyBytes(buf);
        return;
      }
      this.first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    }
    this.scan(buf, start);
  }

  /** Reads the lines of buf from `start`; an unterminated tail becomes the carry. */
  private scan(buf: Uint8Array, start: number): void {
    const n = buf.length;
    // A plain loop beats TypedArray#indexOf here: lines are short, and the call overhead per line
    // was 15% of LCOV parsing.
    let i = start;
    const handler = this.handler;
    const run = this.run;
    for (;;) {
      if (!this.skipping) {
        const k = handler.fastLines(buf, start, n, this.lineNo + 1, run);
        if (k > 0) {
          this.lineNo += k;
          i = start = run.next;
          continue;
        }
      }
      while (i < n && buf[i] !== 10) i++;
      if (i >= n) break;
      this.emit(buf, start, i);
      start = ++i;
    }
    if (start < n) {
      if (n - start > this.maxLength) {
        if (!this.skipping) this.tooLong(this.lineNo + 1);
        this.skipping = true;
      } else {
        this.carry = copyBytes(buf, start);
      }
    }
  }

  end(): void {
    if (this.carry !== null) {
      const c = this.carry;
      this.carry = null;
      if (this.first && c[0] === 0xef && c[1] === 0xbb && c[2] === 0xbf) this.emit(c, 3, c.length);
      else this.emit(c, 0, c.length);
    } else if (this.skipping) {
      this.lineNo++;
      this.skipping = false;
    }
  }

  private emit(buf: Uint8Array, start: number, end: number): void {
    this.lineNo++;
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    if (end - start > this.maxLength) {
      this.tooLong(this.lineNo);
      return;
    }
    if (end > start && buf[end - 1] === 13) end--;
    this.handler.onLine(buf, start, end, this.lineNo);
  }

  private tooLong(line: number): void {
    this.sink.error('CW_RECORD_TOO_LONG', `line ${line} is longer than ${this.maxLength} bytes; skipped`, line);
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const SHORT = 128;
/** Scratch arrays of each short length (index = length): reused without resizing one array. */
const codesByLength: number[][] = [];

/** Decodes bytes[start, end) as UTF-8 (invalid sequences become U+FFFD). */
export function decodeRange(bytes: Uint8Array, start: number, end: number): string {
  // Pure ASCII is by far the common case; building it directly avoids TextDecoder's call overhead
  // for short fields.
  const n = end - start;
  if (n <= SHORT) {
    let codes = codesByLength[n];
    if (codes === undefined) {
      codes = new Array<number>(n).fill(0);
      codesByLength[n] = codes;
    }
    let i = 0;
    for (; i < n; i++) {
      const c = bytes[start + i]!;
      if (c >= 0x80) break;
      codes[i] = c;
    }
    if (i === n) return String.fromCharCode.apply(null, codes);
  }
  return decoder.decode(bytes.subarray(start, end));
}

/**
 * Parses a non-negative decimal integer from bytes[start, end); -1 when it is not one (empty, sign,
 * fraction, other characters).
 */
export function parseUintBytes(bytes: Uint8Array, start: number, end: number): number {
  if (start >= end) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i]! - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}
