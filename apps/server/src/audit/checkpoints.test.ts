import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PgTestSchemas, skipWithoutPostgres } from '../../test/pg-test-schema.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../logging/logger.js';
import { openRuntime } from '../runtime.js';
import { createServices } from '../services.js';
import { migrateToLatest, openPostgres, openSqlite, type Db } from '../db/database.js';
import { AppError } from '../errors/app-error.js';
import { AuditLog } from './audit-log.js';
import { AuthRejectionAudit } from './auth-rejections.js';
import { checkpointTask } from './checkpoint-task.js';
import { AuditCheckpoints, checkCheckpoint, parseSigningKey, type SigningKey } from './checkpoints.js';

const schemas = new PgTestSchemas();
const dbs: Db[] = [];
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  await schemas.dropAll();
  for (const c of cleanups.splice(0)) await c();
});

const PEM = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY: SigningKey = parseSigningKey(PEM);

async function sqliteLog(): Promise<{ db: Db; log: AuditLog }> {
  const db = openSqlite(':memory:');
  dbs.push(db);
  await migrateToLatest(db);
  return { db, log: new AuditLog(db) };
}

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cw-audit-cp-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A webhook receiver answering with the statuses queued (then 204); `hang` never answers. */
async function webhook(statuses: (number | 'hang')[]): Promise<{ url: string; bodies: string[]; paths: string[] }> {
  const bodies: string[] = [];
  const paths: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = statuses.shift() ?? 204;
      if (status === 'hang') return;
      bodies.push(body);
      paths.push(req.url ?? '');
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.closeAllConnections(), () => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies, paths };
}

/** A loopback port nothing listens on (just freed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('checkpoints: signing, the file and the webhook', () => {
  it('signs the head only when it moved, appends to the file, POSTs to the webhook; failures are retried at the next tick with the then latest checkpoint', async () => {
    const { log } = await sqliteLog();
    const file = path.join(tempDir(), 'checkpoints.jsonl');
    const hook = await webhook([500, 'hang']);
    const secretUrl = `${hook.url}/hooks/SECRET-PATH-TOKEN?key=SECRET-QUERY`;
    const cps = new AuditCheckpoints(log.repository, KEY, { checkpointFile: file, webhookUrl: secretUrl, webhookTimeoutMs: 300 });

    expect(await cps.tick()).toEqual({ checkpoint: null, created: false, delivered: [], failed: [] });
    for (let i = 0; i < 3; i++) await log.append({ event: 'test.event' });

    const first = await cps.tick();
    expect(first).toMatchObject({ created: true, delivered: [`file ${file}`], failed: [{ sink: expect.stringMatching(/^webhook 127\.0\.0\.1:\d+$/), error: expect.stringContaining('answered HTTP 500') }] });
    expect(first.checkpoint!.checkpoint).toMatchObject({ seq: 3, keyId: KEY.keyId });
    expect(checkCheckpoint(first.checkpoint, [KEY]).ok).toBe(true);

    // Nothing new: nothing signed; the file has it already; the webhook is retried (and times out).
    const second = await cps.tick();
    expect(second).toMatchObject({ created: false, delivered: [], failed: [{ error: expect.stringContaining('no answer within 300 ms') }] });

    await log.append({ event: 'test.event' });
    const third = await cps.tick();
    expect(third).toMatchObject({ created: true, delivered: [`file ${file}`, expect.stringMatching(/^webhook /)], failed: [] });
    expect(third.checkpoint!.checkpoint.seq).toBe(4);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; checkpoint: { seq: number } });
    expect(lines.map((l) => [l.type, l.checkpoint.seq])).toEqual([
      ['audit.checkpoint', 3],
      ['audit.checkpoint', 4],
    ]);
    expect(JSON.parse(hook.bodies[hook.bodies.length - 1]!)).toEqual(lines[1]);
    expect(hook.paths[hook.paths.length - 1]).toBe('/hooks/SECRET-PATH-TOKEN?key=SECRET-QUERY');
    // The URL may carry a token: no message names more than its host.
    for (const r of [first, second, third]) expect(JSON.stringify(r)).not.toMatch(/SECRET/);
    expect(await cps.tick()).toMatchObject({ created: false, delivered: [], failed: [] });
  });

  it('an unreachable webhook and an unwritable file fail without throwing; the checkpoint is still stored', async () => {
    const { log } = await sqliteLog();
    await log.append({ event: 'test.event' });
    const port = await closedPort();
    const cps = new AuditCheckpoints(log.repository, KEY, { checkpointFile: path.join(tempDir(), 'no-such-dir', 'cp.jsonl'), webhookUrl: `http://127.0.0.1:${port}/x?token=SECRET`, webhookTimeoutMs: 2000 });
    const r = await cps.tick();
    expect(r.created).toBe(true);
    expect(r.failed.map((f) => f.error)).toEqual([expect.stringMatching(/^file .*cp\.jsonl: cannot append \(ENOENT\)$/), `webhook 127.0.0.1:${port}: request failed (ECONNREFUSED)`]);
    expect((await log.repository.latestCheckpoint())!.seq).toBe(1);
  });

  it('refuses to sign a head that does not extend the last checkpoint (records altered behind the triggers)', async () => {
    const { db, log } = await sqliteLog();
    for (let i = 0; i < 3; i++) await log.append({ event: 'test.event', details: { i } });
    const cps = new AuditCheckpoints(log.repository, KEY, { webhookTimeoutMs: 1000 });
    expect((await cps.checkpoint()).created).toBe(true);
    for (let i = 0; i < 2; i++) await log.append({ event: 'test.event' });
    // Someone with the database's keys: drops the trigger and edits a record after the checkpoint.
    await sql`DROP TRIGGER audit_log_no_update`.execute(db);
    await sql`UPDATE audit_log SET record_json = replace(record_json, '"test.event"', '"test.evil"') WHERE seq = 4`.execute(db);
    const err = await cps.checkpoint().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'CW_ERR_AUDIT_CHAIN_BROKEN', message: expect.stringContaining('broken at seq 4') });
    // ...or rewrites the record the last checkpoint signed.
    await sql`UPDATE audit_log SET hash = ${'f'.repeat(64)} WHERE seq = 3`.execute(db);
    await expect(cps.checkpoint()).rejects.toMatchObject({ code: 'CW_ERR_AUDIT_CHAIN_BROKEN', message: expect.stringContaining('record 3 no longer has the hash its checkpoint signed') });
  });

  it("the workers' task logs what it signed and every failed delivery (host only)", async () => {
    const { log } = await sqliteLog();
    await log.append({ event: 'test.event' });
    let out = '';
    const logger = pino({ level: 'info' }, new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) }));
    const port = await closedPort();
    const task = checkpointTask(new AuditCheckpoints(log.repository, KEY, { webhookUrl: `http://127.0.0.1:${port}/SECRET`, webhookTimeoutMs: 2000 }), 15, logger);
    expect(task).toMatchObject({ name: 'audit checkpoint', intervalMs: 900_000 });
    await task.run();
    const entries = out.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; sink?: string; seq?: number });
    expect(entries.map((e) => e.msg)).toEqual(['audit checkpoint signed', 'audit checkpoint not delivered; retried at the next interval']);
    expect(entries[1]!.sink).toBe(`webhook 127.0.0.1:${port}`);
    expect(out).not.toContain('SECRET');
  });
});

describe('workers', () => {
  it('sign and send a checkpoint every audit.checkpointIntervalMinutes (runtime wiring)', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const dir = tempDir();
    const file = path.join(dir, 'cp.jsonl');
    const config = loadConfig({
      env: { COVERWATCH_DATA_DIR: dir, COVERWATCH_AUDIT_SIGNING_KEY: PEM, COVERWATCH_AUDIT_CHECKPOINT_FILE: file, COVERWATCH_AUDIT_CHECKPOINT_INTERVAL_MINUTES: '2' },
      cwd: dir,
      readFile: () => {
        throw new Error('no files');
      },
    });
    const runtime = await openRuntime(config);
    try {
      await createServices(config, runtime).admin.createOrg('acme');
      const worker = runtime.startWorker(createLogger('silent'));
      vi.advanceTimersByTime(119_000);
      await new Promise((r) => setTimeout(r, 50));
      expect(await runtime.db.selectFrom('audit_checkpoints').selectAll().execute()).toEqual([]);
      vi.advanceTimersByTime(1_000);
      for (let i = 0; i < 100 && (await runtime.db.selectFrom('audit_checkpoints').selectAll().execute()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 100 && !readFileSync(file, { encoding: 'utf8', flag: 'a+' }).includes('\n'); i++) await new Promise((r) => setTimeout(r, 20));
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ type: 'audit.checkpoint', checkpoint: { seq: 1, keyId: KEY.keyId } });
      await worker.stop(1000);
    } finally {
      vi.useRealTimers();
      await runtime.close();
    }
  });
});

describe.each([
  { backend: 'SQLite', open: async () => (await sqliteLog()).db },
  ...(skipWithoutPostgres('audit checkpoints on PostgreSQL')
    ? []
    : [
        {
          backend: 'PostgreSQL',
          open: async () => {
            const db = openPostgres((await schemas.create('cw_audit_cp')).url, { max: 4 });
            dbs.push(db);
            await migrateToLatest(db);
            return db;
          },
        },
      ]),
])('checkpoints on $backend', ({ open }) => {
  it('two processes checkpointing the same head store one checkpoint', async () => {
    const db = await open();
    const log = new AuditLog(db);
    for (let i = 0; i < 5; i++) await log.append({ event: 'test.event' });
    const [a, b] = await Promise.all([new AuditCheckpoints(log.repository, KEY, { webhookTimeoutMs: 1000 }).checkpoint(), new AuditCheckpoints(log.repository, KEY, { webhookTimeoutMs: 1000 }).checkpoint()]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.checkpoint).toEqual(b.checkpoint);
    expect(await db.selectFrom('audit_checkpoints').select('seq').execute()).toEqual([{ seq: 5 }]);
  });
});

describe('refused-request records are rate limited per process', () => {
  it('keeps `perMinute` a minute and sums up the rest in one audit.events_suppressed record', async () => {
    const { db, log } = await sqliteLog();
    let now = Date.parse('2025-05-05T12:00:00.000Z');
    const audit = new AuthRejectionAudit(log, { perMinute: 3, now: () => now });
    const request = { ip: '203.0.113.9', method: 'POST', route: '/api/v1/uploads', headers: {} };
    const refusal = new AppError('CW_ERR_AUTH_TOKEN_MISSING', 'no token');
    for (let i = 0; i < 10; i++) await audit.rejected(request, refusal);
    // Not a refusal: nothing recorded.
    await audit.rejected(request, new AppError('CW_ERR_REQUEST_INVALID', 'bad'));
    await audit.rejected(request, new Error('database down'));
    const events = async () => (await db.selectFrom('audit_log').select('event').orderBy('seq').execute()).map((r) => r.event);
    expect(await events()).toEqual(['upload.rejected', 'upload.rejected', 'upload.rejected']);
    now += 60_000;
    await audit.rejected(request, refusal);
    expect(await events()).toEqual(['upload.rejected', 'upload.rejected', 'upload.rejected', 'audit.events_suppressed', 'upload.rejected']);
    const summary = await db.selectFrom('audit_log').select('record_json').where('event', '=', 'audit.events_suppressed').executeTakeFirstOrThrow();
    expect(JSON.parse(summary.record_json).details).toEqual({ event: 'upload.rejected', count: 7, windowStart: '2025-05-05T12:00:00.000Z', perMinute: 3 });
    await audit.flush();
    expect((await events()).length).toBe(5);
  });
});

describe('configuration', () => {
  const dir = tempDir();
  const load = (env: Record<string, string>, files: Record<string, string> = {}) =>
    loadConfig({
      env: { COVERWATCH_DATA_DIR: dir, ...env },
      cwd: dir,
      readFile: (f) => {
        const content = files[path.basename(f)];
        if (content === undefined) throw Object.assign(new Error('no'), { code: 'ENOENT' });
        return content;
      },
    });
  const problems = (env: Record<string, string>, files: Record<string, string> = {}) => {
    try {
      load(env, files);
      return [];
    } catch (e) {
      return ((e as AppError).fields ?? []).map((f) => `${f.path}: ${f.message}`);
    }
  };

  it('defaults: no signing key, checkpoints every 15 minutes, 10 s webhook timeout', () => {
    expect(load({}).audit).toEqual({ checkpointIntervalMinutes: 15, webhookTimeoutMs: 10_000 });
  });

  it('reads the signing key from a file (a secret), and the other settings from the environment', () => {
    const c = load(
      { COVERWATCH_AUDIT_SIGNING_KEY_FILE: 'key.pem', COVERWATCH_AUDIT_CHECKPOINT_FILE: '/var/lib/audit/cp.jsonl', COVERWATCH_AUDIT_WEBHOOK_URL: 'https://hooks.example.com/x?token=t', COVERWATCH_AUDIT_CHECKPOINT_INTERVAL_MINUTES: '5' },
      { 'key.pem': PEM },
    );
    expect(c.audit).toMatchObject({ checkpointIntervalMinutes: 5, checkpointFile: '/var/lib/audit/cp.jsonl', webhookUrl: 'https://hooks.example.com/x?token=t' });
    expect(parseSigningKey(c.audit.signingKey!).keyId).toBe(KEY.keyId);
  });

  it('refuses a key that is not Ed25519, a relative file, an insecure webhook, and sinks without a key, never echoing the key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const found = problems({ COVERWATCH_AUDIT_SIGNING_KEY: rsa, COVERWATCH_AUDIT_CHECKPOINT_FILE: 'cp.jsonl', COVERWATCH_AUDIT_WEBHOOK_URL: 'http://hooks.example.com/x' });
    expect(found).toEqual([
      'audit.signingKey (COVERWATCH_AUDIT_SIGNING_KEY): expected an Ed25519 private key in PEM (openssl genpkey -algorithm ed25519)',
      'audit.checkpointFile (COVERWATCH_AUDIT_CHECKPOINT_FILE): expected an absolute path',
      'audit.webhookUrl (COVERWATCH_AUDIT_WEBHOOK_URL): expected an https:// URL (http:// only for loopback hosts) without credentials or fragment',
    ]);
    expect(found.join('\n')).not.toContain(rsa.split('\n')[1]!.slice(0, 20));
    expect(problems({ COVERWATCH_AUDIT_CHECKPOINT_FILE: '/x/cp.jsonl' })).toEqual([
      'audit.signingKey (COVERWATCH_AUDIT_SIGNING_KEY): audit.checkpointFile and audit.webhookUrl need a signing key: set COVERWATCH_AUDIT_SIGNING_KEY_FILE (or audit.signingKey)',
    ]);
  });
});
