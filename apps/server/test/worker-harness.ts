import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineRecords, mergeReports, parseReport, reportTotals, type Report, type Totals } from '@coverwatch/core';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { PgTestSchemas } from './pg-test-schema.js';
import { gz, startTestServer, uploadHeaders, type TestServer } from './test-server.js';

/**
 * Real `coverwatch-server worker` processes around one storage, for the worker's concurrency and
 * crash tests. The test process holds the API in-process (startTestServer, no worker of its own) to
 * receive uploads and read results; the workers are separate processes on the same SQLite file (WAL)
 * or PostgreSQL schema, and the same blob directory.
 */

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The built server. COVERWATCH_TEST_SERVER_MAIN points the workers at another build (to check these tests fail on a broken one). */
export const serverMain = process.env.COVERWATCH_TEST_SERVER_MAIN || path.join(repoRoot, 'apps/server/dist/main.js');

export function assertBuilt(): void {
  if (!existsSync(serverMain)) throw new Error(`${serverMain} is missing: run npm run build (npm test does)`);
}

export interface BackendSpec {
  readonly name: string;
  readonly database: 'sqlite' | 'postgres';
  readonly driver: 'db' | 'pg-boss';
}

export const SQLITE_DB: BackendSpec = { name: 'SQLite, db queue', database: 'sqlite', driver: 'db' };
export const POSTGRES_PG_BOSS: BackendSpec = { name: 'PostgreSQL, pg-boss queue', database: 'postgres', driver: 'pg-boss' };
export const POSTGRES_DB: BackendSpec = { name: 'PostgreSQL, db queue', database: 'postgres', driver: 'db' };

export interface Backend {
  readonly spec: BackendSpec;
  readonly s: TestServer;
  /** pg-boss's schema (PostgreSQL only). */
  readonly pgBossSchema: string | null;
  spawnWorker(name: string, env?: Record<string, string>): Promise<WorkerProcess>;
  /** Stops every worker still running (SIGTERM), closes the API, drops the PostgreSQL schema. */
  close(): Promise<void>;
}

export async function openBackend(spec: BackendSpec, schemas: PgTestSchemas): Promise<Backend> {
  const env: Record<string, string> = { COVERWATCH_QUEUE_DRIVER: spec.driver };
  let pgBossSchema: string | null = null;
  if (spec.database === 'postgres') {
    const { url, schema } = await schemas.create('cw_worker');
    env.COVERWATCH_DATABASE_URL = url;
    // The runtime's default for a schema other than public (PgTestSchemas drops it with the schema).
    pgBossSchema = `${schema}_pgboss`;
  }
  const s = await startTestServer({ env });
  const workers: WorkerProcess[] = [];
  return {
    spec,
    s,
    pgBossSchema,
    async spawnWorker(name, more = {}) {
      const w = await spawnWorker(name, s.config.dataDir, { ...env, ...more });
      workers.push(w);
      return w;
    },
    async close() {
      for (const w of workers) await w.stop().catch(() => undefined);
      await s.close();
    },
  };
}

export interface JobLog {
  readonly jobId: string;
  readonly attempt: number;
  readonly msg: string;
  readonly time: number;
}

export interface WorkerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** 'job done' and 'job failed' lines of its log, in order. */
  readonly jobLogs: JobLog[];
  stderr(): string;
  /** Resolves with how the process ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful), then waits for the exit; nothing when it already ended. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `coverwatch-server worker` and resolves once it says it is running. */
export async function spawnWorker(name: string, dataDir: string, env: Record<string, string>): Promise<WorkerProcess> {
  assertBuilt();
  const child = spawn(process.execPath, [serverMain, 'worker', '--data-dir', dataDir], {
    // Only our variables: no COVERWATCH_* of the caller's environment.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', COVERWATCH_LOG_LEVEL: 'debug', COVERWATCH_WORKER_POLL_INTERVAL_MS: '20', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const jobLogs: JobLog[] = [];
  let err = '';
  let partial = '';
  child.stdout!.on('data', (c: Buffer) => {
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      let entry: { msg?: string; jobId?: string; attempt?: number; time?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if ((entry.msg === 'job done' || entry.msg === 'job failed') && entry.jobId !== undefined) {
        jobLogs.push({ jobId: entry.jobId, attempt: entry.attempt ?? 0, msg: entry.msg, time: entry.time ?? 0 });
      }
      if (entry.msg !== 'job done' && typeof entry.msg === 'string' && /fail|error/i.test(entry.msg)) err += `${line}\n`;
    }
  });
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${name} did not start:\n${err}`)), 20_000);
    const onData = () => {
      if (err.includes('coverwatch-server worker running')) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve();
      }
    };
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`worker ${name} exited (${code ?? signal}) before it started:\n${err}`));
    });
  });
  return {
    name,
    child,
    jobLogs,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
      }
      return exited;
    },
  };
}

/** Posts an upload through the API; returns its id (still `received`). */
export async function postUpload(s: TestServer, envelope: Record<string, unknown>): Promise<string> {
  const r = await s.app.inject({ method: 'POST', url: '/api/v1/uploads', headers: uploadHeaders(s.uploadToken), payload: gz(envelope) });
  // On a 500 the server's own error lines say why (this failed once, intermittently, under load).
  expect(r.statusCode, `${r.body}\n${s.errorLog().join('\n')}`).toBe(202);
  return (r.json() as { id: string }).id;
}

export function lcovEnvelope(sha: string, lcov: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 1, commit: { sha, branch: 'main' }, reports: [{ name: 'lcov.info', data: Buffer.from(lcov).toString('base64') }], ...extra };
}

export async function readJson(s: TestServer, url: string): Promise<Record<string, unknown>> {
  const r = await s.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${s.readToken}` } });
  expect(r.statusCode, `${url}: ${r.body}`).toBe(200);
  return r.json() as Record<string, unknown>;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

// ---- Expected numbers: core alone, never the server's. ----

export function parseLcov(text: string): Report {
  const r = parseReport(Buffer.from(text), { fileName: 'lcov.info' });
  if (r.status !== 'ok') throw new Error(`test report did not parse: ${r.status}`);
  return r.report;
}

export function coreMerge(texts: readonly string[]): Report {
  return mergeReports(texts.map(parseLcov));
}

export function coreTotals(report: Report): Totals {
  return reportTotals(report).totals;
}

/** A file's lines as the file-lines endpoint lists them, from core. */
export function coreLines(report: Report, file: string): unknown[] {
  const f = report.files.find((x) => x.path === file);
  if (f === undefined) throw new Error(`core has no file ${file}`);
  return [...lineRecords(f)].map((r) => (r.kind === 'partial' ? { ...r, missedBranches: [...r.missedBranches] } : r));
}

/** Deterministic pseudo-random numbers (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One LCOV record: lines 1..lines with the given hits, a function every 10 lines, a 2-way branch every 7. */
export function lcovFile(file: string, lines: number, hit: (line: number) => number): string {
  let s = `TN:\nSF:${file}\n`;
  for (let l = 1; l <= lines; l += 10) s += `FN:${l},fn_${l}\n`;
  for (let l = 1; l <= lines; l += 10) s += `FNDA:${hit(l)},fn_${l}\n`;
  for (let l = 3; l <= lines; l += 7) {
    const h = hit(l);
    s += `BRDA:${l},0,0,${h === 0 ? '-' : h}\nBRDA:${l},0,1,${h === 0 ? '-' : (h + l) % 2}\n`;
  }
  for (let l = 1; l <= lines; l++) s += `DA:${l},${hit(l)}\n`;
  return `${s}end_of_record\n`;
}

// ---- What the storage holds: uploads, commit, flags, jobs. ----

export interface UploadRow {
  id: string;
  state: string;
  error_code: string | null;
  report_blob_key: string | null;
  processing_started_at: string | null;
  finished_at: string | null;
}

export async function commitRow(b: Backend, sha: string) {
  return b.s.runtime.db
    .selectFrom('commits')
    .select(['id', 'upload_count', 'totals_json', 'report_version'])
    .where('sha', '=', sha)
    .executeTakeFirst();
}

export async function uploadsOf(b: Backend, sha: string): Promise<UploadRow[]> {
  return b.s.runtime.db
    .selectFrom('uploads as u')
    .innerJoin('commits as c', 'c.id', 'u.commit_id')
    .select(['u.id', 'u.state', 'u.error_code', 'u.report_blob_key', 'u.processing_started_at', 'u.finished_at'])
    .where('c.sha', '=', sha)
    .orderBy('u.id')
    .execute();
}

export async function flagReportsOf(b: Backend, sha: string) {
  return b.s.runtime.db
    .selectFrom('commit_flag_reports as f')
    .innerJoin('commits as c', 'c.id', 'f.commit_id')
    .select(['f.flag', 'f.totals_json', 'f.upload_count'])
    .where('c.sha', '=', sha)
    .orderBy('f.flag')
    .execute();
}

/** One job as the queue keeps it, whichever the driver. `attempts` is null once pg-boss completed it (its lease row is gone). */
export interface JobRow {
  id: string;
  uploadId: string;
  /** db: queued|active|done|failed; pg-boss: created|active|completed|failed|... */
  state: string;
  attempts: number | null;
  lockedBy: string | null;
  /** pg-boss moved it to its archive table. */
  archived: boolean;
}

export async function jobsOf(b: Backend): Promise<JobRow[]> {
  const db = b.s.runtime.db;
  if (b.spec.driver === 'db') {
    const rows = await db.selectFrom('jobs').select(['id', 'payload_json', 'state', 'attempts', 'locked_by']).where('queue', '=', 'process-upload').execute();
    return rows.map((r) => ({
      id: r.id,
      uploadId: (JSON.parse(r.payload_json) as { uploadId: string }).uploadId,
      state: r.state,
      attempts: r.attempts,
      lockedBy: r.locked_by,
      archived: false,
    }));
  }
  const schema = b.pgBossSchema!;
  const rows = await sql<{ id: string; state: string; data: { payload: { uploadId: string } }; attempts: number | null; worker_id: string | null; archived: boolean }>`
    SELECT j.id::text AS id, j.state::text AS state, j.data, l.attempts, l.worker_id, j.archived
    FROM (SELECT id, name, state, data, false AS archived FROM ${sql.id(schema, 'job')}
          UNION ALL SELECT id, name, state, data, true AS archived FROM ${sql.id(schema, 'archive')}) j
    LEFT JOIN ${sql.id(schema, 'coverwatch_lease')} l ON l.job_id = j.id
    WHERE j.name = 'process-upload'`.execute(db);
  return rows.rows.map((r) => ({ id: r.id, uploadId: r.data.payload.uploadId, state: r.state, attempts: r.attempts, lockedBy: r.worker_id, archived: r.archived }));
}

/** Rows of the pg-boss lease table (0 when nothing is held or parked); null on the db driver. */
export async function leaseCount(b: Backend): Promise<number | null> {
  if (b.spec.driver !== 'pg-boss') return null;
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.id(b.pgBossSchema!, 'coverwatch_lease')}`.execute(b.s.runtime.db);
  return r.rows[0]!.n;
}

/** The finished state of a job on the backend's driver. */
export function doneState(b: Backend): string {
  return b.spec.driver === 'db' ? 'done' : 'completed';
}

export function newSchemas(): PgTestSchemas {
  return new PgTestSchemas();
}
