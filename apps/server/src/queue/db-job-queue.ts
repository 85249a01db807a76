import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { isoNow } from '../db/clock.js';
import type { EnqueueOptions, Job, JobQueue } from './job-queue.js';

/**
 * The queue in the `jobs` table. Claiming is a read followed by a conditional update guarded by
 * (state, attempts): of two workers that read the same row only one update matches, without
 * database-specific locking (`FOR UPDATE SKIP LOCKED` would do better on PostgreSQL under contention;
 * pg-boss replaces this there). Expired leases are claimable like queued jobs.
 */
export class DbJobQueue implements JobQueue {
  constructor(
    private readonly db: Db,
    /** Called after every enqueue, so an in-process worker starts at once instead of at its next poll. */
    private readonly onEnqueue: (queue: string) => void = () => undefined,
  ) {}

  async enqueue(queue: string, payload: unknown, options: EnqueueOptions): Promise<string> {
    const id = randomUUID();
    const now = isoNow();
    await (options.executor ?? this.db)
      .insertInto('jobs')
      .values({
        id,
        queue,
        payload_json: JSON.stringify(payload),
        state: 'queued',
        attempts: 0,
        max_attempts: options.maxAttempts,
        run_after: isoNow(options.delayMs ?? 0),
        locked_by: null,
        locked_until: null,
        last_error: null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    this.onEnqueue(queue);
    return id;
  }

  async claim(queue: string, workerId: string, leaseMs: number): Promise<Job | null> {
    for (let tries = 0; tries < 5; tries++) {
      const now = isoNow();
      const row = await this.db
        .selectFrom('jobs')
        .select(['id', 'state', 'attempts', 'max_attempts', 'payload_json'])
        .where('queue', '=', queue)
        .where((eb) => eb.or([eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', now)]), eb.and([eb('state', '=', 'active'), eb('locked_until', '<', now)])]))
        .orderBy('run_after')
        .limit(1)
        .executeTakeFirst();
      if (row === undefined) return null;
      const r = await this.db
        .updateTable('jobs')
        .set({ state: 'active', locked_by: workerId, locked_until: isoNow(leaseMs), attempts: sql<number>`attempts + 1`, updated_at: now })
        .where('id', '=', row.id)
        .where('state', '=', row.state)
        .where('attempts', '=', row.attempts)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 1) {
        return { id: row.id, queue, payload: JSON.parse(row.payload_json) as unknown, attempts: row.attempts + 1, maxAttempts: row.max_attempts };
      }
    }
    return null;
  }

  async extend(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const r = await this.held(jobId, workerId).set({ locked_until: isoNow(leaseMs), updated_at: isoNow() }).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async complete(jobId: string, workerId: string): Promise<boolean> {
    const r = await this.held(jobId, workerId).set({ state: 'done', locked_by: null, locked_until: null, updated_at: isoNow() }).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async fail(jobId: string, workerId: string, error: string, retryDelayMs: number): Promise<'retry' | 'failed' | 'lost'> {
    const row = await this.db.selectFrom('jobs').select(['attempts', 'max_attempts']).where('id', '=', jobId).executeTakeFirst();
    if (row === undefined) return 'lost';
    const final = row.attempts >= row.max_attempts;
    const r = await this.held(jobId, workerId)
      .set({ state: final ? 'failed' : 'queued', run_after: isoNow(retryDelayMs), last_error: error.slice(0, 2000), locked_by: null, locked_until: null, updated_at: isoNow() })
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return 'lost';
    return final ? 'failed' : 'retry';
  }

  async release(jobId: string, workerId: string): Promise<void> {
    await this.held(jobId, workerId)
      .set({ state: 'queued', run_after: isoNow(), attempts: sql<number>`attempts - 1`, locked_by: null, locked_until: null, updated_at: isoNow() })
      .execute();
  }

  async check(): Promise<void> {
    await this.db.selectFrom('jobs').select('id').limit(1).execute();
  }

  private held(jobId: string, workerId: string) {
    return this.db.updateTable('jobs').where('id', '=', jobId).where('state', '=', 'active').where('locked_by', '=', workerId);
  }
}
