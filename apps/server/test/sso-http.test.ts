import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorContext } from '../src/audit/audit-log.js';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/logging/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { createServices } from '../src/services.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

const PUBLIC_URL = 'https://coverage.example.test';
const CLIENT_ID = 'coverwatch-test';
const CLIENT_SECRET = `sso-client-secret-${randomBytes(8).toString('hex')}`;

/** What the provider puts in the ID token for the next authorization code it issues. */
interface Grant {
  sub: string;
  email?: string;
  email_verified?: boolean;
  amr?: string[];
  /** Sign with this nonce instead of the one asked for (an attack). */
  nonce?: string;
}

/**
 * A minimal OpenID provider on 127.0.0.1: discovery, JWKS, and a token endpoint that checks the
 * client's secret, the code, the redirect URI and PKCE (S256) before it signs an ID token (RS256).
 * The test plays the browser and the user: `authorize` reads the authorization URL the server made
 * and issues a code, as the provider's login page would.
 */
class TestProvider {
  private server!: Server;
  issuer = '';
  private key!: Parameters<SignJWT['sign']>[0];
  private jwk!: JWK;
  private readonly codes = new Map<string, { grant: Grant; nonce: string; challenge: string; redirectUri: string }>();
  tokenRequests = 0;

  async start(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.key = privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  /** The user signs in at the provider: a code for the request the authorization URL describes. */
  authorize(authorizationUrl: string, grant: Grant): { code: string; state: string } {
    const u = new URL(authorizationUrl);
    expect(`${u.origin}${u.pathname}`).toBe(`${this.issuer}/authorize`);
    const p = u.searchParams;
    expect({ response_type: p.get('response_type'), client_id: p.get('client_id'), scope: p.get('scope'), method: p.get('code_challenge_method') }).toEqual({ response_type: 'code', client_id: CLIENT_ID, scope: 'openid email', method: 'S256' });
    const code = randomBytes(16).toString('hex');
    this.codes.set(code, { grant, nonce: p.get('nonce')!, challenge: p.get('code_challenge')!, redirectUri: p.get('redirect_uri')! });
    return { code, state: p.get('state')! };
  }

  private async handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: this.issuer,
        authorization_endpoint: `${this.issuer}/authorize`,
        token_endpoint: `${this.issuer}/token`,
        jwks_uri: `${this.issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (req.url === '/jwks') return json(200, { keys: [this.jwk] });
    if (req.url === '/token' && req.method === 'POST') {
      this.tokenRequests++;
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const form = new URLSearchParams(body);
      // client_secret_basic: both parts form-urlencoded, then base64 (RFC 6749 2.3.1).
      const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
      const [id, secret] = auth === null ? [] : Buffer.from(auth[1]!, 'base64').toString('utf8').split(':').map((x) => decodeURIComponent(x.replace(/\+/g, ' ')));
      if (id !== CLIENT_ID || secret !== CLIENT_SECRET) return json(401, { error: 'invalid_client' });
      const entry = this.codes.get(form.get('code') ?? '');
      this.codes.delete(form.get('code') ?? '');
      if (entry === undefined || form.get('grant_type') !== 'authorization_code' || form.get('redirect_uri') !== entry.redirectUri) return json(400, { error: 'invalid_grant' });
      const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
      if (challenge !== entry.challenge) return json(400, { error: 'invalid_grant', error_description: 'PKCE' });
      const { nonce, ...claims } = entry.grant;
      const idToken = await new SignJWT({ ...claims, nonce: nonce ?? entry.nonce })
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuer(this.issuer)
        .setAudience(CLIENT_ID)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(this.key);
      return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
    }
    json(404, { error: 'not_found' });
  }
}

const provider = new TestProvider();
let dir: string;
let runtime: Runtime;
let app: FastifyInstance;
const logLines: string[] = [];
const answers: string[] = [];

async function startApp(env: Record<string, string>): Promise<FastifyInstance> {
  const config = loadConfig({ env: { COVERWATCH_DATA_DIR: dir, COVERWATCH_PUBLIC_URL: PUBLIC_URL, ...env }, cwd: dir, readFile: () => '' });
  const sink = new Writable({ write: (c: Buffer, _e, done) => (logLines.push(c.toString('utf8')), done()) });
  return buildApp(config, { ...runtime, logger: createLogger('trace', sink) });
}

beforeAll(async () => {
  await provider.start();
  dir = mkdtempSync(path.join(tmpdir(), 'cw-sso-'));
  const env = { COVERWATCH_SSO_ISSUER: provider.issuer, COVERWATCH_SSO_CLIENT_ID: CLIENT_ID, COVERWATCH_SSO_CLIENT_SECRET: CLIENT_SECRET, COVERWATCH_SSO_NAME: 'Test IdP' };
  const config = loadConfig({ env: { COVERWATCH_DATA_DIR: dir, COVERWATCH_PUBLIC_URL: PUBLIC_URL, ...env }, cwd: dir, readFile: () => '' });
  runtime = await openRuntime(config);
  app = await startApp(env);
  const services = createServices(config, runtime);
  await services.accounts.createUser('erin@example.test', services.audit.as(operatorContext));
});
afterAll(async () => {
  await app?.close();
  await runtime?.close();
  await provider.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The browser's side: start, sign in at the provider, come back. */
async function signInViaSso(grant: Grant, tamper?: (callback: { code: string; state: string; cookie: string }) => { code: string; state: string; cookie: string }) {
  const start = await app.inject({ method: 'POST', url: '/api/v1/auth/sso/start' });
  answers.push(start.body, JSON.stringify(start.headers));
  expect(start.statusCode, start.body).toBe(200);
  const setCookie = String(start.headers['set-cookie']);
  expect(setCookie).toMatch(/^__Host-cwsso=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
  const { authorizationUrl } = start.json() as { authorizationUrl: string };
  let back = { ...provider.authorize(authorizationUrl, grant), cookie: setCookie.split(';')[0]! };
  if (tamper) back = tamper(back);
  const r = await app.inject({ method: 'GET', url: `/api/v1/auth/sso/callback?code=${back.code}&state=${back.state}`, headers: { cookie: back.cookie } });
  answers.push(r.body, JSON.stringify(r.headers));
  return { r, back };
}

function sessionCookieOf(r: { headers: Record<string, unknown> }): string | undefined {
  const all = ([] as string[]).concat((r.headers['set-cookie'] as string | string[] | undefined) ?? []);
  return all.find((c) => c.startsWith('__Host-cw-session=') && !c.startsWith('__Host-cw-session=;'))?.split(';')[0];
}

describe('single sign-on (OpenID Connect, authorization code + PKCE)', () => {
  it('says whether it is on', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/auth/sso' })).json()).toEqual({ enabled: true, name: 'Test IdP' });
  });

  it('signs in an existing user by verified email; a password-only provider leaves the second factor to us', async () => {
    const { r } = await signInViaSso({ sub: 'erin-1', email: 'Erin@example.test', email_verified: true, amr: ['pwd'] });
    expect(r.statusCode, r.body).toBe(302);
    expect(r.headers.location).toBe(`${PUBLIC_URL}/`);
    const cookie = sessionCookieOf(r)!;
    expect(cookie).toMatch(/^__Host-cw-session=/);
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(me.json().error.code).toBe('CW_ERR_AUTH_MFA_REQUIRED');
  });

  it('a provider that proved a second factor (amr) opens a verified session; the identity stays linked when the email changes', async () => {
    const { r } = await signInViaSso({ sub: 'erin-1', email: 'erin.new@example.test', email_verified: true, amr: ['pwd', 'otp'] });
    expect(r.statusCode, r.body).toBe(302);
    const me = await app.inject({ method: 'GET', url: '/api/v1/me', headers: { cookie: sessionCookieOf(r)! } });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().user.email).toBe('erin@example.test');
    expect(me.json().session.mfa).toBe('verified');
    // The provider's second factor is no step-up: changing factors, tokens or roles needs the account's own.
    expect((await app.inject({ method: 'GET', url: '/api/v1/me/mfa', headers: { cookie: sessionCookieOf(r)! } })).json().stepUpUntil).toBeNull();
  });

  it('does not link an account that has its own password (a reassigned or lax-tenant email must not take it over)', async () => {
    const services = createServices(loadConfig({ env: { COVERWATCH_DATA_DIR: dir }, cwd: dir, readFile: () => '' }), runtime);
    const { setPasswordToken } = await services.accounts.createUser('gail@example.test', services.audit.as(operatorContext));
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: 'gail has a long password' } })).statusCode).toBe(200);
    const { r } = await signInViaSso({ sub: 'gail-at-idp', email: 'gail@example.test', email_verified: true, amr: ['mfa'] });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('CW_ERR_SSO_LINK_REFUSED');
    expect(await runtime.db.selectFrom('sso_identities').select('subject').where('subject', '=', 'gail-at-idp').execute()).toEqual([]);
  });

  it('another site cannot start a sign-in, and a leftover sign-in cookie does not block password sign-in', async () => {
    const cross = await app.inject({ method: 'POST', url: '/api/v1/auth/sso/start', headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } });
    expect(cross.statusCode).toBe(403);
    expect(cross.headers['set-cookie']).toBeUndefined();
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { cookie: `__Host-cwsso=${'B'.repeat(43)}` }, payload: { email: 'erin@example.test', password: 'not her password, long enough' } });
    expect(signIn.statusCode).toBe(401);
  });

  it('refuses an unverified email, an unknown email (createUsers off), a replayed answer, another state, another nonce, and no cookie', async () => {
    expect((await signInViaSso({ sub: 'mallory', email: 'erin@example.test', email_verified: false })).r.json().error.code).toBe('CW_ERR_SSO_NO_ACCOUNT');
    expect((await signInViaSso({ sub: 'frank', email: 'frank@example.test', email_verified: true })).r.json().error.code).toBe('CW_ERR_SSO_NO_ACCOUNT');

    // The same answer twice: the cookie's round trip is spent.
    const first = await signInViaSso({ sub: 'erin-1', email: 'erin@example.test', email_verified: true });
    expect(first.r.statusCode).toBe(302);
    const again = await app.inject({ method: 'GET', url: `/api/v1/auth/sso/callback?code=${first.back.code}&state=${first.back.state}`, headers: { cookie: first.back.cookie } });
    expect(again.json().error.code).toBe('CW_ERR_SSO_REQUEST_INVALID');

    const tokenRequestsBefore = provider.tokenRequests;
    const wrongState = await signInViaSso({ sub: 'erin-1', email: 'erin@example.test', email_verified: true }, (b) => ({ ...b, state: 'x'.repeat(43) }));
    expect(wrongState.r.json().error.code).toBe('CW_ERR_SSO_FAILED');
    // A wrong state is caught before the code is redeemed.
    expect(provider.tokenRequests).toBe(tokenRequestsBefore);
    expect((await signInViaSso({ sub: 'erin-1', email: 'erin@example.test', email_verified: true, nonce: 'not-the-one' })).r.json().error.code).toBe('CW_ERR_SSO_FAILED');
    // Another browser's answer (the victim's code with the attacker's cookie, or no cookie at all).
    const other = await signInViaSso({ sub: 'erin-1', email: 'erin@example.test', email_verified: true }, (b) => ({ ...b, cookie: '__Host-cwsso=' + 'A'.repeat(43) }));
    expect(other.r.json().error.code).toBe('CW_ERR_SSO_REQUEST_INVALID');
    const none = await app.inject({ method: 'GET', url: '/api/v1/auth/sso/callback?code=abc&state=def' });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.code).toBe('CW_ERR_SSO_REQUEST_INVALID');
  });

  it('a disabled account cannot sign in through the provider either', async () => {
    const services = createServices(loadConfig({ env: { COVERWATCH_DATA_DIR: dir }, cwd: dir, readFile: () => '' }), runtime);
    await services.accounts.setDisabled('erin@example.test', true, services.audit.as(operatorContext));
    expect((await signInViaSso({ sub: 'erin-1', email: 'erin@example.test', email_verified: true, amr: ['mfa'] })).r.json().error.code).toBe('CW_ERR_SSO_FAILED');
    await services.accounts.setDisabled('erin@example.test', false, services.audit.as(operatorContext));
  });

  it('audits every outcome, and no secret (client secret, code, verifier, ID token, cookie) reaches a log line, an answer or the audit log', async () => {
    const events = (await sql<{ event: string; record_json: string }>`select event, record_json from audit_log where record_json like '%"method":"sso"%' or event = 'account.sso_linked' order by seq`.execute(runtime.db)).rows;
    expect(events.filter((e) => e.event === 'account.sso_linked')).toHaveLength(1);
    const reasons = events.filter((e) => e.record_json.includes('"outcome":"failure"')).map((e) => (JSON.parse(e.record_json) as { details: { reason: string } }).details.reason);
    expect(new Set(reasons)).toEqual(new Set(['no_account', 'request_unknown_used_or_expired', 'response_invalid', 'disabled', 'link_refused']));
    const verifiers = (await sql<{ code_verifier: string; id_hash: string }>`select code_verifier, id_hash from sso_requests`.execute(runtime.db)).rows;
    const secrets = [CLIENT_SECRET, ...verifiers.map((v) => v.code_verifier)];
    const haystack = [...logLines, ...answers.filter((a) => !a.includes('authorizationUrl')), ...events.map((e) => e.record_json)].join('\n');
    for (const s of secrets) expect(haystack.includes(s), 'a secret leaked').toBe(false);
    expect(haystack).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{20,}\./);
  });

  it('is off without an issuer: start and callback answer 404 CW_ERR_SSO_DISABLED', async () => {
    const off = await startApp({});
    try {
      expect((await off.inject({ method: 'GET', url: '/api/v1/auth/sso' })).json()).toEqual({ enabled: false, name: null });
      expect((await off.inject({ method: 'POST', url: '/api/v1/auth/sso/start' })).json().error.code).toBe('CW_ERR_SSO_DISABLED');
      expect((await off.inject({ method: 'GET', url: '/api/v1/auth/sso/callback?code=a&state=b' })).json().error.code).toBe('CW_ERR_SSO_DISABLED');
    } finally {
      await off.close();
    }
  });

  it('refuses a configuration with an issuer but no client id or secret', () => {
    expect(() => loadConfig({ env: { COVERWATCH_SSO_ISSUER: 'https://idp.example.test' }, cwd: '/', readFile: () => '' })).toThrow(/sso\.clientId \(COVERWATCH_SSO_CLIENT_ID\): required with sso\.issuer[\s\S]*sso\.clientSecret/);
  });
});
