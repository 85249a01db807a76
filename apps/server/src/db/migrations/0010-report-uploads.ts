import type { Kysely } from 'kysely';

/**
 * Which uploads a commit's report merges (JSON array of upload ids, sorted). With it a new upload is
 * merged into the current report (only the files it touches are read and written) instead of the
 * report being rebuilt from every upload; a re-run job that replaces an included upload still
 * rebuilds. Null for reports written before: the next upload rebuilds them once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('commits').addColumn('report_upload_ids_json', 'text').execute();
}
