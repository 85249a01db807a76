import { Migrator } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { PgTestSchemas, skipWithoutPostgres } from '../../../test/pg-test-schema.js';
import { migrateToLatest, openPostgres, openSqlite, type Db } from '../database.js';
import { migrationProvider } from './index.js';

const schemas = new PgTestSchemas();
const dbs: Db[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  await schemas.dropAll();
});

const BACKENDS = [
  { backend: 'SQLite', open: async () => ({ db: openSqlite(':memory:'), schema: undefined }) },
  ...(skipWithoutPostgres('migration 0002 on PostgreSQL')
    ? []
    : [
        {
          backend: 'PostgreSQL',
          open: async () => {
            const { url, schema } = await schemas.create();
            return { db: openPostgres(url, { max: 2 }), schema };
          },
        },
      ]),
];

describe.each(BACKENDS)('migration 0002 on $backend', ({ open }) => {
  it('backfills branch heads and pull requests from commits received before it', async () => {
    const { db, schema } = await open();
    dbs.push(db);
    // As migrateToLatest does: on PostgreSQL the bookkeeping tables live in the test's own schema.
    const migrator = new Migrator({ db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
    const first = await migrator.migrateTo('0001-initial');
    expect(first.error).toBeUndefined();
    await db.insertInto('organizations').values({ id: 'o', name: 'acme', created_at: 't' }).execute();
    await db.insertInto('repositories').values({ id: 'r', org_id: 'o', name: 'w', default_branch: null, created_at: 't' }).execute();
    const commit = (id: string, sha: string, branch: string | null, time: string, processed: boolean, pr: number | null = null) => ({
      id,
      repository_id: 'r',
      sha: sha.repeat(40),
      branch,
      parents_json: '[]',
      pr_number: pr,
      totals_json: processed ? '{}' : null,
      manifest_key: null,
      upload_count: 0,
      report_version: 0,
      created_at: time,
      updated_at: time,
    });
    await db
      .insertInto('commits')
      .values([
        commit('c1', '1', 'main', '2026-01-01T00:00:00.000Z', true),
        commit('c2', '2', 'main', '2026-01-02T00:00:00.000Z', true),
        // Newer but never processed: not a head.
        commit('c3', '3', 'main', '2026-01-03T00:00:00.000Z', false),
        commit('c4', '4', 'feature', '2026-01-02T00:00:00.000Z', true, 7),
        commit('c5', '5', null, '2026-01-04T00:00:00.000Z', true),
      ])
      .execute();
    await migrateToLatest(db);
    const branches = await db.selectFrom('branches').select(['name', 'head_commit_id', 'head_sha', 'head_time']).orderBy('name').execute();
    expect(branches).toEqual([
      { name: 'feature', head_commit_id: 'c4', head_sha: '4'.repeat(40), head_time: '2026-01-02T00:00:00.000Z' },
      { name: 'main', head_commit_id: 'c2', head_sha: '2'.repeat(40), head_time: '2026-01-02T00:00:00.000Z' },
    ]);
    const pulls = await db.selectFrom('pull_requests').select(['number', 'head_branch', 'base_branch', 'head_sha']).execute();
    expect(pulls).toEqual([{ number: 7, head_branch: 'feature', base_branch: null, head_sha: '4'.repeat(40) }]);
  });
});
