import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { migrateToLatest, openSqlite } from '../db/database.js';
import { DbJobQueue } from '../queue/db-job-queue.js';
import type { Job } from '../queue/job-queue.js';
import { Worker, type JobHandler } from './worker.js';

describe('Worker', () => {
  it('retries a failing job with back-off, then reports it exhausted', async () => {
    const db = openSqlite(':memory:');
    await migrateToLatest(db);
    const queue = new DbJobQueue(db);
    const runs: number[] = [];
    let exhausted: { job: Job; error: string } | null = null;
    const handler: JobHandler = {
      queue: 'q',
      run: async (job) => {
        runs.push(job.attempts);
        throw new Error(`attempt ${job.attempts} failed`);
      },
      onExhausted: async (job, error) => {
        exhausted = { job, error };
      },
    };
    const worker = new Worker(queue, [handler], { concurrency: 1, pollIntervalMs: 10, leaseMs: 60_000, logger: pino({ level: 'silent' }) });
    worker.start();
    await queue.enqueue('q', {}, { maxAttempts: 2 });
    worker.wake();
    for (let i = 0; i < 200 && exhausted === null; i++) await new Promise((r) => setTimeout(r, 10));
    await worker.stop(1000);
    expect(runs).toEqual([1, 2]);
    expect(exhausted).toMatchObject({ job: { attempts: 2 }, error: 'attempt 2 failed' });
    await db.destroy();
  });

  it('fails an exhausted job for good even when recording it throws (it used to stay claimed and come back for ever)', async () => {
    const db = openSqlite(':memory:');
    await migrateToLatest(db);
    const queue = new DbJobQueue(db);
    let runs = 0;
    let exhaustedCalls = 0;
    const handler: JobHandler = {
      queue: 'q',
      run: async () => {
        runs++;
        throw new Error('always fails');
      },
      onExhausted: async () => {
        exhaustedCalls++;
        throw new Error('the database is gone');
      },
    };
    // A short lease: were the job left claimed, it would be claimed again within the wait below.
    const worker = new Worker(queue, [handler], { concurrency: 1, pollIntervalMs: 5, leaseMs: 50, logger: pino({ level: 'silent' }) });
    worker.start();
    const id = await queue.enqueue('q', {}, { maxAttempts: 1 });
    worker.wake();
    for (let i = 0; i < 100 && exhaustedCalls === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 300));
    await worker.stop(1000);
    expect(runs).toBe(1);
    expect(exhaustedCalls).toBe(1);
    const row = await db.selectFrom('jobs').select(['state', 'last_error']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'failed', last_error: 'always fails' });
    await db.destroy();
  });

  it('runs periodic housekeeping while it runs, survives a failing run, and stops it with the worker', async () => {
    const db = openSqlite(':memory:');
    await migrateToLatest(db);
    let runs = 0;
    const worker = new Worker(new DbJobQueue(db), [], {
      concurrency: 1,
      pollIntervalMs: 10,
      leaseMs: 60_000,
      logger: pino({ level: 'silent' }),
      periodic: [{ name: 'count', intervalMs: 10, run: async () => { if (++runs === 1) throw new Error('first run fails'); } }],
    });
    worker.start();
    for (let i = 0; i < 100 && runs < 3; i++) await new Promise((r) => setTimeout(r, 10));
    await worker.stop(1000);
    expect(runs).toBeGreaterThanOrEqual(3);
    const stoppedAt = runs;
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toBe(stoppedAt);
    await db.destroy();
  });
});
