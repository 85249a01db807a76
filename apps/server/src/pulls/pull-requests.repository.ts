import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';

export interface PullRequestRow {
  readonly number: number;
  readonly headBranch: string | null;
  readonly baseBranch: string | null;
  readonly baseSha: string | null;
  readonly mergeBaseSha: string | null;
  readonly headSha: string;
  readonly updatedAt: string;
}

export interface PullRequestMeta {
  readonly number: number;
  readonly headBranch?: string | undefined;
  readonly baseBranch?: string | undefined;
  readonly baseSha?: string | undefined;
  readonly mergeBaseSha?: string | undefined;
  readonly headSha: string;
}

/** The `pull_requests` table. */
export class PullRequestsRepository {
  constructor(private readonly db: Db) {}

  /** Records what an upload says about its pull request; values sent again overwrite (the latest upload knows best). */
  async upsert(repositoryId: string, pr: PullRequestMeta, executor: Db = this.db): Promise<void> {
    const now = isoNow();
    const update: Record<string, unknown> = { head_sha: pr.headSha, updated_at: now };
    if (pr.headBranch !== undefined) update.head_branch = pr.headBranch;
    if (pr.baseBranch !== undefined) update.base_branch = pr.baseBranch;
    if (pr.baseSha !== undefined) update.base_sha = pr.baseSha;
    if (pr.mergeBaseSha !== undefined) update.merge_base_sha = pr.mergeBaseSha;
    await executor
      .insertInto('pull_requests')
      .values({
        id: randomUUID(),
        repository_id: repositoryId,
        number: pr.number,
        head_branch: pr.headBranch ?? null,
        base_branch: pr.baseBranch ?? null,
        base_sha: pr.baseSha ?? null,
        merge_base_sha: pr.mergeBaseSha ?? null,
        head_sha: pr.headSha,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['repository_id', 'number']).doUpdateSet(update))
      .execute();
  }

  /** Pull requests, most recently updated first. */
  async list(repositoryId: string, page: { offset: number; limit: number }): Promise<PullRequestRow[]> {
    const rows = await this.db
      .selectFrom('pull_requests')
      .select(['number', 'head_branch', 'base_branch', 'base_sha', 'merge_base_sha', 'head_sha', 'updated_at'])
      .where('repository_id', '=', repositoryId)
      .orderBy('updated_at', 'desc')
      .orderBy('number', 'desc')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return rows.map((r) => ({ number: r.number, headBranch: r.head_branch, baseBranch: r.base_branch, baseSha: r.base_sha, mergeBaseSha: r.merge_base_sha, headSha: r.head_sha, updatedAt: r.updated_at }));
  }
}
