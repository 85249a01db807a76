import type { ReadPrincipal } from '../auth/token-auth.service.js';
import { AppError } from '../errors/app-error.js';
import type { ReadScope, ReposRepository, RepoRow } from './repos.repository.js';

/**
 * Who may read what (deny by default):
 * - a token reads its own repository and nothing else (public or not: a token is bound to one);
 * - a signed-in user reads a repository that is public, or belongs to an organization they are a
 *   member of (any role), or is granted to them;
 * - a personal token reads what its user reads now, and only within its scope (its chosen
 *   repositories, or its organization).
 * Anything else answers exactly as a repository that does not exist (404 CW_ERR_REPO_NOT_FOUND,
 * same message), so no principal learns which repositories exist (docs/security.md).
 */
export class RepoAccessPolicy {
  constructor(private readonly repos: ReposRepository) {}

  async readable(principal: ReadPrincipal, owner: string, name: string): Promise<RepoRow> {
    return this.check(principal, await this.repos.findByFullName(owner, name), owner, name);
  }

  /** `repo` (found by `owner/name`, or null) if the principal may read it; else the same refusal as `readable`. */
  check(principal: ReadPrincipal, repo: RepoRow | null, owner: string, name: string): RepoRow {
    if (repo === null || !inScope(this.scope(principal), repo)) throw repoNotFound(owner, name);
    return repo;
  }

  /** Whether the principal may read `repo` (for answers that must not throw the repository's 404). */
  canRead(principal: ReadPrincipal, repo: RepoRow): boolean {
    return inScope(this.scope(principal), repo);
  }

  /** What the principal may read, for queries that list (an organization's repositories). */
  scope(principal: ReadPrincipal): ReadScope {
    if (principal.kind === 'session') return { repoIds: principal.repoIds, orgIds: principal.orgIds, publicRepos: true };
    if (principal.kind === 'personal') return { repoIds: principal.repoIds, orgIds: principal.orgIds, publicRepos: true, within: principal.scope };
    return { repoIds: [principal.repositoryId], orgIds: [], publicRepos: false };
  }
}

/** The one answer for a repository that is missing or not readable. */
export function repoNotFound(owner: string, name: string): AppError {
  return new AppError('CW_ERR_REPO_NOT_FOUND', `no repository ${owner}/${name}`);
}

function inScope(scope: ReadScope, repo: RepoRow): boolean {
  const within = scope.within === undefined || ('orgId' in scope.within ? scope.within.orgId === repo.orgId : scope.within.repositoryIds.includes(repo.id));
  return within && (scope.repoIds.includes(repo.id) || scope.orgIds.includes(repo.orgId) || (scope.publicRepos && repo.visibility === 'public'));
}
