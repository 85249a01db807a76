import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbReport } from '../../test/arbitraries.js';
import { encodeUtf8 } from '../text/text-decoder.js';
import { parseReport, reportTotals, writeReport, type Report } from '../index.js';
import { comparable } from '../../test/comparable.js';

const roundTrip = (r: Report, to: 'lcov' | 'json' | 'cobertura') => {
  const text = [...writeReport(r, to)].join('');
  return parseReport(encodeUtf8(text), { fileName: `out.${to}` });
};

describe('coverwatch JSON bytes', () => {
  it('are exactly JSON.stringify of the documented shape (stored coverage is addressed by their hash)', () => {
    fc.assert(fc.property(arbReport({ withStatements: true }), (r) => {
      const reference = JSON.stringify({
        coverwatch: 1,
        files: r.files.map((f) => ({
          path: f.path,
          lines: Array.from(f.lineNumbers, (l, i) => [l, f.lineHits[i]]),
          branches: Array.from(f.branchLines, (l, i) => [l, f.branchIds[i], f.branchTaken[i]]),
          functions: f.functions === null ? null : f.functions.map((fn) => [fn.name, fn.line, fn.endLine, fn.hits]),
          statements: f.statements === null ? null : Array.from(f.statements.lines, (l, i) => [l, f.statements!.columns[i], f.statements!.hits[i]]),
        })),
      });
      expect([...writeReport(r, 'json')].join('')).toBe(reference + '\n');
    }));
  });
});

describe('convert round trips', () => {
  it('coverwatch JSON is lossless', () => {
    fc.assert(fc.property(arbReport({ withStatements: true }), (r) => {
      const back = roundTrip(r, 'json');
      expect(back.format).toBe('coverwatch-json');
      expect(back.status).toBe('ok');
      expect(comparable(back.report)).toEqual(comparable(r));
    }));
  });

  it('LCOV keeps lines, LCOV-shaped branches and functions (not end lines or statements)', () => {
    fc.assert(fc.property(arbReport({ lcovIds: true }), (r) => {
      fc.pre(r.files.length > 0); // an empty tracefile is refused as empty, tested elsewhere
      const back = roundTrip(r, 'lcov');
      expect(back.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
      // A file with no records at all writes an empty record, which reads back as a file with none.
      expect(back.report.files.map((f) => f.path)).toEqual(r.files.map((f) => f.path));
      expect(comparable(back.report)).toEqual(comparable(r));
    }));
  });

  it('Cobertura keeps the totals', () => {
    fc.assert(fc.property(arbReport({ withFunctions: false }), (r) => {
      // Cobertura hangs branches on <line> elements: branches of a line without line data have no form.
      fc.pre(r.files.every((f) => Array.from(f.branchLines).every((l) => f.lineNumbers.includes(l))));
      fc.pre(r.files.length > 0);
      const back = roundTrip(r, 'cobertura');
      expect(back.format).toBe('cobertura');
      expect(back.status).toBe('ok');
      const strip = (t: ReturnType<typeof reportTotals>['totals']) => ({ ...t, functions: null, functions_hit: null });
      expect(strip(reportTotals(back.report).totals)).toEqual(strip(reportTotals(r).totals));
    }));
  });
});
