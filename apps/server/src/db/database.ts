import { mkdirSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { AppError } from '../errors/app-error.js';
import type { Database } from './database.schema.js';
import { migrationProvider } from './migrations/index.js';

export type Db = Kysely<Database>;

/**
 * Opens the database the configuration names. The embedded default is SQLite in `<dataDir>/coverwatch.db`,
 * in WAL mode so admin commands and readers work while a server writes; a busy timeout makes a second
 * writer wait instead of failing. PostgreSQL (COVERWATCH_DATABASE_URL) comes with a later step.
 */
export function openDatabase(options: { dataDir: string; databaseUrl?: string | undefined }): Db {
  if (options.databaseUrl !== undefined) {
    throw new AppError('CW_ERR_CONFIG_UNSUPPORTED', 'COVERWATCH_DATABASE_URL is not supported yet: this version runs on the embedded SQLite database only (unset it)');
  }
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

/** Applies pending migrations; returns the names applied. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
