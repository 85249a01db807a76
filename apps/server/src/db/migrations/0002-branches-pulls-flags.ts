import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';

/**
 * Branches (head), pull requests, and per-flag commit reports (for flag filters and per-flag
 * trends), plus the indexes the read API lists by. Portable types only, as in 0001.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('branches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('head_commit_id', 'text', (c) => c.notNull().references('commits.id'))
    .addColumn('head_sha', 'text', (c) => c.notNull())
    /** `created_at` of the head commit: a head only moves to a commit first seen later. */
    .addColumn('head_time', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('branches_repository_name', ['repository_id', 'name'])
    .execute();
  await db.schema
    .createTable('pull_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('head_branch', 'text')
    .addColumn('base_branch', 'text')
    .addColumn('base_sha', 'text')
    .addColumn('head_sha', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('pull_requests_repository_number', ['repository_id', 'number'])
    .execute();
  await db.schema
    .createTable('commit_flag_reports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('commit_id', 'text', (c) => c.notNull().references('commits.id'))
    .addColumn('flag', 'text', (c) => c.notNull())
    .addColumn('totals_json', 'text', (c) => c.notNull())
    .addColumn('manifest_key', 'text', (c) => c.notNull())
    .addColumn('upload_count', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('commit_flag_reports_commit_flag', ['commit_id', 'flag'])
    .execute();
  await backfill(db as unknown as Kysely<BackfillTables>);
  await db.schema.createIndex('commits_repository_created').on('commits').columns(['repository_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('commits_repository_branch_created').on('commits').columns(['repository_id', 'branch', 'created_at', 'id']).execute();
}

/** The tables the backfill touches, as they are at this migration (not as the app's schema may evolve). */
interface BackfillTables {
  commits: { id: string; repository_id: string; sha: string; branch: string | null; pr_number: number | null; totals_json: string | null; created_at: string; updated_at: string };
  branches: { id: string; repository_id: string; name: string; head_commit_id: string; head_sha: string; head_time: string; created_at: string; updated_at: string };
  pull_requests: {
    id: string;
    repository_id: string;
    number: number;
    head_branch: string | null;
    base_branch: string | null;
    base_sha: string | null;
    head_sha: string;
    created_at: string;
    updated_at: string;
  };
}

/**
 * Branch heads and pull requests of commits received before this migration, by the rules the
 * server applies from now on: a branch's head is its newest processed commit (first seen latest,
 * ties by sha); a pull request takes the latest commit that named it (base branch and sha were not
 * stored before, so they stay null until the next upload). Per-flag reports need the blobs: they
 * appear when a commit is next processed.
 */
async function backfill(db: Kysely<BackfillTables>): Promise<void> {
  const rows = await db
    .selectFrom('commits')
    .select(['id', 'repository_id', 'sha', 'branch', 'pr_number', 'totals_json', 'created_at', 'updated_at'])
    .orderBy('created_at')
    .orderBy('sha')
    .execute();
  const heads = new Map<string, (typeof rows)[number]>();
  const pulls = new Map<string, (typeof rows)[number]>();
  for (const r of rows) {
    // Oldest first, so the last one seen per key is the newest.
    if (r.branch !== null && r.totals_json !== null) heads.set(JSON.stringify([r.repository_id, r.branch]), r);
    if (r.pr_number !== null) pulls.set(JSON.stringify([r.repository_id, r.pr_number]), r);
  }
  const now = new Date().toISOString();
  for (const r of heads.values()) {
    await db
      .insertInto('branches')
      .values({ id: randomUUID(), repository_id: r.repository_id, name: r.branch!, head_commit_id: r.id, head_sha: r.sha, head_time: r.created_at, created_at: now, updated_at: now })
      .execute();
  }
  for (const r of pulls.values()) {
    await db
      .insertInto('pull_requests')
      .values({
        id: randomUUID(),
        repository_id: r.repository_id,
        number: r.pr_number!,
        head_branch: r.branch,
        base_branch: null,
        base_sha: null,
        head_sha: r.sha,
        created_at: now,
        updated_at: r.updated_at,
      })
      .execute();
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('commits_repository_branch_created').execute();
  await db.schema.dropIndex('commits_repository_created').execute();
  for (const t of ['commit_flag_reports', 'pull_requests', 'branches']) await db.schema.dropTable(t).execute();
}
