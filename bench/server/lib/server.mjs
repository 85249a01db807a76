// Starts the real coverwatch-server (apps/server/dist/main.js) for a benchmark: the embedded
// default (SQLite + filesystem blobs + db queue, worker in-process) or PostgreSQL in a schema of its
// own with the queue on pg-boss. Creates acme/widgets and its tokens with the admin commands, and
// measures what the server stores.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';

const run = promisify(execFile);
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SERVER_MAIN = path.join(ROOT, 'apps/server/dist/main.js');
export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const REPO = 'acme/widgets';

/**
 * @param {{ backend: 'sqlite' | 'postgres', pgUrl?: string, env?: Record<string,string>,
 *           workers?: number, cpuProfDir?: string, log?: (s: string) => void }} options
 * `workers` (PostgreSQL only): run that many `coverwatch-server worker` processes beside an API-only
 * `serve`; 0 (default) keeps the worker in the serve process, as the embedded default does.
 */
export async function startServer(options) {
  if (!existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} is missing: run npm run build first`);
  const log = options.log ?? (() => {});
  const dataDir = mkdtempSync(path.join(tmpdir(), 'cw-bench-'));
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', COVERWATCH_LOG_LEVEL: 'warn', ...options.env };
  let schema = null;
  const pgUrl = options.pgUrl ?? process.env.COVERWATCH_BENCH_DATABASE_URL ?? DEFAULT_PG_URL;
  if (options.backend === 'postgres') {
    schema = `cw_bench_${randomBytes(5).toString('hex')}`;
    await pgQuery(pgUrl, `CREATE SCHEMA "${schema}"`);
    const u = new URL(pgUrl);
    u.searchParams.set('options', `-c search_path=${schema}`);
    env.COVERWATCH_DATABASE_URL = u.toString();
  }
  const workers = options.backend === 'postgres' ? (options.workers ?? 0) : 0;
  const nodeArgs = (name) => (options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : []);
  if (options.cpuProfDir) mkdirSync(options.cpuProfDir, { recursive: true });
  const children = [];
  const stderrOf = new Map();
  const spawnChild = (name, args, extraEnv) => {
    const child = spawn(process.execPath, [...nodeArgs(name), SERVER_MAIN, ...args, '--data-dir', dataDir], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    stderrOf.set(child, '');
    child.stderr.on('data', (c) => stderrOf.set(child, stderrOf.get(child) + c.toString()));
    // Logs are JSON lines at warn and above: keep them, they name errors under load.
    child.stdout.on('data', (c) => {
      for (const line of c.toString().split('\n')) if (line.trim() !== '') server.logs.push({ process: name, line });
    });
    // A process that dies while the benchmark runs is a finding: keep how it ended and its stderr.
    child.once('exit', (code, signal) => {
      if (!server.stopping) {
        const crash = { process: name, code, signal, stderrTail: stderrOf.get(child).slice(-4000) };
        server.crashes.push(crash);
        log(`${name} EXITED (code ${code}, signal ${signal}):\n${crash.stderrTail}`);
      }
    });
    children.push(child);
    return child;
  };
  if (options.backend === 'postgres') await run(process.execPath, [SERVER_MAIN, 'migrate', '--data-dir', dataDir], { env, timeout: 60_000 });
  const serve = spawnChild('serve', ['serve', '--port', '0'], workers > 0 ? { COVERWATCH_WORKER_IN_PROCESS: 'false' } : {});
  for (let w = 0; w < workers; w++) spawnChild(`worker${w + 1}`, ['worker'], {});
  const server = {
    backend: options.backend,
    dataDir,
    schema,
    pgUrl,
    env,
    logs: [],
    crashes: [],
    stopping: false,
    base: '',
    uploadToken: '',
    readToken: '',
    repo: REPO,
    pids: () => children.map((c) => c.pid),
    admin: async (...args) => JSON.parse((await run(process.execPath, [SERVER_MAIN, 'admin', ...args, '--data-dir', dataDir, '--json'], { env, timeout: 60_000 })).stdout),
    storage: () => measureStorage(server),
    async stop() {
      server.stopping = true;
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
      }
    },
    /** Stops the processes, then deletes the data directory and drops the schemas. */
    async destroy() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      if (schema !== null) await pgQuery(pgUrl, `DROP SCHEMA IF EXISTS "${schema}" CASCADE; DROP SCHEMA IF EXISTS "${schema}_pgboss" CASCADE`);
    },
  };
  server.base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderrOf.get(serve)}`)), 60_000);
    const check = () => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderrOf.get(serve));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    serve.stderr.on('data', check);
    serve.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderrOf.get(serve)}`)));
  });
  log(`server ${server.base} (${options.backend}${workers > 0 ? `, ${workers} worker processes` : ', worker in-process'}, data ${dataDir}${schema ? `, schema ${schema}` : ''})`);
  await server.admin('create-org', 'acme');
  await server.admin('create-repo', REPO);
  const [upload, read] = await Promise.all([server.admin('create-upload-token', REPO), server.admin('create-read-token', REPO)]);
  server.uploadToken = upload.token;
  server.readToken = read.token;
  return server;
}

export async function pgQuery(url, text, params) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** Bytes under `dir`, by first path segment: apparent size (st_size) and allocated (st_blocks × 512). */
export function directoryBytes(dir) {
  const out = {};
  const walk = (d, group) => {
    let names;
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(d, name);
      const st = lstatSync(p);
      const g = group ?? name;
      if (st.isDirectory()) walk(p, g);
      else {
        const key = name.includes('.tmp-') ? `${g} (tmp)` : g;
        const e = (out[key] ??= { files: 0, bytes: 0, allocated: 0 });
        e.files++;
        e.bytes += st.size;
        e.allocated += st.blocks * 512;
      }
    }
  };
  walk(dir, null);
  return out;
}

/** What the server stores now: blobs by prefix, and the database (files for SQLite, relations for PostgreSQL). */
export async function measureStorage(server) {
  const blobs = directoryBytes(path.join(server.dataDir, 'blobs'));
  let database;
  if (server.backend === 'sqlite') {
    const size = (f) => (existsSync(f) ? lstatSync(f).size : 0);
    const file = path.join(server.dataDir, 'coverwatch.db');
    // The database's own size (pages in use, read through the WAL); the files are listed too, but
    // the WAL file keeps its high-water mark (up to ~4 MB between checkpoints) whatever the data.
    let pages = null;
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true });
      try {
        pages = db.pragma('page_count', { simple: true }) * db.pragma('page_size', { simple: true });
        const tables = db.prepare("SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC").all();
        database = { tables: Object.fromEntries(tables.map((t) => [t.name, t.bytes])) };
      } catch {
        // dbstat is an optional SQLite module: without it, pages only.
      } finally {
        db.close();
      }
    } catch {
      // The server holds the database; sizes of the files then.
    }
    database = { bytes: pages ?? size(file), file: size(file), wal: size(`${file}-wal`), ...database };
  } else {
    const q = `SELECT n.nspname AS schema, c.relname AS name, pg_total_relation_size(c.oid)::bigint AS bytes
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname IN ($1, $2) AND c.relkind IN ('r', 'm', 'p')`;
    const rows = (await pgQuery(server.pgUrl, q, [server.schema, `${server.schema}_pgboss`])).rows;
    const app = rows.filter((r) => r.schema === server.schema);
    const boss = rows.filter((r) => r.schema !== server.schema);
    const sum = (rs) => rs.reduce((s, r) => s + Number(r.bytes), 0);
    database = { bytes: sum(app), pgboss: sum(boss), tables: Object.fromEntries(app.map((r) => [r.name, Number(r.bytes)])) };
  }
  return { blobs, database };
}
