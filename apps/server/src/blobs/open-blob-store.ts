import path from 'node:path';
import type { Config } from '../config/config.schema.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { normalizePrefix, S3BlobStore } from './s3-blob-store.js';

export interface OpenedBlobStore {
  readonly blobs: BlobStore;
  /** Releases connections (the S3 client's); the store is unusable after. */
  close(): void;
}

/** The blob store `blobs.driver` names: files under `<dataDir>/blobs` (default), or an S3-compatible bucket. */
export function openBlobStore(config: Config): OpenedBlobStore {
  if (config.blobs.driver === 's3') {
    const s3 = config.blobs.s3;
    // The schema refuses driver s3 without a bucket; this guards callers that built a Config by hand.
    if (s3.bucket === undefined) throw new Error('blobs.driver s3 needs blobs.s3.bucket (COVERWATCH_S3_BUCKET)');
    const store = new S3BlobStore({
      bucket: s3.bucket,
      prefix: s3.prefix,
      endpoint: s3.endpoint,
      region: s3.region,
      forcePathStyle: s3.forcePathStyle,
      credentials: s3.accessKeyId !== undefined && s3.secretAccessKey !== undefined ? { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } : undefined,
    });
    return { blobs: store, close: () => store.close() };
  }
  return { blobs: new FsBlobStore(path.join(config.dataDir, 'blobs')), close: () => {} };
}

/** Where blobs go, for banners and logs: a directory, or `s3://bucket/prefix` (and the endpoint when not AWS). Never credentials. */
export function describeBlobStore(config: Config): string {
  if (config.blobs.driver !== 's3') return path.join(config.dataDir, 'blobs');
  const s3 = config.blobs.s3;
  const prefix = normalizePrefix(s3.prefix);
  const at = s3.endpoint !== undefined ? ` at ${s3.endpoint}` : ` (AWS ${s3.region})`;
  return `s3://${s3.bucket ?? '?'}${prefix === '' ? '' : `/${prefix}`}${at}`;
}
