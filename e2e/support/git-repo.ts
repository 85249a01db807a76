import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const IDENTITY = ['-c', 'user.name=Coverwatch Test', '-c', 'user.email=test@coverwatch.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

export async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', [...IDENTITY, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, GIT_CONFIG_NOSYSTEM: '1' } });
  return stdout.trim();
}

/** A fresh repository with `files` committed on main; returns its directory and HEAD. */
export async function makeRepo(files: readonly string[]): Promise<{ dir: string; head: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-repo-'));
  await git(dir, 'init', '-q');
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), `// ${f}\n`);
  }
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'initial');
  return { dir, head: await git(dir, 'rev-parse', 'HEAD') };
}
