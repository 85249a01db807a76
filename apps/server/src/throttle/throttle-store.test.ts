import { afterAll, describe, expect, it } from 'vitest';
import { PgTestSchemas, skipWithoutPostgres } from '../../test/pg-test-schema.js';
import { SignInThrottle } from '../accounts/sign-in-throttle.js';
import { migrateToLatest, openPostgres, openSqlite, type Db } from '../db/database.js';
import { MfaThrottle } from '../mfa/mfa-throttle.js';
import { ThrottleStore } from './throttle-store.js';

const schemas = new PgTestSchemas();
const dbs: Db[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  await schemas.dropAll();
});

/** A migrated database and a way to open another connection pool to the same data (another server process). */
const BACKENDS = [
  {
    backend: 'SQLite',
    open: async () => {
      const db = openSqlite(':memory:');
      dbs.push(db);
      await migrateToLatest(db);
      return { db, another: () => db };
    },
  },
  ...(skipWithoutPostgres('throttle counters (migration 0013) on PostgreSQL')
    ? []
    : [
        {
          backend: 'PostgreSQL',
          open: async () => {
            const { url } = await schemas.create();
            const db = openPostgres(url, { max: 4 });
            dbs.push(db);
            await migrateToLatest(db);
            return {
              db,
              another: () => {
                const d = openPostgres(url, { max: 4 });
                dbs.push(d);
                return d;
              },
            };
          },
        },
      ]),
];

describe.each(BACKENDS)('throttling on $backend', ({ open }) => {
  it('sign-in: attempts are counted before the check; after 5 the waits double, per account and address; forgotten after an hour', async () => {
    const { db } = await open();
    let t = 1_000_000;
    const th = new SignInThrottle(new ThrottleStore(db), () => t);
    for (let i = 0; i < 6; i++) expect(await th.begin('a@x', '1.1.1.1')).toBe(0);
    // The sixth went ahead and made the next wait 1 s; a refused attempt is not counted.
    expect(await th.begin('a@x', '1.1.1.1')).toBe(1000);
    expect(await th.begin('a@x', '1.1.1.1')).toBe(1000);
    t += 1000;
    expect(await th.begin('a@x', '1.1.1.1')).toBe(0);
    expect(await th.begin('a@x', '1.1.1.1')).toBe(2000);
    expect(await th.begin('a@x', '2.2.2.2')).toBe(0);
    t += 3_600_001 + 2000;
    for (let i = 0; i < 6; i++) expect(await th.begin('a@x', '1.1.1.1')).toBe(0);
  });

  it('sign-in: a success starts the pair over; the account-wide rule spares an address the account signed in from, so an attacker elsewhere cannot lock the user out', async () => {
    const { db } = await open();
    const t = 5_000_000;
    const th = new SignInThrottle(new ThrottleStore(db), () => t);
    for (let i = 0; i < 4; i++) expect(await th.begin('victim@x', '10.0.0.1')).toBe(0);
    await th.succeeded('victim@x', '10.0.0.1');
    // 25 attempts from 25 addresses: under each address's and pair's limits, over the account's 20.
    for (let i = 0; i < 25; i++) await th.begin('victim@x', `203.0.113.${i}`);
    expect(await th.begin('victim@x', '198.51.100.1')).toBeGreaterThan(0);
    for (let i = 0; i < 6; i++) expect(await th.begin('victim@x', '10.0.0.1')).toBe(0);
  });

  it('of many attempts at once, over any number of processes, at most the free ones and one more are checked', async () => {
    const { db, another } = await open();
    const t = 9_000_000;
    const a = new MfaThrottle(new ThrottleStore(db), () => t);
    const b = new MfaThrottle(new ThrottleStore(another()), () => t);
    const waits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).begin('u1')));
    expect(waits.filter((w) => w === 0)).toHaveLength(6);
    expect(await a.wait('u1')).toBe(1000);
    expect(await b.wait('u1')).toBe(1000);
    expect(await a.wait('u2')).toBe(0);
    await a.succeeded('u1');
    expect(await b.begin('u1')).toBe(0);
  });

  it('stores hashes, not the emails and addresses it counts, and prunes what is long forgotten', async () => {
    const { db } = await open();
    const store = new ThrottleStore(db);
    const th = new SignInThrottle(store, () => 1_000);
    await th.begin('someone@example.com', '192.0.2.77');
    await th.succeeded('someone@example.com', '192.0.2.78');
    const rows = await db.selectFrom('throttle_counters').selectAll().execute();
    expect(rows.length).toBe(4);
    expect(JSON.stringify(rows)).not.toMatch(/someone|example\.com|192\.0\.2/);
    expect(await store.prune(1_000 + 2 * 24 * 60 * 60_000)).toBe(3);
    expect(await db.selectFrom('throttle_counters').select('kind').execute()).toEqual([{ kind: 'known' }]);
  });
});
