import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { mergeReports, parseReport, reportTotals, type Report } from '@coverwatch/core';
import { afterAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import { BranchesRepository } from '../branches/branches.repository.js';
import { migrateToLatest, openSqlite, type Db } from '../db/database.js';
import { OrgsRepository } from '../orgs/orgs.repository.js';
import { ManifestStore } from '../reports/manifest-store.js';
import { encodeFile } from '../reports/report-codec.js';
import { ReportStore } from '../reports/report-store.js';
import { ReposRepository } from '../repos/repos.repository.js';
import { StalledUploads } from '../uploads/stalled-uploads.js';
import { UploadsRepository } from '../uploads/uploads.repository.js';
import { CommitReportsService, latestPerJob } from './commit-reports.service.js';
import { CommitsRepository } from './commits.repository.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** One database and blob store, and `processes` services over them (each with its own caches, as separate workers have). */
async function world(processes: number) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-commit-reports-'));
  dirs.push(dir);
  const db: Db = openSqlite(':memory:');
  await migrateToLatest(db);
  const org = await new OrgsRepository(db).insert('acme');
  const repo = await new ReposRepository(db).insert(org.id, org.name, 'widgets');
  const blobs = new FsBlobStore(dir);
  const commits = new CommitsRepository(db);
  const uploads = new UploadsRepository(db);
  const services = Array.from({ length: processes }, () => new CommitReportsService(commits, uploads, new BranchesRepository(db), new ReportStore(blobs, new ManifestStore(blobs))));
  let n = 0;
  async function addUpload(commitId: string, flags: readonly string[], job: string | null): Promise<string> {
    const id = `u${String(++n).padStart(4, '0')}`;
    await uploads.insert({
      id,
      repository_id: repo.id,
      commit_id: commitId,
      state: 'received',
      job_identity: job,
      flags_json: JSON.stringify(flags),
      name: null,
      ci_provider: null,
      build_id: null,
      build_url: null,
      job_id: null,
      idempotency_key: null,
      body_sha256: 'f'.repeat(64),
      raw_blob_key: 'raw/ab/x',
      raw_bytes: 1,
      decompressed_bytes: 1,
      // Distinct, increasing: "latest of a job identity" is by receipt.
      created_at: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
    });
    return id;
  }
  /** What the upload processor does once the report is parsed: store it, then merge if no other upload is unparsed. */
  async function process(service: CommitReportsService, commitId: string, uploadId: string, report: Report): Promise<void> {
    await uploads.markProcessing(uploadId);
    const m = await service.storeUploadReport(uploadId, commitId, report);
    await uploads.saveReport(uploadId, { reportBlobKey: m.key, totalsJson: JSON.stringify(m.totals), diagnosticsJson: '[]' });
    if ((await uploads.countUnparsed(commitId, uploadId)) === 0) await service.merge(commitId);
  }
  return { dir, db, repo, blobs, commits, uploads, services, addUpload, process };
}

function lcov(files: readonly { path: string; lines: readonly [number, number][]; branches?: readonly [number, number][] }[]): Report {
  const text = files
    .map((f) => ['SF:' + f.path, ...f.lines.map(([l, h]) => `DA:${l},${h}`), ...(f.branches ?? []).map(([l, t], i) => `BRDA:${l},0,${i},${t}`), 'end_of_record'].join('\n'))
    .join('\n');
  const r = parseReport(Buffer.from(text + '\n'), { fileName: 'lcov.info', format: 'lcov' });
  if (r.status !== 'ok') throw new Error(JSON.stringify(r.diagnostics));
  return r.report;
}

/** What a commit's stored report says, file by file, as encoded coverage (equal bytes, equal coverage). */
async function storedFiles(service: CommitReportsService, manifestKey: string): Promise<Record<string, string>> {
  const m = await service.manifest(manifestKey);
  const out: Record<string, string> = {};
  for (const e of m.files) out[e.path] = encodeFile(await service.readFile(e)).toString('utf8');
  return out;
}

function expectedFiles(report: Report): Record<string, string> {
  return Object.fromEntries(report.files.map((f) => [f.path, encodeFile(f).toString('utf8')]));
}

const reportArb = fc
  .uniqueArray(
    fc.record({
      path: fc.constantFrom('src/a.c', 'src/b.c', 'src/lib/c.c', 'd.c', 'src/lib/e.c'),
      lines: fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.nat(3)), { selector: (t) => t[0], minLength: 1, maxLength: 6 }),
      branches: fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.nat(2)), { maxLength: 3 }),
    }),
    { selector: (f) => f.path, minLength: 1, maxLength: 4 },
  )
  .map(lcov);

const uploadArb = fc.record({
  report: reportArb,
  flags: fc.subarray(['e2e', 'unit']),
  job: fc.constantFrom(null, 'job-1', 'job-2'),
  process: fc.nat(1),
  /** Merge right after storing even if other uploads are unparsed (as a second worker racing would): exercises merging into a current report. */
  mergeAnyway: fc.boolean(),
});

describe('commit reports: merging uploads as they are stored', () => {
  it('whatever the order, interleaving, job re-runs, flags and worker, the commit and flag reports equal core merge of the latest upload of each job (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(uploadArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { minLength: 6, maxLength: 6 }), async (specs, order) => {
        const w = await world(2);
        const commitId = await w.commits.upsert(w.repo.id, 'a'.repeat(40), { branch: 'main' });
        const ids: string[] = [];
        for (const s of specs) ids.push(await w.addUpload(commitId, s.flags, s.job));
        // Processing order: a permutation driven by `order`; each upload goes to one of two "processes".
        const pending = specs.map((s, i) => ({ ...s, id: ids[i]! }));
        const sequence: typeof pending = [];
        for (let k = 0; pending.length > 0; k++) sequence.push(pending.splice(order[k % order.length]! % pending.length, 1)[0]!);
        for (const u of sequence) {
          await w.process(w.services[u.process]!, commitId, u.id, u.report);
          if (u.mergeAnyway) await w.services[u.process]!.merge(commitId);
        }

        const chosen = latestPerJob(specs.map((s, i) => ({ ...s, id: ids[i]!, job_identity: s.job })));
        const merged = mergeReports(chosen.map((u) => u.report));
        const commit = (await w.commits.findById(commitId))!;
        expect(JSON.parse(commit.totalsJson!)).toEqual(reportTotals(merged).totals);
        expect(commit.uploadCount).toBe(chosen.length);
        expect(await storedFiles(w.services[0]!, commit.manifestKey!)).toEqual(expectedFiles(merged));
        const flags = [...new Set(chosen.flatMap((u) => u.flags))].sort();
        expect((await w.commits.listFlagReports(commitId)).map((f) => f.flag)).toEqual(flags);
        for (const flag of flags) {
          const carrying = chosen.filter((u) => u.flags.includes(flag));
          const f = (await w.commits.findFlagReport(commitId, flag))!;
          const fm = mergeReports(carrying.map((u) => u.report));
          expect({ flag, totals: JSON.parse(f.totalsJson), uploads: f.uploadCount }).toEqual({ flag, totals: reportTotals(fm).totals, uploads: carrying.length });
          expect(await storedFiles(w.services[1]!, f.manifestKey)).toEqual(expectedFiles(fm));
        }
        const states = await w.db.selectFrom('uploads').select(['id', 'state']).execute();
        expect(states.filter((s) => s.state !== 'processed')).toEqual([]);
        await w.db.destroy();
      }),
      { numRuns: 60 },
    );
  }, 120_000);

  it('a single upload: the commit report is the upload report (one manifest); the next commit stores only its changed file, in one pack', async () => {
    const w = await world(1);
    const files = Array.from({ length: 40 }, (_, i) => ({ path: `src/m${i % 4}/f${i}.c`, lines: [[1, 1], [2, i % 3], [3, 0]] as [number, number][] }));
    const c1 = await w.commits.upsert(w.repo.id, '1'.repeat(40), { branch: 'main' });
    const u1 = await w.addUpload(c1, ['unit'], 'ci-test');
    await w.process(w.services[0]!, c1, u1, lcov(files));
    const commit1 = (await w.commits.findById(c1))!;
    expect((await w.uploads.findById(u1))!.report_blob_key).toBe(commit1.manifestKey);
    expect((await w.commits.findFlagReport(c1, 'unit'))!.manifestKey).toBe(commit1.manifestKey);
    const count = (prefix: string) => (readdirSync(path.join(w.dir, prefix), { recursive: true, withFileTypes: true }) as { isFile(): boolean }[]).filter((e) => e.isFile()).length;
    expect({ packs: count('packs'), manifests: count('manifests') }).toEqual({ packs: 1, manifests: 1 });

    const changed = files.map((f, i) => (i === 7 ? { ...f, lines: [[1, 5], [2, 5], [3, 5]] as [number, number][] } : f));
    const c2 = await w.commits.upsert(w.repo.id, '2'.repeat(40), { branch: 'main', parents: ['1'.repeat(40)] });
    const u2 = await w.addUpload(c2, ['unit'], 'ci-test');
    await w.process(w.services[0]!, c2, u2, lcov(changed));
    expect({ packs: count('packs'), manifests: count('manifests') }).toEqual({ packs: 2, manifests: 2 });
    const m2 = await new ReportStore(w.blobs, new ManifestStore(w.blobs)).manifests.read((await w.commits.findById(c2))!.manifestKey!);
    expect(m2.depth).toBe(1);
    const m1 = await w.services[0]!.manifest(commit1.manifestKey!);
    const moved = m2.files.filter((e, i) => e.blob.key !== m1.files[i]!.blob.key).map((e) => e.path);
    expect(moved).toEqual(['src/m3/f7.c']);
    expect(await storedFiles(w.services[0]!, m2.key)).toEqual(expectedFiles(lcov(changed)));
    await w.db.destroy();
  });

  it('shards arriving together are merged once, by the last to be stored; the others wait in `processing` until then', async () => {
    const w = await world(1);
    const commitId = await w.commits.upsert(w.repo.id, 'b'.repeat(40), { branch: 'main' });
    const shards = [0, 1, 2, 3].map((s) => lcov([{ path: `src/s${s}.c`, lines: [[1, 1], [2, 0]] }, { path: 'src/shared.c', lines: [[1, s], [2, 1]] }]));
    const ids = [];
    for (let s = 0; s < shards.length; s++) ids.push(await w.addUpload(commitId, [], `shard-${s}`));
    let merges = 0;
    const service = w.services[0]!;
    const merge = service.merge.bind(service);
    service.merge = (id: string) => (merges++, merge(id));
    for (let s = 0; s < 3; s++) {
      await w.process(service, commitId, ids[s]!, shards[s]!);
      expect((await w.uploads.findById(ids[s]!))!.state).toBe('processing');
    }
    expect((await w.commits.findById(commitId))!.totalsJson).toBeNull();
    await w.process(service, commitId, ids[3]!, shards[3]!);
    expect(merges).toBe(1);
    const commit = (await w.commits.findById(commitId))!;
    expect(JSON.parse(commit.totalsJson!)).toEqual(reportTotals(mergeReports(shards)).totals);
    expect((await w.uploads.listForCommit(commitId)).map((u) => u.state)).toEqual(['processed', 'processed', 'processed', 'processed']);
    await w.db.destroy();
  });

  it('the sweeper merges stored uploads whose merge never happened, and fails uploads whose job was lost so the others merge', async () => {
    const w = await world(1);
    const commitId = await w.commits.upsert(w.repo.id, 'd'.repeat(40), { branch: 'main' });
    const a = await w.addUpload(commitId, [], 'shard-a');
    const lostJob = await w.addUpload(commitId, [], 'shard-b');
    // a is stored; b's job died in its parse (processing, no report): a waits for b.
    await w.uploads.markProcessing(lostJob);
    await w.process(w.services[0]!, commitId, a, lcov([{ path: 'src/a.c', lines: [[1, 1]] }]));
    expect((await w.uploads.findById(a))!.state).toBe('processing');
    const now = Date.now();
    // Not yet stalled: nothing happens.
    expect(await new StalledUploads(w.uploads, w.services[0]!, () => new Date(now)).sweep()).toEqual({ failed: 0, commitsMerged: 0, errors: 0 });
    expect(await new StalledUploads(w.uploads, w.services[0]!, () => new Date(now + 2 * 60 * 60_000)).sweep()).toEqual({ failed: 1, commitsMerged: 1, errors: 0 });
    expect((await w.uploads.findById(lostJob))!).toMatchObject({ state: 'failed', error_code: 'CW_ERR_UPLOAD_PROCESSING_FAILED' });
    expect((await w.uploads.findById(a))!.state).toBe('processed');
    expect(JSON.parse((await w.commits.findById(commitId))!.totalsJson!)).toMatchObject({ lines: 1, hits: 1 });
    await w.db.destroy();
  });

  it('a merge retried after it was saved finishes the rest: the branch head moves, the uploads become processed', async () => {
    const w = await world(1);
    const commitId = await w.commits.upsert(w.repo.id, 'e'.repeat(40), { branch: 'feature' });
    const u = await w.addUpload(commitId, [], null);
    await w.process(w.services[0]!, commitId, u, lcov([{ path: 'src/a.c', lines: [[1, 1]] }]));
    // As if the process died after saving the report, before moving the head and marking the upload.
    await w.db.deleteFrom('branches').execute();
    await w.db.updateTable('uploads').set({ state: 'processing' }).where('id', '=', u).execute();
    await w.services[0]!.merge(commitId);
    expect(await w.db.selectFrom('branches').select(['name', 'head_commit_id']).execute()).toEqual([{ name: 'feature', head_commit_id: commitId }]);
    expect((await w.uploads.findById(u))!.state).toBe('processed');
    await w.db.destroy();
  });
});
