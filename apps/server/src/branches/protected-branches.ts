/**
 * Protected branches: the branches whose coverage a fork must never write. A repository lists
 * names and patterns (`main`, `release/*`, `release/**`); without a list, its default branch is
 * protected, or `main` and `master` when it has none recorded.
 *
 * Matched segment by segment without regular expressions: `*` is any run of characters within one
 * `/`-separated segment, `**` as a whole segment any number of segments. Nothing else is special,
 * so a branch name can never be read as syntax.
 */

export const DEFAULT_PROTECTED = Object.freeze(['main', 'master']);
export const MAX_PROTECTED_PATTERNS = 50;
const MAX_PATTERN_LENGTH = 255;
const MAX_STARS = 8;

/** Why `pattern` is unusable, or null. */
export function protectedPatternProblem(pattern: string): string | null {
  if (pattern.length === 0) return 'a pattern is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `a pattern is longer than ${MAX_PATTERN_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return `"${pattern.replace(/[^\x20-\x7e]/g, '?')}" contains control characters`;
  if (pattern.split('/').some((s) => s === '')) return `"${pattern}" has an empty segment`;
  if ((pattern.match(/\*/g) ?? []).length > MAX_STARS) return `"${pattern}" has more than ${MAX_STARS} wildcards`;
  return null;
}

/** The patterns in force: the repository's list, else its default branch, else `main` and `master`. */
export function effectiveProtected(list: readonly string[] | null, defaultBranch: string | null): readonly string[] {
  if (list !== null) return list;
  return defaultBranch !== null ? [defaultBranch] : DEFAULT_PROTECTED;
}

export function isProtectedBranch(branch: string, patterns: readonly string[]): boolean {
  const name = branch.split('/');
  return patterns.some((p) => matchSegments(p.split('/'), 0, name, 0));
}

function matchSegments(pat: readonly string[], i: number, name: readonly string[], j: number): boolean {
  if (i === pat.length) return j === name.length;
  if (pat[i] === '**') {
    for (let k = j; k <= name.length; k++) if (matchSegments(pat, i + 1, name, k)) return true;
    return false;
  }
  return j < name.length && matchSegment(pat[i]!, name[j]!) && matchSegments(pat, i + 1, name, j + 1);
}

/** `*` wildcards within one segment, by the usual greedy-with-backtrack-point loop: O(pattern × text). */
function matchSegment(p: string, t: string): boolean {
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] !== '*' && p[pi] === t[ti]) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star !== -1) {
      pi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
