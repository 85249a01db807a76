import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WEAKENING_EVENTS } from '../src/alerts/rules/accounts.js';
import { buildApp } from '../src/app.js';
import { operatorContext } from '../src/audit/audit-log.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/logging/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { createServices } from '../src/services.js';
import { SoftwareAuthenticator } from './webauthn-authenticator.js';

/**
 * The MFA slice through the HTTP app on a real SQLite database (PostgreSQL too with
 * COVERWATCH_TEST_DATABASE_URL): enrollment gate, TOTP window and replay, recovery codes, session
 * rotation, step-up, throttling, password reset, WebAuthn with a software authenticator, and no
 * secret in any log line or audit record. The clock is injected: no test sleeps.
 */
const PASSWORD = 'Canary-MFA-Pässwörd-4b1d-do-not-log';
const ORIGIN = 'https://coverage.example.test';
const RP_ID = 'coverage.example.test';
const START = Date.parse('2030-01-01T00:00:10Z');

let dir: string;
let runtime: Runtime;
let app: FastifyInstance;
let config: ReturnType<typeof loadConfig>;
let clock = START;
const logLines: string[] = [];
/** Every TOTP secret, code and recovery code the tests saw or sent: none may reach a log line or the audit log. */
const secrets = new Set<string>();

/** A signed-in browser: its cookie and anti-CSRF token, updated when the server replaces the session. */
interface Browser {
  cookie: string;
  csrf: string;
  sessionId: string;
}

async function call(req: InjectOptions): Promise<LightMyRequestResponse> {
  return app.inject({ remoteAddress: '203.0.113.5', ...req });
}

function cookieOf(r: LightMyRequestResponse): string | undefined {
  const set = r.headers['set-cookie'];
  return set === undefined ? undefined : String(set).split(';')[0];
}

async function newUser(email: string): Promise<void> {
  const services = createServices(config, runtime, { now: () => new Date(clock), scrypt: { ln: 10, r: 8, p: 1 } });
  const { setPasswordToken } = await services.accounts.createUser(email, services.audit.as(operatorContext));
  const r = await call({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: PASSWORD } });
  expect(r.statusCode, r.body).toBe(200);
}

async function signIn(email: string): Promise<Browser> {
  const r = await call({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password: PASSWORD } });
  expect(r.statusCode, r.body).toBe(200);
  expect(r.json().session.mfa).toBe('pending');
  return { cookie: cookieOf(r)!, csrf: r.json().csrfToken, sessionId: r.json().session.id };
}

function get(url: string, b: Browser) {
  return call({ method: 'GET', url, headers: { cookie: b.cookie } });
}

/** A same-origin state change; a new session in the answer (verification, first factor) replaces the browser's. */
async function post(url: string, b: Browser, payload?: unknown): Promise<LightMyRequestResponse> {
  const r = await call({ method: 'POST', url, headers: { cookie: b.cookie, 'sec-fetch-site': 'same-origin', 'x-coverwatch-csrf': b.csrf }, ...(payload === undefined ? {} : { payload: payload as object }) });
  const cookie = cookieOf(r);
  if (r.statusCode === 200 && cookie !== undefined && r.json().session) {
    b.cookie = cookie;
    b.csrf = r.json().csrfToken;
    b.sessionId = r.json().session.id;
  }
  return r;
}

/** The code of `secret` for the time step `offset` steps from the server's clock. */
function code(secret: string, offset = 0): string {
  const c = TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock + offset * 30_000 });
  secrets.add(c);
  return c;
}

/** A 6-digit code that is none of the three the server accepts now. */
function wrongCode(secret: string): string {
  const valid = new Set([-1, 0, 1].map((d) => code(secret, d)));
  for (let d = 5; ; d++) if (!valid.has(code(secret, d))) return code(secret, d);
}

/** Enrolls TOTP as the account's first factor; the browser's session is verified (and replaced) by it. */
async function enrollTotp(b: Browser): Promise<{ secret: string; recoveryCodes: string[]; factorId: string }> {
  const e = await post('/api/v1/me/mfa/totp/enroll', b);
  expect(e.statusCode, e.body).toBe(200);
  const { secret, factorId } = e.json();
  secrets.add(secret);
  const c = await post('/api/v1/me/mfa/totp/confirm', b, { factorId, code: code(secret) });
  expect(c.statusCode, c.body).toBe(200);
  for (const rc of c.json().recoveryCodes ?? []) secrets.add(rc);
  return { secret, recoveryCodes: c.json().recoveryCodes, factorId };
}

async function auditRows(): Promise<{ event: string; record: { outcome: string; details: Record<string, unknown>; target?: { id?: string } } ; json: string }[]> {
  const rows = (await sql<{ event: string; record_json: string }>`select event, record_json from audit_log order by seq`.execute(runtime.db)).rows;
  return rows.map((r) => ({ event: r.event, record: JSON.parse(r.record_json), json: r.record_json }));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cw-mfa-'));
  config = loadConfig({ env: { COVERWATCH_DATA_DIR: dir, COVERWATCH_PUBLIC_URL: ORIGIN }, cwd: dir, readFile: () => '' });
  runtime = await openRuntime(config);
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => logLines.push(d.toString('utf8')));
  app = await buildApp(config, { ...runtime, logger: createLogger('trace', sink), accounts: { now: () => new Date(clock), scrypt: { ln: 10, r: 8, p: 1 } } });
});

afterAll(async () => {
  // No TOTP secret, code or recovery code in any log line or audit record (ASVS 16.2.5).
  const audit = (await auditRows()).map((r) => r.json);
  expect(secrets.size).toBeGreaterThan(30);
  expect(logLines.length).toBeGreaterThan(50);
  for (const text of [...logLines, ...audit]) {
    for (const s of secrets) {
      // A 6-digit code as a number of its own (not digits inside a timestamp or a duration).
      if (/^\d{6}$/.test(s)) expect(text).not.toMatch(new RegExp(`(?<![0-9.])${s}(?![0-9])`));
      else expect(text).not.toContain(s);
      // Recovery codes are also accepted without hyphens and in lower case.
      if (s.includes('-')) expect(text.toUpperCase()).not.toContain(s.replaceAll('-', ''));
    }
    expect(text).not.toContain(PASSWORD);
  }
  // Nor in the database, except encrypted (TOTP) or hashed (recovery codes).
  const stored = JSON.stringify([
    ...(await sql`select * from mfa_totp_factors`.execute(runtime.db)).rows,
    ...(await sql`select * from mfa_recovery_codes`.execute(runtime.db)).rows,
  ]);
  for (const s of secrets) if (s.length > 6) expect(stored).not.toContain(s);
  await app.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  clock += 2 * 3_600_000; // the throttles of earlier tests are forgotten; earlier sessions have timed out
});

describe('mandatory enrollment', () => {
  it('a password-only session of an account without a factor may enroll, verify and sign out, nothing else', async () => {
    await newUser('gate@example.test');
    const b = await signIn('gate@example.test');
    for (const url of ['/api/v1/me', '/api/v1/me/sessions']) {
      const r = await get(url, b);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code).toBe('CW_ERR_AUTH_MFA_REQUIRED');
      expect(r.json().error.message).toContain('enroll');
    }
    for (const url of ['/api/v1/me/sessions/end-others', '/api/v1/me/mfa/recovery-codes/regenerate', '/api/v1/me/mfa/factors/00000000-0000-4000-8000-000000000000/remove']) {
      expect((await post(url, b)).json().error.code, url).toBe('CW_ERR_AUTH_MFA_REQUIRED');
    }
    expect((await post('/api/v1/me/mfa/step-up', b, { method: 'totp', code: '123456' })).json().error.code).toBe('CW_ERR_AUTH_MFA_REQUIRED');
    // Allowed: the status, verification (nothing to verify yet), enrollment, sign-out.
    expect((await get('/api/v1/me/mfa', b)).json()).toEqual({ enrolled: false, methods: [], factors: [], recoveryCodesRemaining: null, stepUpUntil: null });
    const verify = await post('/api/v1/auth/mfa/verify', b, { method: 'totp', code: '123456' });
    expect(verify.statusCode).toBe(409);
    expect(verify.json().error.code).toBe('CW_ERR_MFA_NOT_ENROLLED');
    const enroll = await post('/api/v1/me/mfa/totp/enroll', b);
    expect(enroll.statusCode, enroll.body).toBe(200);
    secrets.add(enroll.json().secret);
    expect((await post('/api/v1/me/mfa/webauthn/register/options', b)).statusCode).toBe(200);
    expect((await post('/api/v1/auth/sign-out', b)).statusCode).toBe(200);
  });

  it('the API catalog declares each route: x-coverwatch-mfa and x-coverwatch-step-up in /api/docs', async () => {
    const doc = (await call({ method: 'GET', url: '/api/docs' })).json() as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const policy = (p: string, m = 'post') => [doc.paths[p]![m]!['x-coverwatch-mfa'], doc.paths[p]![m]!['x-coverwatch-step-up']];
    expect(policy('/api/v1/auth/sign-out')).toEqual(['not-required', false]);
    expect(policy('/api/v1/auth/mfa/verify')).toEqual(['not-required', false]);
    expect(policy('/api/v1/me/mfa', 'get')).toEqual(['not-required', false]);
    expect(policy('/api/v1/me/mfa/totp/enroll')).toEqual(['enrollment', true]);
    expect(policy('/api/v1/me/mfa/totp/confirm')).toEqual(['enrollment', true]);
    expect(policy('/api/v1/me/mfa/webauthn/register/verify')).toEqual(['enrollment', true]);
    expect(policy('/api/v1/me/mfa/step-up')).toEqual(['required', false]);
    expect(policy('/api/v1/me/mfa/factors/{factorId}/remove')).toEqual(['required', true]);
    expect(policy('/api/v1/me/mfa/recovery-codes/regenerate')).toEqual(['required', true]);
    expect(policy('/api/v1/me', 'get')).toEqual(['required', false]);
  });
});

describe('TOTP', () => {
  it('enrollment returns the otpauth URI and base32 secret once (SHA-1, 6 digits, 30 s); a valid code activates it, verifies and rotates the session, and brings 10 recovery codes', async () => {
    await newUser('totp@example.test');
    const b = await signIn('totp@example.test');
    const pendingCookie = b.cookie;
    const e = await post('/api/v1/me/mfa/totp/enroll', b);
    const { secret, uri, factorId } = e.json();
    secrets.add(secret);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(e.json()).toMatchObject({ algorithm: 'SHA1', digits: 6, period: 30 });
    const u = new URL(uri);
    expect(u.protocol).toBe('otpauth:');
    expect(Object.fromEntries(u.searchParams)).toMatchObject({ secret, algorithm: 'SHA1', digits: '6', period: '30', issuer: 'Coverwatch (coverage.example.test)' });
    expect(decodeURIComponent(u.pathname)).toContain('totp@example.test');
    // The stored row holds the secret encrypted only.
    const row = (await sql<{ secret_ciphertext: string }>`select secret_ciphertext from mfa_totp_factors where id = ${factorId}`.execute(runtime.db)).rows[0]!;
    expect(row.secret_ciphertext).toMatch(/^v1\.[0-9a-f]{8}\./);
    expect(row.secret_ciphertext).not.toContain(secret);
    // Not a factor until confirmed: the account still has none.
    expect((await get('/api/v1/me/mfa', b)).json().enrolled).toBe(false);
    const bad = await post('/api/v1/me/mfa/totp/confirm', b, { factorId, code: wrongCode(secret) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('CW_ERR_MFA_ENROLLMENT_CODE_INVALID');
    const ok = await post('/api/v1/me/mfa/totp/confirm', b, { factorId, code: code(secret) });
    expect(ok.statusCode, ok.body).toBe(200);
    const recovery: string[] = ok.json().recoveryCodes;
    for (const rc of recovery) secrets.add(rc);
    expect(recovery).toHaveLength(10);
    expect(new Set(recovery).size).toBe(10);
    for (const rc of recovery) expect(rc).toMatch(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
    expect(ok.json().session.mfa).toBe('verified');
    expect(b.cookie).not.toBe(pendingCookie);
    expect((await get('/api/v1/me', { ...b, cookie: pendingCookie })).statusCode).toBe(401);
    const me = await get('/api/v1/me', b);
    expect(me.statusCode, me.body).toBe(200);
    const status = (await get('/api/v1/me/mfa', b)).json();
    expect(status).toMatchObject({ enrolled: true, methods: ['totp', 'recovery_code'], recoveryCodesRemaining: 10 });
    expect(status.factors).toEqual([{ id: factorId, kind: 'totp', name: 'authenticator app', createdAt: expect.any(String), lastUsedAt: expect.any(String) }]);
  });

  it('accepts the codes of the current step and one either side by the server clock, refuses two steps off', async () => {
    await newUser('window@example.test');
    const { secret } = await enrollTotp(await signIn('window@example.test'));
    for (const offset of [-1, 0, 1]) {
      clock += 10 * 60_000; // fresh steps: earlier ones were used
      const b = await signIn('window@example.test');
      const r = await post('/api/v1/auth/mfa/verify', b, { method: 'totp', code: code(secret, offset) });
      expect(r.statusCode, `offset ${offset}: ${r.body}`).toBe(200);
      expect(r.json().session.mfa).toBe('verified');
    }
    for (const offset of [-2, 2]) {
      clock += 10 * 60_000;
      const b = await signIn('window@example.test');
      const r = await post('/api/v1/auth/mfa/verify', b, { method: 'totp', code: code(secret, offset) });
      expect(r.statusCode, `offset ${offset}`).toBe(401);
      expect(r.json().error.code).toBe('CW_ERR_AUTH_MFA_FAILED');
      expect((await get('/api/v1/me', b)).statusCode).toBe(403);
    }
  });

  it('a code is accepted once: a replay, or the code of an earlier step, is refused; the next step works', async () => {
    await newUser('replay@example.test');
    const { secret } = await enrollTotp(await signIn('replay@example.test'));
    clock += 10 * 60_000;
    const first = await signIn('replay@example.test');
    const now = code(secret);
    expect((await post('/api/v1/auth/mfa/verify', first, { method: 'totp', code: now })).statusCode).toBe(200);
    const second = await signIn('replay@example.test');
    const replay = await post('/api/v1/auth/mfa/verify', second, { method: 'totp', code: now });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('CW_ERR_AUTH_MFA_FAILED');
    // The previous step's code is still within the window, but older than the step used.
    expect((await post('/api/v1/auth/mfa/verify', second, { method: 'totp', code: code(secret, -1) })).statusCode).toBe(401);
    clock += 30_000;
    expect((await post('/api/v1/auth/mfa/verify', second, { method: 'totp', code: code(secret) })).statusCode).toBe(200);
    const failures = (await auditRows()).filter((r) => r.event === 'auth.mfa_verify' && r.record.outcome === 'failure').map((r) => r.record.details.reason);
    expect(failures).toEqual(expect.arrayContaining(['replayed_code', 'wrong_code']));
  });
});

describe('recovery codes', () => {
  it('each works once (typed in lower case without hyphens too); regenerating replaces all and needs step-up', async () => {
    await newUser('recovery@example.test');
    const { secret, recoveryCodes } = await enrollTotp(await signIn('recovery@example.test'));
    const b = await signIn('recovery@example.test');
    const typed = recoveryCodes[0]!.replaceAll('-', '').toLowerCase();
    const ok = await post('/api/v1/auth/mfa/verify', b, { method: 'recovery_code', code: typed });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await get('/api/v1/me/mfa', b)).json().recoveryCodesRemaining).toBe(9);
    const again = await signIn('recovery@example.test');
    expect((await post('/api/v1/auth/mfa/verify', again, { method: 'recovery_code', code: recoveryCodes[0] })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/mfa/verify', again, { method: 'recovery_code', code: 'AAAA-BBBB-CCCC-DDDD' })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/mfa/verify', again, { method: 'recovery_code', code: recoveryCodes[1] })).statusCode).toBe(200);
    // Step-up is fresh right after verification: regenerate now.
    const regenerated = await post('/api/v1/me/mfa/recovery-codes/regenerate', again);
    expect(regenerated.statusCode, regenerated.body).toBe(200);
    const fresh: string[] = regenerated.json().recoveryCodes;
    for (const rc of fresh) secrets.add(rc);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => recoveryCodes.includes(c))).toBe(false);
    const third = await signIn('recovery@example.test');
    expect((await post('/api/v1/auth/mfa/verify', third, { method: 'recovery_code', code: recoveryCodes[2] })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/mfa/verify', third, { method: 'recovery_code', code: fresh[0] })).statusCode).toBe(200);
    // Only hashes are stored.
    const hashes = (await sql<{ code_hash: string }>`select code_hash from mfa_recovery_codes`.execute(runtime.db)).rows.map((r) => r.code_hash);
    for (const h of hashes) expect(h).toMatch(/^[0-9a-f]{64}$/);
    const events = (await auditRows()).filter((r) => r.event === 'account.recovery_codes_regenerated');
    expect(events.at(-1)!.record).toMatchObject({ outcome: 'success', details: { count: 10 } });
    expect(secret).toBeTruthy();
  });
});

describe('sessions', () => {
  it('verification rotates the session: new id and cookie, the old id and its anti-CSRF token are dead', async () => {
    await newUser('rotate@example.test');
    const { secret } = await enrollTotp(await signIn('rotate@example.test'));
    clock += 10 * 60_000;
    const b = await signIn('rotate@example.test');
    const before = { ...b };
    const r = await post('/api/v1/auth/mfa/verify', b, { method: 'totp', code: code(secret) });
    expect(r.statusCode, r.body).toBe(200);
    expect(b.cookie).not.toBe(before.cookie);
    expect(b.sessionId).not.toBe(before.sessionId);
    expect(b.csrf).not.toBe(before.csrf);
    expect(String(r.headers['set-cookie'])).toMatch(/^__Host-cw-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax$/);
    const old = await get('/api/v1/me', before);
    expect(old.statusCode).toBe(401);
    expect(old.json().error.code).toBe('CW_ERR_AUTH_SESSION_INVALID');
    // The new cookie with the old anti-CSRF token: refused.
    expect((await post('/api/v1/me/sessions/end-others', { ...b, csrf: before.csrf })).statusCode).toBe(403);
    const me = (await get('/api/v1/me', b)).json();
    expect(me.session).toMatchObject({ id: b.sessionId, mfa: 'verified', mfaVerifiedAt: new Date(clock).toISOString() });
    const ended = (await sql<{ ended_reason: string }>`select ended_reason from sessions where id = ${before.sessionId}`.execute(runtime.db)).rows[0]!;
    expect(ended.ended_reason).toBe('mfa_rotated');
  });

  it('step-up: changing factors needs a second factor within 5 minutes (403 CW_ERR_AUTH_STEP_UP_REQUIRED), and a step-up satisfies it', async () => {
    await newUser('stepup@example.test');
    const b = await signIn('stepup@example.test');
    const { secret, factorId } = await enrollTotp(b);
    clock += 4 * 60_000;
    expect((await get('/api/v1/me/mfa', b)).json().stepUpUntil).toBe(new Date(clock + 60_000).toISOString());
    clock += 2 * 60_000; // 6 minutes after the second factor
    expect((await get('/api/v1/me/mfa', b)).json().stepUpUntil).toBeNull();
    for (const [url, payload] of [
      ['/api/v1/me/mfa/recovery-codes/regenerate', undefined],
      [`/api/v1/me/mfa/factors/${factorId}/remove`, undefined],
      ['/api/v1/me/mfa/totp/enroll', undefined],
      ['/api/v1/me/mfa/webauthn/register/options', undefined],
    ] as const) {
      const r = await post(url, b, payload);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code).toBe('CW_ERR_AUTH_STEP_UP_REQUIRED');
    }
    // Other routes do not need it.
    expect((await get('/api/v1/me', b)).statusCode).toBe(200);
    const before = b.cookie;
    const up = await post('/api/v1/me/mfa/step-up', b, { method: 'totp', code: code(secret) });
    expect(up.statusCode, up.body).toBe(200);
    expect(b.cookie).not.toBe(before);
    // The last factor cannot be removed, even with step-up; recovery codes can be regenerated.
    const last = await post(`/api/v1/me/mfa/factors/${factorId}/remove`, b);
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe('CW_ERR_MFA_LAST_FACTOR');
    const regenerated = await post('/api/v1/me/mfa/recovery-codes/regenerate', b);
    expect(regenerated.statusCode, regenerated.body).toBe(200);
    for (const rc of regenerated.json().recoveryCodes) secrets.add(rc);
    // A new TOTP factor replaces the old one (audited as a removal).
    const e = await post('/api/v1/me/mfa/totp/enroll', b);
    expect(e.statusCode, e.body).toBe(200);
    secrets.add(e.json().secret);
    const c = await post('/api/v1/me/mfa/totp/confirm', b, { factorId: e.json().factorId, code: code(e.json().secret) });
    expect(c.statusCode, c.body).toBe(200);
    expect(c.json()).toEqual({ factorId: e.json().factorId, recoveryCodes: null, session: null, csrfToken: null });
    expect((await get('/api/v1/me/mfa', b)).json().factors.map((f: { id: string }) => f.id)).toEqual([e.json().factorId]);
    const removed = (await auditRows()).filter((r) => r.event === 'account.mfa_removed');
    expect(removed.at(-1)!.record.details).toMatchObject({ kind: 'totp', factorId, reason: 'replaced' });
  });
});

describe('throttling', () => {
  it('failed codes per account: 5 free, then 429 with Retry-After (not checked at all), growing; a success resets', async () => {
    await newUser('throttle@example.test');
    const { secret } = await enrollTotp(await signIn('throttle@example.test'));
    clock += 10 * 60_000;
    const b = await signIn('throttle@example.test');
    for (let i = 0; i < 6; i++) expect((await post('/api/v1/auth/mfa/verify', b, { method: 'totp', code: wrongCode(secret) })).statusCode, `attempt ${i + 1}`).toBe(401);
    // Another session of the same account (another address too) is throttled alike: the count is per account.
    const elsewhere = await call({ method: 'POST', url: '/api/v1/auth/sign-in', remoteAddress: '198.51.100.20', payload: { email: 'throttle@example.test', password: PASSWORD } });
    const other: Browser = { cookie: cookieOf(elsewhere)!, csrf: elsewhere.json().csrfToken, sessionId: elsewhere.json().session.id };
    for (const browser of [b, other]) {
      const throttled = await post('/api/v1/auth/mfa/verify', browser, { method: 'totp', code: code(secret) });
      expect(throttled.statusCode).toBe(429);
      expect(throttled.json().error.code).toBe('CW_ERR_AUTH_MFA_THROTTLED');
      expect(throttled.headers['retry-after']).toBe('1');
    }
    clock += 1000;
    expect((await post('/api/v1/auth/mfa/verify', b, { method: 'recovery_code', code: 'AAAA-BBBB-CCCC-DDDD' })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/mfa/verify', b, { method: 'totp', code: code(secret) })).headers['retry-after']).toBe('2');
    clock += 2000;
    const ok = await post('/api/v1/auth/mfa/verify', b, { method: 'totp', code: code(secret) });
    expect(ok.statusCode, ok.body).toBe(200);
    // Reset: the next failures are free again.
    clock += 60_000;
    expect((await post('/api/v1/auth/mfa/verify', other, { method: 'totp', code: wrongCode(secret) })).statusCode).toBe(401);
    expect((await post('/api/v1/auth/mfa/verify', other, { method: 'totp', code: code(secret) })).statusCode).toBe(200);
  });
});

describe('password reset never bypasses the second factor', () => {
  it('a reset keeps the factors: the next sign-in is pending, enrollment is closed to it, and only the factor verifies it', async () => {
    await newUser('reset@example.test');
    const { secret } = await enrollTotp(await signIn('reset@example.test'));
    const services = createServices(config, runtime, { now: () => new Date(clock), scrypt: { ln: 10, r: 8, p: 1 } });
    const { setPasswordToken } = await services.accounts.resetPasswordToken('reset@example.test', services.audit.as(operatorContext));
    const set = await call({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: PASSWORD } });
    expect(set.statusCode, set.body).toBe(200);
    const n = (await sql<{ n: number }>`select count(*) as n from mfa_totp_factors f join users u on u.id = f.user_id where u.email_key = 'reset@example.test' and f.confirmed_at is not null`.execute(runtime.db)).rows[0]!;
    expect(Number(n.n)).toBe(1);
    clock += 10 * 60_000;
    const b = await signIn('reset@example.test');
    expect((await get('/api/v1/me', b)).json().error.code).toBe('CW_ERR_AUTH_MFA_REQUIRED');
    // Whoever reset the password cannot enroll a factor of their own: the account has one.
    for (const url of ['/api/v1/me/mfa/totp/enroll', '/api/v1/me/mfa/webauthn/register/options']) {
      const r = await post(url, b);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code).toBe('CW_ERR_AUTH_MFA_REQUIRED');
      expect(r.json().error.message).toContain('/api/v1/auth/mfa/verify');
    }
    const status = (await get('/api/v1/me/mfa', b)).json();
    expect(status).toEqual({ enrolled: true, methods: ['totp', 'recovery_code'], factors: [], recoveryCodesRemaining: null, stepUpUntil: null });
    expect((await post('/api/v1/auth/mfa/verify', b, { method: 'totp', code: code(secret) })).statusCode).toBe(200);
    expect((await get('/api/v1/me', b)).statusCode).toBe(200);
  });
});

describe('WebAuthn passkeys', () => {
  it('registers as the first factor from a password-only session: the credential id, public key, counter and transports are stored', async () => {
    await newUser('passkey@example.test');
    const b = await signIn('passkey@example.test');
    const key = new SoftwareAuthenticator(RP_ID, ORIGIN);
    const options = (await post('/api/v1/me/mfa/webauthn/register/options', b)).json();
    expect(options).toMatchObject({ rp: { id: RP_ID, name: 'Coverwatch' }, user: { name: 'passkey@example.test' }, attestation: 'none', timeout: 300_000 });
    const r = await post('/api/v1/me/mfa/webauthn/register/verify', b, { name: 'test key', response: key.register(options) });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().recoveryCodes).toHaveLength(10);
    for (const rc of r.json().recoveryCodes) secrets.add(rc);
    expect(r.json().session.mfa).toBe('verified');
    const row = (await sql<Record<string, unknown>>`select * from mfa_webauthn_credentials where credential_id = ${key.id}`.execute(runtime.db)).rows[0]!;
    expect(row).toMatchObject({ name: 'test key', counter: 0, transports: '["internal"]' });
    expect(String(row.public_key)).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect((await get('/api/v1/me/mfa', b)).json().factors).toEqual([expect.objectContaining({ kind: 'webauthn', name: 'test key' })]);
  });

  it('an owner or admin keeps their last passkey; removing any factor ends the account\'s other sessions', async () => {
    await newUser('owner-mfa@example.test');
    const b = await signIn('owner-mfa@example.test');
    const key = new SoftwareAuthenticator(RP_ID, ORIGIN);
    const reg = await post('/api/v1/me/mfa/webauthn/register/verify', b, { name: 'owner key', response: key.register((await post('/api/v1/me/mfa/webauthn/register/options', b)).json()) });
    expect(reg.statusCode, reg.body).toBe(200);
    for (const rc of reg.json().recoveryCodes) secrets.add(rc);
    const passkeyId = (await get('/api/v1/me/mfa', b)).json().factors[0].id as string;
    const e = await post('/api/v1/me/mfa/totp/enroll', b);
    secrets.add(e.json().secret);
    expect((await post('/api/v1/me/mfa/totp/confirm', b, { factorId: e.json().factorId, code: code(e.json().secret) })).statusCode).toBe(200);
    const services = createServices(config, runtime, { now: () => new Date(clock), scrypt: { ln: 10, r: 8, p: 1 } });
    await services.admin.createOrg('mfa-owners');
    await services.orgs.addMember({ type: 'operator' }, 'mfa-owners', 'owner-mfa@example.test', 'owner', services.audit.as(operatorContext), { upsert: true });
    // A second browser of the same user, verified with the next TOTP step.
    clock += 30_000;
    const other = await signIn('owner-mfa@example.test');
    expect((await post('/api/v1/auth/mfa/verify', other, { method: 'totp', code: code(e.json().secret) })).statusCode).toBe(200);
    expect((await get('/api/v1/me', other)).statusCode).toBe(200);

    const refused = await post(`/api/v1/me/mfa/factors/${passkeyId}/remove`, b);
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'CW_ERR_MFA_PASSKEY_REQUIRED_FOR_ROLE', message: expect.stringContaining('mfa-owners') });
    expect((await get('/api/v1/me/mfa', b)).json().factors).toHaveLength(2);
    const denied = (await auditRows()).filter((r) => r.event === 'account.mfa_removed' && r.record.outcome === 'denied');
    expect(denied.at(-1)!.record.details).toMatchObject({ reason: 'passkey_required_for_role', orgs: ['mfa-owners'] });

    // The TOTP factor can go (the passkey stays); the other browser's session ends with it.
    expect((await post(`/api/v1/me/mfa/factors/${e.json().factorId}/remove`, b)).statusCode).toBe(200);
    expect((await get('/api/v1/me', other)).json().error.code).toBe('CW_ERR_AUTH_SESSION_INVALID');
    expect((await get('/api/v1/me', b)).statusCode).toBe(200);
  });

  it('registration refuses a wrong origin, a wrong RP id and a reused challenge', async () => {
    await newUser('passkey2@example.test');
    const b = await signIn('passkey2@example.test');
    const key = new SoftwareAuthenticator(RP_ID, ORIGIN);
    const refused = async (response: unknown) => {
      const r = await post('/api/v1/me/mfa/webauthn/register/verify', b, { response });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.code).toBe('CW_ERR_MFA_WEBAUTHN_REGISTRATION_FAILED');
      // The library's message (which quotes the challenge) stays inside.
      expect(r.json().error.message).not.toMatch(/challenge "|expected/);
    };
    await refused(key.register((await post('/api/v1/me/mfa/webauthn/register/options', b)).json(), { origin: 'https://coverage.example.test.evil.example' }));
    await refused(key.register((await post('/api/v1/me/mfa/webauthn/register/options', b)).json(), { rpId: 'evil.example' }));
    // A challenge from another session, or an expired one.
    const other = await signIn('passkey2@example.test');
    await refused(key.register((await post('/api/v1/me/mfa/webauthn/register/options', other)).json()));
    const expiring = (await post('/api/v1/me/mfa/webauthn/register/options', b)).json();
    clock += 5 * 60_000 + 1;
    await refused(key.register(expiring));
    const options = (await post('/api/v1/me/mfa/webauthn/register/options', b)).json();
    const good = key.register(options);
    expect((await post('/api/v1/me/mfa/webauthn/register/verify', b, { response: good })).statusCode).toBe(200);
    // The same response again (its challenge used), from the now verified session within step-up.
    await refused(good);
    const failures = (await auditRows()).filter((r) => r.event === 'account.mfa_factor_added' && r.record.outcome === 'failure');
    expect(failures.length).toBeGreaterThanOrEqual(5);
  });

  it('authentication verifies a session; a wrong origin, a wrong RP id, a reused challenge and a non-increasing counter are refused', async () => {
    await newUser('assert@example.test');
    const key = new SoftwareAuthenticator(RP_ID, ORIGIN);
    const first = await signIn('assert@example.test');
    expect((await post('/api/v1/me/mfa/webauthn/register/verify', first, { response: key.register((await post('/api/v1/me/mfa/webauthn/register/options', first)).json()) })).statusCode).toBe(200);
    const b = await signIn('assert@example.test');
    const options = async () => {
      const r = await post('/api/v1/auth/mfa/webauthn/options', b);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().allowCredentials).toEqual([{ id: key.id, type: 'public-key', transports: ['internal'] }]);
      return r.json();
    };
    const verify = (response: unknown) => post('/api/v1/auth/mfa/verify', b, { method: 'webauthn', response });
    const refusedWith = async (response: unknown) => {
      const r = await verify(response);
      expect(r.statusCode, r.body).toBe(401);
      expect(r.json().error.code).toBe('CW_ERR_AUTH_MFA_FAILED');
    };
    await refusedWith(key.assert(await options(), { origin: 'https://evil.example' }));
    await refusedWith(key.assert(await options(), { rpId: 'evil.example' }));
    const goodOptions = await options();
    const good = key.assert(goodOptions, { counter: 5 });
    const ok = await verify(good);
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await sql<{ counter: number }>`select counter from mfa_webauthn_credentials where credential_id = ${key.id}`.execute(runtime.db)).rows[0]!.counter).toBe(5);
    // Step up with the passkey from the verified session: the used challenge is refused, a fresh one works.
    const stepUp = (response: unknown) => post('/api/v1/me/mfa/step-up', b, { method: 'webauthn', response });
    expect((await stepUp(good)).statusCode).toBe(401);
    // The used challenge signed anew with a higher counter (everything else valid): still refused.
    expect((await stepUp(key.assert(goodOptions, { counter: 9 }))).statusCode).toBe(401);
    // A challenge is spent by a failed attempt too.
    const spent = await options();
    expect((await stepUp(key.assert(spent, { origin: 'https://evil.example', counter: 10 }))).statusCode).toBe(401);
    expect((await stepUp(key.assert(spent, { counter: 11 }))).statusCode).toBe(401);
    // A non-increasing counter (5 again, then 4) with a fresh challenge: a cloned authenticator.
    expect((await stepUp(key.assert(await options(), { counter: 5 }))).statusCode).toBe(401);
    expect((await stepUp(key.assert(await options(), { counter: 4 }))).statusCode).toBe(401);
    // Six failures in a row: the account waits a second (throttling) before the next attempt.
    clock += 1000;
    expect((await stepUp(key.assert(await options(), { counter: 12 }))).statusCode).toBe(200);
    expect((await sql<{ counter: number }>`select counter from mfa_webauthn_credentials where credential_id = ${key.id}`.execute(runtime.db)).rows[0]!.counter).toBe(12);
    // With a passkey and TOTP, one of them can be removed (step-up is fresh), and that is audited for the alert rule.
    const { factorId } = await (async () => {
      const e = await post('/api/v1/me/mfa/totp/enroll', b);
      secrets.add(e.json().secret);
      const c = await post('/api/v1/me/mfa/totp/confirm', b, { factorId: e.json().factorId, code: code(e.json().secret) });
      expect(c.statusCode, c.body).toBe(200);
      return c.json();
    })();
    const passkeyId = (await get('/api/v1/me/mfa', b)).json().factors.find((f: { kind: string }) => f.kind === 'webauthn').id;
    expect((await post(`/api/v1/me/mfa/factors/${passkeyId}/remove`, b)).json()).toEqual({ removed: 1 });
    expect((await get('/api/v1/me/mfa', b)).json().factors.map((f: { id: string }) => f.id)).toEqual([factorId]);
  });
});

describe('audit', () => {
  it('records enrollment, verification, failures, rotation, regeneration and removal under the names the alert rules expect; never a secret', async () => {
    const rows = await auditRows();
    const seen = new Set(rows.map((r) => `${r.event}:${r.record.outcome}`));
    for (const e of [
      'account.mfa_factor_added:success',
      'account.mfa_factor_added:failure',
      'account.recovery_codes_generated:success',
      'account.recovery_codes_regenerated:success',
      'account.mfa_removed:success',
      'auth.mfa_verify:success',
      'auth.mfa_verify:failure',
      'session.ended:success',
    ]) {
      expect(seen, e).toContain(e);
    }
    // Both events the account_security_weakened rule watches are written, with the account as target.
    for (const event of Object.keys(WEAKENING_EVENTS)) {
      const r = rows.find((x) => x.event === event && x.record.outcome === 'success');
      expect(r, event).toBeDefined();
      expect(r!.record.target?.id).toMatch(/^[0-9a-f-]{36}$/);
    }
    const removal = rows.find((r) => r.event === 'account.mfa_removed' && r.record.details.reason === 'removed_by_user' && r.record.details.kind === 'webauthn')!;
    expect(removal.record.details).toMatchObject({ kind: 'webauthn', remainingFactors: 1 });
    expect(rows.some((r) => r.event === 'session.ended' && r.record.details.reason === 'mfa_rotated')).toBe(true);
    // The secret scan over every log line and audit record runs in afterAll, after the whole suite.
  });
});
