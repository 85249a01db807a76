import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  CreatedAccountTokenSchema,
  CreateOrgUploadTokenRequestSchema,
  CreatePersonalTokenRequestSchema,
  ExpiringTokenListSchema,
  ExpiringTokensQuerySchema,
  PersonalTokenListSchema,
  TokenRevokedResponseSchema,
  TokenRevokeRequestSchema,
  TokenRevokeResponseSchema,
  RotatePersonalTokenRequestSchema,
  RotatedAccountTokenSchema,
} from '@coverwatch/protocol';
import { userAudit } from '../accounts/accounts.routes.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ApiCatalog } from '../http/api-catalog.js';
import { OrgParams, OwnerSchema } from '../http/params.js';
import { output, parseInput } from '../http/validate.js';
import type { Session } from '../sessions/sessions.service.js';
import type { AccountTokensService } from './account-tokens.service.js';
import type { LeakedTokensService } from './leaked-tokens.service.js';

const TokenIdParams = z.strictObject({ id: z.uuid() });
const OrgTokenParams = z.strictObject({ org: OwnerSchema, id: z.uuid() });

/**
 * `POST /api/v1/tokens/revoke`: public by declaration (a leaked token must be revocable by whoever
 * finds it). The signed-in user's personal API tokens (`/api/v1/me/tokens`: create with a step-up,
 * list, revoke) and an organization's tokens (`/api/v1/orgs/{org}/upload-tokens` with a step-up,
 * `/api/v1/orgs/{org}/tokens/expiring`), for owners and admins.
 */
export function tokensRoutes(deps: { leaked: LeakedTokensService; accountTokens: AccountTokensService; audit: AuditLog; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, accountTokens } = deps;
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

    const auditOf = (session: Session, request: FastifyRequest) => userAudit(deps.audit, session, request);

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/tokens',
        summary: 'Create a personal API token (read or read-write; chosen repositories or one organization); shown once',
        tokens: 'session',
        stepUp: true,
        body: { contentType: 'application/json', description: 'access, scope and expiry (days, 90 by default, at most 365)', schema: CreatePersonalTokenRequestSchema },
        status: 201,
        response: CreatedAccountTokenSchema,
        errors: [404],
      },
      async ({ body, session, request }) => accountTokens.createPersonal(session.userId, body, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      { method: 'GET', url: '/api/v1/me/tokens', summary: "The signed-in user's personal API tokens: prefix and last four, scope, creation, expiry, last use", tokens: 'session', response: PersonalTokenListSchema },
      async ({ session }) => accountTokens.listPersonal(session.userId),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/tokens/:id/rotate',
        summary: 'Rotate one of your personal API tokens: a new one with the same scope (shown once); the old one keeps working for overlapHours',
        tokens: 'session',
        stepUp: true,
        params: TokenIdParams,
        body: { contentType: 'application/json', description: 'overlapHours (0-720, default 24) and the new expiry in days', schema: RotatePersonalTokenRequestSchema },
        status: 201,
        response: RotatedAccountTokenSchema,
        errors: [404],
      },
      async ({ params, body, session, request }) => accountTokens.rotatePersonal(session.userId, params.id, body, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/tokens/:id/revoke',
        summary: 'Revoke one of your personal API tokens at once',
        tokens: 'session',
        params: TokenIdParams,
        response: TokenRevokedResponseSchema,
        errors: [404],
      },
      async ({ params, session, request }) => accountTokens.revokePersonal(session.userId, params.id, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/orgs/:org/upload-tokens',
        summary: "Create an organization upload token (uploads to any of the organization's repositories, reads nothing): owners and admins; shown once",
        tokens: 'session',
        stepUp: true,
        params: OrgParams,
        body: { contentType: 'application/json', description: 'expiry in days (90 by default, at most 365)', schema: CreateOrgUploadTokenRequestSchema },
        status: 201,
        response: CreatedAccountTokenSchema,
        errors: [404],
      },
      async ({ params, body, session, request }) => accountTokens.createOrgUpload({ type: 'user', userId: session.userId }, params.org, body.expiresDays, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/orgs/:org/upload-tokens/:id/revoke',
        summary: "Revoke one of the organization's upload tokens at once: owners and admins",
        tokens: 'session',
        params: OrgTokenParams,
        response: TokenRevokedResponseSchema,
        errors: [404],
      },
      async ({ params, session, request }) => accountTokens.revokeOrgUpload({ type: 'user', userId: session.userId }, params.org, params.id, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      {
        method: 'GET',
        url: '/api/v1/orgs/:org/tokens/expiring',
        summary: "The organization's live tokens expiring within N days (its upload tokens and its repositories' tokens): owners and admins",
        tokens: 'session',
        params: OrgParams,
        query: ExpiringTokensQuerySchema,
        response: ExpiringTokenListSchema,
        errors: [404],
      },
      async ({ params, query, session }) => accountTokens.listExpiring({ type: 'user', userId: session.userId }, params.org, query.withinDays),
    );
  };
}
