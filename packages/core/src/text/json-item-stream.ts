import type { DiagnosticSink } from '../model/diagnostics.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;
const NEWLINES = new Uint8Array(4096).fill(NEWLINE);

const isSpace = (c: number) => c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;
/** As JsonDocument decodes: a BOM dropped, invalid sequences as U+FFFD. */
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/**
 * Reads an entry of the streamed container straight from its bytes (text/json-bytes.ts), for a
 * format that knows its entries' shape, instead of JSON.parse and the format's general reader.
 */
export interface ItemBytesReader {
  /**
   * Reads the entry starting at `b[from]`; returns the index just after it, or -1 when it is cut
   * short by the end of `b` or must go to JSON.parse (then nothing of it has been applied).
   */
  read(b: Uint8Array, from: number): number;
  /** After a -1: whether the entry was cut short (then it is read again once whole). */
  readonly incomplete: boolean;
  /** Newlines inside the entry last read. */
  readonly newlines: number;
  /** The key of the entry last read (object kinds). */
  readonly key: string;
  /** Applies the entry last read. */
  commit(): void;
}

/**
 * Streams one JSON document whose bulk is one member of its top-level object (`{"files": [...]}`,
 * or with `kind` `object`, `{"files": {"a.py": {...}, ...}}`): each element (or member, with its key)
 * goes to `onItem` as soon as its bytes are complete, parsed on its own; the rest of the document is
 * kept and parsed at `end()`, with that container emptied. Memory follows the largest element and
 * the rest, not the document, so a report of any size streams. Members of a streamed object come in
 * document order, each repeat of a key on its own (JSON.parse would keep the last).
 *
 * Only the first member named `key` streams, and only when it is of that kind: anything else (another
 * shape, a root that is not an object) stays in the rest, where the format's reader finds and
 * diagnoses it as before. The rest keeps every newline of the elements it leaves out, so a syntax
 * error in it is reported on the document's line. An element that is not valid JSON (or a missing
 * or extra comma between elements) is a syntax error on its line, and nothing more is streamed.
 */
export class JsonItemStream {
  private readonly rest: Uint8Array[] = [];
  private restBytes = 0;
  private item: Uint8Array[] = [];
  private itemBytes = 0;
  private overflow = false;
  private failed = false;
  /** Bytes seen, and newlines among them (the current line is `line + 1`). */
  private line = 0;
  private started = false;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** In the root object: the next string is a key; the key's bytes while it is read. */
  private expectKey = false;
  private keyBytes: number[] | null = null;
  private lastKey: string | null = null;
  /** 0: not yet streamed, 1: inside the streamed array, 2: done. */
  private phase: 0 | 1 | 2 = 0;
  private streamable = false;
  /** Inside the array: whether an element has begun, the line it began on, and whether one ended with a comma. */
  private inItem = false;
  private itemLine = 0;
  private afterComma = false;
  private index = 0;
  /** Whether the entry being collected may still go to `fast` (false once it gave up on it whole). */
  private fastRetry = true;
  /** Keys of a streamed object so far: a repeat is read too, and said. */
  private readonly seen = new Set<string>();

  constructor(
    private readonly sink: DiagnosticSink,
    private readonly maxBytes: number,
    /** The top-level member to stream; null: the root container itself. */
    private readonly key: string | null,
    private readonly onItem: (value: unknown, index: number, key: string | undefined) => void,
    private readonly kind: 'array' | 'object' = 'array',
    /** Reads entries from their bytes where it can; the others are parsed and go to `onItem`. */
    private readonly fast: ItemBytesReader | null = null,
  ) {
    this.open = kind === 'array' ? OPEN_BRACKET : OPEN_BRACE;
    this.close = kind === 'array' ? CLOSE_BRACKET : CLOSE_BRACE;
    this.streamDepth = key === null ? 1 : 2;
  }

  private readonly streamDepth: number;

  private readonly open: number;
  private readonly close: number;

  write(chunk: Uint8Array): void {
    if (this.overflow || this.failed) return;
    let restFrom = 0;
    // An element begun in an earlier chunk continues at this chunk's start.
    let itemFrom = this.phase === 1 && this.inItem ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === NEWLINE) this.line++;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.keyBytes !== null) this.endKey();
          continue;
        }
        // A key's bytes as written (escapes too), up to what could still spell the key.
        if (this.keyBytes !== null && this.keyBytes.length <= 6 * (this.key?.length ?? 0) + 8) this.keyBytes.push(c);
        continue;
      }
      if (this.phase === 1 && this.depth === this.streamDepth) {
        // Between or at the edges of the streamed array's elements.
        if (c === COMMA || c === this.close) {
          if (this.inItem) {
            if (itemFrom >= 0) this.addItem(chunk.subarray(itemFrom, i));
            itemFrom = -1;
            if (!this.finishItem()) return;
          } else if (this.afterComma || (c === COMMA && this.index === 0)) {
            return this.syntax(`expected an entry of ${this.what()} before "${String.fromCharCode(c)}"`, this.line + 1);
          }
          this.afterComma = c === COMMA;
          if (c === this.close) {
            this.phase = 2;
            this.depth = this.streamDepth - 1;
            restFrom = i;
          }
          continue;
        }
        if (!this.inItem) {
          if (isSpace(c)) {
            if (c === NEWLINE) this.pushRest(NEWLINES.subarray(0, 1));
            continue;
          }
          if (this.fast !== null) {
            // Most entries lie whole in one chunk: read in place, no copy, no scan of their bytes.
            const end = this.fastInChunk(chunk, i);
            if (end >= 0) {
              i = end - 1;
              continue;
            }
            if (this.overflow) return;
          }
          this.inItem = true;
          this.itemLine = this.line + 1;
          itemFrom = i;
        }
      }
      if (c === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.expectKey && this.phase === 0) this.keyBytes = [];
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        const first = !this.started;
        if (first) {
          this.started = true;
          this.streamable = c === OPEN_BRACE;
          this.expectKey = true;
        }
        if (first ? this.key === null && c === this.open : this.depth === 1 && this.phase === 0 && c === this.open && this.streamable && this.key !== null && this.lastKey === this.key) {
          // The container to stream: the rest keeps its brackets (with the newlines between), the elements go.
          this.pushRest(chunk.subarray(restFrom, i + 1));
          restFrom = -1;
          this.phase = 1;
          this.depth = this.streamDepth;
          continue;
        }
        this.depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        this.depth--;
      } else if (this.depth === 1) {
        if (c === COMMA) this.expectKey = true;
        else if (c === COLON) this.expectKey = false;
      }
      // Anything else first (a BOM, a scalar root): not an object, nothing streams.
      if (!this.started && !isSpace(c)) this.started = true;
    }
    if (this.phase === 1) {
      if (itemFrom >= 0) this.addItem(chunk.subarray(itemFrom));
    } else if (restFrom >= 0) this.pushRest(chunk.subarray(restFrom));
  }

  /**
   * The rest of the document, parsed, with the streamed array empty; undefined when the document is
   * not valid JSON or over the limit (diagnosed).
   */
  end(): unknown {
    if (this.overflow || this.failed) return undefined;
    const text = joinText(this.rest);
    this.rest.length = 0;
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      // A document cut short ends on its last line.
      this.sink.error('CW_JSON_SYNTAX', `not valid JSON: ${message(e)}`, lineAt(text, e) ?? (/end of JSON input/.test(message(e)) ? this.line + 1 : undefined));
      return undefined;
    }
  }

  private endKey(): void {
    const raw = this.keyBytes!;
    this.keyBytes = null;
    this.expectKey = false;
    // Keys with escapes are rare: decode them as JSON does rather than compare bytes.
    const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(Uint8Array.from(raw));
    try {
      this.lastKey = raw.includes(BACKSLASH) ? (JSON.parse(`"${text}"`) as string) : text;
    } catch {
      this.lastKey = null;
    }
  }

  private pushRest(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.restBytes += bytes.length;
    if (this.restBytes > this.maxBytes) return this.tooLarge();
    // Copied: the caller may reuse its chunk.
    this.rest.push(bytes.slice());
  }

  private addItem(bytes: Uint8Array): void {
    this.itemBytes += bytes.length;
    if (this.itemBytes > this.maxBytes) return this.tooLarge();
    this.item.push(bytes.slice());
  }

  /** Reads the entry at `chunk[i]` with `fast`: the index after it, or -1 (nothing done). */
  private fastInChunk(chunk: Uint8Array, i: number): number {
    const fast = this.fast!;
    const end = fast.read(chunk, i);
    if (end < 0) {
      // Cut short by the chunk's end: try again once it is whole; otherwise JSON.parse has it.
      this.fastRetry = fast.incomplete;
      return -1;
    }
    // Applied only once its delimiter is in sight, as the general path does: an entry the
    // document never closes, or one followed by junk, is left to the byte scan.
    let next = end;
    while (next < chunk.length && isSpace(chunk[next]!)) next++;
    if (next === chunk.length || (chunk[next] !== COMMA && chunk[next] !== this.close)) {
      this.fastRetry = true;
      return -1;
    }
    if (end - i > this.maxBytes) {
      this.tooLarge();
      return -1;
    }
    const itemLine = this.line + 1;
    this.line += fast.newlines;
    this.pushNewlines(fast.newlines);
    this.fastDone(itemLine);
    return end;
  }

  /** After `fast` read an entry: the repeated-key warning, the entry applied, the next awaited. */
  private fastDone(itemLine: number): void {
    const fast = this.fast!;
    if (this.kind === 'object') this.checkRepeat(fast.key, itemLine);
    fast.commit();
    this.index++;
    this.inItem = false;
    this.afterComma = false;
    this.fastRetry = true;
  }

  private checkRepeat(key: string, line: number): void {
    if (this.seen.has(key)) {
      this.sink.warn('CW_JSON_DUPLICATE_KEY', `${JSON.stringify(key).slice(0, 200)} appears more than once in ${this.what()}: every entry is read (JSON.parse would keep only the last)`, line);
    } else this.seen.add(key);
  }

  private pushNewlines(count: number): void {
    let n = count;
    while (n > 0) {
      const k = Math.min(n, NEWLINES.length);
      this.pushRest(NEWLINES.subarray(0, k));
      n -= k;
    }
  }

  private finishItem(): boolean {
    if (this.overflow) return false;
    const bytes = joinBytes(this.item);
    this.item = [];
    this.itemBytes = 0;
    if (this.fast !== null && this.fastRetry) {
      const end = this.fast.read(bytes, 0);
      if (end >= 0 && onlySpace(bytes, end)) {
        // The element's newlines stay in the rest, so later lines keep their numbers.
        this.pushNewlines(countNewlines(bytes));
        this.fastDone(this.itemLine);
        return true;
      }
    }
    this.fastRetry = true;
    this.inItem = false;
    const text = decoder.decode(bytes);
    let value: unknown;
    let key: string | undefined;
    // An object's member is parsed as an object of one member (the brace adds no newline).
    const source = this.kind === 'array' ? text : `{${text}}`;
    try {
      value = JSON.parse(source);
      if (this.kind === 'object') {
        const keys = Object.keys(value as object);
        if (keys.length !== 1) throw new Error(`expected one "key": value member of ${this.what()}`);
        key = keys[0]!;
        value = (value as Record<string, unknown>)[key];
        this.checkRepeat(key, this.itemLine);
      }
    } catch (e) {
      const within = lineAt(source, e);
      this.syntax(`not valid JSON: ${message(e)}`, within === undefined ? this.itemLine : this.itemLine + within - 1);
      return false;
    }
    // The element's newlines stay in the rest, so later lines keep their numbers.
    this.pushNewlines(countNewlines(bytes));
    this.onItem(value, this.index++, key);
    return true;
  }

  private what(): string {
    return this.key === null ? 'the top-level object' : `"${this.key}"`;
  }

  private syntax(msg: string, line: number): void {
    this.failed = true;
    this.sink.error('CW_JSON_SYNTAX', msg.slice(0, 240), line);
  }

  private tooLarge(): void {
    if (this.overflow) return;
    this.overflow = true;
    this.rest.length = 0;
    this.item = [];
    this.sink.error('CW_DOCUMENT_TOO_LARGE', `the JSON document (without the entries of ${this.what()}) or one of those entries is larger than the limit of ${this.maxBytes} bytes`);
  }
}

function joinText(parts: readonly Uint8Array[]): string {
  return decoder.decode(joinBytes(parts));
}

function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let size = 0;
  for (const p of parts) size += p.length;
  const all = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return all;
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(NEWLINE); i !== -1; i = b.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

function onlySpace(b: Uint8Array, from: number): boolean {
  for (let i = from; i < b.length; i++) if (!isSpace(b[i]!)) return false;
  return true;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 200);
}

/** The 1-based line of a JSON.parse error position in `text`, when the message names one. */
export function lineAt(text: string, e: unknown): number | undefined {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  if (m === null) return undefined;
  const pos = Number(m[1]);
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
