import { lineRecords, type Totals } from '@coverwatch/core';
import type { ReadPrincipal as Principal } from '../auth/token-auth.service.js';
import { AppError } from '../errors/app-error.js';
import type { RepoAccessPolicy } from '../repos/repo-access.policy.js';
import { toUploadStatus } from '../uploads/upload-status.js';
import type { UploadsRepository } from '../uploads/uploads.repository.js';
import type { TreeSortKey } from '../reports/directory-index.js';
import type { ManifestEntry } from '../reports/manifest.js';
import type { CommitReportsService } from './commit-reports.service.js';
import type { CommitCursor, CommitRow, CommitsRepository } from './commits.repository.js';

/** Read side of commits: lists, totals, tree, file lines, trends and uploads. Transport-neutral. */
export class CommitsService {
  constructor(
    private readonly access: RepoAccessPolicy,
    private readonly commits: CommitsRepository,
    private readonly uploads: UploadsRepository,
    private readonly reports: CommitReportsService,
  ) {}

  async totals(principal: Principal, owner: string, name: string, sha: string): Promise<{ repository: string; commitSha: string; uploads: number; totals: Totals }> {
    const { repository, commit } = await this.processedCommit(principal, owner, name, sha);
    return { repository, commitSha: commit.sha, uploads: commit.uploadCount, totals: JSON.parse(commit.totalsJson!) as Totals };
  }

  async files(principal: Principal, owner: string, name: string, sha: string, page: { offset: number; limit: number }) {
    const { repository, commit } = await this.processedCommit(principal, owner, name, sha);
    const manifest = await this.reports.manifest(commit.manifestKey!);
    const slice = manifest.files.slice(page.offset, page.offset + page.limit);
    const next = page.offset + slice.length;
    return {
      repository,
      commitSha: commit.sha,
      files: slice.map(toFileTotals),
      nextOffset: next < manifest.files.length ? next : null,
    };
  }

  /** Commits newest first (first received), of one branch when given, with totals and upload state counts. */
  async list(principal: Principal, owner: string, name: string, options: { branch: string | null; cursor: CommitCursor | null; limit: number }) {
    const repo = await this.access.readable(principal, owner, name);
    const rows = await this.commits.listPage(repo.id, { branch: options.branch, before: options.cursor, limit: options.limit + 1 });
    const page = rows.slice(0, options.limit);
    const counts = await this.uploads.stateCounts(page.map((c) => c.id));
    const last = page[page.length - 1];
    return {
      repository: repo.fullName,
      branch: options.branch,
      commits: page.map((c) => ({
        sha: c.sha,
        branch: c.branch,
        parents: [...c.parents],
        pullRequest: c.prNumber,
        createdAt: c.createdAt,
        uploads: c.uploadCount,
        uploadStates: counts.get(c.id) ?? { received: 0, processing: 0, processed: 0, failed: 0 },
        totals: c.totalsJson === null ? null : (JSON.parse(c.totalsJson) as Totals),
      })),
      nextCursor: rows.length > options.limit && last !== undefined ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  }

  /** One directory of the commit's report (of one flag's uploads when given): its totals and its children, sorted and paged. */
  async tree(
    principal: Principal,
    owner: string,
    name: string,
    sha: string,
    options: { path: string; flag: string | null; sort: TreeSortKey; order: 'asc' | 'desc'; offset: number; limit: number },
  ) {
    const { repository, commit, manifest } = await this.manifestOf(principal, owner, name, sha, options.flag);
    const dir = manifest.directories().sorted(options.path, options.sort, options.order);
    if (dir === null) throw new AppError('CW_ERR_PATH_NOT_FOUND', `no directory ${JSON.stringify(options.path)} with coverage in commit ${sha}${flagText(options.flag)}`);
    const slice = dir.entries.slice(options.offset, options.offset + options.limit);
    const next = options.offset + slice.length;
    return { repository, commitSha: commit.sha, flag: options.flag, path: options.path, totals: dir.totals, entries: slice, nextOffset: next < dir.entries.length ? next : null };
  }

  /** One file's line records (core's `lineRecords`) and totals. */
  async fileLines(principal: Principal, owner: string, name: string, sha: string, path: string, flag: string | null) {
    const { repository, commit, manifest } = await this.manifestOf(principal, owner, name, sha, flag);
    const entry = manifest.entry(path);
    if (entry === null) throw new AppError('CW_ERR_PATH_NOT_FOUND', `no file ${JSON.stringify(path)} with coverage in commit ${sha}${flagText(flag)}`);
    const file = await this.reports.readFile(entry);
    return { repository, commitSha: commit.sha, flag, path: entry.path, totals: entry.totals, lines: [...lineRecords(file)].map((r) => (r.kind === 'partial' ? { ...r, missedBranches: [...r.missedBranches] } : r)) };
  }

  /** Totals of the latest `limit` commits of a branch with processed coverage, oldest first. */
  async trend(principal: Principal, owner: string, name: string, options: { branch: string; flag: string | null; limit: number }) {
    const repo = await this.access.readable(principal, owner, name);
    const rows = await this.commits.trend(repo.id, options.branch, options.flag, options.limit);
    return {
      repository: repo.fullName,
      branch: options.branch,
      flag: options.flag,
      points: rows.reverse().map((r) => ({ sha: r.sha, time: r.createdAt, totals: JSON.parse(r.totalsJson) as Totals })),
    };
  }

  /** Every upload of a commit with its state and error, processed or not. */
  async uploadList(principal: Principal, owner: string, name: string, sha: string) {
    const repo = await this.access.readable(principal, owner, name);
    const commit = await this.commits.findBySha(repo.id, sha);
    if (commit === null) throw new AppError('CW_ERR_COMMIT_NOT_FOUND', `no uploads for commit ${sha} of ${repo.fullName}`);
    const uploads = await this.uploads.listForCommit(commit.id);
    return { repository: repo.fullName, commitSha: commit.sha, uploads: uploads.map((u) => toUploadStatus(u, repo.fullName, commit.sha)) };
  }

  private async processedCommit(principal: Principal, owner: string, name: string, sha: string): Promise<{ repository: string; commit: CommitRow }> {
    const found = await this.commits.findWithRepository(owner, name, sha);
    const repo = this.access.check(principal, found?.repo ?? null, owner, name);
    const commit = found?.commit ?? null;
    if (commit === null || commit.totalsJson === null || commit.manifestKey === null) {
      throw new AppError('CW_ERR_COMMIT_NOT_FOUND', `no processed coverage for commit ${sha} of ${repo.fullName}`);
    }
    return { repository: repo.fullName, commit };
  }

  /** The manifest of the commit's report, or of the report of its uploads carrying `flag`. */
  private async manifestOf(principal: Principal, owner: string, name: string, sha: string, flag: string | null) {
    const { repository, commit } = await this.processedCommit(principal, owner, name, sha);
    let key = commit.manifestKey!;
    if (flag !== null) {
      const report = await this.commits.findFlagReport(commit.id, flag);
      if (report === null) throw new AppError('CW_ERR_FLAG_NOT_FOUND', `commit ${sha} has no processed upload with flag ${flag}`);
      key = report.manifestKey;
    }
    return { repository, commit, manifest: await this.reports.manifest(key) };
  }
}

/** Cursors are opaque to clients: base64url of the last row's (created_at, id). */
export function encodeCursor(c: CommitCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id]), 'utf8').toString('base64url');
}

/** The cursor, or null when it is not one of ours. */
export function decodeCursor(s: string): CommitCursor | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && v[0].length <= 64 && v[1].length <= 64) return { createdAt: v[0], id: v[1] };
  } catch {
    // not JSON: not ours
  }
  return null;
}

const flagText = (flag: string | null) => (flag === null ? '' : ` (flag ${flag})`);

function toFileTotals(e: ManifestEntry) {
  const { files: _files, ...rest } = e.totals;
  return { path: e.path, ...rest };
}
