import { afterAll } from 'vitest';
import { PgTestSchemas, skipWithoutPostgres } from '../../test/pg-test-schema.js';
import { migrateToLatest, openPostgres, openSqlite, type Db } from '../db/database.js';
import { DbJobQueue } from './db-job-queue.js';
import { jobQueueContract } from './job-queue.contract.js';

let sqlite: Db;
jobQueueContract(
  'database (SQLite)',
  async () => {
    sqlite = openSqlite(':memory:');
    await migrateToLatest(sqlite);
    return new DbJobQueue(sqlite);
  },
  { db: () => sqlite },
);

const schemas = new PgTestSchemas();
const dbs: Db[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  await schemas.dropAll();
});

jobQueueContract(
  'database (PostgreSQL)',
  async () => {
    const { url } = await schemas.create();
    const db = openPostgres(url, { max: 4 });
    dbs.push(db);
    await migrateToLatest(db);
    return new DbJobQueue(db);
  },
  { skip: skipWithoutPostgres('JobQueue contract: database (PostgreSQL)'), db: () => dbs[dbs.length - 1]! },
);
