/**
 * The canonical JSON form of audit records and checkpoints: the exact bytes that are hashed and
 * signed. It is the JSON Canonicalization Scheme (RFC 8785) restricted to the values audit records
 * use, so any JCS implementation (or the short recipe in docs/security.md) reproduces it:
 *
 * - objects: members sorted by key, compared as UTF-16 code units (RFC 8785 §3.2.3; every key we
 *   write is ASCII, where this is plain byte order), no duplicate keys, no member whose value is
 *   `undefined` (refused, never silently dropped);
 * - no whitespace anywhere: `{"a":1,"b":[true,null]}`;
 * - strings as ECMAScript `JSON.stringify` writes them: `"` and `\` escaped, U+0000..U+001F as
 *   `\b \t \n \f \r` or `\u00xx` (lower-case hex), everything else literal (no `\/`, no `\u` for
 *   non-ASCII); strings must be well-formed Unicode (a lone surrogate is refused);
 * - numbers: integers within ±(2^53−1) only, written in decimal without exponent, fraction or
 *   leading zeros (`-0` is written `0`); fractions, NaN and infinities are refused;
 * - `true`, `false`, `null`; arrays keep their order;
 * - the result is encoded as UTF-8.
 */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** The canonical text of `value`; throws a TypeError naming the path of the first unacceptable value. */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

/** The canonical form as the bytes that are hashed and signed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw new TypeError(`${path}: only integers within ±(2^53-1) are allowed in canonical JSON, got ${String(value)}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      if (!isWellFormed(value)) throw new TypeError(`${path}: the string is not well-formed Unicode (lone surrogate)`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v, i) => write(v, `${path}[${i}]`)).join(',')}]`;
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) throw new TypeError(`${path}: only plain objects are allowed in canonical JSON`);
      const keys = Object.keys(value).sort(compareUtf16);
      const members: string[] = [];
      for (const key of keys) {
        if (!isWellFormed(key)) throw new TypeError(`${path}: a key is not well-formed Unicode`);
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined) throw new TypeError(`${path}.${key}: undefined is not a JSON value (omit the member instead)`);
        members.push(`${JSON.stringify(key)}:${write(v, `${path}.${key}`)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`${path}: ${typeof value} is not a JSON value`);
  }
}

/** RFC 8785 order: by UTF-16 code units (what `<` on JS strings compares). */
function compareUtf16(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** No lone surrogates (String.prototype.isWellFormed is newer than our Node 20 baseline's typings). */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
