import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY } from '../../src/upload/http/retry.js';
import { UploadClient } from '../../src/upload/upload-client.js';

/** The client's handling of answers a real server gives rarely: expired ID tokens, hostile text, non-UUID ids. */
const ID = '0b7c5a52-8d7f-4a8e-9a53-1f2b3c4d5e6f';
let server: http.Server;
let base: URL;
const seen: string[] = [];
let answers: { status: number; body: unknown }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    const a = answers.shift() ?? { status: 500, body: {} };
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
});
afterAll(() => new Promise((r) => server.close(r)));

const status = { id: ID, repository: 'acme/widgets', commitSha: 'a'.repeat(40), state: 'processing', flags: [], name: null, createdAt: 'x', processedAt: null, error: null, diagnostics: [], totals: null };

function client(refresh?: () => Promise<string>) {
  return new UploadClient({
    base,
    credential: 'first.jwt.token',
    transport: { timeoutMs: 5000 },
    retry: { ...DEFAULT_RETRY, attempts: 1 },
    hooks: { sleep: async () => {}, random: () => 0 },
    log: () => {},
    ...(refresh ? { refreshCredential: refresh } : {}),
  });
}

describe('UploadClient', () => {
  it('mints a new ID token once when the first expired while waiting', async () => {
    seen.length = 0;
    answers = [{ status: 401, body: { error: { code: 'CW_ERR_AUTH_OIDC_EXPIRED', message: 'expired' } } }, { status: 200, body: status }];
    let minted = 0;
    expect((await client(async () => `second.jwt.${++minted}`).getUpload(ID)).state).toBe('processing');
    expect(seen).toEqual(['Bearer first.jwt.token', 'Bearer second.jwt.1']);
  });

  it('without a way to mint one, an expired token is an auth error (exit 7)', async () => {
    answers = [{ status: 401, body: { error: { code: 'CW_ERR_AUTH_OIDC_EXPIRED', message: 'expired' } } }];
    await expect(client().getUpload(ID)).rejects.toMatchObject({ kind: 'auth', exitCode: 7 });
  });

  it("strips control characters from the server's words (no terminal escapes, no CI workflow commands)", async () => {
    answers = [{ status: 400, body: { error: { code: 'CW_ERR_X', message: 'bad\n::add-mask::x\u001b[31m red' } } }];
    const e = (await client()
      .getUpload(ID)
      .then(() => new Error('no error'))
      .catch((err: Error) => err)) as Error;
    expect(e.message).toContain('bad?::add-mask::x?[31m red');
    expect(e.message).not.toContain('\n');
    expect(e.message).not.toContain(String.fromCharCode(27));
  });

  it('refuses an answer whose upload id is not a UUID', async () => {
    answers = [{ status: 200, body: { ...status, id: '../../etc' } }];
    await expect(client().getUpload(ID)).rejects.toMatchObject({ kind: 'server', message: expect.stringMatching(/not a UUID/) });
  });
});
