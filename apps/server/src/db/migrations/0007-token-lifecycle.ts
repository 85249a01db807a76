import { sql, type Kysely } from 'kysely';

/**
 * Token lifecycle (docs/security.md#tokens): a mandatory expiry (existing tokens get 90 days from
 * this migration, the default for new ones), the display form (`cw_up_…Ab12`: prefix and last
 * four characters, enough to tell tokens apart), the last use (time, IP, user agent, CI provider),
 * the token a rotation replaced it with, and why it was revoked.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const column of ['expires_at', 'display', 'last_used_at', 'last_used_ip', 'last_used_user_agent', 'last_used_ci_provider', 'replaced_by', 'revoked_reason']) {
    await db.schema.alterTable('tokens').addColumn(column, 'text').execute();
  }
  const inNinetyDays = new Date(Date.now() + 90 * 86_400_000).toISOString();
  await sql`UPDATE tokens SET expires_at = ${inNinetyDays} WHERE expires_at IS NULL`.execute(db);
  await sql`UPDATE tokens SET display = CASE kind WHEN 'upload' THEN 'cw_up_…' ELSE 'cw_rd_…' END WHERE display IS NULL`.execute(db);
  await db.schema.createIndex('tokens_repository').on('tokens').columns(['repository_id', 'created_at']).execute();
}
