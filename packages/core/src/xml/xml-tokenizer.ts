import type { DiagnosticSink } from '../model/diagnostics.js';
import { type AttrLayout, BytePattern, internalize, learnLayout, nameSignature } from './attr-layout.js';
import { copyBytes } from '../text/bytes.js';
import { RecordReader, type XmlRecordSpec } from './record-reader.js';

export { ABSENT, type XmlRecordSpec } from './record-reader.js';

/**
 * The attributes of the tag being reported. The object is reused for every tag: read what you need
 * inside the callback and do not keep it.
 *
 * Attributes are kept as offsets into the tokenizer's bytes: nothing is decoded until asked for, so
 * attributes a parser does not read cost nothing, and `uint` / `is` read values in place without
 * making a string. Look attributes up by a constant name (a string literal): lookups compare bytes
 * in place and never allocate.
 */
export interface XmlAttributes {
  /**
   * The value of attribute `name` (entities decoded), or undefined. Short values that repeat (counts,
   * enum-like values, method names) come from a small cache, so reading them usually allocates nothing.
   */
  get(name: string): string | undefined;
  /**
   * The value of attribute `name` as a non-negative decimal integer, read in place without making a
   * string (for the numeric attributes coverage formats are made of): -2 when the attribute is absent,
   * -1 when its value is not a non-negative integer (empty, sign, fraction, other text).
   */
  uint(name: string): number;
  /** True when attribute `name` is present and its value (entities decoded) is `value`; compared in place. */
  is(name: string, value: string): boolean;
  /** True when attribute `name` is present (whatever its value); no string is made. */
  has(name: string): boolean;
  readonly count: number;
  nameAt(i: number): string;
  valueAt(i: number): string;
}

export interface XmlHandler {
  /**
   * `<name ...>` or `<name .../>` (then `closeTag` follows at once). Tag names are interned: the same
   * name is the same string object every time, so comparing it with string literals is cheap.
   */
  openTag(name: string, attrs: XmlAttributes): void;
  closeTag(name: string): void;
  /** Character data (entities decoded, CDATA included). Only called when defined. */
  text?(text: string): void;
  /**
   * A self-closing tag of an element of `XmlTokenizerOptions.records`, read without `openTag`:
   * `kind` is the index of its spec, `values` its slots (`ABSENT` where the tag lacks the attribute;
   * valid during the call only). Only regular tags come here (see record-reader.ts), never the root
   * element, and the element is not among `openElements` during the call. Return false to have the
   * same tag reported by `openTag` + `closeTag` instead (for anything the record does not say, such
   * as the text of a diagnostic); nothing done before returning false may be visible.
   */
  record?(kind: number, values: Float64Array): boolean;
}

export interface XmlTokenizerOptions {
  /** Longest tag, comment, text run or DOCTYPE accepted, in bytes. */
  readonly maxTokenLength: number;
  /** Deepest element nesting accepted. */
  readonly maxDepth?: number;
  /**
   * Do not report text runs that are only whitespace (the indentation between tags of a
   * pretty-printed report): a parser that reads the text of a few elements then pays nothing for
   * the millions of indentation runs. Default false.
   */
  readonly skipWhitespaceText?: boolean;
  /** Elements the handler reads as records (`XmlHandler.record`, which must then be defined). */
  readonly records?: readonly XmlRecordSpec[];
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const EMPTY = new Uint8Array(0);

/** One decoder for all tokenizers: each call decodes complete bytes, so it keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** b[s, e) as a string (invalid UTF-8 becomes U+FFFD). */
function decodeBytes(b: Uint8Array, s: number, e: number): string {
  return UTF8.decode(b.subarray(s, e));
}

/** Byte classes for the tag scanner (one table load per byte instead of a chain of compares). */
const SPACE = 1;
const TAG_NAME_END = 2;
const ATTR_NAME_END = 4;
const NON_ASCII = 8;
const END_DQUOTE = 16;
const END_SQUOTE = 32;
const CLASS = ((): Uint8Array => {
  const t = new Uint8Array(256);
  for (const c of [32, 9, 10, 13]) t[c] = SPACE | TAG_NAME_END | ATTR_NAME_END;
  t[62 /* > */] = TAG_NAME_END | ATTR_NAME_END;
  t[47 /* / */] = TAG_NAME_END | ATTR_NAME_END;
  t[61 /* = */] = ATTR_NAME_END;
  // `<` cannot be part of a name; it is also the sentinel after the input (see `scan`).
  t[60 /* < */] = TAG_NAME_END | ATTR_NAME_END | END_DQUOTE | END_SQUOTE;
  t[34 /* " */] = END_DQUOTE;
  t[39 /* ' */] = END_SQUOTE;
  for (let c = 128; c < 256; c++) t[c] = NON_ASCII;
  return t;
})();
/** Four spaces as a little-endian word (indentation is skipped a word at a time). */
const SPACES = 0x20202020;
/** Longest stretch of tags between indentations whose lines are counted on the way (see `countAhead`). */
const CATCH_UP = 1024;
/** The byte written just past the input: every scan loop stops at it, so they need no bounds test. */
const SENTINEL = 60;

/** Interned tag names: open addressing, bounded (a document with endless distinct names stops being cached). */
const NAME_TABLE_SIZE = 512;
const NAME_TABLE_MAX = 384;
const NAME_PROBES = 8;
const MAX_INTERNED_NAME = 64;

/** Times an element name may learn a new attribute layout (elements whose attributes keep changing stop). */
const LAYOUT_LEARNS = 8;

/** An element name: its string (what handlers see) and its bytes (what close tags are compared with). */
class ElementName {
  /** The attributes this element had (see attr-layout.ts); null until learned. */
  layout: AttrLayout | null = null;
  /** The reader of this element's records, when the handler reads it as one. */
  record: RecordReader | null = null;
  learns: number;
  readonly pattern: BytePattern;
  constructor(
    readonly str: string,
    readonly bytes: Uint8Array,
    cached: boolean,
  ) {
    // A name not kept in the name table is a new object each time: nothing it learns would be reused.
    this.learns = cached ? LAYOUT_LEARNS : 0;
    this.pattern = new BytePattern(bytes);
  }
}

/**
 * A streaming, non-validating XML tokenizer written for hostile coverage reports.
 *
 * Why our own and not saxes or fast-xml-parser: coverage XML is a flat sea of small tags with a few
 * attributes each, and the benchmark goal (>= 3x saxes) needs a scanner that allocates nothing per
 * tag or attribute it is not asked for. It scans the UTF-8 bytes directly (every delimiter of XML is
 * ASCII, and a byte >= 0x80 is never one), and decodes only the names, values and text a parser
 * reads: no string is made for a chunk, an attribute or indentation.
 *
 * Security is by construction: there is no entity expansion beyond the five predefined entities and
 * character references, a DOCTYPE is skipped unread (its internal subset, where XXE and "billion
 * laughs" live, is reported and ignored), nothing is ever fetched, every token is bounded in length
 * so memory stays bounded on any input, and nesting is bounded in depth.
 */
export class XmlTokenizer {
  /** The bytes being scanned (always `store`, kept apart so the scan loops read a local). */
  private data: Uint8Array = EMPTY;
  /** Bytes of `data` that hold input (`store` may be larger). */
  private n = 0;
  private pos = 0;
  /** Our copy of the input not scanned yet (the unfinished token carried from one write to the next). */
  private store: Uint8Array = EMPTY;
  /** `store` as 32-bit words (for counting newlines four bytes at a time). */
  private words: Int32Array = new Int32Array(0);
  /** `store` as a DataView (for comparing known names four bytes at a time). */
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
  private bomChecked = false;
  /** Line number at `countedPos`; lines are counted lazily, only when asked for (or bytes are dropped). */
  private lineAtCounted = 1;
  private countedPos = 0;
  /**
   * Whether lines are counted as the scan goes, over indentation and records, instead of all at once
   * per write (`retain`): for documents of records only, where a newline-free stretch is known
   * without looking at it. (Elsewhere counting tags one by one would cost more than counting words.)
   */
  private readonly countAhead: boolean;
  /** Where the search for the next '<' resumes (bytes before it, from `pos`, hold none). */
  private lookFrom = 0;
  private tokenStart = 0;
  /** The open elements, outermost first. */
  private readonly stack: ElementName[] = [];
  private rootSeen = false;
  private rootClosed = false;
  private failed = false;
  private warnedEntity = false;
  /** Recently seen tag names, reused so a repeated tag allocates nothing (coverage XML repeats a few names millions of times). */
  private readonly nameTable: (ElementName | null)[] = new Array<ElementName | null>(NAME_TABLE_SIZE).fill(null);
  private nameTableCount = 0;
  private lastName: ElementName | null = null;
  private readonly maxDepth: number;
  private readonly maxToken: number;
  private readonly skipWhitespace: boolean;
  private readonly attrs: TagAttributes;
  /** Readers of the elements read as records, by element name. */
  private readonly records = new Map<string, RecordReader>();

  constructor(
    private readonly handler: XmlHandler,
    private readonly sink: DiagnosticSink,
    options: XmlTokenizerOptions,
  ) {
    this.maxDepth = options.maxDepth ?? 256;
    this.maxToken = options.maxTokenLength;
    this.skipWhitespace = options.skipWhitespaceText === true;
    const specs = options.records ?? [];
    if (specs.length > 0 && handler.record === undefined) throw new Error('XmlTokenizerOptions.records needs XmlHandler.record');
    specs.forEach((spec, kind) => this.records.set(spec.element, new RecordReader(kind, spec)));
    this.countAhead = specs.length > 0;
    this.attrs = new TagAttributes(this);
  }

  /** The 1-based line of the token being reported (for diagnostics). */
  get line(): number {
    const target = this.tokenStart;
    if (target > this.countedPos) {
      this.lineAtCounted += countNewlines(this.data, this.words, this.countedPos, target);
      this.countedPos = target;
    }
    return this.lineAtCounted;
  }

  /** True once a fatal syntax error stopped the tokenizer. */
  get hasFailed(): boolean {
    return this.failed;
  }

  /** Names of the open elements, outermost first (do not modify). */
  get openElements(): readonly string[] {
    return this.stack.map((e) => e.str);
  }

  write(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    // Always scan our own Uint8Array (copying a chunk costs little next to scanning it): the scanner
    // then sees one array type, never the caller's Buffer subclass, and its element loads stay monomorphic.
    const need = this.n + chunk.length;
    if (this.store.length <= need) {
      // A multiple of 4 bytes (for `words`), with room for the sentinel and the chunk after this one.
      const grown = new Uint8Array((Math.max(need + 1, Math.min(2 * this.store.length, need + (1 << 20))) + 3) & ~3);
      grown.set(this.store.subarray(0, this.n));
      this.store = grown;
      this.words = new Int32Array(grown.buffer, 0, grown.length >> 2);
      this.view = new DataView(grown.buffer);
    }
    this.store.set(chunk, this.n);
    this.data = this.store;
    this.n = need;
    this.scan(false);
    this.retain();
  }

  end(): void {
    if (this.failed) return;
    this.scan(true);
    if (this.failed) return;
    if (!this.rootSeen) this.fail('CW_XML_NO_ROOT', 'no XML element found (empty or not XML)');
    else if (this.stack.length > 0) {
      this.fail('CW_XML_TRUNCATED', `the document ends inside <${this.stack[this.stack.length - 1]!.str}> (truncated file?)`);
    }
  }

  /** After a write: moves the unfinished token to the start of `store`, counting the lines of the bytes dropped. */
  private retain(): void {
    const pos = this.pos;
    const n = this.n;
    if (pos > this.countedPos) this.lineAtCounted += countNewlines(this.data, this.words, this.countedPos, pos);
    const rest = n - pos;
    if (rest > 0 && pos > 0) this.store.copyWithin(0, pos, n);
    this.lookFrom = this.lookFrom > pos ? this.lookFrom - pos : 0;
    this.n = rest;
    this.pos = 0;
    this.countedPos = 0;
    this.tokenStart = 0;
  }

  private fail(code: string, message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.sink.error(code, message, this.line);
  }

  /** data[s, e) as a string (invalid UTF-8 becomes U+FFFD). */
  private str(s: number, e: number): string {
    return s >= e ? '' : decodeBytes(this.data, s, e);
  }

  private scan(final: boolean): void {
    if (this.store.length <= this.n) {
      // (end() without any write.)
      this.store = new Uint8Array(4);
      this.words = new Int32Array(this.store.buffer, 0, 1);
      this.view = new DataView(this.store.buffer);
      this.data = this.store;
    }
    const b = this.data;
    const n = this.n;
    b[n] = SENTINEL;
    const max = this.maxToken;
    let pos = this.pos;
    if (!this.bomChecked) {
      // A UTF-8 BOM at the start of the document is dropped (as a TextDecoder does).
      if (n - pos < 3 && !final && isBomPrefix(b, pos, n)) return;
      this.bomChecked = true;
      if (n - pos >= 3 && b[pos] === 0xef && b[pos + 1] === 0xbb && b[pos + 2] === 0xbf) {
        pos += 3;
        this.pos = pos;
      }
    }
    // Text already searched for '<' by an earlier write is not searched again: a long text run
    // arriving in small chunks would otherwise cost quadratic time.
    let from = Math.max(pos, this.lookFrom);
    this.lookFrom = 0;
    const view = this.view;
    const countAhead = this.countAhead;
    while (!this.failed) {
      let lt = from;
      /** Newlines in [pos, lt) when that is indentation (see below), else -1. */
      let indentLines = -1;
      if (from === pos && countAhead) {
        // Indentation between the tags of a pretty-printed report (a newline, then spaces) is
        // skipped four bytes at a time, and its newline is counted here (see `countAhead`). (Only
        // with records: elsewhere the plain loop below was as fast, measured on Cobertura.)
        let k = 0;
        if (b[lt] === 10) {
          lt++;
          k = 1;
        } else if (b[lt] === 13 && lt + 1 < n && b[lt + 1] === 10) {
          lt += 2;
          k = 1;
        }
        while (lt + 4 <= n && view.getInt32(lt, true) === SPACES) lt += 4;
        while (b[lt] === 32) lt++;
        if (b[lt] === 60) indentLines = k;
      }
      while (b[lt] !== 60 /* < */) lt++;
      if (lt >= n) {
        this.lookFrom = n;
        if (final || n - pos > max) {
          // Text longer than a token may be: report what there is (keeping a split UTF-8 character whole).
          const cut = final ? n : utf8Boundary(b, pos, n);
          this.tokenStart = pos;
          this.textRun(pos, cut);
          pos = cut;
        }
        break;
      }
      if (lt > pos) {
        this.tokenStart = pos;
        this.textRun(pos, lt);
        if (this.failed) break;
        if (indentLines > 0) {
          // Lines are counted as the scan goes while tags are records (and short tags between
          // them are caught up here), so `retain` finds them counted; else lazily, as below.
          if (this.countedPos < pos && pos - this.countedPos <= CATCH_UP) {
            this.lineAtCounted += countNewlines(b, this.words, this.countedPos, pos);
            this.countedPos = pos;
          }
          if (this.countedPos === pos) {
            this.lineAtCounted += indentLines;
            this.countedPos = lt;
          }
        }
        pos = lt;
      }
      this.tokenStart = lt;
      let end: number;
      if (lt + 1 >= n) end = -1;
      else {
        const next = b[lt + 1]!;
        if (next === 47 /* / */) end = this.closeTag(b, n, lt);
        else if (next === 63 /* ? */) end = find2(b, lt + 2, n, 63, 62);
        else if (next === 33 /* ! */) end = this.markup(b, n, lt, final);
        else end = this.openTag(b, n, lt);
      }
      if (end === -2) break; // failed
      if (end < 0) {
        if (final) this.fail('CW_XML_TRUNCATED', 'the document ends inside a tag (truncated file?)');
        else if (n - lt > max) this.fail('CW_XML_TOKEN_TOO_LONG', `a tag or comment is longer than ${max} bytes`);
        break;
      }
      pos = end;
      from = pos;
    }
    this.pos = pos;
    if (this.lookFrom < pos) this.lookFrom = 0;
  }

  private textRun(from: number, to: number): void {
    const b = this.data;
    if (this.stack.length === 0) {
      // Outside the root element only whitespace may appear.
      for (let i = from; i < to; i++) {
        if ((CLASS[b[i]!]! & SPACE) === 0) {
          this.fail('CW_XML_SYNTAX', this.rootClosed ? 'text after the root element' : 'text before the root element: not an XML document');
          return;
        }
      }
      return;
    }
    if (this.handler.text === undefined) return;
    if (this.skipWhitespace) {
      let i = from;
      while (i < to && (CLASS[b[i]!]! & SPACE) !== 0) i++;
      if (i === to) return;
    }
    this.handler.text(this.decodeValue(this.str(from, to)));
  }

  private markup(b: Uint8Array, n: number, lt: number, final: boolean): number {
    if (startsWith(b, n, lt, COMMENT_OPEN)) {
      const e = find3(b, lt + 4, n, 45, 45, 62);
      return e < 0 ? -1 : e;
    }
    if (startsWith(b, n, lt, CDATA_OPEN)) {
      const e = find3(b, lt + 9, n, 93, 93, 62);
      if (e < 0) return -1;
      if (this.stack.length === 0) {
        this.fail('CW_XML_SYNTAX', 'CDATA outside the root element');
        return -2;
      }
      if (this.handler.text !== undefined) this.handler.text(this.str(lt + 9, e - 3));
      return e;
    }
    if (n - lt < 9 && !final) return -1;
    if (startsWith(b, n, lt, DOCTYPE_OPEN)) return this.doctype(b, n, lt);
    this.fail('CW_XML_SYNTAX', `unexpected markup "${this.str(lt, Math.min(lt + 12, n))}"`);
    return -2;
  }

  /**
   * Skips `<!DOCTYPE name PUBLIC "..." "..." [ internal subset ]>` without reading it. The external
   * DTD (Cobertura's points at a remote URL) is never fetched; an internal subset that declares
   * entities is the XXE / billion-laughs vector, so it is reported and its entities stay unexpanded.
   */
  private doctype(b: Uint8Array, n: number, lt: number): number {
    if (this.rootSeen) {
      this.fail('CW_XML_SYNTAX', 'DOCTYPE after the root element');
      return -2;
    }
    let i = lt + 9;
    let quote = 0;
    let depth = 0;
    for (; i < n; i++) {
      const c = b[i]!;
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) quote = c;
      else if (c === 91 /* [ */) depth++;
      else if (c === 93 /* ] */) depth--;
      else if (c === 62 /* > */ && depth <= 0) break;
    }
    if (i >= n) return -1;
    if (/<!ENTITY/i.test(this.str(lt, i + 1))) {
      this.sink.warn('CW_XML_ENTITIES_IGNORED', 'the DOCTYPE declares entities; they are never expanded (XXE and entity-expansion attacks are inert)', this.line);
    }
    return i + 1;
  }

  private closeTag(b: Uint8Array, n: number, lt: number): number {
    const top = this.stack.length === 0 ? null : this.stack[this.stack.length - 1]!;
    if (top !== null) {
      // Usually `</name>` exactly, for the element open: compared in words, no scan for '>'.
      const gt = lt + 2 + top.pattern.length;
      if (gt < n && b[gt] === 62 && top.pattern.at(this.view, b, lt + 2)) {
        this.stack.pop();
        this.handler.closeTag(top.str);
        if (this.stack.length === 0) this.rootClosed = true;
        if (this.countedPos === lt) this.countedPos = gt + 1;
        return gt + 1;
      }
    }
    let gt = lt + 2;
    while (gt < n && b[gt] !== 62) gt++;
    if (gt >= n) return -1;
    let nameEnd = gt;
    while (nameEnd > lt + 2 && (CLASS[b[nameEnd - 1]!]! & SPACE) !== 0) nameEnd--;
    const open = this.stack.pop();
    // Compare in place with the open tag's bytes: a close tag allocates nothing.
    if (open === undefined || !sameBytes(open.bytes, b, lt + 2, nameEnd)) {
      const name = this.str(lt + 2, nameEnd);
      this.fail('CW_XML_MISMATCHED_TAG', open === undefined ? `closing tag </${name}> without an opening tag` : `expected </${open.str}>, found </${name}>`);
      return -2;
    }
    this.handler.closeTag(open.str);
    if (this.stack.length === 0) this.rootClosed = true;
    return gt + 1;
  }

  private openTag(b: Uint8Array, n: number, lt: number): number {
    let i = lt + 1;
    let name = this.lastName;
    // Mostly the same element as the one before (a run of <line>s): its name is compared in words,
    // and the scan for the end of the name is skipped. (Its bytes hold no name-ending byte.)
    if (name !== null && lt + 1 + name.pattern.length < n && (CLASS[b[lt + 1 + name.pattern.length]!]! & TAG_NAME_END) !== 0 && name.pattern.at(this.view, b, lt + 1)) {
      i += name.pattern.length;
    } else {
      while ((CLASS[b[i]!]! & TAG_NAME_END) === 0) i++;
      if (i >= n) return -1;
      if (i === lt + 1 || !isNameStart(b[lt + 1]!)) {
        this.fail('CW_XML_SYNTAX', `invalid tag name "${this.str(lt, Math.min(lt + 20, n))}"`);
        return -2;
      }
      name = this.elementName(b, lt + 1, i);
    }
    const record = name.record;
    if (record !== null) {
      // (The root is never a record, and a tag past the depth limit fails in emitOpen.)
      const depth = this.stack.length;
      const end = record.read(this.view, b, n, i);
      if (end > 0 && depth > 0 && depth < this.maxDepth && this.handler.record!(record.kind, record.values)) {
        // (A record holds no newline: its lines are counted.)
        if (this.countedPos === lt) this.countedPos = end;
        return end;
      }
    }
    const attrs = this.attrs;
    attrs.reset(b);
    const layout = name.layout;
    if (layout !== null) i = this.layoutAttrs(b, n, i, layout);
    const fromLayout = attrs.count;
    // The loops need no `i < n` test: they all stop at the sentinel byte at b[n] (see `scan`).
    for (;;) {
      let c = b[i]!;
      if ((CLASS[c]! & SPACE) !== 0) {
        do c = b[++i]!;
        while ((CLASS[c]! & SPACE) !== 0);
      }
      if (i >= n) return -1;
      if (c === 62 /* > */) {
        this.afterAttrs(name, fromLayout);
        return this.emitOpen(name, false, i + 1);
      }
      if (c === 47 /* / */) {
        if (i + 1 >= n) return -1;
        if (b[i + 1] !== 62) {
          this.fail('CW_XML_SYNTAX', `expected "/>" in <${name.str}>`);
          return -2;
        }
        this.afterAttrs(name, fromLayout);
        return this.emitOpen(name, true, i + 2);
      }
      const an = i;
      while ((CLASS[b[i]!]! & (ATTR_NAME_END | NON_ASCII)) === 0) i++;
      if ((CLASS[b[i]!]! & ATTR_NAME_END) === 0) {
        // A non-ASCII attribute name: lookups by name must then also compare decoded names.
        attrs.nonAsciiNames = true;
        while ((CLASS[b[i]!]! & ATTR_NAME_END) === 0) i++;
      }
      const ae = i;
      // Usually `name="`: the whitespace XML allows around `=` is looked for only when it is not.
      if (b[i] !== 61 /* = */) {
        while ((CLASS[b[i]!]! & SPACE) !== 0) i++;
        if (i >= n) return -1;
        if (b[i] !== 61) {
          this.fail('CW_XML_SYNTAX', `attribute "${this.str(an, Math.min(ae, an + 40))}" of <${name.str}> has no value`);
          return -2;
        }
      }
      let q = b[++i]!;
      if (q !== 34 && q !== 39) {
        while ((CLASS[b[i]!]! & SPACE) !== 0) i++;
        if (i >= n) return -1;
        q = b[i]!;
        if (q !== 34 && q !== 39) {
          this.fail('CW_XML_SYNTAX', `attribute "${this.str(an, Math.min(ae, an + 40))}" of <${name.str}> is not quoted`);
          return -2;
        }
      }
      // A loop, not indexOf: attribute values are short, and a call per value costs more than the scan.
      let ve = i + 1;
      while (ve < n && b[ve] !== q) ve++;
      if (ve >= n) return -1;
      attrs.add(an, ae, i + 1, ve);
      i = ve + 1;
    }
  }

  /** The element name in b[s, e): a recently seen equal name is reused instead of allocating. */
  private elementName(b: Uint8Array, s: number, e: number): ElementName {
    // Mostly the same element as the one before (a run of <line>s).
    const prev = this.lastName;
    if (prev !== null && sameBytes(prev.bytes, b, s, e)) return prev;
    const name = this.lookupName(b, s, e);
    this.lastName = name;
    return name;
  }

  private lookupName(b: Uint8Array, s: number, e: number): ElementName {
    const len = e - s;
    const table = this.nameTable;
    let h = (len * 31 + b[s]! * 7 + b[e - 1]! * 131 + b[s + (len >> 1)]! * 17) & (NAME_TABLE_SIZE - 1);
    for (let probe = 0; probe < NAME_PROBES; probe++) {
      const cand = table[h];
      if (cand === null || cand === undefined) {
        const cached = len <= MAX_INTERNED_NAME && this.nameTableCount < NAME_TABLE_MAX;
        const made = this.newName(b, s, e, cached);
        if (cached) {
          table[h] = made;
          this.nameTableCount++;
        }
        return made;
      }
      if (sameBytes(cand.bytes, b, s, e)) return cand;
      h = (h + 1) & (NAME_TABLE_SIZE - 1);
    }
    return this.newName(b, s, e, false);
  }

  private newName(b: Uint8Array, s: number, e: number, cached: boolean): ElementName {
    const name = new ElementName(internalize(this.str(s, e)), copyBytes(b, s, e), cached);
    name.record = this.records.get(name.str) ?? null;
    return name;
  }

  /**
   * Reads the attributes at b[i...] that follow `layout` (each exactly ` name="value"`), adding them
   * to `attrs`; stops at the first difference, or where the input ends, leaving the rest to the
   * general scanner. Returns where it stopped.
   */
  private layoutAttrs(b: Uint8Array, n: number, i: number, layout: AttrLayout): number {
    const prefixes = layout.prefixes;
    const attrs = this.attrs;
    const view = this.view;
    for (let k = 0; k < prefixes.length; k++) {
      const p = prefixes[k]!;
      const len = p.length;
      // (Bytes past n are stale: never compare them.)
      if (i + len >= n || !p.at(view, b, i)) return i;
      const vs = i + len;
      let ve = vs;
      while (ve < n && b[ve] !== 34) ve++;
      if (ve >= n) return i;
      attrs.addKnown(i + 1, vs - 2, vs, ve, layout.sigs[k]!);
      i = ve + 1;
    }
    return i;
  }

  /** After a tag's attributes: learns its layout when the general scanner read some of them. */
  private afterAttrs(name: ElementName, fromLayout: number): void {
    const attrs = this.attrs;
    if (fromLayout === attrs.count) {
      if (fromLayout > 0) attrs.layoutNames = name.layout!.names;
      return;
    }
    if (name.learns > 0) {
      name.learns--;
      const learned = attrs.learn();
      if (learned !== null) name.layout = learned;
    }
  }

  private emitOpen(name: ElementName, selfClosing: boolean, end: number): number {
    if (this.rootClosed) {
      this.fail('CW_XML_SYNTAX', `a second root element <${name.str}>`);
      return -2;
    }
    if (this.stack.length >= this.maxDepth) {
      this.fail('CW_XML_TOO_DEEP', `elements are nested deeper than ${this.maxDepth} levels`);
      return -2;
    }
    this.rootSeen = true;
    const str = name.str;
    this.stack.push(name);
    this.handler.openTag(str, this.attrs);
    if (selfClosing && !this.failed) {
      this.stack.pop();
      this.handler.closeTag(str);
      if (this.stack.length === 0) this.rootClosed = true;
    }
    return end;
  }

  /**
   * Decodes the five predefined entities and character references; anything else stays literal.
   * (Not private: TagAttributes calls it, through the tokenizer rather than a closure, so that V8's
   * code for it does not depend on one tokenizer's closure and is not thrown away with it.)
   */
  decodeValue(raw: string): string {
    if (raw.indexOf('&') < 0) return raw;
    return raw.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9._-]{0,31});/g, (m, ref: string) => {
      if (ref.charCodeAt(0) === 35) {
        const cp = ref.charCodeAt(1) === 120 ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '\uFFFD';
      }
      const v = PREDEFINED[ref];
      if (v !== undefined) return v;
      if (!this.warnedEntity) {
        this.warnedEntity = true;
        this.sink.warn('CW_XML_ENTITY_UNEXPANDED', `entity reference "${m}" is not expanded (only the five predefined XML entities are)`, this.line);
      }
      return m;
    });
  }
}

/** Short values cached by content (counts, enum-like values, names that repeat); a power of two. */
const VALUE_CACHE_SIZE = 1024;
const MAX_CACHED_VALUE = 48;

/**
 * The attributes of the tag being reported, as offsets into the tokenizer's bytes: a name or value
 * becomes a string only when asked for, so the attributes a parser does not read cost nothing. A
 * class (not closures) so that parsers' calls stay monomorphic and inline.
 */
class TagAttributes implements XmlAttributes {
  count = 0;
  private b: Uint8Array = EMPTY;
  /** [nameStart, nameEnd, valueStart, valueEnd] per attribute. */
  private offsets = new Int32Array(64);
  /** Per attribute: a signature of its name (length, first and last byte) that rejects most names at once. */
  private sigs = new Int32Array(16);
  /** Recently made short ASCII values, by a hash of their bytes. */
  private readonly valueCache: string[] = new Array<string>(VALUE_CACHE_SIZE).fill('');

  constructor(
    private readonly entities: { decodeValue(raw: string): string },
  ) {}

  /** Set by the scanner when an attribute name of this tag has non-ASCII bytes. */
  nonAsciiNames = false;

  /**
   * Set by the tokenizer when every attribute of this tag came through a layout: the names, in
   * order, all distinct, so lookups compare interned strings (pointers) instead of bytes.
   */
  layoutNames: readonly string[] | null = null;
  /** The attribute found last: handlers read attributes in document order, so the next is tried first. */
  private cursor = -1;

  reset(b: Uint8Array): void {
    this.b = b;
    this.count = 0;
    this.nonAsciiNames = false;
    this.layoutNames = null;
    this.cursor = -1;
  }

  /** An attribute whose name signature is known (from a layout). */
  addKnown(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, sig: number): void {
    const i = this.count;
    const k = 4 * i;
    if (k + 4 > this.offsets.length) this.grow();
    this.count = i + 1;
    const o = this.offsets;
    o[k] = nameStart;
    o[k + 1] = nameEnd;
    o[k + 2] = valueStart;
    o[k + 3] = valueEnd;
    this.sigs[i] = sig;
  }

  /** The layout of this tag's attributes (see attr-layout.ts), or null. */
  learn(): AttrLayout | null {
    return this.nonAsciiNames ? null : learnLayout(this.b, this.offsets, this.count);
  }

  private grow(): void {
    const o = new Int32Array(this.offsets.length * 2);
    o.set(this.offsets);
    this.offsets = o;
    const s = new Int32Array(this.sigs.length * 2);
    s.set(this.sigs);
    this.sigs = s;
  }

  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const i = this.count++;
    const k = 4 * i;
    if (k + 4 > this.offsets.length) this.grow();
    const o = this.offsets;
    o[k] = nameStart;
    o[k + 1] = nameEnd;
    o[k + 2] = valueStart;
    o[k + 3] = valueEnd;
    const len = nameEnd - nameStart;
    const b = this.b;
    this.sigs[i] = len === 0 ? 0 : nameSignature(len, b[nameStart]!, b[nameEnd - 1]!);
  }

  /** Index of the first attribute called `name`, or -1; compared in place, byte by byte. */
  private find(name: string): number {
    const names = this.layoutNames;
    if (names !== null) {
      // (A tag may match only the first attributes of its element's layout.)
      const count = this.count;
      const next = this.cursor + 1;
      if (next < count && names[next] === name) {
        this.cursor = next;
        return next;
      }
      for (let i = 0; i < count; i++) {
        if (names[i] === name) {
          this.cursor = i;
          return i;
        }
      }
      return -1;
    }
    const len = name.length;
    const first = name.charCodeAt(0);
    const last = name.charCodeAt(len - 1);
    if (len === 0 || first >= 128 || last >= 128) return this.findSlow(name);
    const sig = nameSignature(len, first, last);
    const sigs = this.sigs;
    const count = this.count;
    for (let i = 0; i < count; i++) {
      if (sigs[i] !== sig) continue;
      const start = this.offsets[4 * i]!;
      if (this.offsets[4 * i + 1]! - start !== len) continue;
      const b = this.b;
      let j = 1;
      while (j < len - 1) {
        const c = b[start + j]!;
        if (c !== name.charCodeAt(j) || c >= 128) break;
        j++;
      }
      if (j >= len - 1) return i;
    }
    // Not found in place: a name with non-ASCII characters (another length in bytes) may still match one.
    return this.nonAsciiNames ? this.findSlow(name) : -1;
  }

  private findSlow(name: string): number {
    for (let i = 0; i < this.count; i++) if (this.nameAt(i) === name) return i;
    return -1;
  }

  get(name: string): string | undefined {
    const i = this.find(name);
    return i < 0 ? undefined : this.value(this.offsets[4 * i + 2]!, this.offsets[4 * i + 3]!);
  }

  uint(name: string): number {
    const i = this.find(name);
    if (i < 0) return -2;
    const b = this.b;
    const start = this.offsets[4 * i + 2]!;
    const end = this.offsets[4 * i + 3]!;
    if (start === end) return -1;
    let n = 0;
    for (let p = start; p < end; p++) {
      const c = b[p]! - 48;
      if (c < 0 || c > 9) {
        // A character reference (`&#49;`) is still a digit; anything else is not a number.
        return c === 38 - 48 ? parseDecimal(this.valueAt(i)) : -1;
      }
      n = n * 10 + c;
    }
    return n;
  }

  has(name: string): boolean {
    return this.find(name) >= 0;
  }

  is(name: string, value: string): boolean {
    const i = this.find(name);
    if (i < 0) return false;
    const b = this.b;
    const s = this.offsets[4 * i + 2]!;
    const e = this.offsets[4 * i + 3]!;
    if (e - s === value.length) {
      let p = s;
      while (p < e) {
        const c = b[p]!;
        // (`&` starts an entity, and a byte >= 0x80 is part of a UTF-8 sequence: not the character itself.)
        if (c !== value.charCodeAt(p - s) || c >= 128 || c === 38) break;
        p++;
      }
      if (p === e) return true;
    }
    // Raw bytes differ: the decoded value can still be equal when it has entities or non-ASCII text.
    for (let p = s; p < e; p++) {
      const c = b[p]!;
      if (c === 38 || c >= 128) return this.valueAt(i) === value;
    }
    return false;
  }

  nameAt(i: number): string {
    return i < 0 || i >= this.count ? '' : decodeBytes(this.b, this.offsets[4 * i]!, this.offsets[4 * i + 1]!);
  }

  valueAt(i: number): string {
    return i < 0 || i >= this.count ? '' : this.value(this.offsets[4 * i + 2]!, this.offsets[4 * i + 3]!);
  }

  /** The decoded value in b[s, e): from the cache when it is short ASCII without entities. */
  private value(s: number, e: number): string {
    const len = e - s;
    if (len === 0) return '';
    const b = this.b;
    if (len <= MAX_CACHED_VALUE) {
      let h = len;
      let p = s;
      for (; p < e; p++) {
        const c = b[p]!;
        if (c >= 128 || c === 38) break;
        h = (Math.imul(h, 31) + c) | 0;
      }
      if (p === e) {
        const slot = h & (VALUE_CACHE_SIZE - 1);
        const cached = this.valueCache[slot]!;
        if (cached.length === len) {
          let j = 0;
          while (j < len && cached.charCodeAt(j) === b[s + j]) j++;
          if (j === len) return cached;
        }
        const made = decodeBytes(b, s, e);
        this.valueCache[slot] = made;
        return made;
      }
    }
    return this.entities.decodeValue(decodeBytes(b, s, e));
  }
}

const COMMENT_OPEN = [60, 33, 45, 45]; // <!--
const CDATA_OPEN = [60, 33, 91, 67, 68, 65, 84, 65, 91]; // <![CDATA[
const DOCTYPE_OPEN = [60, 33, 68, 79, 67, 84, 89, 80, 69]; // <!DOCTYPE

function startsWith(b: Uint8Array, n: number, at: number, prefix: readonly number[]): boolean {
  if (n - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix[i]) return false;
  return true;
}

/** The index just past the first `c0 c1` in b[from, n), or -1. */
function find2(b: Uint8Array, from: number, n: number, c0: number, c1: number): number {
  for (let i = from; i + 1 < n; i++) if (b[i] === c0 && b[i + 1] === c1) return i + 2;
  return -1;
}

/** The index just past the first `c0 c1 c2` in b[from, n), or -1. */
function find3(b: Uint8Array, from: number, n: number, c0: number, c1: number, c2: number): number {
  for (let i = from; i + 2 < n; i++) if (b[i] === c0 && b[i + 1] === c1 && b[i + 2] === c2) return i + 3;
  return -1;
}

function sameBytes(name: Uint8Array, b: Uint8Array, s: number, e: number): boolean {
  const len = name.length;
  if (e - s !== len) return false;
  for (let i = 0; i < len; i++) if (name[i] !== b[s + i]) return false;
  return true;
}

/**
 * Node's Buffer.prototype.indexOf, which also works on a plain Uint8Array and is a memchr: 10-20x
 * faster than TypedArray.prototype.indexOf on the long newline-free stretches of a one-line report
 * (JaCoCo). Absent outside Node (core has no Node dependency), then the standard indexOf is used.
 */
const nativeIndexOf = ((): ((this: Uint8Array, value: number, from: number) => number) | null => {
  const f = (globalThis as { Buffer?: { prototype?: { indexOf?: unknown } } }).Buffer?.prototype?.indexOf;
  return typeof f === 'function' ? (f as (this: Uint8Array, value: number, from: number) => number) : null;
})();

/**
 * Newlines in b[from, to). Every byte of the input is counted once, so this is kept cheap: a one-line
 * document (JaCoCo) is searched with indexOf, and once newlines turn out to be frequent (pretty-printed
 * reports) the rest is counted four bytes at a time, with a zero-byte test on each word XOR
 * "\n\n\n\n" (a call per newline, or a byte loop, would cost several times more).
 */
function countNewlines(b: Uint8Array, words: Int32Array, from: number, to: number): number {
  if (to - from < 64) {
    let k = 0;
    for (let i = from; i < to; i++) if (b[i] === 10) k++;
    return k;
  }
  const range = b.subarray(from, to);
  let k = 0;
  let i = nativeIndexOf !== null ? nativeIndexOf.call(range, 10, 0) : range.indexOf(10);
  while (i >= 0 && k < 16) {
    k++;
    i = nativeIndexOf !== null ? nativeIndexOf.call(range, 10, i + 1) : range.indexOf(10, i + 1);
  }
  if (i < 0) return k;
  // Many newlines: count the rest, from the 17th on, in words.
  i += from;
  for (; i < to && (i & 3) !== 0; i++) if (b[i] === 10) k++;
  const wEnd = to >> 2;
  let w = i >> 2;
  while (w < wEnd) {
    // Per-byte counts summed in the four byte lanes of `lanes` (at most 255 words, so no lane
    // overflows), without a branch per word.
    const stop = Math.min(wEnd, w + 255);
    let lanes = 0;
    for (; w < stop; w++) {
      const y = words[w]! ^ 0x0a0a0a0a;
      // High bit of each byte of t is set when that byte of y is not zero.
      const t = ((y & 0x7f7f7f7f) + 0x7f7f7f7f) | y | 0x7f7f7f7f;
      lanes += ~t >>> 7;
    }
    k += (lanes & 0xff) + ((lanes >>> 8) & 0xff) + ((lanes >>> 16) & 0xff) + (lanes >>> 24);
  }
  for (i = Math.max(i, wEnd << 2); i < to; i++) if (b[i] === 10) k++;
  return k;
}

function isBomPrefix(b: Uint8Array, s: number, n: number): boolean {
  const bom = [0xef, 0xbb, 0xbf];
  for (let i = 0; s + i < n; i++) if (b[s + i] !== bom[i]) return false;
  return true;
}

/** The end of b[s, n) backed off so that a UTF-8 character split by the chunk end is not cut. */
function utf8Boundary(b: Uint8Array, s: number, n: number): number {
  let k = n;
  while (k > s && n - k < 3 && (b[k - 1]! & 0xc0) === 0x80) k--;
  if (k > s && b[k - 1]! >= 0xc0) {
    const lead = b[k - 1]!;
    const want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (n - (k - 1) < want) return k - 1 > s ? k - 1 : n;
  }
  return n;
}


function parseDecimal(s: string): number {
  if (s.length === 0) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c > 127;
}
