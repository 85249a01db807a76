import { DEFAULT_LIMITS, type ParseLimits } from './limits.js';
import { DiagnosticSink } from './diagnostics.js';
import type { FileCoverage } from './file-coverage.js';
import { FileCoverageBuilder } from './file-builder.js';
import { comparePaths, type Report } from './report.js';

/**
 * Merges any number of reports (CI shards, several formats of one run) into one.
 *
 * Files merge by path; within a file, records merge by identity: lines by number, branches by
 * (line, id), functions by (name, line), statements by (line, column). Counts add up (saturating at
 * `limits.maxHits`), as istanbul and lcov do: a count is how often code ran, and a line covered in any
 * input is covered in the result. Because the result is normalized, merge is deterministic,
 * commutative and associative (property-tested in merge.test.ts).
 */
export function mergeReports(reports: readonly Report[], limits: ParseLimits = DEFAULT_LIMITS): Report {
  if (reports.length === 1) return reports[0]!;
  const byPath = new Map<string, FileCoverage[]>();
  for (const r of reports) {
    for (const f of r.files) {
      const list = byPath.get(f.path);
      if (list === undefined) byPath.set(f.path, [f]);
      else list.push(f);
    }
  }
  const paths = [...byPath.keys()].sort(comparePaths);
  const sink = new DiagnosticSink(undefined);
  return {
    files: paths.map((p) => {
      const list = byPath.get(p)!;
      if (list.length === 1) return list[0]!;
      const b = new FileCoverageBuilder(p, limits, sink);
      for (const f of list) b.addFile(f);
      return b.build();
    }),
  };
}
