import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { AuditRecorder } from '../audit/audit-log.js';
import type { Db } from '../db/database.js';
import { constantTimeEqual } from '../tokens/token-format.js';

/** Where a request came from (request.ip: the socket's address, or a trusted proxy's X-Forwarded-For). */
export interface ClientContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface Session {
  readonly id: string;
  readonly userId: string;
  readonly email: string;
  readonly mfa: 'pending' | 'verified';
  /** When the session last passed a second factor (verification or step-up); null while pending. */
  readonly mfaVerifiedAt: string | null;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly idleExpiresAt: string;
  readonly absoluteExpiresAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface SessionTimeouts {
  readonly idleTimeoutMinutes: number;
  readonly absoluteTimeoutHours: number;
}

/** 32 random bytes (256 bits; ASVS 7.2.3 asks for 128), base64url: the cookie value. */
const SECRET = /^[A-Za-z0-9_-]{43}$/;
/** `last_seen_at` is written at most this often (the idle timeout is exact to within it). */
const LAST_SEEN_RESOLUTION_MS = 60_000;
/** Routes declaring `stepUp` need a second factor passed this recently (ASVS 7.5: re-authentication before sensitive changes). */
export const STEP_UP_WINDOW_MS = 5 * 60_000;

/** SHA-256 of the cookie's secret: what the table stores (a high-entropy secret needs no salt or slow hash). */
export function hashSessionSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Server-side sessions (ASVS 7.2-7.4): the secret lives only in the `__Host-cw-session` cookie, the
 * table keeps its hash; idle and absolute timeouts are checked on every use; ending one is
 * immediate (the row says so; no cache).
 */
export class SessionsService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditRecorder,
    private readonly timeouts: SessionTimeouts,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * A new session with a new secret (sign-in; later re-authentication). `mfaVerified`: the sign-in
   * itself proved a second factor (an SSO provider that asserts one), so none is asked for; it is
   * no step-up (`mfa_verified_at` stays null): changes of factors, tokens and roles still need one
   * of the account's own factors within 5 minutes.
   */
  async create(user: { id: string; email: string }, ctx: ClientContext, mfaVerified = false): Promise<{ secret: string; session: Session }> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.now();
    const row = {
      id: randomUUID(),
      token_hash: hashSessionSecret(secret),
      user_id: user.id,
      mfa_state: mfaVerified ? ('verified' as const) : ('pending' as const),
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      absolute_expires_at: new Date(now.getTime() + this.timeouts.absoluteTimeoutHours * 3_600_000).toISOString(),
      ended_at: null,
      ended_reason: null,
      ip: ctx.ip,
      user_agent: ctx.userAgent,
      mfa_verified_at: null,
    };
    await this.db.insertInto('sessions').values(row).execute();
    return { secret, session: this.toSession(row, user.email) };
  }

  /**
   * The session passed a second factor: a new session (new id, new secret) replaces it, verified at
   * `now` (ASVS 7.2.4: a new session token on re-authentication, so a session id planted or seen
   * before the second factor is worth nothing after it). Sign-in time and absolute expiry carry over;
   * the old session ends (`mfa_rotated`) in the same transaction. Null when the old one is no longer live.
   */
  async rotateVerified(session: Session, ctx: ClientContext): Promise<{ secret: string; session: Session } | null> {
    const secret = randomBytes(32).toString('base64url');
    const now = this.now().toISOString();
    const row = {
      id: randomUUID(),
      token_hash: hashSessionSecret(secret),
      user_id: session.userId,
      mfa_state: 'verified' as const,
      created_at: session.createdAt,
      last_seen_at: now,
      absolute_expires_at: session.absoluteExpiresAt,
      ended_at: null,
      ended_reason: null,
      ip: ctx.ip,
      user_agent: ctx.userAgent,
      mfa_verified_at: now,
    };
    const ended = await this.db.transaction().execute(async (trx) => {
      const r = await trx.updateTable('sessions').set({ ended_at: now, ended_reason: 'mfa_rotated' }).where('id', '=', session.id).where('ended_at', 'is', null).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await trx.insertInto('sessions').values(row).execute();
      return true;
    });
    if (!ended) return null;
    await this.audit.record({ event: 'session.ended', actor: { type: 'user', id: session.userId }, target: { type: 'session', id: session.id }, details: { reason: 'mfa_rotated', replacedBy: row.id } });
    return { secret, session: this.toSession(row, session.email) };
  }

  /** Whether the session passed a second factor within the step-up window. */
  stepUpFresh(session: Session): boolean {
    return session.mfa === 'verified' && session.mfaVerifiedAt !== null && this.now().getTime() - Date.parse(session.mfaVerifiedAt) < STEP_UP_WINDOW_MS;
  }

  /** The live session of a cookie secret, its last use refreshed; null when unknown, ended or expired (an expired one is ended and audited). */
  async authenticate(secret: string): Promise<Session | null> {
    if (!SECRET.test(secret)) return null;
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select(['users.email', 'users.disabled_at'])
      .where('sessions.token_hash', '=', hashSessionSecret(secret))
      .executeTakeFirst();
    if (row === undefined || row.ended_at !== null) return null;
    // Disabling ends the sessions; this covers one created in the same instant.
    if (row.disabled_at !== null) {
      await this.endWhere(row.id, 'account_disabled', { type: 'system' });
      return null;
    }
    const now = this.now();
    const session = this.toSession(row, row.email);
    const expired = now.toISOString() >= session.absoluteExpiresAt ? 'absolute_timeout' : now.toISOString() >= session.idleExpiresAt ? 'idle_timeout' : null;
    if (expired !== null) {
      await this.endWhere(row.id, expired, { type: 'system' });
      return null;
    }
    if (now.getTime() - Date.parse(row.last_seen_at) >= LAST_SEEN_RESOLUTION_MS) {
      await this.db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', row.id).where('ended_at', 'is', null).execute();
      return this.toSession({ ...row, last_seen_at: now.toISOString() }, row.email);
    }
    return session;
  }

  /** The anti-CSRF token of a session: HMAC-SHA256 keyed by its secret, so it needs no storage and cannot be made without the cookie. */
  csrfToken(secret: string): string {
    return createHmac('sha256', secret).update('coverwatch-csrf-v1').digest('base64url');
  }

  verifyCsrfToken(secret: string, token: string): boolean {
    return SECRET.test(secret) && constantTimeEqual(this.csrfToken(secret), token);
  }

  /** The user's live sessions, newest first (expired ones are left out). */
  async list(userId: string): Promise<Session[]> {
    const rows = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('sessions')
      .select('users.email')
      .where('sessions.user_id', '=', userId)
      .where('sessions.ended_at', 'is', null)
      .orderBy('sessions.created_at', 'desc')
      .execute();
    const now = this.now().toISOString();
    return rows.map((r) => this.toSession(r, r.email)).filter((s) => s.absoluteExpiresAt > now && s.idleExpiresAt > now);
  }

  /** Ends one of the user's sessions; false when it is not theirs or not live. */
  async end(userId: string, sessionId: string, reason: string): Promise<boolean> {
    const row = await this.db.selectFrom('sessions').select('id').where('id', '=', sessionId).where('user_id', '=', userId).where('ended_at', 'is', null).executeTakeFirst();
    if (row === undefined) return false;
    return this.endWhere(sessionId, reason, { type: 'user', id: userId });
  }

  /** Ends every live session of the user except `keep`; returns how many. */
  async endAll(userId: string, reason: string, actor: { type: 'user' | 'operator' | 'system'; id?: string }, keep?: string): Promise<number> {
    const rows = await this.db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('ended_at', 'is', null).execute();
    let n = 0;
    for (const r of rows) if (r.id !== keep && (await this.endWhere(r.id, reason, actor))) n++;
    return n;
  }

  private async endWhere(id: string, reason: string, actor: { type: 'user' | 'operator' | 'system'; id?: string }): Promise<boolean> {
    const r = await this.db.updateTable('sessions').set({ ended_at: this.now().toISOString(), ended_reason: reason }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await this.audit.record({ event: 'session.ended', actor, target: { type: 'session', id }, details: { reason } });
    return true;
  }

  private toSession(
    r: { id: string; user_id: string; mfa_state: 'pending' | 'verified'; mfa_verified_at: string | null; created_at: string; last_seen_at: string; absolute_expires_at: string; ip: string | null; user_agent: string | null },
    email: string,
  ): Session {
    return {
      id: r.id,
      userId: r.user_id,
      email,
      mfa: r.mfa_state,
      mfaVerifiedAt: r.mfa_verified_at,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      idleExpiresAt: new Date(Date.parse(r.last_seen_at) + this.timeouts.idleTimeoutMinutes * 60_000).toISOString(),
      absoluteExpiresAt: r.absolute_expires_at,
      ip: r.ip,
      userAgent: r.user_agent,
    };
  }
}
