import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../../packages/core/test/fixtures-dir.js';
import { stopProcess, uploadFixtureAndCompareTotals, waitForListening } from './e2e-scenario.js';
import { PgTestSchemas, skipWithoutPostgres } from './pg-test-schema.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const serverMain = path.join(repoRoot, 'apps/server/dist/main.js');
const cliMain = path.join(repoRoot, 'apps/cli/dist/coverwatch.mjs');
const fixture = path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info');
const SHA = '0123456789abcdef0123456789abcdef01234567';

/**
 * The at-scale layout end to end: PostgreSQL (a fresh schema), the queue on pg-boss, and `serve`
 * (API only) beside a separate `worker` process. Skipped, saying why, without COVERWATCH_TEST_DATABASE_URL.
 */
const skip = skipWithoutPostgres('coverwatch-server end to end on PostgreSQL');
const schemas = new PgTestSchemas();
let dataDir: string;
let server: ChildProcess;
let worker: ChildProcess;
let workerStderr = '';
let base: string;
let stderr = '';
// Only our variables: the children get no COVERWATCH_* of the caller's environment.
let env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

async function admin(...args: string[]) {
  const { stdout } = await run(process.execPath, [serverMain, 'admin', ...args, '--data-dir', dataDir, '--json'], { env, timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, string>;
}

beforeAll(async () => {
  if (skip) return;
  if (!existsSync(serverMain)) throw new Error(`${serverMain} is missing: run npm run build (npm test does)`);
  dataDir = mkdtempSync(path.join(tmpdir(), 'cw-e2e-pg-'));
  // pg-boss goes to <schema>_pgboss by default, so parallel test runs do not share a queue.
  const { url } = await schemas.create('cw_e2e');
  env = { ...env, COVERWATCH_DATABASE_URL: url };
  const migrated = await run(process.execPath, [serverMain, 'migrate', '--data-dir', dataDir, '--json'], { env, timeout: 20_000 });
  expect(JSON.parse(migrated.stdout)).toMatchObject({ applied: expect.arrayContaining(['0001-initial']) });
  server = spawn(process.execPath, [serverMain, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...env, COVERWATCH_WORKER_IN_PROCESS: 'false' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  worker = spawn(process.execPath, [serverMain, 'worker', '--data-dir', dataDir], {
    env: { ...env, COVERWATCH_WORKER_POLL_INTERVAL_MS: '50' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  worker.stderr!.on('data', (c: Buffer) => (workerStderr += c.toString()));
  base = await waitForListening(server, (text) => (stderr += text));
}, 30_000);

afterAll(async () => {
  if (skip) return;
  for (const child of [server, worker]) await stopProcess(child);
  await schemas.dropAll();
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe.skipIf(skip)('coverwatch-server end to end on PostgreSQL (serve + worker processes, pg-boss)', () => {
  it('admin commands, an upload over HTTP, and totals equal to core and to coverwatch report --json', async () => {
    expect(stderr).toContain('Create the first organization');
    expect(stderr).toContain('queue pg-boss');
    // The banner names the database without secrets or query parameters.
    expect(stderr).not.toContain('search_path');
    await uploadFixtureAndCompareTotals({ base, admin, cliMain, fixture, sha: SHA, env });
  });

  it('stops gracefully on SIGTERM', async () => {
    const exits = [server, worker].map((child) => new Promise<number | null>((r) => child.once('exit', (code) => r(code))));
    server.kill('SIGTERM');
    worker.kill('SIGTERM');
    expect(await Promise.all(exits), workerStderr).toEqual([0, 0]);
  });
});
