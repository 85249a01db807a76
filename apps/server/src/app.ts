import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { accountsRoutes } from './accounts/accounts.routes.js';
import { commitsRoutes } from './commits/commits.routes.js';
import type { Config } from './config/config.schema.js';
import { healthRoutes } from './health/health.routes.js';
import { ApiCatalog } from './http/api-catalog.js';
import { docsRoutes } from './http/docs.routes.js';
import { installCsrfProtection } from './http/csrf.js';
import { installErrorHandling } from './http/error-handling.js';
import { clientErrorHandler, frameworkErrorHandler, installSecurityHeaders, webHardening } from './http/security-headers.js';
import { mfaRoutes } from './mfa/mfa.routes.js';
import { ssoRoutes } from './sso/sso.routes.js';
import { alertsRoutes } from './alerts/alerts.routes.js';
import { orgsRoutes } from './orgs/orgs.routes.js';
import { reposRoutes } from './repos/repos.routes.js';
import { repoSettingsRoutes } from './repos/repo-settings.routes.js';
import { csrfVerifier } from './sessions/session-auth.js';
import { createServices, type AccountsOptions, type Storage } from './services.js';
import { uploadsRoutes } from './uploads/uploads.routes.js';
import { tokensRoutes } from './tokens/tokens.routes.js';

/** Version of the HTTP API shown in /api/docs. */
const API_VERSION = '1';

/** A route as Fastify registered it, and whether it runs a route-level onRequest hook (where authentication happens). */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly authHook: boolean;
}

/** Every route each app registered, seen by Fastify's onRoute hook (not by the catalog): the route-policy test enumerates them. */
export const REGISTERED_ROUTES = new WeakMap<FastifyInstance, readonly RegisteredRoute[]>();

export interface AppDeps extends Storage {
  readonly logger: Logger;
  /** Test seams of accounts (services.ts); production leaves it unset. */
  readonly accounts?: AccountsOptions;
}

/**
 * The HTTP application, without listening: `serve` calls `listen`, tests call `inject`. Every route
 * requires a token unless it is in healthRoutes (declared public).
 */
export async function buildApp(config: Config, deps: AppDeps): Promise<FastifyInstance> {
  const services = createServices(config, deps, deps.accounts);
  // Typed as Fastify's logger so the instance keeps Fastify's default type parameters.
  const logger: FastifyBaseLogger = deps.logger;
  const web = webHardening(config);
  const app = Fastify({
    loggerInstance: logger,
    // Ids are generated, never taken from a client header, so log lines cannot be forged together.
    requestIdHeader: false,
    // Only the configured reverse proxies' X-Forwarded-For is believed (request.ip); none by default.
    trustProxy: config.trustedProxies.length === 0 ? false : [...config.trustedProxies],
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // Answers Fastify makes outside its hooks get the security headers too (security-headers.ts).
    frameworkErrors: frameworkErrorHandler(web),
    clientErrorHandler: clientErrorHandler(web),
  });
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionAuth', null);
  installErrorHandling(app);
  installSecurityHeaders(app, web);
  installCsrfProtection(app, { origin: web.origin, verifyToken: csrfVerifier(services.sessions) });
  // Every route goes through the catalog, which validates, filters responses and feeds /api/docs.
  const { sessions, mfa } = services;
  const api = new ApiCatalog(services.auth, services.oidcAuth, {
    authenticate: (secret) => sessions.authenticate(secret),
    verifyCsrfToken: (secret, token) => sessions.verifyCsrfToken(secret, token),
    stepUpFresh: (session) => sessions.stepUpFresh(session),
    hasFactor: (userId) => mfa.hasFactor(userId),
  }, async (userId, sessionId) => ({ kind: 'session', userId, sessionId, ...(await services.memberships.readScope(userId)) }));
  const registered: string[] = [];
  const table: RegisteredRoute[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) {
      if (m === 'HEAD') continue;
      registered.push(`${m} ${r.url}`);
      table.push({ method: m, url: r.url, authHook: r.onRequest !== undefined && [r.onRequest].flat().length > 0 });
    }
  });
  REGISTERED_ROUTES.set(app, table);
  await app.register(healthRoutes(deps, api));
  await app.register(uploadsRoutes({ uploads: services.uploads, auth: services.auth, oidc: services.oidcAuth, limits: config.upload, api }));
  await app.register(reposRoutes({ repos: services.repos, api }));
  await app.register(commitsRoutes({ commits: services.commits, api }));
  await app.register(tokensRoutes({ leaked: services.leakedTokens, accountTokens: services.accountTokens, audit: services.audit, api }));
  await app.register(accountsRoutes({ accounts: services.accounts, sessions: services.sessions, api }));
  await app.register(mfaRoutes({ mfa: services.mfa, sessions: services.sessions, api }));
  await app.register(alertsRoutes({ alerts: services.alerts.repository, orgs: services.orgsRepository, members: services.memberships, api }));
  await app.register(ssoRoutes({ sso: services.sso, sessions: services.sessions, api, publicUrl: config.publicUrl }));
  await app.register(orgsRoutes({ orgs: services.orgs, audit: services.audit, api, usersMayCreate: config.orgs.usersMayCreate }));
  await app.register(repoSettingsRoutes({ settings: services.repoSettings, audit: services.audit, api }));
  await app.register(docsRoutes(api, API_VERSION));
  await app.ready();
  const documented = new Set(api.routes.map((r) => `${r.method} ${r.url}`));
  const missing = registered.filter((r) => !documented.has(r));
  if (missing.length > 0) throw new Error(`routes missing from the API catalog (and /api/docs): ${missing.join(', ')}`);
  return app;
}
