import { AdminService } from './admin/admin.service.js';
import { TokenAuthService } from './auth/token-auth.service.js';
import type { BlobStore } from './blobs/blob-store.js';
import { CommitReportsService } from './commits/commit-reports.service.js';
import { CommitsRepository } from './commits/commits.repository.js';
import { CommitsService } from './commits/commits.service.js';
import type { Config } from './config/config.schema.js';
import type { Db } from './db/database.js';
import { OrgsRepository } from './orgs/orgs.repository.js';
import type { JobQueue } from './queue/job-queue.js';
import { ReposRepository } from './repos/repos.repository.js';
import { TokensRepository } from './tokens/tokens.repository.js';
import { UploadProcessor } from './uploads/upload-processor.js';
import { UploadsRepository } from './uploads/uploads.repository.js';
import { UploadsService } from './uploads/uploads.service.js';

/** The storage every process needs: injected, so tests and later backends (PostgreSQL, S3, pg-boss) swap it. */
export interface Storage {
  readonly db: Db;
  readonly blobs: BlobStore;
  readonly queue: JobQueue;
}

export type Services = ReturnType<typeof createServices>;

/** Wires repositories into services. Each service gets only the repositories it needs. */
export function createServices(config: Config, storage: Storage) {
  const { db, blobs, queue } = storage;
  const orgs = new OrgsRepository(db);
  const repos = new ReposRepository(db);
  const tokens = new TokensRepository(db);
  const commits = new CommitsRepository(db);
  const uploads = new UploadsRepository(db);
  const commitReports = new CommitReportsService(commits, uploads, blobs);
  return {
    auth: new TokenAuthService(tokens),
    admin: new AdminService(orgs, repos, tokens),
    uploads: new UploadsService(db, uploads, commits, repos, blobs, queue, config.worker.maxAttempts),
    commits: new CommitsService(repos, commits, commitReports),
    uploadProcessor: new UploadProcessor(uploads, blobs, commitReports, config.upload.maxDecompressedBytes),
  };
}
