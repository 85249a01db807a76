import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/database.schema.js';
import { isoNow } from '../db/clock.js';
import type { AccountTokenKind, RepoTokenKind } from './token-format.js';

export interface TokenRow {
  readonly id: string;
  readonly kind: RepoTokenKind;
  readonly tokenHash: string;
  readonly repositoryId: string;
  readonly expiresAt: string;
}

/** What an owner sees of a token: never the token, never its hash. */
export interface TokenListing {
  readonly id: string;
  readonly kind: RepoTokenKind;
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

/** Which table a token lives in: `tokens` (bound to one repository) or `user_tokens` (personal and organization upload tokens). */
export type TokenTable = 'tokens' | 'user_tokens';

/** A live personal or organization upload token, as authentication needs it. */
export interface AccountTokenRow {
  readonly id: string;
  readonly kind: AccountTokenKind;
  readonly tokenHash: string;
  /** Personal tokens: the user it acts as. */
  readonly userId: string | null;
  /** Organization upload tokens: their organization; personal tokens: the organization of an organization scope. */
  readonly orgId: string | null;
  readonly access: 'read' | 'read-write' | 'upload';
  /** Personal tokens scoped to chosen repositories: their ids (empty for an organization scope). */
  readonly repositoryIds: readonly string[];
  readonly expiresAt: string;
  readonly expired: boolean;
  readonly lastUse: LastUse;
}

/** What the holder or an owner sees of a personal or organization upload token: never the token, never its hash. */
export interface AccountTokenListing {
  readonly id: string;
  readonly kind: AccountTokenKind;
  readonly display: string;
  readonly access: 'read' | 'read-write' | 'upload';
  readonly org: string | null;
  readonly repositories: string[];
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly lastUse: TokenListing['lastUse'];
}

/** A token of an organization expiring soon: an organization upload token, or a token of one of its repositories. */
export interface ExpiringToken {
  readonly id: string;
  readonly kind: RepoTokenKind | 'org_upload';
  readonly display: string;
  /** `OWNER/NAME` for repository tokens; null for organization upload tokens. */
  readonly repository: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly lastUse: TokenListing['lastUse'];
}

/** A token's last use is written at most this often unless its context changes (one write per upload would be wasteful). */
const LAST_USE_RESOLUTION_MS = 60_000;

/** The `tokens` table: hashes only, never a token. */
export class TokensRepository {
  constructor(private readonly db: Db) {}

  async insert(t: { kind: RepoTokenKind; tokenHash: string; repositoryId: string; expiresAt: string; display: string }): Promise<string> {
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
  async recordUse(id: string, ctx: UseContext, now: Date = new Date(), known?: LastUse, table: TokenTable = 'tokens'): Promise<{ newContext: boolean; firstUse: boolean }> {
    // `known`: the last use as the authenticating read saw it (the conditional update below keeps that safe).
    // Both tables have the same last-use columns; the cast names one of them for the query builder's types.
    const r = known ?? (await this.db.selectFrom(table as 'tokens').select(['last_used_at', 'last_used_ip', 'last_used_user_agent', 'last_used_ci_provider']).where('id', '=', id).executeTakeFirst());
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
      .updateTable(table as 'tokens')
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
    // Organization upload tokens live in `user_tokens` (ids are UUIDs: at most one table has this one).
    await this.db.updateTable('user_tokens').set({ last_used_ci_provider: ciProvider }).where('id', '=', id).execute();
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

  // ---- personal API tokens and organization upload tokens (`user_tokens`, migration 0016) ----

  async insertAccountToken(t: {
    kind: AccountTokenKind;
    tokenHash: string;
    display: string;
    userId: string | null;
    orgId: string | null;
    access: 'read' | 'read-write' | 'upload';
    createdBy: string | null;
    expiresAt: string;
    repositoryIds: readonly string[];
  }): Promise<string> {
    const id = randomUUID();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('user_tokens')
        .values({
          id,
          kind: t.kind,
          token_hash: t.tokenHash,
          user_id: t.userId,
          org_id: t.orgId,
          access: t.access,
          created_by: t.createdBy,
          created_at: isoNow(),
          expires_at: t.expiresAt,
          display: t.display,
          last_used_at: null,
          last_used_ip: null,
          last_used_user_agent: null,
          last_used_ci_provider: null,
          revoked_at: null,
          revoked_reason: null,
        })
        .execute();
      if (t.repositoryIds.length > 0) await trx.insertInto('user_token_repositories').values(t.repositoryIds.map((r) => ({ token_id: id, repository_id: r }))).execute();
    });
    return id;
  }

  /** A live (not revoked) personal or organization upload token by hash, with its scope and last use. */
  async findActiveAccountTokenByHash(tokenHash: string, now: string = isoNow()): Promise<AccountTokenRow | null> {
    const r = await this.db.selectFrom('user_tokens').selectAll().where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).executeTakeFirst();
    if (r === undefined) return null;
    const repos = await this.db.selectFrom('user_token_repositories').select('repository_id').where('token_id', '=', r.id).execute();
    return {
      id: r.id,
      kind: r.kind,
      tokenHash: r.token_hash,
      userId: r.user_id,
      orgId: r.org_id,
      access: r.access,
      repositoryIds: repos.map((x) => x.repository_id),
      expiresAt: r.expires_at,
      expired: r.expires_at <= now,
      lastUse: { last_used_at: r.last_used_at, last_used_ip: r.last_used_ip, last_used_user_agent: r.last_used_user_agent, last_used_ci_provider: r.last_used_ci_provider },
    };
  }

  /** A personal or organization upload token by id (revoked or not). */
  async findAccountToken(id: string): Promise<{ id: string; kind: AccountTokenKind; userId: string | null; orgId: string | null; revokedAt: string | null } | null> {
    const r = await this.db.selectFrom('user_tokens').select(['id', 'kind', 'user_id', 'org_id', 'revoked_at']).where('id', '=', id).executeTakeFirst();
    return r === undefined ? null : { id: r.id, kind: r.kind, userId: r.user_id, orgId: r.org_id, revokedAt: r.revoked_at };
  }

  /** What a personal or organization upload token may reach: its access, organization and chosen repositories, and its expiry. */
  async accountTokenScope(id: string): Promise<{ access: 'read' | 'read-write' | 'upload'; orgId: string | null; repositoryIds: string[]; expiresAt: string } | null> {
    const t = await this.db.selectFrom('user_tokens').select(['access', 'org_id', 'expires_at']).where('id', '=', id).executeTakeFirst();
    if (t === undefined) return null;
    const repos = await this.db.selectFrom('user_token_repositories').select('repository_id').where('token_id', '=', id).execute();
    return { access: t.access, orgId: t.org_id, repositoryIds: repos.map((r) => r.repository_id), expiresAt: t.expires_at };
  }

  /** Moves a live account token's expiry earlier (the end of a rotation's overlap); never later. */
  async shortenAccountToken(id: string, until: string): Promise<void> {
    await this.db.updateTable('user_tokens').set({ expires_at: until }).where('id', '=', id).where('revoked_at', 'is', null).where('expires_at', '>', until).execute();
  }

  /** Revokes a live personal or organization upload token; false when it was already revoked (or does not exist). */
  async revokeAccountToken(id: string, reason: string, now: string = isoNow()): Promise<boolean> {
    const r = await this.db.updateTable('user_tokens').set({ revoked_at: now, revoked_reason: reason }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** The personal tokens of a user, newest first, with their scope by name. */
  async listPersonal(userId: string): Promise<AccountTokenListing[]> {
    const rows = await this.db
      .selectFrom('user_tokens as t')
      .leftJoin('organizations as o', 'o.id', 't.org_id')
      .selectAll('t')
      .select('o.name as org_name')
      .where('t.user_id', '=', userId)
      .where('t.kind', '=', 'personal')
      .orderBy('t.created_at', 'desc')
      .orderBy('t.id')
      .execute();
    const ids = rows.map((r) => r.id);
    const repos =
      ids.length === 0
        ? []
        : await this.db
            .selectFrom('user_token_repositories as u')
            .innerJoin('repositories as r', 'r.id', 'u.repository_id')
            .innerJoin('organizations as o', 'o.id', 'r.org_id')
            .select(['u.token_id', 'o.name as owner', 'r.name'])
            .where('u.token_id', 'in', ids)
            .orderBy('o.name')
            .orderBy('r.name')
            .execute();
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      display: r.display,
      access: r.access,
      org: r.org_name,
      repositories: repos.filter((x) => x.token_id === r.id).map((x) => `${x.owner}/${x.name}`),
      createdAt: r.created_at,
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
      lastUse: r.last_used_at === null ? null : { at: r.last_used_at, ip: r.last_used_ip, userAgent: r.last_used_user_agent, ciProvider: r.last_used_ci_provider },
    }));
  }

  /**
   * The live tokens of an organization that expire after `now` and no later than `horizon`: its
   * organization upload tokens and the tokens of its repositories, soonest first. (Personal tokens
   * belong to their users, who see their own.)
   */
  async listExpiringOfOrg(orgId: string, now: string, horizon: string): Promise<ExpiringToken[]> {
    const lastUse = (r: { last_used_at: string | null; last_used_ip: string | null; last_used_user_agent: string | null; last_used_ci_provider: string | null }) =>
      r.last_used_at === null ? null : { at: r.last_used_at, ip: r.last_used_ip, userAgent: r.last_used_user_agent, ciProvider: r.last_used_ci_provider };
    const org = await this.db
      .selectFrom('user_tokens')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('kind', '=', 'org_upload')
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('expires_at', '<=', horizon)
      .execute();
    const repo = await this.db
      .selectFrom('tokens as t')
      .innerJoin('repositories as r', 'r.id', 't.repository_id')
      .innerJoin('organizations as o', 'o.id', 'r.org_id')
      .selectAll('t')
      .select(['o.name as owner', 'r.name as repo_name'])
      .where('r.org_id', '=', orgId)
      .where('t.revoked_at', 'is', null)
      .where('t.expires_at', '>', now)
      .where('t.expires_at', '<=', horizon)
      .execute();
    const list: ExpiringToken[] = [
      ...org.map((r) => ({ id: r.id, kind: 'org_upload' as const, display: r.display, repository: null, createdAt: r.created_at, expiresAt: r.expires_at, lastUse: lastUse(r) })),
      ...repo.map((r) => ({ id: r.id, kind: r.kind, display: r.display ?? '', repository: `${r.owner}/${r.repo_name}`, createdAt: r.created_at, expiresAt: r.expires_at ?? '', lastUse: lastUse(r) })),
    ];
    return list.sort((a, b) => (a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : a.id < b.id ? -1 : 1));
  }
}
