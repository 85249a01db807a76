import type { DiagnosticSink } from '../model/diagnostics.js';
import { utf8Decoder } from '../text/text-decoder.js';

/**
 * The attributes of the tag being reported. The object is reused for every tag: read what you need
 * inside the callback and do not keep it.
 */
export interface XmlAttributes {
  /** The value of attribute `name` (entities decoded), or undefined. */
  get(name: string): string | undefined;
  /**
   * The value of attribute `name` as a non-negative decimal integer, read in place without making a
   * string (for the numeric attributes coverage formats are made of): -2 when the attribute is absent,
   * -1 when its value is not a non-negative integer (empty, sign, fraction, other text).
   */
  uint(name: string): number;
  readonly count: number;
  nameAt(i: number): string;
  valueAt(i: number): string;
}

export interface XmlHandler {
  /** `<name ...>` or `<name .../>` (then `closeTag` follows at once). */
  openTag(name: string, attrs: XmlAttributes): void;
  closeTag(name: string): void;
  /** Character data (entities decoded, CDATA included). Only called when defined. */
  text?(text: string): void;
}

export interface XmlTokenizerOptions {
  /** Longest tag, comment, text run or DOCTYPE accepted, in characters. */
  readonly maxTokenLength: number;
  /** Deepest element nesting accepted. */
  readonly maxDepth?: number;
  /**
   * Do not report text runs that are only whitespace (the indentation between tags of a
   * pretty-printed report): a parser that reads the text of a few elements then pays nothing for
   * the millions of indentation runs. Default false.
   */
  readonly skipWhitespaceText?: boolean;
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * A streaming, non-validating XML tokenizer written for hostile coverage reports.
 *
 * Why our own and not saxes or fast-xml-parser: coverage XML is a flat sea of small tags with a few
 * attributes each, and the benchmark goal (>= 3x saxes) needs a scanner that allocates nothing per
 * attribute it is not asked for. Security is by construction: there is no entity expansion beyond the
 * five predefined entities and character references, a DOCTYPE is skipped unread (its internal
 * subset, where XXE and "billion laughs" live, is reported and ignored), nothing is ever fetched,
 * and every token is bounded in length so memory stays bounded on any input.
 */
export class XmlTokenizer {
  private readonly decode = utf8Decoder();
  private buf = '';
  private pos = 0;
  /** Line number at `countedPos`; lines are counted lazily, only when asked for. */
  private lineAtCounted = 1;
  private countedPos = 0;
  private tokenStart = 0;
  private readonly stack: string[] = [];
  private rootSeen = false;
  private rootClosed = false;
  private failed = false;
  private warnedEntity = false;
  /** Recently seen tag names, reused so a repeated tag allocates no string (coverage XML repeats a few names millions of times). */
  private readonly nameCache: string[] = [];
  private nameCacheNext = 0;
  /** Position of the first newline at or after countedPos in buf (-1: none in buf), or -2 when unknown. */
  private nextNewline = -2;
  private readonly maxDepth: number;
  private readonly attrs: TagAttributes;

  constructor(
    private readonly handler: XmlHandler,
    private readonly sink: DiagnosticSink,
    private readonly options: XmlTokenizerOptions,
  ) {
    this.maxDepth = options.maxDepth ?? 256;
    this.attrs = new TagAttributes((raw) => this.decodeValue(raw));
  }

  /** The 1-based line of the token being reported (for diagnostics). */
  get line(): number {
    const target = this.tokenStart;
    if (target <= this.countedPos) return this.lineAtCounted;
    let nl = this.nextNewline === -2 ? this.buf.indexOf('\n', this.countedPos) : this.nextNewline;
    while (nl >= 0 && nl < target) {
      this.lineAtCounted++;
      nl = this.buf.indexOf('\n', nl + 1);
    }
    this.nextNewline = nl;
    this.countedPos = target;
    return this.lineAtCounted;
  }

  /** True once a fatal syntax error stopped the tokenizer. */
  get hasFailed(): boolean {
    return this.failed;
  }

  /** Names of the open elements, outermost first (do not modify). */
  get openElements(): readonly string[] {
    return this.stack;
  }

  write(chunk: Uint8Array): void {
    if (this.failed) return;
    this.append(this.decode(chunk));
    this.scan(false);
  }

  end(): void {
    if (this.failed) return;
    this.append(this.decode(null));
    this.scan(true);
    if (this.failed) return;
    if (!this.rootSeen) this.fail('CW_XML_NO_ROOT', 'no XML element found (empty or not XML)');
    else if (this.stack.length > 0) {
      this.fail('CW_XML_TRUNCATED', `the document ends inside <${this.stack[this.stack.length - 1]}> (truncated file?)`);
    }
  }

  private append(text: string): void {
    if (this.pos > 0) {
      // Keep line counting consistent across the discarded prefix.
      this.tokenStart = this.pos;
      void this.line;
      this.buf = this.buf.slice(this.pos);
      this.countedPos = 0;
      this.tokenStart = 0;
      this.pos = 0;
    }
    this.nextNewline = -2;
    // join, not +: `a + b` makes a cons string, and character access on a cons string is about twice
    // as slow as on the flat string join builds (the scan reads every character).
    this.buf = this.buf.length === 0 ? text : text.length === 0 ? this.buf : [this.buf, text].join('');
  }

  private fail(code: string, message: string): void {
    if (this.failed) return;
    this.failed = true;
    this.sink.error(code, message, this.line);
  }

  private scan(final: boolean): void {
    const buf = this.buf;
    const max = this.options.maxTokenLength;
    while (!this.failed) {
      const lt = buf.indexOf('<', this.pos);
      if (lt < 0) {
        const rest = buf.length - this.pos;
        if (final || rest > max) {
          this.tokenStart = this.pos;
          this.textRun(this.pos, buf.length);
          this.pos = buf.length;
        }
        return;
      }
      if (lt > this.pos) {
        this.tokenStart = this.pos;
        this.textRun(this.pos, lt);
        this.pos = lt;
        if (this.failed) return;
      }
      this.tokenStart = lt;
      const next = buf.charCodeAt(lt + 1);
      let end: number;
      if (next === 47 /* / */) end = this.closeTag(buf, lt);
      else if (next === 63 /* ? */) end = this.skipUntil(buf, lt, '?>', 'processing instruction');
      else if (next === 33 /* ! */) end = this.markup(buf, lt, final);
      else if (Number.isNaN(next)) end = -1;
      else end = this.openTag(buf, lt);
      if (end === -2) return; // failed
      if (end < 0) {
        if (final) this.fail('CW_XML_TRUNCATED', 'the document ends inside a tag (truncated file?)');
        else if (buf.length - lt > max) this.fail('CW_XML_TOKEN_TOO_LONG', `a tag or comment is longer than ${max} characters`);
        return;
      }
      this.pos = end;
    }
  }

  private textRun(from: number, to: number): void {
    const h = this.handler;
    if (this.stack.length === 0) {
      // Outside the root element only whitespace may appear.
      for (let i = from; i < to; i++) {
        const c = this.buf.charCodeAt(i);
        if (c !== 32 && c !== 10 && c !== 13 && c !== 9) {
          this.fail('CW_XML_SYNTAX', this.rootClosed ? 'text after the root element' : 'text before the root element: not an XML document');
          return;
        }
      }
      return;
    }
    if (h.text === undefined) return;
    if (this.options.skipWhitespaceText === true) {
      let i = from;
      while (i < to && isSpace(this.buf.charCodeAt(i))) i++;
      if (i === to) return;
    }
    h.text(this.decodeValue(this.buf.slice(from, to)));
  }

  private skipUntil(buf: string, lt: number, terminator: string, what: string): number {
    const e = buf.indexOf(terminator, lt + 2);
    if (e < 0) return -1;
    void what;
    return e + terminator.length;
  }

  private markup(buf: string, lt: number, final: boolean): number {
    if (buf.startsWith('<!--', lt)) return this.skipUntil(buf, lt + 2, '-->', 'comment');
    if (buf.startsWith('<![CDATA[', lt)) {
      const e = buf.indexOf(']]>', lt + 9);
      if (e < 0) return -1;
      if (this.stack.length === 0) {
        this.fail('CW_XML_SYNTAX', 'CDATA outside the root element');
        return -2;
      }
      if (this.handler.text !== undefined) this.handler.text(buf.slice(lt + 9, e));
      return e + 3;
    }
    if (buf.length - lt < 9 && !final) return -1;
    if (buf.startsWith('<!DOCTYPE', lt)) return this.doctype(buf, lt);
    this.fail('CW_XML_SYNTAX', `unexpected markup "${buf.slice(lt, lt + 12)}"`);
    return -2;
  }

  /**
   * Skips `<!DOCTYPE name PUBLIC "..." "..." [ internal subset ]>` without reading it. The external
   * DTD (Cobertura's points at a remote URL) is never fetched; an internal subset that declares
   * entities is the XXE / billion-laughs vector, so it is reported and its entities stay unexpanded.
   */
  private doctype(buf: string, lt: number): number {
    if (this.rootSeen) {
      this.fail('CW_XML_SYNTAX', 'DOCTYPE after the root element');
      return -2;
    }
    let i = lt + 9;
    let quote = 0;
    let depth = 0;
    for (; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (quote !== 0) {
        if (c === quote) quote = 0;
      } else if (c === 34 || c === 39) quote = c;
      else if (c === 91 /* [ */) depth++;
      else if (c === 93 /* ] */) depth--;
      else if (c === 62 /* > */ && depth <= 0) break;
    }
    if (i >= buf.length) return -1;
    const decl = buf.slice(lt, i + 1);
    if (/<!ENTITY/i.test(decl)) {
      this.sink.warn('CW_XML_ENTITIES_IGNORED', 'the DOCTYPE declares entities; they are never expanded (XXE and entity-expansion attacks are inert)', this.line);
    }
    return i + 1;
  }

  private closeTag(buf: string, lt: number): number {
    const gt = buf.indexOf('>', lt + 2);
    if (gt < 0) return -1;
    let nameEnd = gt;
    while (nameEnd > lt + 2 && isSpace(buf.charCodeAt(nameEnd - 1))) nameEnd--;
    const open = this.stack.pop();
    // Compare in place: the open tag's name string is reused, so a close tag allocates nothing.
    if (open === undefined || nameEnd - (lt + 2) !== open.length || !buf.startsWith(open, lt + 2)) {
      const name = buf.slice(lt + 2, nameEnd);
      this.fail('CW_XML_MISMATCHED_TAG', open === undefined ? `closing tag </${name}> without an opening tag` : `expected </${open}>, found </${name}>`);
      return -2;
    }
    this.handler.closeTag(open);
    if (this.stack.length === 0) this.rootClosed = true;
    return gt + 1;
  }

  private openTag(buf: string, lt: number): number {
    const n = buf.length;
    let i = lt + 1;
    while (i < n) {
      const c = buf.charCodeAt(i);
      if (isSpace(c) || c === 62 || c === 47) break;
      i++;
    }
    if (i >= n) return -1;
    if (i === lt + 1 || !isNameStart(buf.charCodeAt(lt + 1))) {
      this.fail('CW_XML_SYNTAX', `invalid tag name "${buf.slice(lt, Math.min(lt + 20, n))}"`);
      return -2;
    }
    const name = this.tagName(buf, lt + 1, i);
    const attrs = this.attrs;
    attrs.reset(buf);
    for (;;) {
      while (i < n && isSpace(buf.charCodeAt(i))) i++;
      if (i >= n) return -1;
      const c = buf.charCodeAt(i);
      if (c === 62 /* > */) {
        return this.emitOpen(name, false, i + 1);
      }
      if (c === 47 /* / */) {
        if (i + 1 >= n) return -1;
        if (buf.charCodeAt(i + 1) !== 62) {
          this.fail('CW_XML_SYNTAX', `expected "/>" in <${name}>`);
          return -2;
        }
        return this.emitOpen(name, true, i + 2);
      }
      const an = i;
      while (i < n) {
        const d = buf.charCodeAt(i);
        if (d === 61 /* = */ || isSpace(d) || d === 62 || d === 47) break;
        i++;
      }
      if (i >= n) return -1;
      const ae = i;
      while (i < n && isSpace(buf.charCodeAt(i))) i++;
      if (i >= n) return -1;
      if (buf.charCodeAt(i) !== 61) {
        this.fail('CW_XML_SYNTAX', `attribute "${buf.slice(an, Math.min(ae, an + 40))}" of <${name}> has no value`);
        return -2;
      }
      i++;
      while (i < n && isSpace(buf.charCodeAt(i))) i++;
      if (i >= n) return -1;
      const q = buf.charCodeAt(i);
      if (q !== 34 && q !== 39) {
        this.fail('CW_XML_SYNTAX', `attribute "${buf.slice(an, Math.min(ae, an + 40))}" of <${name}> is not quoted`);
        return -2;
      }
      // A loop, not indexOf: attribute values are short, and a call per value costs more than the scan.
      let ve = i + 1;
      while (ve < n && buf.charCodeAt(ve) !== q) ve++;
      if (ve >= n) return -1;
      attrs.add(an, ae, i + 1, ve);
      i = ve + 1;
    }
  }

  /** buf[start, end) as a string, reusing a recently seen equal name instead of allocating. */
  private tagName(buf: string, start: number, end: number): string {
    const cache = this.nameCache;
    const len = end - start;
    for (let i = 0; i < cache.length; i++) {
      const c = cache[i]!;
      if (c.length === len && buf.startsWith(c, start)) return c;
    }
    const name = buf.slice(start, end);
    if (len <= 64) {
      cache[this.nameCacheNext] = name;
      this.nameCacheNext = (this.nameCacheNext + 1) % 16;
    }
    return name;
  }

  private emitOpen(name: string, selfClosing: boolean, end: number): number {
    if (this.rootClosed) {
      this.fail('CW_XML_SYNTAX', `a second root element <${name}>`);
      return -2;
    }
    if (this.stack.length >= this.maxDepth) {
      this.fail('CW_XML_TOO_DEEP', `elements are nested deeper than ${this.maxDepth} levels`);
      return -2;
    }
    this.rootSeen = true;
    this.stack.push(name);
    this.handler.openTag(name, this.attrs);
    if (selfClosing && !this.failed) {
      this.stack.pop();
      this.handler.closeTag(name);
      if (this.stack.length === 0) this.rootClosed = true;
    }
    return end;
  }

  /** Decodes the five predefined entities and character references; anything else stays literal. */
  private decodeValue(raw: string): string {
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

/**
 * The attributes of the tag being reported, as offsets into the tokenizer's buffer: a name or value
 * becomes a string only when asked for, so the attributes a parser does not read cost nothing. A
 * class (not closures) so that parsers' calls stay monomorphic and inline.
 */
class TagAttributes implements XmlAttributes {
  count = 0;
  private buf = '';
  /** [nameStart, nameEnd, valueStart, valueEnd] per attribute. */
  private offsets = new Int32Array(64);

  constructor(private readonly decode: (raw: string) => string) {}

  reset(buf: string): void {
    this.buf = buf;
    this.count = 0;
  }

  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const k = 4 * this.count++;
    let o = this.offsets;
    if (k + 4 > o.length) {
      o = new Int32Array(o.length * 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    o[k] = nameStart;
    o[k + 1] = nameEnd;
    o[k + 2] = valueStart;
    o[k + 3] = valueEnd;
  }

  /** Index of the first attribute called `name`, or -1; compared in place, char by char. */
  private find(name: string): number {
    const o = this.offsets;
    const buf = this.buf;
    const len = name.length;
    for (let i = 0, k = 0; i < this.count; i++, k += 4) {
      const start = o[k]!;
      if (o[k + 1]! - start !== len) continue;
      let j = 0;
      while (j < len && buf.charCodeAt(start + j) === name.charCodeAt(j)) j++;
      if (j === len) return i;
    }
    return -1;
  }

  get(name: string): string | undefined {
    const i = this.find(name);
    return i < 0 ? undefined : this.valueAt(i);
  }

  uint(name: string): number {
    const i = this.find(name);
    if (i < 0) return -2;
    const buf = this.buf;
    const start = this.offsets[4 * i + 2]!;
    const end = this.offsets[4 * i + 3]!;
    if (start === end) return -1;
    let n = 0;
    for (let p = start; p < end; p++) {
      const c = buf.charCodeAt(p) - 48;
      if (c < 0 || c > 9) {
        // A character reference (`&#49;`) is still a digit; anything else is not a number.
        return c === 38 - 48 ? parseDecimal(this.valueAt(i)) : -1;
      }
      n = n * 10 + c;
    }
    return n;
  }

  nameAt(i: number): string {
    return i < 0 || i >= this.count ? '' : this.buf.slice(this.offsets[4 * i]!, this.offsets[4 * i + 1]!);
  }

  valueAt(i: number): string {
    return i < 0 || i >= this.count ? '' : this.decode(this.buf.slice(this.offsets[4 * i + 2]!, this.offsets[4 * i + 3]!));
  }
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

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c > 127;
}
