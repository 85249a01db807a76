import type { Kysely } from 'kysely';

/**
 * The first schema. Only types both SQLite and PostgreSQL accept with the same meaning: text,
 * integer, bigint. Foreign keys are declared (SQLite enforces them with `foreign_keys = ON`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('repositories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('default_branch', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('repositories_org_name', ['org_id', 'name'])
    .execute();
  await db.schema
    .createTable('tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema
    .createTable('commits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    .addColumn('sha', 'text', (c) => c.notNull())
    .addColumn('branch', 'text')
    .addColumn('parents_json', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer')
    .addColumn('totals_json', 'text')
    .addColumn('manifest_key', 'text')
    .addColumn('upload_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('report_version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('commits_repository_sha', ['repository_id', 'sha'])
    .execute();
  await db.schema
    .createTable('uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('repository_id', 'text', (c) => c.notNull().references('repositories.id'))
    .addColumn('commit_id', 'text', (c) => c.notNull().references('commits.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('job_identity', 'text')
    .addColumn('flags_json', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('ci_provider', 'text')
    .addColumn('build_id', 'text')
    .addColumn('build_url', 'text')
    .addColumn('job_id', 'text')
    .addColumn('idempotency_key', 'text')
    .addColumn('body_sha256', 'text', (c) => c.notNull())
    .addColumn('raw_blob_key', 'text', (c) => c.notNull())
    .addColumn('raw_bytes', 'bigint', (c) => c.notNull())
    .addColumn('decompressed_bytes', 'bigint', (c) => c.notNull())
    .addColumn('report_blob_key', 'text')
    .addColumn('totals_json', 'text')
    .addColumn('diagnostics_json', 'text')
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('processing_started_at', 'text')
    .addColumn('finished_at', 'text')
    // NULL keys never collide (both databases), so uploads without a key are unconstrained.
    .addUniqueConstraint('uploads_repository_idempotency', ['repository_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('uploads_commit').on('uploads').columns(['commit_id', 'created_at']).execute();
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('queue', 'text', (c) => c.notNull())
    .addColumn('payload_json', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('run_after', 'text', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['queue', 'state', 'run_after']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['jobs', 'uploads', 'commits', 'tokens', 'repositories', 'organizations']) await db.schema.dropTable(t).execute();
}
