import { afterAll, describe, expect, it } from 'vitest';
import { skipWithoutPostgres } from './pg-test-schema.js';
import {
  coreLines,
  coreMerge,
  coreTotals,
  doneState,
  flagReportsOf,
  jobsOf,
  lcovEnvelope,
  lcovFile,
  leaseCount,
  newSchemas,
  openBackend,
  POSTGRES_DB,
  POSTGRES_PG_BOSS,
  postUpload,
  prng,
  readJson,
  SQLITE_DB,
  uploadsOf,
  waitFor,
  type Backend,
  type BackendSpec,
  type UploadRow,
} from './worker-harness.js';

/**
 * Issue 3, property 1: two workers processing uploads of the same commit at the same moment lose
 * nothing. Two real `coverwatch-server worker` processes (8 jobs at once each) on one storage; the
 * uploads of a commit are queued while both are frozen (SIGSTOP), then both are let go at once
 * (SIGCONT), so up to 16 jobs of one commit rebuild its report at the same time. Repeated over a few
 * commits, then once more with one of the workers SIGKILLed mid-race (its jobs come back after
 * their lease to the other and to a replacement). The commit's totals, per-file line hits and
 * per-flag reports must equal core's merge of every shard: a lost update drops a shard (its own
 * file disappears), a double count doubles hits. (Checked: with the version guard of
 * CommitsRepository.saveReport removed, this fails in the first round or two.)
 */

const SHARDS = 16;
const ROUNDS = 5;
const SHARED_FILES = ['src/core/engine.c', 'src/core/util.c', 'src/io/reader.c', 'src/io/writer.c', 'lib/common.c', 'lib/hash.c'];
const FLAG_SETS: readonly (readonly string[])[] = [['unit'], ['integration'], ['unit', 'linux'], ['e2e'], ['integration', 'linux'], []];

interface Shard {
  readonly text: string;
  readonly flags: readonly string[];
}

/** 16 small LCOV shards: each covers about half of the shared files (random hits) and one file of its own. */
function shards(round: number): Shard[] {
  return Array.from({ length: SHARDS }, (_, i) => {
    const r = prng(round * 1000 + i + 1);
    let text = '';
    for (const file of SHARED_FILES) {
      if (r() < 0.5) continue;
      text += lcovFile(file, 40, () => (r() < 0.35 ? 0 : Math.floor(r() * 4) + 1));
    }
    text += lcovFile(`src/shards/shard${i}.c`, 5 + (i % 4), (l) => (l % 3 === 0 ? 0 : i + 1));
    return { text, flags: FLAG_SETS[i % FLAG_SETS.length]! };
  });
}

const schemas = newSchemas();
afterAll(async () => schemas.dropAll());

function maxOverlap(rows: readonly UploadRow[]): number {
  const events: [number, number][] = [];
  for (const u of rows) {
    events.push([Date.parse(u.processing_started_at!), 1], [Date.parse(u.finished_at!), -1]);
  }
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of events) max = Math.max(max, (now += d));
  return max;
}

async function checkCommit(b: Backend, sha: string, round: readonly Shard[]): Promise<void> {
  const base = `/api/v1/repos/acme/widgets/commits/${sha}`;
  const merged = coreMerge(round.map((x) => x.text));
  // Every upload processed, none failed.
  const uploads = await uploadsOf(b, sha);
  expect(uploads.map((u) => [u.state, u.error_code])).toEqual(round.map(() => ['processed', null]));
  // The commit: every shard counted once.
  expect(await readJson(b.s, `${base}/totals`)).toEqual({ repository: 'acme/widgets', commitSha: sha, uploads: SHARDS, totals: coreTotals(merged) });
  for (const file of [...SHARED_FILES, 'src/shards/shard0.c', `src/shards/shard${SHARDS - 1}.c`]) {
    const lines = await readJson(b.s, `${base}/files/${file}`);
    expect(lines.lines, file).toEqual(coreLines(merged, file));
  }
  // Per flag: the shards carrying it.
  const flags = [...new Set(round.flatMap((x) => x.flags))].sort();
  const stored = await flagReportsOf(b, sha);
  expect(stored.map((f) => f.flag)).toEqual(flags);
  for (const f of stored) {
    const carrying = round.filter((x) => x.flags.includes(f.flag));
    const flagMerged = coreMerge(carrying.map((x) => x.text));
    expect({ flag: f.flag, uploads: f.upload_count, totals: JSON.parse(f.totals_json) as unknown }).toEqual({ flag: f.flag, uploads: carrying.length, totals: coreTotals(flagMerged) });
    const file = flagMerged.files.find((x) => SHARED_FILES.includes(x.path))!.path;
    const lines = await readJson(b.s, `${base}/files/${file}?flag=${f.flag}`);
    expect(lines.lines, `${f.flag} ${file}`).toEqual(coreLines(flagMerged, file));
  }
}

async function race(spec: BackendSpec): Promise<void> {
  const started = Date.now();
  const b = await openBackend(spec, schemas);
  // A short lease (heartbeats every second keep it) so that the jobs of the worker killed in the last round come back soon.
  const env = { COVERWATCH_WORKER_CONCURRENCY: '8', COVERWATCH_WORKER_LEASE_MS: '3000' };
  try {
    const workers = await Promise.all([b.spawnWorker('A', env), b.spawnWorker('B', env)]);
    const overlaps: number[] = [];
    let killedAfter = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      // The extra last round: worker A is SIGKILLed mid-race and replaced by A2.
      const killRound = round === ROUNDS;
      const sha = (round + 1).toString(16).repeat(40);
      const data = shards(round);
      // Both workers frozen while the uploads are queued, then released together.
      const live = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      for (const w of live) w.child.kill('SIGSTOP');
      try {
        await Promise.all(data.map((x, i) => postUpload(b.s, lcovEnvelope(sha, x.text, { flags: x.flags, ...(i % 2 === 0 ? { ci: { provider: 'local', buildId: `r${round}`, jobId: `shard-${i}` } } : {}) }))));
      } finally {
        for (const w of live) w.child.kill('SIGCONT');
      }
      const t0 = Date.now();
      if (killRound) {
        // Killed once jobs of the commit are under way (a few done, the rest in flight or queued).
        await waitFor('the race to be under way', async () => (await uploadsOf(b, sha)).filter((u) => u.state !== 'received').length >= 6, 10_000, 5);
        workers[0]!.child.kill('SIGKILL');
        killedAfter = Date.now() - t0;
        expect((await workers[0]!.exited).signal).toBe('SIGKILL');
        workers.push(await b.spawnWorker('A2', env));
      }
      const done = await waitFor(
        `${SHARDS} uploads of round ${round} to finish`,
        async () => {
          const rows = await uploadsOf(b, sha);
          return rows.length === SHARDS && rows.every((u) => u.state === 'processed' || u.state === 'failed') ? rows : null;
        },
        30_000,
      );
      overlaps.push(maxOverlap(done));
      // A job completes just after its upload is marked processed: wait for the queue to be idle
      // (the next SIGSTOP must not catch a worker holding SQLite's write lock).
      await waitFor('the jobs to complete', async () => (await jobsOf(b)).filter((j) => j.state === doneState(b)).length === SHARDS * (round + 1), 10_000);
      await checkCommit(b, sha, data);
      console.log(
        `[${spec.name}] round ${round}: ${SHARDS} uploads processed in ${Date.now() - t0} ms, at most ${overlaps[round]} in processing at once` +
          (killRound ? ` (worker A SIGKILLed ${killedAfter} ms in)` : ''),
      );
    }
    // The queue: every job finished, nothing held; the jobs the killed worker held took a second attempt.
    const jobs = await jobsOf(b);
    expect(jobs).toHaveLength(SHARDS * (ROUNDS + 1));
    expect(jobs.filter((j) => j.state !== doneState(b) || j.lockedBy !== null)).toEqual([]);
    if (b.spec.driver === 'pg-boss') expect(await leaseCount(b)).toBe(0);
    const logs = workers.flatMap((w) => w.jobLogs.map((l) => ({ ...l, worker: w.name })));
    expect(logs.filter((l) => l.msg !== 'job done'), workers.map((w) => w.stderr()).join('\n')).toEqual([]);
    const retried = logs.filter((l) => l.attempt !== 1);
    if (b.spec.driver === 'db') {
      expect(jobs.filter((j) => j.attempts !== 1).map((j) => j.attempts)).toEqual(retried.map(() => 2));
    }
    // No job done twice on one attempt; both workers took part; the jobs really overlapped.
    const firstAttempts = logs.filter((l) => l.attempt === 1);
    expect(new Set(firstAttempts.map((l) => l.jobId)).size).toBe(firstAttempts.length);
    expect(new Set(logs.map((l) => l.jobId)).size).toBeLessThanOrEqual(SHARDS * (ROUNDS + 1));
    const perWorker = workers.map((w) => `${w.name} ${w.jobLogs.length}`);
    expect(workers[0]!.jobLogs.length).toBeGreaterThan(0);
    expect(workers[1]!.jobLogs.length).toBeGreaterThan(0);
    expect(Math.max(...overlaps)).toBeGreaterThan(1);
    for (const w of workers.slice(1)) expect(await w.stop()).toEqual({ code: 0, signal: null });
    console.log(`[${spec.name}] jobs done per worker: ${perWorker.join(', ')}; ${retried.length} job(s) retried after the kill; ${Date.now() - started} ms in all`);
  } finally {
    await b.close();
  }
}

// Generous: the machine may be running the rest of the suite beside these real processes.
describe('two worker processes, uploads of one commit at once', { timeout: 240_000 }, () => {
  it('SQLite (one data dir, WAL), db queue: commit and flag totals equal core, every upload processed once', async () => {
    await race(SQLITE_DB);
  });

  const noPg = skipWithoutPostgres('worker concurrency on PostgreSQL');
  it.skipIf(noPg)('PostgreSQL, pg-boss queue: commit and flag totals equal core, every upload processed once', async () => {
    await race(POSTGRES_PG_BOSS);
  });

  it.skipIf(noPg)('PostgreSQL, db queue: commit and flag totals equal core, every upload processed once', async () => {
    await race(POSTGRES_DB);
  });
});
