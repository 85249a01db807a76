import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../formats/registry.js';
import { newReportBuilder, type Report } from '../model/report.js';
import { reportTotals } from '../model/totals.js';
import { fixturesDir } from '../../test/fixtures-dir.js';
import { createPathResolver } from './resolver.js';
import { resolveReport } from './resolve-report.js';

/** A report with the given files, each with line 1 hit `hits` times and line 2 missed. */
function report(files: Record<string, number>): Report {
  const b = newReportBuilder();
  for (const [p, hits] of Object.entries(files)) {
    const f = b.file(p)!;
    f.line(1, hits);
    f.line(2, 0);
  }
  return b.build();
}

const hitsOf = (r: Report) => Object.fromEntries(r.files.map((f) => [f.path, Array.from(f.lineHits)]));

describe('resolveReport', () => {
  const resolver = createPathResolver(['lib/x.js', 'src/a/index.js', 'src/b/index.js', 'vendor/v.js', 'cJSON.c'], {
    ignore: ['vendor/'],
    fixes: ['bad-fix'],
  });
  const input = report({
    './lib/x.js': 2,
    'lib/x.js': 3,
    '/home/runner/work/gcc-cjson/cJSON.c': 1,
    'index.js': 5,
    'vendor/v.js': 1,
    'gen/missing.js': 1,
    'caf\ufffd.c': 1,
  });
  const out = resolveReport(input, resolver, { fileName: 'lcov.info' });

  it('renames files to repository paths and merges files that land on one path', () => {
    expect(hitsOf(out.report)).toEqual({ 'cJSON.c': [1, 0], 'lib/x.js': [5, 0] });
    expect(out.report.files.map((f) => f.path)).toEqual(['cJSON.c', 'lib/x.js']);
  });

  it('explains every input file, in input order', () => {
    expect(out.explanations.map((e) => [e.input, e.kind])).toEqual(input.files.map((f) => [f.path, expect.any(String)]));
    expect(Object.fromEntries(out.explanations.map((e) => [e.input, e.kind]))).toEqual({
      './lib/x.js': 'exact',
      'lib/x.js': 'exact',
      '/home/runner/work/gcc-cjson/cJSON.c': 'suffix',
      'index.js': 'ambiguous',
      'vendor/v.js': 'ignored',
      'gen/missing.js': 'unmatched',
      'caf\ufffd.c': 'unmatched',
    });
  });

  it('warns about every file left out except ignored ones, after configuration problems', () => {
    expect(out.diagnostics.map((d) => [d.code, d.severity, d.file])).toEqual([
      ['CW_PATH_FIX_INVALID', 'error', 'lcov.info'],
      ['CW_PATH_UNMATCHED', 'warning', 'lcov.info'],
      ['CW_PATH_UNMATCHED', 'warning', 'lcov.info'],
      ['CW_PATH_AMBIGUOUS', 'warning', 'lcov.info'],
      ['CW_PATH_MERGED', 'info', 'lcov.info'],
    ]);
    const amb = out.diagnostics.find((d) => d.code === 'CW_PATH_AMBIGUOUS')!;
    expect(amb.message).toBe('"index.js" matches 2 repository files: src/a/index.js, src/b/index.js; left out (add a fix to choose)');
    expect(out.diagnostics.find((d) => d.code === 'CW_PATH_MERGED')!.message).toBe('"./lib/x.js", "lib/x.js" all resolve to "lib/x.js"; their coverage was merged');
  });

  it('without a file list keeps every usable file under its normalised path', () => {
    const input = report({ './a.c': 1, 'a.c': 1, '/ci/b.c': 2 });
    // ReportBuilder refuses NUL paths; a hand-built report may still carry one.
    const withNul: Report = { files: [...input.files, { ...input.files[0]!, path: 'x\0y' }] };
    const r = resolveReport(withNul, createPathResolver(null));
    expect(hitsOf(r.report)).toEqual({ 'a.c': [2, 0], 'ci/b.c': [2, 0] });
    expect(r.explanations.map((e) => e.kind)).toEqual(['unresolved', 'unresolved', 'unresolved', 'invalid']);
  });

  it('warns about flagged paths it keeps and about invalid ones', () => {
    const b = newReportBuilder();
    b.file('../src/a.c')!.line(1, 1);
    const r = resolveReport(b.build(), createPathResolver(['src/a.c']));
    expect(r.report.files.map((f) => f.path)).toEqual(['src/a.c']);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['CW_PATH_ESCAPES_ROOT']);
    const bad = resolveReport({ files: [{ ...report({ x: 1 }).files[0]!, path: '/' }] }, createPathResolver(['x']));
    expect(bad.report.files).toEqual([]);
    expect(bad.diagnostics.map((d) => d.code)).toEqual(['CW_PATH_INVALID']);
  });

  it('warns when different paths meet on one repository file', () => {
    const r = resolveReport(report({ '/ci/proj/src/lib.rs': 1, '/home/u/.cargo/registry/serde/src/lib.rs': 2 }), createPathResolver(['src/lib.rs']));
    expect(hitsOf(r.report)).toEqual({ 'src/lib.rs': [3, 0] });
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['CW_PATH_MERGED', 'warning']]);
    expect(r.diagnostics[0]!.message).toContain('add an ignore glob or a fix');
  });

  it('caps diagnostics', () => {
    const many: Record<string, number> = {};
    for (let i = 0; i < 50; i++) many[`missing${i}.c`] = 1;
    const r = resolveReport(report(many), createPathResolver(['a.c']), { maxDiagnostics: 10 });
    expect(r.diagnostics).toHaveLength(11);
    expect(r.diagnostics[10]!.code).toBe('CW_DIAGNOSTICS_TRUNCATED');
    expect(r.explanations).toHaveLength(50);
  });
});

describe('resolveReport on real reports', () => {
  const read = (c: string, f: string) => readFileSync(path.join(fixturesDir(), c, f));

  it('maps cJSON lcov (absolute CI paths, duplicate SF records) onto the repository without changing totals', () => {
    const parsed = parseReport(read('c-cjson-gcc-lcov', 'coverage.info'), { fileName: 'coverage.info' });
    const repo = parsed.report.files.map((f) => f.path.replace('/home/runner/work/gcc-cjson/', ''));
    repo.push('CMakeLists.txt', 'fuzzing/cjson_read_fuzzer.c');
    const out = resolveReport(parsed.report, createPathResolver(repo));
    expect(out.diagnostics).toEqual([]);
    expect(out.report.files.map((f) => f.path)).toEqual([...repo.slice(0, -2)].sort());
    expect(out.report.files.map((f) => f.path)).toContain('cJSON.c');
    expect(reportTotals(out.report).totals).toEqual(reportTotals(parsed.report).totals);
  });

  it('maps Go import paths onto the module root (paths read from the real profile)', () => {
    const dir = 'go-pflag-coverprofile-count';
    const file = readdirSync(path.join(fixturesDir(), dir)).find((n) => n !== 'expected.json' && n !== '_oracle')!;
    const b = newReportBuilder();
    for (const line of read(dir, file).toString('utf8').split('\n').slice(1)) {
      const m = /^(.+):(\d+)\.\d+,\d+\.\d+ \d+ (\d+)$/.exec(line);
      if (m) b.file(m[1]!)!.line(Number(m[2]), Number(m[3]));
    }
    const parsed = b.build();
    expect(parsed.files[0]!.path).toMatch(/^github\.com\/spf13\/pflag\//);
    const repo = parsed.files.map((f) => f.path.replace('github.com/spf13/pflag/', ''));
    const out = resolveReport(parsed, createPathResolver([...repo, 'go.mod', 'README.md']));
    expect(out.explanations.every((e) => e.kind === 'suffix')).toBe(true);
    expect(out.report.files.map((f) => f.path)).toContain('flag.go');
    expect(reportTotals(out.report).totals).toEqual(reportTotals(parsed).totals);
  });

  it('maps JaCoCo package + sourcefile paths under src/main/java', () => {
    const xml = read('java-diff-match-patch-jacoco-xml', readdirSync(path.join(fixturesDir(), 'java-diff-match-patch-jacoco-xml')).find((n) => n.endsWith('.xml'))!).toString('utf8');
    const pkg = /<package name="([^"]+)"/.exec(xml)![1]!;
    const src = /<sourcefile name="([^"]+)"/.exec(xml)![1]!;
    const r = createPathResolver([
      'src/main/java/name/fraser/neil/plaintext/diff_match_patch.java',
      'src/test/java/name/fraser/neil/plaintext/diff_match_patch_test.java',
      'pom.xml',
    ]);
    expect(r.resolve(`${pkg}/${src}`)).toMatchObject({ kind: 'suffix', repoPath: 'src/main/java/name/fraser/neil/plaintext/diff_match_patch.java' });
  });
});
