import { randomUUID } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AuditRecorder } from '../audit/audit-log.js';
import { AppError } from '../errors/app-error.js';
import type { ClientContext, Session, SessionsService } from '../sessions/sessions.service.js';
import type { FactorListing, MfaRepository } from './mfa.repository.js';
import type { MfaThrottle } from './mfa-throttle.js';
import { hashRecoveryCode, newRecoveryCode, normaliseRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
import { SecretBox } from './secret-box.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

/** An unconfirmed TOTP enrollment works this long. */
const TOTP_ENROLLMENT_TTL_MS = 30 * 60_000;
/** A WebAuthn challenge works once, for this long (also the `timeout` the browser is given). */
export const WEBAUTHN_CHALLENGE_TTL_MS = 5 * 60_000;
/** ES256 (every platform), EdDSA, RS256 (Windows Hello): COSE algorithm ids. */
const WEBAUTHN_ALGORITHMS = [-7, -8, -257];

/** What proves the second factor. */
export type SecondFactor = { readonly method: 'totp'; readonly code: string } | { readonly method: 'recovery_code'; readonly code: string } | { readonly method: 'webauthn'; readonly response: AuthenticationResponseJSON };

/** Thrown when second-factor attempts are throttled: the route answers 429 with Retry-After. */
export class MfaThrottledError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('CW_ERR_AUTH_MFA_THROTTLED', `too many failed second-factor attempts; retry in ${retryAfterSeconds} s`);
  }
}

/** The first factor of an account also verifies the session (rotated) and brings the recovery codes. */
export interface FactorAdded {
  readonly factorId: string;
  /** Shown once: only when this was the account's first factor. */
  readonly recoveryCodes: readonly string[] | null;
  /** The session that replaced the caller's (first factor only: it was pending until now). */
  readonly rotated: { readonly secret: string; readonly session: Session } | null;
}

export interface MfaOptions {
  /** The AES-256-GCM key of TOTP secrets (resolved on first use: mfa/mfa-key.ts). */
  readonly key: () => Buffer;
  /** The server's public URL: WebAuthn's relying party id (its host) and origin. Unset: no passkeys. */
  readonly publicUrl: string | undefined;
  readonly now: () => Date;
}

/**
 * Second factors (docs/security.md#multi-factor-authentication): TOTP, WebAuthn passkeys and
 * recovery codes; verification of a session (which rotates it), step-up, adding and removing
 * factors. Transport-neutral: routes map its errors and results to HTTP. Nothing secret (TOTP
 * secret, code, recovery code, WebAuthn response) reaches the audit log or an error message.
 */
export class MfaService {
  private box: SecretBox | undefined;

  constructor(
    private readonly repo: MfaRepository,
    private readonly sessions: SessionsService,
    private readonly throttle: MfaThrottle,
    private readonly audit: AuditRecorder,
    private readonly options: MfaOptions,
  ) {}

  hasFactor(userId: string): Promise<boolean> {
    return this.repo.hasFactor(userId);
  }

  /** The account's factors and unused recovery codes (for a verified session), or only which methods it can verify with (pending). */
  async status(session: Session): Promise<{ enrolled: boolean; methods: ('totp' | 'webauthn' | 'recovery_code')[]; factors: FactorListing[]; recoveryCodesRemaining: number | null }> {
    const factors = await this.repo.factors(session.userId);
    const kinds = new Set(factors.map((f) => f.kind));
    const remaining = await this.repo.unusedRecoveryCodes(session.userId);
    const methods = [...(kinds.has('totp') ? (['totp'] as const) : []), ...(kinds.has('webauthn') ? (['webauthn'] as const) : []), ...(factors.length > 0 && remaining > 0 ? (['recovery_code'] as const) : [])];
    // A session with a password alone learns which methods to offer, not the factors' names or dates.
    if (session.mfa !== 'verified') return { enrolled: factors.length > 0, methods, factors: [], recoveryCodesRemaining: null };
    return { enrolled: factors.length > 0, methods, factors, recoveryCodesRemaining: remaining };
  }

  // --- TOTP -------------------------------------------------------------------------------------

  /** Starts a TOTP enrollment: the secret and its otpauth:// URI, shown this once (stored encrypted only). */
  async startTotp(session: Session): Promise<{ factorId: string; secret: string; uri: string; expiresAt: string }> {
    const id = randomUUID();
    const secret = newTotpSecret();
    const now = this.options.now();
    await this.repo.insertPendingTotp({ id, userId: session.userId, secretCiphertext: this.secretBox().seal(secret, totpAad(id, session.userId)), createdAt: now.toISOString() });
    const issuer = this.options.publicUrl === undefined ? 'Coverwatch' : `Coverwatch (${new URL(this.options.publicUrl).host})`;
    return { factorId: id, secret, uri: totpUri(secret, issuer, session.email), expiresAt: new Date(now.getTime() + TOTP_ENROLLMENT_TTL_MS).toISOString() };
  }

  /** Confirms a TOTP enrollment with a current code: the factor is active (an earlier TOTP factor is replaced). */
  async confirmTotp(session: Session, factorId: string, code: string, ctx: ClientContext): Promise<FactorAdded> {
    const now = this.options.now();
    const row = await this.repo.pendingTotp(session.userId, factorId);
    if (row === undefined || now.getTime() - Date.parse(row.created_at) > TOTP_ENROLLMENT_TTL_MS) {
      throw new AppError('CW_ERR_MFA_ENROLLMENT_NOT_FOUND', 'no pending TOTP enrollment of yours with that id (it may have expired): start again');
    }
    const step = matchTotp(this.secretBox().open(row.secret_ciphertext, totpAad(row.id, row.user_id)), code, now.getTime());
    if (step === null) throw new AppError('CW_ERR_MFA_ENROLLMENT_CODE_INVALID', 'that is not the current code of the secret being enrolled: check the app and the device clock');
    const first = !(await this.repo.hasFactor(session.userId));
    const confirmed = await this.repo.confirmTotp(session.userId, factorId, step, now.toISOString());
    if (confirmed === false) throw new AppError('CW_ERR_MFA_ENROLLMENT_NOT_FOUND', 'that TOTP enrollment was confirmed or replaced meanwhile');
    if (confirmed.replaced !== null) {
      await this.audit.record({ event: 'account.mfa_removed', ...this.who(session, ctx), details: { kind: 'totp', factorId: confirmed.replaced, reason: 'replaced', replacedBy: factorId } });
    }
    return this.factorAdded(session, ctx, { kind: 'totp', factorId, first });
  }

  // --- WebAuthn ---------------------------------------------------------------------------------

  /** Options for `navigator.credentials.create()`; the challenge is kept server-side, single use, 5 minutes, bound to this session. */
  async registrationOptions(session: Session): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { rpID } = this.relyingParty();
    const existing = await this.repo.webauthnCredentials(session.userId);
    const options = await generateRegistrationOptions({
      rpName: 'Coverwatch',
      rpID,
      userName: session.email,
      userID: new Uint8Array(Buffer.from(session.userId, 'utf8')),
      attestationType: 'none',
      excludeCredentials: existing.map((c) => ({ id: c.credential_id, transports: parseTransports(c.transports) })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
      supportedAlgorithmIDs: WEBAUTHN_ALGORITHMS,
      timeout: WEBAUTHN_CHALLENGE_TTL_MS,
    });
    await this.storeChallenge(options.challenge, session, 'registration');
    return options;
  }

  /** Verifies a registration (origin, RP id, the session's unused challenge) and stores the credential: id, public key, counter, transports. */
  async registerWebauthn(session: Session, response: RegistrationResponseJSON, name: string, ctx: ClientContext): Promise<FactorAdded> {
    const { rpID, origin } = this.relyingParty();
    const now = this.options.now();
    const refused = async (reason: string) => {
      await this.audit.record({ event: 'account.mfa_factor_added', outcome: 'failure', ...this.who(session, ctx), details: { kind: 'webauthn', reason } });
      return new AppError('CW_ERR_MFA_WEBAUTHN_REGISTRATION_FAILED', 'the passkey registration was not accepted (origin, relying party, challenge or attestation); start again');
    };
    let info;
    try {
      const result = await verifyRegistrationResponse({
        response,
        expectedChallenge: (challenge) => this.repo.claimChallenge(challenge, session.id, 'registration', now.toISOString()),
        expectedOrigin: origin,
        expectedRPID: rpID,
        requireUserVerification: false,
        supportedAlgorithmIDs: WEBAUTHN_ALGORITHMS,
      });
      if (!result.verified) throw await refused('not_verified');
      info = result.registrationInfo;
    } catch (e) {
      // The library's messages quote the challenge and origin it saw: not for the client or the audit log.
      if (e instanceof AppError) throw e;
      throw await refused('verification_failed');
    }
    const first = !(await this.repo.hasFactor(session.userId));
    const id = randomUUID();
    const stored = await this.repo.insertWebauthn({
      id,
      user_id: session.userId,
      credential_id: info.credential.id,
      public_key: Buffer.from(info.credential.publicKey).toString('base64url'),
      counter: info.credential.counter,
      transports: JSON.stringify(info.credential.transports ?? response.response.transports ?? []),
      name,
      last_used_at: null,
      created_at: now.toISOString(),
    });
    if (!stored) throw await refused('credential_exists');
    return this.factorAdded(session, ctx, { kind: 'webauthn', factorId: id, first, name });
  }

  /** Options for `navigator.credentials.get()` listing the account's credentials; the challenge as for registration. */
  async authenticationOptions(session: Session): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const { rpID } = this.relyingParty();
    const credentials = await this.repo.webauthnCredentials(session.userId);
    if (credentials.length === 0) throw new AppError('CW_ERR_MFA_NOT_ENROLLED', 'this account has no passkey');
    const options = await generateAuthenticationOptions({
      rpID,
      allowCredentials: credentials.map((c) => ({ id: c.credential_id, transports: parseTransports(c.transports) })),
      // A second factor after the password: presence is enough (ASVS 6.5), no PIN or biometric asked.
      userVerification: 'discouraged',
      timeout: WEBAUTHN_CHALLENGE_TTL_MS,
    });
    await this.storeChallenge(options.challenge, session, 'authentication');
    return options;
  }

  // --- verification and step-up ----------------------------------------------------------------

  /**
   * Checks a second factor for the session: on success the session is replaced by a verified one
   * (new id and secret; ASVS 7.2.4), which also counts as the step-up of the next 5 minutes.
   * Failures are throttled per account and audited with a reason, never with what was sent.
   */
  async verify(session: Session, factor: SecondFactor, purpose: 'verify' | 'step_up', ctx: ClientContext): Promise<{ secret: string; session: Session }> {
    const wait = await this.throttle.begin(session.userId);
    if (wait > 0) throw new MfaThrottledError(Math.ceil(wait / 1000));
    const now = this.options.now();
    const failed = async (reason: string): Promise<never> => {
      await this.audit.record({ event: 'auth.mfa_verify', outcome: 'failure', ...this.who(session, ctx), target: { type: 'session', id: session.id }, details: { method: factor.method, purpose, reason } });
      throw new AppError('CW_ERR_AUTH_MFA_FAILED', 'the second factor was not accepted');
    };
    let recoveryCodesRemaining: number | undefined;
    if (factor.method === 'totp') {
      const row = await this.repo.activeTotp(session.userId);
      if (row === undefined) throw new AppError('CW_ERR_MFA_NOT_ENROLLED', 'this account has no TOTP factor');
      const step = matchTotp(this.secretBox().open(row.secret_ciphertext, totpAad(row.id, row.user_id)), factor.code, now.getTime());
      if (step === null) await failed('wrong_code');
      // Each code (factor and time step) works once: this step, and every earlier one, is spent after a success.
      else if (!(await this.repo.useTotpStep(row.id, step, now.toISOString()))) await failed('replayed_code');
    } else if (factor.method === 'recovery_code') {
      if (!(await this.repo.hasFactor(session.userId))) throw new AppError('CW_ERR_MFA_NOT_ENROLLED', 'this account has no second factor');
      const canonical = normaliseRecoveryCode(factor.code);
      if (canonical === null || !(await this.repo.useRecoveryCode(session.userId, hashRecoveryCode(canonical), now.toISOString()))) await failed('unknown_or_used_recovery_code');
      recoveryCodesRemaining = await this.repo.unusedRecoveryCodes(session.userId);
    } else {
      const reason = await this.checkAssertion(session, factor.response);
      if (reason !== null) await failed(reason);
    }
    await this.throttle.succeeded(session.userId);
    const rotated = await this.sessions.rotateVerified(session, ctx);
    if (rotated === null) throw new AppError('CW_ERR_AUTH_SESSION_INVALID', 'the session has ended or expired; sign in again');
    await this.audit.record({
      event: 'auth.mfa_verify',
      ...this.who(session, ctx),
      target: { type: 'session', id: rotated.session.id },
      details: { method: factor.method, purpose, replacedSession: session.id, ...(recoveryCodesRemaining === undefined ? {} : { recoveryCodesRemaining }) },
    });
    return rotated;
  }

  // --- changing factors (step-up routes) -------------------------------------------------------

  /** Removes a factor; never the last one (a second factor is mandatory). */
  async removeFactor(session: Session, factorId: string, ctx: ClientContext): Promise<void> {
    const factors = await this.repo.factors(session.userId);
    const factor = factors.find((f) => f.id === factorId);
    if (factor === undefined) throw new AppError('CW_ERR_MFA_FACTOR_NOT_FOUND', 'no second factor of yours with that id');
    if (factors.length === 1) throw new AppError('CW_ERR_MFA_LAST_FACTOR', 'a second factor is mandatory: add another before removing this one');
    // Owners and admins keep a phishing-resistant factor: their last passkey stays while they hold the role.
    if (factor.kind === 'webauthn' && factors.filter((f) => f.kind === 'webauthn').length === 1) {
      const managed = await this.repo.managedOrgs(session.userId);
      if (managed.length > 0) {
        await this.audit.record({ event: 'account.mfa_removed', outcome: 'denied', ...this.who(session, ctx), details: { kind: 'webauthn', factorId, reason: 'passkey_required_for_role', orgs: managed.slice(0, 20) } });
        throw new AppError('CW_ERR_MFA_PASSKEY_REQUIRED_FOR_ROLE', `owners and admins must hold a passkey, and this is your last one (owner or admin of ${managed.slice(0, 5).join(', ')}${managed.length > 5 ? ', ...' : ''}): register another first, or give up the role`);
      }
    }
    const kind = await this.repo.deleteFactor(session.userId, factorId);
    if (kind === null) throw new AppError('CW_ERR_MFA_FACTOR_NOT_FOUND', 'no second factor of yours with that id');
    await this.audit.record({ event: 'account.mfa_removed', ...this.who(session, ctx), details: { kind, factorId, reason: 'removed_by_user', remainingFactors: factors.length - 1 } });
    // A factor taken away may have been in an attacker's hands: every other session ends (ASVS 7.4.3).
    const ended = await this.sessions.endAll(session.userId, 'mfa_factor_removed', { type: 'user', id: session.userId }, session.id);
    if (ended > 0) await this.audit.record({ event: 'session.others_ended', ...this.who(session, ctx), details: { reason: 'mfa_factor_removed', count: ended } });
  }

  /** Ten new recovery codes, shown once; every earlier code stops working. */
  async regenerateRecoveryCodes(session: Session, ctx: ClientContext): Promise<string[]> {
    const codes = await this.newRecoveryCodes(session.userId);
    await this.audit.record({ event: 'account.recovery_codes_regenerated', ...this.who(session, ctx), details: { count: codes.length } });
    return codes;
  }

  // --- internals --------------------------------------------------------------------------------

  private async factorAdded(session: Session, ctx: ClientContext, added: { kind: 'totp' | 'webauthn'; factorId: string; first: boolean; name?: string }): Promise<FactorAdded> {
    await this.audit.record({ event: 'account.mfa_factor_added', ...this.who(session, ctx), details: { kind: added.kind, factorId: added.factorId, firstFactor: added.first, ...(added.name === undefined ? {} : { name: added.name }) } });
    if (!added.first) return { factorId: added.factorId, recoveryCodes: null, rotated: null };
    const recoveryCodes = await this.newRecoveryCodes(session.userId);
    await this.audit.record({ event: 'account.recovery_codes_generated', ...this.who(session, ctx), details: { count: recoveryCodes.length } });
    // Proving the new factor with a code (or an assertion) is this session's second factor.
    let rotated = null;
    if (session.mfa !== 'verified') {
      rotated = await this.sessions.rotateVerified(session, ctx);
      if (rotated === null) throw new AppError('CW_ERR_AUTH_SESSION_INVALID', 'the session has ended or expired; sign in again (the factor is enrolled)');
      await this.audit.record({ event: 'auth.mfa_verify', ...this.who(session, ctx), target: { type: 'session', id: rotated.session.id }, details: { method: added.kind, purpose: 'enrollment', replacedSession: session.id } });
    }
    return { factorId: added.factorId, recoveryCodes, rotated };
  }

  private async newRecoveryCodes(userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    await this.repo.replaceRecoveryCodes(userId, codes.map((c) => hashRecoveryCode(normaliseRecoveryCode(c)!)), this.options.now().toISOString());
    return codes;
  }

  /** Null when the assertion is good (the counter is advanced), else the reason it is not. */
  private async checkAssertion(session: Session, response: AuthenticationResponseJSON): Promise<string | null> {
    const { rpID, origin } = this.relyingParty();
    const now = this.options.now().toISOString();
    const credential = await this.repo.webauthnCredential(session.userId, response.id);
    if (credential === undefined) {
      if ((await this.repo.webauthnCredentials(session.userId)).length === 0) throw new AppError('CW_ERR_MFA_NOT_ENROLLED', 'this account has no passkey');
      return 'unknown_credential';
    }
    let result;
    try {
      result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: (challenge) => this.repo.claimChallenge(challenge, session.id, 'authentication', now),
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: { id: credential.credential_id, publicKey: new Uint8Array(Buffer.from(credential.public_key, 'base64url')), counter: credential.counter, transports: parseTransports(credential.transports) },
        requireUserVerification: false,
      });
    } catch {
      // Wrong origin or RP id, unknown or used challenge, bad signature, or a counter that did not grow (a cloned authenticator).
      return 'webauthn_rejected';
    }
    if (!result.verified) return 'webauthn_rejected';
    if (!(await this.repo.advanceCounter(credential.id, credential.counter, result.authenticationInfo.newCounter, now))) return 'webauthn_counter_race';
    return null;
  }

  private async storeChallenge(challenge: string, session: Session, purpose: 'registration' | 'authentication'): Promise<void> {
    const now = this.options.now();
    await this.repo.storeChallenge(challenge, session.id, purpose, now.toISOString(), new Date(now.getTime() + WEBAUTHN_CHALLENGE_TTL_MS).toISOString());
  }

  private relyingParty(): { rpID: string; origin: string } {
    if (this.options.publicUrl === undefined) throw new AppError('CW_ERR_MFA_WEBAUTHN_UNAVAILABLE', 'passkeys need publicUrl (COVERWATCH_PUBLIC_URL): the relying party id and origin come from it');
    const url = new URL(this.options.publicUrl);
    return { rpID: url.hostname, origin: url.origin };
  }

  private secretBox(): SecretBox {
    this.box ??= new SecretBox(this.options.key());
    return this.box;
  }

  private who(session: Session, ctx: ClientContext) {
    return {
      actor: { type: 'user' as const, id: session.userId },
      source: { ip: ctx.ip ?? undefined, userAgent: ctx.userAgent ?? undefined },
      target: { type: 'user', id: session.userId, name: session.email },
    };
  }
}

/** AAD of a TOTP secret: the ciphertext only opens in its own row. */
function totpAad(factorId: string, userId: string): string {
  return `mfa_totp_factors:${factorId}:${userId}`;
}

function parseTransports(json: string): AuthenticatorTransport[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v.filter((t) => typeof t === 'string') as AuthenticatorTransport[]) : [];
  } catch {
    return [];
  }
}

