import { createPathResolver } from '@coverwatch/core';
import { MAX_PROTECTED_PATTERNS, protectedPatternProblem } from '../branches/protected-branches.js';
import type { PathRules } from './repos.repository.js';

/** Most fixes and most ignore globs a repository keeps. */
export const MAX_PATH_RULES = 100;

/**
 * What is wrong with path rules, each named (empty: usable). Checked when they are set, by the
 * admin command and the API alike, instead of being skipped at processing time.
 */
export function pathRuleProblems(rules: PathRules): string[] {
  if (rules.fixes.length > MAX_PATH_RULES || rules.ignore.length > MAX_PATH_RULES) return [`at most ${MAX_PATH_RULES} fixes and ${MAX_PATH_RULES} ignore globs`];
  if ([...rules.fixes, ...rules.ignore].some((r) => r.length > 1024)) return ['a path rule is longer than 1024 characters'];
  return createPathResolver(null, rules)
    .problems.filter((p) => p.severity === 'error')
    .map((e) => e.message.replace(/; the (fix|glob) is not applied$/, ''));
}

/** The same for protected branch patterns. */
export function protectedBranchProblems(patterns: readonly string[]): string[] {
  if (patterns.length > MAX_PROTECTED_PATTERNS) return [`at most ${MAX_PROTECTED_PATTERNS} protected branch patterns`];
  return patterns.map(protectedPatternProblem).filter((p): p is string => p !== null);
}
