import { gunzipSync, gzipSync } from 'node:zlib';
import type { Totals } from '@coverwatch/core';
import { contentKey, type BlobStore } from '../blobs/blob-store.js';
import { DirectoryIndex } from './directory-index.js';
import { applyDelta, encodeManifest, MAX_DELTA_DEPTH, snapshotFiles, type Manifest, type ManifestEntry, type StoredManifest } from './manifest.js';

/** A manifest read back, with what a delta needs of it and the tree index built on first use. */
export interface LoadedManifest extends Manifest {
  readonly key: string;
  readonly depth: number;
  /** Entries listed by its chain of deltas since the last snapshot (0 for a snapshot). */
  readonly chain: number;
  /** Directory totals and children, built once per manifest (tree pages read it). */
  directories(): DirectoryIndex;
  /** The entry of `path`, or null. */
  entry(path: string): ManifestEntry | null;
}

/** Entries kept parsed across cached manifests: ~300 bytes each, so about 150 MB at most. */
const CACHE_ENTRY_BUDGET = 500_000;
/** A stored manifest larger than this is not ours (10 million files would be ~3 GB of JSON). */
const MAX_MANIFEST_JSON_BYTES = 512 * 1024 * 1024;

/**
 * Manifests in the blob store, content-addressed under `manifests/`, as deltas of a base manifest
 * (see manifest.ts). Reads resolve the chain and keep the latest manifests parsed, least recently
 * used evicted first within an entry budget; manifests are immutable, so the cache is never stale.
 */
export class ManifestStore {
  private readonly cache = new Map<string, LoadedManifest>();
  private cachedEntries = 0;
  /** Reads in progress, so concurrent requests for one manifest resolve its chain once. */
  private readonly reading = new Map<string, Promise<LoadedManifest>>();

  constructor(private readonly blobs: BlobStore) {}

  async read(key: string): Promise<LoadedManifest> {
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    let pending = this.reading.get(key);
    if (pending === undefined) {
      pending = this.load(key).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  private async load(key: string): Promise<LoadedManifest> {
    const bytes = await this.blobs.get(key);
    if (bytes === null) throw new Error(`manifest ${key} is missing`);
    const stored = JSON.parse(gunzipSync(bytes, { maxOutputLength: MAX_MANIFEST_JSON_BYTES }).toString('utf8')) as StoredManifest;
    let files: ManifestEntry[];
    let depth = 0;
    let chain = 0;
    if (stored.version === 1 || stored.base === null) {
      files = snapshotFiles(stored);
    } else {
      // Bounded by MAX_DELTA_DEPTH at write time; checked here so a damaged chain cannot recurse without end.
      if (!(stored.depth >= 1 && stored.depth <= MAX_DELTA_DEPTH)) throw new Error(`manifest ${key} is corrupt: delta depth ${stored.depth}`);
      const base = await this.read(stored.base);
      if (base.depth !== stored.depth - 1) throw new Error(`manifest ${key} is corrupt: depth ${stored.depth} over a base of depth ${base.depth}`);
      files = applyDelta(base.files, stored, key);
      depth = stored.depth;
      // Written before the chain was recorded: count this delta from its base's.
      chain = stored.chain ?? base.chain + stored.set.length + stored.removed.length;
    }
    const loaded = loadedManifest(key, depth, chain, stored.totals, files);
    this.remember(loaded);
    return loaded;
  }

  /**
   * Stores the manifest of `files` (sorted by path), as a delta of `base` when that is smaller, and
   * returns it loaded. Content-addressed: writing an equal manifest over the same base is a no-op.
   */
  async write(files: readonly ManifestEntry[], totals: Totals, base: LoadedManifest | null): Promise<LoadedManifest> {
    const stored = encodeManifest(files, totals, base === null ? null : { key: base.key, depth: base.depth, chain: base.chain, manifest: base });
    const bytes = Buffer.from(JSON.stringify(stored), 'utf8');
    const key = contentKey('manifests', bytes);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    if (!(await this.blobs.has(key))) await this.blobs.put(key, gzipSync(bytes));
    const loaded = stored.version === 2 ? loadedManifest(key, stored.depth, stored.chain ?? 0, totals, files) : loadedManifest(key, 0, 0, totals, files);
    this.remember(loaded);
    return loaded;
  }

  private remember(m: LoadedManifest): void {
    if (m.files.length > CACHE_ENTRY_BUDGET) return;
    const old = this.cache.get(m.key);
    if (old !== undefined) {
      this.cache.delete(m.key);
      this.cachedEntries -= old.files.length;
    }
    this.cache.set(m.key, m);
    this.cachedEntries += m.files.length;
    // Oldest first, never the one just added.
    for (const [k, e] of this.cache) {
      if (this.cachedEntries <= CACHE_ENTRY_BUDGET || k === m.key) break;
      this.cache.delete(k);
      this.cachedEntries -= e.files.length;
    }
  }
}

function loadedManifest(key: string, depth: number, chain: number, totals: Totals, files: readonly ManifestEntry[]): LoadedManifest {
  let index: DirectoryIndex | null = null;
  let byPath: Map<string, ManifestEntry> | null = null;
  return {
    key,
    depth,
    chain,
    totals,
    files,
    directories: () => (index ??= new DirectoryIndex(files)),
    entry: (path) => (byPath ??= new Map(files.map((f) => [f.path, f]))).get(path) ?? null,
  };
}
