import type { AuditRecorder } from '../audit/audit-log.js';
import type { PathRules, RepoRow, ReposRepository } from './repos.repository.js';

/**
 * The audited writes of a repository's settings, shared by the admin command and the settings API
 * so that both store and log a change the same way (inputs are checked by repo-settings-rules.ts
 * first, each caller with its own error code).
 */

/** Replaces the protected branch patterns (null: the defaults); returns what is stored now. */
export async function writeProtectedBranches(repos: ReposRepository, repo: RepoRow, patterns: readonly string[] | null, audit: AuditRecorder): Promise<string[] | null> {
  const before = await repos.protectedBranches(repo.id);
  const after = patterns === null ? null : [...new Set(patterns)];
  await repos.setProtectedBranches(repo.id, after);
  await audit.record({ event: 'repo.protected_branches_changed', target: target(repo), details: { before, after } });
  return after;
}

/** Replaces the path rules; returns them as stored. */
export async function writePathRules(repos: ReposRepository, repo: RepoRow, rules: PathRules, audit: AuditRecorder): Promise<PathRules> {
  const before = await repos.pathRules(repo.id);
  await repos.setPathRules(repo.id, rules);
  const after = await repos.pathRules(repo.id);
  await audit.record({ event: 'repo.path_rules_changed', target: target(repo), details: { before: plain(before), after: plain(after) } });
  return after;
}

const target = (repo: RepoRow) => ({ type: 'repository', id: repo.id, name: repo.fullName });
const plain = (r: PathRules) => ({ fixes: [...r.fixes], ignore: [...r.ignore] });
