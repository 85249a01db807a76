import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { AppError } from '../errors/app-error.js';
import type { Database } from './database.schema.js';
import { migrationProvider } from './migrations/index.js';

export type Db = Kysely<Database>;

/**
 * Opens the database the configuration names: PostgreSQL when `databaseUrl` is set
 * (`postgres://` or `postgresql://`), otherwise the embedded SQLite in `<dataDir>/coverwatch.db`,
 * in WAL mode so admin commands and readers work while a server writes; a busy timeout makes a
 * second writer wait instead of failing.
 */
export function openDatabase(options: { dataDir: string; databaseUrl?: string | undefined }): Db {
  if (options.databaseUrl !== undefined) return openPostgres(options.databaseUrl);
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  return openSqlite(path.join(options.dataDir, 'coverwatch.db'));
}

/** SQLite at `file` (`:memory:` for tests). */
export function openSqlite(file: string): Db {
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  // WAL makes NORMAL durable across process crashes (only a power loss can drop the last commits).
  sqlite.pragma('synchronous = NORMAL');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/** True when `url` names PostgreSQL (the only server database supported). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL without its password (and without query parameters, which may carry one): safe for logs and errors. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    u.search = '';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

/** `text` with every occurrence of the URL (and of its password) replaced by the redacted form. */
export function redactSecrets(text: string, url: string): string {
  let out = text.split(url).join(redactDatabaseUrl(url));
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password.length >= 1) out = out.split(password).join('***');
  } catch {
    // not a URL: nothing more to hide
  }
  return out;
}

/**
 * Type parsers of our pool only (not pg's process-wide table): int8 (`bigint`, `count(*)`) is read as
 * a number, as SQLite gives it. Our int8 values (byte sizes, counts) stay far below 2^53; a larger one
 * throws rather than silently losing precision.
 */
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') {
      return (value: string) => {
        const n = Number(value);
        if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} is beyond 2^53`);
        return n;
      };
    }
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

/**
 * PostgreSQL through Kysely's dialect on a pg Pool. Connection parameters come from the URL
 * (`?options=-c search_path=...` selects a schema, as the tests do). Errors naming the URL are
 * redacted by the caller (see openRuntime).
 */
export function openPostgres(url: string, options: { max?: number } = {}): Db {
  if (!isPostgresUrl(url)) {
    throw new AppError('CW_ERR_CONFIG_UNSUPPORTED', `COVERWATCH_DATABASE_URL must start with postgres:// or postgresql:// (got ${redactDatabaseUrl(url)}); unset it for the embedded SQLite database`);
  }
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, types: pgTypes, application_name: 'coverwatch-server' });
  // An idle client that loses its connection emits on the pool; without a listener that would crash the process.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Which database `db` runs on. */
export function dialectOf(options: { databaseUrl?: string | undefined }): 'sqlite' | 'postgres' {
  return options.databaseUrl !== undefined ? 'postgres' : 'sqlite';
}

/**
 * Opens the configured database and applies pending migrations (what `serve`, `worker`, `admin` and
 * `migrate` do first). On PostgreSQL a failure is CW_ERR_STORAGE_UNAVAILABLE with the URL's password
 * redacted from the message.
 */
export async function openMigratedDatabase(options: { dataDir: string; databaseUrl?: string | undefined }): Promise<{ db: Db; applied: string[] }> {
  const db = openDatabase(options);
  try {
    return { db, applied: await migrateToLatest(db) };
  } catch (e) {
    await db.destroy().catch(() => undefined);
    throw storageError(e, options.databaseUrl);
  }
}

/** A database error as CW_ERR_STORAGE_UNAVAILABLE naming the redacted URL (unchanged on SQLite and for our own errors). */
export function storageError(e: unknown, databaseUrl: string | undefined): unknown {
  if (databaseUrl === undefined || e instanceof AppError) return e;
  const message = redactSecrets(e instanceof Error ? e.message || String((e as { code?: unknown }).code ?? e.name) : String(e), databaseUrl);
  return new AppError('CW_ERR_STORAGE_UNAVAILABLE', `PostgreSQL at ${redactDatabaseUrl(databaseUrl)}: ${message}`);
}

/** Applies pending migrations; returns the names applied. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  // On PostgreSQL the bookkeeping tables go into the current schema (the first of search_path) by
  // name: Kysely otherwise looks for them in every schema and finds another installation's.
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return runMigrator(db, undefined);
  // Processes starting together (serve and workers) take turns: Kysely creates its bookkeeping tables
  // with CREATE TABLE IF NOT EXISTS, which two sessions can race. A session-level advisory lock on one
  // connection, keyed by the schema, serialises whole migration runs.
  return db.connection().execute(async (conn) => {
    const schema = (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(conn)).rows[0]?.schema ?? 'public';
    const key = `coverwatch_migrations:${schema}`;
    await sql`SELECT pg_advisory_lock(hashtext(${key}))`.execute(conn);
    try {
      return await runMigrator(conn, schema);
    } finally {
      await sql`SELECT pg_advisory_unlock(hashtext(${key}))`.execute(conn);
    }
  });
}

async function runMigrator(db: Db, migrationTableSchema: string | undefined): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider, ...(migrationTableSchema !== undefined ? { migrationTableSchema } : {}) });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest().catch((e: unknown) => ({ error: e, results: undefined }));
    // Kysely looks for its bookkeeping tables by listing the tables of every schema; a schema
    // another installation drops during that scan fails it (3F000) though nothing of ours changed.
    // Migrations are transactional and idempotent to re-run, so trying again is safe.
    if (error !== undefined && (error as { code?: string }).code === '3F000' && attempt < 3) continue;
    if (error !== undefined) throw error;
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }
}
