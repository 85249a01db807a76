import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApiCatalog } from './api-catalog.js';

/**
 * `GET /api/docs`: the OpenAPI document, public like the schemas in the source. Built once, after
 * every other route is in the catalog (register this plugin last).
 */
export function docsRoutes(api: ApiCatalog, version: string) {
  return async (app: FastifyInstance): Promise<void> => {
    api.document({ method: 'GET', url: '/api/docs', summary: 'This OpenAPI 3.1 document', tokens: 'public', response: z.record(z.string(), z.unknown()) });
    let doc: Record<string, unknown> | null = null;
    app.get('/api/docs', async () => (doc ??= api.openApi({ title: 'Coverwatch API', version })));
  };
}
