import type { Kysely } from 'kysely';

/**
 * Tokens not bound to one repository (docs/security.md#tokens-of-users-and-organizations):
 * personal API tokens (`cw_pat_`, acting as their user within a scope: chosen repositories or one
 * organization) and organization upload tokens (`cw_oup_`, uploading to any repository of one
 * organization). As in `tokens`: the SHA-256 of the token only, a mandatory expiry, the display form
 * (prefix and last four characters), the last use, revocation. Their own table rather than new
 * columns of `tokens`: `tokens.repository_id` is NOT NULL, and SQLite cannot relax that without
 * rebuilding the table; every query of `tokens` stays as it was. Portable types, as in 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('user_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** `personal` or `org_upload`. */
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    /** Personal tokens: the user the token acts as. Null for organization upload tokens. */
    .addColumn('user_id', 'text', (c) => c.references('users.id'))
    /** Organization upload tokens: their organization; personal tokens scoped to an organization: that one. */
    .addColumn('org_id', 'text', (c) => c.references('organizations.id'))
    /** Personal tokens: `read` or `read-write`. Organization upload tokens: `upload`. */
    .addColumn('access', 'text', (c) => c.notNull())
    /** Who created it: a user id, or null for the operator (`coverwatch-server admin`). */
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('display', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('last_used_ip', 'text')
    .addColumn('last_used_user_agent', 'text')
    .addColumn('last_used_ci_provider', 'text')
    .addColumn('revoked_at', 'text')
    .addColumn('revoked_reason', 'text')
    .execute();
  await db.schema.createIndex('user_tokens_user').on('user_tokens').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('user_tokens_org').on('user_tokens').columns(['org_id', 'expires_at']).execute();
  // A personal token scoped to chosen repositories: one row per repository (none for an organization scope).
  await db.schema
    .createTable('user_token_repositories')
    .addColumn('token_id', 'text', (c) => c.notNull().references('user_tokens.id'))
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    .addPrimaryKeyConstraint('user_token_repositories_pk', ['token_id', 'repository_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('user_token_repositories').execute();
  await db.schema.dropTable('user_tokens').execute();
}
