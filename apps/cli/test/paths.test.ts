import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

function gitRepo(files: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-repo-'));
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), '// source\n');
  }
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['add', '.'], { cwd: dir });
  return dir;
}

const record = (p: string) => `SF:${p}\nDA:1,1\nDA:2,0\nend_of_record\n`;

describe('--root path resolution', () => {
  it('maps absolute CI build paths onto repository files and says how', async () => {
    const repo = gitRepo(['src/a.c', 'src/util/b.c', 'README.md']);
    const report = path.join(repo, 'coverage.info');
    writeFileSync(report, record('/home/runner/work/proj/src/a.c') + record('./src/util/b.c'));
    const r = await runCli(['report', report, '--root', repo, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.files.map((f: { path: string }) => f.path)).toEqual(['src/a.c', 'src/util/b.c']);
    const explain = await runCli(['paths', 'explain', report, '--root', repo]);
    expect(explain.code).toBe(0);
    expect(explain.stdout).toMatch(/suffix\s+\/home\/runner\/work\/proj\/src\/a\.c -> src\/a\.c/);
    expect(explain.stdout).toMatch(/exact\s+\.\/src\/util\/b\.c -> src\/util\/b\.c/);
  });

  it('refuses to guess an ambiguous path (exit 5, candidates listed) and lists unmatched ones', async () => {
    const repo = gitRepo(['src/a.c', 'lib/a.c']);
    const report = path.join(repo, 'coverage.info');
    writeFileSync(report, record('a.c') + record('gone.c'));
    const r = await runCli(['report', report, '--root', repo]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('CW_PATH_AMBIGUOUS');
    expect(r.stderr).toContain('lib/a.c');
    expect(r.stderr).toContain('src/a.c');
    expect(r.stderr).toContain('CW_PATH_UNMATCHED');
    const explain = await runCli(['paths', 'explain', report, '--root', repo]);
    expect(explain.code).toBe(5);
    expect(explain.stdout).toContain('candidate: lib/a.c');
  });

  it('applies fixes and ignore globs', async () => {
    const repo = gitRepo(['src/a.c', 'lib/a.c', 'vendor/z.c']);
    const report = path.join(repo, 'coverage.info');
    writeFileSync(report, record('a.c') + record('vendor/z.c'));
    const r = await runCli(['report', report, '--root', repo, '--fix', '::src', '--ignore', 'vendor/**', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files.map((f: { path: string }) => f.path)).toEqual(['src/a.c']);
  });

  it('exits 5 when --root is not a git checkout', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cw-nogit-'));
    const report = path.join(dir, 'coverage.info');
    writeFileSync(report, record('a.c'));
    const r = await runCli(['report', report, '--root', dir]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('CW_ROOT_NOT_GIT');
  });
});
