import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { fileTotals, reportTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { detectFormat } from '../registry.js';
import { detectGoCoverprofile } from './detect.js';
import { createGoCoverprofileParser } from './parse.js';

function parse(text: string, chunk = 0) {
  const p = createGoCoverprofileParser({ fileName: 'coverage.out', limits: DEFAULT_LIMITS });
  const bytes = encodeUtf8(text);
  if (chunk <= 0) p.write(bytes);
  else for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}

function file(out: ReturnType<typeof parse>, p: string) {
  const f = out.report.files.find((x) => x.path === p);
  if (f === undefined) throw new Error(`no file ${p}`);
  return f;
}

const lines = (f: ReturnType<typeof file>) => [...f.lineNumbers].map((l, i) => [l, f.lineHits[i]]);
const statements = (f: ReturnType<typeof file>) => [...f.statements!.lines].map((l, i) => [l, f.statements!.columns[i], f.statements!.hits[i]]);

describe('go-coverprofile parse', () => {
  it('turns each block into numStmt statements at (startLine, startCol + k)', () => {
    const out = parse('mode: count\na.go:3.20,6.2 2 5\na.go:8.10,8.30 1 0\n');
    expect(out.status).toBe('ok');
    const f = file(out, 'a.go');
    expect(statements(f)).toEqual([
      [3, 20, 5],
      [3, 21, 5],
      [8, 10, 0],
    ]);
    const t = fileTotals(f);
    expect([t.statements, t.statements_hit]).toEqual([3, 2]);
    // No branch and no function data in a Go profile.
    expect(t.branches).toBe(0);
    expect(f.functions).toBeNull();
  });

  it('derives lines as Codecov does: every spanned line, the last only when the block ends past column 2', () => {
    // 3.20-6.2 ends at the closing "}" of a function (column 1): lines 3, 4, 5.
    // 8.16-10.3 ends at "\t}" (column 2, end column 3): lines 8, 9, 10.
    const out = parse('mode: set\na.go:3.20,6.2 2 1\na.go:8.16,10.3 1 0\n');
    expect(lines(file(out, 'a.go'))).toEqual([
      [3, 1],
      [4, 1],
      [5, 1],
      [8, 0],
      [9, 0],
      [10, 0],
    ]);
  });

  it('gives a line shared by several blocks the largest count: covered when any block on it ran', () => {
    // `if err != nil {` on line 18: the condition's block ran 4 times, the body never.
    const out = parse('mode: count\na.go:16.45,18.16 2 4\na.go:18.16,20.3 1 0\na.go:21.2,22.12 2 4\n');
    const f = file(out, 'a.go');
    expect(lines(f)).toEqual([
      [16, 4],
      [17, 4],
      [18, 4],
      [19, 0],
      [20, 0],
      [21, 4],
      [22, 4],
    ]);
    // Go has no branch data: a line where blocks disagree is a hit, not a partial.
    expect(fileTotals(f).partials).toBe(0);
  });

  it('gives the records and totals of the worked example in docs/formats/go-coverprofile.md', () => {
    const out = parse('mode: count\na.go:16.45,18.16 2 4\na.go:18.16,20.3 1 0\na.go:21.2,22.12 2 4\na.go:16.45,18.16 2 1\n');
    const f = file(out, 'a.go');
    expect(statements(f)).toEqual([
      [16, 45, 5],
      [16, 46, 5],
      [18, 16, 0],
      [21, 2, 4],
      [21, 3, 4],
    ]);
    expect(lines(f)).toEqual([
      [16, 5],
      [17, 5],
      [18, 5],
      [19, 0],
      [20, 0],
      [21, 4],
      [22, 4],
    ]);
    const t = fileTotals(f);
    expect([t.statements, t.statements_hit, t.lines, t.hits, t.partials, t.misses, t.branches, t.functions]).toEqual([5, 4, 7, 5, 0, 2, 0, null]);
  });

  it('reads blocks in any order (go writes them in instrumentation order)', () => {
    const a = parse('mode: count\nb.go:25.2,27.12 2 1\nb.go:21.16,23.3 1 0\nb.go:19.40,21.16 2 1\n');
    const b = parse('mode: count\nb.go:19.40,21.16 2 1\nb.go:21.16,23.3 1 0\nb.go:25.2,27.12 2 1\n');
    expect(a.report).toEqual(b.report);
  });

  it('counts a repeated block once: count/atomic add the counts, set ORs them', () => {
    const count = parse('mode: count\na.go:1.10,2.3 3 2\na.go:1.10,2.3 3 0\nmode: count\na.go:1.10,2.3 3 5\n');
    const f = file(count, 'a.go');
    expect(statements(f)).toEqual([
      [1, 10, 7],
      [1, 11, 7],
      [1, 12, 7],
    ]);
    expect(lines(f)).toEqual([
      [1, 7],
      [2, 7],
    ]);
    const set = parse('mode: set\na.go:1.10,2.3 3 1\na.go:1.10,2.3 3 0\na.go:1.10,2.3 3 1\n');
    expect(statements(file(set, 'a.go')).map((s) => s[2])).toEqual([1, 1, 1]);
    const atomic = parse('mode: atomic\na.go:1.10,2.3 3 0\na.go:1.10,2.3 3 0\n');
    const t = fileTotals(file(atomic, 'a.go'));
    expect([t.statements, t.statements_hit]).toEqual([3, 0]);
  });

  it('keeps statement identity stable, so merging two profiles of one run counts each statement once', () => {
    const one = parse('mode: set\na.go:1.10,2.3 2 1\na.go:4.1,4.9 1 0\n');
    const two = parse('mode: set\na.go:4.1,4.9 1 1\na.go:1.10,2.3 2 0\n');
    const both = parse('mode: set\na.go:1.10,2.3 2 1\na.go:4.1,4.9 1 0\nmode: set\na.go:4.1,4.9 1 1\na.go:1.10,2.3 2 0\n');
    const t = reportTotals(both.report).totals;
    expect([t.statements, t.statements_hit]).toEqual([3, 3]);
    expect(statements(file(one, 'a.go')).map((s) => [s[0], s[1]])).toEqual(statements(file(two, 'a.go')).map((s) => [s[0], s[1]]));
  });

  it('accepts concatenated profiles: blank lines, repeated mode lines, CRLF, trailing blanks', () => {
    const out = parse('\nmode: count\r\na.go:1.1,1.9 1 1\r\n\r\nmode: count\nb.go:2.1,2.9 1 0  \n');
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    expect(out.report.files.map((f) => f.path)).toEqual(['a.go', 'b.go']);
  });

  it('warns when concatenated profiles use different modes, and adds their counts', () => {
    const out = parse('mode: set\na.go:1.1,1.9 1 1\nmode: count\na.go:1.1,1.9 1 4\n');
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_GO_MODE_CONFLICT', 3]]);
    expect(statements(file(out, 'a.go'))).toEqual([[1, 1, 5]]);
  });

  it('warns about an unknown mode and reads it as count', () => {
    const out = parse('mode: bogus\na.go:1.1,1.9 1 1\n');
    expect(out.status).toBe('ok');
    expect(out.diagnostics[0]).toMatchObject({ code: 'CW_GO_UNKNOWN_MODE', line: 1, severity: 'warning' });
  });

  it('keeps Windows paths whole (the file name may contain ":")', () => {
    const out = parse('mode: set\nC:\\src\\app\\main.go:3.14,5.2 1 1\n');
    expect(out.report.files.map((f) => f.path)).toEqual(['C:\\src\\app\\main.go']);
  });

  it('gives the same report whatever the chunk sizes', () => {
    const text = 'mode: count\nx/a.go:3.20,6.2 2 5\nx/b.go:8.10,8.30 1 0\nx/a.go:7.1,9.5 3 1\n';
    const whole = parse(text);
    for (const chunk of [1, 2, 3, 7]) expect(parse(text, chunk).report).toEqual(whole.report);
  });

  it('reads a profile with no blocks (a package without statements) as an empty report', () => {
    const out = parse('mode: set\n');
    expect(out.status).toBe('ok');
    expect(out.report.files).toEqual([]);
  });

  it('warns and shifts when blocks overlap (not a real profile), keeping statement counts exact', () => {
    const out = parse('mode: set\na.go:1.10,1.20 3 1\na.go:1.11,1.30 2 0\n');
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_GO_OVERLAPPING_BLOCKS']);
    const t = fileTotals(file(out, 'a.go'));
    expect([t.statements, t.statements_hit]).toEqual([5, 3]);
  });
});

describe('go-coverprofile corrupt input', () => {
  it('reports an empty file as invalid', () => {
    const out = parse('');
    expect(out.status).toBe('invalid');
    expect(out.diagnostics[0]!.code).toBe('CW_GO_EMPTY');
  });

  it('requires the mode header, but keeps the blocks it can read', () => {
    const out = parse('a.go:1.1,1.9 1 1\n');
    expect(out.status).toBe('invalid');
    expect(out.diagnostics[0]).toMatchObject({ code: 'CW_GO_NO_MODE', line: 1, file: 'coverage.out', severity: 'error' });
    expect(out.report.files).toHaveLength(1);
  });

  it('reports each malformed block with its line and keeps the rest', () => {
    const text = [
      'mode: count',
      'a.go:1.1,1.9 1 1',
      'a.go:2.1,2.9 1', // missing count
      'a.go:3.1-3.9 1 1', // no comma
      'a.go:4.x,4.9 1 1', // not a number
      'a.go:5.1,5.9 -1 1', // negative
      'a.go:7.5,6.1 1 1', // ends before it starts
      'a.go:0.1,0.9 1 1', // line 0
      'no position at all',
      'a.go:9.1,9.9 1 2',
    ].join('\n');
    const out = parse(text);
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['CW_GO_BAD_BLOCK', 3],
      ['CW_GO_BAD_BLOCK', 4],
      ['CW_GO_BAD_BLOCK', 5],
      ['CW_GO_BAD_BLOCK', 6],
      ['CW_GO_BAD_BLOCK', 7],
      ['CW_GO_BAD_BLOCK', 8],
      ['CW_GO_BAD_BLOCK', 9],
    ]);
    expect(out.diagnostics[0]!.message).toContain('expected');
    expect(statements(file(out, 'a.go'))).toEqual([
      [1, 1, 1],
      [9, 1, 2],
    ]);
  });

  it('rejects a repeated block whose statement count differs, as go tool cover does', () => {
    const out = parse('mode: count\na.go:1.1,2.9 2 1\na.go:1.1,2.9 3 1\n');
    expect(out.status).toBe('invalid');
    expect(out.diagnostics[0]).toMatchObject({ code: 'CW_GO_INCONSISTENT_BLOCK', line: 3 });
    expect(fileTotals(file(out, 'a.go')).statements).toBe(3);
  });

  it('refuses absurd statement counts and spans without exhausting memory', () => {
    const started = Date.now();
    const huge = parse('mode: set\na.go:1.1,2.1 999999999 1\n');
    expect(huge.status).toBe('invalid');
    expect(huge.diagnostics[0]!.code).toBe('CW_GO_BAD_BLOCK');
    const blocks = ['mode: set'];
    for (let i = 1; i <= 200; i++) blocks.push(`a.go:${i}.1,9999999.5 65536 1`);
    const wide = parse(blocks.join('\n'));
    expect(wide.status).toBe('invalid');
    expect(wide.diagnostics.some((d) => d.code === 'CW_GO_TOO_LARGE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('clamps an out-of-range count with a warning', () => {
    const out = parse('mode: count\na.go:1.1,1.9 1 99999999999999999999\n');
    expect(out.status).toBe('ok');
    expect(out.diagnostics.some((d) => d.code === 'CW_HITS_CLAMPED')).toBe(true);
  });
});

describe('go-coverprofile detection', () => {
  it('is certain with a mode header, even after a blank line', () => {
    expect(detectGoCoverprofile('mode: count\ngithub.com/x/y/a.go:1.1,2.2 1 1\n', 'coverage.out')).toBeGreaterThan(0.9);
    expect(detectGoCoverprofile('\nmode: atomic\r\n', 'cover.txt')).toBeGreaterThan(0.9);
    expect(detectFormat('mode: set\na.go:1.1,1.9 1 1\n', 'c.out')).toMatchObject({ kind: 'detected', format: { id: 'go-coverprofile' } });
  });

  it('guesses headerless blocks, more strongly with several of them', () => {
    expect(detectGoCoverprofile('a.go:1.1,2.2 1 1\nb.go:3.1,4.2 2 0\n', 'x')).toBeGreaterThanOrEqual(0.7);
    expect(detectGoCoverprofile('a.go:1.1,2.2 1 1\n', 'x')).toBeLessThan(0.5);
  });

  it('rejects other formats', () => {
    expect(detectGoCoverprofile('TN:\nSF:a.go\nDA:1,1\nend_of_record\n', 'lcov.info')).toBe(0);
    expect(detectGoCoverprofile('        -:    0:Source:a.c\n        1:    1:int x;\n', 'a.c.gcov')).toBe(0);
    expect(detectGoCoverprofile('{"mode": "set"}', 'x.json')).toBe(0);
    expect(detectGoCoverprofile('github.com/x/y/a.go:19:\tfoo\t100.0%\n', 'func.txt')).toBe(0);
    expect(detectGoCoverprofile('model: x\n', 'x')).toBe(0);
  });
});

describe('go-coverprofile on a real profile', () => {
  it('reproduces go tool cover statement numbers for every file of spf13/pflag', () => {
    const dir = path.join(fixturesDir(), 'go-pflag-coverprofile-count');
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as {
      totals: { statements: number; statements_covered: number };
      files: Record<string, { statements: number; statements_covered: number }>;
    };
    const p = createGoCoverprofileParser({ fileName: 'coverage.out', limits: DEFAULT_LIMITS });
    p.write(readFileSync(path.join(dir, 'coverage.out')));
    const out = p.end();
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    const { totals, files } = reportTotals(out.report);
    expect([totals.statements, totals.statements_hit]).toEqual([expected.totals.statements, expected.totals.statements_covered]);
    expect(Object.fromEntries([...files].map(([k, t]) => [k, { statements: t.statements, statements_covered: t.statements_hit }]))).toEqual(
      Object.fromEntries(Object.entries(expected.files).map(([k, t]) => [k, { statements: t.statements, statements_covered: t.statements_covered }])),
    );
    // Functions need the Go source (go tool cover -func): the profile has none.
    expect(totals.functions).toBeNull();
  });
});
