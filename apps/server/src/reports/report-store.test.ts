import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseReport, reportTotals, type Report } from '@coverwatch/core';
import { afterAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import { ManifestStore } from './manifest-store.js';
import { encodeFile } from './report-codec.js';
import { ReportStore } from './report-store.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-report-store-'));
  dirs.push(dir);
  const blobs = new FsBlobStore(dir);
  return { blobs, store: new ReportStore(blobs, new ManifestStore(blobs)) };
}

/** `files` files of 40 lines each (~500 bytes of coverwatch-json apiece): 300 of them span several 64 KB frames. */
function report(files: number, bump = -1): Report {
  const text = Array.from({ length: files }, (_, i) => ['SF:src/dir' + (i % 9) + '/file' + i + '.c', ...Array.from({ length: 40 }, (_, l) => `DA:${l + 1},${(i * 7 + l + (i === bump ? 1 : 0)) % 5}`), 'end_of_record'].join('\n')).join('\n');
  return parseReport(Buffer.from(text + '\n'), { fileName: 'lcov.info', format: 'lcov' }).report;
}

const encoded = (r: Report) => r.files.map((f) => encodeFile(f).toString('utf8'));

describe('ReportStore', () => {
  it('packs the files of a report in frames, and reads any of them back exactly', async () => {
    const { store } = setup();
    const r = report(300);
    const m = await store.write(r, null, () => null);
    expect(m.totals).toEqual(reportTotals(r).totals);
    const frames = new Set(m.files.map((e) => e.blob.offset));
    expect(frames.size).toBeGreaterThanOrEqual(2);
    expect(new Set(m.files.map((e) => e.blob.key)).size).toBe(1);
    expect(encoded(await store.readReport(m))).toEqual(encoded(r));
    const some = m.files.filter((_, i) => i % 37 === 5);
    expect(encoded({ files: await store.readFiles(some) })).toEqual(encoded({ files: r.files.filter((_, i) => i % 37 === 5) }));
  });

  it('writes only the files a known manifest does not have, in a pack of their own', async () => {
    const { store } = setup();
    const first = await store.write(report(300), null, () => null);
    const second = await store.write(report(300, 123), first, (p) => first.entry(p));
    const moved = second.files.filter((e, i) => e.blob.key !== first.files[i]!.blob.key);
    expect(moved.map((e) => e.path)).toEqual(['src/dir6/file123.c']);
    expect(second.depth).toBe(1);
    expect(encoded(await store.readReport(second))).toEqual(encoded(report(300, 123)));
  });

  it('names the blob when stored coverage is damaged', async () => {
    const { blobs, store } = setup();
    const m = await store.write(report(20), null, () => null);
    const key = m.files[0]!.blob.key;
    const bytes = Buffer.from((await blobs.get(key))!);
    bytes.fill(0, 10, 30);
    await blobs.put(key, bytes);
    await expect(new ReportStore(blobs, new ManifestStore(blobs)).readFiles(m.files.slice(0, 1))).rejects.toThrow();
    await blobs.delete(key);
    await expect(store.readFiles(m.files.slice(0, 1))).rejects.toThrow(`coverage blob ${key} is missing`);
  });
});
