import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/tokens/token-format.js';
import { envelope, gz, LCOV, runAdminCli, startTestServer, uploadHeaders, type TestServer } from './test-server.js';

/** Token lifecycle: mandatory expiry, listing without secrets, last use, rotation with overlap, revocation, and leaked-token reports. */
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s?.close());

const admin = (...argv: string[]) => runAdminCli(s, ...argv);

async function upload(token: string, userAgent = 'coverwatch-uploader/0.1.0') {
  return s.app.inject({
    method: 'POST',
    url: '/api/v1/uploads',
    headers: { ...uploadHeaders(token), 'user-agent': userAgent },
    payload: gz(envelope(LCOV, { ci: { provider: 'github-actions', buildId: '1' } })),
  });
}

async function auditEvents(event: string) {
  const rows = await s.runtime.db.selectFrom('audit_log').select(['record_json']).where('event', '=', event).execute();
  return rows.map((r) => JSON.parse(r.record_json) as Record<string, unknown>);
}

describe('token lifecycle', () => {
  it('every token expires: 90 days by default, at most a year', async () => {
    const t = await admin('create-upload-token', 'acme/widgets');
    expect(t.code).toBe(0);
    const days = (Date.parse(String(t.json!.expiresAt)) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
    expect((await admin('create-upload-token', 'acme/widgets', '--expires-days', '366')).code).toBe(2);
    expect((await admin('create-read-token', 'acme/widgets', '--expires-days', '365')).code).toBe(0);
  });

  it('an expired token is refused with its own code', async () => {
    const t = await admin('create-upload-token', 'acme/widgets', '--expires-days', '1');
    const token = String(t.json!.token);
    expect((await upload(token)).statusCode).toBe(202);
    await s.runtime.db.updateTable('tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('token_hash', '=', hashToken(token)).execute();
    const r = await upload(token);
    expect(r.statusCode).toBe(401);
    expect(r.json().error.code).toBe('CW_ERR_AUTH_TOKEN_EXPIRED');
    expect(r.body).not.toContain(token);
  });

  it('list-tokens shows prefix and last four, expiry and last use (time, IP, user agent, CI), never the token or its hash', async () => {
    const t = await admin('create-upload-token', 'acme/widgets');
    const token = String(t.json!.token);
    expect((await upload(token)).statusCode).toBe(202);
    const l = await admin('list-tokens', 'acme/widgets');
    const text = JSON.stringify(l.json);
    expect(text).not.toContain(token);
    expect(text).not.toContain(hashToken(token));
    const mine = (l.json!.tokens as Record<string, unknown>[]).find((x) => x.id === t.json!.id)!;
    expect(mine).toMatchObject({ kind: 'upload', display: `cw_up_…${token.slice(-4)}`, revokedAt: null, lastUse: { ip: '127.0.0.1', userAgent: 'coverwatch-uploader/0.1.0', ciProvider: 'github-actions' } });
  });

  it('a use from a new context (here another user agent) is audit-logged', async () => {
    const t = await admin('create-upload-token', 'acme/widgets');
    const token = String(t.json!.token);
    await upload(token, 'coverwatch-uploader/0.1.0');
    const before = (await auditEvents('token.used_from_new_context')).length;
    await upload(token, 'curl/8.5.0');
    const after = await auditEvents('token.used_from_new_context');
    expect(after.length).toBe(before + 1);
    expect(after.at(-1)).toMatchObject({ target: { type: 'token', id: t.json!.id }, source: { userAgent: 'curl/8.5.0' } });
    expect(JSON.stringify(after)).not.toContain(token);
  });

  it('rotation creates the new token first and keeps the old one valid for the overlap', async () => {
    const old = await admin('create-upload-token', 'acme/widgets');
    const kept = await admin('rotate-token', String(old.json!.id), '--overlap-hours', '2');
    expect(kept.code).toBe(0);
    expect(kept.json).toMatchObject({ replaces: old.json!.id, kind: 'upload', repository: 'acme/widgets' });
    const overlap = (Date.parse(String(kept.json!.oldValidUntil)) - Date.now()) / 3_600_000;
    expect(overlap).toBeGreaterThan(1.9);
    expect(overlap).toBeLessThanOrEqual(2);
    expect((await upload(String(old.json!.token))).statusCode).toBe(202);
    expect((await upload(String(kept.json!.token))).statusCode).toBe(202);

    const cut = await admin('rotate-token', String(kept.json!.id), '--overlap-hours', '0');
    expect((await upload(String(kept.json!.token))).json().error.code).toBe('CW_ERR_AUTH_TOKEN_EXPIRED');
    expect((await upload(String(cut.json!.token))).statusCode).toBe(202);
    const listed = (await admin('list-tokens', 'acme/widgets')).json!.tokens as Record<string, unknown>[];
    expect(listed.find((x) => x.id === kept.json!.id)).toMatchObject({ replacedBy: cut.json!.id });
    expect((await auditEvents('token.rotated')).length).toBeGreaterThanOrEqual(2);
  });

  it('revoke-token ends a token at once', async () => {
    const t = await admin('create-upload-token', 'acme/widgets');
    expect((await admin('revoke-token', String(t.json!.id))).json).toEqual({ id: t.json!.id, state: 'revoked' });
    expect((await upload(String(t.json!.token))).json().error.code).toBe('CW_ERR_AUTH_TOKEN_INVALID');
    expect((await admin('revoke-token', String(t.json!.id))).json).toEqual({ id: t.json!.id, state: 'already revoked' });
    expect((await admin('revoke-token', '00000000-0000-4000-8000-000000000000')).code).not.toBe(0);
  });

  it('expiring-within-days lists what is about to expire', async () => {
    const soon = await admin('create-upload-token', 'acme/widgets', '--expires-days', '3');
    const listed = (await admin('list-tokens', 'acme/widgets', '--expiring-within-days', '7')).json!.tokens as { id: string }[];
    expect(listed.map((x) => x.id)).toContain(soon.json!.id);
    expect(listed.every((x) => x.id !== undefined)).toBe(true);
    const later = (await admin('list-tokens', 'acme/widgets', '--expiring-within-days', '2')).json!.tokens as { id: string }[];
    expect(later.map((x) => x.id)).not.toContain(soon.json!.id);
  });
});

describe('POST /api/v1/tokens/revoke (leaked tokens, from anyone)', () => {
  const report = (tokens: { token: string; url?: string; source?: string }[]) =>
    s.app.inject({ method: 'POST', url: '/api/v1/tokens/revoke', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ tokens }) });

  it('revokes a reported token at once, audit-logs where it was found, and answers the same whatever was reported', async () => {
    const t = await admin('create-upload-token', 'acme/widgets');
    const token = String(t.json!.token);
    const lookalike = `cw_up_${'A'.repeat(36)}`;
    const r = await report([{ token, url: 'https://github.com/acme/widgets/blob/main/.env', source: 'github-secret-scanning' }, { token: lookalike }, { token: 'not a token' }]);
    expect(r.statusCode).toBe(202);
    expect(r.json()).toEqual({ received: 3 });
    const nothing = await report([{ token: lookalike }, { token: 'x' }, { token: 'y' }]);
    expect(nothing.statusCode).toBe(202);
    expect(nothing.json()).toEqual({ received: 3 });

    expect((await upload(token)).json().error.code).toBe('CW_ERR_AUTH_TOKEN_INVALID');
    const revoked = (await auditEvents('token.revoked')).filter((e) => (e.target as { id: string }).id === t.json!.id);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]).toMatchObject({ actor: { type: 'anonymous' }, details: { reason: 'reported as leaked', reportedBy: 'github-secret-scanning', foundAt: 'https://github.com/acme/widgets/blob/main/.env' } });
    expect(JSON.stringify(revoked)).not.toContain(token);
    const listed = (await admin('list-tokens', 'acme/widgets')).json!.tokens as Record<string, unknown>[];
    expect(listed.find((x) => x.id === t.json!.id)).toMatchObject({ revokedReason: 'reported as leaked' });
  });

  it('refuses malformed reports with 400 and field paths', async () => {
    const r = await s.app.inject({ method: 'POST', url: '/api/v1/tokens/revoke', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ tokens: [] }) });
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('CW_ERR_REQUEST_INVALID');
  });
});
