import { describe, expect, it } from 'vitest';
import { CommitsRepository } from '../commits/commits.repository.js';
import { MembershipsRepository } from '../orgs/memberships.repository.js';
import { OrgsRepository } from '../orgs/orgs.repository.js';
import { ReposRepository } from '../repos/repos.repository.js';
import { TokensRepository } from '../tokens/tokens.repository.js';
import { UploadsRepository, type NewUpload } from '../uploads/uploads.repository.js';
import type { Db } from './database.js';
import { isUniqueViolation } from './db-errors.js';

/**
 * The behaviour every database must give the repositories (SQLite and PostgreSQL): the same rows,
 * types (numbers as numbers, NULL as null), constraints and guarded updates. `make` returns a
 * migrated, empty database.
 */
export function repositoriesContract(name: string, make: () => Promise<Db>, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip === true)(`repositories contract: ${name}`, () => {
    async function seed() {
      const db = await make();
      const org = await new OrgsRepository(db).insert('acme');
      const repo = await new ReposRepository(db).insert(org.id, org.name, 'widgets');
      return { db, org, repo };
    }

    function newUpload(id: string, repositoryId: string, commitId: string, more: Partial<NewUpload> = {}): NewUpload {
      return {
        id,
        repository_id: repositoryId,
        commit_id: commitId,
        state: 'received',
        job_identity: null,
        flags_json: '[]',
        name: null,
        ci_provider: null,
        build_id: null,
        build_url: null,
        job_id: null,
        idempotency_key: null,
        body_sha256: 'f'.repeat(64),
        raw_blob_key: 'raw/ab/x',
        raw_bytes: 5_000_000_000,
        decompressed_bytes: 12,
        created_at: new Date().toISOString(),
        ...more,
      };
    }

    it('organizations and repositories: insert, find, unique names', async () => {
      const { db, org, repo } = await seed();
      const orgs = new OrgsRepository(db);
      const repos = new ReposRepository(db);
      expect(await orgs.findByName('acme')).toEqual(org);
      expect(await orgs.findByName('nobody')).toBeNull();
      await orgs.insert('acme').then(
        () => expect.unreachable('duplicate organization accepted'),
        (e: unknown) => expect(isUniqueViolation(e)).toBe(true),
      );
      expect(await repos.findByFullName('acme', 'widgets')).toEqual(repo);
      expect(await repos.findById(repo.id)).toMatchObject({ fullName: 'acme/widgets', orgId: org.id });
      expect(await repos.findByFullName('acme', 'gadgets')).toBeNull();
      await repos.insert(org.id, org.name, 'widgets').then(
        () => expect.unreachable('duplicate repository accepted'),
        (e: unknown) => expect(isUniqueViolation(e)).toBe(true),
      );
    });

    it('memberships: roles, the last owner kept, read scope, grants and visibility (0012)', async () => {
      const { db, org, repo } = await seed();
      const members = new MembershipsRepository(db);
      const repos = new ReposRepository(db);
      const other = await new OrgsRepository(db).insert('globex');
      const otherRepo = await repos.insert(other.id, other.name, 'secret');
      const user = async (email: string) => {
        const id = `u-${email}`;
        await db.insertInto('users').values({ id, email, email_key: email.toLowerCase(), password_hash: null, password_changed_at: null, created_at: new Date().toISOString() }).execute();
        return id;
      };
      const [alice, bob, carol] = [await user('Alice@example.test'), await user('bob@example.test'), await user('carol@example.test')];
      expect(await members.userByEmailKey('alice@example.test')).toEqual({ id: alice, email: 'Alice@example.test' });
      // Repositories are private unless made public.
      expect(repo.visibility).toBe('private');
      expect((await repos.findByFullName('acme', 'widgets'))!.visibility).toBe('private');
      expect(await members.add(org.id, alice, 'owner')).toEqual({ outcome: 'added', role: 'owner' });
      expect(await members.add(org.id, alice, 'viewer')).toEqual({ outcome: 'exists', before: 'owner' });
      expect(await members.add(org.id, bob, 'viewer')).toEqual({ outcome: 'added', role: 'viewer' });
      expect(await members.roleOf(org.id, alice)).toBe('owner');
      expect(await members.roleOf(other.id, alice)).toBeNull();
      expect((await members.listMembers(org.id)).map((m) => [m.email, m.role])).toEqual([['Alice@example.test', 'owner'], ['bob@example.test', 'viewer']]);
      // Owners and admins must hold a passkey: the list says who does (a boolean on both databases).
      expect(await members.hasPasskey(alice)).toBe(false);
      await db.insertInto('mfa_webauthn_credentials').values({ id: 'w1', user_id: alice, credential_id: 'cred1', public_key: 'AA', counter: 0, transports: '[]', name: 'key', last_used_at: null, created_at: new Date().toISOString() }).execute();
      expect(await members.hasPasskey(alice)).toBe(true);
      expect((await members.listMembers(org.id)).map((m) => m.passkey)).toEqual([true, false]);
      expect(await members.listOrgsOf(alice)).toMatchObject([{ orgId: org.id, orgName: 'acme', role: 'owner' }]);
      // The last owner can be neither demoted nor removed; with a second owner either can go.
      expect(await members.setRole(org.id, alice, 'admin')).toEqual({ outcome: 'last_owner', before: 'owner' });
      expect(await members.setRole(org.id, alice, null)).toEqual({ outcome: 'last_owner', before: 'owner' });
      expect(await members.setRole(org.id, carol, 'member')).toEqual({ outcome: 'not_member', before: null });
      expect(await members.setRole(org.id, bob, 'owner', (before) => before !== 'viewer')).toBe('refused');
      expect(await members.setRole(org.id, bob, 'owner')).toEqual({ outcome: 'changed', before: 'viewer', role: 'owner' });
      // Two owners demoting each other at once: one wins, the organization keeps an owner.
      const both = await Promise.all([members.setRole(org.id, alice, 'member'), members.setRole(org.id, bob, 'member')]);
      expect(both.map((r) => (r === 'refused' ? r : r.outcome)).sort()).toEqual(['changed', 'last_owner']);
      expect((await members.listMembers(org.id)).filter((m) => m.role === 'owner')).toHaveLength(1);
      // Read scope: organizations by membership, repositories by grant, read fresh each time.
      expect(await members.readScope(carol)).toEqual({ orgIds: [], repoIds: [] });
      expect(await members.grant(otherRepo.id, carol, 'read')).toBeNull();
      expect(await members.grant(otherRepo.id, carol, 'write')).toBe('read');
      expect(await members.listGrants(otherRepo.id)).toEqual([{ userId: carol, role: 'write' }]);
      expect(await members.readScope(carol)).toEqual({ orgIds: [], repoIds: [otherRepo.id] });
      expect(await members.readScope(alice)).toEqual({ orgIds: [org.id], repoIds: [] });
      const member = (await members.listMembers(org.id)).find((m) => m.role === 'member')!;
      expect(await members.setRole(org.id, member.userId, null)).toEqual({ outcome: 'removed', before: 'member', role: null });
      expect(await members.readScope(member.userId)).toEqual({ orgIds: [], repoIds: [] });
      expect(await members.revokeGrant(otherRepo.id, carol)).toBe(true);
      expect(await members.revokeGrant(otherRepo.id, carol)).toBe(false);
      // Listing by scope: grants, organizations, public repositories.
      await repos.setVisibility(otherRepo.id, 'public');
      expect((await repos.findById(otherRepo.id))!.visibility).toBe('public');
      const page = { offset: 0, limit: 10 };
      expect(await repos.listByOrg('globex', { repoIds: [], orgIds: [], publicRepos: true }, page)).toEqual([await repos.findById(otherRepo.id)]);
      expect(await repos.listByOrg('globex', { repoIds: [], orgIds: [org.id], publicRepos: false }, page)).toEqual([]);
      expect((await repos.listByOrg('acme', { repoIds: [], orgIds: [org.id], publicRepos: true }, page)).map((r) => r.name)).toEqual(['widgets']);
      expect(await repos.listByOrg('acme', { repoIds: [otherRepo.id], orgIds: [], publicRepos: true }, page)).toEqual([]);
    });

    it('tokens: stored by hash, found while not revoked, expired ones flagged, last use recorded', async () => {
      const { db, repo } = await seed();
      const tokens = new TokensRepository(db);
      const later = new Date(Date.now() + 86_400_000).toISOString();
      const id = await tokens.insert({ kind: 'upload', tokenHash: 'a'.repeat(64), repositoryId: repo.id, expiresAt: later, display: 'cw_up_…aaaa' });
      expect(await tokens.findActiveByHash('a'.repeat(64))).toMatchObject({ id, kind: 'upload', tokenHash: 'a'.repeat(64), repositoryId: repo.id, expiresAt: later, expired: false });
      expect(await tokens.findActiveByHash('a'.repeat(64), new Date(Date.now() + 2 * 86_400_000).toISOString())).toMatchObject({ expired: true });
      expect(await tokens.findActiveByHash('b'.repeat(64))).toBeNull();
      expect(await tokens.recordUse(id, { ip: '10.0.0.1', userAgent: 'a' })).toEqual({ newContext: false, firstUse: true });
      expect(await tokens.recordUse(id, { ip: '10.0.0.1', userAgent: 'a' })).toEqual({ newContext: false, firstUse: false });
      expect(await tokens.recordUse(id, { ip: '10.0.0.2', userAgent: 'a' })).toEqual({ newContext: true, firstUse: false });
      // Requests in flight together that all see one change report it once (one audit event, one alert).
      const together = await Promise.all(Array.from({ length: 8 }, () => tokens.recordUse(id, { ip: '10.0.0.3', userAgent: 'a' })));
      expect(together.filter((u) => u.newContext)).toHaveLength(1);
      expect((await tokens.listByRepository(repo.id))[0]).toMatchObject({ id, display: 'cw_up_…aaaa', lastUse: { ip: '10.0.0.3', userAgent: 'a' } });
      expect(await tokens.revoke(id, 'test')).toBe(true);
      expect(await tokens.revoke(id, 'test')).toBe(false);
      expect(await tokens.findActiveByHash('a'.repeat(64))).toBeNull();
    });

    it('personal and organization upload tokens (0016): scope rows, found while not revoked, last use, listings, what expires soon', async () => {
      const { db, org, repo } = await seed();
      const tokens = new TokensRepository(db);
      const members = new MembershipsRepository(db);
      const repos = new ReposRepository(db);
      const other = await new OrgsRepository(db).insert('globex');
      const otherRepo = await repos.insert(other.id, other.name, 'secret');
      const second = await repos.insert(org.id, org.name, 'gadgets');
      const now = Date.now();
      const inDays = (d: number) => new Date(now + d * 86_400_000).toISOString();
      await db.insertInto('users').values({ id: 'u1', email: 'u1@example.test', email_key: 'u1@example.test', password_hash: null, password_changed_at: null, created_at: new Date().toISOString() }).execute();
      const pat = await tokens.insertAccountToken({ kind: 'personal', tokenHash: 'c'.repeat(64), display: 'cw_pat_…cccc', userId: 'u1', orgId: null, access: 'read', createdBy: 'u1', expiresAt: inDays(90), repositoryIds: [repo.id, second.id] });
      const patOrg = await tokens.insertAccountToken({ kind: 'personal', tokenHash: 'd'.repeat(64), display: 'cw_pat_…dddd', userId: 'u1', orgId: org.id, access: 'read-write', createdBy: 'u1', expiresAt: inDays(30), repositoryIds: [] });
      const oup = await tokens.insertAccountToken({ kind: 'org_upload', tokenHash: 'e'.repeat(64), display: 'cw_oup_…eeee', userId: null, orgId: org.id, access: 'upload', createdBy: null, expiresAt: inDays(5), repositoryIds: [] });
      await tokens.insertAccountToken({ kind: 'org_upload', tokenHash: 'f'.repeat(64), display: 'cw_oup_…ffff', userId: null, orgId: other.id, access: 'upload', createdBy: null, expiresAt: inDays(5), repositoryIds: [] });
      const repoToken = await tokens.insert({ kind: 'read', tokenHash: '1'.repeat(64), repositoryId: second.id, expiresAt: inDays(3), display: 'cw_rd_…1111' });
      await tokens.insert({ kind: 'upload', tokenHash: '2'.repeat(64), repositoryId: otherRepo.id, expiresAt: inDays(3), display: 'cw_up_…2222' });
      await tokens.insert({ kind: 'upload', tokenHash: '3'.repeat(64), repositoryId: repo.id, expiresAt: inDays(200), display: 'cw_up_…3333' });
      // Token hashes are unique across rows.
      await expect(tokens.insertAccountToken({ kind: 'personal', tokenHash: 'c'.repeat(64), display: 'x', userId: 'u1', orgId: null, access: 'read', createdBy: 'u1', expiresAt: inDays(1), repositoryIds: [] })).rejects.toSatisfy(isUniqueViolation);

      const found = await tokens.findActiveAccountTokenByHash('c'.repeat(64));
      expect(found).toMatchObject({ id: pat, kind: 'personal', userId: 'u1', orgId: null, access: 'read', expired: false, lastUse: { last_used_at: null } });
      expect([...found!.repositoryIds].sort()).toEqual([repo.id, second.id].sort());
      expect(await tokens.findActiveAccountTokenByHash('d'.repeat(64))).toMatchObject({ id: patOrg, orgId: org.id, access: 'read-write', repositoryIds: [] });
      expect(await tokens.findActiveAccountTokenByHash('c'.repeat(64), inDays(91))).toMatchObject({ expired: true });
      expect(await tokens.findActiveAccountTokenByHash('9'.repeat(64))).toBeNull();
      // The repository tokens' table does not know them, and the other way round.
      expect(await tokens.findActiveByHash('c'.repeat(64))).toBeNull();
      expect(await tokens.findActiveAccountTokenByHash('1'.repeat(64))).toBeNull();

      expect(await tokens.recordUse(pat, { ip: '10.0.0.1', userAgent: 'a' }, new Date(), undefined, 'user_tokens')).toEqual({ newContext: false, firstUse: true });
      expect(await tokens.recordUse(pat, { ip: '10.0.0.2', userAgent: 'a' }, new Date(), undefined, 'user_tokens')).toEqual({ newContext: true, firstUse: false });
      // An upload's CI provider is noted after its use is recorded (uploads.service.ts), in whichever table holds the token.
      await tokens.recordUse(oup, { ip: '10.0.0.9', userAgent: 'ci' }, new Date(), undefined, 'user_tokens');
      await tokens.noteCiProvider(oup, 'github-actions');
      const listed = await tokens.listPersonal('u1');
      expect(listed.map((t) => t.id)).toEqual(expect.arrayContaining([pat, patOrg]));
      expect(listed).toHaveLength(2);
      expect(listed.find((t) => t.id === pat)).toMatchObject({ display: 'cw_pat_…cccc', org: null, repositories: ['acme/gadgets', 'acme/widgets'], lastUse: { ip: '10.0.0.2', userAgent: 'a' }, revokedAt: null });
      expect(listed.find((t) => t.id === patOrg)).toMatchObject({ org: 'acme', repositories: [], lastUse: null });

      const soon = await tokens.listExpiringOfOrg(org.id, new Date(now).toISOString(), inDays(10));
      expect(soon.map((t) => [t.id, t.kind, t.repository])).toEqual([
        [repoToken, 'read', 'acme/gadgets'],
        [oup, 'org_upload', null],
      ]);
      expect(soon[1]).toMatchObject({ lastUse: { ciProvider: 'github-actions' } });

      expect(await tokens.findAccountToken(oup)).toEqual({ id: oup, kind: 'org_upload', userId: null, orgId: org.id, revokedAt: null });
      expect(await tokens.revokeAccountToken(oup, 'test')).toBe(true);
      expect(await tokens.revokeAccountToken(oup, 'test')).toBe(false);
      expect(await tokens.findActiveAccountTokenByHash('e'.repeat(64))).toBeNull();
      expect((await tokens.listExpiringOfOrg(org.id, new Date(now).toISOString(), inDays(10))).map((t) => t.id)).toEqual([repoToken]);

      // A personal token follows its user: a disabled user reads nothing.
      expect(await members.liveReadScope('u1')).toEqual({ orgIds: [], repoIds: [] });
      await db.updateTable('users').set({ disabled_at: new Date().toISOString() }).where('id', '=', 'u1').execute();
      expect(await members.liveReadScope('u1')).toBeNull();
      expect(await members.liveReadScope('nobody')).toBeNull();
      // A scope narrows an organization's repository list (ReadScope.within).
      const all = { repoIds: [], orgIds: [org.id], publicRepos: false };
      expect((await repos.listByOrg('acme', { ...all, within: { repositoryIds: [second.id] } }, { offset: 0, limit: 10 })).map((r) => r.fullName)).toEqual(['acme/gadgets']);
      expect((await repos.listByOrg('acme', { ...all, within: { orgId: other.id } }, { offset: 0, limit: 10 })).map((r) => r.fullName)).toEqual([]);
      expect((await repos.listByOrg('acme', { ...all, within: { repositoryIds: [] } }, { offset: 0, limit: 10 }))).toEqual([]);
    });

    it('commits: upsert keeps one row per sha and saves reports optimistically', async () => {
      const { db, repo } = await seed();
      const commits = new CommitsRepository(db);
      const id = await commits.upsert(repo.id, 'c'.repeat(40), { branch: 'main' });
      expect(await commits.upsert(repo.id, 'c'.repeat(40), { branch: 'dev', parents: ['d'.repeat(40)], prNumber: 7 })).toBe(id);
      const row = (await commits.findBySha(repo.id, 'c'.repeat(40)))!;
      expect(row).toMatchObject({ id, repositoryId: repo.id, sha: 'c'.repeat(40), totalsJson: null, manifestKey: null, uploadCount: 0, reportVersion: 0 });
      expect(typeof row.uploadCount).toBe('number');
      const meta = await db.selectFrom('commits').select(['branch', 'parents_json', 'pr_number']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(meta).toMatchObject({ branch: 'dev', parents_json: JSON.stringify(['d'.repeat(40)]), pr_number: 7 });
      const [a, b] = await Promise.all([
        commits.saveReport(id, 0, { totalsJson: '{"lines":1}', manifestKey: 'manifests/aa/1', uploadIds: ['u1'] }),
        commits.saveReport(id, 0, { totalsJson: '{"lines":2}', manifestKey: 'manifests/aa/2', uploadIds: ['u1', 'u2'] }),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect(await commits.findById(id)).toMatchObject({ reportVersion: 1, uploadCount: a ? 1 : 2, reportUploadIds: a ? ['u1'] : ['u1', 'u2'] });
      expect(await commits.findById('00000000-0000-0000-0000-000000000000')).toBeNull();
      // The read API's one-query lookup: repository by owner/name, with the commit when there is one.
      const both = (await commits.findWithRepository('acme', 'widgets', 'c'.repeat(40)))!;
      expect(both.repo).toEqual(repo);
      expect(both.commit).toEqual(await commits.findById(id));
      expect(await commits.findWithRepository('acme', 'widgets', 'e'.repeat(40))).toEqual({ repo, commit: null });
      expect(await commits.findWithRepository('acme', 'gadgets', 'c'.repeat(40))).toBeNull();
      expect(await commits.findWithRepository('nobody', 'widgets', 'c'.repeat(40))).toBeNull();
    });

    it('uploads: insert, idempotency key unique per repository, guarded state changes, ordered listing', async () => {
      const { db, repo } = await seed();
      const commits = new CommitsRepository(db);
      const uploads = new UploadsRepository(db);
      const commitId = await commits.upsert(repo.id, 'e'.repeat(40), {});
      await db.transaction().execute(async (trx) => {
        await uploads.insert(newUpload('u1', repo.id, commitId, { idempotency_key: 'k1', created_at: '2026-01-01T00:00:00.000Z' }), trx);
        await uploads.insert(newUpload('u2', repo.id, commitId, { created_at: '2026-01-01T00:00:00.000Z' }), trx);
        await uploads.insert(newUpload('u3', repo.id, commitId), trx);
      });
      const u1 = (await uploads.findById('u1'))!;
      // bigint columns come back as numbers on both databases.
      expect(u1).toMatchObject({ id: 'u1', state: 'received', raw_bytes: 5_000_000_000, decompressed_bytes: 12, report_blob_key: null, error_code: null });
      expect(typeof u1.raw_bytes).toBe('number');
      expect((await uploads.findByIdempotencyKey(repo.id, 'k1'))?.id).toBe('u1');
      expect(await uploads.findByIdempotencyKey(repo.id, 'k2')).toBeNull();
      await uploads.insert(newUpload('u4', repo.id, commitId, { idempotency_key: 'k1' })).then(
        () => expect.unreachable('duplicate idempotency key accepted'),
        (e: unknown) => expect(isUniqueViolation(e)).toBe(true),
      );

      for (const id of ['u1', 'u2', 'u3']) {
        await uploads.markProcessing(id);
        await uploads.saveReport(id, { reportBlobKey: `reports/aa/${id}`, totalsJson: '{}', diagnosticsJson: '[]' });
      }
      await uploads.markProcessed('u1');
      await uploads.markFailed('u3', { code: 'CW_ERR_UPLOAD_REPORT_INVALID', message: 'x'.repeat(3000), diagnosticsJson: null });
      // A failed upload stays failed.
      await uploads.markProcessing('u3');
      await uploads.markProcessed('u3');
      const u3 = (await uploads.findById('u3'))!;
      expect(u3).toMatchObject({ state: 'failed', error_code: 'CW_ERR_UPLOAD_REPORT_INVALID' });
      expect(u3.error_message).toHaveLength(2000);
      const listed = await uploads.listWithReportForCommit(commitId);
      expect(listed.map((u) => u.id)).toEqual(['u1', 'u2']);
      expect(listed[0]).toMatchObject({ id: 'u1', job_identity: null, report_blob_key: 'reports/aa/u1', created_at: '2026-01-01T00:00:00.000Z' });
    });
  });
}
