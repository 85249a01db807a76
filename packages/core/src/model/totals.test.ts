import { describe, expect, it } from 'vitest';
import { directoryTotals, lineRecords, newReportBuilder, reportTotals } from '../index.js';

function sample() {
  const b = newReportBuilder();
  const f = b.file('src/a.c')!;
  f.line(1, 5); // hit
  f.line(2, 0); // miss
  f.line(3, 2); // partial: one of two branches never taken
  f.branch(3, '0,0', 2);
  f.branch(3, '0,1', 0);
  f.line(4, 0); // miss, even though a branch says taken
  f.branch(4, '0,0', 1);
  f.fn('main', 1, 1);
  f.fn('unused', 2, 0);
  const g = b.file('src/lib/b.c')!;
  g.line(10, 1);
  return b.build();
}

describe('line states and totals', () => {
  it('derives hit, miss and partial, and a line that never ran is a miss whatever its branches say', () => {
    const recs = [...lineRecords(sample().files[0]!)];
    expect(recs).toEqual([
      { kind: 'hit', line: 1, hits: 5 },
      { kind: 'miss', line: 2 },
      { kind: 'partial', line: 3, hits: 2, branchesTaken: 1, branchesTotal: 2, missedBranches: ['0,1'] },
      { kind: 'miss', line: 4 },
    ]);
  });

  it('computes report totals with lines = hits + partials + misses and coverage = hits / lines', () => {
    const { totals, files } = reportTotals(sample());
    expect(totals).toEqual({
      files: 2, lines: 5, hits: 2, partials: 1, misses: 2, coverage: 40,
      branches: 3, branches_hit: 2, functions: 2, functions_hit: 1, statements: null, statements_hit: null,
    });
    expect(files.get('src/lib/b.c')).toMatchObject({ lines: 1, hits: 1, coverage: 100, functions: null });
  });

  it('names the partials_as_hits policy wherever it is applied', () => {
    const { totals, files } = reportTotals(sample(), { partialsAsHits: true });
    expect(totals).toMatchObject({ hits: 3, partials: 0, coverage: 60, policy: 'partials_as_hits' });
    expect(files.get('src/a.c')!.policy).toBe('partials_as_hits');
  });

  it('aggregates directories', () => {
    const dirs = directoryTotals(sample());
    expect(dirs.get('')).toMatchObject({ files: 2, lines: 5 });
    expect(dirs.get('src')).toMatchObject({ files: 2, lines: 5 });
    expect(dirs.get('src/lib')).toMatchObject({ files: 1, lines: 1, hits: 1 });
  });

  it('has null coverage for a file without lines', () => {
    const b = newReportBuilder();
    b.file('empty.h')!.enableFunctions();
    expect(reportTotals(b.build()).totals).toMatchObject({ lines: 0, coverage: null, functions: 0 });
  });
});
