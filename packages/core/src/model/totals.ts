import type { FileCoverage } from './file-coverage.js';
import type { Report } from './report.js';

/**
 * Coverage numbers of a file, a directory or a report. `lines = hits + partials + misses`;
 * `coverage = hits / lines` as a percentage (null when there are no lines). Partials are not
 * covered unless the `partials_as_hits` policy is applied, in which case `policy` says so.
 */
export interface Totals {
  files: number;
  lines: number;
  hits: number;
  partials: number;
  misses: number;
  coverage: number | null;
  branches: number;
  branches_hit: number;
  /** null when no file has a function metric (Cobertura from coverage.py, SonarQube generic...). */
  functions: number | null;
  functions_hit: number | null;
  /** null when no file has a statement metric. */
  statements: number | null;
  statements_hit: number | null;
  /** Present only when a non-default policy shaped these numbers. */
  policy?: 'partials_as_hits';
}

export interface TotalsOptions {
  /** Count partially covered lines as hits (Codecov's default is not to). */
  readonly partialsAsHits?: boolean;
}

export function emptyTotals(): Totals {
  return {
    files: 0, lines: 0, hits: 0, partials: 0, misses: 0, coverage: null,
    branches: 0, branches_hit: 0, functions: null, functions_hit: null, statements: null, statements_hit: null,
  };
}

/** Totals of one file. */
export function fileTotals(file: FileCoverage, options: TotalsOptions = {}): Totals {
  const t = emptyTotals();
  t.files = 1;
  const { lineNumbers, lineHits, branchLines, branchTaken } = file;
  let b = 0;
  for (let i = 0; i < lineNumbers.length; i++) {
    const line = lineNumbers[i]!;
    if (lineHits[i] === 0) {
      t.misses++;
      continue;
    }
    while (b < branchLines.length && branchLines[b]! < line) b++;
    let missed = false;
    for (let j = b; j < branchLines.length && branchLines[j] === line; j++) {
      if (branchTaken[j] === 0) {
        missed = true;
        break;
      }
    }
    if (missed) t.partials++;
    else t.hits++;
  }
  t.lines = lineNumbers.length;
  t.branches = branchTaken.length;
  for (let i = 0; i < branchTaken.length; i++) if (branchTaken[i]! > 0) t.branches_hit++;
  if (file.functions !== null) {
    t.functions = file.functions.length;
    let hit = 0;
    for (const f of file.functions) if (f.hits > 0) hit++;
    t.functions_hit = hit;
  }
  if (file.statements !== null) {
    const h = file.statements.hits;
    t.statements = h.length;
    let hit = 0;
    for (let i = 0; i < h.length; i++) if (h[i]! > 0) hit++;
    t.statements_hit = hit;
  }
  return finish(t, options);
}

/** Adds `b` into `a` (coverage is recomputed by `finish`). */
export function addTotals(a: Totals, b: Totals): Totals {
  a.files += b.files;
  a.lines += b.lines;
  a.hits += b.hits;
  a.partials += b.partials;
  a.misses += b.misses;
  a.branches += b.branches;
  a.branches_hit += b.branches_hit;
  if (b.functions !== null) {
    a.functions = (a.functions ?? 0) + b.functions;
    a.functions_hit = (a.functions_hit ?? 0) + (b.functions_hit ?? 0);
  }
  if (b.statements !== null) {
    a.statements = (a.statements ?? 0) + b.statements;
    a.statements_hit = (a.statements_hit ?? 0) + (b.statements_hit ?? 0);
  }
  return a;
}

function finish(t: Totals, options: TotalsOptions): Totals {
  if (options.partialsAsHits && t.policy === undefined) {
    t.hits += t.partials;
    t.partials = 0;
    t.policy = 'partials_as_hits';
  }
  t.coverage = t.lines === 0 ? null : (t.hits / t.lines) * 100;
  return t;
}

/** Totals of a whole report, and of each file, computed in one pass. */
export function reportTotals(report: Report, options: TotalsOptions = {}): { totals: Totals; files: Map<string, Totals> } {
  const total = emptyTotals();
  const files = new Map<string, Totals>();
  for (const f of report.files) {
    const ft = fileTotals(f, options);
    files.set(f.path, ft);
    addTotals(total, ft);
  }
  if (options.partialsAsHits) total.policy = 'partials_as_hits';
  total.coverage = total.lines === 0 ? null : (total.hits / total.lines) * 100;
  return { totals: total, files };
}

/**
 * Totals per directory (every ancestor of every file, '' being the root), for tree views.
 * Paths are split on '/', so pass resolved repository paths.
 */
export function directoryTotals(report: Report, options: TotalsOptions = {}): Map<string, Totals> {
  const dirs = new Map<string, Totals>();
  for (const f of report.files) {
    const ft = fileTotals(f, options);
    const parts = f.path.split('/');
    let prefix = '';
    for (let i = 0; i < parts.length; i++) {
      let t = dirs.get(prefix);
      if (t === undefined) {
        t = emptyTotals();
        dirs.set(prefix, t);
      }
      addTotals(t, ft);
      if (i < parts.length - 1) prefix = prefix === '' ? parts[i]! : `${prefix}/${parts[i]}`;
    }
  }
  for (const t of dirs.values()) {
    if (options.partialsAsHits) t.policy = 'partials_as_hits';
    t.coverage = t.lines === 0 ? null : (t.hits / t.lines) * 100;
  }
  return dirs;
}
