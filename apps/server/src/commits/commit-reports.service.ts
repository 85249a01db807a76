import { gunzipSync, gzipSync } from 'node:zlib';
import { mergeReports, reportTotals, type Report, type Totals } from '@coverwatch/core';
import { contentKey, type BlobStore } from '../blobs/blob-store.js';
import type { UploadsRepository } from '../uploads/uploads.repository.js';
import type { CommitsRepository } from './commits.repository.js';
import { decodeReport, encodeReport } from './report-codec.js';

/** One file of a commit report: where its coverage is and its totals. */
export interface ManifestEntry {
  readonly path: string;
  /** Blob key of the file's coverage, addressed by the hash of its content. */
  readonly key: string;
  readonly totals: Totals;
}

/** A commit report: the manifest names every file; coverage of unchanged files is shared across commits. */
export interface Manifest {
  readonly version: 1;
  readonly totals: Totals;
  readonly files: readonly ManifestEntry[];
}

const MAX_REBUILD_TRIES = 20;

/**
 * Builds and reads commit reports. A rebuild merges the commit's processed uploads (the latest of
 * each job identity), writes per-file coverage blobs by content hash (a file whose coverage did not
 * change is not written again), then the manifest, then swaps the commit's pointer if no other
 * rebuild got there first; otherwise it starts over with the newer set of uploads. So two workers
 * finishing uploads of one commit at once lose nothing.
 */
export class CommitReportsService {
  constructor(
    private readonly commits: CommitsRepository,
    private readonly uploads: UploadsRepository,
    private readonly blobs: BlobStore,
  ) {}

  async rebuild(commitId: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_REBUILD_TRIES; attempt++) {
      const commit = await this.commits.findById(commitId);
      if (commit === null) throw new Error(`commit ${commitId} vanished`);
      const chosen = latestPerJob(await this.uploads.listWithReportForCommit(commitId));
      const reports: Report[] = [];
      for (const u of chosen) {
        const bytes = await this.blobs.get(u.report_blob_key!);
        if (bytes === null) throw new Error(`report blob of upload ${u.id} is missing`);
        reports.push(decodeReport(bytes, `upload ${u.id}`));
      }
      const merged = mergeReports(reports);
      const { totals, files } = reportTotals(merged);
      const entries: ManifestEntry[] = [];
      for (const f of merged.files) {
        const { plain, gzipped } = encodeReport({ files: [f] });
        const key = contentKey('coverage', plain);
        if (!(await this.blobs.has(key))) await this.blobs.put(key, gzipped);
        entries.push({ path: f.path, key, totals: files.get(f.path)! });
      }
      const manifest: Manifest = { version: 1, totals, files: entries };
      const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
      const manifestKey = contentKey('manifests', manifestBytes);
      if (!(await this.blobs.has(manifestKey))) await this.blobs.put(manifestKey, gzipSync(manifestBytes));
      if (await this.commits.saveReport(commitId, commit.reportVersion, { totalsJson: JSON.stringify(totals), manifestKey, uploadCount: chosen.length })) return;
    }
    throw new Error(`commit ${commitId}: gave up after ${MAX_REBUILD_TRIES} concurrent rebuilds`);
  }

  async readManifest(manifestKey: string): Promise<Manifest> {
    const bytes = await this.blobs.get(manifestKey);
    if (bytes === null) throw new Error(`manifest ${manifestKey} is missing`);
    return JSON.parse(gunzipSync(bytes).toString('utf8')) as Manifest;
  }
}

/**
 * Of uploads sharing a job identity, only the latest received counts: a re-run CI job replaces its
 * earlier upload instead of doubling the hit counts. Uploads without an identity all count.
 */
export function latestPerJob<T extends { job_identity: string | null }>(oldestFirst: readonly T[]): T[] {
  const latest = new Map<string, T>();
  const out: T[] = [];
  for (const u of oldestFirst) {
    if (u.job_identity === null) out.push(u);
    else latest.set(u.job_identity, u);
  }
  return [...out, ...latest.values()];
}
