import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGitLsFiles } from './git-ls-files.js';
import { createPathResolver } from './resolver.js';

describe('parseGitLsFiles', () => {
  it('reads one path per line, LF or CRLF, without BOM or empty lines', () => {
    expect(parseGitLsFiles('\ufeffa.c\r\nsrc/b.c\n\nc d.c\n')).toEqual(['a.c', 'src/b.c', 'c d.c']);
    expect(parseGitLsFiles('')).toEqual([]);
  });

  it('unquotes C-quoted paths (core.quotePath) and decodes their bytes as UTF-8', () => {
    expect(parseGitLsFiles('"caf\\303\\251.txt"\n"tab\\there"\n"q\\"uote\\\\d"\n"nl\\nx"\n')).toEqual(['café.txt', 'tab\there', 'q"uote\\d', 'nl\nx']);
    expect(parseGitLsFiles('"bad\\377.c"\n')).toEqual(['bad\ufffd.c']);
  });

  it('keeps malformed quoted lines as written', () => {
    expect(parseGitLsFiles('"unterminated\\"\n"bad\\9.c"\n"a"b"\n')).toEqual(['"unterminated\\"', '"bad\\9.c"', '"a"b"']);
  });

  it('reads -z output verbatim', () => {
    expect(parseGitLsFiles('a.c\0caf\u00e9.c\0nl\nx\0')).toEqual(['a.c', 'caf\u00e9.c', 'nl\nx']);
  });

  it('agrees with real git, quoted and -z, on awkward names', () => {
    let git = true;
    try {
      execFileSync('git', ['--version'], { stdio: 'ignore' });
    } catch {
      git = false;
    }
    if (!git) return;
    const dir = mkdtempSync(path.join(tmpdir(), 'cw-ls-files-'));
    try {
      const names = ['plain.c', 'with space.c', 'caf\u00e9.c', 'tab\there.c', 'quote"d.c', 'back\\slash.c', 'emoji\u{1f600}.c', 'sub/dir/x.c'];
      mkdirSync(path.join(dir, 'sub/dir'), { recursive: true });
      for (const n of names) writeFileSync(path.join(dir, n), '');
      const run = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
      run('init', '-q');
      run('add', '.');
      const quoted = run('-c', 'core.quotePath=true', 'ls-files');
      expect(quoted).toContain('"caf\\303\\251.c"');
      expect(parseGitLsFiles(quoted).sort()).toEqual([...names].sort());
      expect(parseGitLsFiles(run('ls-files', '-z')).sort()).toEqual([...names].sort());
      const r = createPathResolver(parseGitLsFiles(quoted));
      expect(r.resolve('/ci/proj/caf\u00e9.c')).toMatchObject({ kind: 'suffix', repoPath: 'caf\u00e9.c' });
      expect(r.resolve('C:\\ci\\proj\\sub\\dir\\x.c')).toMatchObject({ kind: 'suffix', repoPath: 'sub/dir/x.c' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
