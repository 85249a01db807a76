/**
 * Type guards and small helpers for walking a document produced by JSON.parse defensively.
 *
 * Reports are hostile input: any field can be missing, null, of the wrong type, a huge number, or a
 * key such as `__proto__` or `constructor`. JSON.parse stores every key as an own data property, but
 * a plain `obj[key]` lookup of an absent key still finds Object.prototype's members
 * (`obj["constructor"]` is a function), so lookups of keys taken from the document go through `own`.
 */

/** A JSON object: not null, not an array. */
export type JsonObject = { readonly [key: string]: unknown };

/** True for a JSON object (not null, not an array). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True for a JSON number. JSON.parse never yields NaN, but `1e999` becomes Infinity: callers (or the builder) bound it. */
export function isNumber(v: unknown): v is number {
  return typeof v === 'number';
}

/**
 * `o[key]` when `key` is an own property of `o`, else undefined. Use it whenever `key` comes from the
 * document (a key of one map looked up in another), never `o[key]`: see the module comment.
 */
export function own(o: JsonObject, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** A short description of a JSON value for diagnostics: `a string "abc…"`, `null`, `an array`. */
export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  switch (typeof v) {
    case 'string':
      return `a string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
    case 'number':
      return `the number ${String(v)}`;
    case 'boolean':
      return `the boolean ${String(v)}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

/** A key or path quoted for a diagnostic message, shortened so a hostile 1 MB key cannot flood it. */
export function quoteKey(key: string): string {
  return JSON.stringify(key.length > 120 ? `${key.slice(0, 120)}…` : key);
}

/**
 * Counts the bad entries of one array or map while a walker skips them, so a field with a million bad
 * entries costs one diagnostic (naming the first) instead of a million formatted messages.
 */
export class BadEntries {
  count = 0;
  private firstWhere: string | number = '';
  private firstInner: string | undefined = undefined;
  private firstValue: unknown = undefined;

  /**
   * Records a bad entry. Only the first is kept for the message: `where` is its array index or map
   * key, `inner` an optional raw suffix such as `.branches[3]` (build it only while `count` is 0, so
   * later bad entries cost no string).
   */
  add(where: string | number, value: unknown, inner?: string): void {
    if (this.count++ === 0) {
      this.firstWhere = where;
      this.firstInner = inner;
      this.firstValue = value;
    }
  }

  /**
   * The message tail for the diagnostic, or null when nothing was bad: `2 entries are not <expected>
   * (first: [3], a string "x")`.
   */
  summary(expected: string): string | null {
    if (this.count === 0) return null;
    const what = this.count === 1 ? '1 entry is not' : `${this.count} entries are not`;
    const where = typeof this.firstWhere === 'number' ? String(this.firstWhere) : quoteKey(this.firstWhere);
    return `${what} ${expected} (first: [${where}]${this.firstInner ?? ''}, ${describeJson(this.firstValue)})`;
  }
}

/**
 * True when the first non-whitespace character of `head` is `open` (`{` or `[`). Detection of JSON
 * formats starts here: it is cheap and rules out every line- or XML-based format.
 */
export function headStartsWith(head: string, open: '{' | '['): boolean {
  for (let i = 0; i < head.length; i++) {
    const c = head.charCodeAt(i);
    // space, tab, LF, CR (a BOM is already dropped by the decoder)
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    return head[i] === open;
  }
  return false;
}
