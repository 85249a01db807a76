import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const script = path.resolve(import.meta.dirname, '../release/release.mjs');
const dist = path.resolve(import.meta.dirname, '../dist');
const tmp = mkdtempSync(path.join(tmpdir(), 'cw-release-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of the built bundles to sign (the committed dist stays untouched). */
function release(name: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  for (const f of ['coverwatch.mjs', 'action.mjs']) copyFileSync(path.join(dist, f), path.join(dir, f));
  return dir;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('signed releases of the uploader', () => {
  it('keygen, sign, verify; OpenSSL and sha256sum agree; any changed byte or another key is refused', async () => {
    const keys = path.join(tmp, 'keys');
    mkdirSync(keys);
    expect((await cli('keygen', '--out', keys)).code).toBe(0);
    expect(statSync(path.join(keys, 'coverwatch-release.key')).mode & 0o777).toBe(0o600);
    const pub = path.join(keys, 'coverwatch-release.pub');
    const dir = release('good');
    const signed = await cli('sign', '--key', path.join(keys, 'coverwatch-release.key'), '--dist', dir);
    expect(signed.code).toBe(0);
    expect(readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8')).toMatch(/^[0-9a-f]{64} {2}action\.mjs\n[0-9a-f]{64} {2}coverwatch\.mjs\n$/);
    expect(readFileSync(path.join(dir, 'SHA256SUMS.sig')).length).toBe(64);
    expect(await cli('verify', '--pub', pub, '--dist', dir)).toMatchObject({ code: 0, stdout: expect.stringContaining('OK: SHA256SUMS is signed') });

    // Users need none of our code to check a release: OpenSSL 3 and coreutils do it.
    await run('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', path.join(dir, 'SHA256SUMS'), '-sigfile', path.join(dir, 'SHA256SUMS.sig')]);
    await run('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });

    const tampered = release('tampered');
    copyFileSync(path.join(dir, 'SHA256SUMS'), path.join(tampered, 'SHA256SUMS'));
    copyFileSync(path.join(dir, 'SHA256SUMS.sig'), path.join(tampered, 'SHA256SUMS.sig'));
    const bundle = readFileSync(path.join(tampered, 'coverwatch.mjs'));
    bundle[bundle.length - 2]! ^= 1;
    writeFileSync(path.join(tampered, 'coverwatch.mjs'), bundle);
    expect(await cli('verify', '--pub', pub, '--dist', tampered)).toMatchObject({ code: 1, stderr: expect.stringContaining('coverwatch.mjs: its SHA-256 differs from the signed SHA256SUMS') });

    // Changing the list to match a changed bundle breaks the signature instead.
    const sums = readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').replace(/^[0-9a-f]/, (c) => (c === '0' ? '1' : '0'));
    writeFileSync(path.join(tampered, 'SHA256SUMS'), sums);
    expect(await cli('verify', '--pub', pub, '--dist', tampered)).toMatchObject({ code: 1, stderr: expect.stringContaining('SHA256SUMS: the signature in SHA256SUMS.sig does not match it') });

    const other = path.join(tmp, 'other');
    mkdirSync(other);
    await cli('keygen', '--out', other);
    expect(await cli('verify', '--pub', path.join(other, 'coverwatch-release.pub'), '--dist', dir)).toMatchObject({ code: 1, stderr: expect.stringContaining('does not match it with the key') });
    // keygen never overwrites a key.
    expect((await cli('keygen', '--out', keys)).code).toBe(2);
  });
});
