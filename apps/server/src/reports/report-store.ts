import { createHash } from 'node:crypto';
import { addTotals, emptyTotals, fileTotals, type FileCoverage, type Report, type Totals } from '@coverwatch/core';
import { contentKey, type BlobStore } from '../blobs/blob-store.js';
import type { BlobLocation, ManifestEntry } from './manifest.js';
import type { LoadedManifest, ManifestStore } from './manifest-store.js';
import { compress, decodeFile, decodeReport, encodeFile } from './report-codec.js';

/** A pack is cut when it reaches this size: one PUT and one file each, small enough to buffer. */
const MAX_PACK_BYTES = 64 * 1024 * 1024;
/** Ranges of one pack closer than this are read with one request. */
const READ_GAP_BYTES = 64 * 1024;
/** Blob reads in flight while a report is read back. */
const READ_CONCURRENCY = 16;

/** Where a file's stored coverage can be found already: by path, in manifests written before. */
export type KnownFiles = (path: string) => ManifestEntry | null;

/**
 * Reports in the blob store: each file's coverage is hashed (SHA-256 of its coverwatch-json); files
 * whose hash a known manifest already has keep that manifest's blob location, and the others are
 * gzip-compressed and appended to a pack (`packs/`, content-addressed), written with one PUT however
 * many files it holds. A manifest (manifest-store.ts) then names every file's hash, location and
 * totals. So a commit whose coverage changed in 100 of 10,000 files writes one pack of 100 files and a
 * delta of 100 entries, and a first commit writes one pack, not 10,000 blobs of 700 bytes each.
 */
export class ReportStore {
  constructor(
    private readonly blobs: BlobStore,
    readonly manifests: ManifestStore,
  ) {}

  /** Stores `report` as a manifest (a delta of `base` when smaller), reusing the blobs of files `known` has. */
  async write(report: Report, base: LoadedManifest | null, known: KnownFiles): Promise<LoadedManifest> {
    const entries = await this.storeFiles(report.files, known);
    return this.manifests.write(entries, sumTotals(entries), base);
  }

  /** Entries for `files` (in their order), writing the coverage that `known` does not have into packs. */
  async storeFiles(files: readonly FileCoverage[], known: KnownFiles): Promise<ManifestEntry[]> {
    const entries: (ManifestEntry | null)[] = new Array<ManifestEntry | null>(files.length).fill(null);
    const fresh: { index: number; hash: string; totals: Totals; gz: Buffer }[] = [];
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const plain = encodeFile(f);
      const hash = createHash('sha256').update(plain).digest('hex');
      const totals = fileTotals(f);
      const old = known(f.path);
      if (old !== null && old.hash === hash) entries[i] = { path: f.path, hash, blob: old.blob, totals };
      else fresh.push({ index: i, hash, totals, gz: compress(plain) });
    }
    // Packs of at most MAX_PACK_BYTES, each written once its members are known (its key is the hash of its bytes).
    for (let start = 0; start < fresh.length; ) {
      let end = start;
      let size = 0;
      while (end < fresh.length && (end === start || size + fresh[end]!.gz.length <= MAX_PACK_BYTES)) size += fresh[end++]!.gz.length;
      const members = fresh.slice(start, end);
      const bytes = Buffer.concat(members.map((m) => m.gz), size);
      const key = contentKey('packs', bytes);
      if (!(await this.blobs.has(key))) await this.blobs.put(key, bytes);
      let offset = 0;
      for (const m of members) {
        entries[m.index] = { path: files[m.index]!.path, hash: m.hash, blob: { key, offset, length: m.gz.length }, totals: m.totals };
        offset += m.gz.length;
      }
      start = end;
    }
    return entries as ManifestEntry[];
  }

  /** The coverage of `entries`, in their order: ranges of one pack that lie close together are read at once. */
  async readFiles(entries: readonly ManifestEntry[]): Promise<FileCoverage[]> {
    const out = new Array<FileCoverage>(entries.length);
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < entries.length; i++) {
      const k = entries[i]!.blob.key;
      let list = byKey.get(k);
      if (list === undefined) byKey.set(k, (list = []));
      list.push(i);
    }
    const reads: { key: string; offset: number; end: number; members: number[] }[] = [];
    for (const [key, list] of byKey) {
      const whole = list.filter((i) => entries[i]!.blob.offset === undefined);
      if (whole.length > 0) reads.push({ key, offset: -1, end: -1, members: whole });
      const ranged = list.filter((i) => entries[i]!.blob.offset !== undefined).sort((a, b) => entries[a]!.blob.offset! - entries[b]!.blob.offset!);
      let run: (typeof reads)[number] | null = null;
      for (const i of ranged) {
        const { offset, length } = entries[i]!.blob as Required<BlobLocation>;
        if (run !== null && offset <= run.end + READ_GAP_BYTES && offset + length - run.offset <= MAX_PACK_BYTES) {
          run.end = Math.max(run.end, offset + length);
          run.members.push(i);
        } else {
          reads.push((run = { key, offset, end: offset + length, members: [i] }));
        }
      }
    }
    let next = 0;
    const worker = async () => {
      while (next < reads.length) {
        const r = reads[next++]!;
        const bytes = r.offset < 0 ? await this.blobs.get(r.key) : await this.blobs.getRange(r.key, r.offset, r.end - r.offset);
        if (bytes === null) throw new Error(`coverage blob ${r.key} is missing`);
        for (const i of r.members) {
          const e = entries[i]!;
          const part = r.offset < 0 ? bytes : bytes.subarray(e.blob.offset! - r.offset, e.blob.offset! - r.offset + e.blob.length!);
          const file = decodeFile(part, `${e.blob.key} (${e.path})`);
          if (file.path !== e.path) throw new Error(`coverage blob ${e.blob.key} holds ${JSON.stringify(file.path)} where the manifest says ${JSON.stringify(e.path)}`);
          out[i] = file;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, reads.length) }, worker));
    return out;
  }

  /** A whole stored report, files sorted by path as the manifest lists them. */
  async readReport(manifest: LoadedManifest): Promise<Report> {
    return { files: await this.readFiles(manifest.files) };
  }

  /** A report by the key an upload row holds: a manifest, or (stored before packs) one whole `reports/` blob. */
  async readStored(key: string): Promise<Report> {
    if (key.startsWith('manifests/')) return this.readReport(await this.manifests.read(key));
    const bytes = await this.blobs.get(key);
    if (bytes === null) throw new Error(`stored report ${key} is missing`);
    return decodeReport(bytes, key);
  }
}

/** The totals of a report from its files' totals: the same sums, in the same order, as core's `reportTotals`. */
export function sumTotals(entries: readonly ManifestEntry[]): Totals {
  const t = emptyTotals();
  for (const e of entries) addTotals(t, e.totals);
  t.coverage = t.lines === 0 ? null : (t.hits / t.lines) * 100;
  return t;
}
