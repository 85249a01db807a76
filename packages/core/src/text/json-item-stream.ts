import type { DiagnosticSink } from '../model/diagnostics.js';
import { copyBytes } from './bytes.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const NEWLINE = 0x0a;

const isSpace = (c: number) => c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09;
/** As JsonDocument decodes: a BOM dropped, invalid sequences as U+FFFD. */
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/** A step of a path into the document: an object member's key, or null for any element or member. */
export type JsonPathStep = string | null;

/** A container to stream: where it is (from the root; [] is the root itself) and what it must be. */
export interface JsonStreamTarget {
  readonly path: readonly JsonPathStep[];
  readonly kind: 'array' | 'object';
}

/** Where a streamed entry came from: the target it matched and its container's concrete path. */
export interface JsonItemPlace {
  readonly target: number;
  readonly at: readonly (string | number)[];
}

/** A container of the rest on the way to a target. */
interface Frame {
  readonly isObject: boolean;
  /** The targets whose path goes through this container. */
  readonly targets: readonly number[];
  readonly at: readonly (string | number)[];
  expectKey: boolean;
  lastKey: string | null;
  /** Arrays: the element being read (commas so far). */
  index: number;
  /** Members (or elements) already streamed as `target:key`: a target streams once per member. */
  streamed: Set<string> | null;
}

/** The container being streamed. */
interface Streaming {
  readonly target: number;
  readonly at: readonly (string | number)[];
  readonly isObject: boolean;
  readonly close: number;
}

/**
 * Reads an entry of a streamed container straight from its bytes (text/json-bytes.ts), for a
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
  /** The key of the entry last read (object containers). */
  readonly key: string;
  /** Applies the entry last read. */
  commit(): void;
}

/**
 * Streams one JSON document whose bulk sits in a few containers (`{"files": [...]}`, or with `kind`
 * `object`, `{"files": {"a.py": {...}, ...}}`, or deeper: `{"data": [{"files": [...]}]}`): each
 * element (or member, with its key) of such a container goes to `onItem` as soon as its bytes are
 * complete, parsed on its own; the rest of the document is kept and parsed at `end()`, with those
 * containers emptied. Memory follows the largest element and the rest, not the document, so a
 * report of any size streams. Members of a streamed object come in document order, each repeat of a
 * key on its own (JSON.parse would keep the last).
 *
 * A target streams only where its path leads through objects (a key step) or arrays and objects (a
 * null step), once per member of its parent container (a repeated key streams only its first
 * container of that kind), and only when the container is of its kind: anything else (another shape,
 * a root that is not an object) stays in the rest, where the format's reader finds and diagnoses it
 * as before. The rest keeps every newline of the elements it leaves out, so a syntax error in it is
 * reported on the document's line. An element that is not valid JSON (or a missing or extra comma
 * between elements) is a syntax error on its line, and nothing more is streamed.
 */
export class JsonItemStream {
  private readonly rest: Uint8Array[] = [];
  private restBytes = 0;
  /**
   * Newlines of the streamed entries, counted rather than kept: `[k, n]` pairs say n newlines come
   * before rest[k]. They only matter for the line of a syntax error in the rest, and a pretty-printed
   * 5M-line document has tens of millions of them (SimpleCov writes one value a line).
   */
  private readonly newlineRuns: number[] = [];
  private pendingNewlines = 0;
  private item: Uint8Array[] = [];
  private itemBytes = 0;
  private overflow = false;
  private failed = false;
  /** Bytes seen, and newlines among them (the current line is `line + 1`). */
  private line = 0;
  /** Whether anything but white space came yet (a first byte that is not a bracket streams nothing). */
  private started = false;
  private inString = false;
  private escape = false;
  /** The rest's containers on the way to a target, innermost last; below them, `untracked` levels. */
  private readonly frames: Frame[] = [];
  private untracked = 0;
  /** A key of the innermost frame while it is read, as written (escapes too), up to `keyCap` bytes. */
  private keyBytes: number[] | null = null;
  private keyLong = false;
  private readonly keyCap: number;
  private streaming: Streaming | null = null;
  /** Nesting inside the current element of the streamed container (0: between elements). */
  private itemDepth = 0;
  /** Inside the container: whether an element has begun, the line it began on, and whether one ended with a comma. */
  private inItem = false;
  private itemLine = 0;
  private afterComma = false;
  private index = 0;
  /** Whether the entry being collected may still go to `fast` (false once it gave up on it whole). */
  private fastRetry = true;
  /** Keys of a streamed object so far: a repeat is read too, and said. */
  private readonly seen = new Set<string>();
  private readonly targets: readonly JsonStreamTarget[];

  /**
   * `key`: the top-level member to stream (null: the root container itself) of the given `kind`; or
   * the list of containers to stream, each entry then telling `onItem` where it came from.
   */
  constructor(
    private readonly sink: DiagnosticSink,
    private readonly maxBytes: number,
    key: string | null | readonly JsonStreamTarget[],
    private readonly onItem: (value: unknown, index: number, key: string | undefined, place: JsonItemPlace) => void,
    kind: 'array' | 'object' = 'array',
    /** Reads entries from their bytes where it can; the others are parsed and go to `onItem`. */
    private readonly fast: ItemBytesReader | null = null,
  ) {
    this.targets = typeof key === 'string' || key === null ? [{ path: key === null ? [] : [key], kind }] : key;
    // Literal keys are compared as written (escaped, at most 6 bytes a character); any key a null step meets is kept for `at`.
    let cap = 0;
    for (const t of this.targets) for (const s of t.path) cap = Math.max(cap, s === null ? 4096 : 6 * s.length + 8);
    this.keyCap = cap;
  }

  write(chunk: Uint8Array): void {
    if (this.overflow || this.failed) return;
    let restFrom = this.streaming === null ? 0 : -1;
    // An element begun in an earlier chunk continues at this chunk's start.
    let itemFrom = this.streaming !== null && this.inItem ? 0 : -1;
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
        if (this.keyBytes !== null) {
          if (this.keyBytes.length < this.keyCap) this.keyBytes.push(c);
          else this.keyLong = true;
        }
        continue;
      }
      const s = this.streaming;
      if (s !== null) {
        if (this.itemDepth === 0) {
          // Between or at the edges of the streamed container's elements.
          if (c === COMMA || c === s.close) {
            if (this.inItem) {
              if (itemFrom >= 0) this.addItem(chunk.subarray(itemFrom, i));
              itemFrom = -1;
              if (!this.finishItem()) return;
            } else if (this.afterComma || (c === COMMA && this.index === 0)) {
              return this.syntax(`expected an entry of ${this.what()} before "${String.fromCharCode(c)}"`, this.line + 1);
            }
            this.afterComma = c === COMMA;
            if (c === s.close) {
              // The closing bracket goes to the rest, which goes on from here.
              this.streaming = null;
              restFrom = i;
            }
            continue;
          }
          if (!this.inItem) {
            if (isSpace(c)) {
              if (c === NEWLINE) this.pushNewlines(1);
              continue;
            }
            if (this.fast !== null) {
              // Most entries lie whole in one chunk: read in place, no copy, no scan of their bytes.
              const end = this.fastInChunk(chunk, i, s);
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
        if (c === QUOTE) this.inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.itemDepth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) this.itemDepth--;
        continue;
      }
      const top = this.untracked === 0 && this.frames.length > 0 ? this.frames[this.frames.length - 1]! : null;
      if (c === QUOTE) {
        this.inString = true;
        if (top !== null && top.isObject && top.expectKey) {
          this.keyBytes = [];
          this.keyLong = false;
        }
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (this.untracked > 0 || (top === null && this.started)) this.untracked++;
        else if (this.open(top, c === OPEN_BRACE)) {
          // The container to stream: the rest keeps its brackets (with the newlines between), the elements go.
          this.pushRest(chunk.subarray(restFrom, i + 1));
          restFrom = -1;
        }
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (this.untracked > 0) this.untracked--;
        else this.frames.pop();
      } else if (top !== null) {
        if (c === COMMA) {
          if (top.isObject) top.expectKey = true;
          else top.index++;
        } else if (c === COLON && top.isObject) top.expectKey = false;
      }
      // Anything else first (a BOM, a scalar root): not a container, nothing streams.
      if (!isSpace(c)) this.started = true;
    }
    if (this.streaming !== null) {
      if (itemFrom >= 0) this.addItem(chunk.subarray(itemFrom));
    } else if (restFrom >= 0) this.pushRest(chunk.subarray(restFrom));
  }

  /**
   * The rest of the document, parsed, with the streamed containers empty; undefined when the
   * document is not valid JSON or over the limit (diagnosed).
   */
  end(): unknown {
    if (this.overflow || this.failed) return undefined;
    const text = joinText(this.rest);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Parsed again with the entries' newlines back in place, so the error names the document's line.
      const full = this.restWithNewlines();
      try {
        JSON.parse(full);
      } catch (e) {
        // A document cut short ends on its last line.
        this.sink.error('CW_JSON_SYNTAX', `not valid JSON: ${message(e)}`, lineAt(full, e) ?? (/end of JSON input/.test(message(e)) ? this.line + 1 : undefined));
      }
      return undefined;
    } finally {
      this.rest.length = 0;
    }
  }

  /** The rest as it was in the document, every newline of the streamed entries included. */
  private restWithNewlines(): string {
    const parts: Uint8Array[] = [];
    const runs = this.newlineRuns;
    let r = 0;
    for (let k = 0; k <= this.rest.length; k++) {
      for (; r < runs.length && runs[r] === k; r += 2) parts.push(new Uint8Array(runs[r + 1]!).fill(NEWLINE));
      if (k < this.rest.length) parts.push(this.rest[k]!);
    }
    if (this.pendingNewlines > 0) parts.push(new Uint8Array(this.pendingNewlines).fill(NEWLINE));
    return parts.length === 0 ? '' : joinText(parts);
  }

  /**
   * A container opens in the rest, as the root (`parent` null) or as an element or member value of
   * `parent`: either it is a target's, and streaming starts (true), or it is followed as a frame
   * when some target's path goes on through it, or it is skipped over.
   */
  private open(parent: Frame | null, isObject: boolean): boolean {
    let step: string | number | null;
    let candidates: readonly number[];
    if (parent === null) {
      step = null;
      candidates = this.targets.map((_, t) => t);
    } else {
      // A bracket where a key should be is a syntax error the rest's parse reports: nothing streams.
      step = parent.isObject ? (parent.expectKey ? null : parent.lastKey) : parent.index;
      candidates = parent.expectKey && parent.isObject ? [] : parent.targets;
    }
    const depth = parent === null ? 0 : parent.at.length + 1;
    const at = parent === null ? [] : [...parent.at, step!];
    const onward: number[] = [];
    for (const t of candidates) {
      const path = this.targets[t]!.path;
      if (parent !== null) {
        const want = path[depth - 1];
        // A key step names an object's member; a null step takes any member or element.
        if (step === null || !(want === null || (parent.isObject && want === step))) continue;
      }
      if (path.length > depth) {
        onward.push(t);
        continue;
      }
      if ((this.targets[t]!.kind === 'object') !== isObject) continue;
      const done = `${t}:${String(step)}`;
      if (parent !== null && parent.streamed?.has(done) === true) continue;
      if (parent !== null) (parent.streamed ??= new Set()).add(done);
      this.streaming = { target: t, at, isObject, close: isObject ? CLOSE_BRACE : CLOSE_BRACKET };
      this.itemDepth = 0;
      this.inItem = false;
      this.afterComma = false;
      this.index = 0;
      this.seen.clear();
      return true;
    }
    if (onward.length > 0) this.frames.push({ isObject, targets: onward, at, expectKey: isObject, lastKey: null, index: 0, streamed: null });
    else this.untracked++;
    return false;
  }

  private endKey(): void {
    const raw = this.keyBytes!;
    this.keyBytes = null;
    const top = this.frames[this.frames.length - 1]!;
    top.expectKey = false;
    if (this.keyLong) {
      top.lastKey = null;
      return;
    }
    // Keys with escapes are rare: decode them as JSON does rather than compare bytes.
    const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(Uint8Array.from(raw));
    try {
      top.lastKey = raw.includes(BACKSLASH) ? (JSON.parse(`"${text}"`) as string) : text;
    } catch {
      top.lastKey = null;
    }
  }

  private pushRest(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.restBytes += bytes.length;
    if (this.restBytes > this.maxBytes) return this.tooLarge();
    if (this.pendingNewlines > 0) {
      this.newlineRuns.push(this.rest.length, this.pendingNewlines);
      this.pendingNewlines = 0;
    }
    // Copied: the caller may reuse its chunk.
    this.rest.push(copyBytes(bytes));
  }

  private addItem(bytes: Uint8Array): void {
    this.itemBytes += bytes.length;
    if (this.itemBytes > this.maxBytes) return this.tooLarge();
    this.item.push(copyBytes(bytes));
  }

  /** Reads the entry at `chunk[i]` with `fast`: the index after it, or -1 (nothing done). */
  private fastInChunk(chunk: Uint8Array, i: number, s: Streaming): number {
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
    if (next === chunk.length || (chunk[next] !== COMMA && chunk[next] !== s.close)) {
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
    this.fastDone(itemLine, s);
    return end;
  }

  /** After `fast` read an entry: the repeated-key warning, the entry applied, the next awaited. */
  private fastDone(itemLine: number, s: Streaming): void {
    const fast = this.fast!;
    if (s.isObject) this.checkRepeat(fast.key, itemLine);
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
    if (count <= 0) return;
    // Counted towards the limit as the bytes they are.
    this.restBytes += count;
    if (this.restBytes > this.maxBytes) return this.tooLarge();
    this.pendingNewlines += count;
  }

  private finishItem(): boolean {
    if (this.overflow) return false;
    const s = this.streaming!;
    const bytes = joinBytes(this.item);
    this.item = [];
    this.itemBytes = 0;
    if (this.fast !== null && this.fastRetry) {
      const end = this.fast.read(bytes, 0);
      if (end >= 0 && onlySpace(bytes, end)) {
        // The element's newlines stay in the rest, so later lines keep their numbers.
        this.pushNewlines(countNewlines(bytes));
        this.fastDone(this.itemLine, s);
        return true;
      }
    }
    this.fastRetry = true;
    this.inItem = false;
    const text = decoder.decode(bytes);
    let value: unknown;
    let key: string | undefined;
    // An object's member is parsed as an object of one member (the brace adds no newline).
    const source = s.isObject ? `{${text}}` : text;
    try {
      value = JSON.parse(source);
      if (s.isObject) {
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
    this.onItem(value, this.index++, key, { target: s.target, at: s.at });
    return true;
  }

  /** The container being streamed, or (no container yet) the targets, for messages. */
  private what(): string {
    const s = this.streaming;
    if (s !== null) return s.at.length === 0 ? `the top-level ${s.isObject ? 'object' : 'array'}` : `"${formatPath(s.at)}"`;
    return this.targets.map((t) => (t.path.length === 0 ? `the top-level ${t.kind}` : `"${formatPath(t.path)}"`)).join(', ');
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

/** `data[0].files` for ['data', 0, 'files']; a null step (any) as `*`. */
function formatPath(path: readonly (string | number | null)[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : s === null ? (out === '' ? '*' : '.*') : out === '' ? s : `.${s}`;
  return out.slice(0, 200);
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
