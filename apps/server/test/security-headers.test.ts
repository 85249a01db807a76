import { readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { installCsrfProtection } from '../src/http/csrf.js';
import { installErrorHandling } from '../src/http/error-handling.js';
import { API_CSP, HSTS, htmlCsp, installSecurityHeaders, securityHeaders, webHardening } from '../src/http/security-headers.js';
import { createLogger } from '../src/logging/logger.js';
import { cookieProblems, expectHardened } from './header-checks.js';
import { envelope, gz, LCOV, SHA, startTestServer, uploadHeaders, waitForUpload, type TestServer } from './test-server.js';

const PUBLIC_URL = 'https://coverage.example.test';
const MAX_BODY = 65_536;

let s: TestServer;
let uploadId: string;
beforeAll(async () => {
  s = await startTestServer({ env: { COVERWATCH_PUBLIC_URL: PUBLIC_URL, COVERWATCH_UPLOAD_MAX_BODY_BYTES: String(MAX_BODY) } });
  // Processed coverage, so the read routes answer 200 with data; the worker is stopped before any check.
  const worker = s.runtime.startWorker(createLogger('silent'));
  const up = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope(LCOV)) });
  uploadId = up.json().id;
  await waitForUpload(s.app, s.uploadToken, uploadId);
  await worker.stop(5000);
});
afterAll(async () => s.close());

/** One operation of the OpenAPI document: every route Fastify has (buildApp refuses to start otherwise). */
interface Operation {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly kinds: readonly ('upload' | 'read')[];
  /** Authenticated by the session cookie (none in this enumeration: such routes answer 401), alone or besides the tokens of `kinds` (the read API). */
  readonly session: boolean;
  readonly params: readonly string[];
  readonly requiredQuery: readonly string[];
  readonly hasBody: boolean;
  readonly statuses: readonly string[];
}

async function operations(app: FastifyInstance): Promise<Operation[]> {
  const doc = (await app.inject({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, Record<string, Record<string, unknown>>> };
  const ops: Operation[] = [];
  for (const [p, methods] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(methods)) {
      const parameters = (op.parameters ?? []) as { name: string; in: string; required: boolean }[];
      ops.push({
        method: m.toUpperCase() as 'GET' | 'POST',
        path: p,
        kinds: (op['x-coverwatch-tokens'] as string[]).filter((k): k is 'upload' | 'read' => k === 'upload' || k === 'read'),
        session: (op['x-coverwatch-tokens'] as string[]).includes('session'),
        params: parameters.filter((x) => x.in === 'path').map((x) => x.name),
        requiredQuery: parameters.filter((x) => x.in === 'query' && x.required).map((x) => x.name),
        hasBody: op.requestBody !== undefined,
        statuses: Object.keys(op.responses as object),
      });
    }
  }
  return ops;
}

/** Plausible and invalid values of every path and query parameter name the API uses; a new name fails the test until it is added here. */
const GOOD_PARAM: Record<string, () => string> = { org: () => 'acme', owner: () => 'acme', repo: () => 'widgets', sha: () => SHA, id: () => uploadId, path: () => 'src/a.c', sessionId: () => uploadId, factorId: () => uploadId, userId: () => uploadId };
const BAD_PARAM: Record<string, string> = { org: 'bad_org', owner: 'bad_owner', repo: 'bad%20repo', sha: 'zz', id: 'not-a-uuid', path: 'src/%01a.c', sessionId: 'not-a-uuid', factorId: 'not-a-uuid', userId: 'not-a-uuid' };
/** JSON bodies of the public routes that take one, and what an anonymous call with it answers (the upload takes a gzip envelope). */
const JSON_BODY: Record<string, { payload: unknown; anonymous: number | 'success' }> = {
  // A look-alike token: nothing is revoked.
  '/api/v1/tokens/revoke': { payload: { tokens: [{ token: `cw_up_${'A'.repeat(36)}` }] }, anonymous: 'success' },
  // No such user: 401 (later calls of the enumeration may be throttled: 429).
  '/api/v1/auth/sign-in': { payload: { email: 'nobody@example.test', password: 'not the password of anyone' }, anonymous: 401 },
  '/api/v1/auth/set-password': { payload: { token: 'A'.repeat(43), password: 'a new password, long enough' }, anonymous: 401 },
};
const GOOD_QUERY: Record<string, string> = { branch: 'main' };
/** Public routes without a body whose anonymous call does not succeed here: single sign-on is not configured on this server. */
const PUBLIC_ANONYMOUS: Record<string, number> = { '/api/v1/auth/sso/start': 404, '/api/v1/auth/sso/callback': 404 };

function url(op: Operation, params: Record<string, string>, query: Record<string, string> = {}): string {
  const p = op.path.replace(/\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`no test value for path parameter "${name}" of ${op.path}: add it to GOOD_PARAM and BAD_PARAM`);
    return v;
  });
  const q = new URLSearchParams(query).toString();
  return q === '' ? p : `${p}?${q}`;
}

interface Call {
  readonly label: string;
  readonly request: InjectOptions;
  readonly expect?: number | 'success';
}

/** Every variant of one operation: no token, bad and wrong tokens, each accepted token, bad params, unknown query, token in query, CORS probes, HEAD. */
function calls(op: Operation): Call[] {
  const good = Object.fromEntries(op.params.map((n) => [n, GOOD_PARAM[n]?.() ?? '']));
  for (const n of op.requiredQuery) if (GOOD_QUERY[n] === undefined) throw new Error(`no test value for required query parameter "${n}" of ${op.path}`);
  const query = Object.fromEntries(op.requiredQuery.map((n) => [n, GOOD_QUERY[n]!]));
  const target = url(op, good, query);
  const tokenOf = { upload: s.uploadToken, read: s.readToken };
  const jsonBody = JSON_BODY[op.path];
  const json = jsonBody !== undefined;
  const body = !op.hasBody ? {} : json ? { payload: JSON.stringify(jsonBody.payload) } : { payload: gz(envelope(LCOV)) };
  const baseHeaders = !op.hasBody ? {} : json ? { 'content-type': 'application/json' } : uploadHeaders('x');
  delete (baseHeaders as Record<string, string>).authorization;
  const withAuth = (token: string | undefined, extra: Record<string, string> = {}) => ({ ...baseHeaders, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...extra });
  const mainToken = op.kinds[0] === undefined ? undefined : tokenOf[op.kinds[0]];
  const list: Call[] = [
    { label: 'no token', request: { method: op.method, url: target, headers: withAuth(undefined), ...body }, expect: op.session ? 401 : op.kinds.length === 0 ? (jsonBody?.anonymous ?? PUBLIC_ANONYMOUS[op.path] ?? 'success') : 401 },
    { label: 'malformed token', request: { method: op.method, url: target, headers: withAuth('cw_rd_nope'), ...body }, expect: op.session || op.kinds.length > 0 ? 401 : undefined },
    { label: 'token in query', request: { method: op.method, url: `${target}${target.includes('?') ? '&' : '?'}token=${s.readToken}`, headers: withAuth(undefined), ...body }, expect: 400 },
    { label: 'unknown query parameter', request: { method: op.method, url: `${target}${target.includes('?') ? '&' : '?'}bogus=1`, headers: withAuth(mainToken), ...body } },
    {
      label: 'cross-origin request',
      request: { method: op.method, url: target, headers: withAuth(mainToken, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' }), ...body },
    },
    {
      label: 'CORS preflight',
      request: { method: 'OPTIONS', url: target, headers: { origin: 'https://evil.example', 'access-control-request-method': op.method, 'access-control-request-headers': 'authorization, content-type' } },
      expect: 404,
    },
  ];
  for (const kind of op.kinds) {
    list.push({ label: `${kind} token`, request: { method: op.method, url: target, headers: withAuth(tokenOf[kind]), ...body }, expect: 'success' });
  }
  for (const kind of (['upload', 'read'] as const).filter((k) => op.kinds.length > 0 && !op.kinds.includes(k))) {
    list.push({ label: `${kind} token (wrong kind)`, request: { method: op.method, url: target, headers: withAuth(tokenOf[kind]), ...body }, expect: 403 });
  }
  for (const name of op.params) {
    if (BAD_PARAM[name] === undefined) throw new Error(`no invalid value for path parameter "${name}" of ${op.path}: add it to BAD_PARAM`);
    // Session routes authenticate first (no session here): 401 before the parameters are read.
    list.push({ label: `invalid ${name}`, request: { method: op.method, url: url(op, { ...good, [name]: BAD_PARAM[name] }, query), headers: withAuth(mainToken), ...body }, expect: op.session && op.kinds.length === 0 ? 401 : 400 });
  }
  if (op.hasBody && op.session) {
    // Session routes authenticate before the body is read: without a session, a bad or huge body is never looked at.
    list.push({ label: 'body not JSON', request: { method: op.method, url: target, headers: { 'content-type': 'application/json' }, payload: '{"method":' }, expect: 401 });
    list.push({ label: 'body over the limit', request: { method: op.method, url: target, headers: { 'content-type': 'application/json' }, payload: Buffer.alloc(MAX_BODY + 1) }, expect: 401 });
  } else if (op.hasBody) {
    list.push({ label: json ? 'body not JSON' : 'body not gzip', request: { method: op.method, url: target, headers: withAuth(mainToken), payload: json ? '{"tokens":' : 'not gzip' }, expect: 400 });
    list.push({ label: 'body over the limit', request: { method: op.method, url: target, headers: withAuth(mainToken), payload: Buffer.alloc(MAX_BODY + 1) }, expect: 413 });
  }
  if (op.method === 'GET') {
    list.push({ label: 'HEAD, no token', request: { method: 'HEAD', url: target }, expect: op.kinds.length === 0 && !op.session ? (PUBLIC_ANONYMOUS[op.path] ?? 'success') : 401 });
    if (mainToken !== undefined) list.push({ label: 'HEAD, token', request: { method: 'HEAD', url: target, headers: withAuth(mainToken) }, expect: 'success' });
  }
  return list;
}

function checkAnswer(op: Operation, call: Call, r: { statusCode: number; headers: Record<string, unknown>; body: string }): void {
  const label = `${call.request.method} ${op.path} (${call.label}) → ${r.statusCode}`;
  if (call.expect === 'success') expect(r.statusCode, label).toBeLessThan(300);
  else if (call.expect !== undefined) expect(r.statusCode, label).toBe(call.expect);
  // no-store is required on credentialed requests and errors, and no route of the API opts out.
  expectHardened(r as never, { hsts: true, label, noStore: true });
  // No stack frame, source file or server directory (the 404 message may repeat the request's own path).
  expect(r.body, label).not.toMatch(/\bat .+:\d+:\d+|node_modules|\.[jt]s:\d+/);
  for (const dir of [process.cwd(), s.config.dataDir]) expect(r.body, label).not.toContain(dir);
}

describe('every route, every kind of request', () => {
  it('the enumeration covers the whole API (a new route, parameter or method shows up here)', async () => {
    const ops = await operations(s.app);
    expect(ops.length).toBeGreaterThanOrEqual(14);
    for (const op of ops) expect(calls(op).length, `${op.method} ${op.path}`).toBeGreaterThan(4);
    // Routes that change state: reviewed for CSRF (csrf.ts) and kept out of GET.
    expect(ops.filter((o) => o.method !== 'GET').map((o) => `${o.method} ${o.path}`)).toEqual([
      'POST /api/v1/uploads',
      'POST /api/v1/orgs/{org}/repos',
      'POST /api/v1/tokens/revoke',
      'POST /api/v1/me/tokens',
      'POST /api/v1/me/tokens/{id}/rotate',
      'POST /api/v1/me/tokens/{id}/revoke',
      'POST /api/v1/orgs/{org}/upload-tokens',
      'POST /api/v1/orgs/{org}/upload-tokens/{id}/revoke',
      'POST /api/v1/auth/sign-in',
      'POST /api/v1/auth/set-password',
      'POST /api/v1/auth/sign-out',
      'POST /api/v1/me/sessions/{sessionId}/end',
      'POST /api/v1/me/sessions/end-others',
      'POST /api/v1/auth/mfa/verify',
      'POST /api/v1/me/mfa/step-up',
      'POST /api/v1/auth/mfa/webauthn/options',
      'POST /api/v1/me/mfa/totp/enroll',
      'POST /api/v1/me/mfa/totp/confirm',
      'POST /api/v1/me/mfa/webauthn/register/options',
      'POST /api/v1/me/mfa/webauthn/register/verify',
      'POST /api/v1/me/mfa/factors/{factorId}/remove',
      'POST /api/v1/me/mfa/recovery-codes/regenerate',
      'POST /api/v1/auth/sso/start',
      'POST /api/v1/orgs',
      'POST /api/v1/orgs/{org}/leave',
      'POST /api/v1/orgs/{org}/members',
      'POST /api/v1/orgs/{org}/members/{userId}/role',
      'POST /api/v1/orgs/{org}/members/{userId}/remove',
      'POST /api/v1/repos/{owner}/{repo}/settings',
      'POST /api/v1/repos/{owner}/{repo}/grants',
    ]);
  });

  it('every answer carries the security headers, no CORS grant, no-store, no stack, no bad cookie', async () => {
    let n = 0;
    for (const op of await operations(s.app)) {
      for (const call of calls(op)) {
        const r = await s.app.inject(call.request);
        checkAnswer(op, call, r);
        n++;
      }
    }
    expect(n).toBeGreaterThan(150);
  });

  it('answers made outside the route (404, bad URL, over-long parameter, unparsable body) are hardened too', async () => {
    const cases: [InjectOptions, number][] = [
      [{ method: 'GET', url: '/nothing/here' }, 404],
      [{ method: 'POST', url: '/nothing/here', headers: { 'content-type': 'application/json' }, payload: '{"a":' }, 400],
      [{ method: 'DELETE', url: '/api/v1/uploads' }, 404],
      [{ method: 'PUT', url: `/api/v1/uploads/${SHA}` }, 404],
      [{ method: 'GET', url: '/api/v1/repos/%ZZ/widgets' }, 400],
      [{ method: 'GET', url: `/api/v1/repos/${'a'.repeat(150)}/widgets`, headers: { authorization: `Bearer ${s.readToken}` } }, 400],
      [{ method: 'GET', url: '/healthz?access_token=x' }, 400],
      [{ method: 'OPTIONS', url: '/healthz', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } }, 404],
      [{ method: 'TRACE', url: '/healthz' }, 404],
    ];
    for (const [req, status] of cases) {
      const r = await s.app.inject(req);
      const label = `${req.method} ${req.url}`;
      expect(r.statusCode, label).toBe(status);
      expectHardened(r, { hsts: true, label });
      expect(r.body, label).not.toContain('%ZZ');
      expect(r.body, label).not.toMatch(/FST_|statusCode/);
    }
  });

  it('a real socket sees the same headers, and so does a request Node cannot parse (clientErrorHandler)', async () => {
    const address = await s.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${address}/api/v1/repos/acme/widgets`, { headers: { authorization: `Bearer ${s.readToken}`, origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expectHardened({ statusCode: res.status, headers: Object.fromEntries(res.headers) }, { hsts: true, label: 'fetch' });
    const port = new URL(address).port;
    for (const [raw, status] of [
      ['GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', 400],
      [`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431],
    ] as const) {
      const text = await rawExchange(Number(port), raw);
      const [head, body] = text.split('\r\n\r\n');
      const lines = head!.split('\r\n');
      expect(lines[0]).toBe(`HTTP/1.1 ${status} ${status === 400 ? 'Bad Request' : 'Request Header Fields Too Large'}`);
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      expectHardened({ statusCode: status, headers }, { hsts: true, label: `raw ${status}` });
      expect(JSON.parse(body!).error.code).toBe('CW_ERR_REQUEST_INVALID');
    }
  });
});

function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', () => resolve(data));
    socket.on('close', () => resolve(data));
    socket.on('connect', () => socket.write(request));
    setTimeout(() => reject(new Error(`no answer; got ${JSON.stringify(data)}`)), 10_000).unref();
  });
}

/**
 * Every row of every table, and every blob file: what a state change would alter. The audit log is
 * left out: recording a refused request is the point of it, not a change the request asked for; so
 * is a token's last use (time, IP, user agent), which owners see and every request updates.
 */
async function snapshot(): Promise<unknown> {
  const tables = await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(s.runtime.db);
  const rows: Record<string, unknown[]> = {};
  const bookkeeping = /^last_used_/;
  for (const { name } of tables.rows.filter((t) => !t.name.startsWith('audit_'))) {
    const all = (await sql`select * from ${sql.table(name)}`.execute(s.runtime.db)).rows as Record<string, unknown>[];
    rows[name] = all.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !bookkeeping.test(k))));
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(`${p} ${statSync(p).size} ${statSync(p).mtimeMs}`);
    }
  };
  walk(path.join(s.config.dataDir, 'blobs'));
  return { rows, files: files.sort() };
}

describe('no state change on GET', () => {
  it('no GET route declares a body or a creating status', async () => {
    for (const op of (await operations(s.app)).filter((o) => o.method === 'GET')) {
      expect(op.hasBody, op.path).toBe(false);
      expect(op.statuses.filter((c) => ['201', '202', '204'].includes(c)), op.path).toEqual([]);
    }
  });

  it('every GET and HEAD request of the enumeration leaves the database and the blob store as they were', async () => {
    const before = (await snapshot()) as { rows: Record<string, unknown[]>; files: string[] };
    expect(before.rows.uploads!.length, 'something to change').toBeGreaterThan(0);
    expect(before.files.length).toBeGreaterThan(0);
    let n = 0;
    for (const op of await operations(s.app)) {
      for (const call of calls(op).filter((c) => c.request.method === 'GET' || c.request.method === 'HEAD' || c.request.method === 'OPTIONS')) {
        await s.app.inject(call.request);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
    expect(await snapshot()).toEqual(before);
  });
});

describe('errors never show internals', () => {
  it('an internal error in a real route answers a generic 500: no message, path or stack', async () => {
    const secret = "EACCES: permission denied, open '/var/lib/coverwatch/blobs/packs/ab/abcdef'";
    const spy = vi.spyOn(s.runtime.blobs, 'getRange').mockRejectedValue(Object.assign(new Error(secret), { code: 'EACCES' }));
    try {
      const r = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${SHA}/files/src/a.c`, headers: { authorization: `Bearer ${s.readToken}` } });
      expect(spy).toHaveBeenCalled();
      expect(r.statusCode).toBe(500);
      expect(r.json()).toEqual({ error: { code: 'CW_ERR_SERVER_INTERNAL', message: 'internal error; the server log has the details' } });
      expectHardened(r, { hsts: true, label: '500' });
    } finally {
      spy.mockRestore();
    }
  });

  it('errors thrown by code (with a stack, a path, a foreign statusCode) are generic', async () => {
    const app = await miniApp((a) => {
      a.get('/boom', async () => {
        throw new Error('ENOENT: /etc/coverwatch/secret.key at Object.openSync (node:fs:573:3)');
      });
      a.get('/foreign-400', async () => {
        throw Object.assign(new Error('relation "tokens" does not exist at /srv/db.ts:12'), { statusCode: 404 });
      });
      a.get('/not-an-error', async () => {
        throw { message: 'plain object /srv/x.ts', stack: 'at /srv/x.ts:1:1' };
      });
    });
    for (const [u, status, message] of [
      ['/boom', 500, 'internal error; the server log has the details'],
      ['/foreign-400', 400, 'the request could not be read'],
      ['/not-an-error', 500, 'internal error; the server log has the details'],
    ] as const) {
      const r = await app.inject({ method: 'GET', url: u });
      expect(r.statusCode, u).toBe(status);
      expect(r.json().error.message, u).toBe(message);
      expect(r.body, u).not.toMatch(/srv|etc|node:fs|stack|ENOENT|relation/);
      expectHardened(r, { hsts: false, label: u });
    }
    await app.close();
  });
});

/** A bare app with the same error handling, headers and CSRF hooks as buildApp, plus test routes. */
async function miniApp(routes: (app: FastifyInstance) => void, publicUrl?: string): Promise<FastifyInstance> {
  const web = webHardening({ publicUrl });
  const logger: FastifyBaseLogger = createLogger('silent');
  const app = Fastify({ loggerInstance: logger });
  installErrorHandling(app);
  installSecurityHeaders(app, web);
  installCsrfProtection(app, { origin: web.origin });
  routes(app);
  await app.ready();
  return app;
}

describe('Content-Security-Policy', () => {
  it('HTML answers get a nonce policy with a fresh nonce per request, the one request.cspNonce gave the handler', async () => {
    const app = await miniApp((a) => {
      a.get('/', async (request, reply) => reply.type('text/html; charset=utf-8').send(`<!doctype html><script nonce="${request.cspNonce}" type="module" src="/assets/app.js"></script>`));
      a.get('/json', async (request) => ({ nonceAsked: request.cspNonce.length > 0 }));
    }, PUBLIC_URL);
    const nonces = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({ method: 'GET', url: '/' });
      const nonce = /nonce="([^"]+)"/.exec(r.body)![1]!;
      expect(Buffer.from(nonce, 'base64')).toHaveLength(16);
      expectHardened(r, { hsts: true, label: 'html', csp: htmlCsp(nonce), json: false, noStore: true });
      nonces.add(nonce);
    }
    expect(nonces.size).toBe(3);
    // A JSON answer keeps the strict policy even when its handler asked for a nonce.
    expectHardened(await app.inject({ method: 'GET', url: '/json' }), { hsts: true, label: 'json' });
    await app.close();
  });

  it('the HTML policy: scripts by nonce only, no inline, no eval, no plugins, no base, no framing', () => {
    const csp = htmlCsp('Tk9OQ0U=');
    expect(csp).toContain("script-src 'nonce-Tk9OQ0U=' 'strict-dynamic'");
    for (const d of ["default-src 'none'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) expect(csp).toContain(d);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|https:/);
    for (const d of ["default-src 'none'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'none'"]) expect(API_CSP).toContain(d);
  });

  it('HSTS only when publicUrl is https (browsers ignore it over http; on localhost it would pin every port)', () => {
    expect(webHardening({ publicUrl: PUBLIC_URL }).hsts).toBe(true);
    expect(webHardening({ publicUrl: 'http://localhost:8080' }).hsts).toBe(false);
    expect(webHardening({ publicUrl: undefined }).hsts).toBe(false);
    expect(securityHeaders(webHardening({ publicUrl: PUBLIC_URL }))['strict-transport-security']).toBe(HSTS);
    expect(HSTS).toMatch(/^max-age=(\d+); includeSubDomains$/);
    expect(Number(/max-age=(\d+)/.exec(HSTS)![1])).toBeGreaterThanOrEqual(31_536_000);
  });
});

describe('Cache-Control', () => {
  it('a route may make a public answer cacheable, never a credentialed one or an error', async () => {
    const app = await miniApp((a) => {
      a.get('/asset', async (_request, reply) => reply.header('cache-control', 'public, max-age=31536000, immutable').send({ ok: true }));
      a.get('/asset-missing', async (_request, reply) => reply.header('cache-control', 'public, max-age=60').status(404).send({ error: { code: 'CW_ERR_ROUTE_NOT_FOUND', message: 'x' } }));
      a.get('/plain', async () => ({ ok: true }));
    });
    expect((await app.inject({ method: 'GET', url: '/asset' })).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ method: 'GET', url: '/asset', headers: { authorization: 'Bearer x' } })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/asset', headers: { cookie: '__Host-cw-session=abc' } })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/asset-missing' })).headers['cache-control']).toBe('no-store');
    expect((await app.inject({ method: 'GET', url: '/plain' })).headers['cache-control']).toBe('no-store');
    await app.close();
  });
});

describe('cookie policy checker', () => {
  it('accepts only __Host-, Secure, HttpOnly, SameSite=Lax, Path=/ cookies without Domain', () => {
    expect(cookieProblems('__Host-cw-session=abc; Path=/; Secure; HttpOnly; SameSite=Lax')).toEqual([]);
    expect(cookieProblems('session=abc; Path=/; HttpOnly; SameSite=None')).toEqual(['session: not __Host- prefixed', 'session: not Secure', 'session: not SameSite=Lax']);
    expect(cookieProblems('__Host-x=1; Path=/; Secure; HttpOnly; SameSite=Lax; Domain=example.com')).toEqual(['__Host-x: has a Domain']);
  });
});
