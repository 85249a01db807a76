import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Migrator, sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { PgTestSchemas, skipWithoutPostgres } from '../../test/pg-test-schema.js';
import { migrateToLatest, openPostgres, openSqlite, type Db } from '../db/database.js';
import { MIGRATIONS, migrationProvider } from '../db/migrations/index.js';
import { FsBlobStore } from '../blobs/fs-blob-store.js';
import { RawUploadRetention } from '../retention/raw-upload-retention.js';
import { AuditLog } from './audit-log.js';
import { exportLines } from './export.js';
import { verifyExport } from './verify.js';

const schemas = new PgTestSchemas();
const dbs: Db[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const db of dbs.splice(0)) await db.destroy();
  await schemas.dropAll();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'cw-audit-'));
  dirs.push(d);
  return d;
}

/** Where another process opens the same database: a SQLite file, or a PostgreSQL URL with its schema. */
interface Opened {
  readonly db: Db;
  readonly schema: string | undefined;
  /** Opens another connection (pool) to the same database. */
  readonly another: () => Db;
  readonly childEnv: Record<string, string>;
}

const BACKENDS = [
  {
    backend: 'SQLite',
    open: async (): Promise<Opened> => {
      const file = path.join(tempDir(), 'coverwatch.db');
      const db = openSqlite(file);
      dbs.push(db);
      return { db, schema: undefined, another: () => (dbs.push(openSqlite(file)), dbs[dbs.length - 1]!), childEnv: { AUDIT_SQLITE_FILE: file } };
    },
  },
  ...(skipWithoutPostgres('audit log storage (append-only triggers, concurrent appends) on PostgreSQL')
    ? []
    : [
        {
          backend: 'PostgreSQL',
          open: async (): Promise<Opened> => {
            const { url, schema } = await schemas.create('cw_audit');
            const db = openPostgres(url, { max: 4 });
            dbs.push(db);
            return { db, schema, another: () => (dbs.push(openPostgres(url, { max: 4 })), dbs[dbs.length - 1]!), childEnv: { AUDIT_PG_URL: url } };
          },
        },
      ]),
];

async function exportOf(db: Db): Promise<string[]> {
  const lines: string[] = [];
  for await (const l of exportLines(new AuditLog(db).repository)) lines.push(l);
  return lines;
}

async function seqs(db: Db): Promise<number[]> {
  return (await db.selectFrom('audit_log').select('seq').orderBy('seq').execute()).map((r) => Number(r.seq));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

// ---- Child processes appending to the same database (vite-node runs this source, no build needed). ----

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../../..');
const viteNode = path.join(repoRoot, 'node_modules/vite-node/vite-node.mjs');

/** The child: opens the database, says "ready", waits for "go" on stdin, appends AUDIT_COUNT records, exits. */
const CHILD_SOURCE = `
import { openPostgres, openSqlite } from ${JSON.stringify(path.join(here, '../db/database.ts'))};
import { AuditLog } from ${JSON.stringify(path.join(here, 'audit-log.ts'))};
import { writeSync } from 'node:fs';
const env = process.env;
const db = env.AUDIT_PG_URL ? openPostgres(env.AUDIT_PG_URL, { max: 3 }) : openSqlite(env.AUDIT_SQLITE_FILE);
const log = new AuditLog(db);
await db.selectFrom('audit_log').select('seq').limit(1).execute();
writeSync(1, 'ready\\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const count = Number(env.AUDIT_COUNT);
// A few appends in flight at once on PostgreSQL (several pool connections); SQLite has one connection.
const lanes = env.AUDIT_PG_URL ? 3 : 1;
await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
  for (let i = lane; i < count; i += lanes) {
    await log.append({ event: 'test.concurrent', details: { who: env.AUDIT_LABEL, i } });
    // A pause between appends keeps every writer busy for a while: on a loaded machine one process
    // could otherwise run all of its appends before another is scheduled, and nothing would interleave.
    await new Promise((r) => setTimeout(r, 1));
  }
}));
await db.destroy();
// Synchronous: vite-node may exit as soon as this module settles.
writeSync(1, 'done\\n');
`;

interface Child {
  readonly ready: Promise<void>;
  readonly done: Promise<void>;
  go(): void;
}

function spawnAppender(script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [viteNode, script], {
    cwd: repoRoot,
    // CI=true: Vite otherwise exits the process when stdin ends (its dev server's parent watch).
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CI: 'true', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready')) resolve();
    });
    void exited.then((code) => reject(new Error(`appender exited (${code}) before it was ready:\n${err}`)));
  });
  const done = exited.then((code) => {
    if (code !== 0 || !out.includes('done')) throw new Error(`appender failed (${code}):\n${err}`);
  });
  return { ready, done, go: () => child.stdin.end('go\n') };
}

describe.each(BACKENDS)('audit log storage on $backend', ({ backend, open }) => {
  it('migration 0006 applies on a database holding 0005 data', async () => {
    const { db, schema } = await open();
    const migrator = new Migrator({ db, provider: migrationProvider, ...(schema === undefined ? {} : { migrationTableSchema: schema }) });
    expect((await migrator.migrateTo('0005-retention-path-rules')).error).toBeUndefined();
    await db.insertInto('organizations').values({ id: 'o', name: 'acme', created_at: 't' }).execute();
    expect(await migrateToLatest(db)).toEqual(Object.keys(MIGRATIONS).filter((m) => m > '0005-retention-path-rules'));
    const stored = await new AuditLog(db).append({ event: 'org.created', target: { type: 'organization', id: 'o', name: 'acme' } });
    expect(stored.record).toMatchObject({ seq: 1, event: 'org.created', outcome: 'success', actor: { type: 'system' } });
  });

  it('is append-only in the database: UPDATE and DELETE are refused on records and checkpoints (TRUNCATE too on PostgreSQL)', async () => {
    const { db } = await open();
    await migrateToLatest(db);
    const log = new AuditLog(db);
    for (let i = 0; i < 3; i++) await log.append({ event: 'test.event', details: { i } });
    await db.insertInto('audit_checkpoints').values({ seq: 3, time: 't', hash: 'h', key_id: 'k', checkpoint_json: '{}', signature: 's' }).execute();
    const refused = /append-only/;
    await expect(db.updateTable('audit_log').set({ event: 'x' }).where('seq', '=', 2).execute()).rejects.toThrow(refused);
    await expect(db.updateTable('audit_log').set({ seq: 9 }).execute()).rejects.toThrow(refused);
    await expect(db.deleteFrom('audit_log').where('seq', '=', 3).execute()).rejects.toThrow(refused);
    await expect(db.deleteFrom('audit_log').execute()).rejects.toThrow(refused);
    await expect(db.updateTable('audit_checkpoints').set({ hash: 'x' }).execute()).rejects.toThrow(refused);
    await expect(db.deleteFrom('audit_checkpoints').execute()).rejects.toThrow(refused);
    if (backend === 'PostgreSQL') {
      await expect(sql`TRUNCATE audit_log`.execute(db)).rejects.toThrow(refused);
      await expect(sql`TRUNCATE audit_checkpoints`.execute(db)).rejects.toThrow(refused);
    }
    expect(await seqs(db)).toEqual([1, 2, 3]);
    // Appending still works (an INSERT is not refused).
    expect((await log.append({ event: 'test.event' })).record.seq).toBe(4);
  });

  it('retention never deletes audit records', async () => {
    const { db } = await open();
    await migrateToLatest(db);
    const log = new AuditLog(db);
    for (let i = 0; i < 3; i++) await log.append({ event: 'test.event' });
    const blobs = new FsBlobStore(tempDir());
    await new RawUploadRetention(db, blobs, 1).sweep(new Date(Date.now() + 10 * 365 * 86_400_000));
    expect(await seqs(db)).toEqual([1, 2, 3]);
  });

  it('the record time never goes back, even when the clock does', async () => {
    const { db } = await open();
    await migrateToLatest(db);
    const times = ['2025-01-01T00:00:10.000Z', '2025-01-01T00:00:05.000Z', '2025-01-01T00:00:20.000Z'];
    const log = new AuditLog(db, () => new Date(times.shift()!));
    const got: string[] = [];
    for (let i = 0; i < 3; i++) got.push((await log.append({ event: 'test.event' })).record.time);
    expect(got).toEqual(['2025-01-01T00:00:10.000Z', '2025-01-01T00:00:10.000Z', '2025-01-01T00:00:20.000Z']);
  });

  it('concurrent appends from several processes and connections form one chain: sequence numbers unique and gapless', async () => {
    const { db, another, childEnv } = await open();
    await migrateToLatest(db);
    const script = path.join(tempDir(), 'append-child.ts');
    writeFileSync(script, CHILD_SOURCE);
    const PER_CHILD = 120;
    const children = ['a', 'b'].map((label) => spawnAppender(script, { ...childEnv, AUDIT_COUNT: String(PER_CHILD), AUDIT_LABEL: label }));
    await Promise.all(children.map((c) => c.ready));
    // Besides the processes: this process on two connections of its own, a few appends in flight each
    // (on SQLite one connection: two in one process would block each other's event loop).
    const own = backend === 'PostgreSQL' ? [db, another()] : [db];
    const OWN = 60;
    for (const c of children) c.go();
    await Promise.all([
      ...children.map((c) => c.done),
      ...own.map(async (conn, k) => {
        const log = new AuditLog(conn);
        const lanes = backend === 'PostgreSQL' ? 3 : 1;
        await Promise.all(
          Array.from({ length: lanes }, async (_, lane) => {
            for (let i = lane; i < OWN; i += lanes) {
              await log.append({ event: 'test.concurrent', details: { who: `own${k}`, i } });
              await new Promise((r) => setTimeout(r, 1));
            }
          }),
        );
      }),
    ]);
    const total = 2 * PER_CHILD + own.length * OWN;
    expect(await seqs(db)).toEqual(range(total));
    const lines = await exportOf(db);
    const records = lines.map((l) => JSON.parse(l) as { type: string; record?: { details: { who: string; i: number } } }).filter((l) => l.type === 'audit.record');
    const seen = new Set(records.map((r) => `${r.record!.details.who}:${r.record!.details.i}`));
    expect(seen.size).toBe(total);
    // The writers really interleaved (otherwise this test proves little): writers taking turns one
    // after the other would change hands exactly writers - 1 times. More than that is all a loaded
    // machine can promise.
    const switches = records.filter((r, i) => i > 0 && r.record!.details.who !== records[i - 1]!.record!.details.who).length;
    expect(switches).toBeGreaterThan(children.length + own.length - 1);
    const verified = await verifyExport(() => lines, { publicKeys: [] });
    expect(verified.problems).toEqual([]);
    expect(verified).toMatchObject({ ok: true, records: total, lastSeq: total });
  }, 120_000);
});
