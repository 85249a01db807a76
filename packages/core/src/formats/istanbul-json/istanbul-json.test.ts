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
import { istanbulJsonFormat } from './index.js';

function parse(doc: unknown, chunk = 7): ParseOutcome {
  const bytes = encodeUtf8(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const p = istanbulJsonFormat.createParser({ fileName: 'coverage-final.json', limits: DEFAULT_LIMITS });
  for (let i = 0; i < bytes.length; i += chunk) p.write(bytes.subarray(i, i + chunk));
  return p.end();
}

const loc = (line: number, column = 0, endLine = line, endColumn = column + 5) => ({ start: { line, column }, end: { line: endLine, column: endColumn } });

/** A small nyc-style file: two statements on line 3 (counts 2 and 0), a function, an if/else on line 3. */
const NYC = {
  '/src/a.js': {
    path: '/src/a.js',
    statementMap: { '0': loc(1), '1': loc(3, 2), '2': loc(3, 20), '3': loc(5) },
    fnMap: {
      '0': { name: 'f', decl: loc(2, 9), loc: loc(2, 14, 6, 1), line: 2 },
      '1': { name: '(anonymous_1)', decl: loc(8, 1), loc: loc(8, 1, 9, 1), line: 8 },
    },
    branchMap: { '0': { type: 'if', line: 3, loc: loc(3, 2), locations: [loc(3, 2), loc(3, 2)] } },
    s: { '0': 1, '1': 2, '2': 0, '3': 0 },
    f: { '0': 2, '1': 0 },
    b: { '0': [2, 0] },
    _coverageSchema: '1a1c01bbd47fc00a2c39e90264f33305004495a9',
    hash: 'abc',
    contentHash: 'def',
  },
};

describe('istanbul-json parser', () => {
  it('a line counts the largest count of the statements starting on it; statements keep (line, column)', () => {
    const r = parse(NYC);
    expect(r.status).toBe('ok');
    expect(r.diagnostics).toEqual([]);
    const f = r.report.files[0]!;
    expect(f.path).toBe('/src/a.js');
    expect([...f.lineNumbers]).toEqual([1, 3, 5]);
    expect([...f.lineHits]).toEqual([1, 2, 0]);
    expect([...f.statements!.lines]).toEqual([1, 3, 3, 5]);
    expect([...f.statements!.columns]).toEqual([0, 2, 20, 0]);
    expect([...f.statements!.hits]).toEqual([1, 2, 0, 0]);
  });

  it('one branch outcome per entry of b[k], on branchMap[k].line, id "k,i"; a run line with a missed outcome is partial', () => {
    const f = parse(NYC).report.files[0]!;
    expect([...branchRecords(f)]).toEqual([
      { line: 3, id: '0,0', taken: 2 },
      { line: 3, id: '0,1', taken: 0 },
    ]);
    expect([...lineRecords(f)].find((l) => l.line === 3)?.kind).toBe('partial');
  });

  it('functions come from fnMap on their declaration line, ending at loc.end', () => {
    const f = parse(NYC).report.files[0]!;
    expect(f.functions).toEqual([
      { name: 'f', line: 2, endLine: 6, hits: 2 },
      { name: '(anonymous_1)', line: 8, endLine: 9, hits: 0 },
    ]);
    const t = fileTotals(f);
    expect([t.lines, t.hits, t.partials, t.misses, t.functions, t.functions_hit, t.statements, t.statements_hit]).toEqual([3, 1, 1, 1, 2, 1, 4, 2]);
  });

  it('c8: "all": false and one statement per line; lines == statements', () => {
    const c8 = {
      'lib/x.js': {
        path: 'lib/x.js',
        all: false,
        statementMap: { '0': loc(1), '1': loc(2), '2': loc(3) },
        s: { '0': 1, '1': 1, '2': 0 },
        branchMap: { '0': { type: 'branch', line: 1, loc: loc(1, 0, 3), locations: [loc(1, 0, 3)] } },
        b: { '0': [1] },
        fnMap: {},
        f: {},
      },
    };
    const { totals } = reportTotals(parse(c8).report);
    expect([totals.lines, totals.statements, totals.hits, totals.statements_hit, totals.branches, totals.functions]).toEqual([3, 3, 2, 2, 1, 0]);
  });

  it('a file with no functions has a function metric of 0, not null', () => {
    const doc = { 'x.js': { path: 'x.js', statementMap: {}, s: {}, fnMap: {}, f: {}, branchMap: {}, b: {} } };
    const { totals } = reportTotals(parse(doc).report);
    expect([totals.functions, totals.statements, totals.lines]).toEqual([0, 0, 0]);
  });

  it('old istanbul: a file wrapped under "data", `skip` entries counted as covered, function line from `line`', () => {
    const doc = {
      '/old.js': {
        data: {
          path: '/old.js',
          statementMap: { '1': { start: { line: 1, column: 0 }, end: { line: 1, column: 9 }, skip: true }, '2': loc(2) },
          s: { '1': 0, '2': 0 },
          fnMap: { '1': { name: 'g', line: 2, loc: loc(2), skip: true } },
          f: { '1': 0 },
          branchMap: { '1': { line: 2, type: 'if', locations: [{ ...loc(2), skip: true }, loc(2)] } },
          b: { '1': [0, 0] },
        },
      },
    };
    const r = parse(doc);
    expect(r.status).toBe('ok');
    const f = r.report.files[0]!;
    expect([...f.lineHits]).toEqual([1, 0]);
    expect(f.functions).toEqual([{ name: 'g', line: 2, endLine: 2, hits: 1 }]);
    expect([...f.branchTaken]).toEqual([1, 0]);
  });

  it('prefers the "path" field, falls back to the key; the same path twice merges by adding', () => {
    const a = NYC['/src/a.js'];
    const r = parse({ k1: { ...a, path: 'same.js' }, k2: { ...a, path: 'same.js' }, 'key.js': { ...a, path: undefined } });
    expect(r.report.files.map((f) => f.path)).toEqual(['key.js', 'same.js']);
    const same = r.report.files[1]!;
    expect([...same.lineHits]).toEqual([2, 4, 0]);
    expect(same.functions!.map((f) => f.hits)).toEqual([4, 0]);
  });

  it('hostile values give diagnostics, never exceptions, and keep what can be read', () => {
    const doc = {
      'bad.js': {
        path: 'bad.js',
        statementMap: { '0': loc(1), '1': null, '2': { start: 'x' }, '3': loc(-4), '4': loc(5) },
        s: { '0': 1, '1': 1, '2': 1, '3': 1, '4': '7', '9': 1, constructor: 1 },
        fnMap: { '0': { name: 7, decl: loc(1) } },
        f: { '0': 1, toString: 1 },
        branchMap: { '0': { line: 1 } },
        b: { '0': [1, null, 123456789], '1': 'x' },
      },
      'notfile.js': 42,
      'nomaps.js': { path: 'nomaps.js' },
    };
    // JSON keys an object literal cannot hold as own data: "__proto__"; and a number JSON.parse makes Infinity.
    const r = parse(JSON.stringify(doc).replace('"constructor"', '"__proto__":1,"constructor"').replace('123456789', '1e400'));
    expect(r.status).toBe('invalid');
    const codes = new Set(r.diagnostics.map((d) => d.code));
    for (const c of ['CW_ISTANBUL_BAD_COUNT', 'CW_ISTANBUL_BAD_LOCATION', 'CW_ISTANBUL_BAD_FILE', 'CW_ISTANBUL_BAD_FIELD', 'CW_LINE_INVALID', 'CW_HITS_CLAMPED']) {
      expect(codes, c).toContain(c);
    }
    for (const d of r.diagnostics) expect(d.file).toBe('coverage-final.json');
    const bad = r.report.files.find((f) => f.path === 'bad.js')!;
    expect([...bad.lineNumbers]).toEqual([1]);
    expect(bad.branchTaken.length).toBe(2);
    expect(bad.branchTaken[1]).toBe(DEFAULT_LIMITS.maxHits);
    // One diagnostic per bad field, naming the first bad entry and how many there were.
    const loc1 = r.diagnostics.find((d) => d.code === 'CW_ISTANBUL_BAD_LOCATION' && d.message.includes('statementMap'))!;
    expect(loc1.message).toMatch(/"bad\.js": statementMap: \d+ entries are not a statement location/);
  });

  it('line counts do not depend on statement order, far lines, fractions or clamping', () => {
    const doc = {
      'o.js': {
        path: 'o.js',
        statementMap: { '0': loc(9), '1': loc(2), '2': loc(9, 4), '3': loc(3_000_000), '4': loc(2_000_000), '5': loc(2, 7), '6': loc(4) },
        s: { '0': 1, '1': 2.5, '2': 7, '3': 3, '4': 0, '5': 1, '6': 123456789 },
        fnMap: {},
        f: {},
        branchMap: {},
        b: {},
      },
    };
    const r = parse(JSON.stringify(doc).replace('123456789', '1e400'));
    const f = r.report.files[0]!;
    expect([...f.lineNumbers]).toEqual([2, 4, 9, 2_000_000, 3_000_000]);
    expect([...f.lineHits]).toEqual([2, DEFAULT_LIMITS.maxHits, 7, 0, 3]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['CW_HITS_CLAMPED']);
  });

  it('a repeated file key: every entry is read (counts add) and a warning says so; a file that is not valid JSON is a syntax error on its line', () => {
    // JSON.parse (and istanbul) would keep the last entry only; streaming reads each as it comes.
    const a = JSON.stringify(NYC['/src/a.js']);
    const dup = parse(`{"k": ${a.replace('"s":{"0":1', '"s":{"0":5')}, "x.js": {"path": 1},\n"k": ${a}}`);
    expect(dup.report.files.map((f) => f.path)).toEqual(['/src/a.js', 'x.js']);
    expect([...dup.report.files[0]!.lineHits]).toEqual([6, 4, 0]);
    expect(dup.diagnostics.filter((d) => d.code === 'CW_JSON_DUPLICATE_KEY').map((d) => [d.severity, d.line, d.message])).toEqual([
      ['warning', 2, '"k" appears more than once in the top-level object: every entry is read (JSON.parse would keep only the last)'],
    ]);
    const bad = parse(`{"k": ${a},\n"x.js": {"path": [1, 2}}}`);
    expect(bad.status).toBe('invalid');
    expect(bad.diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_JSON_SYNTAX', 2]]);
  });

  it('not an object, not JSON, empty: invalid with an error', () => {
    for (const input of ['[]', '"x"', 'null', '{"a": ', '']) {
      const r = parse(input);
      expect(r.status, input).toBe('invalid');
      expect(r.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    }
    expect(parse('{}').status).toBe('ok');
  });
});

describe('istanbul-json detection', () => {
  const root = fixturesDir();
  const own = new Set(['js-qs-nyc-istanbul-json', 'js-express-c8-istanbul-json']);

  it('claims its fixtures, also from a truncated head', () => {
    for (const dir of own) {
      const text = readFileSync(path.join(root, dir, 'coverage-final.json'), 'utf8');
      expect(istanbulJsonFormat.detect(text.slice(0, 64 * 1024), 'coverage-final.json')).toBeGreaterThanOrEqual(0.9);
      expect(istanbulJsonFormat.detect(text.slice(0, 400), 'x')).toBeGreaterThan(0.5);
      const d = detectFormat(text.slice(0, 64 * 1024), 'coverage-final.json');
      expect(d.kind === 'detected' && d.format.id).toBe('istanbul-json');
    }
  });

  it('gives 0 for every other fixture', () => {
    for (const dir of readdirSync(root)) {
      if (own.has(dir) || !statSync(path.join(root, dir)).isDirectory()) continue;
      for (const name of readdirSync(path.join(root, dir))) {
        const p = path.join(root, dir, name);
        if (name.endsWith('.gz') || statSync(p).isDirectory()) continue;
        const head = readFileSync(p).subarray(0, 64 * 1024).toString('utf8');
        expect(istanbulJsonFormat.detect(head, name), `${dir}/${name}`).toBe(0);
      }
    }
  });
});
