import { createRequire } from 'node:module';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { PgTestSchemas, skipWithoutPostgres, TEST_DATABASE_URL } from '../../test/pg-test-schema.js';
import { migrateToLatest, openPostgres, type Db } from '../db/database.js';
import { jobQueueContract } from './job-queue.contract.js';
import { PgBossJobQueue } from './pg-boss-job-queue.js';

const schemas = new PgTestSchemas();
const opened: { db: Db; queue: PgBossJobQueue }[] = [];
afterAll(async () => {
  for (const { db, queue } of opened.splice(0)) {
    await queue.close();
    await db.destroy();
  }
  await schemas.dropAll();
});

jobQueueContract(
  'pg-boss (PostgreSQL)',
  async () => {
    const { url, schema } = await schemas.create();
    const db = openPostgres(url, { max: 4 });
    await migrateToLatest(db);
    const queue = await PgBossJobQueue.start({ db, url, schema: `${schema}_pgboss` });
    opened.push({ db, queue });
    return queue;
  },
  { skip: skipWithoutPostgres('JobQueue contract: pg-boss (PostgreSQL)'), db: () => opened[opened.length - 1]!.db },
);

describe.skipIf(TEST_DATABASE_URL === undefined)('pg-boss queue specifics', () => {
  async function start() {
    const { url, schema } = await schemas.create();
    const db = openPostgres(url, { max: 4 });
    await migrateToLatest(db);
    const queue = await PgBossJobQueue.start({ db, url, schema: `${schema}_pgboss` });
    opened.push({ db, queue });
    return queue;
  }

  it('leaves pg-boss\'s own state right: completed, failed after the last attempt', async () => {
    const q = await start();
    const done = await q.enqueue('x', {}, { maxAttempts: 1 });
    expect(await q.jobState('x', done)).toBe('created');
    await q.claim('x', 'w', 60_000);
    expect(await q.jobState('x', done)).toBe('active');
    expect(await q.complete(done, 'w')).toBe(true);
    expect(await q.jobState('x', done)).toBe('completed');
    const bad = await q.enqueue('x', {}, { maxAttempts: 1 });
    await q.claim('x', 'w', 60_000);
    expect(await q.fail(bad, 'w', 'boom', 0)).toBe('failed');
    expect(await q.jobState('x', bad)).toBe('failed');
  });

  it('waits the retry delay the worker asks for', async () => {
    const q = await start();
    await q.enqueue('d', {}, { maxAttempts: 3 });
    const j = (await q.claim('d', 'w', 60_000))!;
    expect(await q.fail(j.id, 'w', 'boom', 300)).toBe('retry');
    expect(await q.claim('d', 'w', 60_000)).toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    expect(await q.claim('d', 'w', 60_000)).toMatchObject({ id: j.id, attempts: 2 });
  });

  it('a leased job pg-boss expired and archived (no worker for a day) is still handed out with its payload; one it deleted is dropped', async () => {
    const { url, schema } = await schemas.create();
    const db = openPostgres(url, { max: 4 });
    await migrateToLatest(db);
    const boss = `${schema}_pgboss`;
    const q = await PgBossJobQueue.start({ db, url, schema: boss });
    opened.push({ db, queue: q });
    // pg-boss's own maintenance statements, on jobs aged past its expiry (23 h) and 12 h more.
    const plans = createRequire(import.meta.url)('pg-boss/src/plans.js') as { failJobsByTimeout(s: string): string; archive(s: string, c: string, f: string): string };
    const expireAndArchive = async () => {
      await sql`UPDATE ${sql.id(boss, 'job')} SET started_on = started_on - interval '24 hours' WHERE state = 'active'`.execute(db);
      await sql.raw(plans.failJobsByTimeout(boss)).execute(db);
      await sql`UPDATE ${sql.id(boss, 'job')} SET completed_on = completed_on - interval '13 hours' WHERE state = 'failed'`.execute(db);
      await sql.raw(plans.archive(boss, '12 hours', '12 hours')).execute(db);
    };
    const kept = await q.enqueue('a', { n: 1 }, { maxAttempts: 3 });
    await q.claim('a', 'dead', 1);
    await expireAndArchive();
    expect(await q.jobState('a', kept)).toBeNull();
    expect(await q.claim('a', 'alive', 60_000)).toMatchObject({ id: kept, payload: { n: 1 }, attempts: 2 });
    expect(await q.complete(kept, 'alive')).toBe(true);

    const gone = await q.enqueue('a', { n: 2 }, { maxAttempts: 3 });
    await q.claim('a', 'dead', 1);
    await expireAndArchive();
    await sql`DELETE FROM ${sql.id(boss, 'archive')} WHERE id = ${gone}::uuid`.execute(db);
    expect(await q.claim('a', 'alive', 60_000)).toBeNull();
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(boss, 'coverwatch_lease')}`.execute(db)).rows[0]!.n).toBe(0);
  });

  it('two processes starting on one schema both come up', async () => {
    const { url, schema } = await schemas.create();
    const dbs = [openPostgres(url, { max: 2 }), openPostgres(url, { max: 2 })];
    await migrateToLatest(dbs[0]!);
    const queues = await Promise.all(dbs.map((db) => PgBossJobQueue.start({ db, url, schema: `${schema}_pgboss` })));
    queues.forEach((queue, i) => opened.push({ db: dbs[i]!, queue }));
    const id = await queues[0]!.enqueue('both', {}, { maxAttempts: 1 });
    expect(await queues[1]!.claim('both', 'w', 60_000)).toMatchObject({ id });
  });
});
