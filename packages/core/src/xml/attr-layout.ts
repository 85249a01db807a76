import { copyBytes } from '../text/bytes.js';
/**
 * Attribute layouts: coverage XML writes millions of elements with the same attributes in the same
 * order (`<line nr="8" mi="0" ci="3" mb="0" cb="0"/>`). Scanning each attribute name byte by byte
 * to find where it ends is a short loop with an unpredictable exit, the most expensive line of the
 * tokenizer in CPU profiles. Once an element name has been seen, the tokenizer instead checks that
 * the bytes ` nr="` are where it expects them (a compare whose outcome is always the same) and jumps
 * to the value; attribute lookups then compare interned name strings instead of bytes.
 *
 * A layout is only an accelerator: the tokenizer matches it as a prefix of the tag, then goes on with
 * its general attribute scanner, so a tag that differs (another order, other spacing, single quotes,
 * an extra attribute) is read exactly as without layouts.
 */
export class AttrLayout {
  constructor(
    /** Per attribute: the bytes ` name="` (at least 4). */
    readonly prefixes: readonly BytePattern[],
    /** Per attribute: its name (interned; all distinct). */
    readonly names: readonly string[],
    /** Per attribute: the name's signature (see `nameSignature`). */
    readonly sigs: Int32Array,
  ) {}
}

/** Most attributes a layout holds (longer tags use the general scanner for the rest). */
const MAX_LAYOUT = 24;

/** Length, first and last byte of a name: rejects most other names with one integer compare. */
export function nameSignature(len: number, first: number, last: number): number {
  return ((len & 0x7fff) << 16) | (first << 8) | last;
}

/**
 * The layout of the tag just scanned, from its attribute offsets ([nameStart, nameEnd, valueStart,
 * valueEnd] each), or null when it has none worth keeping: every attribute must be written
 * ` name="value"` (one space, ASCII name, double quotes) and the names must be distinct.
 */
export function learnLayout(b: Uint8Array, offsets: Int32Array, count: number): AttrLayout | null {
  if (count === 0) return null;
  const n = Math.min(count, MAX_LAYOUT);
  const prefixes: BytePattern[] = [];
  const names: string[] = [];
  const sigs = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const ns = offsets[4 * i]!;
    const ne = offsets[4 * i + 1]!;
    if (ne <= ns || ns < 1 || b[ns - 1] !== 32 || b[ne] !== 61 || b[ne + 1] !== 34 || offsets[4 * i + 2] !== ne + 2) break;
    let name = '';
    for (let p = ns; p < ne; p++) {
      const c = b[p]!;
      if (c >= 128) return null;
      name += String.fromCharCode(c);
    }
    if (names.includes(name)) break;
    prefixes.push(new BytePattern(copyBytes(b, ns - 1, ne + 2)));
    names.push(internalize(name));
    sigs[i] = nameSignature(ne - ns, b[ns]!, b[ne - 1]!);
  }
  if (names.length === 0) return null;
  return new AttrLayout(prefixes, names, names.length === n ? sigs : sigs.slice(0, names.length));
}

/**
 * The same string, internalized (as V8 does for property keys): `===` between two internalized
 * strings is a pointer comparison, and handlers look attributes up by string literals (internalized).
 */
export function internalize(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}

/**
 * Bytes compared as little-endian 32-bit words read with a DataView (one load and compare per four
 * bytes instead of a byte loop whose exit the CPU mispredicts). The last word overlaps the one
 * before it when the length is not a multiple of 4: two words cover 5 to 8 bytes exactly.
 */
export class BytePattern {
  /** Words at offsets 0, 4, 8, ... and length - 4 (only for length >= 4). */
  readonly words: Int32Array;
  readonly length: number;
  constructor(readonly bytes: Uint8Array) {
    const len = bytes.length;
    this.length = len;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, len);
    const count = len < 4 ? 0 : (len + 3) >> 2;
    this.words = new Int32Array(count);
    for (let k = 0; k < count; k++) this.words[k] = dv.getInt32(Math.min(4 * k, len - 4), true);
  }

  /** True when `view` holds these bytes at `at` (the caller ensures at + length <= view.byteLength). */
  at(view: DataView, b: Uint8Array, at: number): boolean {
    const w = this.words;
    const len = this.length;
    if (len < 4) {
      const bytes = this.bytes;
      for (let j = 0; j < len; j++) if (b[at + j] !== bytes[j]) return false;
      return true;
    }
    const last = w.length - 1;
    for (let k = 0; k < last; k++) if (view.getInt32(at + 4 * k, true) !== w[k]) return false;
    return view.getInt32(at + len - 4, true) === w[last];
  }
}
