import { afterAll, describe, expect, it } from 'vitest';
import { PgTestSchemas, skipWithoutPostgres, TEST_DATABASE_URL } from '../../test/pg-test-schema.js';
import { migrateToLatest, openPostgres, openSqlite, type Db } from './database.js';
import { MIGRATIONS } from './migrations/index.js';
import { repositoriesContract } from './repositories.contract.js';

repositoriesContract('SQLite', async () => {
  const db = openSqlite(':memory:');
  await migrateToLatest(db);
  return db;
});

const schemas = new PgTestSchemas();
const dbs: Db[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  await schemas.dropAll();
});

repositoriesContract(
  'PostgreSQL',
  async () => {
    const { url } = await schemas.create();
    const db = openPostgres(url, { max: 4 });
    dbs.push(db);
    await migrateToLatest(db);
    return db;
  },
  { skip: skipWithoutPostgres('repositories contract: PostgreSQL') },
);

describe.skipIf(TEST_DATABASE_URL === undefined)('migrations on PostgreSQL', () => {
  it('run once when processes start together on an empty schema', async () => {
    const { url } = await schemas.create();
    const a = openPostgres(url, { max: 2 });
    const b = openPostgres(url, { max: 2 });
    dbs.push(a, b);
    const [x, y] = await Promise.all([migrateToLatest(a), migrateToLatest(b)]);
    expect([...x, ...y].sort()).toEqual(Object.keys(MIGRATIONS).sort());
    expect(await migrateToLatest(a)).toEqual([]);
  });
});
