import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privilegeGranted, ROLE_EVENTS } from '../src/alerts/rules/accounts.js';
import type { AuditRecord } from '../src/audit/chain.js';
import { operatorContext } from '../src/audit/audit-log.js';
import { createServices } from '../src/services.js';
import { cookieOf, notFound, orgNotFound, orgTestKit, REPO_READ_ROUTES, type User } from './org-test-kit.js';
import { SHA, startTestServer, type TestServer } from './test-server.js';

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
  s = await startTestServer({ worker: true, env: { COVERWATCH_PUBLIC_URL: PUBLIC_URL }, accounts: { scrypt: { ln: 10, r: 8, p: 1 } } });
});
afterAll(async () => s?.close());

const { admin, auditRecords, givePasskey, newUser, get, post, uploadTo } = orgTestKit(() => s, PASSWORD);

/** `admin` under another name, for blocks where `admin` is a user. */
const runAdmin = (...argv: string[]) => admin(...argv);

describe('admin commands', () => {
  it('add-member, remove-member and set-visibility: --json, audit-logged with the names the alert rule watches', async () => {
    const u = await newUser('cli@example.test');
    await admin('create-org', 'clico');
    await admin('create-repo', 'clico/tool');
    // Owners and admins must hold a passkey: refused (and audited) without one.
    const refused = await admin('add-member', 'clico', 'cli@example.test', '--role', 'owner');
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain('CW_ERR_ORG_ROLE_NEEDS_PASSKEY');
    expect((await auditRecords('org.member_added')).at(-1)).toMatchObject({ outcome: 'denied', target: { id: u.userId }, details: { role: 'owner', reason: 'no_passkey' } });
    await givePasskey(u.userId);
    const added = await admin('add-member', 'clico', 'CLI@example.test', '--role', 'owner');
    expect(added).toMatchObject({ code: 0, json: { org: 'clico', userId: u.userId, email: 'cli@example.test', role: 'owner', state: 'added' } });
    const second = await newUser('cli2@example.test');
    expect((await admin('add-member', 'clico', 'cli2@example.test', '--role', 'viewer')).json).toMatchObject({ role: 'viewer', state: 'added' });
    // add-member of a member changes the role (to admin: once they hold a passkey).
    expect((await admin('add-member', 'clico', 'cli2@example.test', '--role', 'admin')).stderr).toContain('CW_ERR_ORG_ROLE_NEEDS_PASSKEY');
    await givePasskey(second.userId);
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
    expect(addedEvents.find((r) => r.target?.id === u.userId && r.outcome === 'success')).toMatchObject({ outcome: 'success', actor: { type: 'operator' }, target: { type: 'user', name: 'cli@example.test' }, details: { org: 'clico', role: 'owner' } });
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


type Role = 'owner' | 'admin' | 'member' | 'viewer' | 'non-member' | 'grant holder';
const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer', 'non-member', 'grant holder'];

describe('roles, sessions and the read API', () => {
  const users = {} as Record<Role, User>;
  let globexOwner: User;

  beforeAll(async () => {
    // acme (from the test server): widgets and other, private. globex: secret (private) and open (public).
    const services = createServices(s.config, s.runtime);
    const operator = services.audit.as(operatorContext);
    await services.admin.createOrg('globex');
    await services.admin.createRepo('globex/secret');
    await services.admin.createRepo('globex/open');
    await services.orgs.setVisibility('globex', 'open', 'public', operator);
    await uploadTo('acme/widgets');
    await uploadTo('globex/secret');
    await uploadTo('globex/open');
    for (const role of ROLES) users[role] = await newUser(`${role.replace(' ', '-')}@acme.example.test`, { passkey: role === 'owner' || role === 'admin' });
    globexOwner = await newUser('owner@globex.example.test', { passkey: true });
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) await services.orgs.addMember({ type: 'operator' }, 'acme', users[role].email, role, operator);
    await services.orgs.addMember({ type: 'operator' }, 'globex', globexOwner.email, 'owner', operator);
    await services.orgs.setGrant('acme', 'widgets', users['grant holder'].email, 'read', operator);
  });

  it('a session reads what its user may: own organization (any role), granted repositories, public ones', async () => {
    for (const role of ROLES) {
      const u = users[role];
      for (const route of REPO_READ_ROUTES) {
        const widgets = await get(u, route.replace('R', 'acme/widgets'));
        if (role === 'non-member') {
          expect(widgets.statusCode, `${role} ${route}`).toBe(404);
          expect(widgets.json(), `${role} ${route}`).toEqual(notFound('acme/widgets'));
        } else {
          expect(widgets.statusCode, `${role} ${route}: ${widgets.body}`).toBe(200);
        }
        const other = await get(u, route.replace('R', 'acme/other'));
        // acme/other has no coverage: members get the route's own not-found (commit, branch...) or an empty list; others the repository's.
        if (role === 'non-member' || role === 'grant holder') expect(other.json(), `${role} ${route}`).toEqual(notFound('acme/other'));
        else expect(other.json().error?.code, `${role} ${route}`).not.toBe('CW_ERR_REPO_NOT_FOUND');
        // A public repository of another organization: every signed-in user reads it.
        expect((await get(u, route.replace('R', 'globex/open'))).statusCode, `${role} ${route} public`).toBe(200);
      }
      const list = await get(u, '/api/v1/orgs/acme/repos');
      expect(list.statusCode).toBe(200);
      const names = list.json().repositories.map((r: { fullName: string }) => r.fullName);
      expect(names, role).toEqual(role === 'non-member' ? [] : role === 'grant holder' ? ['acme/widgets'] : ['acme/other', 'acme/widgets']);
    }
  });

  it('IDOR: for every role, every read route and every organization route on objects of another organization is 404, never data', async () => {
    const before = (await get(globexOwner, '/api/v1/orgs/globex/members')).json();
    for (const role of ROLES) {
      const u = users[role];
      for (const route of REPO_READ_ROUTES) {
        for (const repo of ['globex/secret', 'globex/missing', 'nobody/secret']) {
          const r = await get(u, route.replace('R', repo));
          expect(r.statusCode, `${role} ${route} ${repo}`).toBe(404);
          // Exactly the body of a repository that does not exist: no existence oracle, no data.
          expect(r.json(), `${role} ${route} ${repo}`).toEqual(notFound(repo));
        }
      }
      // Repository settings and grants of another organization's repositories: the same 404.
      for (const repo of ['globex/secret', 'globex/missing', 'nobody/secret']) {
        const calls = [
          await get(u, `/api/v1/repos/${repo}/settings`),
          await post(u, `/api/v1/repos/${repo}/settings`, { visibility: 'public' }),
          await post(u, `/api/v1/repos/${repo}/grants`, { email: u.email, role: 'write' }),
        ];
        for (const r of calls) {
          expect(r.statusCode, `${role} settings ${repo}`).toBe(404);
          expect(r.json(), `${role} settings ${repo}`).toEqual(notFound(repo));
        }
      }
      // A public repository of another organization is readable, but nothing in its settings is theirs.
      for (const r of [await get(u, '/api/v1/repos/globex/open/settings'), await post(u, '/api/v1/repos/globex/open/settings', { visibility: 'private' })]) {
        expect(r.statusCode, `${role} public settings`).toBe(403);
        expect(r.json().error.code).toBe('CW_ERR_REPO_FORBIDDEN');
      }
      // The organization's list shows its public repositories only (as it would to anyone signed in), never the private one.
      expect((await get(u, '/api/v1/orgs/globex/repos')).json().repositories.map((r: { fullName: string }) => r.fullName), role).toEqual(['globex/open']);
      expect((await get(u, '/api/v1/orgs/nobody/repos')).json().repositories, role).toEqual([]);
      // Organization routes: the same 404 as an organization that does not exist.
      for (const org of ['globex', 'nobody']) {
        const calls = [
          await get(u, `/api/v1/orgs/${org}/members`),
          await post(u, `/api/v1/orgs/${org}/members`, { email: u.email, role: 'owner' }),
          await post(u, `/api/v1/orgs/${org}/members/${globexOwner.userId}/role`, { role: 'viewer' }),
          await post(u, `/api/v1/orgs/${org}/members/${globexOwner.userId}/remove`),
          await post(u, `/api/v1/orgs/${org}/repos`, { name: 'planted' }),
          await post(u, `/api/v1/orgs/${org}/leave`),
        ];
        for (const r of calls) {
          expect(r.statusCode, `${role} ${org}`).toBe(404);
          expect(r.json(), `${role} ${org}`).toEqual(orgNotFound(org));
        }
      }
      expect((await get(u, '/api/v1/me/orgs')).json().organizations.map((o: { name: string }) => o.name), role).not.toContain('globex');
    }
    // Nothing changed in globex.
    expect((await get(globexOwner, '/api/v1/orgs/globex/members')).json()).toEqual(before);
    expect((await get(globexOwner, '/api/v1/orgs/globex/repos')).json().repositories.map((r: { fullName: string }) => r.fullName)).toEqual(['globex/open', 'globex/secret']);
    expect((await get(globexOwner, '/api/v1/repos/globex/open/settings')).json()).toMatchObject({ visibility: 'public', grants: [] });
    expect(before.members).toEqual([{ userId: globexOwner.userId, email: globexOwner.email, role: 'owner', memberSince: expect.any(String), passkey: true }]);
    expect(before.lackingPasskey).toEqual([]);
  });

  it('own organization: members list for members only, changes for owners and admins only', async () => {
    for (const role of ROLES) {
      const u = users[role];
      const list = await get(u, '/api/v1/orgs/acme/members');
      const isMember = role !== 'non-member' && role !== 'grant holder';
      expect(list.statusCode, role).toBe(isMember ? 200 : 404);
      if (isMember) expect(list.json().members.map((m: { role: string }) => m.role)).toEqual(['owner', 'admin', 'member', 'viewer']);
      else expect(list.json()).toEqual(orgNotFound('acme'));
      // Who holds a passkey: for owners and admins only.
      if (isMember) expect(list.json().members.every((m: { passkey?: boolean }) => m.passkey === undefined), role).toBe(role !== 'owner' && role !== 'admin');
      if (role === 'owner') expect(list.json().members.map((m: { passkey: boolean }) => m.passkey)).toEqual([true, true, false, false]);
      // Changing the viewer's role: owners and admins may, members and viewers may not (403), outsiders cannot see the organization (404).
      const change = await post(u, `/api/v1/orgs/acme/members/${users.viewer.userId}/role`, { role: 'viewer' });
      expect(change.statusCode, `${role}: ${change.body}`).toBe(role === 'owner' || role === 'admin' ? 200 : isMember ? 403 : 404);
      if (role === 'member' || role === 'viewer') expect(change.json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
      const mine = (await get(u, '/api/v1/me/orgs')).json().organizations;
      expect(mine, role).toEqual(isMember ? [{ name: 'acme', role, memberSince: expect.any(String) }] : []);
    }
  });

  it('a token and a session: the Authorization header wins; a read token still reads only its repository', async () => {
    const r = await get(users.owner, '/api/v1/repos/acme/widgets', { authorization: `Bearer ${s.otherReadToken}` });
    expect(r.json()).toEqual(notFound('acme/widgets'));
    expect((await get(null, '/api/v1/repos/globex/open', { authorization: `Bearer ${s.readToken}` })).json()).toEqual(notFound('globex/open'));
  });

  it('a session that has not passed its second factor reads nothing; an ended one neither', async () => {
    const signIn = await s.app.inject({ method: 'POST', url: '/api/v1/auth/sign-in', payload: { email: users.member.email, password: PASSWORD } });
    const pending = { ...users.member, cookie: cookieOf(signIn), csrf: signIn.json().csrfToken };
    const r = await get(pending, '/api/v1/repos/acme/widgets');
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('CW_ERR_AUTH_MFA_REQUIRED');
    expect((await get(pending, '/api/v1/repos/globex/open')).statusCode).toBe(403);
    expect((await post(pending, '/api/v1/auth/sign-out')).statusCode).toBe(200);
    const ended = await get(pending, '/api/v1/repos/acme/widgets');
    expect(ended.statusCode).toBe(401);
    expect(ended.json().error.code).toBe('CW_ERR_AUTH_SESSION_INVALID');
  });
});

describe('membership changes through the API', () => {
  let owner: User;
  let admin: User;
  let u: User;

  beforeAll(async () => {
    const services = createServices(s.config, s.runtime);
    const operator = services.audit.as(operatorContext);
    await services.admin.createOrg('initech');
    await services.admin.createRepo('initech/tps');
    owner = await newUser('owner@initech.example.test', { passkey: true });
    admin = await newUser('admin@initech.example.test', { passkey: true });
    u = await newUser('user@initech.example.test');
    await services.orgs.addMember({ type: 'operator' }, 'initech', owner.email, 'owner', operator);
    await services.orgs.addMember({ type: 'operator' }, 'initech', admin.email, 'admin', operator);
  });

  const role = (who: User, target: User, newRole: string) => post(who, `/api/v1/orgs/initech/members/${target.userId}/role`, { role: newRole });
  const remove = (who: User, target: User) => post(who, `/api/v1/orgs/initech/members/${target.userId}/remove`);

  it('owners and admins add members; only owners make owners; an admin cannot change or remove an owner; the last owner stays', async () => {
    expect((await post(admin, '/api/v1/orgs/initech/members', { email: u.email, role: 'owner' })).json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    const added = await post(admin, '/api/v1/orgs/initech/members', { email: u.email.toUpperCase(), role: 'member' });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json()).toEqual({ org: 'initech', userId: u.userId, email: u.email, role: 'member', state: 'added' });
    expect((await post(admin, '/api/v1/orgs/initech/members', { email: u.email, role: 'viewer' })).json().error.code).toBe('CW_ERR_ORG_MEMBER_EXISTS');
    expect((await post(admin, '/api/v1/orgs/initech/members', { email: 'nobody@example.test', role: 'viewer' })).json().error.code).toBe('CW_ERR_ACCOUNT_NOT_FOUND');
    // Members and viewers change nothing.
    expect((await role(u, admin, 'viewer')).statusCode).toBe(403);
    expect((await remove(u, admin)).statusCode).toBe(403);
    // An admin: not to owner, not an owner.
    expect((await role(admin, u, 'owner')).json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    expect((await role(admin, owner, 'member')).json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    expect((await remove(admin, owner)).json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    expect((await role(admin, u, 'viewer')).json()).toMatchObject({ role: 'viewer', state: 'changed' });
    // The last owner can neither be demoted nor removed, not even by themselves.
    const demote = await role(owner, owner, 'admin');
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('CW_ERR_ORG_LAST_OWNER');
    expect((await remove(owner, owner)).json().error.code).toBe('CW_ERR_ORG_LAST_OWNER');
    // An owner makes another owner; then either can step down.
    expect((await role(owner, admin, 'owner')).json()).toMatchObject({ role: 'owner', state: 'changed' });
    expect((await role(owner, owner, 'admin')).json()).toMatchObject({ role: 'admin', state: 'changed' });
    // The role is read on every request: the former owner is an admin now, and admins make no owners.
    expect((await role(owner, u, 'owner')).json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    expect((await role(admin, owner, 'owner')).json()).toMatchObject({ role: 'owner', state: 'changed' });
    expect((await remove(owner, u)).statusCode).toBe(200);
    expect((await remove(owner, u)).json().error.code).toBe('CW_ERR_ORG_MEMBER_NOT_FOUND');
  });

  it('each change is audit-logged with who and what, under the names the "new owner or admin" alert rule watches; refusals too', async () => {
    const made = (await auditRecords('org.member_role_changed')).filter((r) => r.details.org === 'initech' && r.outcome === 'success' && r.details.newRole === 'owner');
    expect(made[0]).toMatchObject({ actor: { type: 'user', id: owner.userId, name: owner.email }, target: { type: 'user', id: admin.userId, name: admin.email }, details: { role: 'admin', newRole: 'owner' } });
    expect((await auditRecords('org.member_added')).find((r) => r.target?.id === u.userId && r.outcome === 'success')).toMatchObject({ actor: { id: admin.userId }, details: { org: 'initech', role: 'member' } });
    expect((await auditRecords('org.member_removed')).find((r) => r.target?.id === u.userId && r.outcome === 'success')).toMatchObject({ actor: { id: owner.userId }, details: { org: 'initech', role: 'viewer' } });
    const denied = (await auditRecords('org.member_role_changed')).filter((r) => r.details.org === 'initech' && r.outcome === 'denied').map((r) => r.details.reason);
    expect(denied).toEqual(expect.arrayContaining(['role_cannot_manage_members', 'admin_cannot_make_owner', 'admin_cannot_change_owner', 'last_owner']));
    // The alert rule raises exactly the owner grant from these records.
    const rows = await s.runtime.db.selectFrom('audit_log').select(['record_json']).where('event', 'in', ROLE_EVENTS).orderBy('seq').execute();
    const alerts = rows.map((r) => JSON.parse(r.record_json) as AuditRecord).flatMap((r) => privilegeGranted.evaluate(r, {} as never));
    expect(alerts.map((a) => a.title)).toContain(`${admin.email} became owner of initech (org.member_role_changed, by user ${owner.email})`);
  });

  it('owners and admins must hold a passkey: granting either role without one is refused; existing ones without one are listed, not demoted', async () => {
    const noKey = await newUser('nokey@initech.example.test');
    for (const r of ['owner', 'admin'] as const) {
      const refused = await post(owner, '/api/v1/orgs/initech/members', { email: noKey.email, role: r });
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error.code).toBe('CW_ERR_ORG_ROLE_NEEDS_PASSKEY');
    }
    expect((await post(owner, '/api/v1/orgs/initech/members', { email: noKey.email, role: 'member' })).statusCode).toBe(200);
    expect((await role(owner, noKey, 'admin')).json().error.code).toBe('CW_ERR_ORG_ROLE_NEEDS_PASSKEY');
    expect((await auditRecords('org.member_role_changed')).at(-1)).toMatchObject({ outcome: 'denied', target: { id: noKey.userId }, details: { role: 'member', newRole: 'admin', reason: 'no_passkey' } });
    // An owner from before the rule (or who removed their passkey) keeps the role and is listed.
    await s.runtime.db.updateTable('org_members').set({ role: 'owner' }).where('user_id', '=', noKey.userId).execute();
    const listed = await runAdmin('list-members', 'initech');
    expect(listed.code).toBe(0);
    expect(listed.json!.lackingPasskey).toEqual([{ userId: noKey.userId, email: noKey.email, role: 'owner' }]);
    expect((listed.json!.members as { email: string; passkey: boolean }[]).find((m) => m.email === owner.email)!.passkey).toBe(true);
    expect((await get(noKey, '/api/v1/orgs/initech/members')).json().members.find((m: { userId: string }) => m.userId === noKey.userId).role).toBe('owner');
    expect((await remove(owner, noKey)).statusCode).toBe(200);
  });

  it('changes need a second factor within the last 5 minutes (step-up); reading members does not', async () => {
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date(Date.now() - 6 * 60_000).toISOString() }).where('user_id', '=', owner.userId).execute();
    const r = await post(owner, '/api/v1/orgs/initech/members', { email: u.email, role: 'viewer' });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('CW_ERR_AUTH_STEP_UP_REQUIRED');
    expect((await get(owner, '/api/v1/orgs/initech/members')).statusCode).toBe(200);
    const doc = (await s.app.inject({ method: 'GET', url: '/api/docs' })).json();
    for (const p of ['/api/v1/orgs/{org}/members', '/api/v1/orgs/{org}/members/{userId}/role', '/api/v1/orgs/{org}/members/{userId}/remove']) {
      expect([doc.paths[p].post['x-coverwatch-mfa'], doc.paths[p].post['x-coverwatch-step-up']], p).toEqual(['required', true]);
    }
    expect(doc.paths['/api/v1/orgs/{org}/members'].get['x-coverwatch-step-up']).toBe(false);
  });
});

describe('removal takes effect on the next request', () => {
  it('a removed member, a revoked grant and a repository made private: the live session gets 404 at once', async () => {
    const services = createServices(s.config, s.runtime);
    const operator = services.audit.as(operatorContext);
    await services.admin.createOrg('umbrella');
    await services.admin.createRepo('umbrella/hive');
    await services.admin.createRepo('umbrella/lab');
    await uploadTo('umbrella/hive');
    const boss = await newUser('boss@umbrella.example.test', { passkey: true });
    const leaver = await newUser('leaver@umbrella.example.test');
    const guest = await newUser('guest@umbrella.example.test');
    const outsider = await newUser('outsider@umbrella.example.test');
    await services.orgs.addMember({ type: 'operator' }, 'umbrella', boss.email, 'owner', operator);
    expect((await post(boss, '/api/v1/orgs/umbrella/members', { email: leaver.email, role: 'member' })).statusCode).toBe(200);
    await services.orgs.setGrant('umbrella', 'lab', guest.email, 'read', operator);
    await services.orgs.setVisibility('umbrella', 'lab', 'public', operator);
    const hive = `/api/v1/repos/umbrella/hive/commits/${SHA}/files/src/a.c`;
    expect((await get(leaver, hive)).statusCode).toBe(200);
    expect((await get(leaver, '/api/v1/orgs/umbrella/members')).statusCode).toBe(200);
    expect((await get(guest, '/api/v1/repos/umbrella/lab')).statusCode).toBe(200);
    expect((await get(outsider, '/api/v1/repos/umbrella/lab')).statusCode).toBe(200);

    // Removed through the API: the same session, its very next request.
    expect((await post(boss, `/api/v1/orgs/umbrella/members/${leaver.userId}/remove`)).statusCode).toBe(200);
    for (const url of [hive, '/api/v1/repos/umbrella/hive', '/api/v1/repos/umbrella/hive/commits']) expect((await get(leaver, url)).json(), url).toEqual(notFound('umbrella/hive'));
    expect((await get(leaver, '/api/v1/orgs/umbrella/members')).json()).toEqual(orgNotFound('umbrella'));
    expect((await get(leaver, '/api/v1/me/orgs')).json()).toEqual({ organizations: [] });
    expect((await get(leaver, '/api/v1/orgs/umbrella/repos')).json().repositories.map((r: { name: string }) => r.name)).toEqual(['lab']);

    // Made private by the operator: the outsider loses it at once; the grant holder keeps it until the grant goes.
    await services.orgs.setVisibility('umbrella', 'lab', 'private', operator);
    expect((await get(outsider, '/api/v1/repos/umbrella/lab')).json()).toEqual(notFound('umbrella/lab'));
    expect((await get(guest, '/api/v1/repos/umbrella/lab')).statusCode).toBe(200);
    expect((await admin('revoke-grant', 'umbrella/lab', guest.email)).code).toBe(0);
    expect((await get(guest, '/api/v1/repos/umbrella/lab')).json()).toEqual(notFound('umbrella/lab'));

    // Removed by the operator (admin remove-member): same.
    expect((await admin('add-member', 'umbrella', leaver.email, '--role', 'viewer')).code).toBe(0);
    expect((await get(leaver, hive)).statusCode).toBe(200);
    expect((await admin('remove-member', 'umbrella', leaver.email)).code).toBe(0);
    expect((await get(leaver, hive)).json()).toEqual(notFound('umbrella/hive'));
  });
});
