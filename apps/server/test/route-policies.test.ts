import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REGISTERED_ROUTES } from '../src/app.js';
import { SHA, startTestServer, type TestServer } from './test-server.js';

/**
 * Deny by default [ASVS 8.2.1, 8.3.1]: every route Fastify registered (enumerated by its onRoute
 * hook, independently of the API catalog) declares an access policy in the catalog, runs an
 * authentication hook unless declared public, and answers 401 to a request without credentials.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s?.close());

/** The only routes open to anyone, each declared `public` where it is registered. */
const PUBLIC = [
  'GET /healthz',
  'GET /readyz',
  'GET /api/docs',
  'POST /api/v1/tokens/revoke',
  'POST /api/v1/auth/sign-in',
  'POST /api/v1/auth/set-password',
  // Single sign-on: whether it is on, its start, and the provider's redirect back (bound to the browser by its own cookie).
  'GET /api/v1/auth/sso',
  'POST /api/v1/auth/sso/start',
  'GET /api/v1/auth/sso/callback',
];

/** A well-formed value of each path parameter, so a request gets past validation to the policy (if the policy let it). */
const PARAM: Record<string, string> = {
  org: 'acme',
  owner: 'acme',
  repo: 'widgets',
  sha: SHA,
  id: '00000000-0000-4000-8000-000000000000',
  sessionId: '00000000-0000-4000-8000-000000000000',
  factorId: '00000000-0000-4000-8000-000000000000',
  userId: '00000000-0000-4000-8000-000000000000',
  '*': 'src/a.c',
};

function concrete(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)|\*/g, (m, name?: string) => {
    const v = PARAM[name ?? m];
    if (v === undefined) throw new Error(`no value for parameter ${m} of ${url}: add it to PARAM`);
    return v;
  });
}

describe('every registered route declares its access policy', () => {
  it('each is in the catalog with a policy; only the public ones are open; every other one has an authentication hook', async () => {
    const routes = REGISTERED_ROUTES.get(s.app)!;
    expect(routes.length).toBeGreaterThanOrEqual(30);
    const doc = (await s.app.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, Record<string, Record<string, unknown>>> };
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}');
      const op = doc.paths[path]?.[r.method.toLowerCase()];
      expect(op, `${key} is not declared in the API catalog`).toBeDefined();
      const kinds = op!['x-coverwatch-tokens'] as string[];
      if (PUBLIC.includes(key)) {
        expect(kinds, key).toEqual([]);
        continue;
      }
      // Not public: it names who may call it, and authentication runs in its own onRequest hook.
      expect(kinds.length, `${key} declares no credential`).toBeGreaterThan(0);
      expect(op!.security, key).not.toEqual([]);
      if (kinds.includes('session')) expect(['required', 'not-required', 'enrollment'], key).toContain(op!['x-coverwatch-mfa']);
      expect(r.authHook, `${key} has no onRequest hook`).toBe(true);
    }
    // Every declared public route exists: the list above is not stale.
    for (const p of PUBLIC) expect(routes.map((r) => `${r.method} ${r.url}`)).toContain(p);
  });

  it('no route but the public ones answers without credentials, nor with a credential of a kind it does not take', async () => {
    const routes = REGISTERED_ROUTES.get(s.app)!.filter((r) => !PUBLIC.includes(`${r.method} ${r.url}`));
    const doc = (await s.app.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, Record<string, Record<string, unknown>>> };
    for (const r of routes) {
      const url = concrete(r.url) + (r.url.endsWith('/trend') ? '?branch=main' : '');
      const key = `${r.method} ${r.url}`;
      const anonymous = await s.app.inject({ method: r.method as 'GET' | 'POST', url, headers: { 'sec-fetch-site': 'same-origin' } });
      expect(anonymous.statusCode, `${key}: ${anonymous.body}`).toBe(401);
      const kinds = doc.paths[r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/\*$/, '{path}')]![r.method.toLowerCase()]!['x-coverwatch-tokens'] as string[];
      // A session-only route with a valid read token: still unauthenticated (the token is not its credential).
      if (!kinds.includes('read')) {
        const token = await s.app.inject({ method: r.method as 'GET' | 'POST', url, headers: { authorization: `Bearer ${s.readToken}`, 'sec-fetch-site': 'same-origin' } });
        expect(token.statusCode, `${key} with a read token: ${token.body}`).toBeGreaterThanOrEqual(401);
        expect(token.statusCode, key).toBeLessThanOrEqual(403);
      }
    }
  });
});
