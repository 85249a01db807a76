import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/database.schema.js';
import { isoNow } from '../db/clock.js';
import type { TokenKind } from './token-format.js';

export interface TokenRow {
  readonly id: string;
  readonly kind: TokenKind;
  readonly tokenHash: string;
  readonly repositoryId: string;
  readonly expiresAt: string;
}

/** What an owner sees of a token: never the token, never its hash. */
export interface TokenListing {
  readonly id: string;
  readonly kind: TokenKind;
  /** `cw_up_…Ab12`: prefix and last four characters. */
  readonly display: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly revokedReason: string | null;
  readonly replacedBy: string | null;
  readonly lastUse: { readonly at: string; readonly ip: string | null; readonly userAgent: string | null; readonly ciProvider: string | null } | null;
}

/** Where a token was used from: a change of any part is a "new context" (audit-logged). */
export interface UseContext {
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly ciProvider?: string | null;
}

/** A token's last recorded use, as stored. */
export interface LastUse {
  readonly last_used_at: string | null;
  readonly last_used_ip: string | null;
  readonly last_used_user_agent: string | null;
  readonly last_used_ci_provider: string | null;
}

/** A token's last use is written at most this often unless its context changes (one write per upload would be wasteful). */
const LAST_USE_RESOLUTION_MS = 60_000;

/** The `tokens` table: hashes only, never a token. */
export class TokensRepository {
  constructor(private readonly db: Db) {}

  async insert(t: { kind: TokenKind; tokenHash: string; repositoryId: string; expiresAt: string; display: string }): Promise<string> {
    const id = randomUUID();
    await this.db
      .insertInto('tokens')
      .values({
        id,
        kind: t.kind,
        token_hash: t.tokenHash,
        repository_id: t.repositoryId,
        created_at: isoNow(),
        revoked_at: null,
        expires_at: t.expiresAt,
        display: t.display,
        last_used_at: null,
        last_used_ip: null,
        last_used_user_agent: null,
        last_used_ci_provider: null,
        replaced_by: null,
        revoked_reason: null,
      })
      .execute();
    return id;
  }

  /** The token with this hash if it is neither revoked nor expired at `now`. */
  /** A live token by hash, with its last use (so recording this use needs no second read). */
  async findActiveByHash(tokenHash: string, now: string = isoNow()): Promise<(TokenRow & { expired: boolean; lastUse: LastUse }) | null> {
    const r = await this.db
      .selectFrom('tokens')
      .select(['id', 'kind', 'token_hash', 'repository_id', 'expires_at', 'last_used_at', 'last_used_ip', 'last_used_user_agent', 'last_used_ci_provider'])
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (r === undefined) return null;
    const expiresAt = r.expires_at ?? now;
    const lastUse = { last_used_at: r.last_used_at, last_used_ip: r.last_used_ip, last_used_user_agent: r.last_used_user_agent, last_used_ci_provider: r.last_used_ci_provider };
    return { id: r.id, kind: r.kind, tokenHash: r.token_hash, repositoryId: r.repository_id, expiresAt, expired: expiresAt <= now, lastUse };
  }

  async findById(id: string): Promise<(TokenRow & { revokedAt: string | null }) | null> {
    const r = await this.db.selectFrom('tokens').select(['id', 'kind', 'token_hash', 'repository_id', 'expires_at', 'revoked_at']).where('id', '=', id).executeTakeFirst();
    return r === undefined ? null : { id: r.id, kind: r.kind, tokenHash: r.token_hash, repositoryId: r.repository_id, expiresAt: r.expires_at ?? '', revokedAt: r.revoked_at };
  }

  /**
   * Records a use; returns whether its context (IP, user agent, CI provider) differs from the last
   * one recorded. The write is skipped when nothing changed within LAST_USE_RESOLUTION_MS.
   */
  async recordUse(id: string, ctx: UseContext, now: Date = new Date(), known?: LastUse): Promise<{ newContext: boolean; firstUse: boolean }> {
    // `known`: the last use as the authenticating read saw it (the conditional update below keeps that safe).
    const r = known ?? (await this.db.selectFrom('tokens').select(['last_used_at', 'last_used_ip', 'last_used_user_agent', 'last_used_ci_provider']).where('id', '=', id).executeTakeFirst());
    if (r === undefined) return { newContext: false, firstUse: false };
    const firstUse = r.last_used_at === null;
    const ci = ctx.ciProvider === undefined ? r.last_used_ci_provider : ctx.ciProvider;
    const newContext = !firstUse && (r.last_used_ip !== ctx.ip || r.last_used_user_agent !== ctx.userAgent || r.last_used_ci_provider !== ci);
    const stale = firstUse || now.getTime() - Date.parse(r.last_used_at!) >= LAST_USE_RESOLUTION_MS;
    if (!newContext && !stale) return { newContext, firstUse };
    // Conditional on the context just read: of concurrent requests seeing the same change, only the
    // one whose update lands reports it (one audit event and one alert per change, not one per request).
    const same = <K extends 'last_used_ip' | 'last_used_user_agent' | 'last_used_ci_provider'>(column: K, value: string | null) =>
      (eb: ExpressionBuilder<Database, 'tokens'>) => (value === null ? eb(column, 'is', null) : eb(column, '=', value as never));
    const updated = await this.db
      .updateTable('tokens')
      .set({ last_used_at: now.toISOString(), last_used_ip: ctx.ip, last_used_user_agent: ctx.userAgent, last_used_ci_provider: ci })
      .where('id', '=', id)
      .where(same('last_used_ip', r.last_used_ip))
      .where(same('last_used_user_agent', r.last_used_user_agent))
      .where(same('last_used_ci_provider', r.last_used_ci_provider))
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return { newContext: false, firstUse: false };
    return { newContext, firstUse };
  }

  async listByRepository(repositoryId: string): Promise<TokenListing[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().where('repository_id', '=', repositoryId).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      display: r.display ?? (r.kind === 'upload' ? 'cw_up_…' : 'cw_rd_…'),
      createdAt: r.created_at,
      expiresAt: r.expires_at ?? '',
      revokedAt: r.revoked_at,
      revokedReason: r.revoked_reason,
      replacedBy: r.replaced_by,
      lastUse: r.last_used_at === null ? null : { at: r.last_used_at, ip: r.last_used_ip, userAgent: r.last_used_user_agent, ciProvider: r.last_used_ci_provider },
    }));
  }

  /** The CI provider the token's latest upload named (known only once its envelope is read). */
  async noteCiProvider(id: string, ciProvider: string): Promise<void> {
    await this.db.updateTable('tokens').set({ last_used_ci_provider: ciProvider }).where('id', '=', id).execute();
  }

  /** Revokes a live token; returns false when it was already revoked (or does not exist). */
  async revoke(id: string, reason: string, now: string = isoNow()): Promise<boolean> {
    const r = await this.db.updateTable('tokens').set({ revoked_at: now, revoked_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** After a rotation: the old token stays valid until `until` (the overlap), and names its successor. */
  async retire(id: string, replacedBy: string, until: string): Promise<void> {
    await this.db.updateTable('tokens').set({ replaced_by: replacedBy, expires_at: until }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }
}
