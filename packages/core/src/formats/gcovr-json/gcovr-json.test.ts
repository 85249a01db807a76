import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { fileTotals, reportTotals } from '../../model/totals.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import { detectFormat } from '../registry.js';
import type { ParseOutcome } from '../types.js';
import { gcovrJsonFormat } from './index.js';

function parse(doc: unknown, chunk = 9): ParseOutcome {
  const bytes = encodeUtf8(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const p = gcovrJsonFormat.createParser({ fileName: 'gcovr.json', limits: DEFAULT_LIMITS });
  for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}

const branch = (count: number, extra: object = {}) => ({ count, fallthrough: false, throw: false, ...extra });

/** gcovr 5.2 shape: keys sorted, noncode lines present, format version last. */
const GCOVR5 = {
  files: [
    {
      file: 'src/a.c',
      functions: [
        { execution_count: 3, lineno: 2, name: 'main' },
        { execution_count: 0, lineno: 10, name: 'unused' },
      ],
      lines: [
        { branches: [], count: 0, 'gcovr/excluded': false, 'gcovr/noncode': true, line_number: 1 },
        { branches: [], count: 3, 'gcovr/excluded': false, 'gcovr/noncode': false, line_number: 2 },
        { branches: [branch(3), branch(0)], count: 3, 'gcovr/excluded': false, 'gcovr/noncode': false, line_number: 4 },
        { branches: [branch(0), branch(0)], count: 0, 'gcovr/excluded': true, 'gcovr/noncode': false, line_number: 6 },
        { branches: [], count: 0, 'gcovr/excluded': false, 'gcovr/noncode': false, line_number: 11 },
      ],
    },
  ],
  'gcovr/format_version': '0.3',
};

describe('gcovr-json parser', () => {
  it('counts lines as gcovr does: noncode and excluded lines (and their branches) are not lines', () => {
    const r = parse(GCOVR5);
    expect(r.status).toBe('ok');
    expect(r.diagnostics).toEqual([]);
    const f = r.report.files[0]!;
    expect(f.path).toBe('src/a.c');
    expect([...f.lineNumbers]).toEqual([2, 4, 11]);
    expect([...f.lineHits]).toEqual([3, 3, 0]);
    expect([...branchRecords(f)]).toEqual([
      { line: 4, id: '0', taken: 3 },
      { line: 4, id: '1', taken: 0 },
    ]);
    expect([...lineRecords(f)].map((l) => l.kind)).toEqual(['hit', 'partial', 'miss']);
  });

  it('functions: name, lineno, execution_count', () => {
    const f = parse(GCOVR5).report.files[0]!;
    expect(f.functions).toEqual([
      { name: 'main', line: 2, endLine: null, hits: 3 },
      { name: 'unused', line: 10, endLine: null, hits: 0 },
    ]);
    const t = fileTotals(f);
    expect([t.lines, t.hits + t.partials, t.branches, t.branches_hit, t.functions, t.functions_hit]).toEqual([3, 2, 2, 1, 2, 1]);
  });

  it('gcovr 8: per-function line entries keep their branches apart; excluded branches and functions are skipped; pos gives the end line', () => {
    const r = parse({
      'gcovr/format_version': '0.11',
      files: [
        {
          file: 't.hpp',
          lines: [
            { line_number: 3, function_name: '_Z1fIiEvv', count: 1, branches: [branch(1), branch(0)], 'gcovr/md5': 'x' },
            { line_number: 3, function_name: '_Z1fIdEvv', count: 0, branches: [branch(0), branch(0, { 'gcovr/excluded': true })], 'gcovr/md5': 'x' },
          ],
          functions: [
            { name: '_Z1fIiEvv', demangled_name: 'void f<int>()', lineno: 2, execution_count: 1, pos: ['2:1', '5:2'] },
            { name: '_Z1gv', demangled_name: 'g()', lineno: 9, execution_count: 0, 'gcovr/excluded': true },
          ],
        },
      ],
    });
    expect(r.status).toBe('ok');
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['CW_GCOVR_LINE_PER_FUNCTION', 'info']]);
    const f = r.report.files[0]!;
    expect([...f.lineNumbers]).toEqual([3]);
    expect([...f.lineHits]).toEqual([1]);
    expect(f.branchIds).toEqual(['_Z1fIdEvv#0', '_Z1fIiEvv#0', '_Z1fIiEvv#1']);
    expect(f.functions).toEqual([{ name: '_Z1fIiEvv', line: 2, endLine: 5, hits: 1 }]);
  });

  it('a line with more than 10 branches keeps them all', () => {
    const many = Array.from({ length: 12 }, (_, i) => branch(i % 2));
    const f = parse({ files: [{ file: 's.c', functions: [], lines: [{ line_number: 1, count: 1, branches: many }] }] }).report.files[0]!;
    expect(fileTotals(f).branches).toBe(12);
    expect(fileTotals(f).branches_hit).toBe(6);
  });

  it('hostile values give diagnostics, never exceptions, and keep what can be read', () => {
    const r = parse({
      files: [
        {
          file: 'ok.c',
          lines: [
            { line_number: 1, count: 1, branches: [branch(1), { count: 'x' }, null] },
            { line_number: '2', count: 1 },
            { line_number: 3, count: 1, 'gcovr/noncode': 'yes' },
            { line_number: 4, count: 1, branches: 'none' },
            null,
          ],
          functions: [{ name: 'f', lineno: 1, execution_count: 1, pos: 'nope' }, { name: 'g' }, 7],
        },
        { file: 5 },
        { file: 'nolines.c', lines: {}, functions: {} },
        'x',
      ],
    });
    expect(r.status).toBe('invalid');
    const codes = r.diagnostics.map((d) => d.code);
    for (const c of ['CW_GCOVR_BAD_LINE', 'CW_GCOVR_BAD_BRANCH', 'CW_GCOVR_BAD_FUNCTION', 'CW_GCOVR_BAD_FILE', 'CW_GCOVR_BAD_FIELD']) expect(codes, c).toContain(c);
    const ok = r.report.files.find((f) => f.path === 'ok.c')!;
    expect([...ok.lineNumbers]).toEqual([1, 4]);
    expect(ok.branchIds).toEqual(['0']);
    expect(ok.functions).toEqual([{ name: 'f', line: 1, endLine: null, hits: 1 }]);
    const badBranch = r.diagnostics.find((d) => d.code === 'CW_GCOVR_BAD_BRANCH')!;
    expect(badBranch.message).toBe('files[0] ("ok.c").lines: 3 entries are not an array of branches {count} (first: [0].branches[1], an object)');
  });

  it('not gcovr JSON: invalid', () => {
    for (const input of ['[]', '{"files": {}}', '{}', '{"files": [', '']) expect(parse(input).status, input).toBe('invalid');
  });
});

describe('gcovr-json: the gcovr 5.2 fixture', () => {
  it('reproduces gcovr --print-summary exactly', () => {
    const dir = path.join(fixturesDir(), 'c-cjson-gcovr-gcovr-json');
    const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as { totals: Record<string, number> };
    const r = parse(readFileSync(path.join(dir, 'gcovr.json'), 'utf8'), 1 << 20);
    const { totals: t } = reportTotals(r.report);
    const e = expected.totals;
    expect([t.lines, t.hits + t.partials, t.branches, t.branches_hit, t.functions, t.functions_hit]).toEqual([
      e.lines, e.lines_covered, e.branches, e.branches_covered, e.functions, e.functions_covered,
    ]);
  });
});

describe('gcovr-json detection', () => {
  const root = fixturesDir();
  const ownDir = 'c-cjson-gcovr-gcovr-json';

  it('claims its fixture from a truncated head (gcovr 5 writes gcovr/format_version last)', () => {
    const text = readFileSync(path.join(root, ownDir, 'gcovr.json'), 'utf8');
    const head = text.slice(0, 64 * 1024);
    expect(head.includes('gcovr/format_version')).toBe(false);
    expect(gcovrJsonFormat.detect(head, 'gcovr.json')).toBeGreaterThanOrEqual(0.9);
    const d = detectFormat(head, 'gcovr.json');
    expect(d.kind === 'detected' && d.format.id).toBe('gcovr-json');
    // gcovr 6/7 (no noncode entries, excluded absent when false): recognised by the function key `lineno`.
    const g7 = '{"files": [{"file": "a.c", "functions": [{"execution_count": 1, "lineno": 3, "name": "main", "returned_count": 1}], "lines": [{"branches": [], "count": 1, "line_number": 3}';
    expect(gcovrJsonFormat.detect(g7, 'coverage.json')).toBeGreaterThan(0.5);
    expect(gcovrJsonFormat.detect('{"gcovr/format_version": "0.11", "files": [', 'x')).toBeGreaterThan(0.9);
  });

  it('gives 0 for every other fixture, including GCC\'s own gcov JSON', () => {
    for (const dir of readdirSync(root)) {
      if (dir === ownDir || !statSync(path.join(root, dir)).isDirectory()) continue;
      for (const name of readdirSync(path.join(root, dir))) {
        const p = path.join(root, dir, name);
        if (name.endsWith('.gz') || statSync(p).isDirectory()) continue;
        const head = readFileSync(p).subarray(0, 64 * 1024).toString('utf8');
        expect(gcovrJsonFormat.detect(head, name), `${dir}/${name}`).toBe(0);
      }
    }
  });
});

describe('gcovr JSON: streamed entry by entry', () => {
  it('a document far over the document limit reads when each entry is under it, with the same result as a whole parse', () => {
    const files = Array.from({ length: 400 }, (_, i) => ({ file: `src/f${i}.c`, functions: [], lines: [{ line_number: 1, count: i, branches: [] }, { line_number: 2, count: 0, branches: [] }] }));
    const doc = encodeUtf8(JSON.stringify({ 'gcovr/format_version': '0.6', files }));
    const small = { ...DEFAULT_LIMITS, maxDocumentBytes: 2048 };
    expect(doc.length).toBeGreaterThan(10 * small.maxDocumentBytes);
    const p = gcovrJsonFormat.createParser({ fileName: 'gcovr.json', limits: small });
    for (let i = 0; i < doc.length; i += 1000) p.write(doc.subarray(i, i + 1000));
    const streamed = p.end();
    expect(streamed.status).toBe('ok');
    const whole = parse({ 'gcovr/format_version': '0.6', files }, 1 << 20);
    expect(reportTotals(streamed.report)).toEqual(reportTotals(whole.report));
    expect(reportTotals(streamed.report).totals).toMatchObject({ files: 400, lines: 800, hits: 399 });
  });
});
