import { describe, expect, it } from 'vitest';
import { loadConfig } from './config/load-config.js';
import { AppError } from './errors/app-error.js';
import { openRuntime, queueDriver } from './runtime.js';

const config = (env: Record<string, string>) =>
  loadConfig({
    env,
    cwd: '/srv',
    readFile: () => {
      throw new Error('no files');
    },
  });

describe('queue driver', () => {
  it('defaults to the db queue on SQLite and pg-boss on PostgreSQL; either can be named', () => {
    expect(queueDriver(config({}))).toBe('db');
    expect(queueDriver(config({ COVERWATCH_DATABASE_URL: 'postgres://db/cw' }))).toBe('pg-boss');
    expect(queueDriver(config({ COVERWATCH_DATABASE_URL: 'postgres://db/cw', COVERWATCH_QUEUE_DRIVER: 'db' }))).toBe('db');
    expect(config({}).queue.pgBossSchema).toBeUndefined();
  });

  it('refuses an unknown driver or schema name, and pg-boss without PostgreSQL', async () => {
    expect(() => config({ COVERWATCH_QUEUE_DRIVER: 'redis', COVERWATCH_QUEUE_PG_BOSS_SCHEMA: 'x;drop' })).toThrow(/queue\.driver[\s\S]*queue\.pgBossSchema/);
    const e = await openRuntime(config({ COVERWATCH_QUEUE_DRIVER: 'pg-boss' })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('CW_ERR_CONFIG_UNSUPPORTED');
  });
});
