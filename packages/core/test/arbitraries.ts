import fc from 'fast-check';
import { newReportBuilder, type Report } from '../src/index.js';

export interface ArbOptions {
  /** Branch ids shaped as LCOV writes them (`block,branch`). */
  lcovIds?: boolean;
  withStatements?: boolean;
  withFunctions?: boolean;
}

/** Random reports over a small set of paths and lines, so merges overlap often. */
export function arbReport(opts: ArbOptions = {}): fc.Arbitrary<Report> {
  const path = fc.constantFrom('a.ts', 'src/b.ts', 'src/c/d.ts', 'e f.py');
  const line = fc.integer({ min: 1, max: 40 });
  const hits = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 40 }));
  const id = opts.lcovIds ? fc.tuple(fc.nat(3), fc.nat(3)).map(([a, b]) => `${a},${b}`) : fc.constantFrom('0', '1', '2', 'x:y');
  const record = fc.oneof(
    fc.record({ t: fc.constant('line' as const), path, line, hits }),
    fc.record({ t: fc.constant('branch' as const), path, line, id, hits }),
    ...(opts.withFunctions === false ? [] : [fc.record({ t: fc.constant('fn' as const), path, line, name: fc.constantFrom('f', 'g', '(anonymous_0)', 'ns::h'), hits })]),
    ...(opts.withStatements ? [fc.record({ t: fc.constant('st' as const), path, line, col: fc.nat(3), hits })] : []),
  );
  return fc.array(record, { maxLength: 40 }).map((recs) => {
    const b = newReportBuilder();
    for (const r of recs) {
      const f = b.file(r.path)!;
      if (r.t === 'line') f.line(r.line, r.hits);
      else if (r.t === 'branch') f.branch(r.line, r.id, r.hits);
      else if (r.t === 'fn') f.fn(r.name, r.line, r.hits);
      else f.statement(r.line, r.col, r.hits);
    }
    return b.build();
  });
}
