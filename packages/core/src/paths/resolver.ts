import type { Diagnostic } from '../model/diagnostics.js';
import { comparePaths } from '../model/report.js';
import { applyFixes, parseFix, type PathFix } from './fixes.js';
import { compileGlob, type CompiledGlob } from './glob.js';
import { normalizePath, type PathProblem } from './normalize.js';

/** What every resolution says about its path, whatever the outcome. */
interface ResolutionBase {
  /** The path exactly as the report wrote it. */
  readonly input: string;
  /** After normalisation; null when the path is unusable. */
  readonly normalized: string | null;
  /** After fixes (equal to `normalized` when no fix applied); null when unusable. */
  readonly fixed: string | null;
  /** The fix rule that applied, as written in the configuration; null when none did. */
  readonly fix: string | null;
  /** Problems normalisation found (flags such as U+FFFD, or the reason the path is unusable). */
  readonly problems: readonly PathProblem[];
  /** The path under which the file appears in the resolved report; null when it is left out. */
  readonly target: string | null;
  /** One-line human explanation of the rule that decided the outcome (stable wording, for `paths explain`). */
  readonly rule: string;
}

/** Resolved to one repository file: the whole (fixed) path, or a unique whole-segment suffix match. */
export interface MatchedResolution extends ResolutionBase {
  readonly kind: 'exact' | 'suffix';
  readonly repoPath: string;
  readonly target: string;
}

/** Left out by an ignore glob. */
export interface IgnoredResolution extends ResolutionBase {
  readonly kind: 'ignored';
  /** The glob as written in the configuration. */
  readonly glob: string;
  /** The path the glob matched: the repository path when the file resolved, else the fixed report path. */
  readonly matched: string;
  /** The repository file the path resolved to, if it did. */
  readonly repoPath: string | null;
  readonly target: null;
}

/** Several repository files fit equally well: never guessed, listed. */
export interface AmbiguousResolution extends ResolutionBase {
  readonly kind: 'ambiguous';
  /** The candidates in path order, at most `maxCandidates` of them. */
  readonly candidates: readonly string[];
  /** How many candidates there are in all. */
  readonly candidateCount: number;
  readonly target: null;
}

/** No repository file fits. */
export interface UnmatchedResolution extends ResolutionBase {
  readonly kind: 'unmatched';
  readonly target: null;
}

/** The resolver has no file list: the path was only normalised, fixed and checked against ignore. */
export interface UnresolvedResolution extends ResolutionBase {
  readonly kind: 'unresolved';
  readonly path: string;
  readonly target: string;
}

/** The path is unusable (NUL, empty, too long, or a fix consumed it). */
export interface InvalidResolution extends ResolutionBase {
  readonly kind: 'invalid';
  readonly reason: string;
  readonly target: null;
}

/** How one report path was resolved; every outcome says why (`rule`), for `coverwatch paths explain`. */
export type PathResolution =
  | MatchedResolution
  | IgnoredResolution
  | AmbiguousResolution
  | UnmatchedResolution
  | UnresolvedResolution
  | InvalidResolution;

/** The name the product issue uses for a resolution shown to users. */
export type PathExplanation = PathResolution;

export interface PathResolverOptions {
  /** Fix rules (`before::after`, `::prefix`, `before::`), applied in order, first match wins. */
  readonly fixes?: readonly string[];
  /** Ignore globs (see glob.ts). */
  readonly ignore?: readonly string[];
  /** Longest accepted path (default: DEFAULT_LIMITS.maxPathLength). */
  readonly maxPathLength?: number;
  /** Most candidates an ambiguous resolution lists (default 20); `candidateCount` has the full count. */
  readonly maxCandidates?: number;
}

export interface PathResolver {
  /** Resolves one report path. Never throws; the same input always gives the same answer. */
  resolve(reportPath: string): PathResolution;
  /** False when the resolver was created without a file list (every resolution is then `unresolved`, `ignored` or `invalid`). */
  readonly hasFileList: boolean;
  /** Distinct repository files indexed. */
  readonly repoFileCount: number;
  /** Problems with the configuration and the file list (invalid fixes, globs or entries); never fatal. */
  readonly problems: readonly Diagnostic[];
}

/** A repository path, or several when they tie. Single paths are stored bare: most buckets hold one. */
type Bucket = string | string[];

type Lookup =
  | { readonly kind: 'one'; readonly how: 'exact' | 'report-in-repo' | 'repo-in-report'; readonly repoPath: string; readonly key: string }
  | { readonly kind: 'many'; readonly how: 'exact' | 'report-in-repo' | 'repo-in-report'; readonly candidates: readonly string[]; readonly key: string }
  | { readonly kind: 'none' };

/**
 * Creates a resolver of report paths against a repository's file list (as `git ls-files` prints it;
 * see parseGitLsFiles for quoted output). Order of a resolution (docs/paths.md):
 * normalise → first matching fix → exact match → suffix match → ignore.
 *
 * Suffix matching is on whole segments and goes both ways, the longer shared suffix winning:
 * first the repository paths that end with the whole report path (JaCoCo's `pkg/A.java` →
 * `src/main/java/pkg/A.java`; several → ambiguous), then the longest tail of the report path that is
 * a repository path (`/home/runner/work/x/cJSON.c` → `cJSON.c`, Go's `github.com/o/r/flag.go` →
 * `flag.go`). Two paths that merely share a tail (`build/x/a.c` vs `src/x/a.c`) never match.
 *
 * The index holds every whole-segment suffix of every repository path, so one resolution costs
 * O(depth) map lookups whatever the size of the repository. With no file list (`null` or empty) the
 * resolver only normalises, fixes and ignores, and answers `unresolved`.
 *
 * Resolved paths are repository entries as listed (or their normalised form when an entry is not a
 * clean relative path): never absolute, never with `.`/`..`/empty segments, never with NUL.
 */
export function createPathResolver(repoFiles: readonly string[] | null | undefined, options: PathResolverOptions = {}): PathResolver {
  const problems: Diagnostic[] = [];
  const maxLength = options.maxPathLength;
  const maxCandidates = Math.max(1, options.maxCandidates ?? 20);
  const normOpts = maxLength === undefined ? {} : { maxLength };

  const fixes: PathFix[] = [];
  for (const rule of options.fixes ?? []) {
    const r = parseFix(rule);
    if (!r.ok) {
      problems.push({ code: 'CW_PATH_FIX_INVALID', severity: 'error', message: `${r.error}; the fix is not applied` });
      continue;
    }
    fixes.push(r.fix);
    for (const note of r.fix.notes) problems.push({ code: 'CW_PATH_FIX_NOTE', severity: 'info', message: note });
  }
  const globs: CompiledGlob[] = [];
  for (const g of options.ignore ?? []) {
    const r = compileGlob(g);
    if (r.ok) globs.push(r.glob);
    else problems.push({ code: 'CW_PATH_GLOB_INVALID', severity: 'error', message: `ignore "${g}": ${r.error}; the glob is not applied` });
  }

  // Index. Entries are deduplicated and sorted first so every bucket comes out in path order.
  const keyOf = new Map<string, string>();
  let badEntries = 0;
  let firstBad: string | null = null;
  for (const entry of repoFiles ?? []) {
    const n = normalizePath(entry, normOpts);
    if (n.path === null || n.problems.some((p) => p.code === 'CW_PATH_ESCAPES_ROOT')) {
      badEntries++;
      firstBad ??= entry;
      continue;
    }
    // Return the entry as listed (git needs its exact bytes, e.g. NFD names) only when it is the
    // normalised path up to Unicode normalisation; otherwise the normalised form is the safe answer.
    const asListed = /[\u0080-\uffff]/.test(entry) ? entry.normalize('NFC') : entry;
    keyOf.set(asListed === n.path ? entry : n.path, n.path);
  }
  if (badEntries > 0) {
    problems.push({
      code: 'CW_PATH_REPO_ENTRY_INVALID',
      severity: 'warning',
      message: `${badEntries} file list entr${badEntries === 1 ? 'y is' : 'ies are'} not usable repository paths (empty, NUL, too long or climbing out with '..'), e.g. ${JSON.stringify(firstBad)}; ignored`,
    });
  }
  const exact = new Map<string, Bucket>();
  const bySuffix = new Map<string, Bucket>();
  const repoPaths = [...keyOf.keys()].sort(comparePaths);
  for (const repoPath of repoPaths) {
    const key = keyOf.get(repoPath)!;
    addTo(exact, key, repoPath);
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) addTo(bySuffix, key.slice(i + 1), repoPath);
  }
  const hasFileList = repoPaths.length > 0;

  const ignoredBy = (path: string): string | null => {
    for (const g of globs) if (g.matches(path)) return g.source;
    return null;
  };
  const repoIgnoreCache = new Map<string, string | null>();
  const repoIgnoredBy = (repoPath: string): string | null => {
    let g = repoIgnoreCache.get(repoPath);
    if (g === undefined) {
      g = ignoredBy(keyOf.get(repoPath) ?? repoPath);
      repoIgnoreCache.set(repoPath, g);
    }
    return g;
  };
  // "Are all candidates ignored?" per bucket, so a basename shared by thousands of files is checked once.
  const allIgnoredCache = new WeakMap<readonly string[], string | null>();
  const allIgnoredBy = (candidates: readonly string[]): string | null => {
    let g = allIgnoredCache.get(candidates);
    if (g === undefined) {
      g = globs.length === 0 ? null : repoIgnoredBy(candidates[0]!);
      for (let i = 1; g !== null && i < candidates.length; i++) if (repoIgnoredBy(candidates[i]!) === null) g = null;
      allIgnoredCache.set(candidates, g);
    }
    return g;
  };

  const lookup = (p: string): Lookup => {
    const hit = (b: Bucket, how: 'exact' | 'report-in-repo' | 'repo-in-report', key: string): Lookup =>
      typeof b === 'string' ? { kind: 'one', how, repoPath: b, key } : { kind: 'many', how, candidates: b, key };
    const e = exact.get(p);
    if (e !== undefined) return hit(e, 'exact', p);
    const s = bySuffix.get(p);
    if (s !== undefined) return hit(s, 'report-in-repo', p);
    // Longest tail first: the first hit shares the most segments with the report path.
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
      const tail = p.slice(i + 1);
      const t = exact.get(tail);
      if (t !== undefined) return hit(t, 'repo-in-report', tail);
    }
    return { kind: 'none' };
  };

  const resolve = (input: string): PathResolution => {
    const n = normalizePath(input, normOpts);
    if (n.path === null) {
      const reason = n.problems.map((p) => p.message).join('; ');
      return { kind: 'invalid', input, normalized: null, fixed: null, fix: null, problems: n.problems, target: null, reason, rule: `invalid: ${reason}` };
    }
    const f = applyFixes(n.path, fixes);
    const fix = f.fix === null ? null : f.fix.source;
    const base = { input, normalized: n.path, fix, problems: n.problems };
    const via = fix === null ? '' : `fix "${fix}", then `;
    if (f.path === null) {
      const reason = `the fix "${fix}" left an empty path`;
      return { kind: 'invalid', ...base, fixed: null, target: null, reason, rule: `invalid: ${reason}` };
    }
    const fixed = f.path;
    const ignored = (glob: string, matched: string, repoPath: string | null, why: string): IgnoredResolution => ({
      kind: 'ignored',
      ...base,
      fixed,
      target: null,
      glob,
      matched,
      repoPath,
      rule: `${via}ignore "${glob}" matched ${why}`,
    });

    if (!hasFileList) {
      const g = ignoredBy(fixed);
      if (g !== null) return ignored(g, fixed, null, 'the report path');
      return { kind: 'unresolved', ...base, fixed, path: fixed, target: fixed, rule: `${via}no repository file list: normalised only` };
    }

    const m = lookup(fixed);
    if (m.kind === 'one') {
      // A resolved file is judged by its repository path, so a CI directory that happens to be
      // called `build` or `test` never hides files that resolved.
      const g = repoIgnoredBy(m.repoPath);
      if (g !== null) return ignored(g, keyOf.get(m.repoPath) ?? m.repoPath, m.repoPath, 'the repository path');
      return {
        kind: m.how === 'exact' ? 'exact' : 'suffix',
        ...base,
        fixed,
        repoPath: m.repoPath,
        target: m.repoPath,
        rule: via + describe(m.how),
      };
    }
    if (m.kind === 'many') {
      const g = allIgnoredBy(m.candidates);
      if (g !== null) return ignored(g, keyOf.get(m.candidates[0]!) ?? m.candidates[0]!, null, `all ${m.candidates.length} candidates`);
      const r = ignoredBy(fixed);
      if (r !== null) return ignored(r, fixed, null, 'the report path');
      const count = m.candidates.length;
      return {
        kind: 'ambiguous',
        ...base,
        fixed,
        target: null,
        candidates: m.candidates.slice(0, maxCandidates),
        candidateCount: count,
        rule: `${via}ambiguous: ${count} repository paths ${m.how === 'report-in-repo' ? `end with ${JSON.stringify(m.key)}` : `are ${JSON.stringify(m.key)}`}; add a fix to choose`,
      };
    }
    const g = ignoredBy(fixed);
    if (g !== null) return ignored(g, fixed, null, 'the report path');
    return { kind: 'unmatched', ...base, fixed, target: null, rule: `${via}no repository path matches (exactly or by a whole-segment suffix)` };
  };

  return { resolve, hasFileList, repoFileCount: repoPaths.length, problems };
}

function describe(how: 'exact' | 'report-in-repo' | 'repo-in-report'): string {
  switch (how) {
    case 'exact':
      return 'exact';
    case 'report-in-repo':
      return 'suffix: the report path is the end of exactly one repository path';
    case 'repo-in-report':
      return 'suffix: the longest tail of the report path that is a repository path';
  }
}

function addTo(map: Map<string, Bucket>, key: string, repoPath: string): void {
  const b = map.get(key);
  if (b === undefined) map.set(key, repoPath);
  else if (typeof b === 'string') map.set(key, [b, repoPath]);
  else b.push(repoPath);
}
