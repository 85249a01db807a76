import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport, reportTotals } from '@coverwatch/core';
import { environmentFrom } from '../apps/cli/src/env/environment.js';
import { run } from '../apps/cli/src/run.js';
import { fixturesDir } from '../packages/core/test/fixtures-dir.js';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';
import { makeTestCa, type TestCa } from './support/test-ca.js';

/** HTTPS to a server with a private CA (--ca-file), through an authenticating CONNECT proxy (HTTPS_PROXY), and NO_PROXY. */
let ca: TestCa;
let server: RecordingServer;
let proxy: net.Server;
let proxyUrl: string;
let workDir: string;
const sockets = new Set<net.Socket>();
const tunnels: { target: string; auth: string | undefined }[] = [];
const SHA = 'b'.repeat(40);
const TOKEN = `cw_up_${'Z'.repeat(30)}`;

beforeAll(async () => {
  ca = await makeTestCa();
  workDir = mkdtempSync(path.join(tmpdir(), 'cw-tls-'));
  copyFileSync(path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info'), path.join(workDir, 'coverage.info'));
  server = await startRecordingServer(reportTotals(parseReport(readFileSync(path.join(workDir, 'coverage.info')), { fileName: 'coverage.info' }).report).totals, { key: ca.key, cert: ca.cert });
  const p = http.createServer((_req, res) => res.writeHead(405).end());
  p.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    tunnels.push({ target: req.url ?? '', auth: req.headers['proxy-authorization'] });
    if (req.headers['proxy-authorization'] !== `Basic ${Buffer.from('ci-user:proxy pass').toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    // coverwatch.test resolves nowhere but here: an upload to it succeeds only through the tunnel.
    const upstream = net.connect(Number(port), host === 'coverwatch.test' ? '127.0.0.1' : host, () => {
      sockets.add(upstream);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  proxy = p;
  await new Promise<void>((r) => p.listen(0, '127.0.0.1', r));
  proxyUrl = `http://ci-user:proxy%20pass@127.0.0.1:${(p.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => proxy?.close(r));
  await server?.close();
  rmSync(workDir, { recursive: true, force: true });
  rmSync(ca.dir, { recursive: true, force: true });
});

async function upload(extraArgs: string[], env: Record<string, string> = {}, url = server.url) {
  let stdout = '';
  let stderr = '';
  const code = await run(['upload', '-f', 'coverage.info', '--sha', SHA, '--wait', ...extraArgs], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd: workDir,
    env: environmentFrom({ COVERWATCH_URL: url, COVERWATCH_TOKEN: TOKEN, ...env }),
    sleep: async () => {},
  });
  return { code, stdout, stderr };
}

describe('uploader over HTTPS', () => {
  it('refuses a certificate from an unknown CA at once (no retries) and says how to fix it', async () => {
    const before = server.requests.length;
    const r = await upload([]);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/TLS certificate is not trusted .*--ca-file/);
    expect(r.stderr).not.toMatch(/retrying/);
    expect(server.requests.length).toBe(before);
  });

  it('NODE_TLS_REJECT_UNAUTHORIZED=0 in the CI environment does not switch verification off (the built CLI)', async () => {
    const cli = fileURLToPath(new URL('../apps/cli/dist/coverwatch.mjs', import.meta.url));
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [cli, 'upload', '-f', 'coverage.info', '--sha', SHA],
        { cwd: workDir, env: { PATH: process.env.PATH ?? '', NODE_TLS_REJECT_UNAUTHORIZED: '0', COVERWATCH_URL: server.url, COVERWATCH_TOKEN: TOKEN } },
        (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code) : 0, stderr }),
      ),
    );
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/TLS certificate is not trusted/);
  });

  it('trusts a private CA given with --ca-file', async () => {
    const r = await upload(['--ca-file', ca.caFile]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^processed bbbbbbbbbbbb/);
  });

  it('refuses a CA file that is not PEM, as a configuration error', async () => {
    const r = await upload(['--ca-file', path.join(workDir, 'coverage.info')]);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/expected PEM certificates/);
  });

  it('goes through HTTPS_PROXY with a CONNECT tunnel; proxy credentials go to the proxy only, the token never does', async () => {
    tunnels.length = 0;
    const before = server.requests.length;
    const port = new URL(server.url).port;
    const r = await upload(['--ca-file', ca.caFile], { HTTPS_PROXY: proxyUrl }, `https://coverwatch.test:${port}`);
    expect(r.code, r.stderr).toBe(0);
    expect(tunnels.map((t) => t.target)).toEqual([`coverwatch.test:${port}`, `coverwatch.test:${port}`]);
    const reached = server.requests.slice(before);
    expect(reached.map((q) => q.method)).toEqual(['POST', 'GET']);
    expect(reached.every((q) => q.headers['proxy-authorization'] === undefined && q.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain('proxy pass');
  });

  it('a proxy refusing the tunnel is a network error naming the proxy answer, without its credentials', async () => {
    const r = await upload(['--ca-file', ca.caFile], { HTTPS_PROXY: proxyUrl.replace('proxy%20pass', 'wrong') });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/proxy refused to connect .*HTTP 407/);
    expect(r.stderr).not.toContain('wrong');
  });

  it('without the proxy, that host cannot be reached at all (so the success above went through the tunnel)', async () => {
    const r = await upload(['--ca-file', ca.caFile], {}, `https://coverwatch.test:${new URL(server.url).port}`);
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/ENOTFOUND|EAI_AGAIN/);
  });

  it('NO_PROXY bypasses the proxy', async () => {
    tunnels.length = 0;
    const r = await upload(['--ca-file', ca.caFile], { HTTPS_PROXY: proxyUrl, NO_PROXY: 'localhost,127.0.0.1' });
    expect(r.code, r.stderr).toBe(0);
    expect(tunnels).toEqual([]);
  });
});
