import type { DiagnosticSink } from '../model/diagnostics.js';
import { utf8Decoder } from '../text/text-decoder.js';

/**
 * The attributes of the tag being reported. The object is reused for every tag: read what you need
 * inside the callback and do not keep it.
 */
export interface XmlAttributes {
  /** The value of attribute `name` (entities decoded), or undefined. */
  get(name: string): string | undefined;
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
  private readonly attrNames: string[] = [];
  private readonly attrRaw: string[] = [];
  private attrCount = 0;
  private readonly maxDepth: number;
  private readonly attrs: XmlAttributes;

  constructor(
    private readonly handler: XmlHandler,
    private readonly sink: DiagnosticSink,
    private readonly options: XmlTokenizerOptions,
  ) {
    this.maxDepth = options.maxDepth ?? 256;
    const names = this.attrNames;
    const raw = this.attrRaw;
    const count = () => this.attrCount;
    const decode = (v: string) => this.decodeValue(v);
    this.attrs = {
      get(name: string) {
        const n = count();
        for (let i = 0; i < n; i++) if (names[i] === name) return decode(raw[i]!);
        return undefined;
      },
      get count() {
        return count();
      },
      nameAt: (i) => names[i]!,
      valueAt: (i) => decode(raw[i]!),
    };
  }

  /** The 1-based line of the token being reported (for diagnostics). */
  get line(): number {
    const target = this.tokenStart;
    let n = this.lineAtCounted;
    let p = this.countedPos;
    for (;;) {
      const nl = this.buf.indexOf('\n', p);
      if (nl < 0 || nl >= target) break;
      n++;
      p = nl + 1;
    }
    this.lineAtCounted = n;
    this.countedPos = target;
    return n;
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
    this.buf = this.buf.length === 0 ? text : this.buf + text;
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
    if (h.text !== undefined) h.text(this.decodeValue(this.buf.slice(from, to)));
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
    const name = buf.slice(lt + 2, nameEnd);
    const open = this.stack.pop();
    if (open !== name) {
      this.fail('CW_XML_MISMATCHED_TAG', open === undefined ? `closing tag </${name}> without an opening tag` : `expected </${open}>, found </${name}>`);
      return -2;
    }
    this.handler.closeTag(name);
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
    const name = buf.slice(lt + 1, i);
    if (name.length === 0 || !isNameStart(name.charCodeAt(0))) {
      this.fail('CW_XML_SYNTAX', `invalid tag name "${buf.slice(lt, Math.min(lt + 20, n))}"`);
      return -2;
    }
    this.attrCount = 0;
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
      const attrName = buf.slice(an, i);
      while (i < n && isSpace(buf.charCodeAt(i))) i++;
      if (i >= n) return -1;
      if (buf.charCodeAt(i) !== 61) {
        this.fail('CW_XML_SYNTAX', `attribute "${attrName.slice(0, 40)}" of <${name}> has no value`);
        return -2;
      }
      i++;
      while (i < n && isSpace(buf.charCodeAt(i))) i++;
      if (i >= n) return -1;
      const q = buf.charCodeAt(i);
      if (q !== 34 && q !== 39) {
        this.fail('CW_XML_SYNTAX', `attribute "${attrName.slice(0, 40)}" of <${name}> is not quoted`);
        return -2;
      }
      const ve = buf.indexOf(q === 34 ? '"' : "'", i + 1);
      if (ve < 0) return -1;
      const k = this.attrCount++;
      this.attrNames[k] = attrName;
      this.attrRaw[k] = buf.slice(i + 1, ve);
      i = ve + 1;
    }
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

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c > 127;
}
