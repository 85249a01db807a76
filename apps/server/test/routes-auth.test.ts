import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../src/tokens/token-format.js';
import { envelope, gz, LCOV, SHA, startTestServer, uploadHeaders, waitForUpload, type TestServer } from './test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ worker: true });
});
afterAll(async () => s.close());

const UPLOAD_ID = '00000000-0000-4000-8000-000000000000';

/** The read API of the web app: read tokens only, scoped to one repository. */
const READ_ROUTES = [
  '/api/v1/orgs/acme/repos',
  '/api/v1/repos/acme/widgets',
  '/api/v1/repos/acme/widgets/branches',
  '/api/v1/repos/acme/widgets/pulls',
  '/api/v1/repos/acme/widgets/commits',
  `/api/v1/repos/acme/widgets/commits/${SHA}/tree`,
  `/api/v1/repos/acme/widgets/commits/${SHA}/files/src/a.c`,
  `/api/v1/repos/acme/widgets/commits/${SHA}/uploads`,
  '/api/v1/repos/acme/widgets/trend?branch=main',
];

/** Every authenticated route, with the token kinds it accepts. /healthz and /readyz are public by declaration. */
const ROUTES: { method: 'GET' | 'POST'; url: string; kinds: ('upload' | 'read')[]; body?: Buffer }[] = [
  { method: 'POST', url: '/api/v1/uploads', kinds: ['upload'], body: gz(envelope(LCOV)) },
  { method: 'GET', url: `/api/v1/uploads/${UPLOAD_ID}`, kinds: ['upload', 'read'] },
  { method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${SHA}/totals`, kinds: ['read'] },
  { method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${SHA}/files`, kinds: ['read'] },
  ...READ_ROUTES.map((url) => ({ method: 'GET' as const, url, kinds: ['read' as const] })),
];

function send(route: (typeof ROUTES)[number], authorization?: string, url = route.url) {
  const headers: Record<string, string> = route.body ? uploadHeaders('x') : {};
  delete headers.authorization;
  if (authorization !== undefined) headers.authorization = authorization;
  return s.app.inject({ method: route.method, url, headers, ...(route.body ? { payload: route.body } : {}) });
}

describe.each(ROUTES)('$method $url', (route) => {
  it('requires a token', async () => {
    const r = await send(route);
    expect(r.statusCode).toBe(401);
    expect(r.json()).toEqual({ error: { code: 'CW_ERR_AUTH_TOKEN_MISSING', message: 'this route needs an Authorization: Bearer <token> header' } });
  });

  it('refuses a malformed token, a bad checksum and an unknown token alike (401)', async () => {
    const good = route.kinds[0] === 'upload' ? s.uploadToken : s.readToken;
    const badChecksum = good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
    for (const auth of ['Basic abc', 'Bearer nope', `Bearer ${badChecksum}`, `Bearer ${generateToken(route.kinds[0]!)}`]) {
      const r = await send(route, auth);
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('CW_ERR_AUTH_TOKEN_INVALID');
      expect(r.body).not.toContain(good.slice(6));
    }
  });

  it('refuses a token of the wrong kind (403)', async () => {
    if (route.kinds.length === 2) return;
    const wrong = route.kinds[0] === 'upload' ? s.readToken : s.uploadToken;
    const r = await send(route, `Bearer ${wrong}`);
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('CW_ERR_AUTH_FORBIDDEN');
  });

  it('refuses a token in the query string with a clear error, even a valid one', async () => {
    const r = await send(route, undefined, `${route.url}${route.url.includes('?') ? '&' : '?'}token=${s.uploadToken}`);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('CW_ERR_AUTH_TOKEN_IN_QUERY');
    expect(r.body).not.toContain(s.uploadToken);
  });
});

describe('repository scope', () => {
  it('a read token of another repository cannot read this one, whether it exists or not (the same 404 as a missing one)', async () => {
    for (const repo of ['acme/widgets', 'acme/missing']) {
      const r = await s.app.inject({ method: 'GET', url: `/api/v1/repos/${repo}/commits/${SHA}/totals`, headers: { authorization: `Bearer ${s.otherReadToken}` } });
      expect(r.statusCode).toBe(404);
      expect(r.json()).toEqual({ error: { code: 'CW_ERR_REPO_NOT_FOUND', message: `no repository ${repo}` } });
    }
  });

  it('no read route answers with data for another repository', async () => {
    // Processed data in acme/widgets, so a leak would have something to show.
    const up = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope(LCOV)) });
    await waitForUpload(s.app, s.uploadToken, up.json().id);
    const own = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${SHA}/files/src/a.c`, headers: { authorization: `Bearer ${s.readToken}` } });
    expect(own.statusCode).toBe(200);
    for (const url of READ_ROUTES.filter((u) => u.startsWith('/api/v1/repos/'))) {
      for (const repo of ['acme/widgets', 'acme/missing']) {
        const r = await s.app.inject({ method: 'GET', url: url.replace('acme/widgets', repo), headers: { authorization: `Bearer ${s.otherReadToken}` } });
        // Not readable answers exactly as missing (docs/security.md: no existence oracle).
        expect(r.statusCode, url).toBe(404);
        expect(r.json()).toEqual({ error: { code: 'CW_ERR_REPO_NOT_FOUND', message: `no repository ${repo}` } });
      }
    }
    const org = await s.app.inject({ method: 'GET', url: '/api/v1/orgs/acme/repos', headers: { authorization: `Bearer ${s.otherReadToken}` } });
    expect(org.json().repositories.map((r: { fullName: string }) => r.fullName)).toEqual(['acme/other']);
  });

  it('an upload is invisible to tokens of another repository', async () => {
    const up = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope(LCOV)) });
    expect(up.statusCode).toBe(202);
    const r = await s.app.inject({ method: 'GET', url: up.json().statusUrl, headers: { authorization: `Bearer ${s.otherUploadToken}` } });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('CW_ERR_UPLOAD_NOT_FOUND');
  });
});

describe('public routes', () => {
  it('/healthz and /readyz answer without a token', async () => {
    expect((await s.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await s.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    expect((await s.app.inject({ method: 'GET', url: '/api/docs' })).json().openapi).toBe('3.1.0');
  });

  it('unknown routes are a coded 404', async () => {
    const r = await s.app.inject({ method: 'GET', url: '/api/v1/nothing?x=1' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'CW_ERR_ROUTE_NOT_FOUND', message: 'no route GET /api/v1/nothing' } });
  });
});
