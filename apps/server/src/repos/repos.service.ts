import type { ReadPrincipal as Principal } from '../auth/token-auth.service.js';
import type { BranchesRepository } from '../branches/branches.repository.js';
import type { PullRequestsRepository } from '../pulls/pull-requests.repository.js';
import type { RepoAccessPolicy } from './repo-access.policy.js';
import type { ReposRepository, RepoRow } from './repos.repository.js';

export interface Page {
  readonly offset: number;
  readonly limit: number;
}

/** Read side of repositories: lists, one repository, its branches and pull requests. Transport-neutral. */
export class ReposService {
  constructor(
    private readonly repos: ReposRepository,
    private readonly access: RepoAccessPolicy,
    private readonly branches: BranchesRepository,
    private readonly pullRequests: PullRequestsRepository,
  ) {}

  /** The organization's repositories this principal may read; an organization it cannot see lists nothing. */
  async listOfOrg(principal: Principal, org: string, page: Page) {
    const rows = await this.repos.listByOrg(org, this.access.scope(principal), { offset: page.offset, limit: page.limit + 1 });
    return { org, repositories: rows.slice(0, page.limit).map(toRepository), nextOffset: rows.length > page.limit ? page.offset + page.limit : null };
  }

  async get(principal: Principal, owner: string, name: string) {
    return toRepository(await this.access.readable(principal, owner, name));
  }

  async branchList(principal: Principal, owner: string, name: string, page: Page) {
    const repo = await this.access.readable(principal, owner, name);
    const rows = await this.branches.list(repo.id, { offset: page.offset, limit: page.limit + 1 });
    return {
      repository: repo.fullName,
      branches: rows.slice(0, page.limit).map((b) => ({ name: b.name, headSha: b.headSha, headTotals: b.headTotalsJson === null ? null : JSON.parse(b.headTotalsJson), updatedAt: b.updatedAt })),
      nextOffset: rows.length > page.limit ? page.offset + page.limit : null,
    };
  }

  async pullRequestList(principal: Principal, owner: string, name: string, page: Page) {
    const repo = await this.access.readable(principal, owner, name);
    const rows = await this.pullRequests.list(repo.id, { offset: page.offset, limit: page.limit + 1 });
    return { repository: repo.fullName, pullRequests: rows.slice(0, page.limit), nextOffset: rows.length > page.limit ? page.offset + page.limit : null };
  }
}

function toRepository(r: RepoRow) {
  return { owner: r.orgName, name: r.name, fullName: r.fullName, defaultBranch: r.defaultBranch, createdAt: r.createdAt };
}
