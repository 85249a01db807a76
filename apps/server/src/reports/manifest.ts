import { comparePaths, type Totals } from '@coverwatch/core';

/**
 * Where one file's coverage is. In a pack: `offset`/`length` name a gzip frame holding several files,
 * and `start`/`size` the file's coverwatch-json within the frame once decompressed. Without them
 * (manifests of version 1): the whole blob is the file's gzip-compressed coverwatch-json.
 */
export interface BlobLocation {
  readonly key: string;
  readonly offset?: number;
  readonly length?: number;
  readonly start?: number;
  readonly size?: number;
}

/** One file of a report: its coverage's content hash, where that coverage is stored, and its totals. */
export interface ManifestEntry {
  readonly path: string;
  /** SHA-256 (hex) of the file's coverage as coverwatch-json: equal hashes, equal coverage. */
  readonly hash: string;
  readonly blob: BlobLocation;
  readonly totals: Totals;
}

/** A report as the read side sees it: every file, sorted by path, and the report's totals. */
export interface Manifest {
  readonly totals: Totals;
  readonly files: readonly ManifestEntry[];
}

/**
 * A manifest as stored. Version 2 is a delta: the entries added or changed (`set`) and the paths
 * removed relative to the manifest `base`, or a snapshot (`base` null, `set` = every file). A new
 * snapshot is written when the deltas since the last one would together list more entries than a
 * snapshot does, or the chain would exceed MAX_DELTA_DEPTH: so a commit whose report changes in 1% of
 * its files stores about 1% of a manifest (plus its share of the next snapshot, never more than the
 * deltas themselves), and a cold read costs at most about two snapshots' bytes in a bounded number of
 * blobs.
 * Version 1 (before packs and deltas) listed every file, each in a blob of its own; still read.
 */
export type StoredManifest =
  | { readonly version: 1; readonly totals: Totals; readonly files: readonly { path: string; key: string; totals: Totals }[] }
  | {
      readonly version: 2;
      readonly base: string | null;
      readonly depth: number;
      /** Entries listed by the deltas from the last snapshot to this one, this one included (0 for a snapshot). */
      readonly chain?: number;
      readonly count: number;
      readonly totals: Totals;
      readonly set: readonly StoredEntry[];
      readonly removed: readonly string[];
    };

/** An entry as stored: short field names, since a snapshot holds one per file. */
export interface StoredEntry {
  readonly p: string;
  readonly h: string;
  readonly k: string;
  readonly o?: number;
  readonly n?: number;
  readonly s?: number;
  readonly z?: number;
  readonly t: Totals;
}

/** Longest chain of deltas before a snapshot: bounds a cold read to 1 + this many blobs. */
export const MAX_DELTA_DEPTH = 64;

/** A manifest a new one may be a delta of. */
export interface DeltaBase {
  readonly key: string;
  readonly depth: number;
  /** Entries its chain of deltas lists (0 for a snapshot). */
  readonly chain: number;
  readonly manifest: Manifest;
}

/**
 * The stored form of `files` (sorted by path) given the manifest `base` it may be a delta of: a
 * delta when the chain, this delta included, lists no more entries than a snapshot would and stays
 * within MAX_DELTA_DEPTH; otherwise a snapshot.
 */
export function encodeManifest(files: readonly ManifestEntry[], totals: Totals, base: DeltaBase | null): StoredManifest {
  if (base !== null && base.depth + 1 <= MAX_DELTA_DEPTH) {
    const { set, removed } = diffEntries(base.manifest.files, files);
    const chain = base.chain + set.length + removed.length;
    if (chain <= files.length) {
      return { version: 2, base: base.key, depth: base.depth + 1, chain, count: files.length, totals, set: set.map(toStored), removed };
    }
  }
  return { version: 2, base: null, depth: 0, chain: 0, count: files.length, totals, set: files.map(toStored), removed: [] };
}

/** Entries of `next` that `prev` lacks or holds with other content, and paths of `prev` that `next` lacks. Both sorted by path. */
export function diffEntries(prev: readonly ManifestEntry[], next: readonly ManifestEntry[]): { set: ManifestEntry[]; removed: string[] } {
  const set: ManifestEntry[] = [];
  const removed: string[] = [];
  let i = 0;
  let j = 0;
  while (i < prev.length || j < next.length) {
    const a = prev[i];
    const b = next[j];
    const c = a === undefined ? 1 : b === undefined ? -1 : comparePaths(a.path, b.path);
    if (c < 0) {
      removed.push(a!.path);
      i++;
    } else if (c > 0) {
      set.push(b!);
      j++;
    } else {
      if (a!.hash !== b!.hash || !sameTotals(a!.totals, b!.totals)) set.push(b!);
      i++;
      j++;
    }
  }
  return { set, removed };
}

/** The files of a stored delta applied to its base's files; throws when the result disagrees with the recorded count. */
export function applyDelta(base: readonly ManifestEntry[], stored: Extract<StoredManifest, { version: 2 }>, key: string): ManifestEntry[] {
  const set = stored.set.map(fromStored);
  const gone = new Set(stored.removed);
  const out: ManifestEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < base.length || j < set.length) {
    const a = base[i];
    const b = set[j];
    const c = a === undefined ? 1 : b === undefined ? -1 : comparePaths(a.path, b.path);
    if (c < 0) {
      if (!gone.has(a!.path)) out.push(a!);
      i++;
    } else {
      out.push(b!);
      j++;
      if (c === 0) i++;
    }
  }
  if (out.length !== stored.count) throw new Error(`manifest ${key} is corrupt: its delta gives ${out.length} files, it records ${stored.count}`);
  return out;
}

/** The files of a stored manifest that needs no base (a version 1 manifest or a snapshot). */
export function snapshotFiles(stored: StoredManifest): ManifestEntry[] {
  if (stored.version === 1) return stored.files.map((f) => ({ path: f.path, hash: hashOfV1Key(f.key), blob: { key: f.key }, totals: f.totals }));
  return stored.set.map(fromStored);
}

/** Version 1 per-file blobs are keyed `coverage/xx/<sha-256 of the content>`: the same hash as version 2 records. */
function hashOfV1Key(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function toStored(e: ManifestEntry): StoredEntry {
  const b = e.blob;
  if (b.offset === undefined) return { p: e.path, h: e.hash, k: b.key, t: e.totals };
  return { p: e.path, h: e.hash, k: b.key, o: b.offset, n: b.length!, s: b.start!, z: b.size!, t: e.totals };
}

function fromStored(s: StoredEntry): ManifestEntry {
  return { path: s.p, hash: s.h, blob: s.o === undefined ? { key: s.k } : { key: s.k, offset: s.o, length: s.n!, start: s.s!, size: s.z! }, totals: s.t };
}

function sameTotals(a: Totals, b: Totals): boolean {
  for (const k of Object.keys(a) as (keyof Totals)[]) if (a[k] !== b[k]) return false;
  return true;
}
