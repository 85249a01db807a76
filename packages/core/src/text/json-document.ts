import type { DiagnosticSink } from '../model/diagnostics.js';
import { decodeUtf8 } from './text-decoder.js';

/**
 * Collects a JSON document's bytes (up to `maxBytes`) and parses it with the engine's JSON.parse,
 * which is far faster than any JavaScript streaming parser. Bytes past the limit are refused with
 * one error diagnostic rather than buffered, so memory stays bounded.
 *
 * Large reports are mostly one big object or array of per-file entries. `members()` parses such a
 * container one entry at a time instead of as a whole: each entry's objects then die young, which
 * spares the garbage collector from promoting and marking a tree of millions of objects (that is
 * more than half the cost of one JSON.parse of a 100 MB report).
 */
export class JsonDocument {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;
  private overflow = false;

  constructor(
    private readonly sink: DiagnosticSink,
    private readonly maxBytes: number,
  ) {}

  write(chunk: Uint8Array): void {
    if (this.overflow) return;
    if (this.size + chunk.length > this.maxBytes) {
      this.overflow = true;
      this.chunks.length = 0;
      this.sink.error('CW_DOCUMENT_TOO_LARGE', `the JSON document is larger than the limit of ${this.maxBytes} bytes`);
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  /** The document's bytes as one array (joined once, then kept: `members()` may be followed by `parse()`). */
  private bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const bytes = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      bytes.set(c, o);
      o += c.length;
    }
    this.chunks.length = 0;
    if (bytes.length > 0) this.chunks.push(bytes);
    return bytes;
  }

  /**
   * The members of the top-level object (or the elements of the top-level array), each value parsed
   * only when asked for, or null when that is not possible: the document is too large or is not a
   * well-formed object or array around its members. A null means nothing: call `parse()`, which gives
   * the value or diagnoses the syntax error.
   *
   * Only the structure between member values is checked here; a value is checked when it is parsed.
   * `JsonMembers.value()` returns undefined for a value that is not valid JSON: the document is then
   * invalid, and the caller must discard what it did with earlier members and call `parse()`.
   */
  members(): JsonMembers | null {
    if (this.overflow) return null;
    return new Scanner(this.bytes()).document();
  }

  /** The parsed value, or undefined when the document was too large or is not valid JSON (diagnosed). */
  parse(): unknown {
    if (this.overflow) return undefined;
    const bytes = this.bytes();
    this.chunks.length = 0;
    const text = decodeUtf8(bytes);
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const m = /position (\d+)/.exec(msg);
      let line: number | undefined;
      if (m) {
        const pos = Number(m[1]);
        line = 1;
        for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
      }
      this.sink.error('CW_JSON_SYNTAX', `not valid JSON: ${msg.slice(0, 200)}`, line);
      return undefined;
    }
  }
}

/**
 * The members of one object (or the elements of one array) of a document, in the order and with the
 * values `Object.keys(JSON.parse(...))` would give: array-index keys ascending first, then the other
 * keys in first-appearance order, a repeated key keeping its last value. Array elements have keys
 * "0", "1", ...
 */
export class JsonMembers {
  constructor(
    /** True for an array, false for an object. */
    readonly isArray: boolean,
    readonly keys: readonly string[],
    private readonly bytes: Uint8Array,
    private readonly starts: readonly number[],
    private readonly ends: readonly number[],
  ) {}

  get length(): number {
    return this.keys.length;
  }

  /** Member i's value, parsed anew on each call; undefined when it is not valid JSON. */
  value(i: number): unknown {
    const text = decodeSlice(this.bytes, this.starts[i]!, this.ends[i]!);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
}

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * Decodes bytes [start, end) of a document. Slices start and end at ASCII structural characters, so
 * each slice decodes exactly as that part of the whole document does (invalid sequences included).
 */
function decodeSlice(bytes: Uint8Array, start: number, end: number): string {
  return decoder.decode(bytes.subarray(start, end));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A canonical array index ("0", "17", not "01" or "4294967295"), which Object.keys lists first. */
function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9][0-9]{0,9})$/.test(key) && Number(key) <= 4294967294;
}

/** Finds member boundaries by the document's structure (strings, brackets); the values stay unparsed. */
class Scanner {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}

  document(): JsonMembers | null {
    const b = this.b;
    // A UTF-8 BOM is dropped by the decoder before JSON.parse sees the text.
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) this.pos = 3;
    this.ws();
    const found = this.container();
    if (found === null) return null;
    this.ws();
    return this.pos === b.length ? found : null;
  }

  /** Scans the object or array at pos into members. */
  private container(): JsonMembers | null {
    const b = this.b;
    const open = b[this.pos];
    if (open !== OPEN_BRACE && open !== OPEN_BRACKET) return null;
    const isArray = open === OPEN_BRACKET;
    const close = isArray ? CLOSE_BRACKET : CLOSE_BRACE;
    this.pos++;
    this.ws();
    const keys: string[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    let index: Map<string, number> | null = null;
    let indexKeys = false;
    if (b[this.pos] === close) this.pos++;
    else
      for (;;) {
        let key: string;
        if (isArray) key = String(keys.length);
        else {
          const k = this.key();
          if (k === null) return null;
          key = k;
          this.ws();
        }
        const start = this.pos;
        if (!this.skipValue()) return null;
        if (isArray) {
          keys.push(key);
          starts.push(start);
          ends.push(this.pos);
        } else {
          // A repeated key keeps its first place and its last value, as in JSON.parse.
          index ??= new Map();
          const at = index.get(key);
          if (at !== undefined) {
            starts[at] = start;
            ends[at] = this.pos;
          } else {
            index.set(key, keys.length);
            keys.push(key);
            starts.push(start);
            ends.push(this.pos);
            if (!indexKeys && isArrayIndex(key)) indexKeys = true;
          }
        }
        this.ws();
        const c = b[this.pos++];
        if (c === close) break;
        if (c !== COMMA) return null;
        this.ws();
      }
    if (indexKeys) return sortedByKeyOrder(keys, starts, ends, this.b);
    return new JsonMembers(isArray, keys, this.b, starts, ends);
  }

  /** A member key `"..." :` at pos, decoded; pos ends after the colon. */
  private key(): string | null {
    const b = this.b;
    const start = this.pos;
    if (b[start] !== QUOTE || !this.skipString()) return null;
    let key: unknown;
    try {
      key = JSON.parse(decodeSlice(b, start, this.pos));
    } catch {
      return null;
    }
    this.ws();
    if (b[this.pos] !== COLON) return null;
    this.pos++;
    this.ws();
    return typeof key === 'string' ? key : null;
  }

  /** Skips the string at pos (its opening quote); false when it does not end. */
  private skipString(): boolean {
    const b = this.b;
    const n = b.length;
    let i = this.pos + 1;
    for (; i < n; i++) {
      const c = b[i]!;
      if (c === QUOTE) {
        this.pos = i + 1;
        return true;
      }
      if (c === BACKSLASH) i++;
    }
    return false;
  }

  /**
   * Skips one value at pos by its structure: strings and bracket depth, not which bracket closes
   * which (a mismatch is found when the value is parsed). A scalar runs to the next `,`, `}`, `]`
   * or whitespace.
   */
  private skipValue(): boolean {
    const b = this.b;
    const n = b.length;
    let i = this.pos;
    const first = b[i];
    if (first === OPEN_BRACE || first === OPEN_BRACKET) {
      let depth = 0;
      for (; i < n; i++) {
        const c = b[i]!;
        if (c === QUOTE) {
          for (i++; i < n; i++) {
            const d = b[i]!;
            if (d === QUOTE) break;
            if (d === BACKSLASH) i++;
          }
        } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          if (--depth === 0) {
            this.pos = i + 1;
            return true;
          }
        }
      }
      return false;
    }
    if (first === QUOTE) return this.skipString();
    for (; i < n; i++) {
      const c = b[i]!;
      if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
    }
    if (i === this.pos) return false;
    this.pos = i;
    return true;
  }

  /** Skips JSON whitespace (space, tab, LF, CR: nothing else, as JSON.parse). */
  private ws(): void {
    const b = this.b;
    let i = this.pos;
    for (;;) {
      const c = b[i];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
    this.pos = i;
  }
}

/** Members reordered as Object.keys lists them: array-index keys ascending, then the rest in order. */
function sortedByKeyOrder(keys: string[], starts: number[], ends: number[], bytes: Uint8Array): JsonMembers {
  const order = keys.map((_, i) => i);
  const idx = keys.map((k) => (isArrayIndex(k) ? Number(k) : -1));
  order.sort((a, b) => {
    const x = idx[a]!;
    const y = idx[b]!;
    if (x >= 0 && y >= 0) return x - y;
    if (x >= 0) return -1;
    if (y >= 0) return 1;
    return a - b;
  });
  return new JsonMembers(
    false,
    order.map((i) => keys[i]!),
    bytes,
    order.map((i) => starts[i]!),
    order.map((i) => ends[i]!),
  );
}
