import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { emptyTotals, type Totals } from '@coverwatch/core';
import { afterAll, describe, expect, it } from 'vitest';
import { contentKey } from '../blobs/blob-store.js';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import { applyDelta, diffEntries, encodeManifest, MAX_DELTA_DEPTH, type ManifestEntry } from './manifest.js';
import { ManifestStore } from './manifest-store.js';
import { sumTotals } from './report-store.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function store() {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-manifest-'));
  dirs.push(dir);
  return new FsBlobStore(dir);
}

function totals(lines: number, hits: number): Totals {
  return { ...emptyTotals(), files: 1, lines, hits, misses: lines - hits, coverage: lines === 0 ? null : (hits / lines) * 100 };
}

function entry(p: string, version: number): ManifestEntry {
  const hash = createHash('sha256').update(`${p} ${version}`).digest('hex');
  return { path: p, hash, blob: { key: contentKey('packs', Buffer.from(String(version))), offset: version * 10, length: 10 }, totals: totals(10, version % 11) };
}

const byPath = (a: ManifestEntry, b: ManifestEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
/** A manifest's files: distinct paths, sorted. */
const filesArb = fc
  .uniqueArray(fc.tuple(fc.stringMatching(/^[a-c]{1,3}(\/[a-c]{1,3}){0,2}\.c$/), fc.nat(5)), { selector: (t) => t[0], maxLength: 30 })
  .map((ts) => ts.map(([p, v]) => entry(p, v)).sort(byPath));

describe('manifest deltas', () => {
  it('a delta applied to its base gives the manifest back, whatever changed, came or went (property)', () => {
    fc.assert(
      fc.property(filesArb, filesArb, (base, next) => {
        const stored = encodeManifest(next, sumTotals(next), { key: 'manifests/aa/base', depth: 0, chain: 0, manifest: { totals: sumTotals(base), files: base } });
        if (stored.version !== 2) throw new Error('version');
        const files = stored.base === null ? stored.set.map((s) => s.p) : applyDelta(base, stored, 'k').map((e) => e.path);
        expect(files).toEqual(next.map((e) => e.path));
        if (stored.base !== null) expect(applyDelta(base, stored, 'k')).toEqual(next);
        // A delta is written only when it lists no more entries than a snapshot would.
        if (stored.base !== null) expect(stored.set.length + stored.removed.length).toBeLessThanOrEqual(next.length);
      }),
    );
  });

  it('lists exactly the entries whose content changed, and the removed paths', () => {
    const base = [entry('a.c', 1), entry('b.c', 1), entry('c.c', 1)];
    const next = [entry('a.c', 1), entry('b.c', 2), entry('d.c', 1)];
    const { set, removed } = diffEntries(base, next);
    expect(set.map((e) => e.path)).toEqual(['b.c', 'd.c']);
    expect(removed).toEqual(['c.c']);
  });

  it('refuses a delta whose result disagrees with its recorded file count', () => {
    const base = [entry('a.c', 1), entry('b.c', 1), entry('c.c', 1), entry('d.c', 1)];
    const stored = encodeManifest([...base.slice(0, 3), entry('d.c', 2)], totals(1, 1), { key: 'manifests/aa/b', depth: 0, chain: 0, manifest: { totals: totals(1, 1), files: base } });
    if (stored.version !== 2 || stored.base === null) throw new Error('expected a delta');
    expect(() => applyDelta(base, { ...stored, count: 5 }, 'manifests/aa/x')).toThrow(/manifests\/aa\/x is corrupt: its delta gives 4 files, it records 5/);
  });
});

describe('ManifestStore', () => {
  const files = Array.from({ length: 200 }, (_, i) => entry(`src/d${i % 7}/f${i}.c`, 0)).sort(byPath);

  it('stores a chain of small deltas, snapshots at the depth limit, and a cold store reads every link back', async () => {
    const blobs = store();
    const writer = new ManifestStore(blobs);
    let current = files;
    let m = await writer.write(current, sumTotals(current), null);
    const written = [{ key: m.key, files: current }];
    const depths = [m.depth];
    for (let c = 1; c <= MAX_DELTA_DEPTH + 3; c++) {
      current = current.map((e, i) => (i === c ? entry(e.path, c) : e));
      m = await writer.write(current, sumTotals(current), m);
      written.push({ key: m.key, files: current });
      depths.push(m.depth);
    }
    expect(depths.slice(0, MAX_DELTA_DEPTH + 1)).toEqual(Array.from({ length: MAX_DELTA_DEPTH + 1 }, (_, i) => i));
    expect(depths[MAX_DELTA_DEPTH + 1]).toBe(0);
    // A delta of one changed entry is a small fraction of the snapshot.
    const size = async (key: string) => (await blobs.get(key))!.length;
    expect(await size(written[5]!.key)).toBeLessThan((await size(written[0]!.key)) / 10);
    for (const w of [...written].reverse()) {
      const cold = await new ManifestStore(blobs).read(w.key);
      expect(cold.files).toEqual(w.files);
      expect(cold.totals).toEqual(sumTotals(w.files));
    }
  });

  it('snapshots early when the deltas since the last snapshot would list more entries than a snapshot', async () => {
    const s = new ManifestStore(store());
    let current = files;
    let m = await s.write(current, sumTotals(current), null);
    const depths = [];
    for (let c = 1; c <= 5; c++) {
      // 30% of the files change each time: the fourth delta would bring the chain to 240 entries > 200 files.
      current = current.map((e, i) => (i % 10 < 3 ? entry(e.path, c) : e));
      m = await s.write(current, sumTotals(current), m);
      depths.push([m.depth, m.chain]);
    }
    expect(depths).toEqual([[1, 60], [2, 120], [3, 180], [0, 0], [1, 60]]);
  });

  it('writes an equal manifest over the same base once', async () => {
    const blobs = store();
    const s = new ManifestStore(blobs);
    const a = await s.write(files, sumTotals(files), null);
    const b = await new ManifestStore(blobs).write(files, sumTotals(files), null);
    expect(b.key).toBe(a.key);
  });

  it('reads manifests of version 1 (one blob per file, before packs)', async () => {
    const blobs = store();
    const key1 = contentKey('coverage', Buffer.from('one'));
    const v1 = { version: 1, totals: totals(10, 3), files: [{ path: 'a.c', key: key1, totals: totals(10, 3) }] };
    const bytes = Buffer.from(JSON.stringify(v1));
    const key = contentKey('manifests', bytes);
    await blobs.put(key, gzipSync(bytes));
    const m = await new ManifestStore(blobs).read(key);
    expect(m.files).toEqual([{ path: 'a.c', hash: key1.slice(key1.lastIndexOf('/') + 1), blob: { key: key1 }, totals: totals(10, 3) }]);
    expect(m.entry('a.c')?.blob.key).toBe(key1);
    expect(m.directories().list('')?.totals.lines).toBe(10);
  });

  it('concurrent reads of one manifest read its blobs once, and the cache stays usable', async () => {
    const blobs = store();
    const m = await new ManifestStore(blobs).write(files, sumTotals(files), null);
    let gets = 0;
    const counting = Object.assign(Object.create(blobs) as typeof blobs, { get: (k: string) => (gets++, blobs.get(k)) });
    const reader = new ManifestStore(counting);
    const all = await Promise.all(Array.from({ length: 5 }, () => reader.read(m.key)));
    expect(gets).toBe(1);
    expect(new Set(all).size).toBe(1);
    await reader.read(m.key);
    expect(gets).toBe(1);
  });

  it('names a missing link of a chain', async () => {
    const blobs = store();
    const s = new ManifestStore(blobs);
    const base = await s.write(files, sumTotals(files), null);
    const changed = files.map((e, i) => (i === 0 ? entry(e.path, 9) : e));
    const delta = await s.write(changed, sumTotals(changed), base);
    await blobs.delete(base.key);
    await expect(new ManifestStore(blobs).read(delta.key)).rejects.toThrow(`manifest ${base.key} is missing`);
  });
});
