import type { Logger } from 'pino';
import { alertTasks } from './alerts/alerting.js';
import { checkpointTask } from './audit/checkpoint-task.js';
import { openBlobStore } from './blobs/open-blob-store.js';
import type { Config } from './config/config.schema.js';
import { sql } from 'kysely';
import { openMigratedDatabase, storageError, type Db } from './db/database.js';
import { AppError } from './errors/app-error.js';
import { DbJobQueue } from './queue/db-job-queue.js';
import type { JobQueue } from './queue/job-queue.js';
import { PgBossJobQueue } from './queue/pg-boss-job-queue.js';
import { createServices, type Storage } from './services.js';
import { ThrottleStore } from './throttle/throttle-store.js';
import { Worker } from './worker/worker.js';

export interface Runtime extends Storage {
  /** Starts a worker on this storage (for `serve` with the in-process worker, and `worker`). */
  startWorker(logger: Logger): Worker;
  close(): Promise<void>;
}

/** The queue driver in force: the configured one, else `db` on SQLite and `pg-boss` on PostgreSQL. */
export function queueDriver(config: Config): 'db' | 'pg-boss' {
  return config.queue.driver ?? (config.databaseUrl !== undefined ? 'pg-boss' : 'db');
}

/**
 * Opens the storage the configuration names and applies pending migrations. Embedded default:
 * SQLite and blobs under the data directory, the queue in the same database. With a database URL:
 * PostgreSQL, and the queue on pg-boss in the same database (or the `jobs` table with
 * `queue.driver: 'db'`). Blobs: files under the data directory, or an S3-compatible bucket with
 * `blobs.driver: 's3'` (what several machines share).
 */
export async function openRuntime(config: Config, options: { logger?: Logger } = {}): Promise<Runtime> {
  const driver = queueDriver(config);
  if (driver === 'pg-boss' && config.databaseUrl === undefined) {
    throw new AppError('CW_ERR_CONFIG_UNSUPPORTED', 'queue.driver pg-boss needs PostgreSQL (COVERWATCH_DATABASE_URL); the embedded SQLite database uses the db queue');
  }
  const { db } = await openMigratedDatabase(config);
  if (config.databaseUrl !== undefined) await warnOnCollation(db, options.logger);
  const { blobs, close: closeBlobs } = openBlobStore(config);
  let wake = () => {};
  let queue: JobQueue;
  let closeQueue = async () => {};
  if (driver === 'pg-boss') {
    try {
      const boss = await PgBossJobQueue.start({
        db,
        url: config.databaseUrl!,
        schema: config.queue.pgBossSchema ?? (await defaultPgBossSchema(db)),
        onEnqueue: () => wake(),
        // pg-boss maintenance errors: logged without the connection string (pg errors do not carry it).
        onError: (e) => options.logger?.warn({ err: { message: e.message, code: (e as { code?: unknown }).code } }, 'pg-boss error'),
      });
      queue = boss;
      closeQueue = () => boss.close();
    } catch (e) {
      await db.destroy().catch(() => undefined);
      closeBlobs();
      throw storageError(e, config.databaseUrl);
    }
  } else {
    queue = new DbJobQueue(db, () => wake());
  }
  const storage: Storage = { db, blobs, queue };
  return {
    ...storage,
    startWorker(logger: Logger) {
      const services = createServices(config, storage);
      const worker = new Worker(queue, [services.uploadProcessor], {
        ...config.worker,
        logger,
        periodic: [
          { name: 'raw-upload retention', intervalMs: config.retention.sweepIntervalMinutes * 60_000, run: () => services.retention.sweep() },
          // Uploads whose merge never happened, or whose job was lost (uploads/stalled-uploads.ts).
          { name: 'stalled uploads', intervalMs: 60_000, run: () => services.stalledUploads.sweep() },
          // Single sign-on round trips older than an hour.
          { name: 'sso request pruning', intervalMs: 10 * 60_000, run: () => services.sso.prune() },
          // Throttle counters long forgotten (sign-in, second factor): the table stays small.
          { name: 'throttle pruning', intervalMs: 60 * 60_000, run: () => new ThrottleStore(db).prune(Date.now()) },
          // Signed checkpoints of the audit log's head, pushed to the checkpoint file and webhook (with audit.signingKey).
          ...(services.auditCheckpoints === null ? [] : [checkpointTask(services.auditCheckpoints, config.audit.checkpointIntervalMinutes, logger)]),
          // Anomaly rules over new audit records, and alert delivery (alerts.evaluationIntervalSeconds).
          ...alertTasks(services.alerts, config.alerts, logger),
        ],
      });
      wake = () => worker.wake();
      worker.start();
      return worker;
    },
    async close() {
      await closeQueue();
      await db.destroy();
      closeBlobs();
    },
  };
}

/**
 * Names, paths and cursors are ordered as text. SQLite orders by bytes; PostgreSQL by the database's
 * collation, so a linguistic one (en_US...) lists names in another order than the embedded default.
 * Not an error (nothing breaks), but worth a line at start: docs/deploy.md says to use C.UTF-8.
 */
async function warnOnCollation(db: Db, logger: Logger | undefined): Promise<void> {
  const row = (await sql<{ collate: string }>`SELECT datcollate AS collate FROM pg_database WHERE datname = current_database()`.execute(db)).rows[0];
  if (row !== undefined && !/^(C|POSIX|C\.UTF-?8)$/i.test(row.collate)) {
    logger?.warn({ collation: row.collate }, 'the PostgreSQL database does not use the C collation: text is ordered differently from SQLite (see docs/deploy.md)');
  }
}

/** `pgboss`, or `<schema>_pgboss` when the connection's schema is not `public` (see queue.pgBossSchema). */
export async function defaultPgBossSchema(db: Db): Promise<string> {
  const schema = (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)).rows[0]?.schema ?? 'public';
  if (schema === 'public' || !/^[a-z_][a-z0-9_]*$/.test(schema)) return 'pgboss';
  return `${schema.slice(0, 63 - '_pgboss'.length)}_pgboss`;
}
