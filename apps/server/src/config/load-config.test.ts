import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.js';
import { CONFIG_SOURCES } from './config.schema.js';
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

describe('OIDC settings', () => {
  it('are off by default: no publicUrl, no issuers, the maximum token age by issuer kind', () => {
    const c = loadConfig(inputs({}));
    expect(c.publicUrl).toBeUndefined();
    expect(c.oidc).toEqual({ issuers: [] });
  });

  it('read issuers from COVERWATCH_OIDC_ISSUERS as JSON, as kind=URL, or as the well-known URLs alone', () => {
    const json = JSON.stringify([{ issuer: 'https://ghes.example.com/_services/token', kind: 'github', jwksUri: 'https://ghes.example.com/_services/token/.well-known/jwks' }]);
    expect(loadConfig(inputs({ COVERWATCH_OIDC_ISSUERS: json })).oidc.issuers).toEqual(JSON.parse(json));
    const list = loadConfig(inputs({ COVERWATCH_OIDC_ISSUERS: 'https://token.actions.githubusercontent.com, https://gitlab.com ,gitlab=https://git.example.com', COVERWATCH_PUBLIC_URL: 'https://cov.example.com' }));
    expect(list.oidc.issuers).toEqual([
      { issuer: 'https://token.actions.githubusercontent.com', kind: 'github' },
      { issuer: 'https://gitlab.com', kind: 'gitlab' },
      { issuer: 'https://git.example.com', kind: 'gitlab' },
    ]);
    expect(list.publicUrl).toBe('https://cov.example.com');
    files['/srv/oidc.json'] = JSON.stringify({ publicUrl: 'https://cov.example.com/', oidc: { issuers: [{ issuer: 'https://gitlab.com', kind: 'gitlab' }], maxTokenAgeSeconds: 600 } });
    expect(loadConfig(inputs({ COVERWATCH_CONFIG: 'oidc.json' })).oidc).toEqual({ issuers: [{ issuer: 'https://gitlab.com', kind: 'gitlab' }], maxTokenAgeSeconds: 600 });
  });

  it('refuse plain http issuers except on loopback, unknown kinds, duplicates and URLs whose kind cannot be told', () => {
    expect(loadConfig(inputs({ COVERWATCH_OIDC_ISSUERS: 'github=http://127.0.0.1:8999' })).oidc.issuers).toEqual([{ issuer: 'http://127.0.0.1:8999', kind: 'github' }]);
    expect(problems(inputs({ COVERWATCH_OIDC_ISSUERS: 'github=http://issuer.example.com' }))).toEqual([
      { path: 'oidc.issuers.0.issuer (COVERWATCH_OIDC_ISSUERS)', message: expect.stringContaining('https://') },
    ]);
    expect(problems(inputs({ COVERWATCH_OIDC_ISSUERS: 'bitbucket=https://x.example.com' }))[0]!.path).toBe('oidc.issuers.0.kind (COVERWATCH_OIDC_ISSUERS)');
    expect(problems(inputs({ COVERWATCH_OIDC_ISSUERS: 'https://gitlab.com,gitlab=https://gitlab.com' }))[0]!.message).toBe('each issuer at most once');
    expect(problems(inputs({ COVERWATCH_OIDC_ISSUERS: 'https://git.example.com' }))).toEqual([
      { path: 'COVERWATCH_OIDC_ISSUERS', message: 'cannot tell the kind of https://git.example.com: write github=https://git.example.com or gitlab=https://git.example.com' },
    ]);
    expect(problems(inputs({ COVERWATCH_OIDC_ISSUERS: '[{' }))[0]!.path).toBe('COVERWATCH_OIDC_ISSUERS');
    expect(problems(inputs({ COVERWATCH_PUBLIC_URL: 'https://u:p@cov.example.com', COVERWATCH_OIDC_MAX_TOKEN_AGE_SECONDS: '86401' })).map((p) => p.path)).toEqual([
      'publicUrl (COVERWATCH_PUBLIC_URL)',
      'oidc.maxTokenAgeSeconds (COVERWATCH_OIDC_MAX_TOKEN_AGE_SECONDS)',
    ]);
  });
});

describe('docs/server.md', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/server.md', import.meta.url)), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Za-z0-9.]+)` \| `(COVERWATCH_[A-Z0-9_]+)`[^|]*\|\s*([^|]*?)\s*\|/gm)].map((m) => ({ setting: m[1], env: m[2], flag: m[3]!.trim() }));

  it('has one configuration row per setting, with its variable and flag', () => {
    expect(rows).toEqual(
      expect.arrayContaining(CONFIG_SOURCES.map((s) => ({ setting: s.path.join('.'), env: s.env, flag: s.flag === undefined ? '' : `\`--${s.flag}\`` }))),
    );
    expect(rows).toHaveLength(CONFIG_SOURCES.length);
  });
});

describe('production mode', () => {
  it('refuses every insecure setting at once, naming each, never echoing the database password', () => {
    const found = problems(
      inputs({
        COVERWATCH_MODE: 'production',
        COVERWATCH_PUBLIC_URL: 'http://cov.example.com',
        COVERWATCH_LOG_LEVEL: 'debug',
        COVERWATCH_DATABASE_URL: 'postgres://cw:s3cret-pw@db.internal:5432/cw',
        COVERWATCH_OIDC_ISSUERS: 'github=http://127.0.0.1:9999',
      }),
    );
    expect(found.map((p) => p.path)).toEqual([
      'publicUrl (COVERWATCH_PUBLIC_URL)',
      'oidc.issuers.0.issuer (COVERWATCH_OIDC_ISSUERS)',
      'logLevel (COVERWATCH_LOG_LEVEL)',
      'databaseUrl (COVERWATCH_DATABASE_URL)',
      'audit.signingKey (COVERWATCH_AUDIT_SIGNING_KEY)',
      'mfa.encryptionKey (COVERWATCH_MFA_ENCRYPTION_KEY)',
    ]);
    expect(found.every((p) => p.message.includes('production mode'))).toBe(true);
    expect(JSON.stringify(found)).not.toContain('s3cret-pw');
    expect(problems(inputs({ COVERWATCH_MODE: 'production' })).map((p) => p.path)).toEqual(['publicUrl (COVERWATCH_PUBLIC_URL)', 'audit.signingKey (COVERWATCH_AUDIT_SIGNING_KEY)', 'mfa.encryptionKey (COVERWATCH_MFA_ENCRYPTION_KEY)']);
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(problems(inputs({ COVERWATCH_MODE: 'production', COVERWATCH_PUBLIC_URL: 'https://cov.example.com', COVERWATCH_AUDIT_SIGNING_KEY: key, COVERWATCH_MFA_ENCRYPTION_KEY: 'ab'.repeat(32) })).map((p) => p.path)).toEqual([
      'audit.checkpointFile (COVERWATCH_AUDIT_CHECKPOINT_FILE)',
    ]);
    expect(problems(inputs({ COVERWATCH_MFA_ENCRYPTION_KEY: 'too short' })).map((p) => p.path)).toEqual(['mfa.encryptionKey (COVERWATCH_MFA_ENCRYPTION_KEY)']);
  });

  it('accepts a safe production configuration, and the same insecure one in development', () => {
    const safe = {
      COVERWATCH_MODE: 'production',
      COVERWATCH_PUBLIC_URL: 'https://cov.example.com',
      COVERWATCH_DATABASE_URL: 'postgres://cw:pw@db.internal/cw?sslmode=verify-full',
      COVERWATCH_AUDIT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      COVERWATCH_AUDIT_CHECKPOINT_FILE: '/var/log/coverwatch/checkpoints.jsonl',
      COVERWATCH_MFA_ENCRYPTION_KEY: 'ab'.repeat(32),
    };
    expect(loadConfig(inputs(safe)).mode).toBe('production');
    expect(loadConfig(inputs({ ...safe, COVERWATCH_DATABASE_URL: 'postgres://cw:pw@127.0.0.1/cw' })).mode).toBe('production');
    expect(loadConfig(inputs({ COVERWATCH_PUBLIC_URL: 'http://cov.example.com', COVERWATCH_LOG_LEVEL: 'debug' })).mode).toBe('development');
    expect(problems(inputs({ COVERWATCH_MODE: 'staging' }))[0]!.path).toBe('mode (COVERWATCH_MODE)');
  });
});
