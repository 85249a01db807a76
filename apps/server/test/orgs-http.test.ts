import { EventEmitter } from 'node:events';
import type { LightMyRequestResponse } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_EVENTS } from '../src/alerts/rules/accounts.js';
import { operatorContext } from '../src/audit/audit-log.js';
import { run } from '../src/cli/run.js';
import { createServices } from '../src/services.js';
import { startTestServer, type TestServer } from './test-server.js';

/**
 * Organizations, repositories and roles (issue 5) through the HTTP app and the admin commands, on a
 * real SQLite database: admin commands, session principals on the read API, the organization API,
 * the IDOR matrix (every role x every read and organization route x objects of another organization)
 * and removal taking effect on the next request.
 */
const PASSWORD = 'orgs-test-password-long-enough';
const PUBLIC_URL = 'https://coverage.example.test';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { COVERWATCH_PUBLIC_URL: PUBLIC_URL }, accounts: { scrypt: { ln: 10, r: 8, p: 1 } } });
});
afterAll(async () => s?.close());

async function admin(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(
    {
      argv: ['admin', ...argv, '--json'],
      env: { COVERWATCH_DATA_DIR: s.config.dataDir, COVERWATCH_LOG_LEVEL: 'silent' },
      cwd: s.config.dataDir,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    },
    new EventEmitter(),
  );
  return { code, stderr, json: stdout === '' ? null : (JSON.parse(stdout) as Record<string, unknown>) };
}

async function auditRecords(event: string) {
  const rows = await s.runtime.db.selectFrom('audit_log').select(['record_json']).where('event', '=', event).orderBy('seq').execute();
  return rows.map((r) => JSON.parse(r.record_json) as { outcome: string; actor: Record<string, unknown>; target?: Record<string, unknown>; details: Record<string, unknown> });
}

/** A signed-in browser whose session passed a second factor (TOTP enrolled as its first factor). */
interface User {
  readonly email: string;
  readonly userId: string;
  cookie: string;
  csrf: string;
}

function cookieOf(r: LightMyRequestResponse): string {
  return String(r.headers['set-cookie']).split(';')[0]!;
}

async function newUser(email: string): Promise<User> {
  const services = createServices(s.config, s.runtime);
  const { userId, setPasswordToken } = await services.accounts.createUser(email, services.audit.as(operatorContext));
  expect((await s.app.inject({ method: 'POST', url: '/api/v1/auth/set-password', payload: { token: setPasswordToken, password: PASSWORD } })).statusCode).toBe(200);
  const signIn = await s.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email, password: PASSWORD } });
  expect(signIn.statusCode, signIn.body).toBe(200);
  const u: User = { email, userId, cookie: cookieOf(signIn), csrf: signIn.json().csrfToken };
  const enroll = await post(u, '/api/v1/me/mfa/totp/enroll');
  expect(enroll.statusCode, enroll.body).toBe(200);
  const code = TOTP.generate({ secret: Secret.fromBase32(enroll.json().secret), timestamp: Date.now() });
  const confirm = await post(u, '/api/v1/me/mfa/totp/confirm', { factorId: enroll.json().factorId, code });
  expect(confirm.statusCode, confirm.body).toBe(200);
  u.cookie = cookieOf(confirm);
  u.csrf = confirm.json().csrfToken;
  return u;
}

function post(u: User, url: string, payload?: object) {
  return s.app.inject({ method: 'POST', url, headers: { cookie: u.cookie, 'sec-fetch-site': 'same-origin', 'x-coverwatch-csrf': u.csrf }, ...(payload === undefined ? {} : { payload }) });
}

describe('admin commands', () => {
  it('add-member, remove-member and set-visibility: --json, audit-logged with the names the alert rule watches', async () => {
    const u = await newUser('cli@example.test');
    await admin('create-org', 'clico');
    await admin('create-repo', 'clico/tool');
    const added = await admin('add-member', 'clico', 'CLI@example.test', '--role', 'owner');
    expect(added).toMatchObject({ code: 0, json: { org: 'clico', userId: u.userId, email: 'cli@example.test', role: 'owner', state: 'added' } });
    const second = await newUser('cli2@example.test');
    expect((await admin('add-member', 'clico', 'cli2@example.test', '--role', 'viewer')).json).toMatchObject({ role: 'viewer', state: 'added' });
    // add-member of a member changes the role.
    expect((await admin('add-member', 'clico', 'cli2@example.test', '--role', 'admin')).json).toMatchObject({ role: 'admin', state: 'changed' });
    expect((await admin('add-member', 'clico', 'cli2@example.test', '--role', 'admin')).json).toMatchObject({ state: 'unchanged' });
    // The last owner stays.
    const last = await admin('remove-member', 'clico', 'cli@example.test');
    expect(last.code).toBe(5);
    expect(last.stderr).toContain('CW_ERR_ORG_LAST_OWNER');
    expect((await admin('remove-member', 'clico', 'cli2@example.test')).json).toMatchObject({ org: 'clico', userId: second.userId, role: null, state: 'removed' });
    expect((await admin('remove-member', 'clico', 'cli2@example.test')).code).toBe(4);
    expect((await admin('add-member', 'clico', 'nobody@example.test', '--role', 'member')).code).toBe(4);
    expect((await admin('add-member', 'clico', 'cli2@example.test', '--role', 'emperor')).code).toBe(2);
    expect((await admin('add-member', 'clico', 'cli2@example.test')).code).toBe(2);
    expect((await admin('add-member', 'clico')).code).toBe(2);
    expect((await admin('add-member', 'nope', 'cli2@example.test', '--role', 'member')).code).toBe(4);

    expect((await admin('set-visibility', 'clico/tool', 'public')).json).toEqual({ repository: 'clico/tool', visibility: 'public', state: 'changed' });
    expect((await admin('set-visibility', 'clico/tool', 'public')).json).toMatchObject({ state: 'unchanged' });
    expect((await admin('set-visibility', 'clico/tool', 'hidden')).code).toBe(2);
    expect((await admin('set-visibility', 'clico/none', 'private')).code).toBe(4);

    expect((await admin('grant', 'clico/tool', 'cli2@example.test', '--role', 'read')).json).toMatchObject({ repository: 'clico/tool', role: 'read', state: 'granted' });
    expect((await admin('revoke-grant', 'clico/tool', 'cli2@example.test')).json).toMatchObject({ role: null, state: 'removed' });

    const addedEvents = await auditRecords('org.member_added');
    expect(addedEvents.find((r) => r.target?.id === u.userId)).toMatchObject({ outcome: 'success', actor: { type: 'operator' }, target: { type: 'user', name: 'cli@example.test' }, details: { org: 'clico', role: 'owner' } });
    expect((await auditRecords('org.member_role_changed')).at(-1)).toMatchObject({ outcome: 'success', target: { id: second.userId }, details: { org: 'clico', role: 'viewer', newRole: 'admin' } });
    expect((await auditRecords('org.member_removed')).map((r) => [r.outcome, r.details.role, r.details.reason])).toEqual([
      ['denied', 'owner', 'last_owner'],
      ['success', 'admin', undefined],
    ]);
    expect((await auditRecords('repo.visibility_changed')).at(-1)).toMatchObject({ target: { name: 'clico/tool' }, details: { before: 'private', after: 'public' } });
    expect((await auditRecords('repo.grant_changed')).at(-1)).toMatchObject({ target: { id: second.userId }, details: { repository: 'clico/tool', role: null, newRole: 'read' } });
    expect(await auditRecords('repo.grant_removed')).toHaveLength(1);
    // The "new owner or admin" alert rule watches exactly these events.
    expect(ROLE_EVENTS).toEqual(expect.arrayContaining(['org.member_added', 'org.member_role_changed']));
  });
});
