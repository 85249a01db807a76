import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPostgres, openSqlite, type Db } from '../src/db/database.js';

/**
 * PostgreSQL for tests: COVERWATCH_TEST_DATABASE_URL (.ci/run sets it). Without it the PostgreSQL
 * suites are skipped and say why; with it every suite works in schemas of its own, dropped after.
 */
export const TEST_DATABASE_URL: string | undefined = process.env.COVERWATCH_TEST_DATABASE_URL || undefined;

export const PG_SKIP_REASON = 'COVERWATCH_TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test; .ci/run sets it)';

/** Prints why a PostgreSQL suite is skipped; returns true when it is. */
export function skipWithoutPostgres(suite: string): boolean {
  if (TEST_DATABASE_URL !== undefined) return false;
  console.log(`skipped ${suite}: ${PG_SKIP_REASON}`);
  return true;
}

export interface PgTestSchema {
  /** A fresh schema name; pg-boss goes to `<schema>_pgboss` (the runtime's default), dropped with it. */
  readonly schema: string;
  /** The test URL with `search_path` set to the schema. */
  readonly url: string;
}

/**
 * Fresh schemas on the test database, each dropped by `dropAll`. Names are random hex behind a
 * fixed prefix, so quoting them as identifiers is safe (identifiers cannot be bound parameters).
 */
export class PgTestSchemas {
  private readonly created: string[] = [];

  async create(prefix = 'cw_test'): Promise<PgTestSchema> {
    const url = requireUrl();
    const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bad schema name ${schema}`);
    await withClient(url, (c) => c.query(`CREATE SCHEMA "${schema}"`));
    this.created.push(schema);
    const u = new URL(url);
    u.searchParams.set('options', `-c search_path=${schema}`);
    return { schema, url: u.toString() };
  }

  /** Drops every schema this instance created, and pg-boss's `<schema>_pgboss` beside each (the runtime's default for it). */
  async dropAll(): Promise<void> {
    if (this.created.length === 0) return;
    const url = requireUrl();
    await withClient(url, async (c) => {
      for (const s of this.created.splice(0)) {
        await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
        await c.query(`DROP SCHEMA IF EXISTS "${s}_pgboss" CASCADE`);
      }
    });
  }
}

function requireUrl(): string {
  if (TEST_DATABASE_URL === undefined) throw new Error(PG_SKIP_REASON);
  return TEST_DATABASE_URL;
}

async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await f(client);
  } finally {
    await client.end();
  }
}

/**
 * The storage backends a repository test runs on, for `describe.each`: SQLite in memory, and
 * PostgreSQL in a fresh schema of `schemas` when the test database is there (else a printed skip
 * naming `pgSuite`).
 */
export function storageBackends(schemas: PgTestSchemas, pgSuite: string): { backend: string; open: () => Promise<{ db: Db; schema: string | undefined }> }[] {
  const sqlite = { backend: 'SQLite', open: async () => ({ db: openSqlite(':memory:'), schema: undefined }) };
  if (skipWithoutPostgres(pgSuite)) return [sqlite];
  const postgres = {
    backend: 'PostgreSQL',
    open: async () => {
      const { url, schema } = await schemas.create();
      return { db: openPostgres(url, { max: 4 }), schema };
    },
  };
  return [sqlite, postgres];
}
