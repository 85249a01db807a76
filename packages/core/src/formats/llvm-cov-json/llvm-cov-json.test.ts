import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { fileTotals, reportTotals } from '../../model/totals.js';
import { decodeUtf8, encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { detectFormat } from '../registry.js';
import { detectLlvmCovJson } from './detect.js';
import { createLlvmCovJsonParser } from './parse.js';
import { buildSegments, lineCounts, type Region } from './segments.js';

function parse(v: unknown, chunk = 0) {
  const p = createLlvmCovJsonParser({ fileName: 'coverage.json', limits: DEFAULT_LIMITS });
  const bytes = encodeUtf8(typeof v === 'string' ? v : JSON.stringify(v));
  if (chunk <= 0) p.write(bytes);
  else for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}

const R = (ls: number, cs: number, le: number, ce: number, count: number, kind = 0): Region => ({ ls, cs, le, ce, count, kind });
const seg = (s: { line: number; col: number; count: number; hasCount: boolean; isRegionEntry: boolean; isGap: boolean }) => [s.line, s.col, s.count, s.hasCount, s.isRegionEntry, s.isGap];

/**
 * `if (x) a(); else b();` over six lines, as clang maps it:
 * ```
 * 1 int f(int x) {      body   [1:14-6:2]  n
 * 2   if (x)            cond   [2:7-2:8]   n,  gap [2:9-3:5]  t
 * 3     a();            then   [3:5-3:9]   t,  gap [3:10-5:5] e
 * 4   else
 * 5     b();            else   [5:5-5:9]   e
 * 6 }
 * ```
 */
function ifElse(n: number, t: number, e: number, fileId = 0): number[][] {
  return [
    [1, 14, 6, 2, n, fileId, 0, 0],
    [2, 7, 2, 8, n, fileId, 0, 0],
    [2, 9, 3, 5, t, fileId, 0, 3],
    [3, 5, 3, 9, t, fileId, 0, 0],
    [3, 10, 5, 5, e, fileId, 0, 3],
    [5, 5, 5, 9, e, fileId, 0, 0],
  ];
}
const toRegions = (rows: number[][]) => rows.map((r) => R(r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[7]!));

function fn(name: string, count: number, filenames: string[], regions: number[][], branches: number[][] = []) {
  return { name, count, filenames, regions, branches };
}
function exportOf(files: string[], functions: unknown[] | undefined) {
  const d: Record<string, unknown> = { files: files.map((filename) => ({ filename, segments: [], branches: [], expansions: [] })) };
  if (functions !== undefined) d.functions = functions;
  return { data: [d], type: 'llvm.coverage.json.export', version: '2.0.1' };
}

describe('llvm-cov segments (port of LLVM 14 SegmentBuilder + LineCoverageIterator)', () => {
  it('builds the segments llvm builds for an if/else with gap regions', () => {
    const segs = buildSegments(toRegions(ifElse(3, 3, 0)));
    expect(segs.map(seg)).toEqual([
      [1, 14, 3, true, true, false],
      [2, 7, 3, true, true, false],
      [2, 8, 3, true, false, false],
      // the gap at 2:9 has the same count as the segment before it: dropped (changes no rendering)
      [3, 5, 3, true, true, false],
      [3, 9, 3, true, false, false],
      [3, 10, 0, true, false, true],
      [5, 5, 0, true, true, false],
      [5, 9, 3, true, false, false],
      [6, 2, 0, false, false, false],
    ]);
  });

  it('counts lines as llvm does: the wrapped gap decides a line with no region start', () => {
    // then ran, else did not: the `else` line 4 takes the gap's count (0), line 6 the body's again.
    const a = lineCounts(buildSegments(toRegions(ifElse(3, 3, 0))), 1e6);
    expect([a.lines, a.counts]).toEqual([
      [1, 2, 3, 4, 5, 6],
      [3, 3, 3, 0, 0, 3],
    ]);
    const b = lineCounts(buildSegments(toRegions(ifElse(3, 0, 3))), 1e6);
    expect(b.counts).toEqual([3, 3, 0, 3, 3, 3]);
  });

  it('does not map the lines of a skipped region (#if 0), nor an empty line marked skipped', () => {
    // body 1:1-8:2; lines 3-5 preprocessed away; a zero-length skipped region on line 7.
    const regions = [R(1, 1, 8, 2, 4), R(3, 1, 5, 7, 0, 2), R(7, 1, 7, 1, 0, 2)];
    const lc = lineCounts(buildSegments(regions), 1e6);
    expect(lc.lines).toEqual([1, 2, 6, 8]);
    expect(lc.counts).toEqual([4, 4, 4, 4]);
  });

  it('adds up the counts of identical regions of the same kind only', () => {
    const segs = buildSegments([R(1, 1, 2, 2, 3), R(1, 1, 2, 2, 4), R(1, 1, 2, 2, 100, 1)]);
    expect(segs[0]!.count).toBe(7);
  });

  it('stops walking at the work limit', () => {
    const lc = lineCounts(buildSegments([R(1, 1, 9_000_000, 2, 1)]), 1000);
    expect(lc.visited).toBe(1000);
    expect(lc.lines).toHaveLength(1000);
  });
});

describe('llvm-cov-json parse', () => {
  it('groups instantiations by definition and takes the best one, not the union (as llvm-cov report)', () => {
    // Two test binaries carry their own copy of f: one ran the then-branch, the other the else.
    const doc = exportOf(['/src/a.c'], [
      fn('f', 3, ['/src/a.c'], ifElse(3, 3, 0), [[2, 7, 2, 8, 3, 0, 0, 0, 4]]),
      fn('f', 3, ['/src/a.c'], ifElse(3, 0, 3), [[2, 7, 2, 8, 0, 3, 0, 0, 4]]),
    ]);
    const out = parse(doc);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    const f = out.report.files[0]!;
    // llvm: covered lines = max(4, 5) = 5 of 6 (the union would be 6): the else-run copy is kept.
    expect([...lineRecords(f)].map((r) => [r.line, r.kind])).toEqual([
      [1, 'hit'],
      [2, 'partial'],
      [3, 'miss'],
      [4, 'hit'],
      [5, 'hit'],
      [6, 'hit'],
    ]);
    // Each branch region is two outcomes; max covered over copies = 1 of 2.
    expect([...branchRecords(f)]).toEqual([
      { line: 2, id: '7:false', taken: 0 },
      { line: 2, id: '7:true', taken: 3 },
    ]);
    // One function for both copies, covered; hits add up (getTotalExecutionCount).
    expect(f.functions).toEqual([{ name: 'f', line: 1, endLine: 6, hits: 6 }]);
  });

  it('counts branches inside macro expansions on the line of the expansion site', () => {
    // f in a.c expands a macro from a.h at 2:3; the macro body holds a condition.
    const doc = exportOf(['/src/a.c', '/src/a.h'], [
      fn('f', 5, ['/src/a.c', '/src/a.h'], [
        [1, 1, 3, 2, 5, 0, 0, 0],
        [2, 3, 2, 10, 5, 0, 1, 1],
        [10, 20, 10, 40, 5, 1, 0, 0],
      ], [
        [10, 25, 10, 30, 4, 1, 1, 0, 4],
        [1, 5, 1, 6, 0, 0, 0, 0, 4],
      ]),
    ]);
    const out = parse(doc);
    const a = out.report.files.find((x) => x.path === '/src/a.c')!;
    expect([...branchRecords(a)]).toEqual([
      { line: 1, id: '5:false', taken: 0 },
      { line: 1, id: '5:true', taken: 0 },
      { line: 2, id: '3>10.25:false', taken: 1 },
      { line: 2, id: '3>10.25:true', taken: 4 },
    ]);
    // The header is only reached through the macro: listed, with no lines and no functions (llvm: 0/0).
    const h = out.report.files.find((x) => x.path === '/src/a.h')!;
    const t = fileTotals(h);
    expect([t.lines, t.branches, t.functions]).toEqual([0, 0, 0]);
  });

  it('counts a function in the file that defines it (a static inline in a header)', () => {
    const doc = exportOf(['/src/a.c', '/src/util.h'], [
      fn('util.h:helper', 2, ['/src/util.h'], [[3, 30, 5, 2, 2, 0, 0, 0]]),
      fn('main', 1, ['/src/a.c'], [[1, 12, 4, 2, 1, 0, 0, 0]]),
    ]);
    const out = parse(doc);
    const { files } = reportTotals(out.report);
    expect(files.get('/src/util.h')).toMatchObject({ lines: 3, functions: 1, functions_hit: 1 });
    expect(files.get('/src/a.c')).toMatchObject({ lines: 4, functions: 1 });
    expect(out.report.files.find((x) => x.path === '/src/util.h')!.functions![0]!.name).toBe('util.h:helper');
  });

  it('names a group whose instantiations differ in name as llvm does', () => {
    const doc = exportOf(['/src/t.cc'], [
      fn('_Z3maxIiET_S0_S0_', 1, ['/src/t.cc'], [[2, 30, 2, 50, 1, 0, 0, 0]]),
      fn('_Z3maxIdET_S0_S0_', 0, ['/src/t.cc'], [[2, 30, 2, 50, 0, 0, 0, 0]]),
    ]);
    const f = parse(doc).report.files[0]!;
    expect(f.functions).toEqual([{ name: 'Definition at line 2, column 30', line: 2, endLine: 2, hits: 1 }]);
  });

  it('ignores functions of files the export does not list', () => {
    const doc = exportOf(['/src/a.c'], [fn('f', 1, ['/usr/include/x.h'], [[1, 1, 2, 2, 1, 0, 0, 0]])]);
    const out = parse(doc);
    expect(out.report.files.map((f) => f.path)).toEqual(['/src/a.c']);
    expect(fileTotals(out.report.files[0]!).functions).toBe(0);
  });

  it('cross-checks llvm\'s own file summary and reports a difference as info', () => {
    const doc = exportOf(['/src/a.c'], [fn('main', 1, ['/src/a.c'], [[1, 12, 4, 2, 1, 0, 0, 0]])]) as unknown as { data: { files: Record<string, unknown>[] }[] };
    doc.data[0]!.files[0]!.summary = { lines: { count: 5, covered: 4 }, functions: { count: 1, covered: 1 }, branches: { count: 0, covered: 0 } };
    const out = parse(doc);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toHaveLength(1);
    expect(out.diagnostics[0]).toMatchObject({ code: 'CW_LLVM_COV_SUMMARY_MISMATCH', severity: 'info' });
    expect(out.diagnostics[0]!.message).toContain("lines 4 (llvm-cov's summary: 5)");
  });

  it('counts an export without functions (-skip-functions) from the file segments, with no function metric', () => {
    const segments = buildSegments(toRegions(ifElse(3, 3, 0))).map(seg);
    const doc = {
      data: [{ files: [{ filename: '/src/a.c', segments, branches: [[2, 7, 2, 8, 3, 0, 0, 0, 4]], expansions: [{ source_region: [4, 3, 4, 9, 1, 0, 1, 1], branches: [[9, 1, 9, 4, 1, 1, 1, 0, 4]], filenames: ['/src/a.c', '/src/m.h'], target_regions: [] }] }] }],
      type: 'llvm.coverage.json.export',
      version: '2.0.1',
    };
    const out = parse(doc);
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => [d.code, d.severity])).toEqual([['CW_LLVM_COV_NO_FUNCTIONS', 'info']]);
    const f = out.report.files[0]!;
    expect([...f.lineHits]).toEqual([3, 3, 3, 0, 0, 3]);
    expect(f.branchIds).toEqual(['7:false', '7:true', '3>9.1:false', '3>9.1:true']);
    expect(f.functions).toBeNull();
  });

  it('refuses a -summary-only export: it has no line data', () => {
    const out = parse({ data: [{ files: [{ filename: '/src/a.c', summary: { lines: { count: 3, covered: 1 } } }], totals: {} }], type: 'llvm.coverage.json.export', version: '2.0.1' });
    expect(out.status).toBe('invalid');
    expect(out.diagnostics[0]!.code).toBe('CW_LLVM_COV_SUMMARY_ONLY');
  });

  it('gives the same report whatever the chunk sizes', () => {
    const doc = exportOf(['/src/a.c'], [fn('f', 3, ['/src/a.c'], ifElse(3, 3, 0), [[2, 7, 2, 8, 3, 0, 0, 0, 4]])]);
    const whole = parse(doc);
    for (const chunk of [1, 13, 500]) expect(parse(doc, chunk).report).toEqual(whole.report);
  });
});

describe('llvm-cov-json corrupt input', () => {
  it('reports malformed JSON and wrong shapes as invalid', () => {
    expect(parse('{"data": [').diagnostics[0]!.code).toBe('CW_JSON_SYNTAX');
    expect(parse('').status).toBe('invalid');
    for (const v of [[], { data: 1 }, { data: [1] }, { data: [{ files: {} }] }]) {
      const out = parse(v);
      expect(out.status).toBe('invalid');
      expect(out.diagnostics.some((d) => d.code === 'CW_LLVM_COV_SHAPE')).toBe(true);
    }
  });

  it('skips malformed functions with one error per list, keeping the good ones', () => {
    const good = fn('ok', 1, ['/src/a.c'], [[1, 1, 2, 2, 1, 0, 0, 0]]);
    const doc = exportOf(['/src/a.c'], [
      good,
      fn('badfile', 1, ['/src/a.c'], [[1, 1, 2, 2, 1, 5, 0, 0]]), // file id out of range
      fn('backwards', 1, ['/src/a.c'], [[5, 1, 2, 2, 1, 0, 0, 0]]), // ends before it starts
      fn('short', 1, ['/src/a.c'], [[1, 1, 2]]),
      fn('neg', -1, ['/src/a.c'], [[1, 1, 2, 2, 1, 0, 0, 0]]),
      { name: 'nofiles', count: 1, regions: [] },
      fn('badbranch', 1, ['/src/a.c'], [[3, 1, 4, 2, 1, 0, 0, 0]], [[3, 1, 3, 2, 'x' as unknown as number, 0, 0, 0, 4]]),
      null,
    ]);
    const out = parse(doc);
    expect(out.status).toBe('invalid');
    expect(out.diagnostics).toHaveLength(1);
    expect(out.diagnostics[0]).toMatchObject({ code: 'CW_LLVM_COV_FUNCTION', severity: 'error' });
    expect(out.diagnostics[0]!.message).toContain('7 entries are not a valid function record');
    expect(out.report.files[0]!.functions!.map((f) => f.name)).toEqual(['ok']);
  });

  it('reports files without a filename', () => {
    const out = parse({ data: [{ files: [{ filename: 3 }, { filename: '/src/a.c', segments: [] }], functions: [] }] });
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_LLVM_COV_TYPE', 'CW_LLVM_COV_FILE']);
    expect(out.report.files.map((f) => f.path)).toEqual(['/src/a.c']);
  });

  it('stops on hostile line spans instead of walking millions of lines', () => {
    const started = Date.now();
    const fns = [];
    for (let i = 0; i < 50; i++) fns.push(fn(`f${i}`, 1, ['/src/a.c'], [[1 + i, 1, 9_000_000, 2, 1, 0, 0, 0]]));
    const out = parse(exportOf(['/src/a.c'], fns));
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.some((d) => d.code === 'CW_LLVM_COV_TOO_LARGE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('stops on regions nested thousands deep (llvm\'s segment builder is quadratic in depth)', () => {
    const started = Date.now();
    const regions: number[][] = [];
    for (let i = 0; i < 20_000; i++) regions.push([1 + i, 1, 100_000 - i, 1, 1, 0, 0, 0]);
    const out = parse(exportOf(['/src/a.c'], [fn('deep', 1, ['/src/a.c'], regions)]));
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.some((d) => d.code === 'CW_LLVM_COV_TOO_LARGE')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('llvm-cov-json detection', () => {
  it('recognises the opening of an export, even in a truncated head', () => {
    expect(detectLlvmCovJson('{"data":[{"files":[{"branches":[[101,9,101,30,2,1,0,0,4]', 'coverage.json')).toBeGreaterThan(0.9);
    expect(detectLlvmCovJson('{"data":[{"files":[{"filename":"/a.c","segments":[[1,2,3,true,true,false]', 'x.json')).toBeGreaterThan(0.9);
    expect(detectLlvmCovJson('{"data":[{"files":[', 'x.json')).toBeGreaterThan(0.5);
  });

  it('rejects other JSON formats', () => {
    expect(detectLlvmCovJson('{"gcc_version": "12.2.0", "files": [', 'a.gcov.json')).toBe(0);
    expect(detectLlvmCovJson('{"meta": {"version": "6.5.0"}, "files": {}}', 'coverage.json')).toBe(0);
    expect(detectLlvmCovJson('{"files": [{"file": "a.c"}], "gcovr/format_version": "0.6"}', 'gcovr.json')).toBe(0);
    expect(detectLlvmCovJson('{"data": {"a": 1}}', 'x.json')).toBe(0);
    expect(detectLlvmCovJson('TN:\nSF:a.c\n', 'lcov.info')).toBe(0);
  });
});

describe('llvm-cov-json on a real export (cJSON, LLVM 14, 22 test binaries)', () => {
  const file = path.join(fixturesDir(), 'c-cjson-llvm-llvm-cov-json', 'coverage.json');
  const bytes = readFileSync(file);

  it('is detected from its first 64 KiB', () => {
    const head = decodeUtf8(new Uint8Array(bytes.subarray(0, 64 * 1024)));
    expect(detectFormat(head, 'coverage.json')).toMatchObject({ kind: 'detected', format: { id: 'llvm-cov-json' } });
  });

  it('rebuilds every file\'s own "segments" exactly from the functions\' regions (validates the port)', () => {
    const doc = JSON.parse(bytes.toString('utf8')) as {
      data: { files: { filename: string; segments: unknown[][] }[]; functions: { filenames: string[]; regions: number[][] }[] }[];
    };
    const d = doc.data[0]!;
    const byFile = new Map<string, Region[]>();
    // CoverageMapping::getCoverageForFile: every region of every function in that file.
    for (const f of d.functions) {
      for (const r of f.regions) {
        const name = f.filenames[r[5]!]!;
        const list = byFile.get(name) ?? [];
        list.push(R(r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[7]!));
        byFile.set(name, list);
      }
    }
    expect(d.files).toHaveLength(29);
    for (const f of d.files) expect(buildSegments(byFile.get(f.filename) ?? []).map(seg), f.filename).toEqual(f.segments);
  });

  it('agrees with llvm-cov\'s own summary for every file (no mismatch diagnostics)', () => {
    const p = createLlvmCovJsonParser({ fileName: 'coverage.json', limits: DEFAULT_LIMITS });
    p.write(bytes);
    const out = p.end();
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
  });
});
