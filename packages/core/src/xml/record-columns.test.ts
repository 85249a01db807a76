import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../model/diagnostics.js';
import { DEFAULT_LIMITS } from '../model/limits.js';
import { ReportBuilder } from '../model/report.js';
import { RecordColumns } from './record-columns.js';
import { comparable } from '../../test/comparable.js';

type Rec = ['line', string, number, number] | ['branch', string, number, number, string];

/** The same records given to the builders one by one, and through RecordColumns as the XML parsers do. */
function both(records: Rec[]) {
  const limits = { ...DEFAULT_LIMITS, maxLineNumber: 1000, maxHits: 50 };
  const direct = (() => {
    const sink = new DiagnosticSink('t.xml');
    const report = new ReportBuilder(sink, limits);
    for (const r of records) {
      const f = report.file(r[1])!;
      if (r[0] === 'line') f.line(r[2], r[3], 7);
      else f.branch(r[2], r[4], r[3], 7);
    }
    return { report: report.build(), diagnostics: sink.finish() };
  })();
  const columns = (() => {
    const sink = new DiagnosticSink('t.xml');
    const report = new ReportBuilder(sink, limits);
    const cols = new RecordColumns(limits);
    for (const r of records) {
      const f = report.file(r[1])!;
      cols.use(f);
      if (r[0] === 'line') {
        if (!cols.line(r[2], r[3])) f.line(r[2], r[3], 7);
      } else if (!cols.branch(r[2], r[4], r[3])) f.branch(r[2], r[4], r[3], 7);
    }
    cols.start(null);
    return { report: report.build(), diagnostics: sink.finish() };
  })();
  return { direct, columns };
}

describe('RecordColumns', () => {
  it('gives the builder the same records as one-by-one calls, out-of-range ones diagnosed alike', () => {
    const records: Rec[] = [
      ['line', 'a', 3, 1],
      ['line', 'a', 1, 0],
      ['line', 'a', 0, 1],
      ['line', 'a', 1001, 1],
      ['line', 'a', 2, 99],
      ['line', 'a', 2, 1.5],
      ['line', 'a', 2.5, 1],
      ['line', 'a', 4, -1],
      ['branch', 'a', 3, 1, '0'],
      ['branch', 'a', 3, 0, '1'],
      ['branch', 'a', 0, 1, '0'],
      ['branch', 'a', 3, 70, '2'],
      ['line', 'b', 5, 2],
      ['line', 'a', 3, 4],
      ['branch', 'b', 5, 1, '0:true'],
      ['line', 'b', 5, 2],
    ];
    const { direct, columns } = both(records);
    expect(comparable(columns.report)).toEqual(comparable(direct.report));
    expect(columns.diagnostics).toEqual(direct.diagnostics);
    expect(direct.diagnostics.length).toBeGreaterThan(3);
  });

  it('hands over long files in several parts (memory stays bounded) with the same result', () => {
    const records: Rec[] = [];
    for (let i = 0; i < 150_000; i++) {
      records.push(['line', 'big', 1 + (i % 997), i % 3]);
      if (i % 5 === 0) records.push(['branch', 'big', 1 + (i % 991), i % 2, String(i % 4)]);
    }
    const { direct, columns } = both(records);
    expect(comparable(columns.report)).toEqual(comparable(direct.report));
    expect(columns.diagnostics).toEqual(direct.diagnostics);
  });
});
