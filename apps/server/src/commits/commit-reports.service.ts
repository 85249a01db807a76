import { gunzipSync, gzipSync } from 'node:zlib';
import { mergeReports, reportTotals, type FileCoverage, type Report, type Totals } from '@coverwatch/core';
import { contentKey, type BlobStore } from '../blobs/blob-store.js';
import type { BranchesRepository } from '../branches/branches.repository.js';
import type { UploadsRepository } from '../uploads/uploads.repository.js';
import type { CommitsRepository, FlagReport } from './commits.repository.js';
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
/** Parsed manifests kept per process: the latest commits are read most (a 10k-file manifest is ~4 MB of JSON). */
const MANIFEST_CACHE_SIZE = 8;

/**
 * Builds and reads commit reports. A rebuild merges the commit's processed uploads (the latest of
 * each job identity), writes per-file coverage blobs by content hash (a file whose coverage did not
 * change is not written again), then the manifest, then swaps the commit's pointer if no other
 * rebuild got there first; otherwise it starts over with the newer set of uploads. So two workers
 * finishing uploads of one commit at once lose nothing. Each flag gets a report of its own (the
 * uploads carrying it), saved with the commit's in one transaction; then the branch head moves.
 */
export class CommitReportsService {
  constructor(
    private readonly commits: CommitsRepository,
    private readonly uploads: UploadsRepository,
    private readonly blobs: BlobStore,
    private readonly branches: BranchesRepository,
  ) {}

  private readonly manifests = new Map<string, Manifest>();

  async rebuild(commitId: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_REBUILD_TRIES; attempt++) {
      const commit = await this.commits.findById(commitId);
      if (commit === null) throw new Error(`commit ${commitId} vanished`);
      const chosen = latestPerJob(await this.uploads.listWithReportForCommit(commitId));
      const reports: { flags: readonly string[]; report: Report }[] = [];
      for (const u of chosen) {
        const bytes = await this.blobs.get(u.report_blob_key!);
        if (bytes === null) throw new Error(`report blob of upload ${u.id} is missing`);
        reports.push({ flags: JSON.parse(u.flags_json) as string[], report: decodeReport(bytes, `upload ${u.id}`) });
      }
      const all = await this.writeReport(reports.map((r) => r.report));
      // Per flag, the same kind of report over the uploads carrying the flag: flag filters and
      // per-flag trends read these. File blobs are shared with the commit report when equal.
      const flagReports: FlagReport[] = [];
      for (const flag of [...new Set(reports.flatMap((r) => r.flags))].sort()) {
        const carrying = reports.filter((r) => r.flags.includes(flag)).map((r) => r.report);
        const written = await this.writeReport(carrying);
        flagReports.push({ flag, totalsJson: JSON.stringify(written.totals), manifestKey: written.manifestKey, uploadCount: carrying.length });
      }
      const saved = await this.commits.saveReport(commitId, commit.reportVersion, { totalsJson: JSON.stringify(all.totals), manifestKey: all.manifestKey, uploadCount: chosen.length }, flagReports);
      if (!saved) continue;
      // The upload has landed: its commit may now be the newest of its branch.
      if (commit.branch !== null) await this.branches.advanceHead(commit.repositoryId, commit.branch, { commitId, sha: commit.sha, time: commit.createdAt });
      return;
    }
    throw new Error(`commit ${commitId}: gave up after ${MAX_REBUILD_TRIES} concurrent rebuilds`);
  }

  /** Merges reports and writes the file blobs and the manifest (content-addressed, so equal ones are written once). */
  private async writeReport(reports: readonly Report[]): Promise<{ totals: Totals; manifestKey: string }> {
    const merged = mergeReports([...reports]);
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
    return { totals, manifestKey };
  }

  /** A manifest by key. Manifests are immutable (content-addressed), so recent ones are kept parsed. */
  async readManifest(manifestKey: string): Promise<Manifest> {
    const cached = this.manifests.get(manifestKey);
    if (cached !== undefined) {
      // Re-insert: the Map's order is the eviction order (least recently used first).
      this.manifests.delete(manifestKey);
      this.manifests.set(manifestKey, cached);
      return cached;
    }
    const bytes = await this.blobs.get(manifestKey);
    if (bytes === null) throw new Error(`manifest ${manifestKey} is missing`);
    const manifest = JSON.parse(gunzipSync(bytes).toString('utf8')) as Manifest;
    this.manifests.set(manifestKey, manifest);
    if (this.manifests.size > MANIFEST_CACHE_SIZE) this.manifests.delete(this.manifests.keys().next().value!);
    return manifest;
  }

  /** The coverage of one file of a manifest. */
  async readFile(entry: ManifestEntry): Promise<FileCoverage> {
    const bytes = await this.blobs.get(entry.key);
    if (bytes === null) throw new Error(`coverage blob ${entry.key} is missing`);
    const file = decodeReport(bytes, entry.key).files[0];
    if (file === undefined) throw new Error(`coverage blob ${entry.key} has no file`);
    return file;
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
