import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';

export interface BranchRow {
  readonly name: string;
  readonly headSha: string;
  readonly headTotalsJson: string | null;
  readonly updatedAt: string;
}

/** The `branches` table: one row per branch that has processed coverage, pointing at its head commit. */
export class BranchesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Makes the commit the branch head if it is newer than the current head: first seen later
   * (`head_time`, the commit's `created_at`), ties broken by sha so concurrent workers agree. One
   * conditional update, so two workers finishing commits of one branch at once cannot move it back.
   */
  async advanceHead(repositoryId: string, name: string, head: { commitId: string; sha: string; time: string }): Promise<void> {
    const now = isoNow();
    await this.db
      .insertInto('branches')
      .values({ id: randomUUID(), repository_id: repositoryId, name, head_commit_id: head.commitId, head_sha: head.sha, head_time: head.time, created_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['repository_id', 'name']).doNothing())
      .execute();
    await this.db
      .updateTable('branches')
      .set({ head_commit_id: head.commitId, head_sha: head.sha, head_time: head.time, updated_at: now })
      .where('repository_id', '=', repositoryId)
      .where('name', '=', name)
      .where((eb) => eb.or([eb('head_time', '<', head.time), eb.and([eb('head_time', '=', head.time), eb('head_sha', '<', head.sha)])]))
      .execute();
  }

  /** Branches in name order, with the totals of their head commit. */
  async list(repositoryId: string, page: { offset: number; limit: number }): Promise<BranchRow[]> {
    const rows = await this.db
      .selectFrom('branches as b')
      .innerJoin('commits as c', 'c.id', 'b.head_commit_id')
      .select(['b.name', 'b.head_sha', 'b.updated_at', 'c.totals_json'])
      .where('b.repository_id', '=', repositoryId)
      .orderBy('b.name')
      .offset(page.offset)
      .limit(page.limit)
      .execute();
    return rows.map((r) => ({ name: r.name, headSha: r.head_sha, headTotalsJson: r.totals_json, updatedAt: r.updated_at }));
  }

  async exists(repositoryId: string, name: string): Promise<boolean> {
    const r = await this.db.selectFrom('branches').select('id').where('repository_id', '=', repositoryId).where('name', '=', name).executeTakeFirst();
    return r !== undefined;
  }
}
