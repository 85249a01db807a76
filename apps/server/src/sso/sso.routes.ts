import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { SsoInfoResponseSchema, SsoStartResponseSchema } from '@coverwatch/protocol';
import { clientOf } from '../accounts/accounts.routes.js';
import { ThrottledError } from '../accounts/accounts.service.js';
import { AppError } from '../errors/app-error.js';
import type { ApiCatalog } from '../http/api-catalog.js';
import { CREDENTIAL_COOKIE_ATTRIBUTES, credentialCookie } from '../http/csrf.js';
import { output } from '../http/validate.js';
import { sessionSecretOf } from '../sessions/session-cookie.js';
import type { SessionsService } from '../sessions/sessions.service.js';
import { SSO_CALLBACK_PATH, SSO_REQUEST_TTL_SECONDS, type SsoService } from './sso.service.js';

/**
 * The cookie that binds a single sign-on round trip to the browser that started it. `__Host-`
 * (Secure, no Domain, Path=/) but not of the `__Host-cw-` credential family: it authenticates
 * nothing, so it must not make the CSRF guard ask a signed-out browser for a session's token (a
 * leftover or planted one would block every sign-in for ten minutes).
 */
const SSO_COOKIE = '__Host-cwsso';

function ssoCookie(value: string, maxAgeSeconds: number): string {
  return `${SSO_COOKIE}=${value}; ${CREDENTIAL_COOKIE_ATTRIBUTES}; Max-Age=${maxAgeSeconds}`;
}

function ssoSecretOf(request: FastifyRequest): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SSO_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Single sign-on (`/api/v1/auth/sso...`, docs/security.md#single-sign-on): whether it is on, the
 * start of a sign-in (a POST: it stores the round trip and sets its cookie), and the provider's
 * redirect back, which opens the session and sends the browser to the web app. The callback is the
 * one GET that changes state: the OAuth redirect is a GET by protocol; without this browser's
 * sign-in cookie it is refused before anything is stored.
 */
export function ssoRoutes(deps: { sso: SsoService; sessions: SessionsService; api: ApiCatalog; publicUrl: string | undefined }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, sso, sessions } = deps;

    api.document({ method: 'GET', url: '/api/v1/auth/sso', summary: 'Whether single sign-on is configured, and the name of its provider', tokens: 'public', response: SsoInfoResponseSchema });
    app.get('/api/v1/auth/sso', async () => output(SsoInfoResponseSchema, { enabled: sso.enabled, name: sso.enabled ? sso.name : null }));

    api.document({
      method: 'POST',
      url: '/api/v1/auth/sso/start',
      summary: "Start a single sign-on: answers the provider's authorization URL to send the browser to, and sets the __Host-cw-sso cookie (10 minutes) that the callback needs",
      tokens: 'public',
      response: SsoStartResponseSchema,
      errors: [403, 404, 429, 503],
    });
    app.post('/api/v1/auth/sso/start', { bodyLimit: 1024 }, async (request, reply) => {
      if (!sso.enabled) throw new AppError('CW_ERR_SSO_DISABLED', 'single sign-on is not configured on this server');
      // Another site's form must not start (and set the cookie of) a sign-in in this browser.
      if (request.headers['sec-fetch-site'] === 'cross-site') throw new AppError('CW_ERR_AUTH_FORBIDDEN', 'a single sign-on cannot be started from another site');
      let started;
      try {
        started = await sso.start(clientOf(request));
      } catch (e) {
        if (e instanceof ThrottledError) void reply.header('retry-after', String(e.retryAfterSeconds));
        throw e;
      }
      const { authorizationUrl, requestSecret } = started;
      void reply.header('set-cookie', ssoCookie(requestSecret, SSO_REQUEST_TTL_SECONDS));
      return reply.status(200).send(output(SsoStartResponseSchema, { authorizationUrl }));
    });

    api.document({
      method: 'GET',
      url: SSO_CALLBACK_PATH,
      summary: "The provider's redirect back (code and state in the query): with this browser's __Host-cw-sso cookie, opens a session (MFA-verified when the provider's amr shows a second factor) and redirects to the web app",
      tokens: 'public',
      status: 302,
      response: z.null(),
      errors: [401, 403, 404, 503],
    });
    app.get(SSO_CALLBACK_PATH, async (request, reply) => {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      // The sign-in cookie is spent whatever happens.
      void reply.header('set-cookie', ssoCookie('', 0));
      const created = await sso.callback(ssoSecretOf(request), query, clientOf(request));
      // A session the request carried ends: one browser, one session (no fixation).
      const previous = sessionSecretOf(request);
      if (previous !== undefined) {
        const old = await sessions.authenticate(previous);
        if (old !== null) await sessions.end(old.userId, old.id, 'replaced_by_sign_in');
      }
      void reply.removeHeader('set-cookie');
      void reply.header('set-cookie', [ssoCookie('', 0), credentialCookie('session', created.secret)]);
      return reply.redirect(`${(deps.publicUrl ?? '').replace(/\/$/, '')}/`, 302);
    });
  };
}
