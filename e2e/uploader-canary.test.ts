import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseReport, reportTotals } from '@coverwatch/core';
import { fixturesDir } from '../packages/core/test/fixtures-dir.js';
import { git, makeRepo } from './support/git-repo.js';
import { startRecordingServer, type RecordingServer } from './support/recording-server.js';

/**
 * The promise Coverwatch exists for: the real built uploader, run with secrets planted in its
 * environment and in the git remote, sends none of them anywhere, prints none of them, and talks
 * to no host but the configured server.
 */
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const cli = path.join(repoRoot, 'apps/cli/dist/coverwatch.mjs');
const preload = path.join(repoRoot, 'e2e/support/record-connections.mjs');
const fixture = path.join(fixturesDir(), 'js-qs-nyc-lcov/lcov.info');

const canary = (name: string) => `canary-${name}-${randomBytes(12).toString('hex')}`;
const CANARIES = {
  AWS_SECRET_ACCESS_KEY: canary('aws'),
  AWS_ACCESS_KEY_ID: canary('awsid'),
  NPM_TOKEN: canary('npm'),
  GITHUB_TOKEN: canary('github'),
  ACTIONS_RUNTIME_TOKEN: canary('runtime'),
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: canary('oidcreq'),
  [`CW_RANDOM_${randomBytes(6).toString('hex').toUpperCase()}`]: canary('random'),
};
const gitCredential = canary('gitremote');
const uploadToken = `cw_up_${randomBytes(20).toString('hex')}`;

let repo: { dir: string; head: string };
let server: RecordingServer;

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build (npm test does)`);
  const files = ['lib/formats.js', 'lib/index.js', 'lib/parse.js', 'lib/stringify.js', 'lib/utils.js', 'test/empty-keys-cases.js', 'test/parse.js', 'test/stringify.js', 'test/utils.js'];
  repo = await makeRepo(files);
  await git(repo.dir, 'remote', 'add', 'origin', `https://x-access-token:${gitCredential}@github.com/acme/widgets.git`);
  mkdirSync(path.join(repo.dir, 'coverage'));
  copyFileSync(fixture, path.join(repo.dir, 'coverage/lcov.info'));
  server = await startRecordingServer(reportTotals(parseReport(readFileSync(fixture), { fileName: 'lcov.info' }).report).totals);
});

afterAll(async () => {
  await server?.close();
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
});

function runCli(args: string[], log: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: repo.dir,
    ...CANARIES,
    // A GitHub Actions push build, as the runner sets it up (plus the secrets above).
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SHA: repo.head,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REF_NAME: 'main',
    GITHUB_REPOSITORY: 'acme/widgets',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'test',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.canary.invalid/idtoken?api-version=2.0',
    COVERWATCH_URL: server.url,
    COVERWATCH_TOKEN: uploadToken,
    CW_TEST_CONNECTION_LOG: log,
  };
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', preload, cli, 'upload', ...args], { cwd: repo.dir, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function connections(log: string): { kind: string; host: string | null; port: number | null; path: string | null }[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Every place a secret could hide in a request: URL, headers, body (decompressed), and each report's decoded bytes. */
function requestTexts(): string[] {
  return server.requests.flatMap((r) => {
    const texts = [r.method, r.url, r.rawHeaders.join('\n'), r.body.toString('latin1'), r.text];
    if (r.text.startsWith('{')) {
      const env = JSON.parse(r.text) as { reports?: { data: string }[] };
      for (const rep of env.reports ?? []) texts.push(Buffer.from(rep.data, 'base64').toString('utf8'));
    }
    return texts;
  });
}

const secrets = () => [...Object.values(CANARIES), gitCredential];

describe('uploader canary', () => {
  it('uploads with --wait --verbose: no planted secret in any request or in the output; only the server is contacted', async () => {
    const log = path.join(repo.dir, '.git', 'connections-upload.log');
    const r = await runCli(['--wait', '--verbose', '--flag', 'unit'], log);
    expect(r.stderr).toContain('CI: github-actions');
    expect(r.code, r.stderr).toBe(0);
    expect(server.requests.map((q) => `${q.method} ${q.url}`)).toEqual([`POST /api/v1/uploads`, expect.stringMatching(/^GET \/api\/v1\/uploads\/[0-9a-f-]{36}$/)]);

    for (const text of [...requestTexts(), r.stdout, r.stderr]) {
      for (const s of secrets()) expect(text).not.toContain(s);
    }
    // The token: in the Authorization header of each request, and nowhere else, output included.
    for (const q of server.requests) {
      expect(q.headers.authorization).toBe(`Bearer ${uploadToken}`);
      expect(q.url + q.text + JSON.stringify({ ...q.headers, authorization: undefined })).not.toContain(uploadToken);
    }
    expect(r.stdout + r.stderr).not.toContain(uploadToken);
    expect(r.stdout + r.stderr).not.toContain(uploadToken.slice(6, 30));

    const port = Number(new URL(server.url).port);
    const outgoing = connections(log).filter((c) => c.kind === 'connect');
    expect(outgoing.length).toBeGreaterThan(0);
    expect(outgoing.every((c) => c.host === '127.0.0.1' && c.port === port)).toBe(true);
    expect(connections(log).filter((c) => c.kind === 'dns').map((c) => c.host)).toEqual(connections(log).filter((c) => c.kind === 'dns').map(() => '127.0.0.1'));

    // The envelope says what the docs say it says.
    const envelope = JSON.parse(server.requests[0]!.text) as Record<string, unknown>;
    expect(envelope).toMatchObject({
      version: 1,
      commit: { sha: repo.head, branch: 'main' },
      repository: { slug: 'acme/widgets' },
      ci: { provider: 'github-actions', buildId: '4242' },
      flags: ['unit'],
      reports: [{ name: 'coverage/lcov.info', format: 'lcov' }],
    });
    expect((envelope.files as string[]).sort()).toContain('lib/parse.js');
  });

  it('--dry-run and --dry-run --json send nothing, connect nowhere, and print no secret', async () => {
    const before = server.requests.length;
    for (const args of [['--dry-run'], ['--dry-run', '--json']]) {
      const log = path.join(repo.dir, '.git', `connections-${args.join('')}.log`);
      const r = await runCli(args, log);
      expect(r.code, r.stderr).toBe(0);
      for (const s of [...secrets(), uploadToken]) expect(r.stdout + r.stderr).not.toContain(s);
      expect(connections(log).filter((c) => c.kind !== 'connect' || c.path === null)).toEqual([]);
    }
    expect(server.requests.length).toBe(before);
  });

  it('--dry-run --json prints the exact envelope that is sent', async () => {
    const dry = await runCli(['--dry-run', '--json'], path.join(repo.dir, '.git', 'c1.log'));
    const sent = await runCli([], path.join(repo.dir, '.git', 'c2.log'));
    expect(sent.code, sent.stderr).toBe(0);
    expect(dry.stdout.trim()).toBe(server.requests.at(-1)!.text);
  });
});
