import type { FastifyInstance } from 'fastify';
import { BranchListSchema, PullRequestListSchema, RepositoryListSchema, RepositorySchema } from '@coverwatch/protocol';
import type { ApiCatalog } from '../http/api-catalog.js';
import { OrgParams, PageQuery, RepoParams } from '../http/params.js';
import type { ReposService } from './repos.service.js';

/** Read API of organizations and repositories. Read tokens of the repository or signed-in sessions. */
export function reposRoutes(deps: { repos: ReposService; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, repos } = deps;
    // Personal API tokens read as their user, within their scope (repo-access.policy.ts).
    const tokens = ['read', 'personal'] as const;
    // Read tokens of the repository, or a signed-in user's session (repo-access.policy.ts decides what they read).
    const sessions = true as const;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/orgs/:org/repos',
        summary: 'Repositories of an organization that the token may read, in name order',
        tokens,
        sessions,
        params: OrgParams,
        query: PageQuery,
        response: RepositoryListSchema,
      },
      async ({ params: p, query: q, principal }) => repos.listOfOrg(principal, p.org, q),
    );

    api.route(
      app,
      { method: 'GET', url: '/api/v1/repos/:owner/:repo', summary: 'One repository', tokens, sessions, params: RepoParams, response: RepositorySchema },
      async ({ params: p, principal }) => repos.get(principal, p.owner, p.repo),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/branches',
        summary: 'Branches with processed coverage, in name order, with their head commit and its totals',
        tokens,
        sessions,
        params: RepoParams,
        query: PageQuery,
        response: BranchListSchema,
      },
      async ({ params: p, query: q, principal }) => repos.branchList(principal, p.owner, p.repo, q),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/pulls',
        summary: 'Pull requests uploads were made for, most recently updated first',
        tokens,
        sessions,
        params: RepoParams,
        query: PageQuery,
        response: PullRequestListSchema,
      },
      async ({ params: p, query: q, principal }) => repos.pullRequestList(principal, p.owner, p.repo, q),
    );
  };
}
