import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport, reportTotals } from '@coverwatch/core';
import { environmentFrom } from '../apps/cli/src/env/environment.js';
import { run } from '../apps/cli/src/run.js';
import { startTestServer, type TestServer } from '../apps/server/test/test-server.js';
import { fixturesDir } from '../packages/core/test/fixtures-dir.js';

/**
 * The uploader against a flaky network in front of the real server: a connection dropped after
 * the server stored the upload, a 500, a 429 with Retry-After, a dropped status poll. The upload
 * must end stored exactly once, processed, with the report's numbers.
 */
type Fault = 'drop-after-forward' | 'drop-before-forward' | '500' | '429' | 'pass';

let server: TestServer;
let upstream: string;
let flaky: http.Server;
let flakyUrl: string;
let workDir: string;
const plan: Fault[] = [];
const seen: { method: string; url: string; idempotencyKey: string | undefined; fault: Fault }[] = [];

function forward(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const u = new URL(req.url ?? '/', upstream);
    const out = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method: req.method, headers: req.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    out.on('error', reject);
    out.end(body);
  });
}

beforeAll(async () => {
  server = await startTestServer({ worker: true });
  upstream = await server.app.listen({ port: 0, host: '127.0.0.1' });
  flaky = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const fault = plan.shift() ?? 'pass';
      seen.push({ method: req.method ?? '', url: req.url ?? '', idempotencyKey: req.headers['idempotency-key'] as string | undefined, fault });
      if (fault === 'drop-before-forward') return req.socket.destroy();
      if (fault === '500') return res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"code":"CW_ERR_SERVER_INTERNAL","message":"boom"}}');
      if (fault === '429') return res.writeHead(429, { 'retry-after': '3', 'content-type': 'application/json' }).end('{"error":{"code":"CW_ERR_RATE_LIMITED","message":"slow down"}}');
      const answer = await forward(req, Buffer.concat(chunks));
      // The server has done the work; the client never hears about it.
      if (fault === 'drop-after-forward') return req.socket.destroy();
      res.writeHead(answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') }).end(answer.body);
    });
  });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  flakyUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
  workDir = mkdtempSync(path.join(tmpdir(), 'cw-flaky-'));
  copyFileSync(path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info'), path.join(workDir, 'coverage.info'));
});

afterAll(async () => {
  await new Promise((r) => flaky?.close(r));
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
});

async function upload(sha: string, token = server.uploadToken) {
  let stdout = '';
  let stderr = '';
  const sleeps: number[] = [];
  const code = await run(['upload', '-f', 'coverage.info', '--sha', sha, '--wait', '--json', '--verbose'], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: workDir,
    env: environmentFrom({ COVERWATCH_URL: flakyUrl, COVERWATCH_TOKEN: token, PATH: process.env.PATH }),
    sleep: async (ms) => {
      sleeps.push(ms);
      await new Promise((r) => setTimeout(r, 5));
    },
  });
  return { code, stdout, stderr, sleeps };
}

describe('uploader against a flaky network', () => {
  it('ends with the upload stored exactly once, processed, with the report numbers', async () => {
    const sha = randomBytes(20).toString('hex');
    plan.push('drop-after-forward', '500', '429', 'pass', 'drop-before-forward');
    seen.length = 0;
    const r = await upload(sha);
    expect(r.code, r.stderr).toBe(0);

    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts.map((p) => p.fault)).toEqual(['drop-after-forward', '500', '429', 'pass']);
    // One idempotency key for every attempt: that is what makes the retry safe.
    expect(new Set(posts.map((p) => p.idempotencyKey)).size).toBe(1);
    expect(r.sleeps).toContain(3000);
    expect(r.stderr).toMatch(/retrying in/);

    const list = await server.app.inject({ method: 'GET', url: `/api/v1/repos/acme/widgets/commits/${sha}/uploads`, headers: { authorization: `Bearer ${server.readToken}` } });
    const uploads = (list.json() as { uploads: { id: string; state: string }[] }).uploads;
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.state).toBe('processed');

    const out = JSON.parse(r.stdout) as { upload: { id: string }; totals: unknown };
    expect(out.upload.id).toBe(uploads[0]!.id);
    const expected = reportTotals(parseReport(readFileSync(path.join(workDir, 'coverage.info')), { fileName: 'coverage.info' }).report).totals;
    expect(out.totals).toEqual(expected);
  });

  it('gives up after its attempts with the network exit code when the server never answers', async () => {
    plan.push(...Array<Fault>(6).fill('drop-before-forward'));
    const r = await upload(randomBytes(20).toString('hex'));
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/upload failed \(network\): could not reach http:\/\/127\.0\.0\.1:\d+ after 6 attempts/);
    expect(plan).toEqual([]);
  });

  it('does not retry a refused credential: exit 7, and the token is not printed', async () => {
    const bad = `cw_up_${'A'.repeat(30)}`;
    seen.length = 0;
    const r = await upload(randomBytes(20).toString('hex'), bad);
    expect(r.code).toBe(7);
    expect(seen).toHaveLength(1);
    expect(r.stderr).toMatch(/CW_ERR_AUTH_TOKEN_INVALID/);
    expect(r.stdout + r.stderr).not.toContain(bad);
  });
});
