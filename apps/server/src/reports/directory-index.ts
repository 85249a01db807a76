import { addTotals, emptyTotals, type Totals } from '@coverwatch/core';
import type { ManifestEntry } from './manifest.js';

export type TreeSortKey = 'path' | 'coverage' | 'misses' | 'lines';

export interface TreeEntry {
  readonly type: 'dir' | 'file';
  readonly path: string;
  readonly name: string;
  readonly totals: Totals;
}

interface Directory {
  readonly totals: Totals;
  readonly entries: TreeEntry[];
  readonly sorted: Map<string, readonly TreeEntry[]>;
}

/** Sorted orders kept per directory: a page of a 10k-file directory should not sort it again. */
const MAX_SORTS_PER_DIRECTORY = 8;

/**
 * The directories of a manifest: each one's totals (summed from its files exactly as core's
 * `directoryTotals` does) and children. Built once per manifest in one pass over its files, so a
 * tree page costs the size of the directory asked for, not of the repository.
 */
export class DirectoryIndex {
  private readonly dirs = new Map<string, Directory>();

  constructor(files: readonly ManifestEntry[]) {
    const root = this.dir('');
    for (const f of files) {
      addTotals(root.totals, f.totals);
      let parent = '';
      let start = 0;
      for (let slash = f.path.indexOf('/'); slash >= 0; slash = f.path.indexOf('/', slash + 1)) {
        const path = f.path.slice(0, slash);
        let d = this.dirs.get(path);
        if (d === undefined) {
          d = this.dir(path);
          this.dirs.get(parent)!.entries.push({ type: 'dir', path, name: f.path.slice(start, slash), totals: d.totals });
        }
        addTotals(d.totals, f.totals);
        parent = path;
        start = slash + 1;
      }
      this.dirs.get(parent)!.entries.push({ type: 'file', path: f.path, name: f.path.slice(start), totals: f.totals });
    }
    for (const d of this.dirs.values()) withCoverage(d.totals);
  }

  /** The directory `dir` ('' = root): totals and children in no particular order; null when no file lies under it. */
  list(dir: string): { totals: Totals; entries: readonly TreeEntry[] } | null {
    const d = this.dirs.get(dir);
    if (d === undefined || (dir === '' && d.entries.length === 0)) return null;
    return d;
  }

  /** The children of `dir` sorted by `key` (see sortEntries); null as for `list`. */
  sorted(dir: string, key: TreeSortKey, order: 'asc' | 'desc'): { totals: Totals; entries: readonly TreeEntry[] } | null {
    const d = this.dirs.get(dir);
    if (d === undefined || this.list(dir) === null) return null;
    const id = `${key} ${order}`;
    let s = d.sorted.get(id);
    if (s === undefined) {
      s = sortEntries([...d.entries], key, order);
      if (d.sorted.size < MAX_SORTS_PER_DIRECTORY) d.sorted.set(id, s);
    }
    return { totals: d.totals, entries: s };
  }

  private dir(path: string): Directory {
    const d = { totals: emptyTotals(), entries: [], sorted: new Map() };
    this.dirs.set(path, d);
    return d;
  }
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
