import { migrateToLatest, openSqlite } from '../db/database.js';
import { DbJobQueue } from './db-job-queue.js';
import { jobQueueContract } from './job-queue.contract.js';

jobQueueContract('database (SQLite)', async () => {
  const db = openSqlite(':memory:');
  await migrateToLatest(db);
  return new DbJobQueue(db);
});
