import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GrantChangeRequestSchema, GrantChangeResponseSchema, RepoSettingsChangeSchema, RepoSettingsSchema } from '@coverwatch/protocol';
import { userAudit } from '../accounts/accounts.routes.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ApiCatalog } from '../http/api-catalog.js';
import { RepoParams } from '../http/params.js';
import type { Session } from '../sessions/sessions.service.js';
import type { RepoSettingsService } from './repo-settings.service.js';

/**
 * A repository's settings for signed-in users (who may do what: repo-settings.service.ts). Changes
 * are security settings: a second-factor check within the last 5 minutes (step-up).
 */
export function repoSettingsRoutes(deps: { settings: RepoSettingsService; audit: AuditLog; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, settings } = deps;
    const auditOf = (session: Session, request: FastifyRequest) => userAudit(deps.audit, session, request);

    api.sessionRoute(
      app,
      {
        method: 'GET',
        url: '/api/v1/repos/:owner/:repo/settings',
        summary: "A repository's visibility, protected branches, path rules and grants: for owners, admins, members and write-grant holders",
        tokens: 'session',
        params: RepoParams,
        response: RepoSettingsSchema,
        errors: [403, 404],
      },
      async ({ params, session }) => settings.get(session.userId, params.owner, params.repo),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/repos/:owner/:repo/settings',
        summary: 'Change the given settings: visibility and protected branches (owners, admins), path rules (also members and write-grant holders)',
        tokens: 'session',
        stepUp: true,
        params: RepoParams,
        body: { contentType: 'application/json', description: 'the settings to change; the others stay', schema: RepoSettingsChangeSchema },
        response: RepoSettingsSchema,
        errors: [403, 404],
      },
      async ({ params, body, session, request }) => settings.change(session.userId, params.owner, params.repo, body, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/repos/:owner/:repo/grants',
        summary: 'Give one user (by email) read or write on this repository, or take it back (role null): owners and admins',
        tokens: 'session',
        stepUp: true,
        params: RepoParams,
        body: { contentType: 'application/json', description: 'the user and the role', schema: GrantChangeRequestSchema },
        response: GrantChangeResponseSchema,
        errors: [403, 404],
      },
      async ({ params, body, session, request }) => settings.setGrant(session.userId, params.owner, params.repo, body.email, body.role, auditOf(session, request)),
    );
  };
}
