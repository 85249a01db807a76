import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { Config } from '../config/config.schema.js';
import { isLoopbackHost } from '../config/config.schema.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { ClientContext, Session, SessionsService } from '../sessions/sessions.service.js';
import { amrProvesMfa } from './amr.js';
import { ThrottledError } from '../accounts/accounts.service.js';
import type { ThrottleRule, ThrottleStore } from '../throttle/throttle-store.js';

/** A pending sign-in lives this long: the user has this much time at the provider. */
const REQUEST_TTL_MS = 10 * 60_000;
export const SSO_REQUEST_TTL_SECONDS = REQUEST_TTL_MS / 1000;
/** The cookie value: 256 random bits, base64url. */
const REQUEST_SECRET = /^[A-Za-z0-9_-]{43}$/;

export const SSO_CALLBACK_PATH = '/api/v1/auth/sso/callback';

const emailKey = (email: string) => email.trim().toLowerCase();
const START_RULE: ThrottleRule = { free: 20, baseMs: 1000, maxMs: 60_000, forgetMs: 10 * 60_000 };
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Sign-in through an OpenID Connect provider (authorization code flow with PKCE, state and nonce,
 * by openid-client). `start` records one browser's round trip (found later by the hash of a cookie
 * only that browser holds, so an attacker cannot make a victim sign in to the attacker's account);
 * `callback` takes the provider's answer once, has openid-client check it (state, PKCE at the token
 * endpoint, the ID token's signature, issuer, audience, expiry and nonce), then finds the user: by
 * the identity linked before (issuer + subject), else by the verified email of an existing account
 * (linked from then on), else creates one if `sso.createUsers`. The session is MFA-verified only when
 * the ID token's `amr` shows a second factor (amr.ts); otherwise the usual second factor follows.
 */
export class SsoService {
  private configuration: Promise<oidc.Configuration> | null = null;

  constructor(
    private readonly db: Db,
    private readonly config: Pick<Config, 'sso' | 'publicUrl'>,
    private readonly sessions: SessionsService,
    private readonly audit: AuditRecorder,
    private readonly throttles: ThrottleStore,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Deletes round trips older than an hour (a periodic worker task): used or not, they are worth nothing. */
  async prune(): Promise<number> {
    const r = await this.db.deleteFrom('sso_requests').where('expires_at', '<', new Date(this.now().getTime() - 60 * 60_000).toISOString()).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  get enabled(): boolean {
    return this.config.sso.issuer !== undefined && this.config.publicUrl !== undefined;
  }

  get name(): string {
    return this.config.sso.name;
  }

  /** The provider's URL to send the browser to, and the secret of the cookie that binds the answer to this browser. */
  async start(ctx: ClientContext): Promise<{ authorizationUrl: string; requestSecret: string }> {
    // Each start stores a row: an address gets 20 in ten minutes, then waits (the table cannot be flooded).
    const ip = ctx.ip ?? 'unknown';
    const t = this.now().getTime();
    const wait = await this.throttles.attempt('sso-start', ip, START_RULE, t);
    if (wait > 0) throw new ThrottledError(Math.ceil(wait / 1000));
    const configuration = await this.provider();
    const requestSecret = randomBytes(32).toString('base64url');
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const now = this.now();
    await this.db
      .insertInto('sso_requests')
      .values({ id_hash: sha256(requestSecret), state, nonce, code_verifier: codeVerifier, created_at: now.toISOString(), expires_at: new Date(now.getTime() + REQUEST_TTL_MS).toISOString(), used_at: null })
      .execute();
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri(),
      scope: 'openid email',
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { authorizationUrl: url.href, requestSecret };
  }

  /**
   * The provider's answer (`query`: the callback's query string) for the browser holding
   * `requestSecret`: a new session, MFA-verified when the provider proved a second factor.
   */
  async callback(requestSecret: string | undefined, query: string, ctx: ClientContext): Promise<{ secret: string; session: Session; user: { id: string; email: string } }> {
    if (!this.enabled) throw disabled();
    // Without this browser's cookie there is nothing to match: refused before anything is stored.
    if (requestSecret === undefined || !REQUEST_SECRET.test(requestSecret)) throw new AppError('CW_ERR_SSO_REQUEST_INVALID', 'no pending single sign-on in this browser (the sign-in cookie is missing); start again');
    const source = { ip: ctx.ip ?? undefined, userAgent: ctx.userAgent ?? undefined };
    const fail = async (reason: string, error: AppError): Promise<never> => {
      await this.audit.record({ event: 'auth.sign_in', outcome: 'failure', actor: { type: 'anonymous' }, source, details: { method: 'sso', reason } });
      throw error;
    };
    const now = this.now().toISOString();
    const row = await this.db.selectFrom('sso_requests').selectAll().where('id_hash', '=', sha256(requestSecret)).executeTakeFirst();
    // Used once, even by two concurrent requests: only the one that marks it used goes on.
    const claimed = row === undefined || row.expires_at <= now ? 0 : Number((await this.db.updateTable('sso_requests').set({ used_at: now }).where('id_hash', '=', row.id_hash).where('used_at', 'is', null).executeTakeFirst()).numUpdatedRows);
    if (row === undefined || claimed === 0) return fail('request_unknown_used_or_expired', new AppError('CW_ERR_SSO_REQUEST_INVALID', 'this single sign-on was used, expired (10 minutes) or never started in this browser; start again'));
    const params = new URLSearchParams(query);
    if (params.has('error')) return fail('provider_error', new AppError('CW_ERR_SSO_REQUEST_INVALID', `the provider refused the sign-in (${(params.get('error') ?? '').replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64)}); start again`));
    const configuration = await this.provider();
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, new URL(`${this.redirectUri()}?${params.toString()}`), {
        pkceCodeVerifier: row.code_verifier,
        expectedState: row.state,
        expectedNonce: row.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (e) {
      // The library's message can quote what the provider sent; it stays out of the answer and the audit record.
      const reason = e instanceof oidc.ResponseBodyError || e instanceof oidc.AuthorizationResponseError ? 'provider_rejected' : isNetworkError(e) ? 'provider_unreachable' : 'response_invalid';
      if (reason === 'provider_unreachable') return fail(reason, new AppError('CW_ERR_SSO_PROVIDER_UNAVAILABLE', 'the single sign-on provider could not be reached; retry later'));
      return fail(reason, ssoFailed());
    }
    if (claims === undefined) return fail('no_id_token', ssoFailed());
    const issuer = claims.iss;
    const subject = claims.sub;
    const email = typeof claims.email === 'string' ? claims.email.trim() : null;
    const emailVerified = claims.email_verified === true;
    const user = await this.findOrLinkUser(issuer, subject, emailVerified ? email : null, now);
    if (user === 'has_credentials') return fail('link_refused', new AppError('CW_ERR_SSO_LINK_REFUSED', 'an account with this email signs in with its own password and second factor; it is not linked to the provider automatically (ask the operator)'));
    if (user === null) return fail('no_account', new AppError('CW_ERR_SSO_NO_ACCOUNT', 'no account matches this sign-in (none with this verified email); an operator creates it with admin create-user'));
    if (user.disabled) return fail('disabled', ssoFailed());
    const mfa = amrProvesMfa(claims.amr);
    const created = await this.sessions.create({ id: user.id, email: user.email }, ctx, mfa);
    await this.audit.record({
      event: 'auth.sign_in',
      actor: { type: 'user', id: user.id },
      source,
      target: { type: 'session', id: created.session.id },
      details: { method: 'sso', issuer, mfa: mfa ? 'verified' : 'pending', ...(Array.isArray(claims.amr) ? { amr: claims.amr.filter((a): a is string => typeof a === 'string').slice(0, 10) } : {}) },
    });
    return { ...created, user: { id: user.id, email: user.email } };
  }

  private async hasFactor(userId: string): Promise<boolean> {
    const totp = await this.db.selectFrom('mfa_totp_factors').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).limit(1).executeTakeFirst();
    if (totp !== undefined) return true;
    return (await this.db.selectFrom('mfa_webauthn_credentials').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst()) !== undefined;
  }

  private async findOrLinkUser(issuer: string, subject: string, verifiedEmail: string | null, now: string): Promise<{ id: string; email: string; disabled: boolean } | null | 'has_credentials'> {
    const linked = await this.db
      .selectFrom('sso_identities as i')
      .innerJoin('users as u', 'u.id', 'i.user_id')
      .select(['u.id', 'u.email', 'u.disabled_at'])
      .where('i.issuer', '=', issuer)
      .where('i.subject', '=', subject)
      .executeTakeFirst();
    if (linked !== undefined) {
      await this.db.updateTable('sso_identities').set({ last_used_at: now }).where('issuer', '=', issuer).where('subject', '=', subject).execute();
      return { id: linked.id, email: linked.email, disabled: linked.disabled_at !== null };
    }
    // An unverified email proves nothing: anyone can claim one at many providers.
    if (verifiedEmail === null) return null;
    let user = await this.db.selectFrom('users').select(['id', 'email', 'disabled_at', 'password_hash']).where('email_key', '=', emailKey(verifiedEmail)).executeTakeFirst();
    // An account with its own password or second factor is linked only if the operator trusts the
    // provider with every such account (sso.linkExistingAccounts): else whoever gets that email at
    // the provider (a reassigned address, a lax tenant) would take the account over.
    if (user !== undefined && !this.config.sso.linkExistingAccounts && (user.password_hash !== null || (await this.hasFactor(user.id)))) return 'has_credentials';
    if (user === undefined) {
      if (!this.config.sso.createUsers) return null;
      const id = randomUUID();
      await this.db.insertInto('users').values({ id, email: verifiedEmail, email_key: emailKey(verifiedEmail), password_hash: null, password_changed_at: null, created_at: now, disabled_at: null }).execute();
      await this.audit.record({ event: 'account.user_created', actor: { type: 'system' }, target: { type: 'user', id, name: verifiedEmail }, details: { via: 'sso', issuer } });
      user = { id, email: verifiedEmail, disabled_at: null, password_hash: null };
    }
    // Two first sign-ins at once: the second finds the link made.
    await this.db.insertInto('sso_identities').values({ issuer, subject, user_id: user.id, created_at: now, last_used_at: now }).onConflict((oc) => oc.columns(['issuer', 'subject']).doNothing()).execute();
    await this.audit.record({ event: 'account.sso_linked', actor: { type: 'user', id: user.id }, target: { type: 'user', id: user.id, name: user.email }, details: { issuer } });
    return { id: user.id, email: user.email, disabled: user.disabled_at !== null };
  }

  /** The provider's metadata (discovery), fetched once per process; a failed fetch is retried next time. */
  private provider(): Promise<oidc.Configuration> {
    if (!this.enabled) return Promise.reject(disabled());
    const { issuer, clientId, clientSecret } = this.config.sso;
    const url = new URL(issuer!);
    this.configuration ??= oidc
      .discovery(url, clientId!, undefined, oidc.ClientSecretBasic(clientSecret!), {
        // http only for a provider on this machine (config allows nothing else): tests, local setups.
        ...(url.protocol === 'http:' && isLoopbackHost(url.hostname) ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((e: unknown) => {
        this.configuration = null;
        throw new AppError('CW_ERR_SSO_PROVIDER_UNAVAILABLE', `the single sign-on provider's discovery document could not be read (${e instanceof Error ? e.name : 'error'}); retry later`);
      });
    return this.configuration;
  }

  private redirectUri(): string {
    return `${this.config.publicUrl!.replace(/\/$/, '')}${SSO_CALLBACK_PATH}`;
  }
}

function disabled(): AppError {
  return new AppError('CW_ERR_SSO_DISABLED', 'single sign-on is not configured on this server');
}

function ssoFailed(): AppError {
  return new AppError('CW_ERR_SSO_FAILED', 'the single sign-on was not accepted; start again');
}

function isNetworkError(e: unknown): boolean {
  const cause = (e as { cause?: { code?: unknown } } | null)?.cause;
  return e instanceof TypeError && typeof cause?.code === 'string';
}
