import type { Totals } from '@coverwatch/core';
import type { Principal } from '../auth/token-auth.service.js';
import { AppError } from '../errors/app-error.js';
import type { ReposRepository } from '../repos/repos.repository.js';
import type { CommitReportsService, ManifestEntry } from './commit-reports.service.js';
import type { CommitsRepository } from './commits.repository.js';

/** Read side of commits: totals and per-file totals of the merged commit report. */
export class CommitsService {
  constructor(
    private readonly repos: ReposRepository,
    private readonly commits: CommitsRepository,
    private readonly reports: CommitReportsService,
  ) {}

  async totals(principal: Principal, owner: string, name: string, sha: string): Promise<{ repository: string; commitSha: string; uploads: number; totals: Totals }> {
    const { repository, commit } = await this.processedCommit(principal, owner, name, sha);
    return { repository, commitSha: commit.sha, uploads: commit.uploadCount, totals: JSON.parse(commit.totalsJson!) as Totals };
  }

  async files(principal: Principal, owner: string, name: string, sha: string, page: { offset: number; limit: number }) {
    const { repository, commit } = await this.processedCommit(principal, owner, name, sha);
    const manifest = await this.reports.readManifest(commit.manifestKey!);
    const slice = manifest.files.slice(page.offset, page.offset + page.limit);
    const next = page.offset + slice.length;
    return {
      repository,
      commitSha: commit.sha,
      files: slice.map(toFileTotals),
      nextOffset: next < manifest.files.length ? next : null,
    };
  }

  private async processedCommit(principal: Principal, owner: string, name: string, sha: string) {
    const repo = await this.repos.findByFullName(owner, name);
    // The same answer whether the repository exists or not: a token learns nothing about others.
    if (repo === null || repo.id !== principal.repositoryId) throw new AppError('CW_ERR_AUTH_FORBIDDEN', `this token does not grant access to ${owner}/${name}`);
    const commit = await this.commits.findBySha(repo.id, sha);
    if (commit === null || commit.totalsJson === null || commit.manifestKey === null) {
      throw new AppError('CW_ERR_COMMIT_NOT_FOUND', `no processed coverage for commit ${sha} of ${repo.fullName}`);
    }
    return { repository: repo.fullName, commit };
  }
}

function toFileTotals(e: ManifestEntry) {
  const { files: _files, ...rest } = e.totals;
  return { path: e.path, ...rest };
}
