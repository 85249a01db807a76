import type { Kysely } from 'kysely';

/**
 * Organizations, repositories, roles (docs/security.md#organizations-repositories-roles): members of
 * an organization with a role (owner, admin, member, viewer), repositories public or private
 * (private unless made public: deny by default), and per-repository grants to users (read or write).
 * Portable types, as in 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('repositories').addColumn('visibility', 'text', (c) => c.notNull().defaultTo('private')).execute();
  await db.schema
    .createTable('org_members')
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    /** `owner`, `admin`, `member` or `viewer`. */
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('org_members_pk', ['org_id', 'user_id'])
    .execute();
  await db.schema.createIndex('org_members_user').on('org_members').column('user_id').execute();
  await db.schema
    .createTable('repo_grants')
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    /** `read` or `write`. */
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('repo_grants_pk', ['repository_id', 'user_id'])
    .execute();
  await db.schema.createIndex('repo_grants_user').on('repo_grants').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('repo_grants').execute();
  await db.schema.dropTable('org_members').execute();
  await db.schema.alterTable('repositories').dropColumn('visibility').execute();
}
