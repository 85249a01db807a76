import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { envelope, gz, LCOV, startTestServer, uploadHeaders, waitForUpload } from '../../test/test-server.js';
import { AppError } from '../errors/app-error.js';
import { blobStoreContract } from './blob-store.contract.js';
import { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js';

/** The part of s3rver (an S3-compatible server on the filesystem; a devDependency without types) these tests use. */
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  store: S3rverFilesystemStore;
}
interface S3rverObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: unknown;
}
interface S3rverFilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>;
}
type S3rverConstructor = new (options: { address: string; port: number; silent: boolean; directory: string; resetOnClose?: boolean }) => S3rverInstance;

/** s3rver's built-in credentials: it checks SigV4 signatures against them. */
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';
const BUCKET = 'coverwatch-test';

interface LocalS3 {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * S3 replaces an object whole on PUT; s3rver 3 writes the object file in place (and answers before
 * the write has finished), so concurrent PUTs of one key can leave a mix of both bodies (about 1 in
 * 20 rounds of the contract's concurrent-writers test). This gives it S3's behaviour: write a
 * temporary file, wait for it, rename it over the object (listings ignore the temporary name).
 */
function makeObjectWritesAtomic(store: S3rverFilesystemStore): void {
  store.putObject = async (object) => {
    const target = store.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${randomBytes(8).toString('hex')}`;
    const md5 = createHash('md5');
    let size = 0;
    const count = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content, count, createWriteStream(tmp));
      await rename(tmp, target);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    const digest = md5.digest('hex');
    await store.putMetadata(object.bucket, object.key, object.metadata, digest);
    return { size, md5: digest };
  };
}

/** s3rver on 127.0.0.1 (any free port) over a temp directory, with BUCKET created through the S3 API. */
async function startLocalS3(): Promise<LocalS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
  makeObjectWritesAtomic(server.store);
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const admin = adminClient(endpoint);
  try {
    await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
  } finally {
    admin.destroy();
  }
  let stopped = false;
  return {
    endpoint,
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function adminClient(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY } });
}

async function listKeys(endpoint: string, prefix: string): Promise<string[]> {
  const client = adminClient(endpoint);
  try {
    const out = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return (out.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    client.destroy();
  }
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

let local: LocalS3 | undefined;
let skipReason: string | undefined;
try {
  local = await startLocalS3();
} catch (e) {
  skipReason = `the local S3-compatible server (s3rver) could not start: ${(e as Error).message}`;
  console.log(`skipped S3 blob store suites: ${skipReason}`);
}

const stores: S3BlobStore[] = [];
afterAll(async () => {
  for (const s of stores.splice(0)) s.close();
  await local?.stop();
});

/** A store on the local server under a fresh prefix, so tests never see each other's objects. */
function makeStore(options: Partial<S3BlobStoreOptions> = {}): S3BlobStore {
  const store = new S3BlobStore({
    bucket: BUCKET,
    prefix: `t-${randomBytes(6).toString('hex')}`,
    endpoint: local!.endpoint,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
    ...options,
  });
  stores.push(store);
  return store;
}

if (local !== undefined) blobStoreContract('S3 (s3rver)', async () => makeStore());

describe.skipIf(local === undefined)('S3BlobStore', () => {
  it('stores blob keys under the normalised prefix, or at the root without one', async () => {
    const prefixed = makeStore({ prefix: '/team-a/coverage/' });
    expect(prefixed.prefix).toBe('team-a/coverage');
    await prefixed.put('raw/ab/one', new Uint8Array([1]));
    expect(await listKeys(local!.endpoint, 'team-a/')).toEqual(['team-a/coverage/raw/ab/one']);
    const root = makeStore({ prefix: '' });
    expect(root.objectKey('raw/ab/one')).toBe('raw/ab/one');
    expect([...(await root.get('team-a/coverage/raw/ab/one'))!]).toEqual([1]);
    expect(() => prefixed.objectKey('../raw')).toThrow(/invalid blob key/);
  });

  it('round-trips binary bodies of every byte value, and empty ones', async () => {
    const store = makeStore();
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 31) % 256);
    await store.put('raw/ab/bin', bytes);
    const got = await store.get('raw/ab/bin');
    expect(got).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(got!).equals(Buffer.from(bytes))).toBe(true);
    await store.put('raw/ab/empty', new Uint8Array(0));
    expect((await store.get('raw/ab/empty'))!.length).toBe(0);
    expect(await store.has('raw/ab/empty')).toBe(true);
  });

  it('tells a missing key (null) from a missing bucket (an error naming bucket and key)', async () => {
    const store = makeStore({ bucket: 'no-such-bucket', prefix: 'p' });
    const e = await store.get('raw/ab/x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
    expect((e as AppError).code).toBe('CW_ERR_STORAGE_UNAVAILABLE');
    expect((e as Error).message).toContain('s3://no-such-bucket/p/raw/ab/x');
    expect((e as Error).message).toContain('NoSuchBucket');
    await expect(store.put('raw/ab/x', new Uint8Array([1]))).rejects.toThrow(/S3 put of s3:\/\/no-such-bucket\/p\/raw\/ab\/x failed: NoSuchBucket/);
    await expect(store.check()).rejects.toThrow(/S3 check of s3:\/\/no-such-bucket\/p\/\.coverwatch-readyz failed: NoSuchBucket/);
  });

  it('check() passes on a reachable bucket without writing anything', async () => {
    const store = makeStore();
    await store.check();
    expect(await listKeys(local!.endpoint, store.prefix)).toEqual([]);
  });

  it('never puts credentials in error messages', async () => {
    const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY';
    const accessKeyId = 'AKIAIOSFODNN7EXAMPLE';
    // s3rver checks the access key id only (it does not verify SigV4 signatures), so a wrong secret
    // is played by a server that answers SignatureDoesNotMatch and, worse than S3, echoes the
    // credentials in its message and fields.
    const echo = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code><Message>signed with ${accessKeyId} and ${secretAccessKey}</Message>` +
          `<AWSAccessKeyId>${accessKeyId}</AWSAccessKeyId><StringToSign>${secretAccessKey}</StringToSign></Error>`,
      );
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const cases = [
        makeStore({ credentials: { accessKeyId, secretAccessKey } }),
        makeStore({ credentials: { accessKeyId, secretAccessKey }, endpoint: `http://127.0.0.1:${(echo.address() as { port: number }).port}`, maxAttempts: 1 }),
      ];
      const errors: unknown[] = [];
      for (const store of cases) {
        errors.push(await store.put('raw/ab/x', new Uint8Array([1])).catch((x: unknown) => x));
        errors.push(await store.get('raw/ab/x').catch((x: unknown) => x));
        errors.push(await store.check().catch((x: unknown) => x));
      }
      for (const e of errors) {
        expect(e).toBeInstanceOf(AppError);
        const all = `${(e as Error).message}\n${(e as Error).stack}\n${JSON.stringify(e)}\n${String((e as Error).cause)}`;
        expect(all).toMatch(/s3:\/\/coverwatch-test\/t-[0-9a-f]+\//);
        expect(all).not.toContain(secretAccessKey);
        expect(all).not.toContain(accessKeyId);
      }
      expect((errors[0] as Error).message).toMatch(/InvalidAccessKeyId, HTTP 403/);
      expect((errors[3] as Error).message).toMatch(/SignatureDoesNotMatch, HTTP 403, signed with \*\*\* and \*\*\*/);
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it('fails fast and plainly when nothing listens at the endpoint', async () => {
    const store = makeStore({ endpoint: `http://127.0.0.1:${await closedPort()}`, maxAttempts: 2, checkTimeoutMs: 5000 });
    const started = Date.now();
    await expect(store.check()).rejects.toThrow(/S3 check of s3:\/\/coverwatch-test\/t-[0-9a-f]+\/\.coverwatch-readyz failed: .*ECONNREFUSED/);
    await expect(store.get('raw/ab/x')).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe.skipIf(local === undefined)('the server with blobs.driver s3', () => {
  it('stores an upload and its reports under the prefix, and /readyz follows the bucket', async () => {
    // A server of its own: this test stops it.
    const own = await startLocalS3();
    const prefix = `srv-${randomBytes(4).toString('hex')}`;
    const s = await startTestServer({
      worker: true,
      env: {
        COVERWATCH_BLOBS_DRIVER: 's3',
        COVERWATCH_S3_BUCKET: BUCKET,
        COVERWATCH_S3_PREFIX: `${prefix}/`,
        COVERWATCH_S3_ENDPOINT: own.endpoint,
        COVERWATCH_S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
        COVERWATCH_S3_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      },
    });
    try {
      expect(s.runtime.blobs).toBeInstanceOf(S3BlobStore);
      expect((await s.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
      const r = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope(LCOV)) });
      expect(r.statusCode).toBe(202);
      const done = await waitForUpload(s.app, s.uploadToken, (r.json() as { id: string }).id);
      expect(done).toMatchObject({ state: 'processed', totals: { lines: 3, hits: 1, misses: 1, partials: 1 } });
      const keys = await listKeys(own.endpoint, '');
      const ours = keys.filter((k) => k.startsWith(`${prefix}/`));
      expect(ours).toEqual(keys);
      for (const kind of ['raw', 'manifests', 'packs']) expect(ours.some((k) => k.startsWith(`${prefix}/${kind}/`))).toBe(true);
      expect(existsSync(path.join(s.config.dataDir, 'blobs'))).toBe(false);
      const files = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${'a'.repeat(40)}/files/src/a.c`, headers: { authorization: `Bearer ${s.readToken}` } });
      expect(files.statusCode).toBe(200);
      expect((files.json() as { lines: unknown[] }).lines).toHaveLength(3);

      await own.stop();
      const notReady = await s.app.inject({ method: 'GET', url: '/readyz' });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toMatchObject({ error: { code: 'CW_ERR_STORAGE_UNAVAILABLE', message: expect.stringContaining('blobs') } });
    } finally {
      await s.close();
      await own.stop();
    }
  });
});

if (skipReason !== undefined) {
  describe.skip(`S3 blob store (${skipReason})`, () => {
    it('runs against s3rver', () => {});
  });
}
