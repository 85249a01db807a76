import type { LightMyRequestResponse } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorContext } from '../src/audit/audit-log.js';
import { createServices } from '../src/services.js';
import { startTestServer, type TestServer } from './test-server.js';

/**
 * Alerts through the API: each alert is scoped when raised to the account and the organization it
 * concerns; a user sees their account's, owners and admins their organization's, nobody anything else.
 */
const PASSWORD = 'alerts-test-password-long-enough';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { COVERWATCH_PUBLIC_URL: 'https://coverage.example.test' }, accounts: { scrypt: { ln: 10, r: 8, p: 1 } } });
});
afterAll(async () => s?.close());

interface User {
  readonly email: string;
  readonly userId: string;
  cookie: string;
  csrf: string;
}

const cookieOf = (r: LightMyRequestResponse) => String(r.headers['set-cookie']).split(';')[0]!;
const services = () => createServices(s.config, s.runtime);

function post(u: User, url: string, payload?: object) {
  return s.app.inject({ method: 'POST', url, headers: { cookie: u.cookie, 'sec-fetch-site': 'same-origin', 'x-coverwatch-csrf': u.csrf }, ...(payload === undefined ? {} : { payload }) });
}

function get(u: User, url: string) {
  return s.app.inject({ method: 'GET', url, headers: { cookie: u.cookie } });
}

/** A signed-in user whose session passed TOTP; with a passkey row when they are to be an owner or admin. */
async function newUser(email: string, passkey = false): Promise<User> {
  const sv = services();
  const { userId, setPasswordToken } = await sv.accounts.createUser(email, sv.audit.as(operatorContext));
  expect((await s.app.inject({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: PASSWORD } })).statusCode).toBe(200);
  const signIn = await s.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password: PASSWORD } });
  const u: User = { email, userId, cookie: cookieOf(signIn), csrf: signIn.json().csrfToken };
  const enroll = await post(u, '/api/v1/me/mfa/totp/enroll');
  const code = TOTP.generate({ secret: Secret.fromBase32(enroll.json().secret), timestamp: Date.now() });
  const confirm = await post(u, '/api/v1/me/mfa/totp/confirm', { factorId: enroll.json().factorId, code });
  expect(confirm.statusCode, confirm.body).toBe(200);
  u.cookie = cookieOf(confirm);
  u.csrf = confirm.json().csrfToken;
  if (passkey) {
    await s.runtime.db
      .insertInto('mfa_webauthn_credentials')
      .values({ id: `cred-${userId}`, user_id: userId, credential_id: `c${userId.replace(/-/g, '')}`, public_key: 'AA', counter: 0, transports: '[]', name: 'k', last_used_at: null, created_at: new Date().toISOString() })
      .execute();
  }
  return u;
}

async function addMember(org: string, u: User, role: 'owner' | 'admin' | 'member' | 'viewer') {
  const sv = services();
  await sv.orgs.addMember({ type: 'operator' }, org, u.email, role, sv.audit.as(operatorContext), { upsert: true });
}

const rulesOf = (r: LightMyRequestResponse) => (r.json().alerts as { rule: string; details: Record<string, unknown> }[]).map((a) => a.rule);

describe('alerts by API', () => {
  it('a user sees the alerts about their account, and only theirs', async () => {
    const ann = await newUser('ann@example.test');
    const bob = await newUser('bob@example.test');
    expect((await post(ann, '/api/v1/me/mfa/recovery-codes/regenerate')).statusCode).toBe(200);
    await services().alerts.evaluator.tick();
    const mine = await get(ann, '/api/v1/me/alerts');
    expect(mine.statusCode, mine.body).toBe(200);
    expect(rulesOf(mine)).toEqual(['account_security_weakened']);
    expect(mine.json().alerts[0]).toMatchObject({ severity: 'medium', title: expect.stringContaining('recovery codes regenerated') });
    expect(rulesOf(await get(bob, '/api/v1/me/alerts'))).toEqual([]);
    expect((await get(ann, '/api/v1/me/alerts?limit=0')).statusCode).toBe(400);
  });

  it("owners and admins see their organization's alerts (new owners, its tokens used from new places); members get 403, outsiders 404, nobody another organization's", async () => {
    const owner = await newUser('owner@example.test', true);
    const admin = await newUser('admin@example.test', true);
    const member = await newUser('member@example.test');
    const outsider = await newUser('outsider@example.test', true);
    await addMember('acme', owner, 'owner');
    await addMember('acme', admin, 'admin');
    await addMember('acme', member, 'member');
    const sv = services();
    await sv.admin.createOrg('elsewhere');
    await addMember('elsewhere', outsider, 'owner');
    // acme's read token used from one place, then another: a new context.
    for (const ua of ['ci-runner/1.0', 'curl/8.0']) {
      const r = await s.app.inject({ method: 'GET', url: '/api/v1/repos/acme/widgets', headers: { authorization: `Bearer ${s.readToken}`, 'user-agent': ua }, remoteAddress: '198.51.100.20' });
      expect(r.statusCode, r.body).toBe(200);
    }
    await sv.alerts.evaluator.tick();

    for (const u of [owner, admin]) {
      const r = await get(u, '/api/v1/orgs/acme/alerts');
      expect(r.statusCode, r.body).toBe(200);
      expect(new Set(rulesOf(r))).toEqual(new Set(['privilege_granted', 'token_new_context']));
    }
    const forbidden = await get(member, '/api/v1/orgs/acme/alerts');
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    const hidden = await get(outsider, '/api/v1/orgs/acme/alerts');
    expect(hidden.statusCode).toBe(404);
    expect(hidden.json().error.code).toBe('CW_ERR_ORG_NOT_FOUND');
    expect(hidden.body).toBe((await get(outsider, '/api/v1/orgs/nonexistent/alerts')).body.replace('nonexistent', 'acme'));
    // elsewhere's owner sees elsewhere's own alert (their role grant), nothing of acme's.
    expect(rulesOf(await get(outsider, '/api/v1/orgs/elsewhere/alerts'))).toEqual(['privilege_granted']);
    // The new owner also sees the grant as an alert about their account.
    expect(rulesOf(await get(owner, '/api/v1/me/alerts'))).toContain('privilege_granted');
  });

  it('password spraying from one address is the operator\'s alert: it names the attacker and the other accounts, so no one account sees it', async () => {
    const carl = await newUser('carl@example.test');
    for (const email of ['nobody1@example.test', 'nobody2@example.test', 'nobody3@example.test', 'nobody4@example.test', 'carl@example.test']) {
      const r = await s.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', remoteAddress: '203.0.113.99', payload: { email, password: 'wrong password, long enough' } });
      expect(r.statusCode).toBe(401);
    }
    await services().alerts.evaluator.tick();
    expect((await services().alerts.repository.list()).map((a) => a.rule)).toContain('sign_in_failures_ip');
    expect(rulesOf(await get(carl, '/api/v1/me/alerts'))).not.toContain('sign_in_failures_ip');
  });
});
