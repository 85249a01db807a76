import { createHash } from 'node:crypto';
import { addTotals, emptyTotals, fileTotals, type FileCoverage, type Report, type Totals } from '@coverwatch/core';
import { contentKey, type BlobStore } from '../blobs/blob-store.js';
import type { BlobLocation, ManifestEntry } from './manifest.js';
import type { LoadedManifest, ManifestStore } from './manifest-store.js';
import { compressFrame, decodeFile, decodeReport, decompress, encodeFile } from './report-codec.js';

/** A pack is cut when it reaches this size: one PUT and one file each, small enough to buffer. */
const MAX_PACK_BYTES = 64 * 1024 * 1024;
/** Files are compressed together in frames of about this much coverwatch-json: a reader of one file inflates one frame. */
const FRAME_BYTES = 64 * 1024;
/** A frame larger than this is not ours (one file of the largest report we accept, with room). */
const MAX_FRAME_PLAIN_BYTES = 1024 * 1024 * 1024;
/** Ranges of one pack closer than this are read with one request. */
const READ_GAP_BYTES = 64 * 1024;
/** Blob reads in flight while a report is read back. */
const READ_CONCURRENCY = 16;

/** Where a file's stored coverage can be found already: by path, in manifests written before. */
export type KnownFiles = (path: string) => ManifestEntry | null;

/**
 * Reports in the blob store: each file's coverage is hashed (SHA-256 of its coverwatch-json); files
 * whose hash a known manifest already has keep that manifest's blob location, and the others are
 * compressed in frames of ~64 KB and appended to a pack (`packs/`, content-addressed), written with
 * one PUT however many files it holds. A manifest (manifest-store.ts) then names every file's hash, location and
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
    const fresh: { index: number; hash: string; totals: Totals; plain: Buffer }[] = [];
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const plain = encodeFile(f);
      const hash = createHash('sha256').update(plain).digest('hex');
      const totals = fileTotals(f);
      const old = known(f.path);
      if (old !== null && old.hash === hash) entries[i] = { path: f.path, hash, blob: old.blob, totals };
      else fresh.push({ index: i, hash, totals, plain });
    }
    // Frames of ~FRAME_BYTES of coverwatch-json, gzip-compressed each; packs of frames up to
    // MAX_PACK_BYTES, each written once its frames are known (its key is the hash of its bytes).
    const frames: { gz: Buffer; members: { f: (typeof fresh)[number]; start: number }[] }[] = [];
    for (let i = 0; i < fresh.length; ) {
      const members: { f: (typeof fresh)[number]; start: number }[] = [];
      let size = 0;
      while (i < fresh.length && (members.length === 0 || size + fresh[i]!.plain.length <= FRAME_BYTES)) {
        members.push({ f: fresh[i]!, start: size });
        size += fresh[i++]!.plain.length;
      }
      frames.push({ gz: compressFrame(Buffer.concat(members.map((m) => m.f.plain), size)), members });
    }
    for (let i = 0; i < frames.length; ) {
      const inPack: typeof frames = [];
      let size = 0;
      while (i < frames.length && (inPack.length === 0 || size + frames[i]!.gz.length <= MAX_PACK_BYTES)) {
        inPack.push(frames[i]!);
        size += frames[i++]!.gz.length;
      }
      const bytes = Buffer.concat(inPack.map((f) => f.gz), size);
      const key = contentKey('packs', bytes);
      if (!(await this.blobs.has(key))) await this.blobs.put(key, bytes);
      let offset = 0;
      for (const frame of inPack) {
        for (const m of frame.members) {
          entries[m.f.index] = { path: files[m.f.index]!.path, hash: m.f.hash, blob: { key, offset, length: frame.gz.length, start: m.start, size: m.f.plain.length }, totals: m.f.totals };
        }
        offset += frame.gz.length;
      }
    }
    return entries as ManifestEntry[];
  }

  /** The coverage of `entries`, in their order: each frame is inflated once, frames of one pack that lie close together are read at once. */
  async readFiles(entries: readonly ManifestEntry[]): Promise<FileCoverage[]> {
    const out = new Array<FileCoverage>(entries.length);
    // Reads: a whole blob (version 1, one file each), or a run of nearby frames of one pack.
    const reads: { key: string; offset: number; end: number; members: number[] }[] = [];
    const byKey = new Map<string, number[]>();
    for (let i = 0; i < entries.length; i++) {
      const b = entries[i]!.blob;
      if (b.offset === undefined) {
        reads.push({ key: b.key, offset: -1, end: -1, members: [i] });
        continue;
      }
      let list = byKey.get(b.key);
      if (list === undefined) byKey.set(b.key, (list = []));
      list.push(i);
    }
    for (const [key, list] of byKey) {
      list.sort((a, b) => entries[a]!.blob.offset! - entries[b]!.blob.offset!);
      let run: (typeof reads)[number] | null = null;
      for (const i of list) {
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
        const inflated = new Map<number, Buffer>();
        for (const i of r.members) {
          const e = entries[i]!;
          const b = e.blob;
          const what = `${b.key} (${e.path})`;
          let plain: Uint8Array;
          if (r.offset < 0) plain = decompress(bytes, MAX_FRAME_PLAIN_BYTES);
          else {
            let frame = inflated.get(b.offset!);
            if (frame === undefined) inflated.set(b.offset!, (frame = decompress(bytes.subarray(b.offset! - r.offset, b.offset! - r.offset + b.length!), MAX_FRAME_PLAIN_BYTES)));
            if (b.start! + b.size! > frame.length) throw new Error(`coverage blob ${what}: the manifest points past the end of its frame`);
            plain = frame.subarray(b.start!, b.start! + b.size!);
          }
          const file = decodeFile(plain, what);
          if (file.path !== e.path) throw new Error(`coverage blob ${what} holds ${JSON.stringify(file.path)}`);
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
