import { randomUUID } from 'node:crypto';
import { base64url } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubClaims, gitlabClaims, HEAD_SHA, MERGE_SHA, PUBLIC_URL, startTestIssuer, type TestIssuer } from '../../test/oidc-test-issuer.js';
import { envelope, gz, LCOV, startTestServer, uploadHeaders, waitForUpload, type TestServer } from '../../test/test-server.js';
import { run } from '../cli/run.js';
import { createServices } from '../services.js';

let github: TestIssuer;
let gitlab: TestIssuer;
let s: TestServer;

beforeAll(async () => {
  [github, gitlab] = await Promise.all([startTestIssuer(), startTestIssuer()]);
  s = await startTestServer({ worker: true, env: { COVERWATCH_PUBLIC_URL: PUBLIC_URL, COVERWATCH_OIDC_ISSUERS: `github=${github.url},gitlab=${gitlab.url}` } });
  const { admin } = createServices(s.config, s.runtime);
  await admin.linkRepo('acme/widgets', { issuer: github.url, repositoryId: '123456789', ownerId: '4242' });
  await admin.linkRepo('acme/other', { issuer: gitlab.url, repositoryId: '9001', ownerId: '77' });
});
afterAll(async () => {
  await s?.close();
  await Promise.all([github?.close(), gitlab?.close()]);
});

/** An upload of LCOV for `commit` (the token's sha by default). */
function body(commit: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return gz(envelope(LCOV, { commit: { sha: HEAD_SHA, branch: 'main', ...commit }, ...extra }));
}

function post(jwt: string, payload: Buffer = body(), more: Record<string, string> = {}) {
  return s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(jwt, more), payload });
}

/** Expects the refusal every auth error has: status, code, `{error: {code, message}}`, and no part of the token in it. */
function expectRefusal(r: Awaited<ReturnType<typeof post>>, status: number, code: string, jwt: string): void {
  expect(r.statusCode, r.body).toBe(status);
  expect(r.json()).toEqual({ error: { code, message: expect.any(String) } });
  for (const part of jwt.split('.')) if (part.length > 8) expect(r.body).not.toContain(part);
}

describe('uploads with OIDC ID tokens', () => {
  it('accepts a GitHub token of a linked repository end to end: 202, then processed, status readable with the same token', async () => {
    const jwt = await github.sign(githubClaims(github.url));
    const r = await post(jwt, body({}, { repository: { slug: 'acme/widgets' } }), { 'idempotency-key': 'gh-1' });
    expect(r.statusCode, r.body).toBe(202);
    const status = await waitForUpload(s.app, jwt, r.json().id);
    expect(status).toMatchObject({ repository: 'acme/widgets', commitSha: HEAD_SHA, state: 'processed', error: null });
    const totals = await s.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${HEAD_SHA}/totals`, headers: { authorization: `Bearer ${s.readToken}` } });
    expect(totals.json()).toMatchObject({ uploads: 1, totals: { lines: 3 } });
  });

  it('accepts a GitLab token (project_id, namespace_id, project_path) for the repository linked to it', async () => {
    const jwt = await gitlab.sign(gitlabClaims(gitlab.url, { project_path: 'acme/other' }));
    const r = await post(jwt, body({}, { repository: { slug: 'acme/other' } }));
    expect(r.statusCode, r.body).toBe(202);
    expect(await waitForUpload(s.app, jwt, r.json().id)).toMatchObject({ repository: 'acme/other', state: 'processed' });
  });

  it('a token is used once: a second upload with it is refused (401); only a retry with the same Idempotency-Key gets the first upload back', async () => {
    const jwt = await github.sign(githubClaims(github.url));
    const first = await post(jwt, body(), { 'idempotency-key': 'retry-1' });
    expect(first.statusCode).toBe(202);
    const retry = await post(jwt, body(), { 'idempotency-key': 'retry-1' });
    expect(retry.statusCode).toBe(202);
    expect(retry.json().id).toBe(first.json().id);
    expectRefusal(await post(jwt, body(), { 'idempotency-key': 'retry-2' }), 401, 'CW_ERR_AUTH_OIDC_REPLAY', jwt);
    expectRefusal(await post(jwt), 401, 'CW_ERR_AUTH_OIDC_REPLAY', jwt);
    const bare = await github.sign(githubClaims(github.url));
    expect((await post(bare)).statusCode).toBe(202);
    expectRefusal(await post(bare), 401, 'CW_ERR_AUTH_OIDC_REPLAY', bare);
  });

  it("a token reads upload states of its repository (as an upload token does), without being used up; never another repository's", async () => {
    const same = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope(LCOV)) });
    const other = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.otherUploadToken), payload: gz(envelope(LCOV)) });
    const jwt = await github.sign(githubClaims(github.url));
    // A fresh token (the uploader mints one when the first expires during --wait) reads the state...
    const read = await s.app.inject({ method: 'GET', url: same.json().statusUrl, headers: { authorization: `Bearer ${jwt}` } });
    expect(read.statusCode).toBe(200);
    // ...and is still good for its one upload afterwards.
    expect((await post(jwt)).statusCode).toBe(202);
    const r = await s.app.inject({ method: 'GET', url: other.json().statusUrl, headers: { authorization: `Bearer ${jwt}` } });
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('CW_ERR_UPLOAD_NOT_FOUND');
  });

  it('refuses a token whose repository id is not linked (403)', async () => {
    const jwt = await github.sign(githubClaims(github.url, { repository_id: '555' }));
    const r = await post(jwt);
    expectRefusal(r, 403, 'CW_ERR_AUTH_OIDC_NOT_LINKED', jwt);
    expect(r.json().error.message).toContain('admin link-repo OWNER/NAME --issuer');
  });

  it('refuses a linked repository id whose owner id changed (transferred, or the name re-registered) (403)', async () => {
    const jwt = await github.sign(githubClaims(github.url, { repository_owner_id: '9999' }));
    expectRefusal(await post(jwt), 403, 'CW_ERR_AUTH_OIDC_OWNER_MISMATCH', jwt);
  });

  it("refuses an envelope whose repository.slug is not the token's repository (403)", async () => {
    const jwt = await github.sign(githubClaims(github.url));
    expectRefusal(await post(jwt, body({}, { repository: { slug: 'acme/other' } })), 403, 'CW_ERR_AUTH_OIDC_SLUG_MISMATCH', jwt);
  });

  it("refuses a commit other than the token's sha (403)", async () => {
    const jwt = await github.sign(githubClaims(github.url));
    expectRefusal(await post(jwt, body({ sha: 'd'.repeat(40) })), 403, 'CW_ERR_AUTH_OIDC_COMMIT_MISMATCH', jwt);
  });

  it("accepts the PR head when the token's sha is its merge commit (commit.mergeSha), only on a pull request", async () => {
    const claims = { sha: MERGE_SHA, ref: 'refs/pull/7/merge' };
    const without = await github.sign(githubClaims(github.url, claims));
    expectRefusal(await post(without, body({ mergeSha: MERGE_SHA })), 403, 'CW_ERR_AUTH_OIDC_COMMIT_MISMATCH', without);
    const jwt = await github.sign(githubClaims(github.url, claims));
    const r = await post(jwt, body({ mergeSha: MERGE_SHA, branch: 'feature', pullRequest: { number: 7, baseBranch: 'main' } }));
    expect(r.statusCode, r.body).toBe(202);
    expect(await waitForUpload(s.app, jwt, r.json().id)).toMatchObject({ commitSha: HEAD_SHA, state: 'processed' });
  });

  it('refuses, before reading the body (401), tokens that fail verification', async () => {
    const attacker = await startTestIssuer();
    try {
      const now = Math.floor(Date.now() / 1000);
      const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
      const cases: [string, string][] = [
        ['CW_ERR_AUTH_OIDC_ISSUER_UNKNOWN', await attacker.sign(githubClaims(attacker.url))],
        ['CW_ERR_AUTH_OIDC_INVALID', await github.sign(githubClaims(github.url), { key: attacker.privateKey })],
        ['CW_ERR_AUTH_OIDC_INVALID', await github.sign(githubClaims(github.url), { key: attacker.privateKey, header: { jku: `${attacker.url}/jwks`, kid: attacker.kid } })],
        ['CW_ERR_AUTH_OIDC_INVALID', `${enc({ alg: 'none' })}.${enc(githubClaims(github.url))}.`],
        ['CW_ERR_AUTH_OIDC_AUDIENCE', await github.sign(githubClaims(github.url, { aud: 'https://elsewhere.test' }))],
        ['CW_ERR_AUTH_OIDC_EXPIRED', await github.sign(githubClaims(github.url, { iat: now - 600, exp: now - 120 }))],
        ['CW_ERR_AUTH_OIDC_NOT_YET_VALID', await github.sign(githubClaims(github.url, { nbf: now + 600 }))],
        ['CW_ERR_AUTH_OIDC_EXPIRED', await github.sign(githubClaims(github.url, { iat: now - 2000, exp: now + 600 }))],
        ['CW_ERR_AUTH_OIDC_CLAIMS', await github.sign(githubClaims(github.url, { repository_id: undefined }))],
      ];
      for (const [code, jwt] of cases) {
        // Not gzip: had the body been read, the answer would be 400 CW_ERR_UPLOAD_BAD_GZIP.
        expectRefusal(await post(jwt, Buffer.from('not gzip')), 401, code, jwt);
      }
      expect(attacker.requests).toEqual([]);
    } finally {
      await attacker.close();
    }
  });

  it('an ID token is refused on routes that do not take one', async () => {
    const jwt = await github.sign(githubClaims(github.url));
    const r = await s.app.inject({ method: 'GET', url: '/api/v1/repos/acme/widgets', headers: { authorization: `Bearer ${jwt}` } });
    expectRefusal(r, 401, 'CW_ERR_AUTH_TOKEN_INVALID', jwt);
    expect(r.json().error.message).toContain('does not accept OIDC ID tokens');
  });

  it('/api/docs lists OIDC on the upload routes', async () => {
    const doc = (await s.app.inject({ method: 'GET', url: '/api/docs' })).json();
    // Organization upload tokens (cw_oup_) and read-write personal tokens upload too (docs/security.md#tokens-of-users-and-organizations).
    expect(doc.paths['/api/v1/uploads'].post['x-coverwatch-tokens']).toEqual(['upload', 'org_upload', 'personal', 'oidc']);
    expect(doc.paths['/api/v1/uploads/{id}'].get['x-coverwatch-tokens']).toEqual(['upload', 'read', 'org_upload', 'personal', 'oidc']);
  });
});

describe('OIDC without publicUrl', () => {
  it('refuses every ID token with a clear error (401 CW_ERR_AUTH_OIDC_DISABLED); upload tokens keep working', async () => {
    const bare = await startTestServer({ env: { COVERWATCH_OIDC_ISSUERS: `github=${github.url}` } });
    try {
      const jwt = await github.sign(githubClaims(github.url));
      const r = await bare.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(jwt), payload: body() });
      expectRefusal(r, 401, 'CW_ERR_AUTH_OIDC_DISABLED', jwt);
      expect(r.json().error.message).toContain('COVERWATCH_PUBLIC_URL');
      const ok = await bare.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(bare.uploadToken), payload: body() });
      expect(ok.statusCode).toBe(202);
    } finally {
      await bare.close();
    }
  });
});

describe('coverwatch-server admin link-repo', () => {
  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await run(
      {
        argv,
        env: { COVERWATCH_DATA_DIR: s.config.dataDir, COVERWATCH_LOG_LEVEL: 'silent', COVERWATCH_OIDC_ISSUERS: `github=${github.url}` },
        cwd: s.config.dataDir,
        stdout: { write: (t: string) => (stdout += t) },
        stderr: { write: (t: string) => (stderr += t) },
      },
      new (await import('node:events')).EventEmitter(),
    );
    return { code, stdout, stderr };
  }

  it('links with --json, and the link takes effect for the running server', async () => {
    const id = String(1000 + Math.floor(Math.random() * 1000));
    const r = await cli('admin', 'link-repo', 'acme/other', '--issuer', github.url, '--repository-id', id, '--owner-id', '31', '--json');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ repository: 'acme/other', issuer: github.url, kind: 'github', repositoryId: id, ownerId: '31', state: 'created' });
    const jwt = await github.sign(githubClaims(github.url, { repository_id: id, repository_owner_id: '31', repository: 'acme/other', jti: randomUUID() }));
    expect((await post(jwt)).statusCode).toBe(202);
  });

  it('refuses missing options, and link-repo options on other commands (exit 2)', async () => {
    const missing = await cli('admin', 'link-repo', 'acme/other', '--issuer', github.url);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--repository-id, --owner-id');
    expect((await cli('admin', 'create-org', 'x', '--issuer', github.url)).code).toBe(2);
    expect((await cli('serve', '--owner-id', '1')).code).toBe(2);
  });
});
