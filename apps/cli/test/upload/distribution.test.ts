import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL('../../build.mjs', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function buildInto(cwd: string): Promise<{ dir: string; stdout: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-build-'));
  dirs.push(dir);
  const { stdout } = await run(process.execPath, [buildScript, dir], { cwd });
  return { dir, stdout };
}

describe('distribution', () => {
  it('two builds, from different working directories, are byte-identical, and the build prints their SHA-256', async () => {
    const a = await buildInto(tmpdir());
    const b = await buildInto(path.dirname(buildScript));
    for (const name of ['coverwatch.mjs', 'action.mjs']) {
      const x = readFileSync(path.join(a.dir, name));
      expect(x.equals(readFileSync(path.join(b.dir, name)))).toBe(true);
      const { createHash } = await import('node:crypto');
      expect(a.stdout).toContain(`${name} sha256 ${createHash('sha256').update(x).digest('hex')}`);
    }
  }, 120_000);

  it('the bundle needs nothing outside itself: it runs from an empty directory', async () => {
    const { dir } = await buildInto(tmpdir());
    const { stdout } = await run(process.execPath, [path.join(dir, 'coverwatch.mjs'), '--version'], { cwd: dir, env: {} });
    expect(stdout).toMatch(/^coverwatch \d+\.\d+\.\d+/);
    const text = readFileSync(path.join(dir, 'coverwatch.mjs'), 'utf8');
    const imports = [...text.matchAll(/^import .* from ["']([^"']+)["'];?$/gm)].map((m) => m[1]!);
    expect(imports.filter((s) => !s.startsWith('node:'))).toEqual([]);
    expect(text).not.toMatch(/\brequire\(["'](?!node:)[^"']+["']\)/);
  }, 120_000);
});
