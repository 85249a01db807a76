import type { Kysely } from 'kysely';

/**
 * Raw-upload retention (`uploads.raw_deleted_at`: when the raw body was deleted; the row, its
 * report and the commit's coverage stay) and each repository's path rules (`fixes`, `ignore`),
 * applied when its uploads are processed.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('uploads').addColumn('raw_deleted_at', 'text').execute();
  await db.schema.createIndex('uploads_raw_retention').on('uploads').columns(['raw_deleted_at', 'finished_at']).execute();
  await db.schema.alterTable('repositories').addColumn('path_fixes_json', 'text').execute();
  await db.schema.alterTable('repositories').addColumn('path_ignore_json', 'text').execute();
}
