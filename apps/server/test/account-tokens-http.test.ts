import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operatorContext } from '../src/audit/audit-log.js';
import { createServices } from '../src/services.js';
import { checkTokenFormat } from '../src/tokens/token-format.js';
import { notFound, orgNotFound, orgTestKit, REPO_READ_ROUTES, type User } from './org-test-kit.js';
import { envelope, gz, LCOV, SHA, startTestServer, uploadHeaders, waitForUpload, type TestServer } from './test-server.js';

/**
 * Personal API tokens (`cw_pat_`) and organization upload tokens (`cw_oup_`), issue 5 "Tokens",
 * through the HTTP app and the admin commands on a real SQLite database: creation (step-up), shown
 * once, listing, revocation, leaked-token revocation, what a personal token reads (its user's
 * access, now, within its scope), the IDOR matrix of both kinds against another organization,
 * uploads of organization upload tokens, the owners' list of what expires soon, and audit events
 * without secrets. Users, admin commands and the IDOR matrix's routes: org-test-kit.ts (shared with
 * orgs-http.test.ts).
 */
const PASSWORD = 'tokens-test-password-long-enough';

let s: TestServer;
/** Every token this file sees, to check none of them reached the audit log. */
const seen: string[] = [];
beforeAll(async () => {
  s = await startTestServer({ worker: true, env: { COVERWATCH_PUBLIC_URL: 'https://coverage.example.test' }, accounts: { scrypt: { ln: 10, r: 8, p: 1 } } });
});
afterAll(async () => s?.close());

const { admin, auditRecords, newUser, get, post, uploadTo } = orgTestKit(() => s, PASSWORD);

function withToken(token: string, url: string) {
  return s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, 'user-agent': 'tokens-test' } });
}

/** Creates a personal token through the API; returns it (checked: shown once, well-formed). */
async function personalToken(u: User, body: object): Promise<string> {
  const r = await post(u, '/api/v1/me/tokens', body);
  expect(r.statusCode, r.body).toBe(201);
  const token = r.json().token as string;
  expect(checkTokenFormat(token)).toBe('personal');
  seen.push(token);
  return token;
}

function upload(token: string, slug: string | undefined) {
  return s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(token), payload: gz(envelope(LCOV, slug === undefined ? {} : { repository: { slug } })) });
}

const READ_FILE = (repo: string) => `/api/v1/repos/${repo}/commits/${SHA}/files/src/a.c`;

// pato: a, b (private), pub (public). rival: x (private), open (public).
let owner: User; // pato owner (passkey)
let padmin: User; // pato admin (passkey)
let member: User; // pato member
let viewer: User; // pato viewer
let granted: User; // not a member; read grant on pato/b
let rivalOwner: User;

beforeAll(async () => {
  const services = createServices(s.config, s.runtime);
  const operator = services.audit.as(operatorContext);
  await services.admin.createOrg('pato');
  await services.admin.createOrg('rival');
  for (const r of ['pato/a', 'pato/b', 'pato/pub', 'rival/x', 'rival/open']) {
    await services.admin.createRepo(r);
    await uploadTo(r);
  }
  await services.orgs.setVisibility('pato', 'pub', 'public', operator);
  await services.orgs.setVisibility('rival', 'open', 'public', operator);
  owner = await newUser('owner@pato.test', { passkey: true });
  padmin = await newUser('admin@pato.test', { passkey: true });
  member = await newUser('member@pato.test');
  viewer = await newUser('viewer@pato.test');
  granted = await newUser('granted@pato.test');
  rivalOwner = await newUser('owner@rival.test', { passkey: true });
  await services.orgs.addMember({ type: 'operator' }, 'pato', owner.email, 'owner', operator);
  await services.orgs.addMember({ type: 'operator' }, 'pato', padmin.email, 'admin', operator);
  await services.orgs.addMember({ type: 'operator' }, 'pato', member.email, 'member', operator);
  await services.orgs.addMember({ type: 'operator' }, 'pato', viewer.email, 'viewer', operator);
  await services.orgs.addMember({ type: 'operator' }, 'rival', rivalOwner.email, 'owner', operator);
  await services.orgs.setGrant('pato', 'b', granted.email, 'read', operator);
});

describe('personal API tokens', () => {
  it('creation needs a step-up within 5 minutes; the token is shown once, stored as its SHA-256, listed by prefix and last four', async () => {
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date(Date.now() - 6 * 60_000).toISOString() }).where('user_id', '=', member.userId).execute();
    const stale = await post(member, '/api/v1/me/tokens', { access: 'read', org: 'pato' });
    expect(stale.statusCode).toBe(403);
    expect(stale.json().error.code).toBe('CW_ERR_AUTH_STEP_UP_REQUIRED');
    expect((await get(member, '/api/v1/me/tokens')).statusCode).toBe(200); // listing needs no step-up
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date().toISOString() }).where('user_id', '=', member.userId).execute();
    const doc = (await s.app.inject({ method: 'GET', url: '/api/docs' })).json();
    expect([doc.paths['/api/v1/me/tokens'].post['x-coverwatch-mfa'], doc.paths['/api/v1/me/tokens'].post['x-coverwatch-step-up']]).toEqual(['required', true]);
    expect(doc.paths['/api/v1/orgs/{org}/upload-tokens'].post['x-coverwatch-step-up']).toBe(true);

    const created = await post(member, '/api/v1/me/tokens', { access: 'read-write', repositories: ['pato/a', 'pato/pub'] });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    seen.push(c.token);
    expect(c).toMatchObject({ kind: 'personal', access: 'read-write', org: null, repositories: ['pato/a', 'pato/pub'], revokedAt: null, lastUse: null });
    expect(c.token).toMatch(/^cw_pat_[0-9A-Za-z]{36}$/);
    expect(c.display).toBe(`cw_pat_…${c.token.slice(-4)}`);
    // 90 days by default.
    expect(Math.abs(Date.parse(c.expiresAt) - Date.now() - 90 * 86_400_000)).toBeLessThan(60_000);
    const row = await s.runtime.db.selectFrom('user_tokens').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(c.token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(c.token.slice(7, 37));

    expect((await withToken(c.token, READ_FILE('pato/a'))).statusCode).toBe(200);
    const list = (await get(member, '/api/v1/me/tokens')).json().tokens;
    const mine = list.find((t: { id: string }) => t.id === c.id);
    expect(mine).toMatchObject({ display: c.display, access: 'read-write', repositories: ['pato/a', 'pato/pub'], expiresAt: c.expiresAt, lastUse: { userAgent: 'tokens-test' } });
    expect(mine.token).toBeUndefined();
    expect(JSON.stringify(list)).not.toContain(c.token);
    // Another user's list does not show it; they cannot revoke it.
    expect((await get(viewer, '/api/v1/me/tokens')).json().tokens.map((t: { id: string }) => t.id)).not.toContain(c.id);
    const foreign = await post(viewer, `/api/v1/me/tokens/${c.id}/revoke`);
    expect([foreign.statusCode, foreign.json().error.code]).toEqual([404, 'CW_ERR_TOKEN_NOT_FOUND']);
    expect((await withToken(c.token, READ_FILE('pato/a'))).statusCode).toBe(200);

    // Revoked by its user: refused at once.
    expect((await post(member, `/api/v1/me/tokens/${c.id}/revoke`)).json()).toEqual({ id: c.id, state: 'revoked' });
    expect((await post(member, `/api/v1/me/tokens/${c.id}/revoke`)).json()).toEqual({ id: c.id, state: 'already_revoked' });
    const after = await withToken(c.token, READ_FILE('pato/a'));
    expect([after.statusCode, after.json().error.code]).toEqual([401, 'CW_ERR_AUTH_TOKEN_INVALID']);

    expect((await auditRecords('token.created')).find((r) => r.target?.id === c.id)).toMatchObject({
      actor: { type: 'user', id: member.userId },
      details: { kind: 'personal', access: 'read-write', repositories: ['pato/a', 'pato/pub'], tokenHash: createHash('sha256').update(c.token).digest('hex').slice(0, 16), expiresAt: c.expiresAt },
    });
    expect((await auditRecords('token.revoked')).find((r) => r.target?.id === c.id)).toMatchObject({ actor: { type: 'user', id: member.userId }, details: { kind: 'personal', reason: 'revoked by its user' } });
  });

  it('expiry is mandatory: 1 to 365 days; scope is repositories or one organization, each one the user may read', async () => {
    const year = await post(member, '/api/v1/me/tokens', { access: 'read', org: 'pato', expiresDays: 365 });
    expect(year.statusCode).toBe(201);
    seen.push(year.json().token);
    for (const body of [
      { access: 'read', org: 'pato', expiresDays: 366 },
      { access: 'read', org: 'pato', expiresDays: 0 },
      { access: 'read' },
      { access: 'read', org: 'pato', repositories: ['pato/a'] },
      { access: 'write', org: 'pato' },
      { access: 'read', repositories: [] },
    ]) {
      const r = await post(member, '/api/v1/me/tokens', body);
      expect([r.statusCode, r.json().error?.code], JSON.stringify(body)).toEqual([400, 'CW_ERR_REQUEST_INVALID']);
    }
    // What the user cannot read answers as what does not exist.
    for (const [body, answer] of [
      [{ access: 'read', repositories: ['rival/x'] }, notFound('rival/x')],
      [{ access: 'read', repositories: ['rival/missing'] }, notFound('rival/missing')],
      [{ access: 'read', org: 'rival' }, orgNotFound('rival')],
      [{ access: 'read', org: 'nowhere' }, orgNotFound('nowhere')],
      [{ access: 'read', repositories: ['pato/b'] }, null],
    ] as const) {
      const r = await post(granted, '/api/v1/me/tokens', body);
      if (answer === null) {
        expect(r.statusCode).toBe(201);
        seen.push(r.json().token);
      } else {
        expect(r.statusCode, JSON.stringify(body)).toBe(404);
        expect(r.json()).toEqual(answer);
      }
    }
  });

  it('reads exactly what its user reads, within its scope: membership, grant, public repositories', async () => {
    const orgScoped = await personalToken(member, { access: 'read', org: 'pato' });
    const repoScoped = await personalToken(member, { access: 'read', repositories: ['pato/a'] });
    const grantScoped = await personalToken(granted, { access: 'read', repositories: ['pato/b', 'pato/pub'] });
    const status = async (token: string, repo: string) => (await withToken(token, READ_FILE(repo))).statusCode;
    // Organization scope: every repository of pato the member reads; nothing outside pato, public or not.
    expect([await status(orgScoped, 'pato/a'), await status(orgScoped, 'pato/b'), await status(orgScoped, 'pato/pub')]).toEqual([200, 200, 200]);
    expect([await status(orgScoped, 'rival/open'), await status(orgScoped, 'rival/x'), await status(orgScoped, 'acme/widgets')]).toEqual([404, 404, 404]);
    // Repository scope: pato/a only, although the member reads pato/b and the public ones.
    expect([await status(repoScoped, 'pato/a'), await status(repoScoped, 'pato/b'), await status(repoScoped, 'pato/pub'), await status(repoScoped, 'rival/open')]).toEqual([200, 404, 404, 404]);
    expect((await withToken(repoScoped, READ_FILE('pato/b'))).json()).toEqual(notFound('pato/b'));
    // A grant holder: the granted repository and the public one in scope; pato/a neither in scope nor readable.
    expect([await status(grantScoped, 'pato/b'), await status(grantScoped, 'pato/pub'), await status(grantScoped, 'pato/a')]).toEqual([200, 200, 404]);
    // The organization's repository list: the readable ones within the scope.
    const names = async (token: string) => (await withToken(token, '/api/v1/orgs/pato/repos')).json().repositories.map((r: { fullName: string }) => r.fullName);
    expect(await names(orgScoped)).toEqual(['pato/a', 'pato/b', 'pato/pub']);
    expect(await names(repoScoped)).toEqual(['pato/a']);
    expect(await names(grantScoped)).toEqual(['pato/b', 'pato/pub']);
    expect((await withToken(orgScoped, '/api/v1/orgs/rival/repos')).json().repositories).toEqual([]);
    // A read personal token does not upload, and is not a session (session routes take no Authorization).
    const up = await upload(orgScoped, 'pato/a');
    expect([up.statusCode, up.json().error.code]).toEqual([403, 'CW_ERR_AUTH_FORBIDDEN']);
    expect((await withToken(orgScoped, '/api/v1/me/tokens')).statusCode).toBe(401);
  });

  it('read-write: uploads to repositories in scope its user may write now (member, write grant); read-only access is 403, the rest 404', async () => {
    const memberRw = await personalToken(member, { access: 'read-write', org: 'pato' });
    const viewerRw = await personalToken(viewer, { access: 'read-write', org: 'pato' });
    const grantedRw = await personalToken(granted, { access: 'read-write', repositories: ['pato/b'] });
    const accepted = await upload(memberRw, 'pato/a');
    expect(accepted.statusCode, accepted.body).toBe(202);
    // Its state, with the same token; processed into pato/a.
    expect((await waitForUpload(s.app, memberRw, accepted.json().id)).state).toBe('processed');
    const row = await s.runtime.db.selectFrom('uploads as u').innerJoin('repositories as r', 'r.id', 'u.repository_id').select('r.name').where('u.id', '=', accepted.json().id).executeTakeFirstOrThrow();
    expect(row.name).toBe('a');
    expect((await auditRecords('upload.received')).at(-1)).toMatchObject({ actor: { type: 'token' }, details: { repository: 'pato/a' } });
    // The envelope must name the repository.
    const unnamed = await upload(memberRw, undefined);
    expect([unnamed.statusCode, unnamed.json().error.code]).toEqual([400, 'CW_ERR_REQUEST_INVALID']);
    // Outside the scope or the user's reach: a missing repository, whether it exists or not.
    for (const slug of ['rival/x', 'rival/open', 'rival/missing', 'acme/widgets']) expect((await upload(memberRw, slug)).json(), slug).toEqual(notFound(slug));
    // A viewer reads pato/a but may not write it; a read grant neither.
    expect((await upload(viewerRw, 'pato/a')).json().error.code).toBe('CW_ERR_REPO_FORBIDDEN');
    expect((await upload(grantedRw, 'pato/b')).json().error.code).toBe('CW_ERR_REPO_FORBIDDEN');
    // A write grant writes (on the next request), and taking it back stops it at once.
    const services = createServices(s.config, s.runtime);
    const operator = services.audit.as(operatorContext);
    await services.orgs.setGrant('pato', 'b', granted.email, 'write', operator);
    expect((await upload(grantedRw, 'pato/b')).statusCode).toBe(202);
    await services.orgs.setGrant('pato', 'b', granted.email, 'read', operator);
    expect((await upload(grantedRw, 'pato/b')).statusCode).toBe(403);
    // Upload states: of repositories the token reads, not others.
    const other = await upload(s.uploadToken, undefined);
    expect((await withToken(memberRw, `/api/v1/uploads/${other.json().id}`)).statusCode).toBe(404);
  });

  it('rotation: a new token with the same scope first (step-up), the old one works for the overlap only; another user\'s token is not found', async () => {
    const old = await personalToken(member, { access: 'read', repositories: ['pato/a'] });
    const oldId = (await get(member, '/api/v1/me/tokens')).json().tokens.find((t: { display: string }) => t.display.endsWith(old.slice(-4))).id as string;
    const rotated = await post(member, `/api/v1/me/tokens/${oldId}/rotate`, { overlapHours: 24 });
    expect(rotated.statusCode, rotated.body).toBe(201);
    const r = rotated.json();
    seen.push(r.token);
    expect(r).toMatchObject({ kind: 'personal', access: 'read', repositories: ['pato/a'], replaces: oldId });
    expect(Date.parse(r.oldValidUntil) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    // Both work during the overlap, with the same scope.
    for (const t of [old, r.token as string]) expect([(await withToken(t, READ_FILE('pato/a'))).statusCode, (await withToken(t, READ_FILE('pato/b'))).statusCode]).toEqual([200, 404]);
    // No overlap: the old one stops at once.
    const again = await post(member, `/api/v1/me/tokens/${r.id as string}/rotate`, { overlapHours: 0 });
    expect(again.statusCode, again.body).toBe(201);
    seen.push(again.json().token);
    expect((await withToken(r.token, READ_FILE('pato/a'))).json().error.code).toBe('CW_ERR_AUTH_TOKEN_EXPIRED');
    expect((await withToken(again.json().token, READ_FILE('pato/a'))).statusCode).toBe(200);
    // Not the user's: not found; rotation needs a step-up like creation.
    expect((await post(granted, `/api/v1/me/tokens/${again.json().id as string}/rotate`, {})).json().error.code).toBe('CW_ERR_TOKEN_NOT_FOUND');
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date(Date.now() - 6 * 60_000).toISOString() }).where('user_id', '=', member.userId).execute();
    expect((await post(member, `/api/v1/me/tokens/${again.json().id as string}/rotate`, {})).json().error.code).toBe('CW_ERR_AUTH_STEP_UP_REQUIRED');
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date().toISOString() }).where('user_id', '=', member.userId).execute();
    expect((await auditRecords('token.rotated')).at(-1)).toMatchObject({ target: { id: r.id }, details: { kind: 'personal', replacedBy: again.json().id } });
  });

  it('removal from the organization, a revoked grant, a repository made private and a disabled user take effect on the next request', async () => {
    const services = createServices(s.config, s.runtime);
    const operator = services.audit.as(operatorContext);
    const leaver = await newUser('leaver@pato.test');
    await services.orgs.addMember({ type: 'operator' }, 'pato', leaver.email, 'member', operator);
    const leaverToken = await personalToken(leaver, { access: 'read', org: 'pato' });
    const grantToken = await personalToken(granted, { access: 'read', repositories: ['pato/b'] });
    expect((await withToken(leaverToken, READ_FILE('pato/a'))).statusCode).toBe(200);
    expect((await withToken(grantToken, READ_FILE('pato/b'))).statusCode).toBe(200);

    await services.orgs.removeMemberByEmail('pato', leaver.email, operator);
    expect((await withToken(leaverToken, READ_FILE('pato/a'))).json()).toEqual(notFound('pato/a'));
    // Still a signed-in user: the public repository within the scope stays readable, until it is made private.
    expect((await withToken(leaverToken, READ_FILE('pato/pub'))).statusCode).toBe(200);
    await services.orgs.setVisibility('pato', 'pub', 'private', operator);
    expect((await withToken(leaverToken, READ_FILE('pato/pub'))).json()).toEqual(notFound('pato/pub'));
    await services.orgs.setVisibility('pato', 'pub', 'public', operator);

    await services.orgs.setGrant('pato', 'b', granted.email, null, operator);
    expect((await withToken(grantToken, READ_FILE('pato/b'))).json()).toEqual(notFound('pato/b'));
    await services.orgs.setGrant('pato', 'b', granted.email, 'read', operator);
    expect((await withToken(grantToken, READ_FILE('pato/b'))).statusCode).toBe(200);

    // A disabled user's tokens act as nobody.
    expect((await admin('disable-user', leaver.email)).code).toBe(0);
    const disabled = await withToken(leaverToken, READ_FILE('pato/pub'));
    expect([disabled.statusCode, disabled.json().error.code]).toEqual([401, 'CW_ERR_AUTH_TOKEN_INVALID']);
  });
});

describe('organization upload tokens', () => {
  let orgToken: string;

  it('owners and admins create them through the API (step-up); members, viewers and outsiders cannot; the operator can', async () => {
    const r = await post(owner, '/api/v1/orgs/pato/upload-tokens', {});
    expect(r.statusCode, r.body).toBe(201);
    orgToken = r.json().token;
    seen.push(orgToken);
    expect(r.json()).toMatchObject({ kind: 'org_upload', access: 'upload', org: 'pato', display: `cw_oup_…${orgToken.slice(-4)}` });
    expect(checkTokenFormat(orgToken)).toBe('org_upload');
    const byAdmin = await post(padmin, '/api/v1/orgs/pato/upload-tokens', { expiresDays: 10 });
    expect(byAdmin.statusCode).toBe(201);
    seen.push(byAdmin.json().token);
    for (const u of [member, viewer]) {
      const refused = await post(u, '/api/v1/orgs/pato/upload-tokens', {});
      expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'CW_ERR_ORG_FORBIDDEN']);
    }
    for (const u of [granted, rivalOwner]) {
      const refused = await post(u, '/api/v1/orgs/pato/upload-tokens', {});
      expect(refused.statusCode).toBe(404);
      expect(refused.json()).toEqual(orgNotFound('pato'));
    }
    expect((await auditRecords('token.created')).filter((a) => a.outcome === 'denied').map((a) => [a.actor.id, a.details.reason])).toEqual([
      [member.userId, 'role_cannot_manage_tokens'],
      [viewer.userId, 'role_cannot_manage_tokens'],
    ]);
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date(Date.now() - 6 * 60_000).toISOString() }).where('user_id', '=', owner.userId).execute();
    const stale = await post(owner, '/api/v1/orgs/pato/upload-tokens', {});
    expect([stale.statusCode, stale.json().error.code]).toEqual([403, 'CW_ERR_AUTH_STEP_UP_REQUIRED']);
    await s.runtime.db.updateTable('sessions').set({ mfa_verified_at: new Date().toISOString() }).where('user_id', '=', owner.userId).execute();

    const cli = await admin('create-org-upload-token', 'pato', '--expires-days', '20');
    expect(cli.code, cli.stderr).toBe(0);
    expect(checkTokenFormat(String(cli.json?.token))).toBe('org_upload');
    seen.push(String(cli.json?.token));
    expect((await admin('create-org-upload-token', 'nowhere')).code).toBe(4);
    expect((await admin('create-org-upload-token', 'pato', '--expires-days', '366')).code).not.toBe(0);
    expect((await auditRecords('token.created')).filter((a) => a.details.kind === 'org_upload' && a.outcome === 'success').map((a) => a.actor.type)).toEqual(['user', 'user', 'operator']);
  });

  it("upload to any repository of their organization (named by the envelope); every other repository answers as an unknown one; they read nothing", async () => {
    const up = await upload(orgToken, 'pato/b');
    expect(up.statusCode, up.body).toBe(202);
    // The uploader's --wait asks for the state with the same token.
    expect((await waitForUpload(s.app, orgToken, up.json().id)).state).toBe('processed');
    const row = await s.runtime.db.selectFrom('uploads').select('repository_id').where('id', '=', up.json().id).executeTakeFirstOrThrow();
    const b = await s.runtime.db.selectFrom('repositories').select('id').where('name', '=', 'b').executeTakeFirstOrThrow();
    expect(row.repository_id).toBe(b.id);
    for (const slug of ['rival/x', 'rival/open', 'acme/widgets', 'rival/missing', 'pato/missing']) {
      const r = await upload(orgToken, slug);
      expect(r.statusCode, slug).toBe(404);
      expect(r.json(), slug).toEqual(notFound(slug));
    }
    const noSlug = await upload(orgToken, undefined);
    expect([noSlug.statusCode, noSlug.json().error.code]).toEqual([400, 'CW_ERR_REQUEST_INVALID']);
    // Write-only: no read route takes it, whatever the repository (one answer, no oracle).
    for (const repo of ['pato/b', 'rival/x', 'nobody/x']) {
      const r = await withToken(orgToken, READ_FILE(repo));
      expect([r.statusCode, r.json().error.code], repo).toEqual([403, 'CW_ERR_AUTH_FORBIDDEN']);
    }
    // The state of another organization's upload is not found.
    const rivalToken = (await createServices(s.config, s.runtime).admin.createToken('upload', 'rival/x')).token;
    const rivalUpload = await upload(rivalToken, undefined);
    const st = await withToken(orgToken, `/api/v1/uploads/${rivalUpload.json().id}`);
    expect([st.statusCode, st.json().error.code]).toEqual([404, 'CW_ERR_UPLOAD_NOT_FOUND']);
  });

  it('owners and admins revoke them (their organization\'s only); the operator revokes any kind with revoke-token', async () => {
    const a = await post(owner, '/api/v1/orgs/pato/upload-tokens', {});
    const b = await post(owner, '/api/v1/orgs/pato/upload-tokens', {});
    const r = await post(rivalOwner, '/api/v1/orgs/rival/upload-tokens', {});
    seen.push(a.json().token, b.json().token, r.json().token);
    // Another organization's token, through one's own organization: not found; a member: forbidden; an outsider: no organization.
    expect((await post(owner, `/api/v1/orgs/pato/upload-tokens/${r.json().id}/revoke`)).json().error.code).toBe('CW_ERR_TOKEN_NOT_FOUND');
    expect((await post(member, `/api/v1/orgs/pato/upload-tokens/${a.json().id}/revoke`)).json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    expect((await post(rivalOwner, `/api/v1/orgs/pato/upload-tokens/${a.json().id}/revoke`)).json()).toEqual(orgNotFound('pato'));
    expect((await upload(a.json().token, 'pato/a')).statusCode).toBe(202);
    expect((await post(padmin, `/api/v1/orgs/pato/upload-tokens/${a.json().id}/revoke`)).json()).toEqual({ id: a.json().id, state: 'revoked' });
    expect((await upload(a.json().token, 'pato/a')).statusCode).toBe(401);
    expect((await upload(r.json().token, 'rival/x')).statusCode).toBe(202);
    // The operator: organization upload and personal tokens alike.
    const pat = await post(member, '/api/v1/me/tokens', { access: 'read', org: 'pato' });
    seen.push(pat.json().token);
    for (const id of [b.json().id, pat.json().id]) expect((await admin('revoke-token', id)).json).toEqual({ id, state: 'revoked' });
    expect((await upload(b.json().token, 'pato/a')).statusCode).toBe(401);
    expect((await withToken(pat.json().token, READ_FILE('pato/a'))).statusCode).toBe(401);
    expect((await auditRecords('token.revoked')).filter((e) => [a.json().id, b.json().id, pat.json().id].includes(e.target?.id)).map((e) => [e.actor.type, e.details.kind])).toEqual([
      ['user', 'org_upload'],
      ['operator', 'org_upload'],
      ['operator', 'personal'],
    ]);
  });

  it('IDOR: personal tokens of every role and organization upload tokens get 404 on every read route for objects of another organization', async () => {
    const tokens: [string, string][] = [];
    for (const [name, u] of [['owner', owner], ['admin', padmin], ['member', member], ['viewer', viewer], ['grant holder', granted]] as const) {
      tokens.push([`${name} org scope`, await personalToken(u, { access: 'read-write', ...(u === granted ? { repositories: ['pato/b'] } : { org: 'pato' }) })]);
      tokens.push([`${name} repo scope`, await personalToken(u, { access: 'read', repositories: ['pato/b'] })]);
    }
    for (const [label, token] of tokens) {
      for (const route of REPO_READ_ROUTES) {
        for (const repo of ['rival/x', 'rival/missing', 'nobody/x']) {
          const r = await withToken(token, route.replace('R', repo));
          expect(r.statusCode, `${label} ${route} ${repo}`).toBe(404);
          expect(r.json(), `${label} ${route} ${repo}`).toEqual(notFound(repo));
        }
      }
      expect((await withToken(token, '/api/v1/orgs/rival/repos')).json().repositories, label).toEqual([]);
    }
    // Organization upload tokens: another organization's repositories as unknown ones (above), and its uploads too.
    const rivalUploads = await s.runtime.db.selectFrom('uploads as u').innerJoin('repositories as r', 'r.id', 'u.repository_id').innerJoin('organizations as o', 'o.id', 'r.org_id').select('u.id').where('o.name', '=', 'rival').execute();
    expect(rivalUploads.length).toBeGreaterThan(0);
    for (const { id } of rivalUploads) expect((await withToken(orgToken, `/api/v1/uploads/${id}`)).statusCode).toBe(404);
  });
});

describe('owners see what expires soon', () => {
  it("lists the organization's live tokens expiring within N days: its upload tokens and its repositories' tokens", async () => {
    const services = createServices(s.config, s.runtime);
    const soonRepo = await services.admin.createToken('read', 'pato/a', 5);
    const laterRepo = await services.admin.createToken('upload', 'pato/a', 200);
    const rivalSoon = await services.admin.createToken('upload', 'rival/x', 3);
    const revokedSoon = await services.admin.createToken('upload', 'pato/b', 4);
    await services.admin.revokeToken(revokedSoon.id);
    const soonOrg = await post(owner, '/api/v1/orgs/pato/upload-tokens', { expiresDays: 7 });
    seen.push(soonRepo.token, laterRepo.token, rivalSoon.token, revokedSoon.token, soonOrg.json().token);
    const r = await get(owner, '/api/v1/orgs/pato/tokens/expiring?withinDays=8');
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.withinDays).toBe(8);
    const ids = body.tokens.map((t: { id: string }) => t.id);
    expect(ids).toContain(soonRepo.id);
    expect(ids).toContain(soonOrg.json().id);
    expect(ids).not.toContain(laterRepo.id);
    expect(ids).not.toContain(rivalSoon.id);
    expect(ids).not.toContain(revokedSoon.id);
    expect(body.tokens.find((t: { id: string }) => t.id === soonRepo.id)).toMatchObject({ kind: 'read', repository: 'pato/a', display: `cw_rd_…${soonRepo.token.slice(-4)}` });
    expect(body.tokens.find((t: { id: string }) => t.id === soonOrg.json().id)).toMatchObject({ kind: 'org_upload', repository: null });
    // Soonest first; never a token or a hash.
    const dates = body.tokens.map((t: { expiresAt: string }) => t.expiresAt);
    expect([...dates].sort()).toEqual(dates);
    expect(JSON.stringify(body)).not.toMatch(/cw_(up|rd|pat|oup)_[0-9A-Za-z]{36}|[0-9a-f]{64}/);
    // The default window is 30 days: the org upload token of 10 days (created by the admin above) is in it.
    expect((await get(padmin, '/api/v1/orgs/pato/tokens/expiring')).json().tokens.some((t: { kind: string }) => t.kind === 'org_upload')).toBe(true);
    for (const u of [member, viewer]) expect((await get(u, '/api/v1/orgs/pato/tokens/expiring')).json().error.code).toBe('CW_ERR_ORG_FORBIDDEN');
    for (const u of [granted, rivalOwner]) expect((await get(u, '/api/v1/orgs/pato/tokens/expiring')).json()).toEqual(orgNotFound('pato'));
    expect((await get(owner, '/api/v1/orgs/pato/tokens/expiring?withinDays=0')).statusCode).toBe(400);
  });
});

describe('leaked-token revocation and the audit log', () => {
  it('POST /api/v1/tokens/revoke revokes personal and organization upload tokens reported by anyone', async () => {
    const pat = await personalToken(member, { access: 'read', org: 'pato' });
    const oup = (await post(owner, '/api/v1/orgs/pato/upload-tokens', {})).json().token as string;
    seen.push(oup);
    expect((await withToken(pat, READ_FILE('pato/a'))).statusCode).toBe(200);
    const r = await s.app.inject({ method: 'POST', url: '/api/v1/tokens/revoke', payload: { tokens: [{ token: pat, source: 'github-secret-scanning', url: 'https://example.test/leak' }, { token: oup }] } });
    expect(r.statusCode).toBe(202);
    expect((await withToken(pat, READ_FILE('pato/a'))).statusCode).toBe(401);
    expect((await upload(oup, 'pato/a')).statusCode).toBe(401);
    const revoked = (await auditRecords('token.revoked')).filter((a) => a.details.reason === 'reported as leaked').map((a) => a.details.kind);
    expect(revoked).toEqual(expect.arrayContaining(['personal', 'org_upload']));
    // A look-alike with a bad checksum is ignored (no database work, same answer).
    const fake = pat.slice(0, -1) + (pat.endsWith('A') ? 'B' : 'A');
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/tokens/revoke', payload: { tokens: [{ token: fake }] } })).statusCode).toBe(202);
  });

  it('a personal or organization upload token in a URL is refused (400 CW_ERR_AUTH_TOKEN_IN_QUERY), whatever the parameter', async () => {
    const pat = await personalToken(member, { access: 'read', org: 'pato' });
    const oup = (await post(owner, '/api/v1/orgs/pato/upload-tokens', {})).json().token as string;
    seen.push(oup);
    for (const url of [`/api/v1/repos/pato/a?x=${pat}`, `/api/v1/uploads/00000000-0000-4000-8000-000000000000?key=${oup}`, `/api/v1/orgs/pato/repos?q=${pat}`]) {
      const r = await s.app.inject({ method: 'GET', url });
      expect([r.statusCode, r.json().error.code], url).toEqual([400, 'CW_ERR_AUTH_TOKEN_IN_QUERY']);
      expect(r.body).not.toContain(pat.slice(7));
    }
  });

  it('no token of this file appears in the audit log (hash prefixes only)', async () => {
    expect(seen.length).toBeGreaterThan(20);
    const rows = await s.runtime.db.selectFrom('audit_log').select('record_json').execute();
    const all = rows.map((r) => r.record_json).join('\n');
    for (const token of seen) {
      expect(all).not.toContain(token);
      expect(all).not.toContain(token.slice(-36));
    }
    expect((await auditRecords('token.used_from_new_context')).length).toBeGreaterThanOrEqual(0);
  });
});
