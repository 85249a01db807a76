import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbReport } from '../../test/arbitraries.js';
import { EMPTY_REPORT, mergeReports, newReportBuilder, reportTotals, lineRecords, type Report } from '../index.js';
import { comparable } from '../../test/comparable.js';

describe('mergeReports', () => {
  const opts = { withStatements: true };
  it('is commutative', () => {
    fc.assert(fc.property(arbReport(opts), arbReport(opts), (a, b) => {
      expect(comparable(mergeReports([a, b]))).toEqual(comparable(mergeReports([b, a])));
    }));
  });

  it('is associative, and merging all at once equals merging in steps', () => {
    fc.assert(fc.property(arbReport(opts), arbReport(opts), arbReport(opts), (a, b, c) => {
      const left = mergeReports([mergeReports([a, b]), c]);
      expect(comparable(mergeReports([a, mergeReports([b, c])]))).toEqual(comparable(left));
      expect(comparable(mergeReports([a, b, c]))).toEqual(comparable(left));
    }));
  });

  it('has the empty report as identity', () => {
    fc.assert(fc.property(arbReport(opts), (a) => {
      expect(comparable(mergeReports([a, EMPTY_REPORT]))).toEqual(comparable(a));
    }));
  });

  it('covers a line covered in any input, and adds hit counts', () => {
    fc.assert(fc.property(arbReport(opts), arbReport(opts), (a, b) => {
      const m = mergeReports([a, b]);
      const hits = (r: typeof a) => {
        const map = new Map<string, number>();
        for (const f of r.files) for (const l of lineRecords(f)) map.set(`${f.path}:${l.line}`, l.kind === 'miss' ? 0 : l.hits);
        return map;
      };
      const ha = hits(a);
      const hb = hits(b);
      for (const [k, v] of hits(m)) expect(v).toBe(Math.min((ha.get(k) ?? 0) + (hb.get(k) ?? 0), Number.MAX_SAFE_INTEGER));
      expect(reportTotals(m).totals.lines).toBe(new Set([...ha.keys(), ...hb.keys()]).size);
    }));
  });

  it('merges branches by (line, id): a branch taken in either input is taken', () => {
    const a = newReportBuilder();
    a.file('x.c')!.line(3, 1);
    a.file('x.c')!.branch(3, '0,0', 1);
    a.file('x.c')!.branch(3, '0,1', 0);
    const b = newReportBuilder();
    b.file('x.c')!.line(3, 2);
    b.file('x.c')!.branch(3, '0,0', 0);
    b.file('x.c')!.branch(3, '0,1', 4);
    const one = reportTotals(a.build()).totals;
    expect([one.partials, one.branches_hit]).toEqual([1, 1]);
    const m = reportTotals(mergeReports([a.build(), b.build()])).totals;
    expect(m).toMatchObject({ lines: 1, hits: 1, partials: 0, branches: 2, branches_hit: 2 });
  });

  it('saturates hit counts instead of overflowing', () => {
    const a = newReportBuilder();
    a.file('x')!.line(1, Number.MAX_SAFE_INTEGER);
    const m = mergeReports([a.build(), a.build()]);
    expect(m.files[0]!.lineHits[0]).toBe(Number.MAX_SAFE_INTEGER);
  });

  /** The reference merge: every record of every input added to one builder, normalized by build(). */
  const reference = (reports: Report[]) => {
    const b = newReportBuilder();
    for (const r of reports) for (const f of r.files) b.file(f.path)!.addFile(f);
    return b.build();
  };

  /** The same files and keys as `r` with other counts (CI shards: same sources, other tests). */
  const recount = (r: Report, seed: number): Report => {
    const h = (i: number) => (seed % 7 === 0 ? Number.MAX_SAFE_INTEGER - i : (i * 31 + seed) % 6);
    return {
      files: r.files.map((f) => ({
        ...f,
        lineHits: Float64Array.from(f.lineHits, (_, i) => h(i)),
        branchTaken: Float64Array.from(f.branchTaken, (_, i) => h(i + 1)),
        functions: f.functions === null ? null : f.functions.map((fn, i) => ({ ...fn, hits: h(i + 2), endLine: seed % 3 === 0 ? null : fn.line + (seed % 5) })),
        statements: f.statements === null ? null : { ...f.statements, hits: Float64Array.from(f.statements.hits, (_, i) => h(i + 3)) },
      })),
    };
  };

  it('equals the reference merge (all records into one builder), for any inputs', () => {
    fc.assert(fc.property(arbReport(opts), arbReport(opts), arbReport({ lcovIds: true }), (a, b, c) => {
      expect(comparable(mergeReports([a, b, c]))).toEqual(comparable(reference([a, b, c])));
    }));
  });

  it('adds up shards with the same keys (the shared-keys path) exactly as the reference does', () => {
    fc.assert(fc.property(arbReport(opts), fc.nat(100), fc.nat(100), arbReport(opts), (a, s1, s2, other) => {
      const shards = [a, recount(a, s1), recount(a, s2)];
      const m = mergeReports(shards);
      expect(comparable(m)).toEqual(comparable(reference(shards)));
      // Keys are shared with the first input: the shared-keys path ran.
      for (let i = 0; i < a.files.length; i++) expect(m.files[i]!.lineNumbers).toBe(a.files[i]!.lineNumbers);
      // One input with other keys sends those files down the general path; still the reference.
      const mixed = [...shards, other];
      expect(comparable(mergeReports(mixed))).toEqual(comparable(reference(mixed)));
    }));
  });
});
