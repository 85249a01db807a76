import type { LightMyRequestResponse } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { expect } from 'vitest';
import { operatorContext } from '../src/audit/audit-log.js';
import { createServices } from '../src/services.js';
import { envelope, gz, LCOV, runAdminCli, SHA, uploadHeaders, waitForUpload, type TestServer } from './test-server.js';

/**
 * What the organization and token tests share (orgs-http.test.ts, account-tokens-http.test.ts):
 * signed-in users who passed a second factor, the admin commands, audit records, and the IDOR
 * matrix's read routes and expected "missing" bodies.
 */

/** A signed-in browser whose session passed a second factor (TOTP enrolled as its first factor). */
export interface User {
  readonly email: string;
  readonly userId: string;
  cookie: string;
  csrf: string;
}

/** Every read route of a repository (the read API), `R` standing for `owner/name`. */
export const REPO_READ_ROUTES = [
  '/api/v1/repos/R',
  '/api/v1/repos/R/branches',
  '/api/v1/repos/R/pulls',
  '/api/v1/repos/R/commits',
  `/api/v1/repos/R/commits/${SHA}/totals`,
  `/api/v1/repos/R/commits/${SHA}/files`,
  `/api/v1/repos/R/commits/${SHA}/tree`,
  `/api/v1/repos/R/commits/${SHA}/files/src/a.c`,
  `/api/v1/repos/R/commits/${SHA}/uploads`,
  '/api/v1/repos/R/trend?branch=main',
];
/** The body of a repository that does not exist: what every unreadable one must answer. */
export const notFound = (repo: string) => ({ error: { code: 'CW_ERR_REPO_NOT_FOUND', message: `no repository ${repo}` } });
export const orgNotFound = (org: string) => ({ error: { code: 'CW_ERR_ORG_NOT_FOUND', message: `no organization ${org}` } });

export function cookieOf(r: LightMyRequestResponse): string {
  return String(r.headers['set-cookie']).split(';')[0]!;
}

/** The helpers, bound to the test server `server()` returns (started in the test file's beforeAll) and the users' password. */
export function orgTestKit(server: () => TestServer, password: string) {
  const admin = (...argv: string[]) => runAdminCli(server(), ...argv);

  async function auditRecords(event: string) {
    const rows = await server().runtime.db.selectFrom('audit_log').select(['record_json']).where('event', '=', event).orderBy('seq').execute();
    return rows.map((r) => JSON.parse(r.record_json) as { outcome: string; actor: Record<string, unknown>; source?: Record<string, unknown>; target?: Record<string, unknown>; details: Record<string, unknown> });
  }

  /** A WebAuthn credential row for the user (owners and admins must hold one; the ceremony itself is tested in mfa-http.test.ts). */
  async function givePasskey(userId: string): Promise<void> {
    const now = new Date().toISOString();
    await server()
      .runtime.db.insertInto('mfa_webauthn_credentials')
      .values({ id: `cred-${userId}`, user_id: userId, credential_id: `c${userId.replace(/-/g, '')}`, public_key: 'AA', counter: 0, transports: '[]', name: 'test key', last_used_at: null, created_at: now })
      .execute();
  }

  async function newUser(email: string, options: { passkey?: boolean } = {}): Promise<User> {
    const s = server();
    const services = createServices(s.config, s.runtime);
    const { userId, setPasswordToken } = await services.accounts.createUser(email, services.audit.as(operatorContext));
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password } })).statusCode).toBe(200);
    const signIn = await s.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password } });
    expect(signIn.statusCode, signIn.body).toBe(200);
    const u: User = { email, userId, cookie: cookieOf(signIn), csrf: signIn.json().csrfToken };
    const enroll = await post(u, '/api/v1/me/mfa/totp/enroll');
    expect(enroll.statusCode, enroll.body).toBe(200);
    const code = TOTP.generate({ secret: Secret.fromBase32(enroll.json().secret), timestamp: Date.now() });
    const confirm = await post(u, '/api/v1/me/mfa/totp/confirm', { factorId: enroll.json().factorId, code });
    expect(confirm.statusCode, confirm.body).toBe(200);
    u.cookie = cookieOf(confirm);
    u.csrf = confirm.json().csrfToken;
    if (options.passkey === true) await givePasskey(userId);
    return u;
  }

  function get(u: User | null, url: string, headers: Record<string, string> = {}) {
    return server().app.inject({ method: 'GET', url, headers: { ...(u === null ? {} : { cookie: u.cookie }), ...headers } });
  }

  function post(u: User, url: string, payload?: object) {
    return server().app.inject({ method: 'POST', url, headers: { cookie: u.cookie, 'sec-fetch-site': 'same-origin', 'x-coverwatch-csrf': u.csrf }, ...(payload === undefined ? {} : { payload }) });
  }

  /** Processed coverage in a repository, so that a leak would have something to show. */
  async function uploadTo(fullName: string): Promise<void> {
    const s = server();
    const { admin: a } = createServices(s.config, s.runtime);
    const token = (await a.createToken('upload', fullName)).token;
    const up = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(token), payload: gz(envelope(LCOV)) });
    expect(up.statusCode, up.body).toBe(202);
    expect((await waitForUpload(s.app, token, up.json().id)).state).toBe('processed');
  }

  return { admin, auditRecords, givePasskey, newUser, get, post, uploadTo };
}
