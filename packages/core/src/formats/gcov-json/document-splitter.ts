const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const NEWLINES = new Uint8Array(4096).fill(NEWLINE);
const BOM = [0xef, 0xbb, 0xbf] as const;

const isSpace = (c: number) => c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;

/** Where the documents of a gcov JSON file go, one after the other. */
export interface DocumentConsumer {
  /** A document begins on report line `line` (1-based). */
  begin(line: number): void;
  /** The document's next bytes, valid only during the call. */
  bytes(chunk: Uint8Array): void;
  /** The document is complete. */
  end(): void;
}

/**
 * Splits concatenated gcov JSON documents as their bytes stream in. gcov writes each document as one
 * compact line, so a boundary is a newline between a `}` and a `{` (white space around it allowed);
 * that never occurs inside one JSON document (an object after an object needs a comma, and strings
 * cannot hold a raw newline), so a single pretty-printed document stays whole.
 *
 * A document's bytes are passed on as they come, except the white space after a newline: it is held
 * back until the next byte tells whether a document follows, and only its newlines are passed on
 * then, so lines keep their numbers. White space at the end of the input and a leading UTF-8 BOM
 * (which the JSON decoder would drop) are not passed on at all; a file of white space alone holds no
 * document.
 */
export class DocumentSplitter {
  /** Report line of the next byte. */
  private line = 1;
  /**
   * `idle`: no document yet, only white space; `body`: inside a document, on a line with content;
   * `lineStart`: inside a document after a newline, only white space since.
   */
  private state: 'idle' | 'body' | 'lineStart' = 'idle';
  /** Whether the current document's last non-space byte so far is a `}`. */
  private closeLast = false;
  /** Newlines held back since the last non-space byte (`lineStart`: the first is the line's own). */
  private held = 0;
  /** In `lineStart`: the line a document following the newline would start on. */
  private nextLine = 0;
  /** Bytes of a leading BOM matched so far; -1 once past the start of the file. */
  private bom = 0;
  private count = 0;

  constructor(private readonly out: DocumentConsumer) {}

  /** Documents begun so far. */
  get documents(): number {
    return this.count;
  }

  write(chunk: Uint8Array): void {
    let from = 0;
    if (this.bom >= 0) {
      while (from < chunk.length && this.bom < BOM.length && chunk[from] === BOM[this.bom]) {
        this.bom++;
        from++;
      }
      if (this.bom === BOM.length) this.bom = -1;
      else if (from < chunk.length) this.notBom();
    }
    if (from < chunk.length) this.scan(chunk.subarray(from));
  }

  /** Ends the last document. */
  finish(): void {
    if (this.bom > 0) this.notBom();
    if (this.state === 'idle') return;
    this.state = 'idle';
    this.out.end();
  }

  /** The bytes matched so far were not a BOM after all: they are content. */
  private notBom(): void {
    const matched = Uint8Array.from(BOM.slice(0, this.bom));
    this.bom = -1;
    if (matched.length > 0) this.scan(matched);
  }

  private scan(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.state !== 'body') {
        for (; i < n && isSpace(chunk[i]!); i++) {
          if (chunk[i] === NEWLINE) {
            this.held++;
            this.line++;
          }
        }
        if (i === n) return;
        if (this.state === 'idle') {
          this.start(1);
          this.newlines(this.held);
        } else if (this.closeLast && chunk[i] === OPEN_BRACE) {
          // The boundary's newline belongs to neither document; those after it begin the next one.
          this.out.end();
          this.start(this.nextLine);
          this.newlines(this.held - 1);
        } else this.newlines(this.held);
        this.held = 0;
        this.state = 'body';
      }
      // Inside a document, only the line ends matter: what precedes each is looked at backwards.
      const nl = chunk.indexOf(NEWLINE, i);
      const stop = nl < 0 ? n : nl;
      let p = stop - 1;
      while (p >= i && isSpace(chunk[p]!)) p--;
      if (p >= i) this.closeLast = chunk[p] === CLOSE_BRACE;
      if (nl < 0) {
        this.out.bytes(chunk.subarray(i));
        return;
      }
      if (nl > i) this.out.bytes(chunk.subarray(i, nl));
      this.line++;
      this.state = 'lineStart';
      this.held = 1;
      this.nextLine = this.line;
      i = nl + 1;
    }
  }

  private start(line: number): void {
    this.count++;
    this.closeLast = false;
    this.out.begin(line);
  }

  private newlines(count: number): void {
    for (let left = count; left > 0; left -= NEWLINES.length) this.out.bytes(NEWLINES.subarray(0, Math.min(left, NEWLINES.length)));
  }
}
