import type { Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/database.schema.js';
import { isoNow } from '../db/clock.js';

export type UploadRecord = Selectable<Database['uploads']>;
export type NewUpload = Omit<UploadRecord, 'report_blob_key' | 'totals_json' | 'diagnostics_json' | 'error_code' | 'error_message' | 'processing_started_at' | 'finished_at' | 'raw_deleted_at'>;

/** The `uploads` table. State changes are guarded by the expected current state. */
export class UploadsRepository {
  constructor(private readonly db: Db) {}

  async insert(row: NewUpload, executor: Db = this.db): Promise<void> {
    await executor
      .insertInto('uploads')
      .values({ ...row, report_blob_key: null, totals_json: null, diagnostics_json: null, error_code: null, error_message: null, processing_started_at: null, finished_at: null, raw_deleted_at: null })
      .execute();
  }

  async findById(id: string): Promise<UploadRecord | null> {
    return (await this.db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async findByIdempotencyKey(repositoryId: string, key: string): Promise<UploadRecord | null> {
    return (await this.db.selectFrom('uploads').selectAll().where('repository_id', '=', repositoryId).where('idempotency_key', '=', key).executeTakeFirst()) ?? null;
  }

  /** received -> processing (also processing -> processing: a retried job takes over). */
  async markProcessing(id: string): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ state: 'processing', processing_started_at: isoNow() })
      .where('id', '=', id)
      .where('state', 'in', ['received', 'processing'])
      .execute();
  }

  /** Records the upload's parsed report; the state stays `processing` until the commit report includes it. */
  async saveReport(id: string, r: { reportBlobKey: string; totalsJson: string; diagnosticsJson: string }): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ report_blob_key: r.reportBlobKey, totals_json: r.totalsJson, diagnostics_json: r.diagnosticsJson })
      .where('id', '=', id)
      .where('state', 'in', ['received', 'processing'])
      .execute();
  }

  /** processing -> processed: the commit report now includes the upload. */
  async markProcessed(id: string): Promise<void> {
    await this.db.updateTable('uploads').set({ state: 'processed', finished_at: isoNow() }).where('id', '=', id).where('state', '=', 'processing').execute();
  }

  /** processing -> processed for every upload of `ids` still processing: one commit report now includes them all. */
  async markProcessedMany(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.updateTable('uploads').set({ state: 'processed', finished_at: isoNow() }).where('id', 'in', ids).where('state', '=', 'processing').execute();
  }

  /**
   * How many uploads of the commit, other than `exceptId`, have not got as far as a stored report or a
   * failure: their jobs are still to run (or running), and the last of them merges the commit.
   */
  async countUnparsed(commitId: string, exceptId: string): Promise<number> {
    const r = await this.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('commit_id', '=', commitId)
      .where('id', '!=', exceptId)
      .where('state', 'in', ['received', 'processing'])
      .where('report_blob_key', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /**
   * Fails uploads whose job is gone (none of its attempts could record an outcome): `processing`
   * without a report since before `parsingBefore`, or `received` since before `receivedBefore`.
   * Returns the commits concerned, whose other uploads can now be merged.
   */
  async failLostJobs(parsingBefore: string, receivedBefore: string): Promise<string[]> {
    const lost = await this.db
      .selectFrom('uploads')
      .select(['id', 'commit_id'])
      .where('report_blob_key', 'is', null)
      .where((eb) => eb.or([eb.and([eb('state', '=', 'processing'), eb('processing_started_at', '<', parsingBefore)]), eb.and([eb('state', '=', 'received'), eb('created_at', '<', receivedBefore)])]))
      .limit(1000)
      .execute();
    for (const u of lost) {
      await this.markFailed(u.id, { code: 'CW_ERR_UPLOAD_PROCESSING_FAILED', message: 'processing stopped without an outcome (its job was lost); upload again', diagnosticsJson: null });
    }
    return [...new Set(lost.map((u) => u.commit_id))];
  }

  /** Commits with an upload whose report is stored but which is still `processing` since before `before`. */
  async commitsWithStalledReports(before: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('uploads')
      .select('commit_id')
      .distinct()
      .where('state', '=', 'processing')
      .where('report_blob_key', 'is not', null)
      .where('processing_started_at', '<', before)
      .limit(1000)
      .execute();
    return rows.map((r) => r.commit_id);
  }

  async markFailed(id: string, r: { code: string; message: string; diagnosticsJson: string | null }): Promise<void> {
    await this.db
      .updateTable('uploads')
      .set({ state: 'failed', error_code: r.code, error_message: r.message.slice(0, 2000), diagnostics_json: r.diagnosticsJson, finished_at: isoNow() })
      .where('id', '=', id)
      .where('state', 'in', ['received', 'processing'])
      .execute();
  }

  /**
   * Uploads of a commit whose report is stored (processed, or processing past the parse), oldest
   * first, ties broken by id so the order is total.
   */
  async listWithReportForCommit(commitId: string) {
    return this.db
      .selectFrom('uploads')
      .select(['id', 'job_identity', 'report_blob_key', 'flags_json', 'created_at'])
      .where('commit_id', '=', commitId)
      .where('state', 'in', ['processing', 'processed'])
      .where('report_blob_key', 'is not', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Every upload of a commit, oldest first (ties by id). */
  async listForCommit(commitId: string): Promise<UploadRecord[]> {
    return this.db.selectFrom('uploads').selectAll().where('commit_id', '=', commitId).orderBy('created_at').orderBy('id').execute();
  }

  /** How many uploads of each commit are in each state. */
  async stateCounts(commitIds: readonly string[]): Promise<Map<string, Record<UploadRecord['state'], number>>> {
    const out = new Map<string, Record<UploadRecord['state'], number>>();
    if (commitIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('uploads')
      .select((eb) => ['commit_id', 'state', eb.fn.countAll().as('n')])
      .where('commit_id', 'in', commitIds)
      .groupBy(['commit_id', 'state'])
      .execute();
    for (const r of rows) {
      let counts = out.get(r.commit_id);
      if (counts === undefined) out.set(r.commit_id, (counts = { received: 0, processing: 0, processed: 0, failed: 0 }));
      // COUNT is a number on SQLite and a bigint string on PostgreSQL.
      counts[r.state] = Number(r.n);
    }
    return out;
  }
}
