import { normalizePath } from './normalize.js';

/**
 * A path fix (Codecov-compatible `before::after`), parsed. `before` and `after` are normalised like
 * report paths, so `/home/runner/work/repo/::` and `home/runner/work/repo::` are the same fix.
 */
export interface PathFix {
  /** The rule as written in the configuration. */
  readonly source: string;
  /** Normalised prefix to replace; '' matches every path (the `::prefix` form). */
  readonly before: string;
  /** Normalised replacement; '' strips `before` (the `before::` form). */
  readonly after: string;
  /** Notes about the rule that are not errors (e.g. a `*` taken literally). */
  readonly notes: readonly string[];
}

export type FixParseResult = { readonly ok: true; readonly fix: PathFix } | { readonly ok: false; readonly error: string };

/**
 * Parses one fix rule: `before::after` replaces a leading `before` with `after`, `::prefix` prepends
 * `prefix`, `before::` strips `before`. The rule splits at its first `::`. `before` is a plain path
 * prefix matched on whole segments (`src` matches `src/a.c`, not `srcs/a.c`); glob characters in it
 * are literal, which earns a note. Never throws.
 */
export function parseFix(rule: string): FixParseResult {
  const at = rule.indexOf('::');
  if (at < 0) return { ok: false, error: `the fix "${rule}" has no "::" (expected before::after, ::prefix or before::)` };
  const rawBefore = rule.slice(0, at);
  const rawAfter = rule.slice(at + 2);
  const before = side(rawBefore);
  if (typeof before !== 'string') return { ok: false, error: `the fix "${rule}": before ${before.error}` };
  const after = side(rawAfter);
  if (typeof after !== 'string') return { ok: false, error: `the fix "${rule}": after ${after.error}` };
  if (before === after) return { ok: false, error: `the fix "${rule}" changes nothing` };
  const notes: string[] = [];
  if (/[*?[]/.test(rawBefore)) notes.push(`the fix "${rule}": fixes take plain path prefixes, so * ? [ in "before" are matched literally`);
  return { ok: true, fix: { source: rule, before, after, notes } };
}

/** One side of a rule: '' for an empty side (or one that is only `/`, `.` and the like), else the normalised path. */
function side(raw: string): string | { error: string } {
  if (raw.replace(/[/\\.]/g, '') === '' && !raw.includes('..')) return '';
  const n = normalizePath(raw);
  if (n.path === null) return { error: n.problems.map((p) => p.message).join('; ') };
  // A fix must not point outside the repository: `..` would make every fixed path escape.
  const bad = n.problems.find((p) => p.code === 'CW_PATH_ESCAPES_ROOT' || p.code === 'CW_PATH_CONTROL_CHAR');
  if (bad !== undefined) return { error: bad.message };
  return n.path;
}

/** The outcome of {@link applyFixes}: `fix` is the rule that applied (null when none did). */
export interface FixOutcome {
  /** The fixed path; null when a fix consumed the whole path (`a/b.c::` on `a/b.c`). */
  readonly path: string | null;
  readonly fix: PathFix | null;
}

/**
 * Applies the first fix whose `before` is a whole-segment prefix of `path` (a normalised path).
 * Only one fix applies: later fixes see the original path, never the output of an earlier one,
 * so the order of rules is the order of precedence and rules cannot chain into loops.
 */
export function applyFixes(path: string, fixes: readonly PathFix[]): FixOutcome {
  for (const fix of fixes) {
    const b = fix.before;
    let rest: string;
    if (b === '') rest = path;
    else if (path === b) rest = '';
    else if (path.length > b.length && path.startsWith(b) && path.charCodeAt(b.length) === 47) rest = path.slice(b.length + 1);
    else continue;
    const out = fix.after === '' ? rest : rest === '' ? fix.after : `${fix.after}/${rest}`;
    return { path: out === '' ? null : out, fix };
  }
  return { path, fix: null };
}
