import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import {
  FactorAddedResponseSchema,
  FactorRemovedResponseSchema,
  MfaStatusResponseSchema,
  MfaVerifyRequestSchema,
  MfaVerifyResponseSchema,
  RecoveryCodesResponseSchema,
  TotpConfirmRequestSchema,
  TotpEnrollResponseSchema,
  WebauthnOptionsResponseSchema,
  WebauthnRegisterRequestSchema,
} from '@coverwatch/protocol';
import { clientOf, view } from '../accounts/accounts.routes.js';
import type { ApiCatalog, SessionRouteInput } from '../http/api-catalog.js';
import { setSessionCookie } from '../sessions/session-cookie.js';
import { STEP_UP_WINDOW_MS, type SessionsService } from '../sessions/sessions.service.js';
import { MfaThrottledError, type FactorAdded, type MfaService, type SecondFactor } from './mfa.service.js';

type VerifyBody = z.infer<typeof MfaVerifyRequestSchema>;

/**
 * Second factors: enrollment (TOTP, passkeys), verification of a session, step-up, and changing
 * factors. Enrollment routes are `mfa: 'enrollment'` (open to a password-only session while the
 * account has no factor: MFA is mandatory, so it must be able to get one) and `stepUp` (once the
 * account has a factor, adding another needs a fresh second factor). Verification is
 * `mfa: 'not-required'`; removing factors and new recovery codes need a verified session and step-up.
 */
export function mfaRoutes(deps: { mfa: MfaService; sessions: SessionsService; api: ApiCatalog }) {
  return async (app: FastifyInstance): Promise<void> => {
    const { api, mfa, sessions } = deps;

    /** A factor added: with the first one the session was replaced, so the cookie and anti-CSRF token are new. */
    const added = (result: FactorAdded, { reply }: SessionRouteInput<unknown, unknown, unknown>) => {
      if (result.rotated !== null) setSessionCookie(reply, result.rotated.secret);
      return {
        factorId: result.factorId,
        recoveryCodes: result.recoveryCodes === null ? null : [...result.recoveryCodes],
        session: result.rotated === null ? null : view(result.rotated.session, result.rotated.session.id),
        csrfToken: result.rotated === null ? null : sessions.csrfToken(result.rotated.secret),
      };
    };

    const verified = async (purpose: 'verify' | 'step_up', { session, body, request, reply }: SessionRouteInput<unknown, unknown, VerifyBody>) => {
      const factor: SecondFactor = body.method === 'webauthn' ? { method: 'webauthn', response: body.response as AuthenticationResponseJSON } : body;
      let rotated;
      try {
        rotated = await mfa.verify(session, factor, purpose, clientOf(request));
      } catch (e) {
        if (e instanceof MfaThrottledError) void reply.header('retry-after', String(e.retryAfterSeconds));
        throw e;
      }
      setSessionCookie(reply, rotated.secret);
      return { session: view(rotated.session, rotated.session.id), csrfToken: sessions.csrfToken(rotated.secret) };
    };

    api.sessionRoute(
      app,
      { method: 'GET', url: '/api/v1/me/mfa', summary: "The account's second factors and unused recovery codes (a session without a second factor yet: only whether it has one and the methods to verify with)", tokens: 'session', mfa: 'not-required', response: MfaStatusResponseSchema },
      async ({ session }) => {
        const status = await mfa.status(session);
        const until = session.mfa === 'verified' && session.mfaVerifiedAt !== null && sessions.stepUpFresh(session) ? new Date(Date.parse(session.mfaVerifiedAt) + STEP_UP_WINDOW_MS).toISOString() : null;
        return { ...status, stepUpUntil: until };
      },
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/auth/mfa/verify',
        summary: 'Verify the session with a second factor (TOTP code, recovery code or passkey): the session is replaced by a verified one (new cookie, new anti-CSRF token; the old id ends)',
        tokens: 'session',
        mfa: 'not-required',
        body: { contentType: 'application/json', description: '{"method":"totp","code"} | {"method":"recovery_code","code"} | {"method":"webauthn","response"}', schema: MfaVerifyRequestSchema },
        response: MfaVerifyResponseSchema,
        errors: [409, 429],
      },
      async (input) => verified('verify', input),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/mfa/step-up',
        summary: 'Pass a second factor again: changes of factors (and later tokens and roles) are allowed for 5 minutes; the session is replaced as at verification',
        tokens: 'session',
        body: { contentType: 'application/json', description: 'as POST /api/v1/auth/mfa/verify', schema: MfaVerifyRequestSchema },
        response: MfaVerifyResponseSchema,
        errors: [409, 429],
      },
      async (input) => verified('step_up', input),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/auth/mfa/webauthn/options',
        summary: "Options for navigator.credentials.get() with the account's passkeys (a single-use challenge valid 5 minutes, bound to this session); then verify or step up with method webauthn",
        tokens: 'session',
        mfa: 'not-required',
        response: WebauthnOptionsResponseSchema,
        errors: [409, 503],
      },
      async ({ session }) => ({ ...(await mfa.authenticationOptions(session)) }),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/mfa/totp/enroll',
        summary: 'Start enrolling an authenticator app: the secret and otpauth:// URI, shown once (confirm within 30 minutes). First factor: open to a session without one; later: step-up',
        tokens: 'session',
        mfa: 'enrollment',
        stepUp: true,
        response: TotpEnrollResponseSchema,
      },
      async ({ session }) => ({ ...(await mfa.startTotp(session)), algorithm: 'SHA1' as const, digits: 6 as const, period: 30 as const }),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/mfa/totp/confirm',
        summary: "Confirm the enrollment with the app's current code: the factor is active (replacing an earlier TOTP factor). The first factor also returns 10 recovery codes (shown once) and verifies the session (new cookie)",
        tokens: 'session',
        mfa: 'enrollment',
        stepUp: true,
        body: { contentType: 'application/json', description: '{"factorId","code"}', schema: TotpConfirmRequestSchema },
        response: FactorAddedResponseSchema,
        errors: [404],
      },
      async (input) => added(await mfa.confirmTotp(input.session, input.body.factorId, input.body.code, clientOf(input.request)), input),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/mfa/webauthn/register/options',
        summary: 'Options for navigator.credentials.create() (a single-use challenge valid 5 minutes, bound to this session). First factor: open to a session without one; later: step-up',
        tokens: 'session',
        mfa: 'enrollment',
        stepUp: true,
        response: WebauthnOptionsResponseSchema,
        errors: [503],
      },
      async ({ session }) => ({ ...(await mfa.registrationOptions(session)) }),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/mfa/webauthn/register/verify',
        summary: "Register the passkey from the browser's response (origin, relying party id and challenge checked): as TOTP confirm",
        tokens: 'session',
        mfa: 'enrollment',
        stepUp: true,
        body: { contentType: 'application/json', description: '{"name","response": RegistrationResponseJSON}', schema: WebauthnRegisterRequestSchema },
        response: FactorAddedResponseSchema,
        errors: [503],
      },
      async (input) => added(await mfa.registerWebauthn(input.session, input.body.response as RegistrationResponseJSON, input.body.name, clientOf(input.request)), input),
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/mfa/factors/:factorId/remove',
        summary: 'Remove a second factor (never the last one); needs step-up',
        tokens: 'session',
        stepUp: true,
        params: z.strictObject({ factorId: z.uuid() }),
        response: FactorRemovedResponseSchema,
        errors: [404, 409],
      },
      async ({ session, params, request }) => {
        await mfa.removeFactor(session, params.factorId, clientOf(request));
        return { removed: 1 as const };
      },
    );

    api.sessionRoute(
      app,
      {
        method: 'POST',
        url: '/api/v1/me/mfa/recovery-codes/regenerate',
        summary: 'Ten new recovery codes, shown once; every earlier one stops working. Needs step-up',
        tokens: 'session',
        stepUp: true,
        response: RecoveryCodesResponseSchema,
      },
      async ({ session, request }) => ({ recoveryCodes: await mfa.regenerateRecoveryCodes(session, clientOf(request)) }),
    );
  };
}
