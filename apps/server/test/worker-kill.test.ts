import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sql } from 'kysely';
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
  POSTGRES_PG_BOSS,
  postUpload,
  readJson,
  SQLITE_DB,
  uploadsOf,
  waitFor,
  type Backend,
  type BackendSpec,
  type JobRow,
} from './worker-harness.js';

/**
 * Issue 3, property 2: a worker killed in the middle of a job. A real `coverwatch-server worker`
 * takes the job of a large upload (500k lines: seconds of work, long enough to be caught), is
 * SIGKILLed while the upload is `processing` (during the parse, or later while it rebuilds the
 * commit report), and a second worker takes the job over once the first one's lease runs out. The
 * upload must end `processed` once, the commit's totals and line hits equal core's merge (not
 * doubled), the job show its second attempt, and nothing stay held. On pg-boss also after an outage
 * long enough for pg-boss to expire and archive the job (the lease still stands: the job must run).
 */

const LEASE_MS = 2000;
const BIG_FILES = 200;
const BIG_LINES = 2500;
const SHARED = 'src/m0/file0.c';

let bigText: string | null = null;
/** ~8 MB of LCOV: BIG_FILES files of BIG_LINES lines (500k lines), deterministic hits. */
function bigReport(): string {
  if (bigText !== null) return bigText;
  const parts: string[] = [];
  for (let f = 0; f < BIG_FILES; f++) {
    parts.push(lcovFile(`src/m${f % 40}/file${f}.c`, BIG_LINES, (l) => (f * 31 + l * 7) % 5));
  }
  return (bigText = parts.join(''));
}

const SMALL = lcovFile(SHARED, 30, (l) => (l % 4 === 0 ? 0 : 2)) + lcovFile('src/small.c', 10, (l) => l % 2);

const schemas = newSchemas();
afterAll(async () => schemas.dropAll());

function blobTmpFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile() && e.name.includes('.tmp-')) n++;
  return n;
}

/**
 * pg-boss's own maintenance statements (its expiry and its archiving), run by hand on the job: what
 * pg-boss does on its own when the job stays active longer than its expiry (23 h here: pg-boss
 * allows less than 24) and, 12 h later, archives the failed job. Simulates all workers down that long.
 */
async function pgBossExpiresAndArchives(b: Backend, jobId: string): Promise<void> {
  const plans = createRequire(import.meta.url)('pg-boss/src/plans.js') as { failJobsByTimeout(schema: string): string; archive(schema: string, completed: string, failed: string): string };
  const schema = b.pgBossSchema!;
  const db = b.s.runtime.db;
  await sql`UPDATE ${sql.id(schema, 'job')} SET started_on = started_on - interval '24 hours' WHERE id = ${jobId}::uuid`.execute(db);
  await sql.raw(plans.failJobsByTimeout(schema)).execute(db);
  await sql`UPDATE ${sql.id(schema, 'job')} SET completed_on = completed_on - interval '13 hours' WHERE id = ${jobId}::uuid`.execute(db);
  await sql.raw(plans.archive(schema, '12 hours', '12 hours')).execute(db);
}

async function killMidJob(spec: BackendSpec, phase: 'parse' | 'rebuild', outage?: (b: Backend, jobId: string) => Promise<void>): Promise<void> {
  const b = await openBackend(spec, schemas);
  const env = { COVERWATCH_WORKER_LEASE_MS: String(LEASE_MS) };
  const sha = (phase === 'parse' ? 'c' : 'd').repeat(40);
  try {
    const first = await b.spawnWorker('first', env);
    // An upload processed before the crash: it must be neither lost nor doubled by the retry.
    const smallId = await postUpload(b.s, lcovEnvelope(sha, SMALL, { flags: ['small'] }));
    await waitFor('the small upload', async () => (await uploadsOf(b, sha)).find((u) => u.id === smallId)?.state === 'processed', 20_000);

    const big = bigReport();
    const bigId = await postUpload(b.s, lcovEnvelope(sha, big, { flags: ['big'] }));
    // Caught in the phase asked for: before the parsed report is stored, or after (rebuilding the commit).
    const caught = await waitFor(
      `the big upload to be processing (${phase})`,
      async () => {
        const u = (await uploadsOf(b, sha)).find((x) => x.id === bigId)!;
        if (u.state !== 'processing' && u.state !== 'received') throw new Error(`upload ended ${u.state} before it could be killed: make the report bigger`);
        return u.state === 'processing' && (phase === 'parse') === (u.report_blob_key === null) ? u : null;
      },
      30_000,
      10,
    );
    expect(caught.state).toBe('processing');
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Dead mid-job: the upload is still processing, the job held by the dead worker on attempt 1.
    const atKill = (await uploadsOf(b, sha)).find((x) => x.id === bigId)!;
    expect(atKill.state).toBe('processing');
    const phaseHit = atKill.report_blob_key === null ? 'parse' : 'rebuild';
    expect(phaseHit).toBe(phase);
    const bigJob = (jobs: JobRow[]) => jobs.find((j) => j.uploadId === bigId)!;
    const held = bigJob(await jobsOf(b));
    expect(held).toMatchObject({ state: 'active', attempts: 1 });
    expect(held.lockedBy).not.toBeNull();
    expect(first.jobLogs.filter((l) => l.jobId === held.id)).toEqual([]);

    if (outage !== undefined) {
      await outage(b, held.id);
      expect(bigJob(await jobsOf(b))).toMatchObject({ state: 'failed', archived: true, attempts: 1 });
    }

    const second = await b.spawnWorker('second', env);
    const readyAt = Date.now();
    let claimedAt: number | null = null;
    await waitFor(
      'the second worker to finish the job',
      async () => {
        if (second.jobLogs.some((l) => l.msg === 'job failed')) throw new Error(`the second worker failed the job:\n${second.stderr()}`);
        const job = bigJob(await jobsOf(b));
        if (claimedAt === null && job.attempts === 2) claimedAt = Date.now();
        const u = (await uploadsOf(b, sha)).find((x) => x.id === bigId)!;
        // After the outage pg-boss keeps its own record (failed, archived): the lease decides.
        return u.state !== 'processing' && (outage !== undefined ? job.attempts === null : job.state === doneState(b));
      },
      40_000,
      20,
    );
    const doneAt = Date.now();

    // The upload: processed (once: one 'job done', on the second attempt, by the second worker).
    const uploads = await uploadsOf(b, sha);
    expect(uploads.map((u) => [u.id, u.state, u.error_code]).sort()).toEqual(
      [
        [smallId, 'processed', null],
        [bigId, 'processed', null],
      ].sort(),
    );
    // The database can say `processed` before the worker's log line has come through its pipe.
    for (let i = 0; i < 100 && !second.jobLogs.some((l) => l.jobId === held.id); i++) await new Promise((r) => setTimeout(r, 50));
    const doneLogs = [...first.jobLogs, ...second.jobLogs].filter((l) => l.jobId === held.id);
    expect(doneLogs.map((l) => [l.msg, l.attempt]), second.stderr()).toEqual([['job done', 2]]);
    expect(second.jobLogs.map((l) => l.jobId)).toEqual([held.id]);

    // The commit: both uploads, each counted once; line hits of a file both cover are summed once.
    const merged = coreMerge([SMALL, big]);
    const base = `/api/v1/repos/acme/widgets/commits/${sha}`;
    expect(await readJson(b.s, `${base}/totals`)).toEqual({ repository: 'acme/widgets', commitSha: sha, uploads: 2, totals: coreTotals(merged) });
    for (const file of [SHARED, 'src/small.c', 'src/m7/file7.c', `src/m39/file${BIG_FILES - 1}.c`]) {
      expect((await readJson(b.s, `${base}/files/${file}`)).lines, file).toEqual(coreLines(merged, file));
    }
    const flags = await flagReportsOf(b, sha);
    expect(flags.map((f) => ({ flag: f.flag, uploads: f.upload_count, totals: JSON.parse(f.totals_json) as unknown }))).toEqual([
      { flag: 'big', uploads: 1, totals: coreTotals(coreMerge([big])) },
      { flag: 'small', uploads: 1, totals: coreTotals(coreMerge([SMALL])) },
    ]);

    // The queue: both jobs finished, the big one on its second attempt; nothing held or parked.
    const jobs = await jobsOf(b);
    expect(jobs.map((j) => [j.uploadId, j.state, j.lockedBy]).sort()).toEqual(
      [
        [smallId, doneState(b), null],
        [bigId, outage !== undefined ? 'failed' : doneState(b), null],
      ].sort(),
    );
    if (b.spec.driver === 'db') expect(bigJob(jobs).attempts).toBe(2);
    else expect(await leaseCount(b)).toBe(0);
    expect(claimedAt, 'the second attempt was never seen').not.toBeNull();

    expect(await second.stop()).toEqual({ code: 0, signal: null });
    const tmp = blobTmpFiles(path.join(b.s.config.dataDir, 'blobs'));
    console.log(
      `[${spec.name}] killed during the ${phaseHit}${outage !== undefined ? ', pg-boss expired and archived the job' : ''}: second worker ready after ${readyAt - killedAt} ms, ` +
        `job taken again after ${claimedAt! - killedAt} ms (lease ${LEASE_MS} ms), upload processed ${doneAt - killedAt} ms after the kill; ` +
        `${tmp} leftover blob temp file(s)`,
    );
  } finally {
    await b.close();
  }
}

// Generous: the machine may be running the rest of the suite beside these real processes.
describe('a worker killed mid-job (SIGKILL): the job is retried by another worker and completes', { timeout: 180_000 }, () => {
  it('SQLite, db queue: killed while parsing', async () => {
    await killMidJob(SQLITE_DB, 'parse');
  });

  it('SQLite, db queue: killed while rebuilding the commit report', async () => {
    await killMidJob(SQLITE_DB, 'rebuild');
  });

  const noPg = skipWithoutPostgres('worker kill on PostgreSQL');
  it.skipIf(noPg)('PostgreSQL, pg-boss queue: killed while parsing', async () => {
    await killMidJob(POSTGRES_PG_BOSS, 'parse');
  });

  it.skipIf(noPg)('PostgreSQL, pg-boss queue: killed while rebuilding the commit report', async () => {
    await killMidJob(POSTGRES_PG_BOSS, 'rebuild');
  });

  it.skipIf(noPg)('PostgreSQL, pg-boss queue: killed, then no worker until pg-boss expired and archived the job: still retried from the lease', async () => {
    await killMidJob(POSTGRES_PG_BOSS, 'parse', pgBossExpiresAndArchives);
  });
});
