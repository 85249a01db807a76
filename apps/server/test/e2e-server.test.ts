import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../../packages/core/test/fixtures-dir.js';
import { stopProcess, uploadFixtureAndCompareTotals, waitForListening } from './e2e-scenario.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const serverMain = path.join(repoRoot, 'apps/server/dist/main.js');
const cliMain = path.join(repoRoot, 'apps/cli/dist/coverwatch.mjs');
const fixture = path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info');
const SHA = '0123456789abcdef0123456789abcdef01234567';

let dataDir: string;
let server: ChildProcess;
let base: string;
let stderr = '';
// Only our variables: the child gets no COVERWATCH_* of the caller's environment.
const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };

async function admin(...args: string[]) {
  const { stdout } = await run(process.execPath, [serverMain, 'admin', ...args, '--data-dir', dataDir, '--json'], { env, timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, string>;
}

beforeAll(async () => {
  if (!existsSync(serverMain)) throw new Error(`${serverMain} is missing: run npm run build (npm test does)`);
  dataDir = mkdtempSync(path.join(tmpdir(), 'cw-e2e-'));
  server = spawn(process.execPath, [serverMain, 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...env, COVERWATCH_WORKER_POLL_INTERVAL_MS: '50' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  base = await waitForListening(server, (text) => (stderr += text));
}, 30_000);

afterAll(async () => {
  await stopProcess(server);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('coverwatch-server end to end', () => {
  it('admin commands, an upload over HTTP, and totals equal to core and to coverwatch report --json', async () => {
    expect(stderr).toContain('Create the first organization');
    await uploadFixtureAndCompareTotals({ base, admin, cliMain, fixture, sha: SHA, env });
  });

  it('stops gracefully on SIGTERM', async () => {
    expect(await stopProcess(server)).toBe(0);
  });
});
