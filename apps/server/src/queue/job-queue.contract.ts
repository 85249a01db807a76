import { describe, expect, it } from 'vitest';
import type { Db } from '../db/database.js';
import type { JobQueue } from './job-queue.js';

/**
 * The behaviour every JobQueue must have (the database queue on SQLite and PostgreSQL, pg-boss).
 * `skip`: the backend is not available here (the caller prints why).
 */
export function jobQueueContract(name: string, make: () => Promise<JobQueue>, options: { skip?: boolean; db?: () => Db } = {}): void {
  describe.skipIf(options.skip === true)(`JobQueue contract: ${name}`, () => {
    it.skipIf(options.db === undefined)('enqueues inside the caller\'s transaction: rolled back, no job', async () => {
      const q = await make();
      const db = options.db!();
      await expect(
        db.transaction().execute(async (trx) => {
          await q.enqueue('t', { n: 1 }, { maxAttempts: 1, executor: trx });
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      expect(await q.claim('t', 'w', 60_000)).toBeNull();
      await db.transaction().execute(async (trx) => {
        await q.enqueue('t', { n: 2 }, { maxAttempts: 1, executor: trx });
      });
      expect(await q.claim('t', 'w', 60_000)).toMatchObject({ payload: { n: 2 } });
    });

    it('delivers a job once to one claimer, then completes it', async () => {
      const q = await make();
      const id = await q.enqueue('q', { n: 1 }, { maxAttempts: 3 });
      const [a, b] = await Promise.all([q.claim('q', 'w1', 60_000), q.claim('q', 'w2', 60_000)]);
      const got = [a, b].filter((j) => j !== null);
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ id, queue: 'q', payload: { n: 1 }, attempts: 1, maxAttempts: 3 });
      const holder = a !== null ? 'w1' : 'w2';
      expect(await q.complete(id, holder === 'w1' ? 'w2' : 'w1')).toBe(false);
      expect(await q.complete(id, holder)).toBe(true);
      expect(await q.claim('q', 'w1', 60_000)).toBeNull();
    });

    it('keeps queues apart and honours a delay', async () => {
      const q = await make();
      await q.enqueue('later', {}, { maxAttempts: 1, delayMs: 60_000 });
      await q.enqueue('other', {}, { maxAttempts: 1 });
      expect(await q.claim('later', 'w', 1000)).toBeNull();
      expect(await q.claim('nothing', 'w', 1000)).toBeNull();
      expect(await q.claim('other', 'w', 1000)).not.toBeNull();
    });

    it('retries a failed job until it runs out of attempts', async () => {
      const q = await make();
      const id = await q.enqueue('r', {}, { maxAttempts: 2 });
      const j1 = (await q.claim('r', 'w', 60_000))!;
      expect(await q.fail(j1.id, 'w', 'boom', 0)).toBe('retry');
      const j2 = (await q.claim('r', 'w', 60_000))!;
      expect(j2).toMatchObject({ id, attempts: 2 });
      expect(await q.fail(j2.id, 'w', 'boom again', 0)).toBe('failed');
      expect(await q.claim('r', 'w', 60_000)).toBeNull();
    });

    it('hands a job whose lease ran out to another worker; the first loses it', async () => {
      const q = await make();
      const id = await q.enqueue('l', {}, { maxAttempts: 5 });
      expect(await q.claim('l', 'dead', 1)).not.toBeNull();
      await new Promise((r) => setTimeout(r, 20));
      const again = await q.claim('l', 'alive', 60_000);
      expect(again).toMatchObject({ id, attempts: 2 });
      expect(await q.extend(id, 'dead', 60_000)).toBe(false);
      expect(await q.complete(id, 'dead')).toBe(false);
      expect(await q.extend(id, 'alive', 60_000)).toBe(true);
      expect(await q.complete(id, 'alive')).toBe(true);
    });

    it('release hands a job back at once without spending an attempt', async () => {
      const q = await make();
      const id = await q.enqueue('s', {}, { maxAttempts: 5 });
      await q.claim('s', 'w', 60_000);
      await q.release(id, 'w');
      expect(await q.claim('s', 'w2', 60_000)).toMatchObject({ id, attempts: 1 });
      await q.check();
    });
  });
}
