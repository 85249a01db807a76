import type { Kysely } from 'kysely';

/**
 * Accounts and sessions (docs/security.md#accounts-and-sessions): users with a scrypt password hash
 * (algorithm, parameters, salt and hash in one string), one-time set-password tokens and server-side
 * sessions. Secrets are stored as SHA-256 hashes only, like API tokens. Portable types, as in 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** As given by the operator; `email_key` (trimmed, lower-cased) is what sign-in looks up. */
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull().unique())
    /** `scrypt$ln=..,r=..,p=..$salt$hash`; null until the user sets a password. */
    .addColumn('password_hash', 'text')
    .addColumn('password_changed_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('password_set_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('password_set_tokens_user').on('password_set_tokens').column('user_id').execute();
  await db.schema
    .createTable('sessions')
    /** Public id (listing, ending one); the cookie's secret is only ever stored as `token_hash`. */
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    /** `pending` until a second factor is verified (the next slice of issue 5). */
    .addColumn('mfa_state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('absolute_expires_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .addColumn('ended_reason', 'text')
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sessions').execute();
  await db.schema.dropTable('password_set_tokens').execute();
  await db.schema.dropTable('users').execute();
}
