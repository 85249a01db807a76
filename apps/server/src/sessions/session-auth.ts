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

/** What the session hook needs: the sessions service, and whether a user holds a second factor. */
export interface SessionGate {
  authenticate(secret: string): Promise<Session | null>;
  verifyCsrfToken(secret: string, token: string): boolean;
  /** Whether the session passed a second factor within the step-up window (5 minutes). */
  stepUpFresh(session: Session): boolean;
  /** Whether the user has a confirmed second factor (TOTP or WebAuthn). */
  hasFactor(userId: string): Promise<boolean>;
}

/**
 * Which sessions a route admits (`mfa` of the API catalog):
 * - `required` (the default): only a session that passed a second factor.
 * - `not-required`: any live session (sign-out, second-factor verification).
 * - `enrollment`: a session opened with a password alone only while the account has no factor yet
 *   (its first enrollment, which MFA being mandatory needs); once the account has one, as `required`:
 *   otherwise whoever holds the password alone could add their own factor.
 */
export type MfaPolicy = 'required' | 'not-required' | 'enrollment';

export const VERIFY_ROUTE = 'POST /api/v1/auth/mfa/verify';

/**
 * onRequest hook of session routes (before the body is read): the `__Host-cw-session` cookie must
 * name a live session (else 401, and the stale cookie is cleared); then the route's MFA policy
 * (403 CW_ERR_AUTH_MFA_REQUIRED) and, with `stepUp`, a second factor passed within the last
 * 5 minutes (403 CW_ERR_AUTH_STEP_UP_REQUIRED). Step-up does not apply to a first enrollment: an
 * account without a factor has nothing to step up with. The CSRF guard (http/csrf.ts) has already
 * run for state changes.
 */
export function requireSession(gate: SessionGate, options: { mfa: MfaPolicy; stepUp: boolean }) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const secret = sessionSecretOf(request);
    if (secret === undefined || secret === '') throw new AppError('CW_ERR_AUTH_SESSION_MISSING', 'this route needs a signed-in session (sign in at POST /api/v1/auth/sign-in)');
    const session = await gate.authenticate(secret);
    if (session === null) {
      clearSessionCookie(reply);
      throw new AppError('CW_ERR_AUTH_SESSION_INVALID', 'the session has ended or expired; sign in again');
    }
    if (session.mfa !== 'verified' && options.mfa !== 'not-required') {
      const enrolled = await gate.hasFactor(session.userId);
      if (options.mfa === 'required' || enrolled) {
        throw new AppError(
          'CW_ERR_AUTH_MFA_REQUIRED',
          enrolled
            ? `a second factor is required before this route can be used: verify one at ${VERIFY_ROUTE}`
            : 'a second factor is required before this route can be used: this account has none yet, enroll one (POST /api/v1/me/mfa/totp/enroll or /api/v1/me/mfa/webauthn/register/options)',
        );
      }
    }
    if (options.stepUp && session.mfa === 'verified' && !gate.stepUpFresh(session)) {
      throw new AppError('CW_ERR_AUTH_STEP_UP_REQUIRED', 'this change needs a second factor passed within the last 5 minutes: step up at POST /api/v1/me/mfa/step-up, then retry');
    }
    request.sessionAuth = { session, secret };
  };
}

/** The CSRF guard's `verifyToken` (http/csrf.ts): the header must be the anti-CSRF token of the request's session cookie. */
export function csrfVerifier(gate: Pick<SessionGate, 'verifyCsrfToken'>) {
  return (request: FastifyRequest, token: string): boolean => {
    const secret = sessionSecretOf(request);
    return secret !== undefined && gate.verifyCsrfToken(secret, token);
  };
}
