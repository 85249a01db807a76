import { decodeUtf8, encodeUtf8 } from '../text/text-decoder.js';

const C_ESCAPES: Readonly<Record<string, number>> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/**
 * Parses the output of `git ls-files` into repository paths.
 *
 * - With `-z` (the output contains NUL) entries are NUL-separated and taken verbatim.
 * - Otherwise one path per line (LF or CRLF). With git's default `core.quotePath`, a path with
 *   control characters, `"`, `\` or non-ASCII bytes is printed C-quoted (`"caf\303\251.txt"`); such
 *   lines are unquoted and their octal bytes decoded as UTF-8 (invalid bytes become U+FFFD).
 * A leading BOM and empty entries are dropped. Never throws: a malformed quoted line is kept as written.
 */
export function parseGitLsFiles(output: string): string[] {
  const text = output.replace(/^\ufeff/, '');
  if (text.includes('\0')) return text.split('\0').filter((p) => p !== '');
  const out: string[] = [];
  for (let line of text.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    out.push(line.length >= 2 && line.startsWith('"') && line.endsWith('"') ? (unquoteC(line.slice(1, -1)) ?? line) : line);
  }
  return out;
}

/** Undoes git's quote_c_style; null when the text is not a valid quoted path. */
function unquoteC(body: string): string | null {
  const bytes: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') return null;
    if (c !== '\\') {
      // Unescaped characters are ASCII in git's output, but re-encode anything so nothing is lost.
      const code = body.charCodeAt(i);
      if (code < 0x80) bytes.push(code);
      else {
        const cp = body.codePointAt(i)!;
        if (cp > 0xffff) i++;
        for (const b of encodeUtf8(String.fromCodePoint(cp))) bytes.push(b);
      }
      continue;
    }
    const e = body[++i];
    if (e === undefined) return null;
    const simple = C_ESCAPES[e];
    if (simple !== undefined) {
      bytes.push(simple);
      continue;
    }
    const oct = body.slice(i, i + 3);
    if (!/^[0-3][0-7]{2}$/.test(oct)) return null;
    bytes.push(parseInt(oct, 8));
    i += 2;
  }
  return decodeUtf8(new Uint8Array(bytes));
}
