import type { Kysely } from 'kysely';

/**
 * The merge-base of a pull request's head and base, as the uploader computed it with git: the
 * commit patch coverage compares against. The base branch's head (`base_sha`) moves on after the
 * PR branched; comparing against it is how coverage tools report the wrong base.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('pull_requests').addColumn('merge_base_sha', 'text').execute();
}
