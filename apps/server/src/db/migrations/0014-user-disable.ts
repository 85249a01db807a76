import type { Kysely } from 'kysely';

/**
 * Disabled accounts (`admin disable-user`): a disabled user cannot sign in, and every session of
 * theirs ended when it was disabled. Null: enabled.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('disabled_at', 'text').execute();
}
