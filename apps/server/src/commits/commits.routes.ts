import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CommitFilesSchema, CommitShaSchema, CommitTotalsSchema } from '@coverwatch/protocol';
import type { TokenAuthService } from '../auth/token-auth.service.js';
import { principalOf, requireToken } from '../http/auth-hook.js';
import { output, parseInput } from '../http/validate.js';
import type { CommitsService } from './commits.service.js';

const CommitParams = z.strictObject({
  owner: z.string().regex(/^[A-Za-z0-9-]{1,39}$/, 'an organization name'),
  repo: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a repository name'),
  sha: CommitShaSchema,
});
const FilesQuery = z.strictObject({
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Read API of a commit: totals, and per-file totals (paged, in path order). Read tokens only. */
export function commitsRoutes(deps: { commits: CommitsService; auth: TokenAuthService }) {
  return async (app: FastifyInstance): Promise<void> => {
    const auth = requireToken(deps.auth, ['read']);

    app.get('/api/v1/repos/:owner/:repo/commits/:sha/totals', { onRequest: auth }, async (request) => {
      const p = parseInput(CommitParams, request.params, 'params');
      return output(CommitTotalsSchema, await deps.commits.totals(principalOf(request), p.owner, p.repo, p.sha));
    });

    app.get('/api/v1/repos/:owner/:repo/commits/:sha/files', { onRequest: auth }, async (request) => {
      const p = parseInput(CommitParams, request.params, 'params');
      const q = parseInput(FilesQuery, request.query, 'query');
      return output(CommitFilesSchema, await deps.commits.files(principalOf(request), p.owner, p.repo, p.sha, q));
    });
  };
}
