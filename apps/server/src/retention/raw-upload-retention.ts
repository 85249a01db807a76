import type { BlobStore } from '../blobs/blob-store.js';
import type { Db } from '../db/database.js';

export interface RetentionResult {
  /** Uploads whose raw body was deleted (their rows, reports and the commit's coverage stay). */
  readonly uploads: number;
}

/**
 * Deletes raw upload bodies kept longer than the retention. Only finished uploads (processed or
 * failed) expire: a body still waiting to be processed is never deleted. Each upload has its own
 * raw blob, so deleting one never touches another. The blob is deleted first and the row marked
 * after: a crash in between leaves an unmarked row whose (already gone) blob the next sweep deletes
 * again and marks. Two workers sweeping at once delete a blob twice, which is harmless.
 */
export class RawUploadRetention {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly days: number,
  ) {}

  async sweep(now: Date = new Date(), batch = 500): Promise<RetentionResult> {
    if (this.days === 0) return { uploads: 0 };
    const cutoff = new Date(now.getTime() - this.days * 86_400_000).toISOString();
    let uploads = 0;
    for (;;) {
      const expired = await this.db
        .selectFrom('uploads')
        .select(['id', 'raw_blob_key'])
        .where('raw_deleted_at', 'is', null)
        .where('state', 'in', ['processed', 'failed'])
        .where('finished_at', '<', cutoff)
        .orderBy('finished_at')
        .orderBy('id')
        .limit(batch)
        .execute();
      if (expired.length === 0) break;
      for (const u of expired) await this.blobs.delete(u.raw_blob_key);
      await this.db
        .updateTable('uploads')
        .set({ raw_deleted_at: now.toISOString() })
        .where('id', 'in', expired.map((u) => u.id))
        .where('raw_deleted_at', 'is', null)
        .execute();
      uploads += expired.length;
      if (expired.length < batch) break;
    }
    return { uploads };
  }
}
