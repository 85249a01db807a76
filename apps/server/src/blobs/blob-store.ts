import { createHash } from 'node:crypto';

/**
 * Where large immutable bytes live: raw uploads, packs of per-file coverage, manifests.
 * Implementations: the filesystem (fs-blob-store.ts) and S3-compatible storage; both must pass
 * blob-store.contract.ts. Keys are opaque to callers except for their prefix (`raw/`, `packs/`, `manifests/`).
 */
export interface BlobStore {
  /** Stores `bytes` under `key`; writing a key that exists replaces it atomically (readers see old or new, never half). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes under `key`, or null when there are none. */
  get(key: string): Promise<Uint8Array | null>;
  /**
   * `length` bytes from `offset` of the blob under `key`, or null when there is no such blob. Fewer
   * bytes than asked is an error (the caller's index points past the blob): packs of small files are
   * read this way, one file at a time.
   */
  getRange(key: string, offset: number, length: number): Promise<Uint8Array | null>;
  has(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Throws when the store cannot be used (for /readyz). */
  check(): Promise<void>;
}

/** Keys are lower-case path segments: no `..`, no leading `/`, nothing a filesystem or S3 would read differently. */
export const BLOB_KEY_PATTERN = /^[a-z0-9][a-z0-9_-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/;

export function assertBlobKey(key: string): void {
  if (key.length > 512 || !BLOB_KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
}

/** The content-addressed key of `bytes` under `prefix`: equal content is stored once. */
export function contentKey(prefix: string, bytes: Uint8Array): string {
  const hash = createHash('sha256').update(bytes).digest('hex');
  return `${prefix}/${hash.slice(0, 2)}/${hash}`;
}

/** Stores `bytes` content-addressed (skipping the write when they are already there) and returns the key. */
export async function putContent(store: BlobStore, prefix: string, bytes: Uint8Array): Promise<string> {
  const key = contentKey(prefix, bytes);
  if (!(await store.has(key))) await store.put(key, bytes);
  return key;
}

export function assertRange(key: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 1) throw new Error(`invalid range ${offset}+${length} of blob ${key}`);
}

/** The error of a range read that ended early: the index that pointed there is wrong or the blob is damaged. */
export function shortRead(key: string, offset: number, length: number, got: number): Error {
  return new Error(`blob ${key} holds ${got} of the ${length} bytes asked at offset ${offset}`);
}
