import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { fileTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { detectFormat } from '../registry.js';
import { detectGcovText } from './detect.js';
import { createGcovTextParser, parseCountField } from './parse.js';

function parse(text: string, chunk = 0) {
  const p = createGcovTextParser({ fileName: 'tmp.c.gcov', limits: DEFAULT_LIMITS });
  const bytes = encodeUtf8(text);
  if (chunk <= 0) p.write(bytes);
  else for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}

const only = (out: ReturnType<typeof parse>) => {
  expect(out.report.files).toHaveLength(1);
  return out.report.files[0]!;
};

// The example of the gcc manual ("Invoking Gcov"), run with -b -c.
const MANUAL = `        -:    0:Source:tmp.c
        -:    0:Graph:tmp.gcno
        -:    0:Data:tmp.gcda
        -:    0:Runs:1
        -:    1:#include <stdio.h>
        -:    2:
        -:    3:int main (void)
function main called 1 returned 100% blocks executed 75%
        1:    4:{
        1:    5:  int i, total;
        1:    6:  total = 0;
        -:    7:
       11:    8:  for (i = 0; i < 10; i++)
branch  0 taken 10
branch  1 taken 1 (fallthrough)
       10:    9:    total += i;
        -:   10:
        1:   11:  if (total != 45)
branch  0 taken 0 (fallthrough)
branch  1 taken 1
    #####:   12:    printf ("Failure\\n");
call    0 never executed
        -:   13:  else
        1:   14:    printf ("Success\\n");
call    0 returned 1
        1:   15:  return 0;
        -:   16:}
`;

describe('gcov-text parse', () => {
  it('reads the gcc manual example: lines, branches, calls ignored, the function', () => {
    const out = parse(MANUAL);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    const f = only(out);
    expect(f.path).toBe('tmp.c');
    expect([...lineRecords(f)].map((r) => [r.line, r.kind])).toEqual([
      [4, 'hit'],
      [5, 'hit'],
      [6, 'hit'],
      [8, 'hit'],
      [9, 'hit'],
      [11, 'partial'],
      [12, 'miss'],
      [14, 'hit'],
      [15, 'hit'],
    ]);
    expect([...branchRecords(f)]).toEqual([
      { line: 8, id: '0', taken: 10 },
      { line: 8, id: '1', taken: 1 },
      { line: 11, id: '0', taken: 0 },
      { line: 11, id: '1', taken: 1 },
    ]);
    // The summary line precedes the function's first source line.
    expect(f.functions).toEqual([{ name: 'main', line: 4, endLine: null, hits: 1 }]);
    const t = fileTotals(f);
    expect([t.lines, t.hits + t.partials, t.branches, t.branches_hit, t.functions, t.functions_hit]).toEqual([9, 8, 4, 3, 1, 1]);
  });

  it('reads percentages (gcov -b without -c): taken > 0% is taken, 0% is not', () => {
    const out = parse(`        -:    0:Source:a.c
       11:    8:  for (;;)
branch  0 taken 91%
branch  1 taken 9% (fallthrough)
        1:   11:  if (x)
branch  0 taken 0% (fallthrough)
branch  1 taken 100%
`);
    expect([...branchRecords(only(out))].map((b) => b.taken)).toEqual([1, 1, 0, 1]);
  });

  it('reads "never executed" branches as not taken, throw and fallthrough suffixes included', () => {
    const out = parse(`        -:    0:Source:a.cc
    #####:    3:  if (x) throw 1;
branch  0 never executed (fallthrough)
branch  1 never executed
branch  2 never executed (throw)
`);
    const f = only(out);
    expect([...branchRecords(f)].map((b) => [b.id, b.taken])).toEqual([
      ['0', 0],
      ['1', 0],
      ['2', 0],
    ]);
    expect([...lineRecords(f)][0]!.kind).toBe('miss');
  });

  it('reads count markers: -, #####, =====, N*, and -H counts such as 1.2k', () => {
    const out = parse(`        -:    0:Source:a.c
        -:    1:// comment
    #####:    2:  never();
    =====:    3:  only_on_exception_paths();
       3*:    4:  x = y ? a() : b();
     1.2k:    5:  hot();
    4.0M*:    6:  hotter();
`);
    const f = only(out);
    expect([...f.lineNumbers]).toEqual([2, 3, 4, 5, 6]);
    expect([...f.lineHits]).toEqual([0, 0, 3, 1200, 4_000_000]);
  });

  it('ignores gcov -a block lines and unconditional arcs, keeping the branches after them', () => {
    const out = parse(`        -:    0:Source:a.c
       11:    8:  for (i = 0; i < 10; i++)
       11:    8-block  0
branch  0 taken 10
branch  1 taken 1
    $$$$$:    8-block  1
unconditional  0 taken 10
`);
    const f = only(out);
    expect([...f.lineNumbers]).toEqual([8]);
    expect([...f.lineHits]).toEqual([11]);
    expect(f.branchIds).toEqual(['0', '1']);
  });

  it('reads function groups: the summed line once, instance branches and functions with their names', () => {
    const out = parse(`        -:    0:Source:tmp.cpp
        -:    3:template<class T>
        -:    4:class Foo
        -:    5:{
        -:    6:  public:
       2*:    7:  void inc (bool b) { if (b) n++; }
------------------
Foo<char>::inc(bool):
function Foo<char>::inc(bool) called 0 returned 0% blocks executed 0%
    #####:    7:  void inc (bool b) { if (b) n++; }
branch  0 never executed
branch  1 never executed
------------------
Foo<int>::inc(bool):
function Foo<int>::inc(bool) called 2 returned 100% blocks executed 100%
        2:    7:  void inc (bool b) { if (b) n++; }
branch  0 taken 2
branch  1 taken 0
------------------
        -:    8:};
function main called 1 returned 100% blocks executed 100%
        1:    9:int main () { Foo<int> f; f.inc (true); f.inc (true); }
`);
    expect(out.status).toBe('ok');
    const f = only(out);
    // Line 7 once, with the summed count of the main flow (0 + 2); the instance copies add nothing.
    expect([...f.lineNumbers]).toEqual([7, 9]);
    expect([...f.lineHits]).toEqual([2, 1]);
    expect(f.branchIds).toEqual(['Foo<char>::inc(bool)#0', 'Foo<char>::inc(bool)#1', 'Foo<int>::inc(bool)#0', 'Foo<int>::inc(bool)#1']);
    expect(f.functions!.map((x) => [x.name, x.line, x.hits])).toEqual([
      ['Foo<char>::inc(bool)', 7, 0],
      ['Foo<int>::inc(bool)', 7, 2],
      ['main', 9, 1],
    ]);
    expect([...lineRecords(f)][0]).toMatchObject({ line: 7, kind: 'partial', branchesTaken: 1, branchesTotal: 4 });
  });

  it('keeps demangled function names with spaces', () => {
    const out = parse(`        -:    0:Source:a.cc
function operator new(unsigned long, char const*) called 5 returned 100% blocks executed 100%
        5:    2:void* operator new(size_t n, const char*) { return 0; }
`);
    expect(only(out).functions![0]!.name).toBe('operator new(unsigned long, char const*)');
  });

  it('has no function metric when gcov ran without -b (no function lines)', () => {
    const out = parse('        -:    0:Source:a.c\n        1:    1:int x;\n');
    expect(only(out).functions).toBeNull();
    expect(fileTotals(only(out)).functions).toBeNull();
  });

  it('reads several concatenated .gcov files, one per Source header', () => {
    const out = parse('        -:    0:Source:a.c\n        1:    1:a();\n        -:    0:Source:dir/b.c\n    #####:    2:b();\n');
    expect(out.report.files.map((f) => [f.path, [...f.lineNumbers]])).toEqual([
      ['a.c', [1]],
      ['dir/b.c', [2]],
    ]);
  });

  it('keeps the Source path as written, colons included', () => {
    const out = parse('        -:    0:Source:C:/work/src/a.c\n        1:    1:x;\n');
    expect(only(out).path).toBe('C:/work/src/a.c');
  });

  it('gives the same report whatever the chunk sizes, with CRLF too', () => {
    const whole = parse(MANUAL);
    for (const chunk of [1, 3, 17]) expect(parse(MANUAL, chunk).report).toEqual(whole.report);
    expect(parse(MANUAL.replace(/\n/g, '\r\n')).report).toEqual(whole.report);
  });
});

describe('gcov-text corrupt input', () => {
  it('reports an empty file as invalid', () => {
    const out = parse('');
    expect(out.status).toBe('invalid');
    expect(out.diagnostics[0]!.code).toBe('CW_GCOV_EMPTY');
  });

  it('requires the Source header before data', () => {
    const out = parse('        1:    1:int x;\n');
    expect(out.status).toBe('invalid');
    expect(out.diagnostics[0]).toMatchObject({ code: 'CW_GCOV_NO_SOURCE', line: 1, file: 'tmp.c.gcov' });
  });

  it('reports malformed lines with their line numbers and keeps the rest', () => {
    const out = parse(`        -:    0:Source:a.c
        1:    1:ok();
branch  x taken 1
branch  0 taken lots
function f called many returned 1% blocks executed 1%
what is this
    12ab:    2:bad count
        2:    3:ok();
`);
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['CW_GCOV_BAD_LINE', 3],
      ['CW_GCOV_BAD_LINE', 4],
      ['CW_GCOV_BAD_LINE', 5],
      ['CW_GCOV_BAD_LINE', 6],
      ['CW_GCOV_BAD_LINE', 7],
    ]);
    expect(out.diagnostics[0]!.message).toContain('expected');
    expect([...only(out).lineNumbers]).toEqual([1, 3]);
  });

  it('rejects a branch before any source line', () => {
    const out = parse('        -:    0:Source:a.c\nbranch  0 taken 1\n');
    expect(out.status).toBe('invalid');
    expect(out.diagnostics[0]).toMatchObject({ code: 'CW_GCOV_BAD_LINE', line: 2 });
  });

  it('warns about a function summary with no source line after it', () => {
    const out = parse('        -:    0:Source:a.c\nfunction f called 1 returned 100% blocks executed 100%\n');
    expect(out.status).toBe('ok');
    expect(out.diagnostics[0]).toMatchObject({ code: 'CW_GCOV_FUNCTION_WITHOUT_LINE', line: 2 });
  });

  it('drops out-of-range line numbers with a warning', () => {
    const out = parse('        -:    0:Source:a.c\n        1:99999999:x;\n');
    expect(out.status).toBe('ok');
    expect(out.diagnostics[0]!.code).toBe('CW_LINE_TOO_LARGE');
  });
});

describe('gcov-text count fields', () => {
  it('parses every count notation gcov writes', () => {
    const c = (s: string) => parseCountField(s, 0, s.length);
    expect([c('-'), c('#####'), c('====='), c('%%%%%'), c('$$$$$'), c('0'), c('17'), c('17*'), c('1.0k'), c('2.5M*')]).toEqual([-2, 0, 0, 0, 0, 0, 17, 17, 1000, 2_500_000]);
    expect([c(''), c('*'), c('x'), c('1.2'), c('1.2q'), c('-1'), c('##')]).toEqual([-1, -1, -1, -1, -1, -1, -1]);
  });
});

describe('gcov-text detection', () => {
  it('is certain with the Source header', () => {
    expect(detectGcovText(MANUAL, 'tmp.c.gcov')).toBeGreaterThan(0.9);
    expect(detectFormat(MANUAL, 'tmp.c.gcov')).toMatchObject({ kind: 'detected', format: { id: 'gcov-text' } });
  });

  it('guesses from count lines when the header is missing', () => {
    const body = MANUAL.split('\n').slice(4).join('\n');
    expect(detectGcovText(body, 'x.txt')).toBeGreaterThanOrEqual(0.7);
  });

  it('rejects other formats', () => {
    expect(detectGcovText('TN:\nSF:a.c\nDA:1,1\nend_of_record\n', 'lcov.info')).toBe(0);
    expect(detectGcovText('mode: set\na.go:1.1,2.2 1 1\n', 'c.out')).toBe(0);
    expect(detectGcovText('{"format_version": "1"}', 'a.gcov.json')).toBe(0);
    expect(detectGcovText('<?xml version="1.0"?><coverage/>', 'coverage.xml')).toBe(0);
  });
});
