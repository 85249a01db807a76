// Coverwatch parser benchmark: `npm run bench -- [options]`; see docs/benchmarks.md.
//
//   --size 1k,10k,50k      sizes to run (default: all three; 1k = 1,000 files / 100k lines ...)
//   --formats a,b          formats to run (default: all 15)
//   --contenders a,b       only these contenders (ours is always run)
//   --shard-formats a,b    formats whose 20-shard split is parsed and merged (default below)
//   --no-shards            skip the shard runs
//   --reps N               repetitions per contender (default per size, see PLAN)
//   --seed N               seed of the synthetic repository
//   --profile              also write a CPU profile of our parser (bench/out/profiles/) and list hot spots
//   --no-docs              do not copy the 1M-line chart into docs/
//   --report FILE          measure nothing: print the tables and redraw the charts of a results JSON
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CONTENDERS } from './lib/contenders.mjs';
import { topFunctions } from './lib/profile.mjs';
import { isLastRep } from './lib/reps.mjs';
import { barChartSvg } from './lib/svg.mjs';
import { DEFAULT_SEED, OUT, WRITERS, ensureInputs } from './generate/index.mjs';
import { SHARDS, SIZES } from './generate/repo.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const WORKER = join(here, 'lib', 'worker.mjs');
const MB = 1e6;

/**
 * Repetitions (the best one counts): at least `reps` and at least `minMs` of them, stopped early once
 * a contender has used `budgetMs` on one input (lib/reps.mjs).
 * The 5M-line (50k) runs are about memory and scaling: one repetition, ours and the floors only
 * (the npm parsers need minutes and gigabytes there; force them with --contenders).
 */
const PLAN = {
  '1k': { reps: 7, minMs: 1_500, budgetMs: 5_000, shards: true },
  '10k': { reps: 5, minMs: 3_000, budgetMs: 10_000, shards: true },
  '50k': { reps: 1, minMs: 0, budgetMs: 0, shards: false, only: ['coverwatch', 'read+scan', 'read+JSON.parse'] },
};
const DEFAULT_SHARD_FORMATS = ['lcov', 'cobertura', 'jacoco', 'istanbul-json', 'go-coverprofile'];
const CHILD_TIMEOUT_MS = 240_000;

function parseArgs(argv) {
  const opts = { sizes: Object.keys(SIZES), formats: null, contenders: null, shardFormats: DEFAULT_SHARD_FORMATS, shards: true, reps: null, seed: DEFAULT_SEED, profile: false, docs: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--size' || a === '--sizes') opts.sizes = next().split(',');
    else if (a === '--formats' || a === '--format') opts.formats = next().split(',');
    else if (a === '--contenders') opts.contenders = next().split(',');
    else if (a === '--shard-formats') opts.shardFormats = next().split(',');
    else if (a === '--no-shards') opts.shards = false;
    else if (a === '--reps') opts.reps = Number(next());
    else if (a === '--seed') opts.seed = Number(next());
    else if (a === '--profile') opts.profile = true;
    else if (a === '--no-docs') opts.docs = false;
    else if (a === '--report') opts.report = next();
    else if (a === '--help' || a === '-h') {
      console.log(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\nimport')[0].replace(/^\/\/ ?/gm, ''));
      process.exit(0);
    } else throw new Error(`unknown option ${a} (try --help)`);
  }
  for (const s of opts.sizes) if (!SIZES[s]) throw new Error(`unknown size ${s}; known: ${Object.keys(SIZES).join(', ')}`);
  const known = WRITERS.map((w) => w.id);
  for (const f of [...(opts.formats ?? []), ...opts.shardFormats]) if (!known.includes(f)) throw new Error(`unknown format ${f}; known: ${known.join(', ')}`);
  return opts;
}

function log(msg) {
  process.stderr.write(`${msg}\n`);
}

function run(cmd, args, { timeoutMs = CHILD_TIMEOUT_MS, input } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: String(e), timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

async function which(cmd) {
  const r = await run('/bin/sh', ['-c', 'command -v "$0"', cmd]);
  return r.code === 0 ? r.stdout.trim() : null;
}

async function machine() {
  let cpu = 'unknown';
  try {
    cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu;
  } catch {
    // not Linux: keep 'unknown'
  }
  const lcov = await which('lcov');
  const lcovVersion = lcov ? (await run('lcov', ['--version'])).stdout.trim().replace(/^lcov: /, '') : null;
  return { nproc: availableParallelism(), cpu, memoryGB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}`, lcov: lcovVersion };
}

async function bundleCore() {
  const { build } = await import('esbuild');
  const outfile = join(OUT, 'core.mjs');
  mkdirSync(OUT, { recursive: true });
  await build({
    entryPoints: [join(root, 'packages/core/src/index.ts')],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function runNodeContender(c, job, opts) {
  const args = ['--expose-gc'];
  if (opts.profileDir) args.push('--cpu-prof', '--cpu-prof-dir', opts.profileDir);
  args.push(WORKER, JSON.stringify(job));
  const r = await run(process.execPath, args);
  if (r.timedOut) return { error: `timed out after ${CHILD_TIMEOUT_MS / 1000} s` };
  const last = r.stdout.trim().split('\n').pop();
  try {
    return JSON.parse(last);
  } catch {
    return { error: (r.stderr || r.stdout || `exit ${r.code}`).trim().split('\n').slice(-3).join(' ').slice(0, 400) };
  }
}

async function runExecContender(c, paths, reps, minMs, budgetMs, ctx) {
  const tmp = join(OUT, 'tmp', 'merged.info');
  mkdirSync(dirname(tmp), { recursive: true });
  const [cmd, args] = c.command(paths, tmp);
  if (!(await which(cmd))) return { skipped: `${cmd} not installed (Debian: apt-get install -y ${cmd})` };
  const time = ctx.gnuTime;
  const times = [];
  const cpuTimes = [];
  let maxRSS = 0;
  const started = performance.now();
  for (let rep = 0; ; rep++) {
    const t0 = performance.now();
    const r = time ? await run(time, ['-f', '@@%M %U %S', cmd, ...args]) : await run(cmd, args);
    times.push(performance.now() - t0);
    if (r.timedOut) return { error: `timed out after ${CHILD_TIMEOUT_MS / 1000} s` };
    if (r.code !== 0) return { error: `${cmd} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' ').slice(0, 300)}` };
    const m = /@@(\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr);
    if (m) {
      maxRSS = Math.max(maxRSS, Number(m[1]) * 1024);
      cpuTimes.push((Number(m[2]) + Number(m[3])) * 1000);
    }
    if (isLastRep(rep + 1, performance.now() - started, { reps, minMs, budgetMs })) break;
  }
  return { times, cpuTimes: cpuTimes.length === times.length ? cpuTimes : null, maxRSS: maxRSS || null, stats: null };
}

/**
 * MB/s and ratios come from CPU time (user + system of the contender's process; best repetition):
 * on this shared machine other processes inflate wall time by 2-4x at random, CPU time much less.
 * Wall times are kept beside them (bestWallMs, wallMbps, wallRatio).
 */
function summarize(raw, bytes) {
  if (raw.error || raw.skipped) return raw;
  const bestWall = Math.min(...raw.times);
  const cpu = raw.cpuTimes ?? raw.times;
  const best = Math.min(...cpu);
  return { ...raw, bestMs: best, medianMs: median(cpu), bestWallMs: bestWall, mbps: bytes / MB / (best / 1000), wallMbps: bytes / MB / (bestWall / 1000) };
}

/** Runs every applicable contender on one input; returns rows with ratios to ours. */
async function measure({ size, format, mode, paths, bytes, expected }, opts, ctx) {
  const plan = PLAN[size];
  const rows = [];
  let ours = null;
  for (const c of CONTENDERS) {
    if (!c.applies(format, mode)) continue;
    if (!c.ours && opts.contenders && !opts.contenders.includes(c.id)) continue;
    const row = { size, format, mode, contender: c.id, title: c.title, bytes, floor: !!c.floor, ours: !!c.ours };
    if (plan.only && !plan.only.includes(c.id) && !opts.contenders?.includes(c.id)) {
      row.skipped = `not run at ${size} (minutes and gigabytes; pass --contenders ${c.id} to force)`;
      rows.push(row);
      continue;
    }
    if (!c.ours && ours?.error) {
      row.skipped = 'our parser failed on this input';
      rows.push(row);
      continue;
    }
    const reps = opts.reps ?? plan.reps;
    // (--reps N asks for exactly N: no minimum time then.)
    const minMs = opts.reps ? 0 : plan.minMs;
    const t0 = performance.now();
    let raw;
    if (c.exec) raw = await runExecContender(c, paths, reps, minMs, plan.budgetMs, ctx);
    else {
      let profileDir;
      if (c.ours && opts.profile) {
        profileDir = join(OUT, 'profiles', `${size}-${format}-${mode}`);
        rmSync(profileDir, { recursive: true, force: true });
      }
      raw = await runNodeContender(c, { contender: c.id, format, mode, paths, reps, minMs, budgetMs: plan.budgetMs, corePath: ctx.corePath }, { profileDir });
      if (profileDir && existsSync(profileDir)) {
        const f = readdirSync(profileDir).find((x) => x.endsWith('.cpuprofile'));
        if (f) row.profile = { path: relative(root, join(profileDir, f)), top: topFunctions(join(profileDir, f), 12) };
      }
    }
    Object.assign(row, summarize(raw, bytes));
    if (c.ours) {
      ours = row;
      if (!row.error && expected && mode === 'single' && row.stats) {
        row.expectedLines = expected.lines;
        if (row.stats.status !== 'ok') row.note = `status ${row.stats.status}: ${row.stats.firstError ?? ''}`.slice(0, 200);
        else if (Math.abs(row.stats.lines - expected.lines) > expected.lines * 0.01) row.note = `read ${row.stats.lines} lines, the generator wrote ${expected.lines}`;
      }
    }
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    log(`  ${size} ${format}${mode === 'shards' ? ` (${SHARDS} shards)` : ''} ${c.id}: ${row.error ? `ERROR ${row.error.split('\n')[0]}` : row.skipped ? `skipped: ${row.skipped}` : `${row.mbps.toFixed(1)} MB/s, best CPU ${row.bestMs.toFixed(0)} ms (wall ${row.bestWallMs.toFixed(0)} ms) of ${row.times.length}, peak RSS ${row.maxRSS ? (row.maxRSS / MB).toFixed(0) : '?'} MB`} [${secs} s]${row.note ? ` NOTE ${row.note}` : ''}`);
    rows.push(row);
  }
  // ratio = how many times longer the contender took than ours (> 1: ours is faster).
  if (ours && ours.stats && ours.stats.status !== 'ok') {
    // Our parser refused or failed on this input: its speed means nothing, and neither do ratios to it.
    rows.forEach((r, i) => (rows[i] = markRefused(r)));
    return rows;
  }
  for (const r of rows) {
    if (ours && !ours.error && r.bestMs && ours.bestMs) {
      r.ratio = r.bestMs / ours.bestMs;
      r.wallRatio = r.bestWallMs / ours.bestWallMs;
    }
  }
  return rows;
}

/** A row of an input our parser did not read (status not ok): ours has no speed, nobody a ratio. */
function markRefused(r) {
  if (!r.ours) return { ...r, ratio: undefined, wallRatio: undefined };
  return { ...r, refused: true, mbps: undefined, wallMbps: undefined, note: r.note ?? `status ${r.stats.status}` };
}

function fmt(n, digits = 1) {
  return n === undefined || n === null || Number.isNaN(n) ? '' : n.toFixed(digits);
}

function tableRows(rows) {
  return rows.map((r) => [
    r.format + (r.mode === 'shards' ? ` (${SHARDS} shards)` : ''),
    r.contender,
    fmt(r.bytes / MB),
    r.error ? 'error' : r.skipped ? (r.notImplemented ? 'not implemented' : 'skipped') : r.refused ? 'refused' : fmt(r.mbps),
    r.bestMs !== undefined ? fmt(r.bestMs, 0) : '',
    r.bestWallMs !== undefined ? fmt(r.bestWallMs, 0) : '',
    r.maxRSS ? fmt(r.maxRSS / MB, 0) : '',
    r.ours ? '1' : r.ratio ? fmt(r.ratio, 2) : '',
    r.ours ? '1' : r.wallRatio ? fmt(r.wallRatio, 2) : '',
    r.error ? r.error.split('\n')[0].slice(0, 90) : r.skipped && !r.notImplemented ? r.skipped : r.note ?? '',
  ]);
}

const HEAD = ['format', 'contender', 'input MB', 'MB/s (CPU)', 'CPU ms', 'wall ms', 'peak RSS MB', 'time ÷ ours (CPU)', 'time ÷ ours (wall)', 'notes'];
const NUMERIC = (i) => i >= 2 && i <= 8;

function textTable(rows) {
  const cells = [HEAD, ...tableRows(rows)];
  const w = HEAD.map((_, i) => Math.min(60, Math.max(...cells.map((r) => String(r[i]).length))));
  return cells.map((r) => r.map((c, i) => (NUMERIC(i) ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ').trimEnd()).join('\n');
}

function markdownTable(rows) {
  const esc = (s) => String(s).replaceAll('|', '\\|');
  return [`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (NUMERIC(i) ? '---:' : '---')).join('|')}|`, ...tableRows(rows).map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

/** The product issue's goals, judged on the 1M-line (10k) inputs and, for memory, the 5M-line (50k) ones. */
function goals(all, formats) {
  const out = [];
  const find = (size, format, contender, mode = 'single') => all.find((r) => r.size === size && r.format === format && r.contender === contender && r.mode === mode);
  const ok = (r) => r && !r.error && !r.skipped && r.mbps !== undefined;
  const add = (goal, subject, pass, detail) => formats.includes(subject) && out.push({ goal, subject, status: pass === null ? 'NOT MEASURED' : pass ? 'PASS' : 'FAIL', detail });
  const has10k = all.some((r) => r.size === '10k');
  if (has10k) {
    const lcovNpm = ['lcov-parse', 'parse-lcov'].map((c) => find('10k', 'lcov', c)).filter(ok);
    const fastestNpm = lcovNpm.sort((a, b) => b.mbps - a.mbps)[0];
    for (const f of ['lcov', 'go-coverprofile']) {
      const o = find('10k', f, 'coverwatch');
      if (!ok(o)) add('G1 >= 100 MB/s and >= 8x fastest npm LCOV parser', f, null, o?.notImplemented ? 'not implemented' : o?.error ?? 'not run');
      else {
        const x = fastestNpm ? o.mbps / fastestNpm.mbps : null;
        add('G1 >= 100 MB/s', f, o.mbps >= 100, `${fmt(o.mbps)} MB/s`);
        add('G1 >= 8x fastest npm LCOV parser', f, x === null ? null : x >= 8, fastestNpm ? `${fmt(x, 2)}x ${fastestNpm.contender} (${fmt(fastestNpm.mbps)} MB/s on the LCOV file)` : 'no npm LCOV parser measured');
      }
    }
    for (const f of ['cobertura', 'jacoco', 'clover', 'opencover']) {
      const o = find('10k', f, 'coverwatch');
      const s = find('10k', f, 'saxes');
      if (!ok(o)) add('G2 >= 100 MB/s and >= 3x saxes', f, null, o?.notImplemented ? 'not implemented' : o?.error ?? 'not run');
      else {
        add('G2 >= 100 MB/s', f, o.mbps >= 100, `${fmt(o.mbps)} MB/s`);
        add('G2 >= 3x saxes', f, ok(s) ? o.mbps / s.mbps >= 3 : null, ok(s) ? `${fmt(o.mbps / s.mbps, 2)}x (saxes ${fmt(s.mbps)} MB/s)` : 'saxes not measured');
      }
    }
    {
      const o = find('10k', 'istanbul-json', 'coverwatch');
      const j = find('10k', 'istanbul-json', 'read+JSON.parse');
      if (!ok(o) || !ok(j)) add('G3 <= 1.3x JSON.parse', 'istanbul-json', null, o?.notImplemented ? 'not implemented' : o?.error ?? j?.error ?? 'not run');
      else add('G3 <= 1.3x JSON.parse', 'istanbul-json', o.bestMs / j.bestMs <= 1.3, `${fmt(o.bestMs / j.bestMs, 2)}x the time of read+JSON.parse (${fmt(o.bestMs, 0)} vs ${fmt(j.bestMs, 0)} ms)`);
    }
    for (const r of all.filter((x) => x.size === '10k' && x.mode === 'shards' && x.ours)) {
      add('G4 parse+merge of 20 shards >= 60 MB/s', r.format, ok(r) ? r.mbps >= 60 : null, ok(r) ? `${fmt(r.mbps)} MB/s over ${fmt(r.bytes / MB)} MB (merge ${fmt(r.stats?.mergeMs, 0)} ms)` : r.notImplemented ? 'not implemented' : r.error ?? 'not run');
    }
  }
  for (const r of all.filter((x) => x.size === '50k' && x.mode === 'single' && x.ours)) {
    const limit = 2 * r.bytes + 100 * MB;
    // A refused input (e.g. a JSON document over the size limit) fails too: it was not read.
    const read = r.stats?.status === 'ok';
    add('G5 peak RSS < 2x size + 100 MB (5M lines)', r.format, r.maxRSS ? r.maxRSS < limit && read : r.error ? false : null, r.maxRSS ? `${fmt(r.maxRSS / MB, 0)} MB vs limit ${fmt(limit / MB, 0)} MB (input ${fmt(r.bytes / MB, 0)} MB)${r.note ? `; ${r.note}` : ''}` : r.notImplemented ? 'not implemented' : r.error ?? 'not run');
  }
  return out;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.report) {
    const result = JSON.parse(readFileSync(opts.report, 'utf8'));
    const refused = new Set(result.results.filter((r) => r.ours && r.stats && r.stats.status !== 'ok').map((r) => `${r.size}/${r.format}/${r.mode}`));
    result.results = result.results.map((r) => (refused.has(`${r.size}/${r.format}/${r.mode}`) ? markRefused(r) : r));
    render(result, opts);
    return;
  }
  const started = performance.now();
  const info = await machine();
  const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  log(`machine: ${info.nproc} cores, ${info.cpu}, ${info.memoryGB} GB, node ${info.node}, ${info.lcov ?? 'lcov not installed'}`);
  const corePath = await bundleCore();
  const core = await import(pathToFileURL(corePath).href);
  const implemented = new Set(core.FORMATS.map((f) => f.id));
  log(`core bundled to ${relative(root, corePath)}; parsers registered: ${[...implemented].join(', ')}`);
  if (!info.lcov) log('lcov not installed: "lcov --summary" and "lcov -a" are skipped (Debian: apt-get install -y lcov)');
  const formats = opts.formats ?? WRITERS.map((w) => w.id);
  const ctx = { corePath: pathToFileURL(corePath).href, gnuTime };
  const all = [];
  for (const size of opts.sizes) {
    log(`\n== ${size}: ${SIZES[size].files.toLocaleString('en')} files, ${SIZES[size].lines.toLocaleString('en')} lines`);
    for (const format of formats) {
      const wantShards = opts.shards && PLAN[size].shards && opts.shardFormats.includes(format);
      if (!implemented.has(format)) {
        all.push({ size, format, mode: 'single', contender: 'coverwatch', ours: true, notImplemented: true, skipped: 'not implemented', bytes: NaN });
        log(`  ${size} ${format}: not implemented (no parser registered in packages/core)`);
        continue;
      }
      const inputs = ensureInputs(format, size, opts.seed, { shards: wantShards, log: (m) => log(`  ${m}`) });
      all.push(...(await measure({ size, format, mode: 'single', paths: [inputs.file.path], bytes: inputs.file.bytes, expected: inputs.expected }, opts, ctx)));
      if (wantShards) {
        const bytes = inputs.shards.reduce((n, s) => n + s.bytes, 0);
        all.push(...(await measure({ size, format, mode: 'shards', paths: inputs.shards.map((s) => s.path), bytes }, opts, ctx)));
      }
    }
  }
  const g = goals(all, formats);
  const elapsed = (performance.now() - started) / 1000;
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const result = { date: new Date().toISOString(), command, machine: info, seed: opts.seed, plan: PLAN, elapsedSeconds: elapsed, sizes: opts.sizes, fullRun: opts.formats === null && opts.contenders === null, results: all, goals: g };
  const stamp = result.date.replace(/[:.]/g, '-');
  writeFileSync(join(OUT, `results-${stamp}.json`), JSON.stringify(result, null, 1));
  writeFileSync(join(OUT, 'results-latest.json'), JSON.stringify(result, null, 1));
  render(result, opts);
}

/** Prints the tables and goals, and writes results-latest.md and the charts (also for --report FILE). */
function render(result, opts) {
  const { results: all, goals: g, command, elapsedSeconds: elapsed } = result;
  const sizes = result.sizes ?? [...new Set(all.map((r) => r.size))];
  const fullRun = result.fullRun ?? !/--(formats?|contenders) /.test(command);
  for (const size of sizes) {
    const rows = all.filter((r) => r.size === size);
    console.log(`\n## ${size}: ${SIZES[size].files.toLocaleString('en')} files / ${SIZES[size].lines.toLocaleString('en')} lines (MB = 10^6 bytes; MB/s and ratios from the CPU time of the best repetition)\n`);
    console.log(textTable(rows));
  }
  if (g.length > 0) {
    console.log('\n## Goals\n');
    for (const x of g) console.log(`${x.status.padEnd(12)} ${x.goal} — ${x.subject}: ${x.detail}`);
  }
  const profiled = all.filter((r) => r.profile);
  if (profiled.length > 0) {
    console.log('\n## Hot spots of our parser (self time, top 8)\n');
    for (const r of profiled) {
      console.log(`${r.size} ${r.format}${r.mode === 'shards' ? ' (shards)' : ''}: ${r.profile.path}`);
      for (const t of r.profile.top.slice(0, 8)) console.log(`  ${String(t.percent).padStart(5)}%  ${t.name}`);
    }
  }
  console.log(`\nCommand: ${command}; total time ${(elapsed / 60).toFixed(1)} min.`);

  const md = [`Command: \`${command}\` (${(elapsed / 60).toFixed(1)} min)`, ''];
  for (const size of sizes) md.push(`### ${size}: ${SIZES[size].files.toLocaleString('en')} files / ${SIZES[size].lines.toLocaleString('en')} lines`, '', markdownTable(all.filter((r) => r.size === size)), '');
  if (g.length > 0) md.push('### Goals', '', '| status | goal | format | measured |', '|---|---|---|---|', ...g.map((x) => `| ${x.status} | ${x.goal} | ${x.subject} | ${x.detail} |`), '');
  writeFileSync(join(OUT, 'results-latest.md'), md.join('\n'));
  for (const size of sizes) {
    const svg = barChartSvg(all.filter((r) => r.size === size), `Coverwatch vs other parsers, ${SIZES[size].lines.toLocaleString('en')}-line inputs: how many times faster ours is (log scale)`);
    writeFileSync(join(OUT, `ratios-${size}.svg`), svg);
    if (size === '10k' && opts.docs && fullRun) copyFileSync(join(OUT, `ratios-${size}.svg`), join(root, 'docs', 'benchmarks-1m.svg'));
  }
  log(`\nwrote results-latest.md and ratios-<size>.svg in ${relative(root, OUT)}/`);
}

main().catch((e) => {
  console.error(e?.stack ?? e);
  process.exitCode = 1;
});
