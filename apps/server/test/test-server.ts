import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { run } from '../src/cli/run.js';
import type { Config } from '../src/config/config.schema.js';
import { loadConfig } from '../src/config/load-config.js';
import { createLogger } from '../src/logging/logger.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { createServices, type AccountsOptions } from '../src/services.js';
import type { Worker } from '../src/worker/worker.js';

export interface TestServer {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly runtime: Runtime;
  /** The server's error log lines so far (JSON): a test that gets a 500 shows them, so its cause is on record. */
  errorLog(): string[];
  readonly uploadToken: string;
  readonly readToken: string;
  /** Tokens of another repository (acme/other). */
  readonly otherUploadToken: string;
  readonly otherReadToken: string;
  close(): Promise<void>;
}

/**
 * A real app on a real SQLite database and blob store in a temp directory (no mocks), with
 * acme/widgets and acme/other and a token of each kind for each. `worker: true` runs the in-process
 * worker with a short poll interval.
 */
export async function startTestServer(options: { env?: Record<string, string>; worker?: boolean; accounts?: AccountsOptions } = {}): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-server-'));
  const config = loadConfig({
    env: { COVERWATCH_DATA_DIR: dir, COVERWATCH_LOG_LEVEL: 'silent', COVERWATCH_WORKER_POLL_INTERVAL_MS: '20', ...options.env },
    cwd: dir,
    readFile: () => {
      throw new Error('no files in tests');
    },
  });
  const runtime = await openRuntime(config);
  // Errors only, kept in memory: quiet tests, but a 500 can name its cause (errorLog()).
  const errors: string[] = [];
  const logger = createLogger('error', new Writable({ write: (chunk: Buffer, _enc, done) => (errors.push(chunk.toString('utf8').trim()), done()) }));
  const app = await buildApp(config, { ...runtime, logger, ...(options.accounts === undefined ? {} : { accounts: options.accounts }) });
  let worker: Worker | null = null;
  if (options.worker) worker = runtime.startWorker(logger);
  const { admin } = createServices(config, runtime);
  await admin.createOrg('acme');
  await admin.createRepo('acme/widgets');
  await admin.createRepo('acme/other');
  return {
    app,
    config,
    runtime,
    errorLog: () => errors.slice(),
    uploadToken: (await admin.createToken('upload', 'acme/widgets')).token,
    readToken: (await admin.createToken('read', 'acme/widgets')).token,
    otherUploadToken: (await admin.createToken('upload', 'acme/other')).token,
    otherReadToken: (await admin.createToken('read', 'acme/other')).token,
    async close() {
      await app.close();
      await worker?.stop(5000);
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const SHA = 'a'.repeat(40);

/** A valid envelope carrying `report` (text) as its one report. */
export function envelope(report: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { version: 1, commit: { sha: SHA, branch: 'main' }, reports: [{ name: 'coverage.info', data: Buffer.from(report).toString('base64') }], ...extra };
}

export function gz(value: unknown): Buffer {
  return gzipSync(typeof value === 'string' ? value : JSON.stringify(value));
}

/** Headers of an upload request. */
export function uploadHeaders(token: string, more: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip', ...more };
}

/** Polls an upload until it leaves received/processing. */
export async function waitForUpload(app: FastifyInstance, token: string, id: string, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await app.inject({ method: 'GET', url: `/api/v1/uploads/${id}`, headers: { authorization: `Bearer ${token}` } });
    const body = r.json() as Record<string, unknown>;
    if (body.state === 'processed' || body.state === 'failed') return body;
    if (Date.now() > end) throw new Error(`upload ${id} still ${String(body.state)}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

export const LCOV = 'SF:src/a.c\nDA:1,5\nDA:2,0\nDA:3,2\nBRDA:3,0,0,2\nBRDA:3,0,1,0\nend_of_record\n';

/** `coverwatch-server admin ARGS --json` on the test server's data directory, in process: exit code, stderr and the parsed JSON. */
export async function runAdminCli(s: TestServer, ...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(
    {
      argv: ['admin', ...argv, '--json'],
      env: { COVERWATCH_DATA_DIR: s.config.dataDir, COVERWATCH_LOG_LEVEL: 'silent' },
      cwd: s.config.dataDir,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    },
    new EventEmitter(),
  );
  return { code, stderr, json: stdout === '' ? null : (JSON.parse(stdout) as Record<string, unknown>) };
}
