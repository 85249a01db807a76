import { BytePattern } from './attr-layout.js';

/**
 * An element a parser reads as a record of numbers: `<line nr="8" mi="0" ci="3" mb="0" cb="0"/>`.
 * Such elements are most of a coverage report, and going through `openTag` (attribute offsets, a
 * lookup per attribute, the element pushed and popped, `closeTag`) cost more than reading them.
 */
export interface XmlRecordSpec {
  /** The element name. */
  readonly element: string;
  /**
   * The attributes read, by slot: a name is read as a non-negative decimal integer (as
   * `XmlAttributes.uint`); `{ name, choices }` as the index of its value among `choices` (as a
   * chain of `XmlAttributes.is`); `{ name, fraction: true }` as Cobertura's `<percent>% (<a>/<b>)`
   * (percent digits with an optional decimal part, one space, no other spaces): a in its slot, b
   * after all slots (the k-th fraction's at index `attributes.length + k`), the percent unread.
   * Names and choices are printable ASCII without space, `&`, `"`, `<` or `=` (the constructor
   * refuses others).
   */
  readonly attributes: readonly RecordAttribute[];
}

export type RecordAttribute = string | { readonly name: string; readonly choices: readonly string[] } | { readonly name: string; readonly fraction: true };

/** Per slot, how its value is read. */
const NUMBER = 0;
const CHOICE = 1;
const FRACTION = 2;

/** Slot value of an attribute the tag does not have (as `XmlAttributes.uint` says of it). */
export const ABSENT = -2;

/**
 * Reads the tags of one `XmlRecordSpec` element straight from the bytes, in any attribute order
 * (the order a producer writes is learned as it is met). It reads only the regular case: each
 * attribute written ` name="value"` (one space, double quotes), only attributes of the spec, each
 * once, values plain digits (or exactly one of the choices), and the tag ending `/>` or ` />`. For
 * anything else `read` gives up and the tokenizer reads the tag with its general scanner, so a
 * record that is delivered is exactly what `openTag` + `closeTag` would have shown the parser.
 */
export class RecordReader {
  /**
   * The slots of the tag just read (`ABSENT` where the tag has no such attribute), then the
   * denominators of its fraction slots (see XmlRecordSpec.attributes).
   */
  readonly values: Float64Array;
  /** Per slot: the bytes ` name="` (at least 4), their length, and their first and last four as words. */
  private readonly prefixes: readonly BytePattern[];
  private readonly lens: Int32Array;
  private readonly firstWords: Int32Array;
  private readonly lastWords: Int32Array;
  /** The bit mask of all slots. */
  private readonly all: number;
  /** Per slot: NUMBER, CHOICE or FRACTION. */
  private readonly kinds: Int8Array;
  /** Per slot: null unless a choice, else per choice its bytes and the closing quote (`stmt"`). */
  private readonly choices: readonly (readonly BytePattern[] | null)[];
  /** Per slot: the index in `values` of its denominator (-1 unless a fraction). */
  private readonly denominators: Int32Array;
  /**
   * The slot expected after slot k - 1 (index 0: the first attribute), -1 when not known yet: a
   * producer writes its attributes in the same order every time, so one compare finds the next one.
   */
  private readonly next: Int8Array;

  constructor(
    /** The index of the spec among the tokenizer's, given to `XmlHandler.record`. */
    readonly kind: number,
    spec: XmlRecordSpec,
  ) {
    const count = spec.attributes.length;
    if (count === 0 || count > 30) throw new Error(`a record spec has 1 to 30 attributes (<${spec.element}> has ${count})`);
    const names = spec.attributes.map((a) => (typeof a === 'string' ? a : a.name));
    if (new Set(names).size !== count) throw new Error(`<${spec.element}> record spec names an attribute twice`);
    this.kinds = Int8Array.from(spec.attributes, (a) => (typeof a === 'string' ? NUMBER : 'choices' in a ? CHOICE : FRACTION));
    let fractions = 0;
    this.denominators = Int32Array.from(this.kinds, (k) => (k === FRACTION ? count + fractions++ : -1));
    this.values = new Float64Array(count + fractions);
    this.prefixes = names.map((name) => new BytePattern(new Uint8Array([32, ...ascii(name), 61, 34])));
    this.lens = Int32Array.from(this.prefixes, (p) => p.length);
    this.firstWords = Int32Array.from(this.prefixes, (p) => p.words[0]!);
    this.lastWords = Int32Array.from(this.prefixes, (p) => p.words[p.words.length - 1]!);
    this.all = (1 << count) - 1;
    this.choices = spec.attributes.map((a) => (typeof a === 'string' || !('choices' in a) ? null : a.choices.map((c) => new BytePattern(new Uint8Array([...ascii(c), 34])))));
    this.next = new Int8Array(count + 1).fill(-1);
  }

  /**
   * Reads the attributes of a tag from b[i] (just after its name) to its `/>`, filling `values`;
   * returns the index past `/>`, or -1 when the tag is not the regular case (the general scanner
   * then reads it from its start, whatever this read). Only bytes before n are looked at (b[n] is
   * the tokenizer's sentinel `<`).
   */
  read(view: DataView, b: Uint8Array, n: number, i: number): number {
    const values = this.values;
    const lens = this.lens;
    /** Bit k: slot k was read (a bit mask, not a fill of `values`, so the hot loop only writes values). */
    let seen = 0;
    let after = 0;
    for (;;) {
      let c = b[i]!;
      // (OpenCover and coverlet end their tags ` />`.)
      if (c === 32 && b[i + 1] === 47) c = b[++i]!;
      if (c === 47 /* / */) {
        if (i + 1 >= n || b[i + 1] !== 62) return -1;
        if (seen !== this.all) {
          for (let s = 0; s < this.kinds.length; s++) {
            if ((seen & (1 << s)) !== 0) continue;
            values[s] = ABSENT;
            if (this.kinds[s] === FRACTION) values[this.denominators[s]!] = ABSENT;
          }
        }
        return i + 2;
      }
      if (c !== 32) return -1;
      let slot = this.next[after]!;
      if (slot < 0 || !this.startsAt(slot, view, b, n, i)) {
        slot = this.slotAt(view, b, n, i);
        if (slot < 0) return -1;
        this.next[after] = slot;
      }
      const bit = 1 << slot;
      if ((seen & bit) !== 0) return -1;
      seen |= bit;
      let p = i + lens[slot]!;
      const kind = this.kinds[slot]!;
      if (kind === NUMBER) {
        const start = p;
        let v = 0;
        let d = b[p]! - 48;
        // (The same arithmetic as XmlAttributes.uint, so long numbers round alike.)
        while (d >= 0 && d <= 9) {
          v = v * 10 + d;
          d = b[++p]! - 48;
        }
        if (d !== 34 - 48 || p === start || p >= n) return -1;
        values[slot] = v;
      } else if (kind === CHOICE) {
        // (A choice holds no quote, so its bytes and a quote at p are exactly a value equal to it.)
        const choices = this.choices[slot]!;
        let k = 0;
        while (k < choices.length && !(p + choices[k]!.length <= n && choices[k]!.at(view, b, p))) k++;
        if (k === choices.length) return -1;
        values[slot] = k;
        p += choices[k]!.length - 1;
      } else {
        p = this.fraction(b, n, p, slot);
        if (p < 0) return -1;
      }
      i = p + 1;
      after = slot + 1;
    }
  }

  /**
   * `<percent>% (<a>/<b>)"` from b[p]: a and b into the slot and its denominator; returns the index
   * of the closing quote, or -1 (bytes at or past n are never taken: b[n] is `<`, no digit).
   */
  private fraction(b: Uint8Array, n: number, p: number, slot: number): number {
    p = skipDigits(b, p);
    if (p < 0) return -1;
    if (b[p] === 46 /* . */) {
      p = skipDigits(b, p + 1);
      if (p < 0) return -1;
    }
    if (b[p] !== 37 /* % */ || b[p + 1] !== 32 || b[p + 2] !== 40 /* ( */) return -1;
    p += 3;
    let start = p;
    let a = 0;
    let d = b[p]! - 48;
    while (d >= 0 && d <= 9) {
      a = a * 10 + d;
      d = b[++p]! - 48;
    }
    if (d !== 47 - 48 /* / */ || p === start) return -1;
    start = ++p;
    let t = 0;
    d = b[p]! - 48;
    while (d >= 0 && d <= 9) {
      t = t * 10 + d;
      d = b[++p]! - 48;
    }
    if (d !== 41 - 48 /* ) */ || p === start || b[p + 1] !== 34 || p + 1 >= n) return -1;
    this.values[slot] = a;
    this.values[this.denominators[slot]!] = t;
    return p + 1;
  }

  /**
   * True when ` name="` of `slot` is at b[i]: its first and last four bytes compared as words (all
   * of a prefix of up to 8 bytes, a name of up to 5), the rest by BytePattern.
   */
  private startsAt(slot: number, view: DataView, b: Uint8Array, n: number, i: number): boolean {
    const len = this.lens[slot]!;
    if (i + len > n || view.getInt32(i, true) !== this.firstWords[slot] || view.getInt32(i + len - 4, true) !== this.lastWords[slot]) return false;
    return len <= 8 || this.prefixes[slot]!.at(view, b, i);
  }

  private slotAt(view: DataView, b: Uint8Array, n: number, i: number): number {
    for (let s = 0; s < this.prefixes.length; s++) if (this.startsAt(s, view, b, n, i)) return s;
    return -1;
  }
}

/** The index past one or more digits from b[p], or -1 when there is none. */
function skipDigits(b: Uint8Array, p: number): number {
  const start = p;
  let d = b[p]! - 48;
  while (d >= 0 && d <= 9) d = b[++p]! - 48;
  return p === start ? -1 : p;
}

function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || c <= 32 || c === 38 || c === 34 || c === 60 || c === 61) throw new Error(`record spec text must be plain ASCII: ${JSON.stringify(s)}`);
    out[i] = c;
  }
  return out;
}
