import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport, reportTotals } from '@coverwatch/core';
import { environmentFrom } from '../apps/cli/src/env/environment.js';
import { run } from '../apps/cli/src/run.js';
import { createServices } from '../apps/server/src/services.js';
import { githubClaims, startTestIssuer, type TestIssuer } from '../apps/server/test/oidc-test-issuer.js';
import { startTestServer, type TestServer } from '../apps/server/test/test-server.js';
import { fixturesDir } from '../packages/core/test/fixtures-dir.js';
import { git, makeRepo } from './support/git-repo.js';
import { makeTestCa, type TestCa } from './support/test-ca.js';

/**
 * OIDC from end to end, no stored secret anywhere: the uploader on a GitHub Actions pull-request
 * build asks "GitHub" (a local token service signing as a local issuer) for an ID token, the real
 * server verifies it against the issuer's key set and the repository link, accepts the PR head
 * because the token's sha is its merge commit, processes the upload, and answers the --wait polls.
 */
let ca: TestCa;
let issuer: TestIssuer;
let server: TestServer;
let publicUrl: string;
let tokenService: https.Server;
let tokenUrl: string;
let repo: { dir: string; head: string };
let mergeSha: string;
let baseSha: string;
const tokensIssued: Record<string, unknown>[] = [];

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  ca = await makeTestCa();
  issuer = await startTestIssuer();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  server = await startTestServer({ worker: true, env: { COVERWATCH_PUBLIC_URL: publicUrl, COVERWATCH_OIDC_ISSUERS: `github=${issuer.url}` } });
  await server.app.listen({ port, host: '127.0.0.1' });
  await createServices(server.config, server.runtime).admin.linkRepo('acme/widgets', { issuer: issuer.url, repositoryId: '123456789', ownerId: '4242' });

  // A PR: main has A and B; the PR branch has C (from A); CI builds the merge M = merge(B, C).
  // The repository holds every file the report names, so paths resolve and totals compare whole.
  const report = readFileSync(path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info'), 'utf8');
  const files = [...new Set([...report.matchAll(/^SF:\/home\/runner\/work\/gcc-cjson\/(.+)$/gm)].map((m) => m[1]!))];
  repo = await makeRepo(files);
  await git(repo.dir, 'checkout', '-q', '-b', 'feature');
  copyFileSync(path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info'), path.join(repo.dir, 'coverage.info'));
  await git(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'feature work');
  const head = await git(repo.dir, 'rev-parse', 'HEAD');
  await git(repo.dir, 'checkout', '-q', 'main');
  await git(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'main moves on');
  baseSha = await git(repo.dir, 'rev-parse', 'HEAD');
  await git(repo.dir, 'checkout', '-q', '--detach');
  await git(repo.dir, 'merge', '-q', '--no-ff', '-m', 'Merge feature', 'feature');
  mergeSha = await git(repo.dir, 'rev-parse', 'HEAD');
  repo = { dir: repo.dir, head };

  // "GitHub's" token service: mints an ID token for the audience asked, about the commit it built (the merge).
  tokenService = https.createServer({ key: ca.key, cert: ca.cert }, async (req, res) => {
    const aud = new URL(req.url ?? '/', 'https://x').searchParams.get('audience');
    const claims = githubClaims(issuer.url, { aud, sha: mergeSha, ref: 'refs/pull/7/merge', sub: 'repo:acme/widgets:pull_request' });
    tokensIssued.push(claims);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ value: await issuer.sign(claims) }));
  });
  await new Promise<void>((r) => tokenService.listen(0, '127.0.0.1', r));
  tokenUrl = `https://127.0.0.1:${(tokenService.address() as AddressInfo).port}/idtoken?api-version=2.0`;
});

afterAll(async () => {
  tokenService?.closeAllConnections();
  await new Promise((r) => tokenService?.close(r));
  await server?.close();
  await issuer?.close();
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
  rmSync(ca.dir, { recursive: true, force: true });
});

async function upload(more: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(['upload', '-f', 'coverage.info', '--ca-file', ca.caFile, '--wait', '--json'], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: repo.dir,
    env: environmentFrom({
      PATH: process.env.PATH,
      HOME: repo.dir,
      COVERWATCH_URL: publicUrl,
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_SHA: mergeSha,
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_HEAD_REF: 'feature',
      GITHUB_BASE_REF: 'main',
      GITHUB_REPOSITORY: 'acme/widgets',
      GITHUB_RUN_ID: '555',
      GITHUB_SERVER_URL: 'https://github.com',
      ACTIONS_ID_TOKEN_REQUEST_URL: tokenUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-bearer',
      ...more,
    }),
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
  });
  return { code, stdout, stderr };
}

describe('OIDC upload from the CLI to the server', () => {
  it('a pull-request build: the PR head is stored, authorised by a token about its merge commit', async () => {
    const r = await upload();
    expect(r.code, r.stderr).toBe(0);
    expect(tokensIssued.at(-1)).toMatchObject({ aud: publicUrl, sha: mergeSha });
    const out = JSON.parse(r.stdout) as { upload: { state: string }; totals: unknown };
    expect(out.upload.state).toBe('processed');
    const expected = reportTotals(parseReport(readFileSync(path.join(repo.dir, 'coverage.info')), { fileName: 'coverage.info' }).report).totals;
    expect(out.totals).toEqual(expected);

    const commit = await server.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${repo.head}/uploads`, headers: { authorization: `Bearer ${server.readToken}` } });
    expect(commit.statusCode).toBe(200);
    expect((commit.json() as { uploads: unknown[] }).uploads).toHaveLength(1);
    const pulls = await server.app.inject({ method: 'GET', url: '/api/v1/repos/acme/widgets/pulls', headers: { authorization: `Bearer ${server.readToken}` } });
    const mergeBase = await git(repo.dir, 'merge-base', repo.head, baseSha);
    expect((pulls.json() as { pullRequests: unknown[] }).pullRequests).toEqual([
      { number: 7, headBranch: 'feature', baseBranch: 'main', baseSha, mergeBaseSha: mergeBase, headSha: repo.head, updatedAt: expect.any(String) },
    ]);
    expect(r.stderr).toContain(`merge commit built by CI: ${mergeSha}`);
    expect(r.stderr).toContain(`base ${baseSha}`);
  });

  it('a repository the token does not belong to is refused (exit 7), whatever the envelope claims', async () => {
    const r = await upload({ GITHUB_REPOSITORY: 'acme/other' });
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/CW_ERR_AUTH_OIDC_SLUG_MISMATCH|CW_ERR_AUTH_OIDC/);
  });
});
