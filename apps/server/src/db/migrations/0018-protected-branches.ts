import type { Kysely } from 'kysely';

/**
 * Each repository's protected branches (`protected_branches_json`: a JSON list of names and
 * patterns; null = the defaults of branches/protected-branches.ts). Uploads from forks never move
 * them, and a fork's upload naming one raises an alert.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('repositories').addColumn('protected_branches_json', 'text').execute();
}
