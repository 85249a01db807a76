import type { FastifyInstance } from 'fastify';
import { AlertListQuerySchema, AlertListResponseSchema } from '@coverwatch/protocol';
import { AppError } from '../errors/app-error.js';
import type { ApiCatalog } from '../http/api-catalog.js';
import { OrgParams } from '../http/params.js';
import type { MembershipsRepository } from '../orgs/memberships.repository.js';
import type { OrgsRepository } from '../orgs/orgs.repository.js';
import type { Alert } from './alert.js';
import type { AlertsRepository } from './alerts.repository.js';

const view = (a: Alert) => ({ id: a.id, rule: a.rule, severity: a.severity, title: a.title, triggerSeq: a.triggerSeq, eventTime: a.eventTime, createdAt: a.createdAt, details: a.details });

/**
 * Alerts through the API (the operator has `admin list-alerts` for all of them): a signed-in user's
 * own (about their account), and an organization's (about its members, repositories and tokens) for
 * its owners and admins. Which alert concerns whom is fixed when it is raised (alert-scope.ts).
 */
export function alertsRoutes(deps: { alerts: AlertsRepository; orgs: OrgsRepository; members: MembershipsRepository; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, alerts } = deps;

    api.sessionRoute(
      app,
      { method: 'GET', url: '/api/v1/me/alerts', summary: "Alerts about the signed-in user's account (failed sign-ins and second factors, factors removed...), newest first", tokens: 'session', query: AlertListQuerySchema, response: AlertListResponseSchema },
      async ({ query, session }) => ({ alerts: (await alerts.list({ userId: session.userId, limit: query.limit })).map(view) }),
    );

    api.sessionRoute(
      app,
      {
        method: 'GET',
        url: '/api/v1/orgs/:org/alerts',
        summary: "Alerts about an organization (new owners and admins, its tokens used from new places, upload anomalies of its repositories), newest first: owners and admins; other members get 403, anyone else 404",
        tokens: 'session',
        params: OrgParams,
        query: AlertListQuerySchema,
        response: AlertListResponseSchema,
        errors: [404],
      },
      async ({ params, query, session }) => {
        const org = await deps.orgs.findByName(params.org);
        const role = org === null ? null : await deps.members.roleOf(org.id, session.userId);
        if (org === null || role === null) throw new AppError('CW_ERR_ORG_NOT_FOUND', `no organization ${params.org}`);
        if (role !== 'owner' && role !== 'admin') throw new AppError('CW_ERR_ORG_FORBIDDEN', `only owners and admins of ${org.name} see its alerts`);
        return { alerts: (await alerts.list({ orgId: org.id, limit: query.limit })).map(view) };
      },
    );
  };
}
