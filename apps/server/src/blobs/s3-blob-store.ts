import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../errors/app-error.js';
import { assertBlobKey, assertRange, shortRead, type BlobStore } from './blob-store.js';

export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Objects live under `<prefix>/<key>`; leading and trailing slashes are ignored, '' = the bucket's root. */
  readonly prefix?: string;
  /** MinIO, R2, s3rver...: `https://host:port`. Absent: AWS S3 of `region`. */
  readonly endpoint?: string;
  readonly region?: string;
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`. Default: true with an endpoint, false on AWS. */
  readonly forcePathStyle?: boolean;
  /** Absent: the SDK's default provider chain (environment, shared files, web identity, container and instance roles). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Longest wait for a TCP (and TLS) connection. */
  readonly connectionTimeoutMs?: number;
  /** Longest one attempt of a request may take, body included. */
  readonly requestTimeoutMs?: number;
  /** Attempts per operation, retries included (the SDK backs off between them, and retries only what is retryable). */
  readonly maxAttempts?: number;
  /** Longest a readiness check (all its attempts) may take. */
  readonly checkTimeoutMs?: number;
}

/**
 * Not a blob key (keys start with [a-z0-9]), so never one of ours: `check` reads it expecting none.
 * Under the prefix, so a policy limited to the prefix covers it.
 */
const PROBE_KEY = '.coverwatch-readyz';

/**
 * Blobs as objects of an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2...), under a key prefix.
 * A PUT replaces an object whole (readers see the old or the new bytes, never part), so `put` needs
 * no temporary object. Bodies are sent buffered with a length and a CRC32 checksum header (the SDK's
 * default): no `aws-chunked` streaming, which some S3-compatible servers refuse.
 *
 * Errors are CW_ERR_STORAGE_UNAVAILABLE naming the operation, bucket and object key, the S3 error
 * code and HTTP status; never credentials (the SDK's error, which can carry the access key id in
 * its fields, is not attached).
 */
export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly secrets: readonly string[];
  private readonly checkTimeoutMs: number;

  constructor(options: S3BlobStoreOptions) {
    this.bucket = options.bucket;
    this.prefix = normalizePrefix(options.prefix ?? '');
    this.checkTimeoutMs = options.checkTimeoutMs ?? 10_000;
    this.secrets = options.credentials ? [options.credentials.secretAccessKey, options.credentials.accessKeyId].filter((s) => s.length >= 4) : [];
    this.client = new S3Client({
      region: options.region ?? 'us-east-1',
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      // Absent, the SDK resolves credentials itself (IAM roles...). No logger: the SDK logs nothing.
      ...(options.credentials ? { credentials: { accessKeyId: options.credentials.accessKeyId, secretAccessKey: options.credentials.secretAccessKey } } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: options.connectionTimeoutMs ?? 5_000,
        requestTimeout: options.requestTimeoutMs ?? 120_000,
        throwOnRequestTimeout: true,
      },
    });
  }

  /** The object key of a blob key. */
  objectKey(key: string): string {
    assertBlobKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, ContentLength: bytes.byteLength, ContentType: 'application/octet-stream' }));
    } catch (e) {
      throw this.failure('put', Key, e);
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const Key = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      if (out.Body === undefined) return new Uint8Array(0);
      return await out.Body.transformToByteArray();
    } catch (e) {
      if (isMissingObject(e)) return null;
      throw this.failure('get', Key, e);
    }
  }

  async getRange(key: string, offset: number, length: number): Promise<Uint8Array | null> {
    assertRange(key, offset, length);
    const Key = this.objectKey(key);
    let bytes: Uint8Array;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=${offset}-${offset + length - 1}` }));
      bytes = out.Body === undefined ? new Uint8Array(0) : await out.Body.transformToByteArray();
    } catch (e) {
      if (isMissingObject(e)) return null;
      // 416: the range starts past the end of the object.
      if (statusOf(e) === 416) throw shortRead(Key, offset, length, 0);
      throw this.failure('get', Key, e);
    }
    // A server that ignores Range answers 200 with the whole object.
    if (bytes.byteLength > length) bytes = bytes.subarray(offset, offset + length);
    if (bytes.byteLength !== length) throw shortRead(Key, offset, length, bytes.byteLength);
    return bytes;
  }

  async has(key: string): Promise<boolean> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return true;
    } catch (e) {
      // A HEAD answer has no body: a missing bucket is a 404 too, and shows at the next put.
      if (statusOf(e) === 404) return false;
      throw this.failure('has', Key, e);
    }
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (e) {
      // S3 answers 204 for a missing key; some compatible servers answer NoSuchKey.
      if (isMissingObject(e)) return;
      throw this.failure('delete', Key, e);
    }
  }

  /**
   * Reads a probe key under the prefix that never exists and expects NoSuchKey. One GET-class
   * request proves what a HeadBucket would not: the endpoint answers, the signature and credentials
   * are accepted, the bucket exists (NoSuchBucket is told apart, which a HEAD's empty 404 cannot), and
   * the policy allows reading under the prefix with s3:ListBucket (without it S3 answers 403 instead
   * of 404, and every `get` of a missing blob would fail). It writes nothing: load balancers call
   * /readyz every few seconds on every instance, and a put/get/delete probe would make three billed
   * requests, one a write, each time. Write permission shows at the first upload instead.
   */
  async check(): Promise<void> {
    const Key = this.prefix === '' ? PROBE_KEY : `${this.prefix}/${PROBE_KEY}`;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }), { abortSignal: AbortSignal.timeout(this.checkTimeoutMs) });
      await out.Body?.transformToByteArray();
    } catch (e) {
      if (isMissingObject(e)) return;
      throw this.failure('check', Key, e);
    }
  }

  /** Closes the client's connections. */
  close(): void {
    this.client.destroy();
  }

  private failure(op: string, objectKey: string, e: unknown): AppError {
    const err = (e ?? {}) as { name?: unknown; Code?: unknown; code?: unknown; message?: unknown };
    const code = typeof err.Code === 'string' ? err.Code : typeof err.name === 'string' && err.name !== 'Error' ? err.name : typeof err.code === 'string' ? err.code : 'Error';
    const status = statusOf(e);
    let message = typeof err.message === 'string' && err.message !== '' && err.message !== 'UnknownError' ? err.message : '';
    for (const s of this.secrets) message = message.split(s).join('***');
    if (message.length > 300) message = `${message.slice(0, 300)}…`;
    const detail = [code, status !== undefined ? `HTTP ${status}` : '', message].filter((s) => s !== '').join(', ');
    const hint = code === 'NoSuchBucket' ? ` (does bucket ${this.bucket} exist?)` : code === 'AccessDenied' || status === 403 ? ' (see docs/deploy.md for the permissions needed)' : '';
    return new AppError('CW_ERR_STORAGE_UNAVAILABLE', `S3 ${op} of s3://${this.bucket}/${objectKey} failed: ${detail}${hint}`);
  }
}

/** `a/b/` and `/a/b` are `a/b`; '' and '/' are no prefix. */
export function normalizePrefix(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

function statusOf(e: unknown): number | undefined {
  const status = (e as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** NoSuchKey, or a 404 that is not NoSuchBucket (some compatible servers give no code). */
function isMissingObject(e: unknown): boolean {
  const name = (e as { name?: unknown; Code?: unknown } | null)?.name;
  const code = (e as { Code?: unknown } | null)?.Code;
  if (name === 'NoSuchKey' || code === 'NoSuchKey') return true;
  return statusOf(e) === 404 && name !== 'NoSuchBucket' && code !== 'NoSuchBucket';
}
