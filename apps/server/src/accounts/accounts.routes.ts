import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { MeResponseSchema, SessionListResponseSchema, SessionsEndedResponseSchema, SetPasswordRequestSchema, SetPasswordResponseSchema, SignInRequestSchema, SignInResponseSchema } from '@coverwatch/protocol';
import type { AuditLog, AuditRecorder } from '../audit/audit-log.js';
import { AppError } from '../errors/app-error.js';
import type { ApiCatalog } from '../http/api-catalog.js';
import { output, parseInput } from '../http/validate.js';
import { clearSessionCookie, sessionSecretOf, setSessionCookie } from '../sessions/session-cookie.js';
import type { ClientContext, Session, SessionsService } from '../sessions/sessions.service.js';
import { ThrottledError, type AccountsService } from './accounts.service.js';

const BODY_LIMIT = 16 * 1024;

/** Where a request came from, for sessions and audit records. */
export function clientOf(request: FastifyRequest): ClientContext {
  const ua = request.headers['user-agent'];
  // The socket's address, or what a configured trusted proxy forwarded (config trustedProxies, docs/security.md).
  return { ip: request.ip, userAgent: typeof ua === 'string' ? ua.slice(0, 256) : null };
}

/** An audit recorder for changes a signed-in user makes: the user as actor, the request's address and user agent as source. */
export function userAudit(audit: AuditLog, session: Session, request: FastifyRequest): AuditRecorder {
  const client = clientOf(request);
  return audit.as({ actor: { type: 'user', id: session.userId, name: session.email }, source: { ip: client.ip ?? undefined, userAgent: client.userAgent ?? undefined } });
}

/** A session as its owner sees it (never its secret). */
export function view(session: Session, currentId: string) {
  const { id, mfa, mfaVerifiedAt, createdAt, lastSeenAt, idleExpiresAt, absoluteExpiresAt, ip, userAgent } = session;
  return { id, current: id === currentId, mfa, mfaVerifiedAt, createdAt, lastSeenAt, idleExpiresAt, absoluteExpiresAt, ip, userAgent };
}

/**
 * Sign-in, set-password and sign-out (`/api/v1/auth/...`), and the signed-in user's own routes
 * (`/api/v1/me/...`, session cookie and a second factor required).
 */
export function accountsRoutes(deps: { accounts: AccountsService; sessions: SessionsService; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, accounts, sessions } = deps;

    api.document({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      summary: 'Sign in with email and password: sets the __Host-cw-session cookie (the session still needs a second factor)',
      tokens: 'public',
      body: { contentType: 'application/json', description: 'email and password', schema: SignInRequestSchema },
      response: SignInResponseSchema,
      errors: [400, 401, 429],
    });
    app.post('/api/v1/auth/sign-in', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const body = parseInput(SignInRequestSchema, request.body, 'body');
      const ctx = clientOf(request);
      let created;
      try {
        created = await accounts.signIn(body.email, body.password, ctx);
      } catch (e) {
        if (e instanceof ThrottledError) void reply.header('retry-after', String(e.retryAfterSeconds));
        throw e;
      }
      // A new session id at every sign-in; the one the request carried (if any) ends (no fixation).
      const previous = sessionSecretOf(request);
      if (previous !== undefined) {
        const old = await sessions.authenticate(previous);
        if (old !== null) await sessions.end(old.userId, old.id, 'replaced_by_sign_in');
      }
      setSessionCookie(reply, created.secret);
      return reply.status(200).send(output(SignInResponseSchema, { session: view(created.session, created.session.id), csrfToken: sessions.csrfToken(created.secret) }));
    });

    api.document({
      method: 'POST',
      url: '/api/v1/auth/set-password',
      summary: 'Set the password with the one-time token of admin create-user / reset-password; ends every session of the user',
      tokens: 'public',
      body: { contentType: 'application/json', description: 'the one-time token and the new password', schema: SetPasswordRequestSchema },
      response: SetPasswordResponseSchema,
      errors: [400, 401],
    });
    app.post('/api/v1/auth/set-password', { bodyLimit: BODY_LIMIT }, async (request, reply) => {
      const body = parseInput(SetPasswordRequestSchema, request.body, 'body');
      await accounts.setPassword(body.token, body.password, clientOf(request));
      return reply.status(200).send(output(SetPasswordResponseSchema, { passwordSet: true }));
    });

    api.sessionRoute(
      app,
      { method: 'POST', url: '/api/v1/auth/sign-out', summary: 'Sign out: the session ends at once and its cookie is cleared', tokens: 'session', mfa: 'not-required', response: SessionsEndedResponseSchema },
      async ({ session, request, reply }) => {
        await accounts.signOut(session, clientOf(request));
        clearSessionCookie(reply);
        return { ended: 1 };
      },
    );

    api.sessionRoute(app, { method: 'GET', url: '/api/v1/me', summary: 'The signed-in user, the session and its anti-CSRF token', tokens: 'session', response: MeResponseSchema }, async ({ session, secret }) => ({
      user: { id: session.userId, email: session.email },
      session: view(session, session.id),
      csrfToken: sessions.csrfToken(secret),
    }));

    api.sessionRoute(app, { method: 'GET', url: '/api/v1/me/sessions', summary: "The user's live sessions", tokens: 'session', response: SessionListResponseSchema }, async ({ session }) => ({
      sessions: (await sessions.list(session.userId)).map((s) => view(s, session.id)),
    }));

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/sessions/:sessionId/end',
        summary: "End one of the user's sessions (this one included)",
        tokens: 'session',
        params: z.strictObject({ sessionId: z.uuid() }),
        response: SessionsEndedResponseSchema,
        errors: [404],
      },
      async ({ params, session, reply }) => {
        if (!(await sessions.end(session.userId, params.sessionId, 'ended_by_user'))) throw new AppError('CW_ERR_SESSION_NOT_FOUND', 'no live session of yours with that id');
        if (params.sessionId === session.id) clearSessionCookie(reply);
        return { ended: 1 };
      },
    );

    api.sessionRoute(
      app,
      { method: 'POST', url: '/api/v1/me/sessions/end-others', summary: "End every other session of the user", tokens: 'session', response: SessionsEndedResponseSchema },
      async ({ session }) => ({ ended: await sessions.endAll(session.userId, 'ended_by_user', { type: 'user', id: session.userId }, session.id) }),
    );
  };
}
