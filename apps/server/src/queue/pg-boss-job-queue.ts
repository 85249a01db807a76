import { CompiledQuery, sql, type Kysely } from 'kysely';
import PgBoss from 'pg-boss';
import type { Db } from '../db/database.js';
import type { EnqueueOptions, Job, JobQueue } from './job-queue.js';

/** pg-boss's own expiry, a backstop only: our leases (below) decide when a job is handed to another worker. */
const BACKSTOP_EXPIRE_SECONDS = 23 * 60 * 60;

interface JobData {
  readonly payload: unknown;
  readonly maxAttempts: number;
}

interface LeaseRow {
  job_id: string;
  queue: string;
  attempts: number;
  max_attempts: number;
}

/**
 * The queue on pg-boss, in the same PostgreSQL database (chosen with `queue.driver: 'pg-boss'`, the
 * default on PostgreSQL). pg-boss stores the jobs, delivers new ones (`FOR UPDATE SKIP LOCKED`),
 * records completion and failure, and archives and deletes old jobs in its maintenance.
 *
 * pg-boss has no per-claim lease, lease extension or holder check, which the JobQueue contract needs
 * (a worker that stops extending loses its job; a worker that lost its job cannot complete it). So a
 * small lease table of ours sits beside pg-boss's tables, in its schema: one row per job a worker
 * holds (or one parked for a retry after a delay), changed in the same transaction as pg-boss's row
 * (pg-boss runs its statements on our transaction through its `db` option). A job stays `active` in
 * pg-boss while it is leased, retried or parked; pg-boss's own retries are off (`retryLimit: 0`) and
 * its expiry is only a backstop.
 */
export class PgBossJobQueue implements JobQueue {
  private readonly queues = new Set<string>();

  private constructor(
    private readonly db: Db,
    private readonly boss: PgBoss,
    private readonly schema: string,
    private readonly onEnqueue: (queue: string) => void,
  ) {}

  /**
   * Starts pg-boss on `url` (its own small pool; it creates and migrates its schema) and the lease
   * table. `db` must be the same database. Stop it with `close`.
   */
  static async start(options: { db: Db; url: string; schema: string; onEnqueue?: (queue: string) => void; onError?: (e: Error) => void }): Promise<PgBossJobQueue> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new Error(`invalid pg-boss schema name ${JSON.stringify(options.schema)}`);
    const boss = new PgBoss({ connectionString: options.url, schema: options.schema, max: 4, application_name: 'coverwatch-server pg-boss', supervise: true, schedule: false });
    // pg-boss emits maintenance errors; without a listener an EventEmitter 'error' would crash the process.
    boss.on('error', (e) => options.onError?.(e));
    await boss.start();
    const queue = new PgBossJobQueue(options.db, boss, options.schema, options.onEnqueue ?? (() => undefined));
    try {
      await queue.createLeaseTable();
    } catch (e) {
      await queue.close().catch(() => undefined);
      throw e;
    }
    return queue;
  }

  /**
   * The lease table, created once. `serve` and workers often start together: an advisory lock makes
   * them take turns (two concurrent `CREATE TABLE IF NOT EXISTS` can both try to create it).
   */
  private async createLeaseTable(): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`coverwatch_lease:${this.schema}`}))`.execute(trx);
      await sql`CREATE TABLE IF NOT EXISTS ${this.leases} (
        job_id uuid PRIMARY KEY,
        queue text NOT NULL,
        worker_id text,
        locked_until timestamptz NOT NULL,
        attempts integer NOT NULL,
        max_attempts integer NOT NULL,
        last_error text
      )`.execute(trx);
      await sql`CREATE INDEX IF NOT EXISTS coverwatch_lease_due ON ${this.leases} (queue, locked_until)`.execute(trx);
    });
  }

  private get leases() {
    return sql.id(this.schema, 'coverwatch_lease');
  }

  async enqueue(queue: string, payload: unknown, options: EnqueueOptions): Promise<string> {
    await this.ensureQueue(queue);
    const data: JobData = { payload, maxAttempts: options.maxAttempts };
    const id = await this.boss.send(queue, data as object, {
      retryLimit: 0,
      expireInSeconds: BACKSTOP_EXPIRE_SECONDS,
      ...(options.delayMs ? { startAfter: new Date(Date.now() + options.delayMs) } : {}),
      ...(options.executor !== undefined ? { db: bossDb(options.executor) } : {}),
    });
    if (id === null) throw new Error(`pg-boss did not accept a job for ${queue}`);
    this.onEnqueue(queue);
    return id;
  }

  async claim(queue: string, workerId: string, leaseMs: number): Promise<Job | null> {
    await this.ensureQueue(queue);
    // First a job whose lease ran out (its worker died) or whose retry delay passed.
    const again = await sql<LeaseRow>`
      UPDATE ${this.leases} SET worker_id = ${workerId}, attempts = attempts + 1,
        locked_until = now() + (${leaseMs}::double precision * interval '1 millisecond')
      WHERE job_id = (
        SELECT job_id FROM ${this.leases} WHERE queue = ${queue} AND locked_until < now()
        ORDER BY locked_until LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING job_id, queue, attempts, max_attempts`.execute(this.db);
    const row = again.rows[0];
    if (row !== undefined) {
      // Archived jobs too: when no worker took the lease over within pg-boss's expiry (say all workers
      // were down), pg-boss failed the job by timeout and later archives it, but the lease still
      // stands and the job must still run.
      const job = await this.boss.getJobById<JobData>(queue, row.job_id, { includeArchive: true });
      if (job === null) {
        // pg-boss deleted it (archived jobs are dropped after days): nothing left to run. Without the
        // payload no handler can succeed or even record the failure, so the lease would come back forever.
        await sql`DELETE FROM ${this.leases} WHERE job_id = ${row.job_id}::uuid AND worker_id = ${workerId}`.execute(this.db);
        return null;
      }
      return { id: row.job_id, queue, payload: job.data.payload, attempts: row.attempts, maxAttempts: row.max_attempts };
    }
    // Then a new job from pg-boss, leased in the same transaction.
    return this.db.transaction().execute(async (trx) => {
      const [job] = await this.boss.fetch<JobData>(queue, { batchSize: 1, db: bossDb(trx) });
      if (job === undefined) return null;
      await sql`INSERT INTO ${this.leases} (job_id, queue, worker_id, locked_until, attempts, max_attempts)
        VALUES (${job.id}::uuid, ${queue}, ${workerId}, now() + (${leaseMs}::double precision * interval '1 millisecond'), 1, ${job.data.maxAttempts})`.execute(trx);
      return { id: job.id, queue, payload: job.data.payload, attempts: 1, maxAttempts: job.data.maxAttempts };
    });
  }

  async extend(jobId: string, workerId: string, leaseMs: number): Promise<boolean> {
    const r = await sql`UPDATE ${this.leases} SET locked_until = now() + (${leaseMs}::double precision * interval '1 millisecond')
      WHERE job_id = ${jobId}::uuid AND worker_id = ${workerId}`.execute(this.db);
    return Number(r.numAffectedRows ?? 0) === 1;
  }

  async complete(jobId: string, workerId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const r = await sql<{ queue: string }>`DELETE FROM ${this.leases} WHERE job_id = ${jobId}::uuid AND worker_id = ${workerId} RETURNING queue`.execute(trx);
      const held = r.rows[0];
      if (held === undefined) return false;
      // The data argument is not optional at run time (pg-boss 10 reads the third argument as data, whatever its types say).
      await this.boss.complete(held.queue, jobId, { completedBy: workerId }, { db: bossDb(trx) });
      return true;
    });
  }

  async fail(jobId: string, workerId: string, error: string, retryDelayMs: number): Promise<'retry' | 'failed' | 'lost'> {
    return this.db.transaction().execute(async (trx) => {
      const r = await sql<LeaseRow>`SELECT job_id, queue, attempts, max_attempts FROM ${this.leases}
        WHERE job_id = ${jobId}::uuid AND worker_id = ${workerId} FOR UPDATE`.execute(trx);
      const held = r.rows[0];
      if (held === undefined) return 'lost';
      const message = error.slice(0, 2000);
      if (held.attempts >= held.max_attempts) {
        await sql`DELETE FROM ${this.leases} WHERE job_id = ${jobId}::uuid`.execute(trx);
        await this.boss.fail(held.queue, jobId, { message }, { db: bossDb(trx) });
        return 'failed';
      }
      // Parked: no holder, due after the delay; claim takes it from here.
      await sql`UPDATE ${this.leases} SET worker_id = NULL, last_error = ${message},
        locked_until = now() + (${retryDelayMs}::double precision * interval '1 millisecond')
        WHERE job_id = ${jobId}::uuid`.execute(trx);
      return 'retry';
    });
  }

  async release(jobId: string, workerId: string): Promise<void> {
    // Due at once, and the attempt it was on is given back (claim counts it again).
    await sql`UPDATE ${this.leases} SET worker_id = NULL, attempts = attempts - 1, locked_until = now() - interval '1 millisecond'
      WHERE job_id = ${jobId}::uuid AND worker_id = ${workerId}`.execute(this.db);
  }

  async check(): Promise<void> {
    await sql`SELECT 1 FROM ${this.leases} LIMIT 1`.execute(this.db);
    await this.boss.getQueue(PROBE_QUEUE);
  }

  /** pg-boss's own view of a job (for tests and diagnostics). */
  async jobState(queue: string, jobId: string): Promise<string | null> {
    return (await this.boss.getJobById(queue, jobId))?.state ?? null;
  }

  /** Stops pg-boss (its maintenance and its pool). Leases stay: another process takes them over. */
  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, timeout: 5000 });
  }

  private async ensureQueue(queue: string): Promise<void> {
    if (this.queues.has(queue)) return;
    if ((await this.boss.getQueue(queue)) === null) {
      try {
        await this.boss.createQueue(queue, { name: queue, retryLimit: 0, expireInSeconds: BACKSTOP_EXPIRE_SECONDS });
      } catch (e) {
        // Another process created it at the same moment.
        if ((await this.boss.getQueue(queue)) === null) throw e;
      }
    }
    this.queues.add(queue);
  }
}

const PROBE_QUEUE = 'coverwatch-probe';

/** pg-boss's `db` option on a Kysely connection or transaction: its statements join ours. */
function bossDb(db: Kysely<unknown> | Db): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[]) {
      const r = await (db as Kysely<unknown>).executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: r.rows as unknown[] };
    },
  };
}
