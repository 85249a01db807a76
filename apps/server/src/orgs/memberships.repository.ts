import { PostgresAdapter, sql } from 'kysely';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';

export const ORG_ROLES = ['owner', 'admin', 'member', 'viewer'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export const GRANT_ROLES = ['read', 'write'] as const;
export type GrantRole = (typeof GRANT_ROLES)[number];

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly role: OrgRole;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Whether the user holds a WebAuthn credential (owners and admins must). */
  readonly passkey: boolean;
}

export interface Membership {
  readonly orgId: string;
  readonly orgName: string;
  readonly role: OrgRole;
  readonly createdAt: string;
}

/** What a change of one membership did; `last_owner` when it would leave the organization without an owner. */
export type RoleChange =
  | { readonly outcome: 'changed' | 'removed' | 'unchanged'; readonly before: OrgRole; readonly role: OrgRole | null }
  | { readonly outcome: 'last_owner'; readonly before: OrgRole }
  | { readonly outcome: 'not_member'; readonly before: null };

/**
 * The `org_members` and `repo_grants` tables. Nothing here is cached: every request reads the
 * memberships it needs, so a removal takes effect on the next request.
 */
export class MembershipsRepository {
  private readonly postgres: boolean;

  constructor(private readonly db: Db) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  }

  /** A user by email key (`users.email_key`: trimmed, lower-cased). */
  async userByEmailKey(key: string): Promise<{ id: string; email: string } | null> {
    return (await this.db.selectFrom('users').select(['id', 'email']).where('email_key', '=', key).executeTakeFirst()) ?? null;
  }

  async userById(id: string): Promise<{ id: string; email: string } | null> {
    return (await this.db.selectFrom('users').select(['id', 'email']).where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** Whether the user holds a WebAuthn credential (a passkey or security key). */
  async hasPasskey(userId: string): Promise<boolean> {
    return (await this.db.selectFrom('mfa_webauthn_credentials').select('id').where('user_id', '=', userId).limit(1).executeTakeFirst()) !== undefined;
  }

  async roleOf(orgId: string, userId: string): Promise<OrgRole | null> {
    const r = await this.db.selectFrom('org_members').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
    return r?.role ?? null;
  }

  /** The organization's members, owners first, then by email. */
  async listMembers(orgId: string): Promise<Member[]> {
    const rows = await this.db
      .selectFrom('org_members as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['m.user_id', 'u.email', 'm.role', 'm.created_at', 'm.updated_at'])
      .select((eb) => eb.exists(eb.selectFrom('mfa_webauthn_credentials as w').select('w.id').whereRef('w.user_id', '=', 'm.user_id')).as('passkey'))
      .where('m.org_id', '=', orgId)
      .orderBy('u.email_key')
      .execute();
    const rank = (role: OrgRole) => ORG_ROLES.indexOf(role);
    return rows
      .map((r) => ({ userId: r.user_id, email: r.email, role: r.role, createdAt: r.created_at, updatedAt: r.updated_at, passkey: Boolean(r.passkey) }))
      .sort((a, b) => rank(a.role) - rank(b.role));
  }

  /** The user's organizations, by name. */
  async listOrgsOf(userId: string): Promise<Membership[]> {
    const rows = await this.db
      .selectFrom('org_members as m')
      .innerJoin('organizations as o', 'o.id', 'm.org_id')
      .select(['m.org_id', 'o.name', 'm.role', 'm.created_at'])
      .where('m.user_id', '=', userId)
      .orderBy('o.name')
      .execute();
    return rows.map((r) => ({ orgId: r.org_id, orgName: r.name, role: r.role, createdAt: r.created_at }));
  }

  /** What the user may read besides public repositories: the organizations they belong to and the repositories granted to them. One query. */
  async readScope(userId: string): Promise<{ orgIds: string[]; repoIds: string[] }> {
    const rows = await this.db
      .selectFrom('org_members')
      .select([sql<string>`'org'`.as('kind'), 'org_id as id'])
      .where('user_id', '=', userId)
      .unionAll(this.db.selectFrom('repo_grants').select([sql<string>`'repo'`.as('kind'), 'repository_id as id']).where('user_id', '=', userId))
      .execute();
    return { orgIds: rows.filter((r) => r.kind === 'org').map((r) => r.id), repoIds: rows.filter((r) => r.kind === 'repo').map((r) => r.id) };
  }

  /** `readScope` of an enabled user; null when the user is disabled or does not exist (their personal tokens act as nobody). */
  async liveReadScope(userId: string): Promise<{ orgIds: string[]; repoIds: string[] } | null> {
    const user = await this.db.selectFrom('users').select('disabled_at').where('id', '=', userId).executeTakeFirst();
    if (user === undefined || user.disabled_at !== null) return null;
    return this.readScope(userId);
  }

  /** Adds a member; `exists` when the user already is one (their role is left alone). */
  async add(orgId: string, userId: string, role: OrgRole): Promise<{ readonly outcome: 'added'; readonly role: OrgRole } | { readonly outcome: 'exists'; readonly before: OrgRole | null }> {
    const now = isoNow();
    const inserted = await this.db
      .insertInto('org_members')
      .values({ org_id: orgId, user_id: userId, role, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return { outcome: 'added', role };
    return { outcome: 'exists', before: await this.roleOf(orgId, userId) };
  }

  /**
   * Sets a member's role (`null` removes them). Never leaves an organization that has an owner
   * without one: demoting or removing the last owner is `last_owner`. Changes of one organization's
   * memberships take turns (the organization's row is locked on PostgreSQL; SQLite runs one write
   * transaction at a time), so two owners demoting each other at once cannot both succeed.
   * `guard` sees the member's current role and may refuse the change by returning false
   * (the caller's own rules, checked against the row it changes rather than an earlier read).
   */
  async setRole(orgId: string, userId: string, role: OrgRole | null, guard: (before: OrgRole) => boolean = () => true): Promise<RoleChange | 'refused'> {
    return this.db.transaction().execute(async (trx) => {
      if (this.postgres) await trx.selectFrom('organizations').select('id').where('id', '=', orgId).forUpdate().execute();
      const current = await trx.selectFrom('org_members').select('role').where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
      if (current === undefined) return { outcome: 'not_member', before: null } as const;
      const before = current.role;
      if (!guard(before)) return 'refused' as const;
      if (before === role) return { outcome: 'unchanged', before, role } as const;
      if (before === 'owner') {
        const owners = await trx.selectFrom('org_members').select((eb) => eb.fn.countAll<number>().as('n')).where('org_id', '=', orgId).where('role', '=', 'owner').executeTakeFirstOrThrow();
        if (Number(owners.n) <= 1) return { outcome: 'last_owner', before } as const;
      }
      if (role === null) {
        await trx.deleteFrom('org_members').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
        return { outcome: 'removed', before, role } as const;
      }
      await trx.updateTable('org_members').set({ role, updated_at: isoNow() }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
      return { outcome: 'changed', before, role } as const;
    });
  }

  /** Grants a user read or write on one repository (replacing an earlier grant); returns the role it had before. */
  async grant(repositoryId: string, userId: string, role: GrantRole): Promise<GrantRole | null> {
    return this.db.transaction().execute(async (trx) => {
      const before = await trx.selectFrom('repo_grants').select('role').where('repository_id', '=', repositoryId).where('user_id', '=', userId).executeTakeFirst();
      if (before === undefined) await trx.insertInto('repo_grants').values({ repository_id: repositoryId, user_id: userId, role, created_at: isoNow() }).execute();
      else await trx.updateTable('repo_grants').set({ role }).where('repository_id', '=', repositoryId).where('user_id', '=', userId).execute();
      return before?.role ?? null;
    });
  }

  /** Removes a grant; true when there was one. */
  async revokeGrant(repositoryId: string, userId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('repo_grants').where('repository_id', '=', repositoryId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Whether the user may write the repository now: owner, admin or member of its organization, or a write grant. */
  async mayWrite(userId: string, orgId: string, repositoryId: string): Promise<boolean> {
    const role = await this.roleOf(orgId, userId);
    if (role === 'owner' || role === 'admin' || role === 'member') return true;
    return (await this.grantOf(repositoryId, userId)) === 'write';
  }

  async grantOf(repositoryId: string, userId: string): Promise<GrantRole | null> {
    const r = await this.db.selectFrom('repo_grants').select('role').where('repository_id', '=', repositoryId).where('user_id', '=', userId).executeTakeFirst();
    return r?.role ?? null;
  }

  /** The repository's grants with their users' emails, by email. */
  async listGrantsWithEmail(repositoryId: string): Promise<{ userId: string; email: string; role: GrantRole }[]> {
    const rows = await this.db
      .selectFrom('repo_grants as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .select(['g.user_id', 'u.email', 'g.role'])
      .where('g.repository_id', '=', repositoryId)
      .orderBy('u.email_key')
      .execute();
    return rows.map((r) => ({ userId: r.user_id, email: r.email, role: r.role }));
  }

  async listGrants(repositoryId: string): Promise<{ userId: string; role: GrantRole }[]> {
    const rows = await this.db.selectFrom('repo_grants').select(['user_id', 'role']).where('repository_id', '=', repositoryId).orderBy('user_id').execute();
    return rows.map((r) => ({ userId: r.user_id, role: r.role }));
  }
}
