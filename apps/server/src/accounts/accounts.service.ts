import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import type { ClientContext, Session, SessionsService } from '../sessions/sessions.service.js';
import type { PasswordHasher } from './password-hasher.js';
import { assertPasswordAcceptable } from './password-policy.js';
import type { SignInThrottle } from './sign-in-throttle.js';

/** How long a set-password token printed by `admin create-user` / `admin reset-password` works. */
const SET_PASSWORD_TTL_MS = 24 * 3_600_000;
const SET_PASSWORD_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** What sign-in looks up: trimmed, lower-cased (the stored `email` keeps the operator's spelling). */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

/** The one answer of every failed sign-in, whatever failed (ASVS 6.3.8). */
function signInFailed(): AppError {
  return new AppError('CW_ERR_AUTH_SIGN_IN_FAILED', 'the email or the password is wrong');
}

/** Thrown when sign-in is throttled: the route answers 429 with Retry-After. */
export class ThrottledError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('CW_ERR_AUTH_THROTTLED', `too many failed sign-ins; retry in ${retryAfterSeconds} s`);
  }
}

/**
 * Users, passwords and sign-in. There is no self-service sign-up yet (no email delivery to prove an
 * address): the operator creates a user (`admin create-user EMAIL`), which prints a one-time
 * set-password token; the user sets a password with it and signs in. So nothing the public can do
 * tells whether an email has an account.
 */
export class AccountsService {
  constructor(
    private readonly db: Db,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly throttle: SignInThrottle,
    private readonly audit: AuditRecorder,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A user without a password, and a one-time token to set it (operator action). */
  async createUser(email: string, operator: AuditRecorder): Promise<{ userId: string; setPasswordToken: string; expiresAt: string }> {
    const trimmed = email.trim();
    if (!/^[^\s@]{1,64}@[^\s@]{1,189}$/.test(trimmed)) throw new AppError('CW_ERR_CLI_USAGE', 'expected an email address (name@domain)');
    const existing = await this.db.selectFrom('users').select('id').where('email_key', '=', emailKey(trimmed)).executeTakeFirst();
    if (existing !== undefined) throw new AppError('CW_ERR_ACCOUNT_EXISTS', `a user with the email ${trimmed} exists`);
    const userId = randomUUID();
    await this.db.insertInto('users').values({ id: userId, email: trimmed, email_key: emailKey(trimmed), password_hash: null, password_changed_at: null, created_at: this.now().toISOString(), disabled_at: null }).execute();
    await operator.record({ event: 'account.user_created', target: { type: 'user', id: userId, name: trimmed } });
    return { userId, ...(await this.issueSetPasswordToken(userId)) };
  }

  /** A new one-time set-password token for an existing user (operator action; earlier unused ones stop working). */
  async resetPasswordToken(email: string, operator: AuditRecorder): Promise<{ userId: string; setPasswordToken: string; expiresAt: string }> {
    const user = await this.db.selectFrom('users').select(['id', 'email']).where('email_key', '=', emailKey(email)).executeTakeFirst();
    if (user === undefined) throw new AppError('CW_ERR_ACCOUNT_NOT_FOUND', `no user with the email ${email.trim()}`);
    await operator.record({ event: 'account.password_reset_issued', target: { type: 'user', id: user.id, name: user.email } });
    return { userId: user.id, ...(await this.issueSetPasswordToken(user.id)) };
  }

  /**
   * Disables an account (operator action): it cannot sign in, and every live session ends at once
   * (ASVS 7.4.2). Enabling it again restores sign-in; ended sessions stay ended.
   */
  async setDisabled(email: string, disabled: boolean, operator: AuditRecorder): Promise<{ userId: string; changed: boolean; sessionsEnded: number }> {
    const user = await this.db.selectFrom('users').select(['id', 'email', 'disabled_at']).where('email_key', '=', emailKey(email)).executeTakeFirst();
    if (user === undefined) throw new AppError('CW_ERR_ACCOUNT_NOT_FOUND', `no user with the email ${email.trim()}`);
    const changed = (user.disabled_at !== null) !== disabled;
    if (changed) {
      await this.db.updateTable('users').set({ disabled_at: disabled ? this.now().toISOString() : null }).where('id', '=', user.id).execute();
      await operator.record({ event: disabled ? 'account.disabled' : 'account.enabled', target: { type: 'user', id: user.id, name: user.email } });
    }
    // Also when it was disabled already: a session that slipped in is ended now.
    const sessionsEnded = disabled ? await this.sessions.endAll(user.id, 'account_disabled', { type: 'operator' }) : 0;
    return { userId: user.id, changed, sessionsEnded };
  }

  private async issueSetPasswordToken(userId: string): Promise<{ setPasswordToken: string; expiresAt: string }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + SET_PASSWORD_TTL_MS).toISOString();
    await this.db.updateTable('password_set_tokens').set({ used_at: now.toISOString() }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
    await this.db.insertInto('password_set_tokens').values({ token_hash: sha256(token), user_id: userId, created_at: now.toISOString(), expires_at: expiresAt, used_at: null }).execute();
    return { setPasswordToken: token, expiresAt };
  }

  /** Sets the password with a one-time token; every session of the user ends (ASVS 7.4.3). */
  async setPassword(token: string, password: string, ctx: ClientContext): Promise<void> {
    assertPasswordAcceptable(password);
    const now = this.now().toISOString();
    const invalid = () => new AppError('CW_ERR_ACCOUNT_SET_PASSWORD_LINK_INVALID', 'the set-password token is unknown, used or expired; ask the operator for a new one');
    if (!SET_PASSWORD_TOKEN.test(token)) throw invalid();
    const row = await this.db.selectFrom('password_set_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirst();
    if (row === undefined || row.used_at !== null || row.expires_at <= now) throw invalid();
    const hash = await this.hasher.hash(password);
    // Single use, even against two concurrent requests: only the one that marks it used goes on.
    const claimed = await this.db.updateTable('password_set_tokens').set({ used_at: now }).where('token_hash', '=', row.token_hash).where('used_at', 'is', null).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) throw invalid();
    await this.db.updateTable('users').set({ password_hash: hash, password_changed_at: now }).where('id', '=', row.user_id).execute();
    await this.audit.record({ event: 'account.password_set', actor: { type: 'user', id: row.user_id }, source: { ip: ctx.ip ?? undefined, userAgent: ctx.userAgent ?? undefined } });
    await this.sessions.endAll(row.user_id, 'password_set', { type: 'user', id: row.user_id });
  }

  /**
   * Password sign-in. Unknown email, no password yet and wrong password answer the same error after
   * the same work (one scrypt derivation each: against a dummy hash when there is no real one).
   * Throttled attempts are refused before any check, the same for every email.
   */
  async signIn(email: string, password: string, ctx: ClientContext): Promise<{ secret: string; session: Session }> {
    const key = emailKey(email);
    const ip = ctx.ip ?? 'unknown';
    const wait = await this.throttle.begin(key, ip);
    if (wait > 0) throw new ThrottledError(Math.ceil(wait / 1000));
    const user = await this.db.selectFrom('users').select(['id', 'email', 'password_hash', 'disabled_at']).where('email_key', '=', key).executeTakeFirst();
    let ok = false;
    let rehash = false;
    if (user?.password_hash != null) ({ ok, rehash } = await this.hasher.verify(password, user.password_hash));
    else await this.hasher.verifyDummy(password);
    const source = { ip: ctx.ip ?? undefined, userAgent: ctx.userAgent ?? undefined };
    // A disabled account fails like a wrong password (after the same work): the answer tells nothing.
    if (!ok || user === undefined || user.disabled_at !== null) {
      const reason = user === undefined ? 'unknown_email' : user.password_hash === null ? 'no_password' : !ok ? 'wrong_password' : 'disabled';
      // The email is not a secret (and tells an operator who is targeted); the password never leaves this function.
      await this.audit.record({ event: 'auth.sign_in', outcome: 'failure', actor: user === undefined ? { type: 'anonymous' } : { type: 'user', id: user.id }, source, details: { email: key, reason } });
      throw signInFailed();
    }
    await this.throttle.succeeded(key, ip);
    if (rehash) await this.db.updateTable('users').set({ password_hash: await this.hasher.hash(password) }).where('id', '=', user.id).execute();
    const created = await this.sessions.create({ id: user.id, email: user.email }, ctx);
    await this.audit.record({ event: 'auth.sign_in', actor: { type: 'user', id: user.id }, source, target: { type: 'session', id: created.session.id }, details: { mfa: 'pending', rehashed: rehash } });
    return created;
  }

  /** Signs out: the session ends at once. */
  async signOut(session: Session, ctx: ClientContext): Promise<void> {
    await this.audit.record({ event: 'auth.sign_out', actor: { type: 'user', id: session.userId }, source: { ip: ctx.ip ?? undefined, userAgent: ctx.userAgent ?? undefined }, target: { type: 'session', id: session.id } });
    await this.sessions.end(session.userId, session.id, 'sign_out');
  }
}
