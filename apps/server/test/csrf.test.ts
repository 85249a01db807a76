import Fastify, { type FastifyBaseLogger, type FastifyInstance, type InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialCookie, CSRF_HEADER, hasCredentialCookie, installCsrfProtection, SESSION_COOKIE } from '../src/http/csrf.js';
import { installErrorHandling } from '../src/http/error-handling.js';
import { installSecurityHeaders, webHardening } from '../src/http/security-headers.js';
import { createLogger } from '../src/logging/logger.js';
import { cookieProblems, expectHardened } from './header-checks.js';
import { envelope, gz, LCOV, startTestServer, uploadHeaders, type TestServer } from './test-server.js';

const PUBLIC_URL = 'https://coverage.example.test';
const SESSION = 'sess-1';
const TOKEN = 'csrf-token-of-sess-1';
const UNSAFE = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * A stand-in for the sessions to come: a login route setting the session cookie, cookie-authenticated
 * routes that change state (counted), and the anti-CSRF token check the session module will provide.
 */
async function sessionApp(options: { publicUrl?: string; withVerifier?: boolean } = {}): Promise<{ app: FastifyInstance; changes: () => number }> {
  let changes = 0;
  const web = webHardening({ publicUrl: options.publicUrl });
  const logger: FastifyBaseLogger = createLogger('silent');
  const app = Fastify({ loggerInstance: logger });
  installErrorHandling(app);
  installSecurityHeaders(app, web);
  installCsrfProtection(app, {
    origin: web.origin,
    ...(options.withVerifier === false ? {} : { verifyToken: (request, token) => sessionOf(request.headers.cookie) === SESSION && token === TOKEN }),
  });
  app.post('/login', async (_request, reply) => reply.header('set-cookie', credentialCookie('session', SESSION)).send({ csrfToken: TOKEN }));
  for (const method of UNSAFE) {
    app.route({
      method,
      url: '/api/settings',
      handler: async (request, reply) => {
        if (sessionOf(request.headers.cookie) !== SESSION) return reply.status(401).send({ error: { code: 'CW_ERR_AUTH_TOKEN_MISSING', message: 'no session' } });
        changes++;
        return { changed: true };
      },
    });
  }
  app.get('/api/me', async (request) => ({ session: sessionOf(request.headers.cookie) }));
  app.post('/api/bearer', async (request) => ({ authorization: request.headers.authorization !== undefined }));
  await app.ready();
  return { app, changes: () => changes };
}

function sessionOf(cookie: string | undefined): string | undefined {
  return cookie
    ?.split(';')
    .map((c) => c.trim().split('='))
    .find(([name]) => name === SESSION_COOKIE)?.[1];
}

const cookie = `theme=dark; ${SESSION_COOKIE}=${SESSION}`;
const sameOrigin = { 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty', origin: PUBLIC_URL };

describe('state-changing requests carrying the session cookie', () => {
  let t: Awaited<ReturnType<typeof sessionApp>>;
  beforeAll(async () => {
    t = await sessionApp({ publicUrl: PUBLIC_URL });
  });
  afterAll(async () => t.app.close());

  const refusedCases: [string, Record<string, string>][] = [
    ['no Fetch Metadata, no Origin (not from a browser page of ours)', { [CSRF_HEADER]: TOKEN }],
    ['cross-site, even with the token', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example', [CSRF_HEADER]: TOKEN }],
    ['same-site (a sibling subdomain), even with the token', { 'sec-fetch-site': 'same-site', origin: 'https://evil.coverage.example.test', [CSRF_HEADER]: TOKEN }],
    ['user-initiated (Sec-Fetch-Site: none)', { 'sec-fetch-site': 'none', [CSRF_HEADER]: TOKEN }],
    ['same-origin without the token', { ...sameOrigin }],
    ['same-origin with an empty token', { ...sameOrigin, [CSRF_HEADER]: '' }],
    ['same-origin with a wrong token', { ...sameOrigin, [CSRF_HEADER]: 'csrf-token-of-another-session' }],
    ['older browser: Origin of another site', { origin: 'https://evil.example', [CSRF_HEADER]: TOKEN }],
    ['older browser: Origin null (sandboxed frame, data: URL)', { origin: 'null', [CSRF_HEADER]: TOKEN }],
    ['older browser: our host over plain http', { origin: 'http://coverage.example.test', [CSRF_HEADER]: TOKEN }],
  ];

  for (const method of UNSAFE) {
    it.each(refusedCases)(`${method}: refused (403) when %s, and nothing changes`, async (_label, headers) => {
      const before = t.changes();
      const r = await t.app.inject({ method, url: '/api/settings', headers: { cookie, ...headers } });
      expect(r.statusCode).toBe(403);
      expect(r.json().error.code).toBe('CW_ERR_AUTH_FORBIDDEN');
      expectHardened(r, { hsts: true, label: `${method} refused` });
      expect(t.changes()).toBe(before);
    });

    it(`${method}: allowed from this origin with the session's token (Fetch Metadata, or Origin on older browsers)`, async () => {
      for (const headers of [{ ...sameOrigin, [CSRF_HEADER]: TOKEN }, { origin: PUBLIC_URL, [CSRF_HEADER]: TOKEN }]) {
        const before = t.changes();
        const r = await t.app.inject({ method, url: '/api/settings', headers: { cookie, ...headers } });
        expect(r.statusCode).toBe(200);
        expect(t.changes()).toBe(before + 1);
        expectHardened(r, { hsts: true, label: `${method} allowed` });
      }
    });
  }

  it('a token with a Sec-Fetch-Site other than same-origin is refused even if Origin matches (Fetch Metadata decides)', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/settings', headers: { cookie, 'sec-fetch-site': 'same-site', origin: PUBLIC_URL, [CSRF_HEADER]: TOKEN } });
    expect(r.statusCode).toBe(403);
  });

  it('the refusal comes before the body is read or parsed', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/settings', headers: { cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, payload: '{"not json' });
    expect(r.statusCode).toBe(403);
  });

  it('login sets the session cookie as __Host-, Secure, HttpOnly, SameSite=Lax, Path=/', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/login', headers: sameOrigin });
    expect(r.statusCode).toBe(200);
    expect(r.headers['set-cookie']).toBe(`${SESSION_COOKIE}=${SESSION}; Path=/; Secure; HttpOnly; SameSite=Lax`);
    expect(cookieProblems(String(r.headers['set-cookie']))).toEqual([]);
    expectHardened(r, { hsts: true, label: 'login' });
    expect(() => credentialCookie('session', 'a;b')).toThrow();
    expect(() => credentialCookie('a=b', 'x')).toThrow();
    expect(credentialCookie('session', '', 0)).toBe(`${SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`);
  });
});

describe('requests the CSRF check does not concern', () => {
  let t: Awaited<ReturnType<typeof sessionApp>>;
  beforeAll(async () => {
    t = await sessionApp({ publicUrl: PUBLIC_URL });
  });
  afterAll(async () => t.app.close());

  it('bearer-token requests without a session cookie, from anywhere', async () => {
    for (const headers of [{}, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, { cookie: 'theme=dark; cw-session=x; __Host-other=1' }]) {
      const r = await t.app.inject({ method: 'POST', url: '/api/bearer', headers: { authorization: 'Bearer cw_up_x', ...headers } });
      expect(r.statusCode).toBe(200);
    }
  });

  it('a cookie that is not ours to authenticate with is no session', () => {
    expect(hasCredentialCookie(undefined)).toBe(false);
    expect(hasCredentialCookie('theme=dark; __Host-other=1; cw-session=1')).toBe(false);
    expect(hasCredentialCookie('theme=dark;__Host-cw-session=1')).toBe(true);
    expect(hasCredentialCookie(`${SESSION_COOKIE}=`)).toBe(true);
  });

  it('GET with the session cookie: same-origin and navigations from elsewhere pass; other sites cannot fetch or embed', async () => {
    const cases: [Record<string, string>, number][] = [
      [{}, 200],
      [{ 'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, 200],
      [{ 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }, 200],
      [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' }, 200],
      [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty' }, 403],
      [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script' }, 403],
      [{ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image' }, 403],
      [{ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'iframe' }, 403],
    ];
    for (const [headers, status] of cases) {
      const r = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie, ...headers } });
      expect(r.statusCode, JSON.stringify(headers)).toBe(status);
      expectHardened(r, { hsts: true, label: JSON.stringify(headers) });
    }
  });
});

describe('without publicUrl (development)', () => {
  it('an older browser is checked against the Host it addressed', async () => {
    const { app } = await sessionApp();
    const send = (origin: string) => app.inject({ method: 'POST', url: '/api/settings', headers: { host: 'localhost:8080', cookie, origin, [CSRF_HEADER]: TOKEN } });
    expect((await send('http://localhost:8080')).statusCode).toBe(200);
    expect((await send('http://localhost:9999')).statusCode).toBe(403);
    expect((await send('http://evil.example')).statusCode).toBe(403);
    expect((await send('not a url')).statusCode).toBe(403);
    await app.close();
  });
});

describe('today: no sessions exist', () => {
  it('without the session module (no token verifier), every state change carrying a session cookie is refused', async () => {
    const { app, changes } = await sessionApp({ publicUrl: PUBLIC_URL, withVerifier: false });
    const r = await app.inject({ method: 'POST', url: '/api/settings', headers: { cookie, ...sameOrigin, [CSRF_HEADER]: TOKEN } });
    expect(r.statusCode).toBe(403);
    expect(changes()).toBe(0);
    await app.close();
  });

  describe('the real app', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await startTestServer({ env: { COVERWATCH_PUBLIC_URL: PUBLIC_URL, COVERWATCH_UPLOAD_MAX_BODY_BYTES: '4096' } });
    });
    afterAll(async () => s.close());
    const upload = (headers: Record<string, string>, payload: Buffer = gz(envelope(LCOV))): InjectOptions => ({ method: 'POST', url: '/api/v1/uploads', headers: { ...uploadHeaders(s.uploadToken), ...headers }, payload });

    it('an upload with a bearer token is not subject to CSRF checks, whatever Origin says', async () => {
      const r = await s.app.inject(upload({ origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }));
      expect(r.statusCode).toBe(202);
    });

    it('the same upload with a session cookie is refused before authentication and before the body (403, not 413)', async () => {
      for (const headers of [{ cookie }, { cookie, ...sameOrigin }, { cookie, ...sameOrigin, [CSRF_HEADER]: TOKEN }]) {
        const r = await s.app.inject(upload(headers, Buffer.alloc(10_000)));
        expect(r.statusCode, JSON.stringify(headers)).toBe(403);
        expect(r.json().error.code).toBe('CW_ERR_AUTH_FORBIDDEN');
        expectHardened(r, { hsts: true, label: 'upload with cookie' });
      }
    });
  });
});
