import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';

/**
 * Cookies that authenticate are named `__Host-cw-…` (the browser then only accepts them over https,
 * for this host, on path /). This prefix is what the CSRF check keys on: a request without such a
 * cookie carries nothing a forged request could borrow (bearer tokens are never sent by a browser
 * on its own).
 */
export const CREDENTIAL_COOKIE_PREFIX = '__Host-cw-';
/** The session cookie of the web app (sessions come with accounts). */
export const SESSION_COOKIE = `${CREDENTIAL_COOKIE_PREFIX}session`;
/** The request header carrying the session's anti-CSRF token. Not CORS-safelisted: another origin cannot send it without a preflight, which gets no grant. */
export const CSRF_HEADER = 'x-coverwatch-csrf';
/** Attributes every credential cookie is set with. */
export const CREDENTIAL_COOKIE_ATTRIBUTES = 'Path=/; Secure; HttpOnly; SameSite=Lax';

/** A `Set-Cookie` value for a credential cookie (`name` without the prefix); `maxAgeSeconds` 0 deletes it. */
export function credentialCookie(name: string, value: string, maxAgeSeconds?: number): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name) || !/^[A-Za-z0-9._~+/=-]*$/.test(value)) throw new Error('credential cookie names and values are restricted to token characters');
  return `${CREDENTIAL_COOKIE_PREFIX}${name}=${value}; ${CREDENTIAL_COOKIE_ATTRIBUTES}${maxAgeSeconds === undefined ? '' : `; Max-Age=${maxAgeSeconds}`}`;
}

/** Whether a Cookie header holds a credential cookie. */
export function hasCredentialCookie(cookieHeader: string | undefined): boolean {
  if (cookieHeader === undefined) return false;
  return cookieHeader.split(';').some((c) => c.trim().startsWith(CREDENTIAL_COOKIE_PREFIX));
}

/** GET, HEAD and OPTIONS never change state (a test checks it for every route). */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface CsrfOptions {
  /** This server's origin as browsers see it (`publicUrl`'s); unset (development): the request's Host. */
  readonly origin: string | undefined;
  /**
   * Whether `token` is the anti-CSRF token of the request's session (constant-time compare). The
   * session module provides it; until then no token is valid, so any state change carrying a
   * credential cookie is refused.
   */
  readonly verifyToken?: (request: FastifyRequest, token: string) => boolean | Promise<boolean>;
}

/**
 * CSRF protection for cookie-authenticated requests, in `onRequest` (before authentication and
 * before any body byte is read). Only requests carrying a credential cookie are concerned; bearer
 * tokens and anonymous requests pass untouched.
 * - POST, PUT, PATCH, DELETE (any method but GET/HEAD/OPTIONS) must come from this origin —
 *   `Sec-Fetch-Site: same-origin`, or, from a browser that does not send it, an `Origin` equal to
 *   ours — and carry the session's anti-CSRF token in `X-Coverwatch-CSRF`. Both, not either.
 * - GET/HEAD from another site (`Sec-Fetch-Site` cross-site or same-site) are refused unless they
 *   are top-level navigations (a link to Coverwatch from elsewhere): no other site can embed or
 *   fetch an authenticated answer (ASVS 3.5.8; `Cross-Origin-Resource-Policy` says the same).
 */
export function installCsrfProtection(app: FastifyInstance, options: CsrfOptions): void {
  app.addHook('onRequest', async (request) => {
    if (!hasCredentialCookie(request.headers.cookie)) return;
    const site = request.headers['sec-fetch-site'];
    if (SAFE_METHODS.has(request.method)) {
      const foreign = site === 'cross-site' || site === 'same-site';
      const navigation = request.method === 'GET' && request.headers['sec-fetch-mode'] === 'navigate' && request.headers['sec-fetch-dest'] === 'document';
      if (foreign && !navigation) throw refused('a request with a session cookie from another site is refused (only links to this site are followed)');
      return;
    }
    if (!fromThisOrigin(request, options.origin)) throw refused('a state-changing request with a session cookie must come from this site (Sec-Fetch-Site: same-origin, or an Origin header naming this server)');
    const token = request.headers[CSRF_HEADER];
    if (typeof token !== 'string' || token === '' || options.verifyToken === undefined || !(await options.verifyToken(request, token))) {
      throw refused(`a state-changing request with a session cookie needs the session's anti-CSRF token in the ${CSRF_HEADER} header`);
    }
  });
}

function fromThisOrigin(request: FastifyRequest, origin: string | undefined): boolean {
  const site = request.headers['sec-fetch-site'];
  // Browsers that send Fetch Metadata (all current ones) say it directly.
  if (site !== undefined) return site === 'same-origin';
  const claimed = request.headers.origin;
  if (typeof claimed !== 'string' || claimed === 'null') return false;
  if (origin !== undefined) return claimed === origin;
  try {
    return new URL(claimed).host === request.headers.host;
  } catch {
    return false;
  }
}

function refused(message: string): AppError {
  return new AppError('CW_ERR_AUTH_FORBIDDEN', message);
}
