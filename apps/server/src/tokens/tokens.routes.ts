import type { FastifyInstance } from 'fastify';
import { TokenRevokeRequestSchema, TokenRevokeResponseSchema } from '@coverwatch/protocol';
import type { ApiCatalog } from '../http/api-catalog.js';
import { output, parseInput } from '../http/validate.js';
import type { LeakedTokensService } from './leaked-tokens.service.js';

/** `POST /api/v1/tokens/revoke`: public by declaration (a leaked token must be revocable by whoever finds it). */
export function tokensRoutes(deps: { leaked: LeakedTokensService; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    deps.api.document({
      method: 'POST',
      url: '/api/v1/tokens/revoke',
      summary: 'Report leaked tokens: each valid one is revoked at once (the answer never says which were)',
      tokens: 'public',
      body: { contentType: 'application/json', description: 'the tokens found, with where and by whom', schema: TokenRevokeRequestSchema },
      status: 202,
      response: TokenRevokeResponseSchema,
    });
    app.post('/api/v1/tokens/revoke', { bodyLimit: 64 * 1024 }, async (request, reply) => {
      const body = parseInput(TokenRevokeRequestSchema, request.body, 'body');
      const ua = request.headers['user-agent'];
      const result = await deps.leaked.report(body, { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null });
      return reply.status(202).send(output(TokenRevokeResponseSchema, result));
    });
  };
}
