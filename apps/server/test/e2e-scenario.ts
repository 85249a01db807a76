import { execFile, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parseReport, reportTotals } from '@coverwatch/core';
import { expect } from 'vitest';

const run = promisify(execFile);

export interface E2eContext {
  /** The running server's base URL. */
  readonly base: string;
  /** Runs `coverwatch-server admin <args> --json` as its own process against the server's data. */
  readonly admin: (...args: string[]) => Promise<Record<string, string>>;
  readonly cliMain: string;
  readonly fixture: string;
  readonly sha: string;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * The end-to-end story every storage configuration must pass: admin commands create an org, a
 * repository and tokens; a real report is uploaded over HTTP; once processed, the server's commit
 * totals equal core's numbers and `coverwatch report --json` on the same file.
 */
export async function uploadFixtureAndCompareTotals(c: E2eContext): Promise<void> {
  expect(await (await fetch(`${c.base}/readyz`)).json()).toEqual({ status: 'ready' });

  // Admin commands are separate processes writing the database the running server uses.
  expect(await c.admin('create-org', 'acme')).toMatchObject({ name: 'acme' });
  expect(await c.admin('create-repo', 'acme/widgets')).toMatchObject({ name: 'acme/widgets' });
  const upload = await c.admin('create-upload-token', 'acme/widgets');
  const read = await c.admin('create-read-token', 'acme/widgets');
  expect(upload.token).toMatch(/^cw_up_/);

  const bytes = readFileSync(c.fixture);
  const body = { version: 1, commit: { sha: c.sha, branch: 'main' }, ci: { provider: 'local', buildId: '1', jobId: 'e2e' }, reports: [{ name: 'coverage.info', data: bytes.toString('base64') }] };
  const posted = await fetch(`${c.base}/api/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${upload.token}`, 'content-type': 'application/json', 'content-encoding': 'gzip', 'idempotency-key': 'e2e-1' },
    body: gzipSync(JSON.stringify(body)),
  });
  expect(posted.status).toBe(202);
  const accepted = (await posted.json()) as { id: string; statusUrl: string };

  let status: { state: string } = { state: 'received' };
  for (let i = 0; i < 200 && (status.state === 'received' || status.state === 'processing'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    status = (await (await fetch(`${c.base}${accepted.statusUrl}`, { headers: { authorization: `Bearer ${upload.token}` } })).json()) as { state: string };
  }
  expect(status).toMatchObject({ id: accepted.id, state: 'processed', error: null });

  const totals = (await (await fetch(`${c.base}/api/v1/repos/acme/widgets/commits/${c.sha}/totals`, { headers: { authorization: `Bearer ${read.token}` } })).json()) as { totals: unknown };
  const expected = reportTotals(parseReport(bytes, { fileName: 'coverage.info' }).report).totals;
  expect(totals).toEqual({ repository: 'acme/widgets', commitSha: c.sha, uploads: 1, totals: expected });

  const cli = JSON.parse((await run(process.execPath, [c.cliMain, 'report', c.fixture, '--json'], { env: c.env, maxBuffer: 64 << 20 })).stdout) as { totals: unknown };
  expect(totals.totals).toEqual(cli.totals);

  // The real uploader, outside any git checkout: `upload --wait --json` prints the server's totals
  // for the upload, with the same fields and numbers as `coverwatch report --json` on the file.
  const sha2 = [...c.sha].reverse().join('');
  const uploaded = await run(process.execPath, [c.cliMain, 'upload', '-f', c.fixture, '--sha', sha2, '--branch', 'main', '--wait', '--json'], {
    cwd: path.dirname(c.fixture),
    env: { ...c.env, COVERWATCH_URL: c.base, COVERWATCH_TOKEN: upload.token },
    maxBuffer: 64 << 20,
  });
  const printed = JSON.parse(uploaded.stdout) as { upload: { id: string; state: string; statusUrl: string }; totals: unknown };
  expect(printed.upload).toMatchObject({ state: 'processed', statusUrl: `${c.base}/api/v1/uploads/${printed.upload.id}` });
  expect(printed.totals).toEqual(cli.totals);
  const commit2 = (await (await fetch(`${c.base}/api/v1/repos/acme/widgets/commits/${sha2}/totals`, { headers: { authorization: `Bearer ${read.token}` } })).json()) as { totals: unknown };
  expect(commit2.totals).toEqual(cli.totals);
}

/**
 * Resolves with the base URL once a `coverwatch-server serve` child prints its listening banner;
 * every chunk of its stderr goes to `onStderr` (tests assert on the banner).
 */
export function waitForListening(server: ChildProcess, onStderr: (text: string) => void): Promise<string> {
  let seen = '';
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${seen}`)), 20_000);
    server.stderr!.on('data', (c: Buffer) => {
      const text = c.toString();
      seen += text;
      onStderr(text);
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    server.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${seen}`)));
  });
}

/** Stops a server or worker child with SIGTERM (graceful shutdown) and resolves with its exit code; at once if it has exited. */
export async function stopProcess(child: ChildProcess | undefined): Promise<number | null> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}
