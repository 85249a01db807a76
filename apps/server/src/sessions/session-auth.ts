import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import { clearSessionCookie, sessionSecretOf } from './session-cookie.js';
import type { Session } from './sessions.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireSession`; null elsewhere. */
    sessionAuth: { readonly session: Session; readonly secret: string } | null;
  }
}

/** What the session hook needs of the sessions service. */
export interface SessionGate {
  authenticate(secret: string): Promise<Session | null>;
  verifyCsrfToken(secret: string, token: string): boolean;
}

/**
 * onRequest hook of session routes (before the body is read): the `__Host-cw-session` cookie must
 * name a live session (else 401, and the stale cookie is cleared); unless the route says
 * `mfa: 'optional'`, the session must have passed a second factor (else 403
 * CW_ERR_AUTH_MFA_REQUIRED: a password alone gives access to nothing but sign-out).
 * The CSRF guard (http/csrf.ts) has already run for state changes.
 */
export function requireSession(gate: SessionGate, options: { mfa: 'required' | 'optional' }) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const secret = sessionSecretOf(request);
    if (secret === undefined || secret === '') throw new AppError('CW_ERR_AUTH_SESSION_MISSING', 'this route needs a signed-in session (sign in at POST /api/v1/auth/sign-in)');
    const session = await gate.authenticate(secret);
    if (session === null) {
      clearSessionCookie(reply);
      throw new AppError('CW_ERR_AUTH_SESSION_INVALID', 'the session has ended or expired; sign in again');
    }
    if (options.mfa === 'required' && session.mfa !== 'verified') {
      throw new AppError('CW_ERR_AUTH_MFA_REQUIRED', 'a second factor is required before this route can be used; this server cannot enroll one yet, so a password alone gives access to nothing but sign-out');
    }
    request.sessionAuth = { session, secret };
  };
}

/** The CSRF guard's `verifyToken` (http/csrf.ts): the header must be the anti-CSRF token of the request's session cookie. */
export function csrfVerifier(gate: SessionGate) {
  return (request: FastifyRequest, token: string): boolean => {
    const secret = sessionSecretOf(request);
    return secret !== undefined && gate.verifyCsrfToken(secret, token);
  };
}
