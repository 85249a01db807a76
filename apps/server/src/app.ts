import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { commitsRoutes } from './commits/commits.routes.js';
import type { Config } from './config/config.schema.js';
import { healthRoutes } from './health/health.routes.js';
import { installErrorHandling } from './http/error-handling.js';
import { createServices, type Storage } from './services.js';
import { uploadsRoutes } from './uploads/uploads.routes.js';

export interface AppDeps extends Storage {
  readonly logger: Logger;
}

/**
 * The HTTP application, without listening: `serve` calls `listen`, tests call `inject`. Every route
 * requires a token unless it is in healthRoutes (declared public).
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const services = createServices(config, deps);
  // Typed as Fastify's logger so the instance keeps Fastify's default type parameters.
  const logger: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance: logger,
    // Ids are generated, never taken from a client header, so log lines cannot be forged together.
    requestIdHeader: false,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
  });
  app.decorateRequest('principal', null);
  installErrorHandling(app);
  await app.register(healthRoutes(deps));
  await app.register(uploadsRoutes({ uploads: services.uploads, auth: services.auth, limits: config.upload }));
  await app.register(commitsRoutes({ commits: services.commits, auth: services.auth }));
  await app.ready();
  return app;
}
