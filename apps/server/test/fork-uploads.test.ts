import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../src/services.js';
import { envelope, gz, LCOV, startTestServer, uploadHeaders, waitForUpload, type TestServer } from './test-server.js';

/**
 * Uploads from forks' pull-request builds: recorded under `<fork owner>:<branch>` so they never
 * move this repository's branch of the same name, and an alert when one names a protected branch.
 */
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ worker: true });
});
afterAll(async () => s?.close());

const services = () => createServices(s.config, s.runtime);

async function upload(body: Record<string, unknown>) {
  const r = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(body) });
  expect(r.statusCode, r.body).toBe(202);
  const u = await waitForUpload(s.app, s.uploadToken, r.json().id);
  expect(u.state).toBe('processed');
  return r.json().id as string;
}

const forkPr = (sha: string, branch: string, pr: Record<string, unknown>) =>
  envelope(LCOV, { commit: { sha, branch, pullRequest: { number: 43, baseBranch: 'main', ...pr } }, ci: { provider: 'travis-ci', buildId: sha.slice(0, 6), jobId: '1' } });

async function branches(): Promise<Record<string, string>> {
  const r = await s.app.inject({ method: 'GET', url: '/api/v1/repos/acme/widgets/branches', headers: { authorization: `Bearer ${s.readToken}` } });
  expect(r.statusCode).toBe(200);
  return Object.fromEntries((r.json().branches as { name: string; headSha: string }[]).map((b) => [b.name, b.headSha]));
}

async function lastUploadRecord() {
  const rows = await s.runtime.db.selectFrom('audit_log').select('record_json').orderBy('seq', 'desc').execute();
  return rows.map((r) => JSON.parse(r.record_json)).find((r) => r.event === 'upload.received');
}

async function forkAlerts() {
  await services().alerts.evaluator.tick();
  return (await services().alerts.repository.list()).filter((a) => a.rule === 'fork_upload_protected_branch');
}

describe('uploads from forks', () => {
  it("a fork's main is recorded as <owner>:main and does not move main; naming protected main raises one alert", async () => {
    const base = '1'.repeat(40);
    const forkHead = '2'.repeat(40);
    await upload(envelope(LCOV, { commit: { sha: base, branch: 'main' } }));
    expect((await branches()).main).toBe(base);

    await upload(forkPr(forkHead, 'main', { fork: true, headRepository: 'contributor/widgets' }));
    const after = await branches();
    expect(after.main).toBe(base);
    expect(after['contributor:main']).toBe(forkHead);
    const pulls = await s.app.inject({ method: 'GET', url: '/api/v1/repos/acme/widgets/pulls', headers: { authorization: `Bearer ${s.readToken}` } });
    expect(pulls.json().pullRequests[0]).toMatchObject({ number: 43, headBranch: 'contributor:main', headSha: forkHead });

    expect((await lastUploadRecord()).details).toMatchObject({ branch: 'contributor:main', claimedBranch: 'main', fork: true, headRepository: 'contributor/widgets', protectedBranch: true });
    const alerts = await forkAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'high', title: 'upload from the fork contributor/widgets named protected branch main of acme/widgets', details: { recordedBranch: 'contributor:main' } });

    // Another shard of the same fork build: no second alert.
    await upload(forkPr(forkHead, 'main', { fork: true, headRepository: 'contributor/widgets' }));
    expect(await forkAlerts()).toHaveLength(1);
  });

  it("a fork's own branch, a pull request from this repository and a push raise nothing", async () => {
    const before = (await forkAlerts()).length;
    await upload(forkPr('3'.repeat(40), 'patch-1', { fork: true, headRepository: 'other/widgets' }));
    expect((await lastUploadRecord()).details).toMatchObject({ fork: true, protectedBranch: false });
    await upload(forkPr('4'.repeat(40), 'feature', { fork: false, headRepository: 'acme/widgets' }));
    expect((await lastUploadRecord()).details).not.toHaveProperty('protectedBranch');
    await upload(envelope(LCOV, { commit: { sha: '5'.repeat(40), branch: 'main' } }));
    expect((await forkAlerts()).length).toBe(before);
    const b = await branches();
    expect(b['other:patch-1']).toBe('3'.repeat(40));
    expect(b.feature).toBe('4'.repeat(40));
    expect(b.main).toBe('5'.repeat(40));
  });

  it('protected branches are configurable (patterns); invalid ones are refused by name', async () => {
    const admin = services().admin;
    await expect(admin.setProtectedBranches('acme/widgets', ['release/*', 'a//b'])).rejects.toThrow(/"a\/\/b" has an empty segment/);
    expect(await admin.setProtectedBranches('acme/widgets', ['release/*'])).toEqual({ repository: 'acme/widgets', protected: ['release/*'], configured: true });
    const before = (await forkAlerts()).length;
    // main is no longer protected: a fork naming it is only namespaced.
    await upload(forkPr('6'.repeat(40), 'main', { fork: true, headRepository: 'mallory/widgets' }));
    expect(await forkAlerts()).toHaveLength(before);
    await upload(forkPr('7'.repeat(40), 'release/2.0', { fork: true, headRepository: 'mallory/widgets' }));
    const alerts = await forkAlerts();
    expect(alerts).toHaveLength(before + 1);
    expect(alerts.map((a) => a.title)).toContain('upload from the fork mallory/widgets named protected branch release/2.0 of acme/widgets');
    expect((await branches())['mallory:release/2.0']).toBe('7'.repeat(40));
    expect(await admin.setProtectedBranches('acme/widgets', null)).toEqual({ repository: 'acme/widgets', protected: ['main', 'master'], configured: false });
  });
});
