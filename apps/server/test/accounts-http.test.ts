import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { nodeScryptFn, type ScryptFn } from '../src/accounts/password-hasher.js';
import { buildApp } from '../src/app.js';
import { operatorContext } from '../src/audit/audit-log.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/logging/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { createServices } from '../src/services.js';
import { cookieProblems, expectHardened } from './header-checks.js';

/** Never to appear in a log line, a response or an audit record. */
const CANARY = 'Canary-Pässwörd-7f3a9c-do-not-log';
const ORIGIN = 'https://coverage.example.test';

let dir: string;
let runtime: Runtime;
let app: FastifyInstance;
let clock = Date.parse('2030-01-01T00:00:00Z');
let derivations = 0;
const logLines: string[] = [];
const answers: string[] = [];

const countingKdf: ScryptFn = (password, salt, keyLength, options) => {
  derivations++;
  return nodeScryptFn(password, salt, keyLength, options);
};

async function newUser(email: string, password: string): Promise<void> {
  const services = createServices(loadedConfig(), runtime, { now: () => new Date(clock), scrypt: { ln: 10, r: 8, p: 1 } });
  const { setPasswordToken } = await services.accounts.createUser(email, services.audit.as(operatorContext));
  const r = await call({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password } });
  expect(r.statusCode, r.body).toBe(200);
}

let config: ReturnType<typeof loadConfig>;
function loadedConfig() {
  return config;
}

async function call(req: InjectOptions) {
  const r = await app.inject({ remoteAddress: '203.0.113.1', ...req });
  answers.push(JSON.stringify(r.headers), r.body);
  return r;
}

function signIn(email: string, password: string, ip = '203.0.113.1', cookie?: string) {
  return call({ method: 'POST', url: '/api/v1/auth/sign-in', remoteAddress: ip, headers: cookie === undefined ? {} : { cookie, 'sec-fetch-site': 'same-origin' }, payload: { email, password } });
}

function sessionCookie(r: { headers: Record<string, unknown> }): string {
  const set = String(r.headers['set-cookie']);
  return set.split(';')[0]!;
}

/** Same-origin state change with the session cookie and (unless left out) its anti-CSRF token. */
function post(url: string, cookie: string, csrf?: string) {
  return call({ method: 'POST', url, headers: { cookie, 'sec-fetch-site': 'same-origin', ...(csrf === undefined ? {} : { 'x-coverwatch-csrf': csrf }) } });
}

/** Stands in for passing a second factor (mfa-http.test.ts drives the real one). */
async function passMfa(): Promise<void> {
  await sql`update sessions set mfa_state = 'verified'`.execute(runtime.db);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cw-accounts-'));
  config = loadConfig({ env: { COVERWATCH_DATA_DIR: dir, COVERWATCH_PUBLIC_URL: ORIGIN }, cwd: dir, readFile: () => '' });
  runtime = await openRuntime(config);
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => logLines.push(d.toString('utf8')));
  app = await buildApp(config, { ...runtime, logger: createLogger('trace', sink), accounts: { now: () => new Date(clock), scrypt: { ln: 10, r: 8, p: 1 }, kdf: countingKdf } });
  await newUser('alice@example.test', CANARY);
});

afterAll(async () => {
  // The canary password never left the request it came in.
  const audit = (await sql<{ record_json: string }>`select record_json from audit_log`.execute(runtime.db)).rows.map((r) => r.record_json);
  expect(audit.length).toBeGreaterThan(5);
  for (const text of [...logLines, ...answers, ...audit]) expect(text).not.toContain(CANARY);
  expect(logLines.length).toBeGreaterThan(10);
  await app.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  clock += 2 * 3_600_000; // the throttles of earlier tests are forgotten
});

describe('sign-in', () => {
  it('sets a __Host- session cookie (Secure, HttpOnly, SameSite=Lax, Path=/, no Domain) and returns the anti-CSRF token', async () => {
    const r = await signIn('Alice@Example.test ', CANARY);
    expect(r.statusCode, r.body).toBe(200);
    const set = String(r.headers['set-cookie']);
    expect(cookieProblems(set)).toEqual([]);
    expect(set).toMatch(/^__Host-cw-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    expectHardened(r, { hsts: true, label: 'sign-in' });
    expect(r.json().session.mfa).toBe('pending');
    expect(r.json().csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The table keeps only the hash of the secret.
    const secret = sessionCookie(r).split('=')[1]!;
    const rows = (await sql<Record<string, unknown>>`select * from sessions`.execute(runtime.db)).rows;
    expect(JSON.stringify(rows)).not.toContain(secret);
  });

  it('unknown email, wrong password: same status and body, one scrypt derivation each', async () => {
    derivations = 0;
    const wrong = await signIn('alice@example.test', 'wrong password, long enough');
    expect(derivations).toBe(1);
    derivations = 0;
    const unknown = await signIn('nobody@example.test', 'wrong password, long enough');
    expect(derivations).toBe(1);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(unknown.body).toBe(wrong.body);
    expect(wrong.json().error.code).toBe('CW_ERR_AUTH_SIGN_IN_FAILED');
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(wrong.headers).sort());
  });

  it('a new session id at every sign-in; the session the request carried ends', async () => {
    const first = await signIn('alice@example.test', CANARY);
    const again = await signIn('alice@example.test', CANARY, '203.0.113.1', sessionCookie(first));
    // The CSRF guard refuses a state change with a cookie and no token.
    expect(again.statusCode).toBe(403);
    const second = await call({ method: 'POST', url: '/api/v1/auth/sign-in', headers: { cookie: sessionCookie(first), 'sec-fetch-site': 'same-origin', 'x-coverwatch-csrf': first.json().csrfToken }, payload: { email: 'alice@example.test', password: CANARY } });
    expect(second.statusCode, second.body).toBe(200);
    expect(sessionCookie(second)).not.toBe(sessionCookie(first));
    expect((await post('/api/v1/auth/sign-out', sessionCookie(first), first.json().csrfToken)).statusCode).toBe(401);
    expect(second.json().session.id).not.toBe(first.json().session.id);
  });

  it('rehashes a password stored with weaker parameters at the next sign-in', async () => {
    const weak = createServices(config, runtime, { now: () => new Date(clock), scrypt: { ln: 4, r: 8, p: 1 } });
    const { setPasswordToken } = await weak.accounts.createUser('weak@example.test', weak.audit.as(operatorContext));
    await weak.accounts.setPassword(setPasswordToken, 'a weak-cost but long password', { ip: null, userAgent: null });
    const stored = async () => (await sql<{ password_hash: string }>`select password_hash from users where email_key = 'weak@example.test'`.execute(runtime.db)).rows[0]!.password_hash;
    expect(await stored()).toMatch(/^scrypt\$ln=4,r=8,p=1\$/);
    expect((await signIn('weak@example.test', 'a weak-cost but long password')).statusCode).toBe(200);
    expect(await stored()).toMatch(/^scrypt\$ln=10,r=8,p=1\$/);
    expect((await signIn('weak@example.test', 'a weak-cost but long password')).statusCode).toBe(200);
  });
});

describe('throttling', () => {
  it('429 with Retry-After after 5 failures of one account from one address, growing; the real user elsewhere is not locked out', async () => {
    const ok = await signIn('alice@example.test', CANARY, '198.51.100.7');
    expect(ok.statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await signIn('alice@example.test', 'attacker guess number x', '192.0.2.66')).statusCode).toBe(401);
    const sixth = await signIn('alice@example.test', 'attacker guess number x', '192.0.2.66');
    expect(sixth.statusCode).toBe(401);
    const throttled = await signIn('alice@example.test', CANARY, '192.0.2.66');
    expect(throttled.statusCode).toBe(429);
    expect(throttled.json().error.code).toBe('CW_ERR_AUTH_THROTTLED');
    expect(throttled.headers['retry-after']).toBe('1');
    expectHardened(throttled, { hsts: true, label: '429' });
    clock += 1000;
    await signIn('alice@example.test', 'attacker guess number x', '192.0.2.66');
    expect((await signIn('alice@example.test', CANARY, '192.0.2.66')).headers['retry-after']).toBe('2');
    // Many more failures from many places: the account-wide rule delays new places...
    for (let i = 0; i < 30; i++) await signIn('alice@example.test', 'attacker guess number y', `192.0.2.${100 + i}`);
    expect((await signIn('alice@example.test', CANARY, '192.0.2.250')).statusCode).toBe(429);
    // ...but never the place the user signed in from before.
    expect((await signIn('alice@example.test', CANARY, '198.51.100.7')).statusCode).toBe(200);
    // An unknown email is throttled the same way (no enumeration through 429).
    for (let i = 0; i < 6; i++) await signIn('ghost@example.test', 'attacker guess number z', '192.0.2.77');
    expect((await signIn('ghost@example.test', 'attacker guess number z', '192.0.2.77')).statusCode).toBe(429);
  });
});

describe('sessions', () => {
  it('a password alone opens nothing but sign-out: /api/v1/me refuses with CW_ERR_AUTH_MFA_REQUIRED', async () => {
    const s = await signIn('alice@example.test', CANARY);
    const me = await call({ method: 'GET', url: '/api/v1/me', headers: { cookie: sessionCookie(s) } });
    expect(me.statusCode).toBe(403);
    expect(me.json().error.code).toBe('CW_ERR_AUTH_MFA_REQUIRED');
    expect((await call({ method: 'GET', url: '/api/v1/me/sessions', headers: { cookie: sessionCookie(s) } })).statusCode).toBe(403);
    expect((await call({ method: 'GET', url: '/api/v1/me' })).json().error.code).toBe('CW_ERR_AUTH_SESSION_MISSING');
  });

  it('CSRF: sign-out with the cookie but without the token is refused, with it the session ends at once', async () => {
    const s = await signIn('alice@example.test', CANARY);
    const cookie = sessionCookie(s);
    const csrf = s.json().csrfToken as string;
    expect((await post('/api/v1/auth/sign-out', cookie)).statusCode).toBe(403);
    expect((await post('/api/v1/auth/sign-out', cookie, 'A'.repeat(43))).statusCode).toBe(403);
    const cross = await call({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie, 'sec-fetch-site': 'cross-site', 'x-coverwatch-csrf': csrf } });
    expect(cross.statusCode).toBe(403);
    const out = await post('/api/v1/auth/sign-out', cookie, csrf);
    expect(out.statusCode, out.body).toBe(200);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    const after = await post('/api/v1/auth/sign-out', cookie, csrf);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('CW_ERR_AUTH_SESSION_INVALID');
  });

  it('lists own sessions, ends one, ends all others', async () => {
    await sql`update sessions set ended_at = '2000-01-01T00:00:00.000Z' where ended_at is null`.execute(runtime.db);
    const a = await signIn('alice@example.test', CANARY);
    const b = await signIn('alice@example.test', CANARY);
    const c = await signIn('alice@example.test', CANARY);
    await passMfa();
    const cookie = sessionCookie(a);
    const csrf = a.json().csrfToken as string;
    const me = await call({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    expect(me.statusCode, me.body).toBe(200);
    expect(me.json().user.email).toBe('alice@example.test');
    expect(me.json().csrfToken).toBe(csrf);
    const list = await call({ method: 'GET', url: '/api/v1/me/sessions', headers: { cookie } });
    expect(list.json().sessions.map((s: { id: string }) => s.id).sort()).toEqual([a, b, c].map((r) => r.json().session.id).sort());
    expect(list.json().sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    const bId = b.json().session.id as string;
    expect((await post(`/api/v1/me/sessions/${bId}/end`, cookie, csrf)).json()).toEqual({ ended: 1 });
    expect((await call({ method: 'GET', url: '/api/v1/me', headers: { cookie: sessionCookie(b) } })).statusCode).toBe(401);
    expect((await post(`/api/v1/me/sessions/${bId}/end`, cookie, csrf)).json().error.code).toBe('CW_ERR_SESSION_NOT_FOUND');
    expect((await post('/api/v1/me/sessions/end-others', cookie, csrf)).json()).toEqual({ ended: 1 });
    expect((await call({ method: 'GET', url: '/api/v1/me', headers: { cookie: sessionCookie(c) } })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: '/api/v1/me', headers: { cookie } })).statusCode).toBe(200);
  });

  it('idle timeout (30 min) and absolute timeout (12 h)', async () => {
    const s = await signIn('alice@example.test', CANARY);
    await passMfa();
    const cookie = sessionCookie(s);
    const me = () => call({ method: 'GET', url: '/api/v1/me', headers: { cookie } });
    // Active every 29 minutes: alive until the 12 hours are up.
    for (let t = 0; t < 11 * 60; t += 29) {
      clock += 29 * 60_000;
      expect((await me()).statusCode, `after ${t + 29} minutes`).toBe(200);
    }
    clock += 60 * 60_000;
    const expired = await me();
    expect(expired.statusCode).toBe(401);
    expect(String(expired.headers['set-cookie'])).toContain('Max-Age=0');
    const s2 = await signIn('alice@example.test', CANARY);
    await passMfa();
    clock += 31 * 60_000;
    expect((await call({ method: 'GET', url: '/api/v1/me', headers: { cookie: sessionCookie(s2) } })).statusCode).toBe(401);
    const reasons = (await sql<{ ended_reason: string }>`select ended_reason from sessions where ended_reason like '%timeout'`.execute(runtime.db)).rows.map((r) => r.ended_reason);
    expect(reasons).toEqual(expect.arrayContaining(['absolute_timeout', 'idle_timeout']));
  });

  it('setting a password ends every session; the set-password token works once', async () => {
    const services = createServices(config, runtime, { now: () => new Date(clock), scrypt: { ln: 10, r: 8, p: 1 } });
    const s = await signIn('alice@example.test', CANARY);
    const { setPasswordToken } = await services.accounts.resetPasswordToken('alice@example.test', services.audit.as(operatorContext));
    const short = await call({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: 'short' } });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe('CW_ERR_ACCOUNT_PASSWORD_POLICY');
    const common = await call({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: 'QWERTY123456' } });
    expect(common.json().error.code).toBe('CW_ERR_ACCOUNT_PASSWORD_POLICY');
    expect((await call({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: CANARY } })).statusCode).toBe(200);
    expect((await call({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: CANARY } })).json().error.code).toBe('CW_ERR_ACCOUNT_SET_PASSWORD_LINK_INVALID');
    await passMfa();
    expect((await call({ method: 'GET', url: '/api/v1/me', headers: { cookie: sessionCookie(s) } })).statusCode).toBe(401);
  });

  it('disabling an account ends its sessions at once and refuses sign-in like a wrong password; enabling restores sign-in', async () => {
    await newUser('carol@example.test', CANARY);
    const a = await signIn('carol@example.test', CANARY, '203.0.113.40');
    const b = await signIn('carol@example.test', CANARY, '203.0.113.41');
    await passMfa();
    for (const s of [a, b]) expect((await call({ method: 'GET', url: '/api/v1/me', headers: { cookie: sessionCookie(s) } })).statusCode).toBe(200);
    const services = createServices(loadedConfig(), runtime, { now: () => new Date(clock), scrypt: { ln: 10, r: 8, p: 1 } });
    const operator = services.audit.as(operatorContext);
    expect(await services.accounts.setDisabled('Carol@Example.test', true, operator)).toMatchObject({ changed: true, sessionsEnded: 2 });
    for (const s of [a, b]) expect((await call({ method: 'GET', url: '/api/v1/me', headers: { cookie: sessionCookie(s) } })).json().error.code).toBe('CW_ERR_AUTH_SESSION_INVALID');
    derivations = 0;
    const refused = await signIn('carol@example.test', CANARY, '203.0.113.42');
    expect(derivations).toBe(1);
    const wrong = await signIn('carol@example.test', 'wrong password, long enough', '203.0.113.43');
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toBe(wrong.body);
    expect(await services.accounts.setDisabled('carol@example.test', true, operator)).toMatchObject({ changed: false, sessionsEnded: 0 });
    expect(await services.accounts.setDisabled('carol@example.test', false, operator)).toMatchObject({ changed: true });
    expect((await signIn('carol@example.test', CANARY, '203.0.113.44')).statusCode).toBe(200);
    const events = (await sql<{ event: string; record_json: string }>`select event, record_json from audit_log where event in ('account.disabled', 'account.enabled') order by seq`.execute(runtime.db)).rows;
    expect(events.map((e) => e.event)).toEqual(['account.disabled', 'account.enabled']);
    const failure = (await sql<{ record_json: string }>`select record_json from audit_log where event = 'auth.sign_in' and record_json like '%"disabled"%'`.execute(runtime.db)).rows;
    expect(failure).toHaveLength(1);
    await expect(services.accounts.setDisabled('nobody@example.test', true, operator)).rejects.toThrow(/no user with the email/);
  });

  it('audit: sign-in success and failure, sign-out, session ended, user created, password set; never a password', async () => {
    const events = (await sql<{ event: string; record_json: string }>`select event, record_json from audit_log`.execute(runtime.db)).rows;
    const names = new Set(events.map((e) => `${e.event}:${(JSON.parse(e.record_json) as { outcome: string }).outcome}`));
    for (const e of ['auth.sign_in:success', 'auth.sign_in:failure', 'auth.sign_out:success', 'session.ended:success', 'account.user_created:success', 'account.password_set:success']) expect(names).toContain(e);
    const failure = events.find((e) => e.event === 'auth.sign_in' && e.record_json.includes('unknown_email'))!;
    expect(JSON.parse(failure.record_json).details).toEqual({ email: 'nobody@example.test', reason: 'unknown_email' });
  });
});
