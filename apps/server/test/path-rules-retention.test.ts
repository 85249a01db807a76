import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../src/cli/run.js';
import { rawUploadKey } from '../src/uploads/uploads.service.js';
import { envelope, gz, startTestServer, uploadHeaders, waitForUpload, type TestServer } from './test-server.js';

/** A repository's path rules (admin set-paths) applied by processing, and raw-upload retention (admin prune-raw-uploads). */
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ worker: true, env: { COVERWATCH_RETENTION_RAW_UPLOAD_DAYS: '30' } });
});
afterAll(() => s?.close());

async function admin(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(
    {
      argv: ['admin', ...argv],
      env: { COVERWATCH_DATA_DIR: s.config.dataDir, COVERWATCH_LOG_LEVEL: 'silent', COVERWATCH_RETENTION_RAW_UPLOAD_DAYS: '30' },
      cwd: s.config.dataDir,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    },
    new EventEmitter(),
  );
  return { code, stdout, stderr };
}

async function upload(report: string, sha: string, files: string[]) {
  const r = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope(report, { commit: { sha, branch: 'main' }, files })) });
  expect(r.statusCode).toBe(202);
  return waitForUpload(s.app, s.uploadToken, (r.json() as { id: string }).id);
}

const BUILD_REPORT = ['SF:/ci/build/src/a.c', 'DA:1,1', 'DA:2,0', 'end_of_record', 'SF:/ci/build/generated/b.c', 'DA:1,1', 'end_of_record', 'SF:/ci/build/vendor/c.c', 'DA:1,0', 'end_of_record', ''].join('\n');
const FILES = ['lib/a.c', 'generated/b.c', 'vendor/c.c'];

describe('path rules of a repository', () => {
  it('without rules, an unmatched path is left out with a diagnostic', async () => {
    const u = await upload(BUILD_REPORT, '1'.repeat(40), FILES);
    expect(u).toMatchObject({ state: 'processed', totals: { files: 2, lines: 2 } });
    expect(JSON.stringify(u.diagnostics)).toContain('CW_PATH_UNMATCHED');
  });

  it('admin set-paths stores fixes and ignores; uploads processed afterwards use them', async () => {
    const r = await admin('set-paths', 'acme/widgets', '--fix', '/ci/build/src/::lib/', '--ignore', 'generated/**', '--json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ repository: 'acme/widgets', fixes: ['/ci/build/src/::lib/'], ignore: ['generated/**'] });
    const u = await upload(BUILD_REPORT, '2'.repeat(40), FILES);
    // a.c found through the fix, b.c ignored, c.c by suffix.
    expect(u).toMatchObject({ state: 'processed', totals: { files: 2, lines: 3, hits: 1, misses: 2 } });
    expect(JSON.stringify(u.diagnostics)).not.toContain('CW_PATH_UNMATCHED');
    const files = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${'2'.repeat(40)}/tree?path=lib`, headers: { authorization: `Bearer ${s.readToken}` } });
    expect(files.statusCode).toBe(200);
    expect(JSON.stringify(files.json())).toContain('lib/a.c');
  });

  it('refuses invalid rules, naming them, and keeps the old ones', async () => {
    const r = await admin('set-paths', 'acme/widgets', '--fix', 'no-separator', '--ignore', '!negated/**');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/invalid path rules:\n {2}the fix "no-separator" has no "::"[^]*\n {2}ignore "!negated\/\*\*": negated patterns/);
    expect(r.stderr).not.toMatch(/is not applied/);
    const shown = await admin('set-paths', 'acme/nope');
    expect(shown.code).not.toBe(0);
    const kept = await upload(BUILD_REPORT, '3'.repeat(40), FILES);
    expect(kept).toMatchObject({ totals: { files: 2, lines: 3 } });
  });

  it('set-paths with no rules clears them', async () => {
    expect(JSON.parse((await admin('set-paths', 'acme/widgets', '--json')).stdout)).toEqual({ repository: 'acme/widgets', fixes: [], ignore: [] });
    expect(await upload(BUILD_REPORT, '4'.repeat(40), FILES)).toMatchObject({ totals: { files: 2, lines: 2 } });
  });

  it('admin set-protected-branches sets, shows and resets the protected branches; invalid patterns are refused', async () => {
    const set = await admin('set-protected-branches', 'acme/widgets', '--branch', 'main', '--branch', 'release/*');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('acme/widgets: protected main, release/*\n');
    const bad = await admin('set-protected-branches', 'acme/widgets', '--branch', 'x//y');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid protected branches:\n {2}"x\/\/y" has an empty segment/);
    expect(JSON.parse((await admin('set-protected-branches', 'acme/widgets', '--json')).stdout)).toEqual({ repository: 'acme/widgets', protected: ['main', 'master'], configured: false });
  });

  it('options of set-paths are refused on other admin commands', async () => {
    const r = await admin('create-org', 'x', '--fix', 'a::b');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fix is an option of admin set-paths only/);
  });
});

describe('raw-upload retention', () => {
  it('deletes raw bodies of uploads finished before the retention, keeps their coverage, and leaves the rest', async () => {
    const old = await upload(BUILD_REPORT, '5'.repeat(40), FILES);
    const recent = await upload(BUILD_REPORT, '6'.repeat(40), FILES);
    const longAgo = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await s.runtime.db.updateTable('uploads').set({ finished_at: longAgo }).where('id', '=', old.id as string).execute();
    expect(await s.runtime.blobs.has(rawUploadKey(old.id as string))).toBe(true);

    const r = await admin('prune-raw-uploads', '--json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toEqual({ uploads: 1, rawUploadDays: 30 });
    expect(await s.runtime.blobs.has(rawUploadKey(old.id as string))).toBe(false);
    expect(await s.runtime.blobs.has(rawUploadKey(recent.id as string))).toBe(true);
    const row = await s.runtime.db.selectFrom('uploads').select(['raw_deleted_at', 'state']).where('id', '=', old.id as string).executeTakeFirstOrThrow();
    expect(row.state).toBe('processed');
    expect(row.raw_deleted_at).not.toBeNull();
    // Its coverage is untouched: the commit still answers with the upload's totals.
    const totals = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${'5'.repeat(40)}/totals`, headers: { authorization: `Bearer ${s.readToken}` } });
    expect(totals.json()).toMatchObject({ uploads: 1, totals: old.totals });
    // A second sweep finds nothing more.
    expect(JSON.parse((await admin('prune-raw-uploads', '--json')).stdout)).toEqual({ uploads: 0, rawUploadDays: 30 });
  });
});
