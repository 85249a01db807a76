import path from 'node:path';
import type { Logger } from 'pino';
import { FsBlobStore } from './blobs/fs-blob-store.js';
import type { Config } from './config/config.schema.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { DbJobQueue } from './queue/db-job-queue.js';
import { createServices, type Storage } from './services.js';
import { Worker } from './worker/worker.js';

export interface Runtime extends Storage {
  /** Starts a worker on this storage (for `serve` with the in-process worker, and `worker`). */
  startWorker(logger: Logger): Worker;
  close(): Promise<void>;
}

/**
 * Opens the storage the configuration names and applies pending migrations. Embedded default:
 * SQLite and blobs under the data directory, the queue in the same database.
 */
export async function openRuntime(config: Config): Promise<Runtime> {
  const db = openDatabase(config);
  try {
    await migrateToLatest(db);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const blobs = new FsBlobStore(path.join(config.dataDir, 'blobs'));
  let wake = () => {};
  const queue = new DbJobQueue(db, () => wake());
  const storage: Storage = { db, blobs, queue };
  return {
    ...storage,
    startWorker(logger: Logger) {
      const services = createServices(config, storage);
      const worker = new Worker(queue, [services.uploadProcessor], { ...config.worker, logger });
      wake = () => worker.wake();
      worker.start();
      return worker;
    },
    close: () => db.destroy(),
  };
}
