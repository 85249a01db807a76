import { emptyTotals, type Totals } from '@coverwatch/core';
import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from './commit-reports.service.js';
import { listDirectory, sortEntries } from './commit-tree.js';
import { decodeCursor, encodeCursor } from './commits.service.js';

function entry(path: string, hits: number, misses: number): ManifestEntry {
  const lines = hits + misses;
  const totals: Totals = { ...emptyTotals(), files: 1, lines, hits, misses, coverage: lines === 0 ? null : (hits / lines) * 100 };
  return { path, key: `coverage/${path}`, totals };
}

const FILES = [entry('a/x.c', 1, 1), entry('a/y/z.c', 3, 0), entry('b.c', 0, 0), entry('c.c', 0, 4)];

describe('listDirectory', () => {
  it('lists the children of a directory, summing directories', () => {
    const root = listDirectory(FILES, '')!;
    expect(root.totals).toMatchObject({ files: 4, lines: 9, hits: 4, misses: 5, coverage: (4 / 9) * 100 });
    expect(root.entries.map((e) => [e.type, e.path, e.totals.lines])).toEqual([
      ['file', 'b.c', 0],
      ['file', 'c.c', 4],
      ['dir', 'a', 5],
    ]);
    expect(listDirectory(FILES, 'a')!.entries.map((e) => e.path)).toEqual(['a/x.c', 'a/y']);
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
