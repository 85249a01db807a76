import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  BranchNameSchema,
  CommitFilesSchema,
  CommitShaSchema,
  CommitListSchema,
  CommitTotalsSchema,
  CommitTreeSchema,
  CommitUploadsSchema,
  FileLinesSchema,
  FlagSchema,
  TREE_SORT_KEYS,
  TrendSchema,
} from '@coverwatch/protocol';
import type { ApiCatalog } from '../http/api-catalog.js';
import { CommitParams, limitSchema, offsetSchema, OwnerSchema, PageQuery, RepoNameSchema, RepoParams, RepoPathSchema } from '../http/params.js';
import { decodeCursor, type CommitsService } from './commits.service.js';

const CommitListQuery = z.strictObject({
  branch: BranchNameSchema.optional(),
  cursor: z
    .string()
    .max(200)
    .transform((s, ctx) => {
      const c = decodeCursor(s);
      if (c === null) ctx.issues.push({ code: 'custom', message: 'not a cursor from nextCursor', input: s });
      return c!;
    })
    .optional(),
  limit: limitSchema(100, 20),
});

const TreeQuery = z.strictObject({
  path: RepoPathSchema.default(''),
  flag: FlagSchema.optional(),
  sort: z.enum(TREE_SORT_KEYS).default('path'),
  order: z.enum(['asc', 'desc']).default('asc'),
  offset: offsetSchema,
  limit: limitSchema(1000, 100),
});

const FileParams = z.strictObject({ owner: OwnerSchema, repo: RepoNameSchema, sha: CommitShaSchema, path: RepoPathSchema.pipe(z.string().min(1, 'a file path')) });
const FlagQuery = z.strictObject({ flag: FlagSchema.optional() });
const TrendQuery = z.strictObject({ branch: BranchNameSchema, flag: FlagSchema.optional(), limit: limitSchema(1000, 100) });

/** Read API of commits: lists, totals, files, tree, one file's lines, trends, uploads. Read tokens of the repository or signed-in sessions. */
export function commitsRoutes(deps: { commits: CommitsService; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, commits } = deps;
    // Personal API tokens read as their user, within their scope (repo-access.policy.ts).
    const tokens = ['read', 'personal'] as const;
    // Read tokens of the repository, or a signed-in user's session (repo-access.policy.ts decides what they read).
    const sessions = true as const;

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/commits',
        summary: 'Commits of a repository (or of one branch), newest first, with totals and upload state counts; paged by cursor',
        tokens,
        sessions,
        params: RepoParams,
        query: CommitListQuery,
        response: CommitListSchema,
      },
      async ({ params: p, query: q, principal }) => commits.list(principal, p.owner, p.repo, { branch: q.branch ?? null, cursor: q.cursor ?? null, limit: q.limit }),
    );

    api.route(
      app,
      { method: 'GET', url: '/api/v1/repos/:owner/:repo/commits/:sha/totals', summary: "A commit's totals", tokens, sessions, params: CommitParams, response: CommitTotalsSchema },
      async ({ params: p, principal }) => commits.totals(principal, p.owner, p.repo, p.sha),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/commits/:sha/files',
        summary: 'Per-file totals of a commit, in path order, paged',
        tokens,
        sessions,
        params: CommitParams,
        query: PageQuery,
        response: CommitFilesSchema,
      },
      async ({ params: p, query: q, principal }) => commits.files(principal, p.owner, p.repo, p.sha, q),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/commits/:sha/files/*',
        wildcard: 'path',
        summary: "One file's line coverage (core's line records: hit, miss, partial with missed branches) and totals",
        tokens,
        sessions,
        params: FileParams,
        query: FlagQuery,
        response: FileLinesSchema,
      },
      async ({ params: p, query: q, principal }) => commits.fileLines(principal, p.owner, p.repo, p.sha, p.path, q.flag ?? null),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/commits/:sha/tree',
        summary: 'One directory of a commit: its totals and its directories and files with totals; sorted, paged, filterable by flag',
        tokens,
        sessions,
        params: CommitParams,
        query: TreeQuery,
        response: CommitTreeSchema,
      },
      async ({ params: p, query: q, principal }) => commits.tree(principal, p.owner, p.repo, p.sha, { ...q, flag: q.flag ?? null }),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/commits/:sha/uploads',
        summary: 'Every upload of a commit with its state, error and diagnostics',
        tokens,
        sessions,
        params: CommitParams,
        response: CommitUploadsSchema,
      },
      async ({ params: p, principal }) => commits.uploadList(principal, p.owner, p.repo, p.sha),
    );

    api.route(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/trend',
        summary: 'Totals of the latest commits of a branch (of one flag when given), oldest first',
        tokens,
        sessions,
        params: RepoParams,
        query: TrendQuery,
        response: TrendSchema,
      },
      async ({ params: p, query: q, principal }) => commits.trend(principal, p.owner, p.repo, { branch: q.branch, flag: q.flag ?? null, limit: q.limit }),
    );
  };
}
