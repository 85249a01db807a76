/**
 * Ignore globs, matched by a small segment matcher instead of a regular expression: no pattern
 * character can inject regex syntax, and matching is O(pattern × path) in the worst case (no
 * backtracking explosion on `**\/**\/**\/a`). Rules (docs/paths.md, "Ignore globs"):
 *
 * - `*` matches any run of characters within one segment, `?` exactly one character (code point).
 * - `**` as a whole segment matches zero or more segments; anywhere else it is just `*`.
 * - A pattern with a `/` at its start or in its middle is anchored at the repository root
 *   (`src/gen/*.c`, `/vendor`); one without (`*.pb.go`, `node_modules`) matches at any depth.
 * - A pattern also matches everything beneath a directory it matches (`vendor` ignores
 *   `vendor/a/b.c`); a trailing `/` or `/**` matches only beneath it, never a file of that name.
 * - There is no escape character, no `[...]` class, no `{a,b}` and no `!` negation (rejected, so a
 *   config written for another tool fails loudly instead of matching something else).
 */

type Token = { readonly kind: 'globstar' } | { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'wild'; readonly chars: readonly string[] };

const GLOBSTAR: Token = { kind: 'globstar' };
const ANY_SEGMENT: Token = { kind: 'wild', chars: ['*'] };

/** A compiled ignore glob. */
export interface CompiledGlob {
  /** The pattern as written. */
  readonly source: string;
  /** True when the pattern is anchored at the repository root. */
  readonly anchored: boolean;
  /** Whether `path` (a normalised, `/`-separated relative path) matches. */
  matches(path: string): boolean;
}

export type GlobCompileResult = { readonly ok: true; readonly glob: CompiledGlob } | { readonly ok: false; readonly error: string };

/** Longest accepted pattern; keeps the O(pattern × path) bound small. */
export const MAX_GLOB_LENGTH = 1024;

/**
 * Compiles an ignore glob (see the module comment for the syntax). Never throws: an unusable pattern
 * gives `{ ok: false, error }`.
 */
export function compileGlob(pattern: string): GlobCompileResult {
  const source = pattern;
  let p = pattern.replace(/^\ufeff+/, '').replace(/[\r\n]+$/, '');
  if (p.length === 0) return { ok: false, error: 'the pattern is empty' };
  if (p.length > MAX_GLOB_LENGTH) return { ok: false, error: `the pattern is longer than ${MAX_GLOB_LENGTH} characters` };
  if (p.includes('\0')) return { ok: false, error: 'the pattern contains a NUL character' };
  if (p.startsWith('!')) return { ok: false, error: 'negated patterns (!) are not supported' };
  // NFC like paths (normalize.ts), so a pattern typed on macOS matches.
  if (/[\u0080-\uffff]/.test(p)) p = p.normalize('NFC');
  // Backslashes are separators, as in paths (normalize.ts): globs have no escape character.
  p = p.replace(/\\/g, '/');

  const segs = p.split('/').filter((s) => s !== '' && s !== '.');
  if (segs.includes('..')) return { ok: false, error: "the pattern contains a '..' segment" };
  if (segs.length === 0) return { ok: false, error: 'the pattern has no segments' };
  const anchored = p.replace(/\/+$/, '').includes('/');
  let dirOnly = p.endsWith('/');
  if (segs[segs.length - 1] === '**' && segs.length > 1) {
    segs.pop();
    dirOnly = true;
  }

  const tokens: Token[] = anchored ? [] : [GLOBSTAR];
  for (const seg of segs) {
    if (seg === '**') {
      // Consecutive globstars are one globstar; this keeps `**/**/**/x` as cheap as `**/x`.
      if (tokens[tokens.length - 1] !== GLOBSTAR) tokens.push(GLOBSTAR);
    } else if (!seg.includes('*') && !seg.includes('?')) {
      tokens.push({ kind: 'literal', text: seg });
    } else {
      tokens.push({ kind: 'wild', chars: Array.from(seg.replace(/\*+/g, '*')) });
    }
  }
  // Matching a directory matches its contents: a trailing globstar (zero or more segments), or for
  // a directory-only pattern one segment and then a globstar (at least one segment beneath).
  if (dirOnly) tokens.push(ANY_SEGMENT);
  if (tokens[tokens.length - 1] !== GLOBSTAR) tokens.push(GLOBSTAR);

  return {
    ok: true,
    glob: {
      source,
      anchored,
      matches: (path: string) => matchTokens(tokens, path.split('/')),
    },
  };
}

/**
 * Whether `path` matches `pattern`; an invalid pattern matches nothing. Compiles the pattern on every
 * call: use {@link compileGlob} to test many paths.
 */
export function matchGlob(pattern: string, path: string): boolean {
  const c = compileGlob(pattern);
  return c.ok && c.glob.matches(path);
}

/**
 * Wildcard matching over segments with a single backtrack point (the last globstar). Each non-globstar
 * token consumes exactly one segment, which is what makes the one-backtrack-point method exact here.
 */
function matchTokens(tokens: readonly Token[], segs: readonly string[]): boolean {
  let t = 0;
  let s = 0;
  let starT = -1;
  let starS = 0;
  while (s < segs.length) {
    const tok = tokens[t];
    if (tok === GLOBSTAR) {
      starT = t++;
      starS = s;
      continue;
    }
    if (tok !== undefined && segmentMatches(tok, segs[s]!)) {
      t++;
      s++;
      continue;
    }
    if (starT < 0) return false;
    t = starT + 1;
    s = ++starS;
  }
  while (tokens[t] === GLOBSTAR) t++;
  return t === tokens.length;
}

function segmentMatches(tok: Token, seg: string): boolean {
  if (tok.kind === 'literal') return tok.text === seg;
  if (tok.kind === 'globstar') return true;
  return wildMatch(tok.chars, Array.from(seg));
}

/** Classic `*`/`?` matching with one backtrack point: O(|p| × |s|) worst case, no recursion. */
function wildMatch(p: readonly string[], s: readonly string[]): boolean {
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < s.length) {
    const c = p[i];
    if (c === '*') {
      star = i++;
      mark = j;
    } else if (c !== undefined && (c === '?' || c === s[j])) {
      i++;
      j++;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else {
      return false;
    }
  }
  while (p[i] === '*') i++;
  return i === p.length;
}
