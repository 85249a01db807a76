import type { Kysely } from 'kysely';

/**
 * Uploads without stored secrets (OIDC): which CI repository may upload to which Coverwatch
 * repository, and the ID tokens already used. Portable types only, as in 0001. External ids are
 * text: they are compared, never computed with, and GitHub's exceed 2^31.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('repository_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    .addColumn('issuer', 'text', (c) => c.notNull())
    /** GitHub `repository_id`, GitLab `project_id`: stable across renames, never reused. */
    .addColumn('external_repository_id', 'text', (c) => c.notNull())
    /** GitHub `repository_owner_id`, GitLab `namespace_id`: changes when the repository is transferred. */
    .addColumn('external_owner_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('repository_links_issuer_repository', ['issuer', 'external_repository_id'])
    .execute();
  await db.schema.createIndex('repository_links_repository').on('repository_links').column('repository_id').execute();
  await db.schema
    .createTable('oidc_token_uses')
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('jti', 'text', (c) => c.notNull())
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    /** When the token can no longer pass verification (exp + leeway): the row is pruned after it. */
    .addColumn('expires_at', 'text', (c) => c.notNull())
    /** The Idempotency-Key of the first use: a retry of that request may present the token again. */
    .addColumn('idempotency_key', 'text')
    /** The upload the token made: the one whose status it may read. */
    .addColumn('upload_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('oidc_token_uses_pk', ['issuer', 'jti'])
    .execute();
  await db.schema.createIndex('oidc_token_uses_expires').on('oidc_token_uses').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oidc_token_uses').execute();
  await db.schema.dropTable('repository_links').execute();
}
