import { emptyTotals, type Totals } from '@coverwatch/core';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../commits/commits.service.js';
import { DirectoryIndex, sortEntries } from './directory-index.js';
import type { ManifestEntry } from './manifest.js';

const listDirectory = (files: readonly ManifestEntry[], dir: string) => {
  const d = new DirectoryIndex(files).list(dir);
  return d === null ? null : { totals: d.totals, entries: [...d.entries] };
};

function entry(path: string, hits: number, misses: number): ManifestEntry {
  const lines = hits + misses;
  const totals: Totals = { ...emptyTotals(), files: 1, lines, hits, misses, coverage: lines === 0 ? null : (hits / lines) * 100 };
  return { path, hash: path, blob: { key: `coverage/${path}` }, totals };
}

const FILES = [entry('a/x.c', 1, 1), entry('a/y/z.c', 3, 0), entry('b.c', 0, 0), entry('c.c', 0, 4)];

describe('listDirectory', () => {
  it('lists the children of a directory, summing directories', () => {
    const root = listDirectory(FILES, '')!;
    expect(root.totals).toMatchObject({ files: 4, lines: 9, hits: 4, misses: 5, coverage: (4 / 9) * 100 });
    expect(sortEntries(root.entries, 'path', 'asc').map((e) => [e.type, e.path, e.totals.lines])).toEqual([
      ['dir', 'a', 5],
      ['file', 'b.c', 0],
      ['file', 'c.c', 4],
    ]);
    expect(listDirectory(FILES, 'a')!.entries.map((e) => e.path)).toEqual(['a/x.c', 'a/y']);
    expect(listDirectory(FILES, 'a/y')!.totals).toMatchObject({ files: 1, lines: 3, hits: 3, coverage: 100 });
  });

  it('sums every level exactly as listing the files under each directory would', () => {
    const files = ['a/b/c/1.c', 'a/b/2.c', 'a/3.c', 'a/b/c/d/4.c', 'e/5.c', '6.c'].map((p, i) => entry(p, i, 2));
    const index = new DirectoryIndex(files);
    for (const dir of ['', 'a', 'a/b', 'a/b/c', 'a/b/c/d', 'e']) {
      const under = files.filter((f) => dir === '' || f.path.startsWith(`${dir}/`));
      const hits = under.reduce((n, f) => n + f.totals.hits, 0);
      const lines = under.reduce((n, f) => n + f.totals.lines, 0);
      expect(index.list(dir)!.totals).toMatchObject({ files: under.length, hits, lines, coverage: (hits / lines) * 100 });
    }
    expect(index.sorted('a/b', 'lines', 'desc')!.entries.map((e) => e.path)).toEqual(['a/b/c', 'a/b/2.c']);
    expect(index.list('')).not.toBeNull();
    expect(new DirectoryIndex([]).list('')).toBeNull();
  });

  it('is null for a path without files under it, a file path included', () => {
    expect(listDirectory(FILES, 'nope')).toBeNull();
    expect(listDirectory(FILES, 'b.c')).toBeNull();
    // 'a/y' is a directory, 'a/' + 'y' prefix must not match 'a/yy'.
    expect(listDirectory([entry('a/yy.c', 1, 0)], 'a/y')).toBeNull();
  });
});

describe('sortEntries', () => {
  const entries = () => listDirectory(FILES, '')!.entries;
  it('sorts by coverage with null last in both orders, ties by path', () => {
    expect(sortEntries(entries(), 'coverage', 'asc').map((e) => e.path)).toEqual(['c.c', 'a', 'b.c']);
    expect(sortEntries(entries(), 'coverage', 'desc').map((e) => e.path)).toEqual(['a', 'c.c', 'b.c']);
  });
  it('sorts by path, misses and lines', () => {
    expect(sortEntries(entries(), 'path', 'desc').map((e) => e.path)).toEqual(['c.c', 'b.c', 'a']);
    expect(sortEntries(entries(), 'misses', 'desc').map((e) => e.path)).toEqual(['c.c', 'a', 'b.c']);
    expect(sortEntries(entries(), 'lines', 'asc').map((e) => e.path)).toEqual(['b.c', 'c.c', 'a']);
  });
});

describe('commit cursors', () => {
  it('round-trip, and anything else is not a cursor', () => {
    const c = { createdAt: '2026-01-01T00:00:00.000Z', id: '00000000-0000-4000-8000-000000000000' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    for (const bad of ['nope', '', Buffer.from('[1,2]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url')]) expect(decodeCursor(bad)).toBeNull();
  });
});
