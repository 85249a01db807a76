import { parseReport, reportTotals } from '@coverwatch/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, gz, LCOV, startTestServer, uploadHeaders, waitForUpload, type TestServer } from './test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ worker: true });
});
afterAll(async () => s.close());

async function upload(body: Record<string, unknown>) {
  const r = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(body) });
  expect(r.statusCode).toBe(202);
  expect(r.json().state).toBe('received');
  return waitForUpload(s.app, s.uploadToken, r.json().id);
}

async function commitTotals(sha: string) {
  const r = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${sha}/totals`, headers: { authorization: `Bearer ${s.readToken}` } });
  return r.json();
}

const coreTotals = (text: string) => reportTotals(parseReport(new TextEncoder().encode(text), { fileName: 'x.info' }).report).totals;

describe('processing', () => {
  it('processes an upload into commit totals and per-file totals equal to core', async () => {
    const sha = '1'.repeat(40);
    const u = await upload(envelope(LCOV, { commit: { sha }, files: ['src/a.c', 'README.md'] }));
    expect(u.state).toBe('processed');
    expect(u.error).toBeNull();
    const t = await commitTotals(sha);
    expect(t).toEqual({ repository: 'acme/widgets', commitSha: sha, uploads: 1, totals: coreTotals(LCOV) });
    const f = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${sha}/files`, headers: { authorization: `Bearer ${s.readToken}` } });
    const { files: _f, ...fileFields } = coreTotals(LCOV);
    expect(f.json()).toEqual({ repository: 'acme/widgets', commitSha: sha, files: [{ path: 'src/a.c', ...fileFields }], nextOffset: null });
  });

  it('merges uploads of one commit; a re-run of the same CI job replaces its earlier upload', async () => {
    const sha = '2'.repeat(40);
    const other = 'SF:src/b.c\nDA:1,1\nDA:2,0\nend_of_record\n';
    const job = { provider: 'github-actions', buildId: '77', jobId: 'unit' };
    await upload(envelope(LCOV, { commit: { sha }, ci: job }));
    await upload(envelope(other, { commit: { sha }, ci: { ...job, jobId: 'integration' } }));
    const merged = await commitTotals(sha);
    expect(merged.uploads).toBe(2);
    expect(merged.totals).toEqual(coreTotals(LCOV + other));
    // The unit job runs again and now covers line 2: it replaces the first upload, nothing doubles.
    const rerun = LCOV.replace('DA:2,0', 'DA:2,3');
    await upload(envelope(rerun, { commit: { sha }, ci: job }));
    const after = await commitTotals(sha);
    expect(after.uploads).toBe(2);
    expect(after.totals).toEqual(coreTotals(rerun + other));
  });

  it('fails an upload whose report cannot be read, with the parser diagnostics; the commit keeps its other uploads', async () => {
    const sha = '3'.repeat(40);
    await upload(envelope(LCOV, { commit: { sha } }));
    const bad = await upload(envelope('this is not coverage\n', { commit: { sha } }));
    expect(bad.state).toBe('failed');
    expect(bad.error).toEqual({ code: 'CW_ERR_UPLOAD_REPORT_INVALID', message: '1 of 1 reports could not be read: coverage.info (unrecognized)' });
    expect((bad.diagnostics as { code: string; file: string }[])[0]).toMatchObject({ code: 'CW_FORMAT_UNRECOGNIZED', file: 'coverage.info' });
    const t = await commitTotals(sha);
    expect(t.uploads).toBe(1);
    expect(t.totals).toEqual(coreTotals(LCOV));
  });

  it('resolves report paths against the file list and reports what it left out', async () => {
    const sha = '4'.repeat(40);
    const lcov = 'SF:/ci/build/src/a.c\nDA:1,1\nend_of_record\nSF:/usr/include/stdio.h\nDA:1,1\nend_of_record\n';
    const u = await upload(envelope(lcov, { commit: { sha }, files: ['src/a.c'] }));
    expect(u.state).toBe('processed');
    expect((u.diagnostics as { code: string }[]).map((d) => d.code)).toEqual(['CW_PATH_UNMATCHED']);
    const f = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${sha}/files`, headers: { authorization: `Bearer ${s.readToken}` } });
    expect(f.json().files.map((x: { path: string }) => x.path)).toEqual(['src/a.c']);
  });
});
