import { addTotals, emptyTotals, type Totals } from '@coverwatch/core';
import type { ManifestEntry } from './commit-reports.service.js';

export type TreeSortKey = 'path' | 'coverage' | 'misses' | 'lines';

export interface TreeEntry {
  readonly type: 'dir' | 'file';
  readonly path: string;
  readonly name: string;
  readonly totals: Totals;
}

/**
 * The directory `dir` ('' = root) of a manifest: its totals and its children, each directory's
 * totals summed from its files exactly as core's `directoryTotals` does. Null when no file lies
 * under `dir` (a file's own path is not a directory).
 */
export function listDirectory(files: readonly ManifestEntry[], dir: string): { totals: Totals; entries: TreeEntry[] } | null {
  const prefix = dir === '' ? '' : `${dir}/`;
  const total = emptyTotals();
  const dirs = new Map<string, Totals>();
  const entries: TreeEntry[] = [];
  let found = false;
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    found = true;
    addTotals(total, f.totals);
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      entries.push({ type: 'file', path: f.path, name: rest, totals: f.totals });
      continue;
    }
    const name = rest.slice(0, slash);
    let t = dirs.get(name);
    if (t === undefined) dirs.set(name, (t = emptyTotals()));
    addTotals(t, f.totals);
  }
  if (!found) return null;
  for (const [name, t] of dirs) entries.push({ type: 'dir', path: `${prefix}${name}`, name, totals: withCoverage(t) });
  return { totals: withCoverage(total), entries };
}

/** Sorts entries in place by the key (then by path, so the order is total); null coverage sorts last either way. */
export function sortEntries(entries: TreeEntry[], key: TreeSortKey, order: 'asc' | 'desc'): TreeEntry[] {
  const sign = order === 'asc' ? 1 : -1;
  const byPath = (a: TreeEntry, b: TreeEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return entries.sort((a, b) => {
    if (key === 'path') return sign * byPath(a, b);
    if (key === 'coverage') {
      const x = a.totals.coverage;
      const y = b.totals.coverage;
      if (x === null || y === null) return x === y ? byPath(a, b) : x === null ? 1 : -1;
      return sign * (x - y) || byPath(a, b);
    }
    return sign * (a.totals[key] - b.totals[key]) || byPath(a, b);
  });
}

/** Coverage as core computes it for summed totals: hits / lines × 100, null without lines. */
function withCoverage(t: Totals): Totals {
  t.coverage = t.lines === 0 ? null : (t.hits / t.lines) * 100;
  return t;
}
