import { directoryTotals, fileTotals, lineRecords, mergeReports, parseReport, reportTotals, type Report } from '@coverwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgTestSchemas, skipWithoutPostgres } from './pg-test-schema.js';
import { envelope, gz, startTestServer, uploadHeaders, waitForUpload, type TestServer } from './test-server.js';

/** The same suite on the embedded default and, when COVERWATCH_TEST_DATABASE_URL is set, on PostgreSQL (pg-boss queue). */
const schemas = new PgTestSchemas();
afterAll(async () => schemas.dropAll());
const BACKENDS = [
  { backend: 'SQLite', env: async (): Promise<Record<string, string>> => ({}) },
  ...(skipWithoutPostgres('read API on PostgreSQL') ? [] : [{ backend: 'PostgreSQL', env: async () => ({ COVERWATCH_DATABASE_URL: (await schemas.create()).url }) }]),
];

const SHA1 = '1'.repeat(40);
const SHA2 = '2'.repeat(40);
const SHA3 = '3'.repeat(40);

/** Unit tests of commit 1: three directories deep, a partial line with a missed branch. */
const UNIT = [
  'SF:src/a.c\nDA:1,5\nDA:2,0\nDA:3,2\nBRDA:3,0,0,2\nBRDA:3,0,1,0\nend_of_record',
  'SF:src/lib/b.c\nDA:1,1\nDA:2,1\nDA:3,0\nend_of_record',
  'SF:src/lib/deep/c.c\nDA:10,0\nDA:11,0\nFN:10,f\nFNDA:0,f\nend_of_record',
].join('\n') + '\n';
/** Integration tests of commit 1: covers line 2 of a.c, and a file of its own. */
const INTEGRATION = 'SF:src/a.c\nDA:2,1\nend_of_record\nSF:test/t.c\nDA:1,1\nDA:2,1\nend_of_record\n';
/** Commit 2 (the next commit on main): b.c now fully covered. */
const UNIT2 = UNIT.replace('DA:3,0\nend_of_record', 'DA:3,4\nend_of_record');

describe.each(BACKENDS)('read API on $backend', ({ env }) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ worker: true, env: await env() });
  });
  afterAll(async () => s.close());

  const parse = (text: string): Report => parseReport(new TextEncoder().encode(text), { fileName: 'x.info' }).report;
  const get = (url: string, token = s.readToken) => s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const R = '/api/v1/repos/acme/widgets';

  async function upload(body: Record<string, unknown>) {
    const r = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(body) });
    expect(r.statusCode).toBe(202);
    const done = await waitForUpload(s.app, s.uploadToken, r.json().id);
    expect(done.state).toBe('processed');
    return done;
  }

  beforeAll(async () => {
    await upload(envelope(UNIT, { commit: { sha: SHA1, branch: 'main' }, flags: ['unit'] }));
    await upload(envelope(INTEGRATION, { commit: { sha: SHA1, branch: 'main' }, flags: ['integration'] }));
    // Commit times are when the server first saw the commit; keep them apart.
    await new Promise((res) => setTimeout(res, 5));
    await upload(envelope(UNIT2, { commit: { sha: SHA2, branch: 'main', parents: [SHA1] }, flags: ['unit'] }));
    await new Promise((res) => setTimeout(res, 5));
    await upload(envelope(UNIT2, { commit: { sha: SHA3, branch: 'feature', parents: [SHA2], pullRequest: { number: 7, baseBranch: 'main', baseSha: SHA2, mergeBaseSha: SHA1 } } }));
  });

  describe('tree', () => {
    const merged1 = () => mergeReports([parse(UNIT), parse(INTEGRATION)]);

    it('the root lists directories whose totals are core directoryTotals, and the sum of their files', async () => {
      const dirs = directoryTotals(merged1());
      const r = await get(`${R}/commits/${SHA1}/tree`);
      expect(r.statusCode).toBe(200);
      const tree = r.json();
      expect(tree).toMatchObject({ repository: 'acme/widgets', commitSha: SHA1, flag: null, path: '', nextOffset: null });
      expect(tree.totals).toEqual(dirs.get(''));
      expect(tree.totals).toEqual(reportTotals(merged1()).totals);
      expect(tree.entries).toEqual([
        { type: 'dir', path: 'src', name: 'src', totals: dirs.get('src') },
        { type: 'dir', path: 'test', name: 'test', totals: dirs.get('test') },
      ]);
    });

    it('a subdirectory lists its directories and files; directory totals equal the sum of their files', async () => {
      const report = merged1();
      const dirs = directoryTotals(report);
      const files = reportTotals(report).files;
      const tree = (await get(`${R}/commits/${SHA1}/tree?path=src/`)).json();
      expect(tree.path).toBe('src');
      expect(tree.totals).toEqual(dirs.get('src'));
      expect(tree.entries).toEqual([
        { type: 'file', path: 'src/a.c', name: 'a.c', totals: files.get('src/a.c') },
        { type: 'dir', path: 'src/lib', name: 'lib', totals: dirs.get('src/lib') },
      ]);
      // The sum of the files under src/lib, from the per-file route.
      const all = (await get(`${R}/commits/${SHA1}/files`)).json().files as { path: string; lines: number; hits: number; misses: number; partials: number }[];
      const under = all.filter((f) => f.path.startsWith('src/lib/'));
      const lib = tree.entries[1].totals;
      for (const k of ['lines', 'hits', 'misses', 'partials'] as const) expect(lib[k]).toBe(under.reduce((n, f) => n + f[k], 0));
      expect(lib.files).toBe(under.length);
    });

    it('sorts and pages', async () => {
      const byMisses = (await get(`${R}/commits/${SHA1}/tree?path=src&sort=misses&order=desc`)).json();
      expect(byMisses.entries.map((e: { path: string }) => e.path)).toEqual(['src/lib', 'src/a.c']);
      const byCoverage = (await get(`${R}/commits/${SHA1}/tree?path=src/lib&sort=coverage`)).json();
      expect(byCoverage.entries.map((e: { path: string }) => e.path)).toEqual(['src/lib/deep', 'src/lib/b.c']);
      const page = (await get(`${R}/commits/${SHA1}/tree?path=src&limit=1&offset=1`)).json();
      expect(page.entries.map((e: { path: string }) => e.path)).toEqual(['src/lib']);
      expect(page.nextOffset).toBeNull();
      expect((await get(`${R}/commits/${SHA1}/tree?path=src&limit=1`)).json().nextOffset).toBe(1);
    });

    it('a flag filter gives the totals of the uploads carrying the flag', async () => {
      const unit = parse(UNIT);
      const tree = (await get(`${R}/commits/${SHA1}/tree?flag=unit`)).json();
      expect(tree.flag).toBe('unit');
      expect(tree.totals).toEqual(reportTotals(unit).totals);
      expect(tree.entries).toEqual([{ type: 'dir', path: 'src', name: 'src', totals: directoryTotals(unit).get('src') }]);
      const integration = (await get(`${R}/commits/${SHA1}/tree?flag=integration&path=test`)).json();
      expect(integration.totals).toEqual(directoryTotals(parse(INTEGRATION)).get('test'));
    });

    it('an unknown path or flag is a coded 404', async () => {
      const path = await get(`${R}/commits/${SHA1}/tree?path=nope`);
      expect(path.statusCode).toBe(404);
      expect(path.json().error.code).toBe('CW_ERR_PATH_NOT_FOUND');
      const flag = await get(`${R}/commits/${SHA1}/tree?flag=e2e`);
      expect(flag.statusCode).toBe(404);
      expect(flag.json().error.code).toBe('CW_ERR_FLAG_NOT_FOUND');
    });
  });

  describe('file lines', () => {
    it("a file's lines are core's lineRecords of the merged file, with its totals", async () => {
      const file = mergeReports([parse(UNIT), parse(INTEGRATION)]).files.find((f) => f.path === 'src/a.c')!;
      const r = await get(`${R}/commits/${SHA1}/files/src/a.c`);
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ repository: 'acme/widgets', commitSha: SHA1, flag: null, path: 'src/a.c', totals: fileTotals(file), lines: [...lineRecords(file)] });
      expect(r.json().lines).toContainEqual({ kind: 'partial', line: 3, hits: 2, branchesTaken: 1, branchesTotal: 2, missedBranches: ['0,1'] });
    });

    it('with a flag, the lines of the uploads carrying it', async () => {
      const file = parse(UNIT).files.find((f) => f.path === 'src/a.c')!;
      const r = await get(`${R}/commits/${SHA1}/files/src/a.c?flag=unit`);
      expect(r.json().lines).toEqual([...lineRecords(file)]);
      expect(r.json().lines).toContainEqual({ kind: 'miss', line: 2 });
    });

    it('a file without coverage is a coded 404', async () => {
      const r = await get(`${R}/commits/${SHA1}/files/src/nope.c`);
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe('CW_ERR_PATH_NOT_FOUND');
    });
  });

  describe('branches, trend, commits, uploads, pull requests', () => {
    it('the branch head is the newest commit; processing an older commit again does not move it back', async () => {
      const before = (await get(`${R}/branches`)).json();
      const totals2 = reportTotals(parse(UNIT2)).totals;
      expect(before).toMatchObject({ repository: 'acme/widgets', nextOffset: null });
      expect(before.branches.map((b: { name: string; headSha: string }) => [b.name, b.headSha])).toEqual([
        ['feature', SHA3],
        ['main', SHA2],
      ]);
      expect(before.branches[1].headTotals).toEqual(totals2);
      await upload(envelope(UNIT, { commit: { sha: SHA1, branch: 'main' }, flags: ['late'] }));
      const after = (await get(`${R}/branches`)).json();
      expect(after.branches[1].headSha).toBe(SHA2);
    });

    it('the trend of a branch lists its commits oldest first with their totals, per flag too', async () => {
      const trend = (await get(`${R}/trend?branch=main`)).json();
      expect(trend).toMatchObject({ repository: 'acme/widgets', branch: 'main', flag: null });
      expect(trend.points.map((p: { sha: string }) => p.sha)).toEqual([SHA1, SHA2]);
      const t1 = (await get(`${R}/commits/${SHA1}/totals`)).json().totals;
      expect(trend.points[0].totals).toEqual(t1);
      expect(trend.points[1].totals).toEqual(reportTotals(parse(UNIT2)).totals);
      expect(trend.points[1].time >= trend.points[0].time).toBe(true);
      const integration = (await get(`${R}/trend?branch=main&flag=integration`)).json();
      expect(integration.points.map((p: { sha: string }) => p.sha)).toEqual([SHA1]);
      expect(integration.points[0].totals).toEqual(reportTotals(parse(INTEGRATION)).totals);
      expect((await get(`${R}/trend?branch=main&limit=1`)).json().points.map((p: { sha: string }) => p.sha)).toEqual([SHA2]);
      expect((await get(`${R}/trend?branch=nope`)).json().points).toEqual([]);
    });

    it('commits are listed newest first with totals and upload states, paged by cursor, per branch', async () => {
      const first = (await get(`${R}/commits?limit=2`)).json();
      expect(first.commits.map((c: { sha: string }) => c.sha)).toEqual([SHA3, SHA2]);
      expect(first.commits[0]).toMatchObject({ branch: 'feature', parents: [SHA2], pullRequest: 7, uploads: 1, uploadStates: { received: 0, processing: 0, processed: 1, failed: 0 } });
      const second = (await get(`${R}/commits?limit=2&cursor=${first.nextCursor}`)).json();
      expect(second.commits.map((c: { sha: string }) => c.sha)).toEqual([SHA1]);
      expect(second.commits[0].uploadStates.processed).toBe(3);
      expect(second.nextCursor).toBeNull();
      const main = (await get(`${R}/commits?branch=main`)).json();
      expect(main.branch).toBe('main');
      expect(main.commits.map((c: { sha: string }) => c.sha)).toEqual([SHA2, SHA1]);
    });

    it("a commit's uploads, with states and errors", async () => {
      const sha = '4'.repeat(40);
      await upload(envelope(UNIT, { commit: { sha } }));
      const bad = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope('not coverage\n', { commit: { sha } })) });
      await waitForUpload(s.app, s.uploadToken, bad.json().id);
      const r = (await get(`${R}/commits/${sha}/uploads`)).json();
      expect(r.uploads.map((u: { state: string }) => u.state)).toEqual(['processed', 'failed']);
      expect(r.uploads[1].error.code).toBe('CW_ERR_UPLOAD_REPORT_INVALID');
      expect((await get(`${R}/commits/${'5'.repeat(40)}/uploads`)).statusCode).toBe(404);
    });

    it('pull requests, repositories and an organization', async () => {
      const pulls = (await get(`${R}/pulls`)).json();
      expect(pulls.pullRequests).toEqual([{ number: 7, headBranch: 'feature', baseBranch: 'main', baseSha: SHA2, mergeBaseSha: SHA1, headSha: SHA3, updatedAt: expect.any(String) }]);
      expect((await get(R)).json()).toEqual({ owner: 'acme', name: 'widgets', fullName: 'acme/widgets', defaultBranch: null, createdAt: expect.any(String) });
      const org = (await get('/api/v1/orgs/acme/repos')).json();
      expect(org.repositories.map((r: { fullName: string }) => r.fullName)).toEqual(['acme/widgets']);
      expect((await get('/api/v1/orgs/other-org/repos')).json().repositories).toEqual([]);
    });
  });

  describe('/api/docs', () => {
    it('is an OpenAPI document listing every route with its response schema', async () => {
      const r = await s.app.inject({ method: 'GET', url: '/api/docs' });
      expect(r.statusCode).toBe(200);
      const doc = r.json();
      expect(doc.openapi).toBe('3.1.0');
      const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
      expect(routes.sort()).toEqual(
        [
          'GET /healthz',
          'GET /readyz',
          'POST /api/v1/uploads',
          'POST /api/v1/tokens/revoke',
          'GET /api/v1/uploads/{id}',
          'GET /api/v1/orgs/{org}/repos',
          'GET /api/v1/repos/{owner}/{repo}',
          'GET /api/v1/repos/{owner}/{repo}/branches',
          'GET /api/v1/repos/{owner}/{repo}/pulls',
          'GET /api/v1/repos/{owner}/{repo}/commits',
          'GET /api/v1/repos/{owner}/{repo}/commits/{sha}/totals',
          'GET /api/v1/repos/{owner}/{repo}/commits/{sha}/files',
          'GET /api/v1/repos/{owner}/{repo}/commits/{sha}/files/{path}',
          'GET /api/v1/repos/{owner}/{repo}/commits/{sha}/tree',
          'GET /api/v1/repos/{owner}/{repo}/commits/{sha}/uploads',
          'GET /api/v1/repos/{owner}/{repo}/trend',
          'GET /api/docs',
          'POST /api/v1/auth/sign-in',
          'POST /api/v1/auth/set-password',
          'POST /api/v1/auth/sign-out',
          'GET /api/v1/me',
          'GET /api/v1/me/sessions',
          'POST /api/v1/me/sessions/{sessionId}/end',
          'POST /api/v1/me/sessions/end-others',
          'GET /api/v1/me/mfa',
          'POST /api/v1/auth/mfa/verify',
          'POST /api/v1/auth/mfa/webauthn/options',
          'POST /api/v1/me/mfa/step-up',
          'POST /api/v1/me/mfa/totp/enroll',
          'POST /api/v1/me/mfa/totp/confirm',
          'POST /api/v1/me/mfa/webauthn/register/options',
          'POST /api/v1/me/mfa/webauthn/register/verify',
          'POST /api/v1/me/mfa/factors/{factorId}/remove',
          'POST /api/v1/me/mfa/recovery-codes/regenerate',
          'GET /api/v1/me/alerts',
          'GET /api/v1/orgs/{org}/alerts',
          'GET /api/v1/auth/sso',
          'POST /api/v1/auth/sso/start',
          'GET /api/v1/auth/sso/callback',
          'GET /api/v1/me/orgs',
          'GET /api/v1/orgs/{org}/members',
          'POST /api/v1/orgs/{org}/members',
          'POST /api/v1/orgs/{org}/members/{userId}/role',
          'POST /api/v1/orgs/{org}/members/{userId}/remove',
          'POST /api/v1/orgs',
          'POST /api/v1/orgs/{org}/repos',
          'POST /api/v1/orgs/{org}/leave',
          'GET /api/v1/repos/{owner}/{repo}/settings',
          'POST /api/v1/repos/{owner}/{repo}/settings',
          'POST /api/v1/repos/{owner}/{repo}/grants',
          'POST /api/v1/me/tokens',
          'GET /api/v1/me/tokens',
          'POST /api/v1/me/tokens/{id}/rotate',
          'POST /api/v1/me/tokens/{id}/revoke',
          'POST /api/v1/orgs/{org}/upload-tokens',
          'POST /api/v1/orgs/{org}/upload-tokens/{id}/revoke',
          'GET /api/v1/orgs/{org}/tokens/expiring',
        ].sort(),
      );
      const tree = doc.paths['/api/v1/repos/{owner}/{repo}/commits/{sha}/tree'].get;
      // A read token, a personal API token, or a signed-in session that passed a second factor (docs/security.md#organizations-repositories-roles).
      expect(tree.security).toEqual([{ bearer: [] }, { session: [] }]);
      expect([tree['x-coverwatch-tokens'], tree['x-coverwatch-mfa']]).toEqual([['read', 'personal', 'session'], 'required']);
      expect(tree.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
        'path:owner', 'path:repo', 'path:sha', 'query:path', 'query:flag', 'query:sort', 'query:order', 'query:offset', 'query:limit',
      ]);
      expect(Object.keys(tree.responses['200'].content['application/json'].schema.properties)).toEqual(['repository', 'commitSha', 'flag', 'path', 'totals', 'entries', 'nextOffset']);
      expect(doc.paths['/healthz'].get.security).toEqual([]);
      expect(doc.paths['/api/v1/me'].get.security).toEqual([{ session: [] }]);
      expect(doc.paths['/api/v1/me'].get['x-coverwatch-mfa']).toBe('required');
      expect(doc.paths['/api/v1/auth/sign-out'].post['x-coverwatch-mfa']).toBe('not-required');
    });
  });
});
