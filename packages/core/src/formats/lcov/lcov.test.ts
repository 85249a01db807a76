import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, lineRecords, reportTotals, type ParseOutcome } from '../../index.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { detectLcov } from './detect.js';
import { createLcovParser } from './parse.js';

function parse(text: string | Uint8Array, chunk = Infinity): ParseOutcome {
  const p = createLcovParser({ fileName: 'lcov.info', limits: DEFAULT_LIMITS });
  const bytes = typeof text === 'string' ? encodeUtf8(text) : text;
  const step = Number.isFinite(chunk) ? chunk : Math.max(1, bytes.length);
  for (let i = 0; i < bytes.length; i += step) p.write(bytes.subarray(i, i + step));
  return p.end();
}

const GENINFO = `TN:
SF:/home/runner/work/p/src/a.c
FN:3,main
FN:10,helper
FNDA:1,main
FNDA:0,helper
FNF:2
FNH:1
BRDA:4,0,0,1
BRDA:4,0,1,0
BRDA:11,0,0,-
BRDA:11,0,1,-
BRF:4
BRH:1
DA:3,1
DA:4,1
DA:5,0
DA:10,0
DA:11,0
LF:5
LH:2
end_of_record
`;

describe('LCOV parser', () => {
  it('reads lines, branches (taken "-" = not taken) and functions', () => {
    const r = parse(GENINFO);
    expect(r.status).toBe('ok');
    expect(r.diagnostics).toEqual([]);
    const f = r.report.files[0]!;
    expect(f.path).toBe('/home/runner/work/p/src/a.c');
    expect([...lineRecords(f)]).toEqual([
      { kind: 'hit', line: 3, hits: 1 },
      { kind: 'partial', line: 4, hits: 1, branchesTaken: 1, branchesTotal: 2, missedBranches: ['0,1'] },
      { kind: 'miss', line: 5 },
      { kind: 'miss', line: 10 },
      { kind: 'miss', line: 11 },
    ]);
    expect(f.functions).toEqual([
      { name: 'main', line: 3, endLine: null, hits: 1 },
      { name: 'helper', line: 10, endLine: null, hits: 0 },
    ]);
    expect(reportTotals(r.report).totals).toMatchObject({ lines: 5, hits: 1, partials: 1, misses: 3, branches: 4, branches_hit: 1, functions: 2, functions_hit: 1 });
  });

  it('gives identical results whatever the chunk boundaries, with CRLF line ends and a BOM', () => {
    const whole = parse(GENINFO);
    const crlf = new Uint8Array([0xef, 0xbb, 0xbf, ...encodeUtf8(GENINFO.replace(/\n/g, '\r\n'))]);
    for (const size of [1, 2, 3, 5, 7, 13, 64]) {
      expect(parse(GENINFO, size)).toEqual(whole);
      expect(parse(crlf, size).report).toEqual(whole.report);
    }
  });

  it('merges repeated SF records of one file: hits add, functions count once by (name, line), "-" + n = n', () => {
    const twice = GENINFO + GENINFO.replace('BRDA:11,0,0,-', 'BRDA:11,0,0,3').replace('FNDA:0,helper', 'FNDA:2,helper').replace('\nDA:11,0\n', '\nDA:11,3\n');
    const r = parse(twice);
    const f = r.report.files[0]!;
    expect(r.report.files).toHaveLength(1);
    expect(Array.from(f.lineHits)).toEqual([2, 2, 0, 0, 3]);
    expect(f.functions!.map((x) => [x.name, x.hits])).toEqual([['main', 2], ['helper', 2]]);
    expect(reportTotals(r.report).totals).toMatchObject({ lines: 5, functions: 2, functions_hit: 2, branches: 4, branches_hit: 2 });
  });

  it('accepts DA checksums (coverage.py, geninfo --checksum) and fractional counts, and lcov 2.x FN end lines', () => {
    const r = parse('SF:a.py\nFN:1,3,f\nFNDA:2,f\nDA:1,1,qIAzW1od9kdW2YGPz7jLaA\nDA:2,1.0\nDA:3,0,abc\nend_of_record\n');
    expect(r.status).toBe('ok');
    const f = r.report.files[0]!;
    expect(Array.from(f.lineHits)).toEqual([1, 1, 0]);
    expect(f.functions).toEqual([{ name: 'f', line: 1, endLine: 3, hits: 2 }]);
  });

  it('gives repeated function names to their FN records in order (istanbul writes one FN/FNDA pair each)', () => {
    const r = parse('SF:a.js\nFN:1,(anonymous_0)\nFN:5,handler\nFN:9,handler\nFNDA:1,(anonymous_0)\nFNDA:0,handler\nFNDA:4,handler\nDA:1,1\nend_of_record\n');
    expect(r.report.files[0]!.functions!.map((x) => [x.name, x.line, x.hits])).toEqual([['(anonymous_0)', 1, 1], ['handler', 5, 0], ['handler', 9, 4]]);
  });

  it('keeps functions null for records without function data (coverage.py), 0 for FNF:0', () => {
    const r = parse('SF:a.py\nDA:1,1\nend_of_record\nSF:b.js\nFNF:0\nFNH:0\nDA:1,1\nend_of_record\n');
    expect(r.report.files.map((f) => f.functions)).toEqual([null, []]);
  });

  it('reports a record whose DA count differs from LF, and still counts the DA lines', () => {
    const r = parse('SF:a.py\nDA:1,1\nDA:2,1\nLF:1\nLH:2\nend_of_record\n');
    expect(r.status).toBe('ok');
    expect(r.diagnostics).toMatchObject([{ code: 'CW_LCOV_SUMMARY_MISMATCH', severity: 'info', line: 1 }]);
    expect(reportTotals(r.report).totals.lines).toBe(2);
  });

  it.each([
    ['SF:a\nDA:x,1\nend_of_record\n', 2, 'CW_LCOV_BAD_RECORD', 'expected "DA:<line>,<hits>[,<checksum>]"'],
    ['SF:a\nDA:1,-3\nend_of_record\n', 2, 'CW_LCOV_BAD_RECORD', 'non-negative'],
    ['SF:a\nBRDA:1,0,0\nend_of_record\n', 2, 'CW_LCOV_BAD_RECORD', 'BRDA'],
    ['SF:a\nBRDA:1,0,0,x\nend_of_record\n', 2, 'CW_LCOV_BAD_RECORD', '<taken> a count or "-"'],
    ['DA:1,1\n', 1, 'CW_LCOV_NO_SOURCE', 'outside an SF'],
    ['SF:a\nhello\nend_of_record\n', 2, 'CW_LCOV_BAD_RECORD', 'an LCOV record'],
    ['TN:\n', undefined, 'CW_LCOV_EMPTY', 'no SF record'],
  ])('refuses %j as invalid, naming line %s', (text, line, code, words) => {
    const r = parse(text);
    expect(r.status).toBe('invalid');
    const d = r.diagnostics.find((x) => x.severity === 'error')!;
    expect(d).toMatchObject({ code, file: 'lcov.info' });
    if (line !== undefined) expect(d.line).toBe(line);
    expect(d.message).toContain(words);
  });

  it('warns (not fails) on a truncated last record, an unknown record type and FNDA without FN', () => {
    const r = parse('SF:a\nXYZ:1\nFNDA:1,ghost\nDA:1,1');
    expect(r.status).toBe('ok');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['CW_LCOV_UNKNOWN_RECORD', 'CW_LCOV_FNDA_WITHOUT_FN', 'CW_LCOV_MISSING_END']);
    expect(reportTotals(r.report).totals.lines).toBe(1);
  });

  it('drops line 0 and clamps absurd counts with warnings', () => {
    const r = parse('SF:a\nDA:0,1\nDA:1,99999999999999999999999\nend_of_record\n');
    expect(r.status).toBe('ok');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['CW_LINE_INVALID', 'CW_HITS_CLAMPED']);
    expect(Array.from(r.report.files[0]!.lineHits)).toEqual([Number.MAX_SAFE_INTEGER]);
  });

  it('detects tracefiles by content', () => {
    expect(detectLcov(GENINFO, 'x')).toBeGreaterThan(0.9);
    expect(detectLcov('<?xml version="1.0"?><coverage/>', 'lcov.info')).toBe(0);
    expect(detectLcov('{"SF:": 1}', 'x')).toBe(0);
  });
});
