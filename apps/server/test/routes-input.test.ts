import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelope, gz, LCOV, SHA, startTestServer, uploadHeaders, type TestServer } from './test-server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { COVERWATCH_UPLOAD_MAX_BODY_BYTES: '4096', COVERWATCH_UPLOAD_MAX_DECOMPRESSED_BYTES: '65536' } });
});
afterAll(async () => s.close());

const post = (payload: Buffer | string, headers = uploadHeaders(s.uploadToken)) => s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers, payload });
const read = (url: string) => s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${s.readToken}` } });

describe('POST /api/v1/uploads input', () => {
  it('lists every envelope problem by field path (400)', async () => {
    const bad = envelope(LCOV, { commit: { sha: 'ABC' }, flags: ['ok', 'no spaces'], reports: [{ name: 'x', format: 'nope', data: 'AA==' }], extra: 1 });
    const r = await post(gz(bad));
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body.error.code).toBe('CW_ERR_REQUEST_INVALID');
    expect(body.error.fields).toEqual([
      { path: 'body.commit.sha', message: 'expected a full lower-case hex commit sha (40 or 64 characters)' },
      { path: 'body.flags.1', message: 'letters, digits, ".", "_" and "-" only, at most 64' },
      { path: 'body', message: 'Unrecognized key: "extra"' },
    ]);
  });

  it('refuses a format core does not know, by path', async () => {
    const r = await post(gz(envelope(LCOV, { reports: [{ name: 'a', data: 'AA==' }, { name: 'b', format: 'nope', data: 'AA==' }] })));
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields).toEqual([{ path: 'body.reports.1.format', message: expect.stringMatching(/^unknown format "nope"; known: lcov, /) }]);
  });

  it('needs gzip JSON', async () => {
    const plain = await post(JSON.stringify(envelope(LCOV)), { ...uploadHeaders(s.uploadToken), 'content-encoding': 'identity' });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error.code).toBe('CW_ERR_UPLOAD_MEDIA_TYPE');
    const notGzip = await post('not gzip at all');
    expect(notGzip.statusCode).toBe(400);
    expect(notGzip.json().error.code).toBe('CW_ERR_UPLOAD_BAD_GZIP');
    const notJson = await post(gz('{"version": 1,'));
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('CW_ERR_UPLOAD_BAD_JSON');
  });

  it('refuses a bad Idempotency-Key by path', async () => {
    const r = await post(gz(envelope(LCOV)), uploadHeaders(s.uploadToken, { 'idempotency-key': 'has spaces' }));
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields).toEqual([{ path: 'headers.idempotency-key', message: 'letters, digits, ".", "_", ":" and "-", at most 128' }]);
  });

  it('enforces the body limit, naming it (413)', async () => {
    const random = randomBytes(8000).toString('base64');
    const r = await post(gz(envelope(random)));
    expect(r.statusCode).toBe(413);
    expect(r.json().error).toEqual({ code: 'CW_ERR_UPLOAD_BODY_TOO_LARGE', message: 'the request body exceeds the limit of 4096 bytes (upload.maxBodyBytes, COVERWATCH_UPLOAD_MAX_BODY_BYTES)' });
  });

  it('enforces the body limit while streaming when no length is declared', async () => {
    const body = gz(envelope(randomBytes(8000).toString('base64')));
    const chunks = [body.subarray(0, 3000), body.subarray(3000)];
    const r = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: Readable.from(chunks) });
    expect(r.statusCode).toBe(413);
    expect(r.json().error.code).toBe('CW_ERR_UPLOAD_BODY_TOO_LARGE');
  });

  it('enforces the decompressed limit while streaming (zip bomb, 413)', async () => {
    // Deflate tops out near 1000:1, so 2 MB of spaces fits under the 4 KiB body limit.
    const bomb = gz(' '.repeat(2_000_000));
    expect(bomb.length).toBeLessThan(4096);
    const r = await post(bomb);
    expect(r.statusCode).toBe(413);
    expect(r.json().error.code).toBe('CW_ERR_UPLOAD_DECOMPRESSED_TOO_LARGE');
    expect(r.json().error.message).toContain('65536 bytes');
  });

  it('returns the same upload for a retried Idempotency-Key, and refuses the key with other content', async () => {
    const first = await post(gz(envelope(LCOV)), uploadHeaders(s.uploadToken, { 'idempotency-key': 'ci-run-1' }));
    expect(first.statusCode).toBe(202);
    const again = await post(gz(envelope(LCOV)), uploadHeaders(s.uploadToken, { 'idempotency-key': 'ci-run-1' }));
    expect(again.statusCode).toBe(202);
    expect(again.json().id).toBe(first.json().id);
    const other = await post(gz(envelope(LCOV + 'SF:b.c\nDA:1,1\nend_of_record\n')), uploadHeaders(s.uploadToken, { 'idempotency-key': 'ci-run-1' }));
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('CW_ERR_UPLOAD_IDEMPOTENCY_CONFLICT');
  });
});

describe('GET routes input', () => {
  it('GET /api/v1/uploads/:id needs a uuid', async () => {
    const r = await read('/api/v1/uploads/123');
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({
      error: { code: 'CW_ERR_REQUEST_INVALID', message: 'invalid request: params.id: Invalid UUID', fields: [{ path: 'params.id', message: 'Invalid UUID' }] },
    });
  });

  it('commit routes check owner, repository and sha', async () => {
    const r = await read('/api/v1/repos/acme/bad~name/commits/xyz/totals');
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields).toEqual([
      { path: 'params.repo', message: 'a repository name' },
      { path: 'params.sha', message: 'expected a full lower-case hex commit sha (40 or 64 characters)' },
    ]);
  });

  it('the files route checks its paging', async () => {
    const r = await read(`/api/v1/repos/acme/widgets/commits/${SHA}/files?limit=0&offset=-1&sort=x`);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.fields.map((f: { path: string }) => f.path)).toEqual(['query.offset', 'query.limit', 'query']);
  });

  it.each([
    ['/api/v1/orgs/bad~org/repos?limit=5000', ['params.org', 'query.limit']],
    ['/api/v1/repos/bad~owner/widgets', ['params.owner']],
    ['/api/v1/repos/acme/widgets/branches?offset=x&y=1', ['query.offset', 'query']],
    ['/api/v1/repos/acme/widgets/pulls?limit=-1', ['query.limit']],
    ['/api/v1/repos/acme/widgets/commits?limit=101&cursor=nope', ['query.cursor', 'query.limit']],
    [`/api/v1/repos/acme/widgets/commits/${SHA}/tree?sort=size&order=up&flag=a%20b`, ['query.flag', 'query.sort', 'query.order']],
    [`/api/v1/repos/acme/widgets/commits/${SHA}/tree?path=a%01b`, ['query.path']],
    [`/api/v1/repos/acme/widgets/commits/xyz/files/src/a.c?flag=`, ['params.sha', 'query.flag']],
    [`/api/v1/repos/acme/widgets/commits/${SHA}/files/`, ['params.path']],
    ['/api/v1/repos/acme/widgets/commits/XYZ/uploads', ['params.sha']],
    ['/api/v1/repos/acme/widgets/trend?limit=0', ['query.branch', 'query.limit']],
  ])('%s is a 400 naming %j', async (url, paths) => {
    const r = await read(url);
    expect(r.statusCode).toBe(400);
    const body = r.json();
    expect(body.error.code).toBe('CW_ERR_REQUEST_INVALID');
    expect(body.error.fields.map((f: { path: string }) => f.path)).toEqual(paths);
  });

  it('names the problem of a bad cursor and a bad sort key', async () => {
    const r = await read(`/api/v1/repos/acme/widgets/commits/${SHA}/tree?sort=size`);
    expect(r.json().error.fields).toEqual([{ path: 'query.sort', message: 'Invalid option: expected one of "path"|"coverage"|"misses"|"lines"' }]);
    const c = await read('/api/v1/repos/acme/widgets/commits?cursor=nope');
    expect(c.json().error.fields).toEqual([{ path: 'query.cursor', message: 'not a cursor from nextCursor' }]);
  });

  it('a commit without processed coverage is a coded 404', async () => {
    const r = await read(`/api/v1/repos/acme/widgets/commits/${'b'.repeat(40)}/totals`);
    expect(r.statusCode).toBe(404);
    expect(r.json().error.code).toBe('CW_ERR_COMMIT_NOT_FOUND');
  });
});
