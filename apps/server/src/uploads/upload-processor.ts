import { mergeReports, parseReport, resolveReport, type Diagnostic, type FormatId, type Report } from '@coverwatch/core';
import { UploadEnvelopeSchema } from '@coverwatch/protocol';
import { gunzipSync } from 'node:zlib';
import type { BlobStore } from '../blobs/blob-store.js';
import type { CommitReportsService } from '../commits/commit-reports.service.js';
import type { Job } from '../queue/job-queue.js';
import type { JobHandler } from '../worker/worker.js';
import { PROCESS_UPLOAD_QUEUE, type ProcessUploadPayload } from './uploads.service.js';
import type { UploadsRepository } from './uploads.repository.js';
import type { ReposRepository } from '../repos/repos.repository.js';
import { PathResolvers } from './path-resolvers.js';

/** Diagnostics kept per upload: enough to explain a failure, bounded so one bad report cannot bloat a row. */
const MAX_DIAGNOSTICS = 200;

/**
 * The processing job of one upload: parse each report with core, merge them, resolve paths against
 * the envelope's file list with the repository's path fixes and ignore globs, store the upload's
 * report (or fail the upload with the parser's diagnostics), then merge it into the commit report.
 *
 * The last upload of a commit to get past its parse does the merge, for every upload stored so far:
 * 20 CI shards arriving together are merged once or twice, not 20 times. Which job is last is decided
 * by the database (each job stores its report, then counts the uploads still unparsed; of two that
 * finish together at least one sees the other's report). An upload whose job leaves the merge to a
 * later one stays `processing` until that merge marks it `processed`.
 *
 * Idempotent: run again after a crash it finishes what is missing (a stored report is not parsed again).
 */
export class UploadProcessor implements JobHandler {
  readonly queue = PROCESS_UPLOAD_QUEUE;
  private readonly resolvers = new PathResolvers();

  constructor(
    private readonly uploads: UploadsRepository,
    private readonly blobs: BlobStore,
    private readonly commitReports: CommitReportsService,
    private readonly maxDecompressedBytes: number,
    private readonly repos: ReposRepository,
  ) {}

  async run(job: Job): Promise<void> {
    const { uploadId } = job.payload as ProcessUploadPayload;
    const upload = await this.uploads.findById(uploadId);
    if (upload === null || upload.state === 'processed') return;
    // Failed on an earlier attempt (its report invalid) but the merge after it did not finish: the
    // uploads that left their merge to this one would wait for ever.
    if (upload.state === 'failed') return this.mergeIfLast(upload.commit_id, uploadId);
    // A retry after a crash skips what is done: the parse when the report is stored.
    if (upload.report_blob_key === null) {
      await this.uploads.markProcessing(uploadId);
      const raw = await this.blobs.get(upload.raw_blob_key);
      if (raw === null) throw new Error(`raw blob of upload ${uploadId} is missing`);
      const envelope = UploadEnvelopeSchema.parse(JSON.parse(gunzipSync(raw, { maxOutputLength: this.maxDecompressedBytes }).toString('utf8')));

      const diagnostics: Diagnostic[] = [];
      const reports: Report[] = [];
      const failed: string[] = [];
      for (const r of envelope.reports) {
        const result = parseReport(Buffer.from(r.data, 'base64'), { fileName: r.name, ...(r.format !== undefined ? { format: r.format as FormatId } : {}) });
        diagnostics.push(...result.diagnostics);
        if (result.status !== 'ok') failed.push(`${r.name} (${result.status})`);
        reports.push(result.report);
      }
      if (failed.length > 0) {
        // A report that fails to parse fails its upload; the commit's other uploads are untouched.
        await this.uploads.markFailed(uploadId, {
          code: 'CW_ERR_UPLOAD_REPORT_INVALID',
          message: `${failed.length} of ${envelope.reports.length} reports could not be read: ${failed.join(', ')}`,
          diagnosticsJson: JSON.stringify(diagnostics.slice(0, MAX_DIAGNOSTICS)),
        });
        await this.mergeIfLast(upload.commit_id, uploadId);
        return;
      }
      // The repository's own fixes and ignore globs, as set when this upload is processed.
      const resolver = this.resolvers.get(envelope.files ?? null, await this.repos.pathRules(upload.repository_id));
      const resolved = resolveReport(mergeReports(reports), resolver);
      diagnostics.push(...resolved.diagnostics);
      const stored = await this.commitReports.storeUploadReport(uploadId, upload.commit_id, resolved.report);
      await this.uploads.saveReport(uploadId, {
        reportBlobKey: stored.key,
        totalsJson: JSON.stringify(stored.totals),
        diagnosticsJson: JSON.stringify(diagnostics.slice(0, MAX_DIAGNOSTICS)),
      });
    }
    await this.mergeIfLast(upload.commit_id, uploadId);
  }

  /** Merges the commit unless another upload of it is still to be parsed (its job will merge, this one included). */
  private async mergeIfLast(commitId: string, uploadId: string): Promise<void> {
    if ((await this.uploads.countUnparsed(commitId, uploadId)) > 0) return;
    await this.commitReports.merge(commitId);
  }

  async onExhausted(job: Job, _error: string): Promise<void> {
    const { uploadId } = job.payload as ProcessUploadPayload;
    // A stored report is good coverage: a merge that failed does not make the upload fail. It stays
    // `processing` until the sweeper's merge includes it.
    const upload = await this.uploads.findById(uploadId);
    if (upload !== null && upload.report_blob_key !== null) return;
    // The error text stays in the job row and the log (it may name internal paths); users get the code.
    await this.uploads.markFailed(uploadId, {
      code: 'CW_ERR_UPLOAD_PROCESSING_FAILED',
      message: `processing failed after ${job.attempts} attempts; an operator can find the cause in the server log (job ${job.id})`,
      diagnosticsJson: null,
    });
    // Nothing else here: a merge that kept failing would fail again (or take the process down with
    // it, and come back with the job). Uploads left `processing` are merged by the sweeper
    // (uploads/stalled-uploads.ts), which runs apart from any one job.
  }
}
