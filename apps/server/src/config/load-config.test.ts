import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { loadConfig, type ConfigInputs } from './load-config.js';

const files: Record<string, string> = {};
const inputs = (env: ConfigInputs['env'], flags: ConfigInputs['flags'] = {}): ConfigInputs => ({
  env,
  flags,
  cwd: '/srv',
  readFile: (f) => {
    if (!(f in files)) throw Object.assign(new Error(`ENOENT: no such file, open '${f}'`), { code: 'ENOENT' });
    return files[f]!;
  },
});

function problems(i: ConfigInputs): { path: string; message: string }[] {
  try {
    loadConfig(i);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('CW_ERR_CONFIG_INVALID');
    return [...(e as AppError).fields!];
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('has secure defaults: loopback, port 8080, ./.coverwatch', () => {
    const c = loadConfig(inputs({}));
    expect(c).toMatchObject({ port: 8080, host: '127.0.0.1', dataDir: path.resolve('/srv', '.coverwatch'), logLevel: 'info', worker: { inProcess: true, concurrency: 1 } });
    expect(c.databaseUrl).toBeUndefined();
    expect(c.upload.maxBodyBytes).toBe(64 * 1024 * 1024);
  });

  it('layers file < environment < flags', () => {
    files['/srv/cw.json'] = JSON.stringify({ port: 1000, host: '0.0.0.0', worker: { concurrency: 3 } });
    const c = loadConfig(inputs({ COVERWATCH_CONFIG: 'cw.json', COVERWATCH_PORT: '2000', COVERWATCH_DATA_DIR: '/data' }, { port: '3000' }));
    expect(c).toMatchObject({ port: 3000, host: '0.0.0.0', dataDir: '/data', worker: { concurrency: 3, maxAttempts: 5 } });
  });

  it('reads secrets from *_FILE', () => {
    files['/run/secrets/db'] = 'postgres://u:p@db/cw\n';
    expect(loadConfig(inputs({ COVERWATCH_DATABASE_URL_FILE: '/run/secrets/db' })).databaseUrl).toBe('postgres://u:p@db/cw');
  });

  it('reports every problem together, naming where each came from', () => {
    files['/srv/bad.json'] = JSON.stringify({ logLevel: 'loud', typo: 1 });
    expect(problems(inputs({ COVERWATCH_PORT: 'eighty', COVERWATCH_WORKER_CONCURRENCY: '0', COVERWATCH_WORKER_IN_PROCESS: 'maybe' }, { config: 'bad.json' }))).toEqual([
      { path: 'COVERWATCH_PORT', message: 'expected an integer' },
      { path: 'COVERWATCH_WORKER_IN_PROCESS', message: 'expected true or false' },
      { path: 'logLevel (COVERWATCH_LOG_LEVEL)', message: expect.stringContaining('Invalid option') },
      { path: 'worker.concurrency (COVERWATCH_WORKER_CONCURRENCY)', message: expect.stringContaining('>=1') },
      { path: '(root)', message: 'Unrecognized key: "typo"' },
    ]);
  });

  it('reports an unreadable config file and secret file without their contents', () => {
    const p = problems(inputs({ COVERWATCH_DATABASE_URL_FILE: '/nope' }, { config: 'missing.json' }));
    expect(p.map((x) => x.path)).toEqual(['config file missing.json', 'COVERWATCH_DATABASE_URL_FILE']);
  });

  it('returns a deeply frozen object', () => {
    const c = loadConfig(inputs({}));
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.worker)).toBe(true);
  });
});
