import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { openMigratedDatabase, redactDatabaseUrl, redactSecrets } from './database.js';

describe('database selection and secrets', () => {
  it('redacts the password and the query string of a database URL', () => {
    expect(redactDatabaseUrl('postgres://cw:s3cr%40t@db.internal:5432/coverwatch?sslmode=require&password=x')).toBe('postgres://cw:***@db.internal:5432/coverwatch');
    expect(redactDatabaseUrl('postgres://db/cw')).toBe('postgres://db/cw');
    expect(redactDatabaseUrl('not a url')).toBe('(unparseable database URL)');
    expect(redactSecrets('failed for postgres://cw:s3cr%40t@db/cw (password s3cr@t)', 'postgres://cw:s3cr%40t@db/cw')).toBe('failed for postgres://cw:***@db/cw (password ***)');
  });

  it('refuses a URL that is not PostgreSQL', async () => {
    const e = await openMigratedDatabase({ dataDir: '/nonexistent', databaseUrl: 'mysql://root:hunter2@db/cw' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('CW_ERR_CONFIG_UNSUPPORTED');
    expect((e as AppError).message).not.toContain('hunter2');
  });

  it('reports an unreachable PostgreSQL as unavailable, without the password', async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const e = await openMigratedDatabase({ dataDir: '/nonexistent', databaseUrl: 'postgres://cw:hunter2@127.0.0.1:1/cw' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('CW_ERR_STORAGE_UNAVAILABLE');
    expect((e as AppError).message).toContain('postgres://cw:***@127.0.0.1:1/cw');
    expect((e as AppError).message).not.toContain('hunter2');
  });
});
