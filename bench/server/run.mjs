// Coverwatch server benchmarks (issue 3, performance and storage): `npm run bench:server -- [options]`;
// see docs/benchmarks.md "Server". Runs the real server (apps/server/dist; `npm run build` first).
//
//   --backends sqlite,postgres   storage configurations (default both): sqlite = the embedded default
//                                (SQLite + filesystem blobs + db queue); postgres = PostgreSQL + pg-boss
//                                (+ filesystem blobs), in a schema of its own dropped afterwards
//   --only storage,latency,shards,read   benchmarks to run (default all, in that order)
//   --pg-url URL                 PostgreSQL (default $COVERWATCH_BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test)
//   --workers N                  PostgreSQL only: N `coverwatch-server worker` processes beside an API-only serve (default 0: in-process)
//   --smoke                      CI-sized run of everything (tiny sizes, one server per backend shared by the benchmarks)
//
//   storage:  --storage-files N (10000) --storage-lines N (1000000) --commits N (100) --changes N (1% of files)
//             --flags a,b (uploads carry these flags; each flag gets a report of its own)
//   latency:  --sizes 100k,1m,5m (report sizes in lines; 100 lines per file) --reps N (4: one cold, then warm)
//             --change-percent P (1) --interval MS (20, the totals poll)
//   shards:   --shard-lines N (1000000) --shards N (20)
//   read:     --read-lines N (1000000) --duration S (10) --warmup S (3, unmeasured, per endpoint) --connections N (50)
//
//   --profile DIR                write V8 CPU profiles of the server processes (latency, shards) to DIR and list where time went
//   --out FILE                   results JSON (default bench/out/server-results-<time>.json)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load, log } from './lib/common.mjs';
import { profileSummary } from './lib/profile-phases.mjs';
import { ROOT, startServer } from './lib/server.mjs';
import { latencyBench } from './latency.mjs';
import { readBench } from './read.mjs';
import { shardsBench } from './shards.mjs';
import { storageBench } from './storage.mjs';
import { markdown } from './report.mjs';

const BENCHES = ['storage', 'latency', 'shards', 'read'];

export function parseArgs(argv) {
  const o = {
    backends: ['sqlite', 'postgres'],
    only: BENCHES,
    pgUrl: undefined,
    workers: 0,
    storage: { files: 10_000, lines: 1_000_000, commits: 100, changes: null, flags: undefined },
    latency: { sizes: ['100k', '1m', '5m'], reps: 4, changePercent: 1, intervalMs: 20 },
    shards: { lines: 1_000_000, shards: 20, intervalMs: 20 },
    read: { lines: 1_000_000, duration: 10, warmup: 3, connections: 50 },
    profile: null,
    out: null,
    sharedServer: false,
  };
  let smoke = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(next());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} needs a number`);
      return v;
    };
    if (a === '--backends' || a === '--backend') o.backends = next().split(',');
    else if (a === '--only') o.only = next().split(',');
    else if (a === '--pg-url') o.pgUrl = next();
    else if (a === '--workers') o.workers = num();
    else if (a === '--smoke') smoke = true;
    else if (a === '--storage-files') o.storage.files = num();
    else if (a === '--storage-lines') o.storage.lines = num();
    else if (a === '--commits') o.storage.commits = num();
    else if (a === '--changes') o.storage.changes = num();
    else if (a === '--flags') o.storage.flags = next().split(',');
    else if (a === '--sizes') o.latency.sizes = next().split(',');
    else if (a === '--reps') o.latency.reps = Math.max(1, num());
    else if (a === '--change-percent') o.latency.changePercent = num();
    else if (a === '--interval') o.latency.intervalMs = o.shards.intervalMs = num();
    else if (a === '--shard-lines') o.shards.lines = num();
    else if (a === '--shards') o.shards.shards = Math.max(1, Math.min(20, num()));
    else if (a === '--read-lines') o.read.lines = num();
    else if (a === '--duration') o.read.duration = num();
    else if (a === '--warmup') o.read.warmup = num();
    else if (a === '--connections') o.read.connections = num();
    else if (a === '--profile') o.profile = path.resolve(next());
    else if (a === '--out') o.out = path.resolve(next());
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport')[0].replace(/^\/\/ ?/gm, ''));
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  if (smoke) {
    o.sharedServer = true;
    // Tiny sizes: behaviour (exact totals, bytes per commit), not timings.
    o.storage = { ...o.storage, files: 50, lines: 5_000, commits: 5, changes: 1 };
    o.latency = { ...o.latency, sizes: ['2k'], reps: 2 };
    o.shards = { ...o.shards, lines: 4_000, shards: 4 };
    o.read = { ...o.read, lines: 2_000, duration: 1, warmup: 0, connections: 10 };
  }
  for (const b of o.backends) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`unknown backend ${b}`);
  for (const b of o.only) if (!BENCHES.includes(b)) throw new Error(`unknown benchmark ${b}; known: ${BENCHES.join(', ')}`);
  o.only = BENCHES.filter((b) => o.only.includes(b)); // storage first: on a shared server it measures the blob directory
  return o;
}

/** Which server was measured: the checkout's commit, uncommitted changes under the server and core, and when dist was built. */
export function serverVersion() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return null;
    }
  };
  const dirty = git('status', '--porcelain', '--', 'apps/server/src', 'packages/core/src', 'packages/protocol/src');
  let distBuilt = null;
  try {
    distBuilt = statSync(path.join(ROOT, 'apps/server/dist/app.js')).mtime.toISOString();
  } catch {
    // not built
  }
  return { commit: git('rev-parse', '--short', 'HEAD'), uncommittedSourceFiles: dirty === null ? null : dirty.split('\n').filter(Boolean).length, distBuilt };
}

export function machine() {
  return { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? '?', memGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

async function runOne(o, bench, backend, common) {
  const profileDir = o.profile && !common.server ? path.join(o.profile, `${bench}-${backend}-${Date.now()}`) : undefined;
  const t = Date.now();
  const loadBefore = load();
  let result;
  if (bench === 'storage') result = await storageBench({ backend, ...common, ...o.storage });
  else if (bench === 'latency') result = await latencyBench({ backend, ...common, ...o.latency, profileDir });
  else if (bench === 'shards') result = await shardsBench({ backend, ...common, ...o.shards, profileDir });
  else result = await readBench({ backend, ...common, ...o.read });
  const entry = { bench, backend, seconds: Math.round((Date.now() - t) / 1000), load: [loadBefore, load()], result };
  if (profileDir) entry.profile = profiles(profileDir, bench, result);
  log(`${bench} on ${backend}: ${entry.seconds} s, load ${entry.load[1].join(' ')}`);
  return entry;
}

/** Per profiled server process: where its CPU time went in each measured window (one upload, the shard burst). */
function profiles(dir, bench, result) {
  const windows = [];
  if (bench === 'latency') for (const s of result) for (const r of s.runs) windows.push({ label: `${s.size} rep ${r.rep} (${r.kind}) processing`, window: r.windows.processing }, { label: `${s.size} rep ${r.rep} POST`, window: r.windows.post });
  if (bench === 'shards') windows.push({ label: `${result.shards} shards, first POST to all processed`, window: result.windows.all });
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => {
      const file = path.join(dir, f);
      const profile = JSON.parse(readFileSync(file, 'utf8'));
      return { file, ...profileSummary(file), windows: windows.map((w) => ({ label: w.label, ...profileSummary(profile, w.window) })) };
    });
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  const results = { started: started.toISOString(), command: `node bench/server/run.mjs ${process.argv.slice(2).join(' ')}`.trim(), machine: machine(), server: serverVersion(), loadAtStart: load(), options: o, runs: [] };
  const common = { workers: o.workers, ...(o.pgUrl ? { pgUrl: o.pgUrl } : {}) };
  for (const backend of o.backends) {
    // The smoke run shares one server per backend (starting one costs seconds); storage then runs first.
    const server = o.sharedServer ? await startServer({ backend, log, ...common }) : undefined;
    try {
      for (const bench of o.only) results.runs.push(await runOne(o, bench, backend, { ...common, ...(server ? { server } : {}) }));
    } finally {
      await server?.destroy();
    }
  }
  results.loadAtEnd = load();
  results.finished = new Date().toISOString();
  const out = o.out ?? path.join(ROOT, 'bench/out', `server-results-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2));
  console.log(markdown(results));
  log(`results: ${path.relative(process.cwd(), out)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
