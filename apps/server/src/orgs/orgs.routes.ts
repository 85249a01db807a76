import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AddMemberRequestSchema,
  ChangeRoleRequestSchema,
  CreateOrgRequestSchema,
  CreateOrgResponseSchema,
  CreateRepoRequestSchema,
  MemberChangeResponseSchema,
  MyOrgsResponseSchema,
  OrgMemberListSchema,
  RepositorySchema,
} from '@coverwatch/protocol';
import { userAudit } from '../accounts/accounts.routes.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ApiCatalog } from '../http/api-catalog.js';
import { OrgParams, OwnerSchema } from '../http/params.js';
import type { Session } from '../sessions/sessions.service.js';
import type { OrgsService } from './orgs.service.js';

const MemberParams = z.strictObject({ org: OwnerSchema, userId: z.uuid() });

/**
 * The organization API of signed-in users (sessions that passed a second factor): their
 * organizations, the members of one (any member), and membership changes (owners and admins, with
 * a step-up within 5 minutes). Who may do what: orgs.service.ts.
 */
export function orgsRoutes(deps: { orgs: OrgsService; audit: AuditLog; api: ApiCatalog; usersMayCreate: boolean }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, orgs } = deps;
    const auditOf = (session: Session, request: FastifyRequest) => userAudit(deps.audit, session, request);

    api.sessionRoute(app, { method: 'GET', url: '/api/v1/me/orgs', summary: 'The organizations the signed-in user belongs to, with their role', tokens: 'session', response: MyOrgsResponseSchema }, async ({ session }) =>
      orgs.myOrgs(session.userId),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/orgs',
        summary: 'Create an organization; the signed-in user (who must hold a passkey) becomes its owner (config orgs.usersMayCreate)',
        tokens: 'session',
        body: { contentType: 'application/json', description: 'its name', schema: CreateOrgRequestSchema },
        response: CreateOrgResponseSchema,
        errors: [403, 409],
      },
      async ({ body, session, request }) => orgs.createOrg(session.userId, body.name, auditOf(session, request), { usersMayCreate: deps.usersMayCreate }),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/orgs/:org/repos',
        summary: 'Create a repository in the organization (owners and admins); private unless said otherwise',
        tokens: 'session',
        params: OrgParams,
        body: { contentType: 'application/json', description: 'its name and visibility', schema: CreateRepoRequestSchema },
        response: RepositorySchema,
        errors: [403, 404, 409],
      },
      async ({ params, body, session, request }) => orgs.createRepo(session.userId, params.org, body.name, body.visibility ?? 'private', auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/orgs/:org/leave',
        summary: 'Leave the organization (any member; the last owner cannot)',
        tokens: 'session',
        params: OrgParams,
        response: MemberChangeResponseSchema,
        errors: [404, 409],
      },
      async ({ params, session, request }) => orgs.leave(session.userId, params.org, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      { method: 'GET', url: '/api/v1/orgs/:org/members', summary: 'Members of an organization (for its members; anyone else gets 404)', tokens: 'session', params: OrgParams, response: OrgMemberListSchema, errors: [404] },
      async ({ params, session }) => orgs.listMembers(session.userId, params.org),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/orgs/:org/members',
        summary: 'Add a user (by email) to the organization: owners and admins; only owners make owners',
        tokens: 'session',
        stepUp: true,
        params: OrgParams,
        body: { contentType: 'application/json', description: 'the user and their role', schema: AddMemberRequestSchema },
        response: MemberChangeResponseSchema,
        errors: [404, 409],
      },
      async ({ params, body, session, request }) => orgs.addMember({ type: 'user', userId: session.userId }, params.org, body.email, body.role, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/orgs/:org/members/:userId/role',
        summary: "Change a member's role: owners and admins; an admin cannot make or change an owner; the last owner stays owner",
        tokens: 'session',
        stepUp: true,
        params: MemberParams,
        body: { contentType: 'application/json', description: 'the new role', schema: ChangeRoleRequestSchema },
        response: MemberChangeResponseSchema,
        errors: [404, 409],
      },
      async ({ params, body, session, request }) => orgs.changeRole({ type: 'user', userId: session.userId }, params.org, params.userId, body.role, auditOf(session, request)),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/orgs/:org/members/:userId/remove',
        summary: 'Remove a member: owners and admins; an admin cannot remove an owner; the last owner stays',
        tokens: 'session',
        stepUp: true,
        params: MemberParams,
        response: MemberChangeResponseSchema,
        errors: [404, 409],
      },
      async ({ params, session, request }) => orgs.removeMember({ type: 'user', userId: session.userId }, params.org, params.userId, auditOf(session, request)),
    );
  };
}
