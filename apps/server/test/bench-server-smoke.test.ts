import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from './pg-test-schema.js';

/**
 * The server benchmarks (bench/server, docs/benchmarks.md "Server") at CI size, asserting behaviour
 * only, never a timing: totals equal core's for single uploads, for every commit of an evolving
 * repository and for overlapping shards arriving at once; each commit writes coverage blobs for
 * exactly the files whose coverage changed; the read API answers without errors under concurrency.
 * On SQLite, and on PostgreSQL + pg-boss when COVERWATCH_TEST_DATABASE_URL is set.
 */
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const serverMain = path.join(repoRoot, 'apps/server/dist/main.js');
const outDir = mkdtempSync(path.join(tmpdir(), 'cw-bench-smoke-'));
const backends = ['sqlite', ...(TEST_DATABASE_URL !== undefined ? ['postgres'] : [])];

interface StorageResult {
  files: number;
  commits: number;
  changesPerCommit: number;
  totalsExact: boolean;
  newBlobsPerCommit: Record<'packs' | 'manifests', { min: number; max: number } | null>;
  byPrefix: Record<string, { firstCommitBytes: number; totalBytes: number; perCommitBytes: number; perCommitBlobs: number }>;
  derived: { firstCommitBytes: number; perCommitBytes: number };
}
interface Results {
  runs: { bench: string; backend: string; result: unknown }[];
}

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe.each(backends)('server benchmarks, smoke size, on %s', (backend) => {
  let results: Results;

  it('run (npm run bench:server -- --smoke)', async () => {
    if (!existsSync(serverMain)) throw new Error(`${serverMain} is missing: run npm run build (npm test does)`);
    const out = path.join(outDir, `${backend}.json`);
    const args = ['bench/server/run.mjs', '--smoke', '--backends', backend, '--out', out, ...(TEST_DATABASE_URL !== undefined ? ['--pg-url', TEST_DATABASE_URL] : [])];
    await run(process.execPath, args, { cwd: repoRoot, timeout: 170_000, maxBuffer: 16 << 20, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } });
    results = JSON.parse(readFileSync(out, 'utf8')) as Results;
    expect(results.runs.map((r) => r.bench)).toEqual(['storage', 'latency', 'shards', 'read']);
  }, 180_000);

  const result = <T>(bench: string) => results.runs.find((r) => r.bench === bench)!.result as T;

  it('storage: totals equal core after every commit; each commit adds one pack (its changed files) and one manifest', () => {
    const s = result<StorageResult>('storage');
    expect(s.totalsExact).toBe(true);
    // One upload per commit, no flags: its manifest is the commit's, its pack holds the changed files only.
    expect(s.newBlobsPerCommit).toEqual({ packs: { min: 1, max: 1 }, manifests: { min: 1, max: 1 } });
    const packs = s.byPrefix.packs!;
    expect(packs.perCommitBytes).toBeLessThanOrEqual(3 * (s.changesPerCommit / s.files) * packs.firstCommitBytes);
    expect(s.byPrefix.reports!.totalBytes + s.byPrefix.coverage!.totalBytes).toBe(0);
  });

  it('storage: bytes kept per commit (manifest included) follow the changed files, not the repository', () => {
    const s = result<StorageResult>('storage');
    // 1 of 50 files changes per commit: 2% of the first commit's bytes, with room for gzip headers
    // and the manifest delta's fixed part; the full manifest of 50 files alone is far above this.
    expect(s.derived.perCommitBytes).toBeLessThanOrEqual(3 * (s.changesPerCommit / s.files) * s.derived.firstCommitBytes);
    expect(s.byPrefix.manifests!.perCommitBytes).toBeLessThan(s.byPrefix.manifests!.firstCommitBytes / 4);
  });

  it('latency: single-upload totals equal core', () => {
    const sizes = result<{ totalsExact: boolean }[]>('latency');
    expect(sizes.every((x) => x.totalsExact)).toBe(true);
  });

  it('shards arriving at once: all processed, none failed, final totals equal core merge of the shards', () => {
    const s = result<{ totalsExact: boolean; failedUploads: unknown[]; allProcessedMs: number | null; overlapping: boolean }>('shards');
    expect(s.overlapping).toBe(true);
    expect(s.failedUploads).toEqual([]);
    expect(s.allProcessedMs).not.toBeNull();
    expect(s.totalsExact).toBe(true);
  });

  it('read API under concurrent load: no errors, no non-2xx answers', () => {
    const r = result<{ endpoints: { name: string; requests: number; non2xx: number; errors: number; timeouts: number }[] }>('read');
    for (const e of r.endpoints) expect({ name: e.name, non2xx: e.non2xx, errors: e.errors, timeouts: e.timeouts, some: e.requests > 0 }).toEqual({ name: e.name, non2xx: 0, errors: 0, timeouts: 0, some: true });
  });
});
