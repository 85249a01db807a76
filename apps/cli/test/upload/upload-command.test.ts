import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentFrom } from '../../src/env/environment.js';
import { run } from '../../src/run.js';
import { fixturesDir } from '../../../../packages/core/test/fixtures-dir.js';

/** `coverwatch upload`'s refusals: each with its exit code and a message saying what to do, none sending anything. */
let dir: string;
const SHA = 'c'.repeat(40);
const TOKEN = `cw_up_${'Q'.repeat(30)}`;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cw-upcmd-'));
  copyFileSync(path.join(fixturesDir(), 'c-cjson-gcc-lcov/coverage.info'), path.join(dir, 'coverage.info'));
  writeFileSync(path.join(dir, 'broken.info'), 'SF:a.c\nDA:1,1\nDA:x,2\nend_of_record\n');
  mkdirSync(path.join(dir, 'empty'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function upload(args: string[], vars: Record<string, string> = {}, cwd = dir) {
  let stdout = '';
  let stderr = '';
  const code = await run(['upload', ...args], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    cwd,
    env: environmentFrom({ PATH: process.env.PATH, ...vars }),
    sleep: async () => {},
  });
  expect(stdout + stderr).not.toContain(TOKEN);
  return { code, stdout, stderr };
}

const ok = { COVERWATCH_URL: 'http://127.0.0.1:9', COVERWATCH_TOKEN: TOKEN };

describe('coverwatch upload refuses clearly', () => {
  it('without a server URL or a credential (exit 6)', async () => {
    expect(await upload(['-f', 'coverage.info', '--sha', SHA], { COVERWATCH_TOKEN: TOKEN })).toMatchObject({ code: 6, stderr: expect.stringMatching(/no server URL: pass --url/) });
    expect(await upload(['-f', 'coverage.info', '--sha', SHA], { COVERWATCH_URL: 'https://cov.example.com' })).toMatchObject({ code: 6, stderr: expect.stringMatching(/no credential: set COVERWATCH_TOKEN/) });
  });

  it('plain http to another host (exit 6), unless --allow-insecure-http', async () => {
    const r = await upload(['-f', 'coverage.info', '--sha', SHA, '--url', 'http://cov.example.com'], { COVERWATCH_TOKEN: TOKEN });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/refusing plain http:\/\/ to cov.example.com/);
  });

  it('a URL carrying a token (exit 6), without repeating it', async () => {
    const r = await upload(['-f', 'coverage.info', '--sha', SHA, '--url', `https://cov.example.com/?token=${TOKEN}`], { COVERWATCH_TOKEN: TOKEN });
    expect(r.code).toBe(6);
  });

  it('no report found (exit 3) and an invalid report with its file and line (exit 4)', async () => {
    expect((await upload(['--sha', SHA], ok, path.join(dir, 'empty'))).code).toBe(3);
    const r = await upload(['-f', 'broken.info', '--sha', SHA], ok);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/broken\.info:3: error/);
  });

  it('outside git without --sha (exit 6)', async () => {
    const r = await upload(['-f', 'coverage.info'], ok);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/pass --sha/);
  });

  it('a flag the server would refuse, before sending (exit 6)', async () => {
    const r = await upload(['-f', 'coverage.info', '--sha', SHA, '--flag', 'has space'], ok);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/flags\.0: letters, digits/);
  });

  it('options of other commands, and bad --wait-timeout (exit 2)', async () => {
    expect((await upload(['--root', '.', '--sha', SHA], ok)).code).toBe(2);
    expect((await upload(['--wait-timeout', '0', '--sha', SHA], ok)).code).toBe(2);
    let stderr = '';
    const code = await run(['report', '--token', 'x'], { stdout: { write: () => 0 }, stderr: { write: (s: string) => (stderr += s) }, cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--token belongs to "upload"/);
  });

  it('--soft-fail exits 0 but still says why', async () => {
    const r = await upload(['-f', 'coverage.info', '--sha', SHA, '--soft-fail'], { COVERWATCH_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/upload failed \(config\).*\n.*--soft-fail: exiting 0 although the upload failed \(exit code would have been 6\)/);
  });

  it('--dry-run works without URL or token and shows where each value came from', async () => {
    const r = await upload(['-f', 'coverage.info', '--sha', SHA, '--name', 'job 1', '--dry-run'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/credential: none \(set COVERWATCH_TOKEN\)[^]*\nname job 1\n/);
    expect(r.stderr).toMatch(/--dry-run: nothing was sent/);
    const d = await upload(['-f', 'coverage.info', '--sha', SHA, '--flag', 'unit', '--dry-run'], { COVERWATCH_TOKEN: TOKEN });
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^POST \(no --url\)\n {2}credential: upload token cw_up_…QQQQ \(36 characters\), in the Authorization header only\n {2}body: \d+ bytes gzip, \d+ bytes JSON, sha256 [0-9a-f]{64}\ncommit c{40} \(from --sha\)\nflags unit\nfiles: none \(not a git checkout\)\nreports: 1\n {2}coverage\.info: lcov, \d+ bytes, \d+ files, lines \d+\/\d+ hit/);
  });

  it('--dry-run names a pull request from a fork, as CI says', async () => {
    const travis = { TRAVIS: 'true', TRAVIS_PULL_REQUEST: '43', TRAVIS_PULL_REQUEST_SHA: SHA, TRAVIS_PULL_REQUEST_BRANCH: 'main', TRAVIS_BRANCH: 'main', TRAVIS_REPO_SLUG: 'acme/widgets' };
    const fork = await upload(['-f', 'coverage.info', '--dry-run'], { ...travis, TRAVIS_PULL_REQUEST_SLUG: 'contributor/widgets' });
    expect(fork.code, fork.stderr).toBe(0);
    expect(fork.stdout).toMatch(/\n {2}pull request #43 into main, from the fork contributor\/widgets\n/);
    const own = await upload(['-f', 'coverage.info', '--dry-run'], { ...travis, TRAVIS_PULL_REQUEST_SLUG: 'acme/widgets' });
    expect(own.stdout).toMatch(/\n {2}pull request #43 into main, from this repository\n/);
  });
});
