import type { Principal } from '../auth/token-auth.service.js';
import { AppError } from '../errors/app-error.js';
import type { ReposRepository, RepoRow } from './repos.repository.js';

/**
 * Who may read what. Tokens are bound to one repository, so a token reads its own repository and
 * nothing else; the answer is the same whether another repository exists or not, so a token learns
 * nothing about the others.
 */
export class RepoAccessPolicy {
  constructor(private readonly repos: ReposRepository) {}

  async readable(principal: Principal, owner: string, name: string): Promise<RepoRow> {
    return this.check(principal, await this.repos.findByFullName(owner, name), owner, name);
  }

  /** `repo` (found by `owner/name`, or null) if the principal may read it; else the same refusal as `readable`. */
  check(principal: Principal, repo: RepoRow | null, owner: string, name: string): RepoRow {
    if (repo === null || repo.id !== principal.repositoryId) throw new AppError('CW_ERR_AUTH_FORBIDDEN', `this token does not grant access to ${owner}/${name}`);
    return repo;
  }

  /** Ids of the repositories the principal may read (with repository tokens: its own). */
  readableIds(principal: Principal): readonly string[] {
    return [principal.repositoryId];
  }
}
