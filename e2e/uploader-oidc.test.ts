import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport, reportTotals } from '@coverwatch/core';
import { environmentFrom } from '../apps/cli/src/env/environment.js';
import { run } from '../apps/cli/src/run.js';
import { fixturesDir } from '../packages/core/test/fixtures-dir.js';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';
import { makeTestCa, type TestCa } from './support/test-ca.js';

/** The uploader's side of OIDC: where it gets the ID token on GitHub Actions and GitLab CI, and that it sends it only to the server. */
const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOmFjbWUvd2lkZ2V0cyJ9.c2lnbmF0dXJl';
const REQUEST_TOKEN = 'github-oidc-request-bearer-1234567890';
let ca: TestCa;
let server: RecordingServer;
let tokenService: https.Server;
let tokenUrl: string;
let workDir: string;
const tokenRequests: { url: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  ca = await makeTestCa();
  workDir = mkdtempSync(path.join(tmpdir(), 'cw-oidc-'));
  copyFileSync(path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info'), path.join(workDir, 'coverage.info'));
  server = await startRecordingServer(reportTotals(parseReport(readFileSync(path.join(workDir, 'coverage.info')), { fileName: 'coverage.info' }).report).totals);
  tokenService = https.createServer({ key: ca.key, cert: ca.cert }, (req, res) => {
    tokenRequests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ value: JWT, count: 1 }));
  });
  await new Promise<void>((r) => tokenService.listen(0, '127.0.0.1', r));
  tokenUrl = `https://127.0.0.1:${(tokenService.address() as AddressInfo).port}/_apis/idtoken?api-version=2.0`;
});

afterAll(async () => {
  await server?.close();
  tokenService?.closeAllConnections();
  await new Promise((r) => tokenService?.close(r));
  rmSync(workDir, { recursive: true, force: true });
  rmSync(ca.dir, { recursive: true, force: true });
});

const github = (more: Record<string, string> = {}) => ({
  GITHUB_ACTIONS: 'true',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_SHA: 'd'.repeat(40),
  GITHUB_REF: 'refs/heads/main',
  GITHUB_REPOSITORY: 'acme/widgets',
  GITHUB_RUN_ID: '99',
  GITHUB_SERVER_URL: 'https://github.com',
  ...more,
});

async function upload(args: string[], vars: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await run(['upload', '-f', 'coverage.info', ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: workDir,
    env: environmentFrom({ COVERWATCH_URL: `${server.url}/cw`, ...vars }),
    sleep: async () => {},
  });
  return { code, stdout, stderr };
}

describe('uploader OIDC', () => {
  it('on GitHub Actions without a token: asks GitHub for an ID token for this server, and sends it only to the server', async () => {
    tokenRequests.length = 0;
    const before = server.requests.length;
    const r = await upload(['--ca-file', ca.caFile, '--wait'], github({ ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN }));
    expect(r.code, r.stderr).toBe(0);
    expect(tokenRequests).toEqual([{ url: `/_apis/idtoken?api-version=2.0&audience=${encodeURIComponent(`${server.url}/cw`)}`, authorization: `Bearer ${REQUEST_TOKEN}` }]);
    const sent = server.requests.slice(before);
    expect(sent.map((q) => q.headers.authorization)).toEqual([`Bearer ${JWT}`, `Bearer ${JWT}`]);
    for (const q of sent) expect(JSON.stringify(q.headers) + q.text).not.toContain(REQUEST_TOKEN);
    expect(r.stdout + r.stderr).not.toContain(REQUEST_TOKEN);
    expect(r.stdout + r.stderr).not.toContain(JWT);
  });

  it('a token, when given, wins over OIDC (no request to GitHub)', async () => {
    tokenRequests.length = 0;
    const r = await upload([], github({ ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN, COVERWATCH_TOKEN: `cw_up_${'T'.repeat(30)}` }));
    expect(r.code, r.stderr).toBe(0);
    expect(tokenRequests).toEqual([]);
  });

  it('--oidc on GitHub without `id-token: write`: exit 7 saying which permission is missing', async () => {
    const r = await upload(['--oidc'], github());
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/permissions: \{ id-token: write \}/);
  });

  it('on GitLab CI: sends the id_tokens variable COVERWATCH_ID_TOKEN', async () => {
    const before = server.requests.length;
    const r = await upload(['--sha', 'e'.repeat(40)], { GITLAB_CI: 'true', COVERWATCH_ID_TOKEN: JWT });
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests.slice(before).map((q) => q.headers.authorization)).toEqual([`Bearer ${JWT}`]);
  });
});
