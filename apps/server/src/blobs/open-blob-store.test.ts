import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type ConfigInputs } from '../config/load-config.js';
import { AppError } from '../errors/app-error.js';
import { FsBlobStore } from './fs-blob-store.js';
import { describeBlobStore, openBlobStore } from './open-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
const files: Record<string, string> = { '/run/secrets/s3': `${SECRET}\n` };

function config(env: ConfigInputs['env']) {
  return loadConfig({
    env,
    cwd: '/srv',
    readFile: (f) => {
      if (!(f in files)) throw Object.assign(new Error(`ENOENT: no such file, open '${f}'`), { code: 'ENOENT' });
      return files[f]!;
    },
  });
}

function problems(env: ConfigInputs['env']): { path: string; message: string }[] {
  try {
    config(env);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return [...(e as AppError).fields!];
  }
  throw new Error('expected a configuration error');
}

describe('blobs configuration', () => {
  it('defaults to files under <dataDir>/blobs', () => {
    const c = config({});
    expect(c.blobs).toEqual({ driver: 'fs', s3: { prefix: '', region: 'us-east-1' } });
    const opened = openBlobStore(c);
    expect(opened.blobs).toBeInstanceOf(FsBlobStore);
    expect(describeBlobStore(c)).toBe(path.resolve('/srv', '.coverwatch', 'blobs'));
    opened.close();
  });

  it('reads every S3 setting from the environment, the secret also from a file', () => {
    const c = config({
      COVERWATCH_BLOBS_DRIVER: 's3',
      COVERWATCH_S3_BUCKET: 'cov-blobs',
      COVERWATCH_S3_PREFIX: '/prod/coverwatch/',
      COVERWATCH_S3_ENDPOINT: 'http://minio:9000',
      COVERWATCH_S3_REGION: 'eu-west-1',
      COVERWATCH_S3_FORCE_PATH_STYLE: 'false',
      COVERWATCH_S3_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      COVERWATCH_S3_SECRET_ACCESS_KEY_FILE: '/run/secrets/s3',
    });
    expect(c.blobs).toEqual({
      driver: 's3',
      s3: { bucket: 'cov-blobs', prefix: '/prod/coverwatch/', endpoint: 'http://minio:9000', region: 'eu-west-1', forcePathStyle: false, accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET },
    });
    const opened = openBlobStore(c);
    expect(opened.blobs).toBeInstanceOf(S3BlobStore);
    expect((opened.blobs as S3BlobStore).prefix).toBe('prod/coverwatch');
    expect((opened.blobs as S3BlobStore).objectKey('raw/ab/x')).toBe('prod/coverwatch/raw/ab/x');
    const where = describeBlobStore(c);
    expect(where).toBe('s3://cov-blobs/prod/coverwatch at http://minio:9000');
    expect(where).not.toContain(SECRET);
    opened.close();
  });

  it('takes the config file form, and no credentials (the SDK default chain)', () => {
    files['/srv/cw.json'] = JSON.stringify({ blobs: { driver: 's3', s3: { bucket: 'cov-blobs' } } });
    const c = config({ COVERWATCH_CONFIG: 'cw.json' });
    expect(c.blobs.s3).toEqual({ bucket: 'cov-blobs', prefix: '', region: 'us-east-1' });
    expect(describeBlobStore(c)).toBe('s3://cov-blobs (AWS us-east-1)');
    const opened = openBlobStore(c);
    expect((opened.blobs as S3BlobStore).objectKey('raw/ab/x')).toBe('raw/ab/x');
    opened.close();
  });

  it('needs a bucket with driver s3, naming COVERWATCH_S3_BUCKET', () => {
    expect(problems({ COVERWATCH_BLOBS_DRIVER: 's3' })).toEqual([
      { path: 'blobs.s3.bucket (COVERWATCH_S3_BUCKET)', message: expect.stringContaining('set COVERWATCH_S3_BUCKET') },
    ]);
    // Settings of an unused driver are still checked, but a bucket is only needed with s3.
    expect(config({ COVERWATCH_S3_PREFIX: 'x' }).blobs.driver).toBe('fs');
  });

  it('needs both halves of a key pair, or neither; never shows the secret', () => {
    expect(problems({ COVERWATCH_BLOBS_DRIVER: 's3', COVERWATCH_S3_BUCKET: 'cov-blobs', COVERWATCH_S3_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE' })).toEqual([
      { path: 'blobs.s3.secretAccessKey (COVERWATCH_S3_SECRET_ACCESS_KEY)', message: expect.stringContaining('set both') },
    ]);
    const p = problems({ COVERWATCH_BLOBS_DRIVER: 's3', COVERWATCH_S3_BUCKET: 'cov-blobs', COVERWATCH_S3_SECRET_ACCESS_KEY: SECRET });
    expect(p.map((x) => x.path)).toEqual(['blobs.s3.accessKeyId (COVERWATCH_S3_ACCESS_KEY_ID)']);
    expect(JSON.stringify(p)).not.toContain(SECRET);
    expect(problems({ COVERWATCH_S3_SECRET_ACCESS_KEY: SECRET, COVERWATCH_S3_SECRET_ACCESS_KEY_FILE: '/run/secrets/s3', COVERWATCH_S3_ACCESS_KEY_ID: 'a' })[0]).toEqual({
      path: 'COVERWATCH_S3_SECRET_ACCESS_KEY_FILE',
      message: 'set either COVERWATCH_S3_SECRET_ACCESS_KEY or COVERWATCH_S3_SECRET_ACCESS_KEY_FILE, not both',
    });
  });

  it('refuses an unknown driver, bad bucket names, escaping prefixes and endpoints carrying credentials', () => {
    expect(
      problems({
        COVERWATCH_BLOBS_DRIVER: 'gcs',
        COVERWATCH_S3_BUCKET: 'Bad_Bucket!',
        COVERWATCH_S3_PREFIX: 'a/../b',
        COVERWATCH_S3_ENDPOINT: 'https://key:secret@minio.example.com',
        COVERWATCH_S3_REGION: 'EU WEST',
        COVERWATCH_S3_FORCE_PATH_STYLE: 'yes',
      }).map((x) => x.path),
    ).toEqual([
      'COVERWATCH_S3_FORCE_PATH_STYLE',
      'blobs.driver (COVERWATCH_BLOBS_DRIVER)',
      'blobs.s3.bucket (COVERWATCH_S3_BUCKET)',
      'blobs.s3.prefix (COVERWATCH_S3_PREFIX)',
      'blobs.s3.endpoint (COVERWATCH_S3_ENDPOINT)',
      'blobs.s3.region (COVERWATCH_S3_REGION)',
    ]);
    for (const prefix of ['a//b', './a', '..', 'a b']) expect(problems({ COVERWATCH_S3_PREFIX: prefix })[0]!.path).toBe('blobs.s3.prefix (COVERWATCH_S3_PREFIX)');
    for (const prefix of ['', '/', 'a', 'a/b.c/d-e_f/', '/Team/2024']) expect(config({ COVERWATCH_S3_PREFIX: prefix }).blobs.driver).toBe('fs');
  });
});
