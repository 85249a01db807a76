import { mergeReports, type FileCoverage, type Report } from '@coverwatch/core';
import type { BranchesRepository } from '../branches/branches.repository.js';
import type { ManifestEntry } from '../reports/manifest.js';
import type { LoadedManifest } from '../reports/manifest-store.js';
import { sumTotals, type KnownFiles, type ReportStore } from '../reports/report-store.js';
import type { UploadsRepository } from '../uploads/uploads.repository.js';
import { KeyedLock } from './commit-lock.js';
import type { CommitRow, CommitsRepository, FlagReport } from './commits.repository.js';
import { ParsedReports } from './parsed-reports.js';

const MAX_MERGE_TRIES = 20;
const NOTHING_KNOWN: KnownFiles = () => null;

/** An upload whose parsed report is stored (uploads.report_blob_key: a manifest, or a whole report before packs). */
interface StoredUpload {
  readonly id: string;
  readonly job_identity: string | null;
  readonly report_blob_key: string | null;
  readonly flags_json: string;
}

/** What a merge produced: the commit's manifest and its flags' reports. */
interface Built {
  readonly manifest: LoadedManifest;
  readonly flags: FlagReport[];
}

/**
 * Builds and reads commit reports. An upload's parsed report is stored first (storeUploadReport:
 * a manifest of packed per-file coverage, see reports/). Then `merge` brings the commit's report up to
 * date with every stored upload (the latest of each job identity): it merges the new uploads into the
 * current report, reading and writing only the files they touch, or rebuilds from all uploads when a
 * re-run job replaced an included one. The result is saved if no other merge got there first (the
 * commit's `report_version`), else it starts over with the newer set; within one process merges of
 * a commit take turns (KeyedLock). Each flag gets a report of its own (the uploads carrying it),
 * saved with the commit's in one transaction; then the branch head moves and the merged uploads
 * become `processed`.
 */
export class CommitReportsService {
  private readonly parsed = new ParsedReports();
  private readonly lock = new KeyedLock();

  constructor(
    private readonly commits: CommitsRepository,
    private readonly uploads: UploadsRepository,
    private readonly branches: BranchesRepository,
    private readonly store: ReportStore,
  ) {}

  /**
   * Stores the parsed, path-resolved report of an upload as a manifest (a delta of the parent
   * commit's report, sharing its blobs for every file whose coverage did not change), and keeps it
   * parsed for the merge that follows.
   */
  async storeUploadReport(uploadId: string, commitId: string, report: Report): Promise<LoadedManifest> {
    const commit = await this.commits.findById(commitId);
    const base = commit === null ? null : await this.deltaBase(commit);
    const manifest = await this.store.write(report, base, base === null ? NOTHING_KNOWN : (p) => base.entry(p));
    this.parsed.set(uploadId, manifest.key, report);
    return manifest;
  }

  /** Merges every stored upload of the commit that its report does not include yet. */
  merge(commitId: string): Promise<void> {
    return this.lock.run(commitId, () => this.mergeNow(commitId));
  }

  /** A manifest by key (immutable, so recent ones are kept parsed). */
  manifest(key: string): Promise<LoadedManifest> {
    return this.store.manifests.read(key);
  }

  /** The coverage of one file of a manifest. */
  async readFile(entry: ManifestEntry): Promise<FileCoverage> {
    return (await this.store.readFiles([entry]))[0]!;
  }

  private async mergeNow(commitId: string): Promise<void> {
    for (let attempt = 0; attempt < MAX_MERGE_TRIES; attempt++) {
      const commit = await this.commits.findById(commitId);
      if (commit === null) throw new Error(`commit ${commitId} vanished`);
      const stored = await this.uploads.listWithReportForCommit(commitId);
      const chosen = latestPerJob(stored);
      // Every upload failed: the commit keeps the report it has (none, or that of earlier uploads).
      if (chosen.length === 0) return;
      const ids = chosen.map((u) => u.id).sort();
      const included = commit.manifestKey === null ? null : commit.reportUploadIds;
      if (included !== null && included.length === ids.length && included.every((id, i) => id === ids[i])) {
        // Another job merged these uploads already (or this job did, then stopped before this line):
        // finish what may be missing. Moving the head again is a no-op when it moved.
        if (commit.branch !== null) await this.branches.advanceHead(commit.repositoryId, commit.branch, { commitId, sha: commit.sha, time: commit.createdAt });
        await this.done(stored.map((u) => u.id));
        return;
      }
      const current = included === null ? null : await this.store.manifests.read(commit.manifestKey!);
      const idSet = new Set(ids);
      const built =
        current !== null && included!.every((id) => idSet.has(id))
          ? await this.mergeInto(commit, current, new Set(included), chosen)
          : await this.rebuild(commit, chosen, current);
      const saved = await this.commits.saveReport(commitId, commit.reportVersion, { totalsJson: JSON.stringify(built.manifest.totals), manifestKey: built.manifest.key, uploadIds: ids }, built.flags);
      if (!saved) continue;
      // The upload has landed: its commit may now be the newest of its branch.
      if (commit.branch !== null) await this.branches.advanceHead(commit.repositoryId, commit.branch, { commitId, sha: commit.sha, time: commit.createdAt });
      await this.done(stored.map((u) => u.id));
      return;
    }
    throw new Error(`commit ${commitId}: gave up after ${MAX_MERGE_TRIES} concurrent merges`);
  }

  /**
   * Only now: `processed` promises that the commit's totals include the upload, or (an upload a
   * re-run of its CI job replaced) that the replacement is included in its stead.
   */
  private async done(ids: readonly string[]): Promise<void> {
    await this.uploads.markProcessedMany(ids);
    for (const id of ids) this.parsed.delete(id);
  }

  /** The current report plus the uploads it does not include yet: only the files they touch are read and written. */
  private async mergeInto(commit: CommitRow, current: LoadedManifest, included: ReadonlySet<string>, chosen: readonly StoredUpload[]): Promise<Built> {
    const added = chosen.filter((u) => !included.has(u.id));
    const reports = new Map<string, Report>();
    for (const u of added) reports.set(u.id, await this.reportOf(u));
    const manifest = await this.mergeManifest(current, [...reports.values()]);
    const previous = new Map((await this.commits.listFlagReports(commit.id)).map((f) => [f.flag, f]));
    const flags: FlagReport[] = [];
    for (const flag of flagsOf(chosen)) {
      const carrying = chosen.filter((u) => hasFlag(u, flag));
      const addedCarrying = added.filter((u) => hasFlag(u, flag));
      const before = previous.get(flag);
      let m: LoadedManifest;
      if (carrying.length === chosen.length) m = manifest;
      else if (addedCarrying.length === 0 && before !== undefined) {
        flags.push({ ...before, uploadCount: carrying.length });
        continue;
      } else if (before !== undefined && carrying.length > addedCarrying.length) {
        m = await this.mergeManifest(await this.store.manifests.read(before.manifestKey), addedCarrying.map((u) => reports.get(u.id)!));
      } else m = await this.flagReport(carrying, manifest, reports);
      flags.push({ flag, totalsJson: JSON.stringify(m.totals), manifestKey: m.key, uploadCount: carrying.length });
    }
    return { manifest, flags };
  }

  /** The report of exactly `chosen`, from their stored reports: the first merge of a commit, or after a re-run replaced an upload. */
  private async rebuild(commit: CommitRow, chosen: readonly StoredUpload[], current: LoadedManifest | null): Promise<Built> {
    const reports = new Map<string, Report>();
    let manifest: LoadedManifest;
    if (chosen.length === 1) {
      // One upload: the commit's report is the upload's, manifest and all.
      manifest = await this.uploadManifest(chosen[0]!);
    } else {
      for (const u of chosen) reports.set(u.id, await this.reportOf(u));
      const base = current ?? (await this.deltaBase(commit));
      manifest = await this.store.write(mergeReports([...reports.values()]), base, base === null ? NOTHING_KNOWN : (p) => base.entry(p));
    }
    const flags: FlagReport[] = [];
    for (const flag of flagsOf(chosen)) {
      const carrying = chosen.filter((u) => hasFlag(u, flag));
      const m = carrying.length === chosen.length ? manifest : await this.flagReport(carrying, manifest, reports);
      flags.push({ flag, totalsJson: JSON.stringify(m.totals), manifestKey: m.key, uploadCount: carrying.length });
    }
    return { manifest, flags };
  }

  /** The report of the uploads carrying a flag, stored as a delta of the commit's (whose blobs it shares where equal). */
  private async flagReport(carrying: readonly StoredUpload[], commitManifest: LoadedManifest, reports: Map<string, Report>): Promise<LoadedManifest> {
    if (carrying.length === 1) return this.uploadManifest(carrying[0]!);
    const parts: Report[] = [];
    for (const u of carrying) {
      let r = reports.get(u.id);
      if (r === undefined) reports.set(u.id, (r = await this.reportOf(u)));
      parts.push(r);
    }
    return this.store.write(mergeReports(parts), commitManifest, (p) => commitManifest.entry(p));
  }

  /** `current` with `reports` merged in: reads the current coverage of the files they touch, writes the files that changed. */
  private async mergeManifest(current: LoadedManifest, reports: readonly Report[]): Promise<LoadedManifest> {
    const touched = new Set<string>();
    for (const r of reports) for (const f of r.files) touched.add(f.path);
    const have = current.files.filter((e) => touched.has(e.path));
    const merged = mergeReports([{ files: await this.store.readFiles(have) }, ...reports]);
    const changed = await this.store.storeFiles(merged.files, (p) => current.entry(p));
    const byPath = new Map(changed.map((e) => [e.path, e]));
    const files: ManifestEntry[] = [];
    for (const e of current.files) files.push(byPath.get(e.path) ?? e);
    for (const e of changed) if (current.entry(e.path) === null) files.push(e);
    if (files.length > current.files.length) files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return this.store.manifests.write(files, sumTotals(files), current);
  }

  /** An upload's parsed report: kept in memory since its job stored it, or read back. */
  private async reportOf(u: StoredUpload): Promise<Report> {
    // Only if it is the report the upload row names (a job run twice at once may have parsed it twice).
    return this.parsed.get(u.id, storedKey(u)) ?? this.store.readStored(storedKey(u));
  }

  /** An upload's report as a manifest (uploads stored before packs get one written now). */
  private async uploadManifest(u: StoredUpload): Promise<LoadedManifest> {
    const key = storedKey(u);
    if (key.startsWith('manifests/')) return this.store.manifests.read(key);
    return this.store.write(await this.reportOf(u), null, NOTHING_KNOWN);
  }

  /** The manifest a new report of the commit is best stored as a delta of (null: none, or unreadable; then a snapshot). */
  private async deltaBase(commit: CommitRow): Promise<LoadedManifest | null> {
    const key = await this.commits.deltaBaseKey(commit);
    if (key === null) return null;
    // Only an optimization: a base that cannot be read costs bytes, not correctness.
    return this.store.manifests.read(key).catch(() => null);
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

function storedKey(u: StoredUpload): string {
  if (u.report_blob_key === null) throw new Error(`upload ${u.id} has no stored report`);
  return u.report_blob_key;
}

const flagsCache = new WeakMap<StoredUpload, readonly string[]>();
function uploadFlags(u: StoredUpload): readonly string[] {
  let f = flagsCache.get(u);
  if (f === undefined) flagsCache.set(u, (f = JSON.parse(u.flags_json) as string[]));
  return f;
}

function hasFlag(u: StoredUpload, flag: string): boolean {
  return uploadFlags(u).includes(flag);
}

function flagsOf(uploads: readonly StoredUpload[]): string[] {
  return [...new Set(uploads.flatMap(uploadFlags))].sort();
}
