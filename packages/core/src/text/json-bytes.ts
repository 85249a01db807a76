const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

/**
 * Thrown by a byte reader that meets what it does not handle: invalid JSON, a shape it leaves to the
 * general path, or the end of its bytes. One instance, created once: throwing it captures no stack.
 */
export const GIVE_UP = new Error('JSON byte reader gives up');

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const EMPTY = new Uint8Array(0);
/** Nesting a skipped value may have before the reader leaves it to JSON.parse. */
const MAX_SKIP_DEPTH = 64;

/**
 * A cursor over the bytes of a JSON value for readers that know the value's shape (a format's
 * entry) and take the numbers and strings they need straight from the bytes, without building the
 * objects JSON.parse would. It accepts only what JSON.parse accepts, and less: numbers must be plain
 * non-negative integers of at most 15 digits, keys it compares must be free of escapes; anything
 * else throws GIVE_UP and the caller hands the whole value to JSON.parse and the general reader.
 *
 * Reads past the end see `undefined`, which equals no byte, so every scan stops at the end and
 * fails there; `incomplete` then tells the caller that more bytes could make the value whole.
 */
export abstract class JsonBytes {
  protected b: Uint8Array = EMPTY;
  protected p = 0;
  /** Newlines in whitespace read since `start` (valid JSON has none inside strings). */
  newlines = 0;
  /** Start and end of the last key read by `readKey()`. */
  protected ks = 0;
  protected ke = 0;

  /**
   * Reads the value at `b[from]` with `readValue`; returns the index just after it, or -1 when the
   * reader gave up (then `incomplete` tells whether the bytes ran out).
   */
  read(b: Uint8Array, from: number): number {
    this.start(b, from);
    try {
      this.readValue();
      return this.p;
    } catch {
      return -1;
    } finally {
      this.release();
    }
  }

  /** Reads one value from the cursor on, throwing GIVE_UP (through `fail`) on what it does not take. */
  protected abstract readValue(): void;

  protected start(b: Uint8Array, from: number): void {
    // One kind of array for every call (a Node Buffer is another map): element loads stay monomorphic.
    this.b = b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.length);
    this.p = from;
    this.newlines = 0;
  }

  /** After GIVE_UP: whether the reader stopped at the end of its bytes (the value may be cut short). */
  incomplete = false;

  /** Lets go of the bytes (a chunk must not be kept alive by a reader between calls), noting `incomplete`. */
  protected release(): void {
    this.incomplete = this.p >= this.b.length;
    this.b = EMPTY;
  }

  protected fail(p: number): never {
    this.p = p;
    throw GIVE_UP;
  }

  /** Whether the bytes at the cursor are `lit` (then they are consumed). */
  protected lit(lit: Uint8Array): boolean {
    const b = this.b;
    const p = this.p;
    const len = lit.length;
    for (let i = 0; i < len; i++) if (b[p + i] !== lit[i]) return false;
    this.p = p + len;
    return true;
  }

  /** Skips whitespace and returns the next byte (undefined at the end). */
  protected ws(): number {
    const b = this.b;
    let p = this.p;
    let c = b[p]!;
    while (c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09) {
      if (c === NEWLINE) this.newlines++;
      c = b[++p]!;
    }
    this.p = p;
    return c;
  }

  /** Skips whitespace, then requires byte `c`. */
  protected expect(c: number): void {
    if (this.ws() !== c) this.fail(this.p);
    this.p++;
  }

  /**
   * After whitespace: `,` (true: another member follows) or `close` (false). Anything else fails.
   */
  protected more(close: number): boolean {
    const c = this.ws();
    this.p++;
    if (c === 0x2c) return true;
    if (c === close) return false;
    return this.fail(this.p - 1);
  }

  /**
   * Opens an object or array (`{` or `[` after whitespace) and tells whether it has a first member
   * (false: it was empty and is closed).
   */
  protected open(openByte: number, close: number): boolean {
    this.expect(openByte);
    if (this.ws() === close) {
      this.p++;
      return false;
    }
    return true;
  }

  /**
   * Reads a member's key and its colon: the key's bytes are `b[ks..ke)`. A key with an escape or a
   * control character is left to JSON.parse.
   */
  protected readKey(): void {
    const b = this.b;
    if (this.ws() !== QUOTE) this.fail(this.p);
    let p = this.p + 1;
    const s = p;
    const n = b.length;
    for (; p < n; p++) {
      const c = b[p]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH || c < 0x20) this.fail(p);
    }
    if (p >= n) this.fail(p);
    this.ks = s;
    this.ke = p;
    this.p = p + 1;
    this.expect(0x3a);
  }

  /** Whether the last key is `lit` (ASCII bytes). */
  protected keyIs(lit: Uint8Array): boolean {
    const len = lit.length;
    if (this.ke - this.ks !== len) return false;
    const b = this.b;
    const s = this.ks;
    for (let i = 0; i < len; i++) if (b[s + i] !== lit[i]) return false;
    return true;
  }

  /** The last key as an index (`0`, `1`, ... without leading zeros, below `limit`), or -1. */
  protected keyIndex(limit: number): number {
    const b = this.b;
    const s = this.ks;
    const len = this.ke - s;
    if (len === 0 || len > 9 || (len > 1 && b[s] === 0x30)) return -1;
    let v = 0;
    for (let i = s; i < this.ke; i++) {
      const d = b[i]! - 0x30;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
    return v < limit ? v : -1;
  }

  /** The last key as a string. */
  protected keyText(): string {
    return text(this.b, this.ks, this.ke);
  }

  /** A non-negative integer of at most 15 digits (exact in a double); anything else fails. */
  protected uint(): number {
    const b = this.b;
    let p = this.p;
    let c = b[p]!;
    if (c === 0x20 || c === NEWLINE || c === 0x0d || c === 0x09) {
      c = this.ws();
      p = this.p;
    }
    let d = c - 0x30;
    if (!(d >= 0 && d <= 9)) this.fail(p);
    let v = d;
    const s = p;
    p++;
    if (d !== 0) {
      c = b[p]!;
      d = c - 0x30;
      while (d >= 0 && d <= 9) {
        v = v * 10 + d;
        c = b[++p]!;
        d = c - 0x30;
      }
      if (p - s > 15) this.fail(s);
    } else c = b[p]!;
    // A fraction or exponent: a number this reader does not take.
    if (c === 0x2e || c === 0x65 || c === 0x45) this.fail(p);
    this.p = p;
    return v;
  }

  /** `null` (-1) or a non-negative integer as `uint()` reads it. */
  protected uintOrNull(): number {
    if (this.ws() === 0x6e) {
      this.literal(NULL);
      return -1;
    }
    return this.uint();
  }

  /** `null` (NaN) or an integer as `uint()` reads it, with an optional minus (c8 writes column -1). */
  protected intOrNull(): number {
    const c = this.ws();
    if (c === 0x6e) {
      this.literal(NULL);
      return NaN;
    }
    if (c === 0x2d) {
      this.p++;
      return -this.uint();
    }
    return this.uint();
  }

  /** A string value, decoded as JSON.parse would (escapes, UTF-8 with U+FFFD for invalid bytes). */
  protected string(): string {
    const b = this.b;
    if (this.ws() !== QUOTE) this.fail(this.p);
    const s = this.p + 1;
    const n = b.length;
    let p = s;
    let plain = true;
    for (; p < n; p++) {
      const c = b[p]!;
      if (c === QUOTE) break;
      if (c < 0x20) this.fail(p);
      if (c === BACKSLASH) {
        plain = false;
        p = this.escape(p);
      }
    }
    if (p >= n) this.fail(p);
    this.p = p + 1;
    if (plain) return text(b, s, p);
    try {
      return JSON.parse(utf8.decode(b.subarray(s - 1, p + 1))) as string;
    } catch {
      return this.fail(s);
    }
  }

  /** Checks the escape at `b[p]` (a backslash); returns the index of its last byte. */
  private escape(p: number): number {
    const c = this.b[p + 1];
    if (c === 0x75) {
      for (let i = p + 2; i < p + 6; i++) {
        const h = this.b[i]!;
        if (!((h >= 0x30 && h <= 0x39) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) this.fail(i);
      }
      return p + 5;
    }
    if (c === QUOTE || c === BACKSLASH || c === 0x2f || c === 0x62 || c === 0x66 || c === 0x6e || c === 0x72 || c === 0x74) return p + 1;
    return this.fail(p + 1);
  }

  private literal(lit: Uint8Array): void {
    const b = this.b;
    const p = this.p;
    for (let i = 0; i < lit.length; i++) if (b[p + i] !== lit[i]) this.fail(p + i);
    this.p = p + lit.length;
  }

  /** Skips any JSON value, checking it as JSON.parse would. */
  protected skip(depth = 0): void {
    const c = this.ws();
    if (c === QUOTE) {
      const b = this.b;
      const n = b.length;
      let p = this.p + 1;
      for (; p < n; p++) {
        const x = b[p]!;
        if (x === QUOTE) break;
        if (x < 0x20) this.fail(p);
        if (x === BACKSLASH) p = this.escape(p);
      }
      if (p >= n) this.fail(p);
      this.p = p + 1;
    } else if (c === 0x7b) {
      if (depth >= MAX_SKIP_DEPTH) this.fail(this.p);
      if (!this.open(0x7b, 0x7d)) return;
      do {
        this.readKey();
        this.skip(depth + 1);
      } while (this.more(0x7d));
    } else if (c === 0x5b) {
      if (depth >= MAX_SKIP_DEPTH) this.fail(this.p);
      if (!this.open(0x5b, 0x5d)) return;
      do this.skip(depth + 1);
      while (this.more(0x5d));
    } else if (c === 0x74) this.literal(TRUE);
    else if (c === 0x66) this.literal(FALSE);
    else if (c === 0x6e) this.literal(NULL);
    else this.number();
  }

  /** Skips a number of any JSON form: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
  private number(): void {
    const b = this.b;
    let p = this.p;
    if (b[p] === 0x2d) p++;
    if (b[p] === 0x30) p++;
    else if (isDigit(b[p]!)) while (isDigit(b[p]!)) p++;
    else this.fail(p);
    if (b[p] === 0x2e) {
      p++;
      if (!isDigit(b[p]!)) this.fail(p);
      while (isDigit(b[p]!)) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      p++;
      if (b[p] === 0x2b || b[p] === 0x2d) p++;
      if (!isDigit(b[p]!)) this.fail(p);
      while (isDigit(b[p]!)) p++;
    }
    this.p = p;
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** ASCII bytes of a key or literal, for `keyIs`. */
export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');

/**
 * The string of `b[s..e)` (no escapes in it): a string of its own, never a slice of a larger one, so
 * a kept path or name does not keep a chunk alive.
 */
function text(b: Uint8Array, s: number, e: number): string {
  if (e - s <= 256) {
    for (let i = s; i < e; i++) if (b[i]! >= 0x80) return utf8.decode(b.subarray(s, e));
    return String.fromCharCode.apply(null, b.subarray(s, e) as unknown as number[]);
  }
  return utf8.decode(b.subarray(s, e));
}
