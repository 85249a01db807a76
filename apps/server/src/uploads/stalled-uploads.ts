import type { CommitReportsService } from '../commits/commit-reports.service.js';
import type { UploadsRepository } from './uploads.repository.js';

/** An upload whose report is stored but not merged this long after its job began is stalled. */
const STORED_STALL_MS = 10 * 60_000;
/** An upload still without a report this long after its job began has lost its job (its failure could not be recorded). */
const UNPARSED_STALL_MS = 60 * 60_000;
/** An upload whose job never began this long after it was received has lost its job. */
const RECEIVED_STALL_MS = 24 * 60 * 60_000;

/**
 * The worker's periodic safety net for the "last upload to be parsed merges" rule
 * (upload-processor.ts): uploads whose merge never happened (it kept failing, or the job that was
 * to do it died while recording a failure) are merged here, and uploads whose job is gone are failed
 * so that the others of their commit are merged. Every step is idempotent; a failing commit is
 * logged by the worker and tried again at the next run.
 */
export class StalledUploads {
  constructor(
    private readonly uploads: UploadsRepository,
    private readonly commitReports: CommitReportsService,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async sweep(): Promise<{ failed: number; commitsMerged: number; errors: number }> {
    const t = this.now().getTime();
    const lost = await this.uploads.failLostJobs(new Date(t - UNPARSED_STALL_MS).toISOString(), new Date(t - RECEIVED_STALL_MS).toISOString());
    const commits = new Set([...lost, ...(await this.uploads.commitsWithStalledReports(new Date(t - STORED_STALL_MS).toISOString()))]);
    let merged = 0;
    let errors = 0;
    for (const commitId of commits) {
      if ((await this.uploads.countUnparsed(commitId, '')) > 0) continue;
      try {
        await this.commitReports.merge(commitId);
        merged++;
      } catch {
        errors++;
      }
    }
    if (errors > 0) throw new Error(`stalled uploads: ${errors} of ${commits.size} commits could not be merged (tried again at the next run)`);
    return { failed: lost.length, commitsMerged: merged, errors };
  }
}
