import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';

export interface CommitRow {
  readonly id: string;
  readonly repositoryId: string;
  readonly sha: string;
  readonly totalsJson: string | null;
  readonly manifestKey: string | null;
  readonly uploadCount: number;
  readonly reportVersion: number;
}

export interface CommitMeta {
  readonly branch?: string | undefined;
  readonly parents?: readonly string[] | undefined;
  readonly prNumber?: number | undefined;
}

/** The `commits` table. */
export class CommitsRepository {
  constructor(private readonly db: Db) {}

  /** The commit's id, creating the row on first sight; metadata sent again overwrites (the latest upload knows best). */
  async upsert(repositoryId: string, sha: string, meta: CommitMeta, executor: Db = this.db): Promise<string> {
    const now = isoNow();
    const update: Record<string, unknown> = { updated_at: now };
    if (meta.branch !== undefined) update.branch = meta.branch;
    if (meta.parents !== undefined) update.parents_json = JSON.stringify(meta.parents);
    if (meta.prNumber !== undefined) update.pr_number = meta.prNumber;
    await executor
      .insertInto('commits')
      .values({
        id: randomUUID(),
        repository_id: repositoryId,
        sha,
        branch: meta.branch ?? null,
        parents_json: JSON.stringify(meta.parents ?? []),
        pr_number: meta.prNumber ?? null,
        totals_json: null,
        manifest_key: null,
        upload_count: 0,
        report_version: 0,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['repository_id', 'sha']).doUpdateSet(update))
      .execute();
    const row = await executor.selectFrom('commits').select('id').where('repository_id', '=', repositoryId).where('sha', '=', sha).executeTakeFirstOrThrow();
    return row.id;
  }

  async findById(id: string): Promise<CommitRow | null> {
    return this.one(this.select().where('id', '=', id));
  }

  async findBySha(repositoryId: string, sha: string): Promise<CommitRow | null> {
    return this.one(this.select().where('repository_id', '=', repositoryId).where('sha', '=', sha));
  }

  /**
   * Stores a rebuilt report if nobody rebuilt it since `expectedVersion` was read; false otherwise
   * (the caller rebuilds again from the newer set of uploads).
   */
  async saveReport(id: string, expectedVersion: number, report: { totalsJson: string; manifestKey: string; uploadCount: number }): Promise<boolean> {
    const r = await this.db
      .updateTable('commits')
      .set({ totals_json: report.totalsJson, manifest_key: report.manifestKey, upload_count: report.uploadCount, report_version: expectedVersion + 1, updated_at: isoNow() })
      .where('id', '=', id)
      .where('report_version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  private select() {
    return this.db.selectFrom('commits').select(['id', 'repository_id', 'sha', 'totals_json', 'manifest_key', 'upload_count', 'report_version']);
  }

  private async one(q: ReturnType<CommitsRepository['select']>): Promise<CommitRow | null> {
    const r = await q.executeTakeFirst();
    if (r === undefined) return null;
    return {
      id: r.id,
      repositoryId: r.repository_id,
      sha: r.sha,
      totalsJson: r.totals_json,
      manifestKey: r.manifest_key,
      uploadCount: r.upload_count,
      reportVersion: r.report_version,
    };
  }
}
