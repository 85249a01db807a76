import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { mergeReports } from '../../model/merge.js';
import { fileTotals, reportTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { detectFormat } from '../registry.js';
import { detectGcovJson } from './detect.js';
import { DocumentSplitter } from './document-splitter.js';
import { createGcovJsonParser } from './parse.js';

function parseBytes(bytes: Uint8Array, chunk = 0) {
  const p = createGcovJsonParser({ fileName: 'a.gcov.json', limits: DEFAULT_LIMITS });
  if (chunk <= 0) p.write(bytes);
  else for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}
const parse = (v: unknown, chunk = 0) => parseBytes(encodeUtf8(typeof v === 'string' ? v : JSON.stringify(v)), chunk);

/** A translation unit as gcc 12 writes it (key order is gcc's hash order). */
const UNIT = {
  gcc_version: '12.2.0',
  files: [
    {
      lines: [
        { branches: [], count: 3, line_number: 4, unexecuted_block: false, function_name: 'f' },
        {
          branches: [
            { count: 2, throw: false, fallthrough: true },
            { count: 0, throw: false, fallthrough: false },
          ],
          count: 3,
          line_number: 5,
          unexecuted_block: true,
          function_name: 'f',
        },
        { branches: [], count: 0, line_number: 6, unexecuted_block: true, function_name: 'f' },
      ],
      functions: [
        { blocks: 4, end_column: 1, start_line: 3, name: 'f', blocks_executed: 3, execution_count: 3, demangled_name: 'f', start_column: 5, end_line: 8 },
        { blocks: 2, end_column: 1, start_line: 10, name: '_Z1gi', blocks_executed: 0, execution_count: 0, demangled_name: 'g(int)', start_column: 5, end_line: 12 },
      ],
      file: 'src/a.c',
    },
  ],
  format_version: '1',
  current_working_directory: '/build',
  data_file: 'a.gcda',
};

describe('gcov-json parse', () => {
  it('maps lines, branch arcs and functions one to one', () => {
    const out = parse(UNIT);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    const f = out.report.files[0]!;
    expect(f.path).toBe('src/a.c');
    expect([...lineRecords(f)].map((r) => [r.line, r.kind])).toEqual([
      [4, 'hit'],
      [5, 'partial'],
      [6, 'miss'],
    ]);
    expect([...branchRecords(f)]).toEqual([
      { line: 5, id: '0', taken: 2 },
      { line: 5, id: '1', taken: 0 },
    ]);
    // demangled_name is the function's name (as gcov -f prints it); start/end lines kept.
    expect(f.functions).toEqual([
      { name: 'f', line: 3, endLine: 8, hits: 3 },
      { name: 'g(int)', line: 10, endLine: 12, hits: 0 },
    ]);
    const t = fileTotals(f);
    expect([t.lines, t.hits + t.partials, t.branches, t.branches_hit, t.functions, t.functions_hit]).toEqual([3, 2, 2, 1, 2, 1]);
  });

  it('reads format_version 2 (gcc 14: block ids, calls) by the fields both versions share', () => {
    const v2 = structuredClone(UNIT) as typeof UNIT & { format_version: string };
    v2.format_version = '2';
    (v2.files[0]!.lines[1] as Record<string, unknown>).block_ids = [3, 4];
    (v2.files[0]!.lines[1] as Record<string, unknown>).calls = [{ destination_function: 'h', returned: 2 }];
    (v2.files[0]!.lines[1]!.branches[0] as Record<string, unknown>).source_block_id = 3;
    const out = parse(v2);
    expect(out.status).toBe('ok');
    expect(out.diagnostics).toEqual([]);
    expect(out.report).toEqual(parse(UNIT).report);
  });

  it('gives a file a function metric even with no functions, and merges files across units by path', () => {
    const a = { format_version: '1', gcc_version: '9.4.0', files: [{ file: 'h.h', lines: [{ line_number: 2, count: 1, branches: [] }], functions: [] }] };
    const b = { format_version: '1', gcc_version: '9.4.0', files: [{ file: 'h.h', lines: [{ line_number: 2, count: 4, branches: [] }], functions: [] }] };
    const merged = mergeReports([parse(a).report, parse(b).report]);
    const f = merged.files[0]!;
    expect([...f.lineHits]).toEqual([5]);
    expect(fileTotals(f).functions).toBe(0);
  });

  it('keeps the branches of a line repeated by function-group instances apart', () => {
    const unit = {
      format_version: '1',
      gcc_version: '12.2.0',
      files: [
        {
          file: 't.cc',
          functions: [],
          lines: [
            { line_number: 7, count: 0, function_name: 'Foo<char>::inc()', branches: [{ count: 0 }, { count: 0 }] },
            { line_number: 7, count: 2, function_name: 'Foo<int>::inc()', branches: [{ count: 2 }, { count: 0 }] },
          ],
        },
      ],
    };
    const f = parse(unit).report.files[0]!;
    // One line (counts add up), four branch outcomes, as gcov counts them.
    expect([...f.lineNumbers]).toEqual([7]);
    expect([...f.lineHits]).toEqual([2]);
    expect(f.branchIds).toEqual(['0', '1', '1:0', '1:1']);
  });

  it('reads several documents, one per line, as gcov --stdout writes them for several .gcda files', () => {
    const a = { ...UNIT, files: [{ ...UNIT.files[0]!, file: 'a.c' }] };
    const b = { ...UNIT, files: [{ ...UNIT.files[0]!, file: 'b.c' }] };
    const out = parse(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
    expect(out.status).toBe('ok');
    expect(out.report.files.map((f) => f.path)).toEqual(['a.c', 'b.c']);
  });

  it('reads a pretty-printed document as one document', () => {
    const out = parse(JSON.stringify(UNIT, null, 2));
    expect(out.status).toBe('ok');
    expect(out.report).toEqual(parse(UNIT).report);
  });

  it('gives the same report whatever the chunk sizes', () => {
    const whole = parse(UNIT);
    for (const chunk of [1, 7, 100]) expect(parse(UNIT, chunk).report).toEqual(whole.report);
  });

  it('splits documents only at a newline between "}" and "{"', () => {
    const spans = (s: string) => {
      const docs: [string, number][] = [];
      const decoder = new TextDecoder();
      const splitter = new DocumentSplitter({
        begin: (line) => docs.push(['', line]),
        bytes: (b) => (docs[docs.length - 1]![0] += decoder.decode(b)),
        end: () => undefined,
      });
      splitter.write(encodeUtf8(s));
      splitter.finish();
      return docs;
    };
    expect(spans('{"a":1}\n{"b":2}\n')).toEqual([
      ['{"a":1}', 1],
      ['{"b":2}', 2],
    ]);
    expect(spans('{\n "a": {\n  "b": 1\n },\n "c": [{}, {}]\n}\n')).toHaveLength(1);
    expect(spans('\n\n')).toEqual([]);
  });
});

describe('gcov-json corrupt input', () => {
  it('reports empty input and syntax errors as invalid, with the report line', () => {
    expect(parse('').diagnostics[0]!.code).toBe('CW_GCOV_JSON_EMPTY');
    const bad = parse(`${JSON.stringify(UNIT)}\n{"files": [}\n`);
    expect(bad.status).toBe('invalid');
    expect(bad.diagnostics[0]).toMatchObject({ code: 'CW_JSON_SYNTAX', line: 2, file: 'a.gcov.json' });
    // The good first document is still read.
    expect(bad.report.files).toHaveLength(1);
  });

  it('rejects a document that is not a gcov unit', () => {
    for (const v of [[], '"x"', { files: 3 }, { format_version: '1' }]) {
      const out = parse(v);
      expect(out.status).toBe('invalid');
      expect(out.diagnostics.some((d) => d.code === 'CW_GCOV_JSON_SHAPE')).toBe(true);
    }
  });

  it('diagnoses wrong types field by field, once per field, keeping the good records', () => {
    const unit = {
      format_version: '1',
      files: [
        { file: 7 },
        null,
        {
          file: 'a.c',
          lines: [
            { line_number: 1, count: 1 },
            { line_number: '2', count: 1 },
            { line_number: 3, count: -1 },
            { line_number: 0, count: 1 },
            { line_number: 5, count: null },
            { line_number: 6, count: 1, branches: [{ count: 'x' }, { count: 1 }, null] },
            { line_number: 7, count: 1, branches: {} },
          ],
          functions: [{ name: 'f', start_line: 1, execution_count: 1 }, { name: 'g' }, 'h', { name: 'k', start_line: 2, execution_count: '__HUGE__' }],
        },
      ],
    };
    // 1e400 is valid JSON that JSON.parse reads as Infinity: the builder clamps it.
    const out = parse(JSON.stringify(unit).replace('"__HUGE__"', '1e400'));
    expect(out.status).toBe('invalid');
    const codes = out.diagnostics.map((d) => d.code);
    expect([...codes].sort()).toEqual(['CW_GCOV_JSON_BRANCH', 'CW_GCOV_JSON_FILE', 'CW_GCOV_JSON_FUNCTION', 'CW_GCOV_JSON_LINE', 'CW_HITS_CLAMPED']);
    expect(out.diagnostics.find((d) => d.code === 'CW_GCOV_JSON_LINE')!.message).toMatch(/4 entries are not .*line_number/);
    expect(out.diagnostics.find((d) => d.code === 'CW_GCOV_JSON_FILE')!.message).toContain('2 entries');
    const f = out.report.files[0]!;
    expect([...f.lineNumbers]).toEqual([1, 6, 7]);
    expect([...branchRecords(f)]).toEqual([{ line: 6, id: '1', taken: 1 }]);
    expect(f.functions!.map((x) => x.name)).toEqual(['f', 'k']);
  });

  it('warns about an unknown or missing format_version but reads the document', () => {
    const out = parse({ ...UNIT, format_version: '99' });
    expect(out.status).toBe('ok');
    expect(out.diagnostics.map((d) => d.code)).toEqual(['CW_GCOV_JSON_VERSION']);
    const { format_version: _v, ...noVersion } = UNIT;
    expect(parse(noVersion).diagnostics.map((d) => d.code)).toEqual(['CW_GCOV_JSON_VERSION']);
  });

  it('is not fooled by __proto__ or constructor keys', () => {
    const out = parse('{"format_version":"1","files":[{"file":"a.c","__proto__":{"lines":[{"line_number":1,"count":1}]},"constructor":1}]}');
    expect(out.status).toBe('ok');
    expect(out.report.files[0]!.lineNumbers.length).toBe(0);
  });
});

describe('gcov-json detection', () => {
  it('is certain for gcov output, also on a truncated head', () => {
    const text = JSON.stringify(UNIT);
    expect(detectGcovJson(text, 'a.gcov.json')).toBeGreaterThan(0.9);
    expect(detectGcovJson(text.slice(0, 80), 'x')).toBeGreaterThan(0.5);
    expect(detectFormat(text, 'a.gcov.json')).toMatchObject({ kind: 'detected', format: { id: 'gcov-json' } });
  });

  it('rejects gcovr JSON and other formats', () => {
    expect(detectGcovJson('{"files": [{"file": "a.c", "functions": [], "lines": [{"branches": [], "count": 0, "gcovr/noncode": true, "line_number": 4}]}], "gcovr/format_version": "0.6"}', 'gcovr.json')).toBe(0);
    expect(detectGcovJson('{"data":[{"files":[{"filename":"a.c","segments":[]}]}]}', 'x.json')).toBe(0);
    expect(detectGcovJson('TN:\nSF:a.c\n', 'lcov.info')).toBe(0);
    expect(detectGcovJson('{"a.js": {"path": "a.js", "statementMap": {}}}', 'coverage-final.json')).toBe(0);
  });
});

describe('gcov-json on real gcov 12 output (cJSON)', () => {
  const dir = path.join(fixturesDir(), 'c-cjson-gcov-json-lib');
  const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as {
    totals: Record<string, number>;
    files: Record<string, Record<string, number>>;
  };
  const names = ['cJSON.c.gcov.json', 'cJSON_Utils.c.gcov.json'];

  it('reproduces gcov\'s own per-file lines and branches, and its function totals, from the .gz files', () => {
    const outs = names.map((n) => parseBytes(gunzipSync(readFileSync(path.join(dir, `${n}.gz`)))));
    for (const o of outs) expect(o.status).toBe('ok');
    const { totals, files } = reportTotals(mergeReports(outs.map((o) => o.report)));
    expect({ lines: totals.lines, lines_covered: totals.hits + totals.partials, branches: totals.branches, branches_covered: totals.branches_hit, functions: totals.functions, functions_covered: totals.functions_hit }).toEqual({
      lines: expected.totals.lines,
      lines_covered: expected.totals.lines_covered,
      branches: expected.totals.branches,
      branches_covered: expected.totals.branches_covered,
      functions: expected.totals.functions,
      functions_covered: expected.totals.functions_covered,
    });
    for (const [p, t] of files) {
      expect({ lines: t.lines, lines_covered: t.hits + t.partials, branches: t.branches, branches_covered: t.branches_hit }).toEqual(expected.files[p]);
    }
  });

  it('reads the uncompressed twins identically except for branches, which they lack (gcov ran without -b)', () => {
    for (const n of names) {
      const plain = parseBytes(readFileSync(path.join(dir, n)));
      const gz = parseBytes(gunzipSync(readFileSync(path.join(dir, `${n}.gz`))));
      const a = plain.report.files[0]!;
      const b = gz.report.files[0]!;
      expect(a.branchLines.length).toBe(0);
      expect(b.branchLines.length).toBeGreaterThan(0);
      // The missing -b is pointed out (info), the .gz twin has no such note.
      expect(plain.diagnostics.map((d) => [d.code, d.severity])).toEqual([['CW_GCOV_JSON_NO_BRANCHES', 'info']]);
      expect(gz.diagnostics).toEqual([]);
      expect([a.path, [...a.lineNumbers], [...a.lineHits], a.functions]).toEqual([b.path, [...b.lineNumbers], [...b.lineHits], b.functions]);
    }
  });
});
