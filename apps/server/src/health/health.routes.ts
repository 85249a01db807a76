import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../blobs/blob-store.js';
import type { Db } from '../db/database.js';
import { HealthSchema, ReadySchema } from '@coverwatch/protocol';
import { AppError } from '../errors/app-error.js';
import type { ApiCatalog } from '../http/api-catalog.js';
import type { JobQueue } from '../queue/job-queue.js';

/** Public by declaration: `/healthz` (the process answers) and `/readyz` (database, blob store and queue usable). */
export function healthRoutes(deps: { db: Db; blobs: BlobStore; queue: JobQueue }, api: ApiCatalog) {
  return async (app: FastifyInstance): Promise<void> => {
    api.document({ method: 'GET', url: '/healthz', summary: 'Alive: the process answers', tokens: 'public', response: HealthSchema });
    api.document({ method: 'GET', url: '/readyz', summary: 'Ready: database, blob store and queue usable (503 names what is not)', tokens: 'public', response: ReadySchema, errors: [503] });
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (request) => {
      const failed: string[] = [];
      const checks: [string, () => Promise<unknown>][] = [
        ['database', () => deps.db.selectFrom('organizations').select('id').limit(1).execute()],
        ['blobs', () => deps.blobs.check()],
        ['queue', () => deps.queue.check()],
      ];
      for (const [name, check] of checks) {
        try {
          await check();
        } catch (e) {
          request.log.warn({ err: e, check: name }, 'readiness check failed');
          failed.push(name);
        }
      }
      if (failed.length > 0) throw new AppError('CW_ERR_STORAGE_UNAVAILABLE', `not ready: ${failed.join(', ')} unavailable`);
      return { status: 'ready' };
    });
  };
}
