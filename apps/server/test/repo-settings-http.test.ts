import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorContext } from '../src/audit/audit-log.js';
import { createServices } from '../src/services.js';
import { notFound, orgNotFound, orgTestKit, type User } from './org-test-kit.js';
import { startTestServer, type TestServer } from './test-server.js';

/**
 * Organizations and repositories managed by their users through the API: creating an organization
 * (its creator becomes owner) and repositories, leaving, a repository's settings (visibility,
 * protected branches, path rules) and grants, each allowed to the roles docs/security.md names.
 */
const PASSWORD = 'repo-settings-test-password-long';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { COVERWATCH_PUBLIC_URL: 'https://coverage.example.test' }, accounts: { scrypt: { ln: 10, r: 8, p: 1 } } });
});
afterAll(async () => s?.close());

const { auditRecords, givePasskey, newUser, get, post } = orgTestKit(() => s, PASSWORD);

describe('organizations created by their users', () => {
  it('the creator becomes owner, and must hold a passkey; a taken name is 409; the operator may switch it off', async () => {
    const u = await newUser('founder@example.test');
    const noKey = await post(u, '/api/v1/orgs', { name: 'hooli' });
    expect(noKey.statusCode).toBe(409);
    expect(noKey.json().error.code).toBe('CW_ERR_ORG_ROLE_NEEDS_PASSKEY');
    await givePasskey(u.userId);
    const made = await post(u, '/api/v1/orgs', { name: 'hooli' });
    expect(made.statusCode, made.body).toBe(200);
    expect(made.json()).toEqual({ org: 'hooli', role: 'owner', createdAt: expect.any(String) });
    expect((await get(u, '/api/v1/me/orgs')).json().organizations).toEqual([{ name: 'hooli', role: 'owner', memberSince: expect.any(String) }]);
    expect((await post(u, '/api/v1/orgs', { name: 'hooli' })).json().error.code).toBe('CW_ERR_ORG_EXISTS');
    expect((await post(u, '/api/v1/orgs', { name: '-bad-' })).statusCode).toBe(400);
    expect((await auditRecords('org.member_added')).at(-1)).toMatchObject({ outcome: 'success', target: { id: u.userId }, details: { org: 'hooli', role: 'owner', reason: 'created_org' } });
    const sv = createServices(s.config, s.runtime);
    await expect(sv.orgs.createOrg(u.userId, 'other', sv.audit.as(operatorContext), { usersMayCreate: false })).rejects.toThrow(/only the operator creates organizations/);
  });
});

describe('repositories and their settings', () => {
  let owner: User;
  let member: User;
  let viewer: User;
  let writer: User;
  let reader: User;
  let outsider: User;

  beforeAll(async () => {
    owner = await newUser('owner@pied.example.test', { passkey: true });
    expect((await post(owner, '/api/v1/orgs', { name: 'pied' })).statusCode).toBe(200);
    member = await newUser('member@pied.example.test');
    viewer = await newUser('viewer@pied.example.test');
    writer = await newUser('writer@example.test');
    reader = await newUser('reader@example.test');
    outsider = await newUser('outsider@example.test');
    expect((await post(owner, '/api/v1/orgs/pied/members', { email: member.email, role: 'member' })).statusCode).toBe(200);
    expect((await post(owner, '/api/v1/orgs/pied/members', { email: viewer.email, role: 'viewer' })).statusCode).toBe(200);
  });

  it('owners and admins create repositories (private by default); others cannot; a taken name is 409', async () => {
    const made = await post(owner, '/api/v1/orgs/pied/repos', { name: 'piper' });
    expect(made.statusCode, made.body).toBe(200);
    expect(made.json()).toMatchObject({ owner: 'pied', name: 'piper', fullName: 'pied/piper' });
    expect((await post(owner, '/api/v1/orgs/pied/repos', { name: 'open', visibility: 'public' })).statusCode).toBe(200);
    expect((await post(owner, '/api/v1/orgs/pied/repos', { name: 'piper' })).json().error.code).toBe('CW_ERR_REPO_EXISTS');
    for (const u of [member, viewer]) expect((await post(u, '/api/v1/orgs/pied/repos', { name: 'x' })).json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    expect((await post(outsider, '/api/v1/orgs/pied/repos', { name: 'x' })).json()).toEqual(orgNotFound('pied'));
    expect((await get(outsider, '/api/v1/repos/pied/piper')).json()).toEqual(notFound('pied/piper'));
    expect((await get(outsider, '/api/v1/repos/pied/open')).statusCode).toBe(200);
    expect((await auditRecords('repo.created')).at(-1)).toMatchObject({ outcome: 'denied', details: { actorRole: 'viewer', reason: 'role' } });
  });

  it('grants (owners and admins): a write grant reads the private repository and may change its path rules, a read grant only reads', async () => {
    expect((await post(member, '/api/v1/repos/pied/piper/grants', { email: writer.email, role: 'write' })).json().error.code).toBe('CW_ERR_REPO_FORBIDDEN');
    const granted = await post(owner, '/api/v1/repos/pied/piper/grants', { email: writer.email, role: 'write' });
    expect(granted.json()).toEqual({ repository: 'pied/piper', userId: writer.userId, email: writer.email, role: 'write', state: 'granted' });
    expect((await post(owner, '/api/v1/repos/pied/piper/grants', { email: reader.email, role: 'read' })).json().state).toBe('granted');
    expect((await post(owner, '/api/v1/repos/pied/piper/grants', { email: 'nobody@example.test', role: 'read' })).json().error.code).toBe('CW_ERR_ACCOUNT_NOT_FOUND');
    expect((await get(writer, '/api/v1/repos/pied/piper')).statusCode).toBe(200);
    expect((await get(reader, '/api/v1/repos/pied/piper')).statusCode).toBe(200);
    expect((await get(owner, '/api/v1/repos/pied/piper/settings')).json().grants).toEqual([
      { userId: reader.userId, email: reader.email, role: 'read' },
      { userId: writer.userId, email: writer.email, role: 'write' },
    ]);
    expect((await auditRecords('repo.grant_changed')).at(-1)).toMatchObject({ outcome: 'success', actor: { type: 'user', id: owner.userId }, details: { repository: 'pied/piper', newRole: 'read' } });
  });

  it('settings: owners change everything; members and writers only path rules; viewers and readers nothing; outsiders see no repository', async () => {
    const view = await get(owner, '/api/v1/repos/pied/piper/settings');
    expect(view.json()).toMatchObject({
      repository: 'pied/piper',
      visibility: 'private',
      protectedBranches: { configured: null, effective: ['main', 'master'] },
      pathRules: { fixes: [], ignore: [] },
      mayChange: { security: true, pathRules: true },
    });
    const changed = await post(owner, '/api/v1/repos/pied/piper/settings', { visibility: 'public', protectedBranches: ['main', 'release/*'] });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ visibility: 'public', protectedBranches: { configured: ['main', 'release/*'], effective: ['main', 'release/*'] } });
    expect((await get(outsider, '/api/v1/repos/pied/piper')).statusCode).toBe(200);
    expect((await auditRecords('repo.visibility_changed')).at(-1)).toMatchObject({ actor: { id: owner.userId }, details: { before: 'private', after: 'public' } });

    for (const u of [member, writer]) {
      expect((await get(u, '/api/v1/repos/pied/piper/settings')).json()).toMatchObject({ mayChange: { security: false, pathRules: true }, grants: [] });
      const refused = await post(u, '/api/v1/repos/pied/piper/settings', { visibility: 'private' });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('CW_ERR_REPO_FORBIDDEN');
    }
    const rules = await post(writer, '/api/v1/repos/pied/piper/settings', { pathRules: { fixes: ['build/::src/'], ignore: ['**/gen/**'] } });
    expect(rules.statusCode, rules.body).toBe(200);
    expect(rules.json().pathRules).toEqual({ fixes: ['build/::src/'], ignore: ['**/gen/**'] });
    expect((await auditRecords('repo.settings_change_denied')).at(-1)).toMatchObject({ outcome: 'denied', actor: { id: writer.userId }, details: { fields: ['visibility'] } });

    for (const u of [viewer, reader, outsider]) {
      const r = await get(u, '/api/v1/repos/pied/piper/settings');
      expect(r.statusCode).toBe(403);
      expect((await post(u, '/api/v1/repos/pied/piper/settings', { pathRules: { fixes: [], ignore: [] } })).statusCode).toBe(403);
    }
    // Back to private: the outsider no longer sees the repository at all.
    expect((await post(owner, '/api/v1/repos/pied/piper/settings', { visibility: 'private' })).statusCode).toBe(200);
    expect((await get(outsider, '/api/v1/repos/pied/piper/settings')).json()).toEqual(notFound('pied/piper'));
  });

  it('invalid settings are refused, each named, and change nothing', async () => {
    const r = await post(owner, '/api/v1/repos/pied/piper/settings', { protectedBranches: ['a//b'], pathRules: { fixes: ['no-separator'], ignore: [] } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('CW_ERR_REPO_SETTINGS_INVALID');
    expect(r.json().error.message).toMatch(/the fix "no-separator" has no "::"[^]*"a\/\/b" has an empty segment/);
    expect((await get(owner, '/api/v1/repos/pied/piper/settings')).json()).toMatchObject({ protectedBranches: { configured: ['main', 'release/*'] }, pathRules: { fixes: ['build/::src/'] } });
    expect((await post(owner, '/api/v1/repos/pied/piper/settings', { unknown: 1 })).statusCode).toBe(400);
    // null: back to the defaults.
    expect((await post(owner, '/api/v1/repos/pied/piper/settings', { protectedBranches: null })).json().protectedBranches).toEqual({ configured: null, effective: ['main', 'master'] });
  });

  it('settings and grants need a second factor within the last 5 minutes (step-up); reading them does not', async () => {
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date(Date.now() - 6 * 60_000).toISOString() }).where('user_id', '=', owner.userId).execute();
    for (const [url, body] of [['/api/v1/repos/pied/piper/settings', { visibility: 'public' }], ['/api/v1/repos/pied/piper/grants', { email: reader.email, role: null }]] as const) {
      const r = await post(owner, url, body);
      expect(r.statusCode, url).toBe(403);
      expect(r.json().error.code).toBe('CW_ERR_AUTH_STEP_UP_REQUIRED');
    }
    expect((await get(owner, '/api/v1/repos/pied/piper/settings')).json().visibility).toBe('private');
    const doc = (await s.app.inject({ method: 'GET', url: '/api/docs' })).json();
    for (const p of ['/api/v1/repos/{owner}/{repo}/settings', '/api/v1/repos/{owner}/{repo}/grants']) expect(doc.paths[p].post['x-coverwatch-step-up'], p).toBe(true);
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date().toISOString() }).where('user_id', '=', owner.userId).execute();
  });

  it('removing a grant takes effect on the next request', async () => {
    expect((await post(owner, '/api/v1/repos/pied/piper/grants', { email: writer.email, role: null })).json().state).toBe('removed');
    expect((await get(writer, '/api/v1/repos/pied/piper')).json()).toEqual(notFound('pied/piper'));
    expect((await post(writer, '/api/v1/repos/pied/piper/settings', { pathRules: { fixes: [], ignore: [] } })).json()).toEqual(notFound('pied/piper'));
  });

  it('members leave by themselves; the last owner cannot', async () => {
    const left = await post(viewer, '/api/v1/orgs/pied/leave');
    expect(left.statusCode, left.body).toBe(200);
    expect(left.json()).toMatchObject({ org: 'pied', userId: viewer.userId, role: null, state: 'removed' });
    expect((await get(viewer, '/api/v1/orgs/pied/members')).json()).toEqual(orgNotFound('pied'));
    expect((await post(viewer, '/api/v1/orgs/pied/leave')).json()).toEqual(orgNotFound('pied'));
    const last = await post(owner, '/api/v1/orgs/pied/leave');
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe('CW_ERR_ORG_LAST_OWNER');
    expect((await auditRecords('org.member_removed')).slice(-2)).toMatchObject([
      { outcome: 'success', target: { id: viewer.userId }, details: { reason: 'left', role: 'viewer' } },
      { outcome: 'denied', target: { id: owner.userId }, details: { reason: 'last_owner' } },
    ]);
  });
});
