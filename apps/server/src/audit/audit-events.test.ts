import { createHash, generateKeyPairSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubClaims, HEAD_SHA, PUBLIC_URL, startTestIssuer, type TestIssuer } from '../../test/oidc-test-issuer.js';
import { envelope, gz, LCOV, startTestServer, uploadHeaders, type TestServer } from '../../test/test-server.js';
import { run } from '../cli/run.js';
import { createServices } from '../services.js';
import { generateToken } from '../tokens/token-format.js';
import type { AuditRecord } from './chain.js';

/**
 * The events wired today, through the real app and commands: admin changes (with the operator), and
 * refused requests on the upload routes (with address, user agent and token hash prefix). No
 * record, and no line of an export, ever holds a credential: every token and ID token used here is
 * looked for in the stored rows and in the export.
 */
let issuer: TestIssuer;
let s: TestServer;
const dir = mkdtempSync(path.join(tmpdir(), 'cw-audit-events-'));
const keyFile = path.join(dir, 'audit-signing.pem');
const checkpointFile = path.join(dir, 'checkpoints.jsonl');
/** Every credential this suite sends or creates: none may reach the audit log. */
const secrets: string[] = [];

beforeAll(async () => {
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  issuer = await startTestIssuer();
  s = await startTestServer({ env: { COVERWATCH_PUBLIC_URL: PUBLIC_URL, COVERWATCH_OIDC_ISSUERS: `github=${issuer.url}` } });
  secrets.push(s.uploadToken, s.readToken, s.otherUploadToken, s.otherReadToken);
  await createServices(s.config, s.runtime).admin.linkRepo('acme/widgets', { issuer: issuer.url, repositoryId: '123456789', ownerId: '4242' });
});
afterAll(async () => {
  await s?.close();
  await issuer?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function records(): Promise<AuditRecord[]> {
  const rows = await s.runtime.db.selectFrom('audit_log').select('record_json').orderBy('seq').execute();
  return rows.map((r) => JSON.parse(r.record_json) as AuditRecord);
}

async function lastRecord(event: string): Promise<AuditRecord> {
  const found = (await records()).filter((r) => r.event === event);
  expect(found.length, `no ${event} record`).toBeGreaterThan(0);
  return found[found.length - 1]!;
}

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(
    {
      argv,
      env: { COVERWATCH_DATA_DIR: s.config.dataDir, COVERWATCH_LOG_LEVEL: 'silent', COVERWATCH_OIDC_ISSUERS: `github=${issuer.url}`, COVERWATCH_AUDIT_SIGNING_KEY_FILE: keyFile, COVERWATCH_AUDIT_CHECKPOINT_FILE: checkpointFile },
      cwd: dir,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    },
    new EventEmitter(),
  );
  return { code, stdout, stderr };
}

const prefix = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 16);

describe('admin changes are recorded with the operator', () => {
  it('the test server setup: organization, repositories, tokens (hash prefix only) and the OIDC link', async () => {
    const all = await records();
    expect(all.map((r) => r.event).slice(0, 8)).toEqual(['org.created', 'repo.created', 'repo.created', 'token.created', 'token.created', 'token.created', 'token.created', 'repo.oidc_linked']);
    expect(all.map((r) => r.seq).slice(0, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const token = all[3]!;
    expect(token).toMatchObject({
      v: 1,
      outcome: 'success',
      actor: { type: 'operator', name: expect.any(String) },
      source: { host: expect.any(String) },
      target: { type: 'token', id: expect.any(String) },
      details: { kind: 'upload', repository: 'acme/widgets', tokenHash: prefix(s.uploadToken) },
    });
    expect(token.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(all[7]!.details).toMatchObject({ issuer: issuer.url, externalRepositoryId: '123456789', externalOwnerId: '4242' });
  });

  it('admin commands through the command line: create-org, set-paths, link-repo (owner change), prune-raw-uploads', async () => {
    expect((await cli('admin', 'create-org', 'globex')).code).toBe(0);
    expect(await lastRecord('org.created')).toMatchObject({ target: { type: 'organization', name: 'globex' }, actor: { type: 'operator' } });
    expect((await cli('admin', 'set-paths', 'acme/widgets', '--fix', 'build/::src/', '--ignore', '**/gen/**')).code).toBe(0);
    expect((await lastRecord('repo.path_rules_changed')).details).toEqual({ before: { fixes: [], ignore: [] }, after: { fixes: ['build/::src/'], ignore: ['**/gen/**'] } });
    const link = await cli('admin', 'link-repo', 'acme/widgets', '--issuer', issuer.url, '--repository-id', '123456789', '--owner-id', '5151');
    expect(link.code, link.stderr).toBe(0);
    expect((await lastRecord('repo.oidc_link_updated')).details).toMatchObject({ externalOwnerId: { before: '4242', after: '5151' } });
    await cli('admin', 'link-repo', 'acme/widgets', '--issuer', issuer.url, '--repository-id', '123456789', '--owner-id', '4242');
    expect((await cli('admin', 'prune-raw-uploads')).code).toBe(0);
    expect(await lastRecord('retention.raw_uploads_pruned')).toMatchObject({ details: { uploads: 0, rawUploadDays: 90 } });
    const created = await cli('admin', 'create-upload-token', 'acme/other', '--json');
    secrets.push((JSON.parse(created.stdout) as { token: string }).token);
    expect((await lastRecord('token.created')).details).toMatchObject({ repository: 'acme/other', tokenHash: prefix(secrets[secrets.length - 1]!) });
  });

  it('a refused admin command records nothing', async () => {
    const before = (await records()).length;
    expect((await cli('admin', 'create-org', 'globex')).code).toBe(5);
    expect((await records()).length).toBe(before);
  });
});

describe('refused requests on the upload routes are recorded', () => {
  const post = (headers: Record<string, string>) => s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...headers }, payload: gz(envelope(LCOV)) });

  it('no token, an unknown token, the wrong kind, a malformed credential: status, code, address, user agent, token hash prefix', async () => {
    expect((await post({ 'user-agent': 'curl/8.0' })).statusCode).toBe(401);
    expect(await lastRecord('upload.rejected')).toMatchObject({
      outcome: 'denied',
      actor: { type: 'anonymous' },
      source: { ip: '127.0.0.1', userAgent: 'curl/8.0', credential: 'none' },
      details: { method: 'POST', route: '/api/v1/uploads', status: 401, phase: 'authentication', code: 'CW_ERR_AUTH_TOKEN_MISSING' },
    });

    const unknown = generateToken('upload');
    secrets.push(unknown);
    expect((await post({ authorization: `Bearer ${unknown}` })).statusCode).toBe(401);
    expect(await lastRecord('upload.rejected')).toMatchObject({ source: { credential: 'upload-token', tokenHash: prefix(unknown) }, details: { status: 401, code: 'CW_ERR_AUTH_TOKEN_INVALID' } });

    expect((await post({ authorization: `Bearer ${s.readToken}` })).statusCode).toBe(403);
    expect(await lastRecord('upload.rejected')).toMatchObject({ source: { credential: 'read-token', tokenHash: prefix(s.readToken) }, details: { status: 403, code: 'CW_ERR_AUTH_FORBIDDEN' } });

    // Not a credential of ours: described, never hashed (a short password's hash could be reversed).
    secrets.push('hunter2-password');
    expect((await post({ authorization: 'Bearer hunter2-password' })).statusCode).toBe(401);
    const malformed = await lastRecord('upload.rejected');
    expect(malformed.source).toEqual({ ip: '127.0.0.1', credential: 'malformed', userAgent: 'lightMyRequest' });
  });

  it('a credential smuggled into the user agent is scrubbed', async () => {
    const canary = generateToken('upload');
    secrets.push(canary);
    await post({ authorization: `Bearer ${canary}`, 'user-agent': `evil ${canary} Bearer ${canary}` });
    expect((await lastRecord('upload.rejected')).source.userAgent).toBe('evil [redacted token] Bearer [redacted token]');
  });

  it('upload status reads are upload routes too (the route pattern, not the URL, is kept); read routes are not recorded', async () => {
    const r = await s.app.inject({ method: 'GET', url: '/api/v1/uploads/00000000-0000-4000-8000-000000000000', headers: { authorization: 'Bearer nope' } });
    expect(r.statusCode).toBe(401);
    expect((await lastRecord('upload.rejected')).details).toMatchObject({ method: 'GET', route: '/api/v1/uploads/:id' });
    const before = (await records()).length;
    expect((await s.app.inject({ method: 'GET', url: '/api/v1/repos/acme/widgets', headers: { authorization: 'Bearer nope' } })).statusCode).toBe(401);
    expect((await records()).length).toBe(before);
  });

  it('OIDC refusals: while authenticating (unlinked repository), and after it (the envelope names another commit)', async () => {
    const unlinked = await issuer.sign(githubClaims(issuer.url, { repository_id: '999', repository: 'evil/fork' }));
    secrets.push(unlinked);
    expect((await post({ authorization: `Bearer ${unlinked}` })).statusCode).toBe(403);
    expect(await lastRecord('upload.rejected')).toMatchObject({ source: { credential: 'oidc-id-token', tokenHash: prefix(unlinked) }, details: { status: 403, code: 'CW_ERR_AUTH_OIDC_NOT_LINKED' } });

    const jwt = await issuer.sign(githubClaims(issuer.url));
    secrets.push(jwt);
    const r = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(jwt), payload: gz(envelope(LCOV, { commit: { sha: 'd'.repeat(40), branch: 'main' } })) });
    expect(r.json()).toMatchObject({ error: { code: 'CW_ERR_AUTH_OIDC_COMMIT_MISMATCH' } });
    // Recorded when the answer is sent, after the hook.
    let after: AuditRecord | undefined;
    for (let i = 0; i < 100 && after === undefined; i++) {
      after = (await records()).find((x) => x.event === 'upload.rejected' && x.details.phase === 'after-authentication');
      if (after === undefined) await new Promise((done) => setTimeout(done, 20));
    }
    expect(after).toMatchObject({
      actor: { type: 'oidc', name: 'acme/widgets' },
      source: { credential: 'oidc-id-token', tokenHash: prefix(jwt) },
      details: { status: 403, phase: 'after-authentication', oidc: { issuer: issuer.url, sha: HEAD_SHA, slug: 'acme/widgets' } },
    });
  });

  it('an accepted upload records one upload.received (what the alert rules read), nothing else', async () => {
    const before = (await records()).length;
    expect((await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope(LCOV)) })).statusCode).toBe(202);
    await new Promise((done) => setTimeout(done, 50));
    const after = await records();
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ event: 'upload.received', actor: { type: 'token' } });
    expect(JSON.stringify(after.at(-1))).not.toContain(s.uploadToken);
  });
});

describe('export, checkpoint and verify from the command line', () => {
  it('checkpoint, export, verify offline with the public key; a tampered export fails naming the record; no credential anywhere', async () => {
    const cp = await cli('audit', 'checkpoint');
    expect(cp.code, cp.stderr).toBe(0);
    expect(cp.stdout).toMatch(/^signed a checkpoint of record \d+ .*; sent to file /);
    const saved = readFileSync(checkpointFile, 'utf8').trim().split('\n');
    expect(saved).toHaveLength(1);
    const pub = await cli('audit', 'public-key');
    expect(pub.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(pub.stdout).not.toContain('PRIVATE');
    writeFileSync(path.join(dir, 'audit.pub.pem'), pub.stdout);

    const exported = await cli('audit', 'export');
    expect(exported.code, exported.stderr).toBe(0);
    writeFileSync(path.join(dir, 'audit.jsonl'), exported.stdout);
    const rows = (await s.runtime.db.selectFrom('audit_log').select('record_json').execute()).map((r) => r.record_json).join('\n');
    for (const secret of secrets) {
      expect(rows).not.toContain(secret);
      expect(exported.stdout).not.toContain(secret);
      // Nor a recognisable part of one (the random body of a token, a JWT's signature).
      expect(exported.stdout).not.toContain(secret.slice(6, 30));
      expect(exported.stdout).not.toContain(secret.split('.').pop()!.slice(0, 24));
    }
    expect(exported.stdout).not.toContain('PRIVATE KEY');

    const ok = await cli('audit', 'verify', 'audit.jsonl', '--checkpoint', checkpointFile, '--public-key', 'audit.pub.pem');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^audit export verified: records 1\.\.\d+ \(\d+\), head hash [0-9a-f]{64}\ncheckpoints: 1 verified with the given public keys, the latest for record \d+/);
    const json = await cli('audit', 'verify', 'audit.jsonl', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, checkpoints: { verified: 1 } });

    const lines = exported.stdout.trim().split('\n');
    const i = lines.findIndex((l) => l.includes('"event":"org.created"') && l.includes('globex'));
    lines[i] = lines[i]!.replace('globex', 'initech');
    writeFileSync(path.join(dir, 'tampered.jsonl'), lines.join('\n') + '\n');
    const bad = await cli('audit', 'verify', 'tampered.jsonl', '--public-key', 'audit.pub.pem');
    const seq = (JSON.parse(lines[i]!) as { record: { seq: number } }).record.seq;
    expect(bad.code).toBe(5);
    expect(bad.stdout).toContain('audit export FAILED verification:');
    expect(bad.stderr).toContain(`CW_ERR_AUDIT_VERIFY_FAILED: export line ${i + 1} (record ${seq}): record ${seq} does not match its hash: it was altered`);

    // Records added later: an export --since the checkpoint verifies on its own.
    await cli('admin', 'create-org', 'umbrella');
    const later = await cli('audit', 'export', '--since', String(JSON.parse(saved[0]!).checkpoint.seq));
    writeFileSync(path.join(dir, 'later.jsonl'), later.stdout);
    const laterOk = await cli('audit', 'verify', 'later.jsonl', '--public-key', 'audit.pub.pem');
    expect(laterOk.code, laterOk.stdout + laterOk.stderr).toBe(0);
    expect(laterOk.stdout).toContain('whose hash is taken from the export');
  });

  it('options belong to their commands; verify needs readable files', async () => {
    expect((await cli('admin', 'create-org', 'x', '--since', '3')).stderr).toContain('--since is an option of audit commands only');
    expect((await cli('audit', 'export', '--issuer', 'https://x')).stderr).toContain('--issuer is an option of admin commands only');
    expect((await cli('audit', 'export', '--public-key', 'k.pem')).stderr).toContain('--public-key is an option of audit verify only');
    expect((await cli('audit', 'export', '--since', 'abc')).stderr).toContain('--since must be a sequence number');
    expect((await cli('audit', 'verify', 'missing.jsonl')).stderr).toContain('cannot read missing.jsonl: ENOENT');
    expect((await cli('audit', 'verify')).code).toBe(2);
    expect((await cli('audit', '--help')).stdout).toContain('coverwatch-server audit <command>');
    const noKey = await run(
      { argv: ['audit', 'checkpoint'], env: { COVERWATCH_DATA_DIR: s.config.dataDir }, cwd: dir, stdout: { write: () => true }, stderr: { write: () => true } },
      new EventEmitter(),
    );
    expect(noKey).toBe(2);
  });
});
