// Runs one contender on one input, repeatedly (lib/reps.mjs says how often), in this fresh process (started by bench/run.mjs
// with --expose-gc), and prints one JSON line: wall and CPU times (user + system, all threads of
// this process: so other processes on a shared machine barely change it), peak RSS, and stats.
// Argument: a JSON job {contender, format, mode, paths, reps, minMs, budgetMs, corePath}.
import { CONTENDERS } from './contenders.mjs';
import { isLastRep } from './reps.mjs';

async function main() {
  const job = JSON.parse(process.argv[2]);
  const c = CONTENDERS.find((x) => x.id === job.contender);
  if (c === undefined) throw new Error(`unknown contender ${job.contender}`);
  const ctx = { format: job.format, mode: job.mode, corePath: job.corePath };
  const rssBefore = process.memoryUsage().rss;
  if (c.setup) await c.setup(ctx);
  const times = [];
  const cpuTimes = [];
  let stats = null;
  const started = performance.now();
  for (let rep = 0; ; rep++) {
    globalThis.gc?.();
    const r = await once(c, job, ctx, () => isLastRep(rep + 1, performance.now() - started, job));
    times.push(r.wall);
    cpuTimes.push(r.cpu);
    if (r.last) {
      stats = r.stats;
      break;
    }
  }
  const usage = process.resourceUsage();
  process.stdout.write(`${JSON.stringify({ times, cpuTimes, stats, maxRSS: usage.maxRSS * 1024, rssBefore })}\n`);
}

/**
 * One timed repetition. The parse result lives only in this call's frame: kept in main's async
 * frame, the previous repetition's result stayed reachable (a temporary of `await`) through the
 * next repetition despite `value = null` and the gc() before it, so every repetition after the first
 * ran with an extra copy of the result in the old generation (and the collector's marking of it).
 */
async function once(c, job, ctx, isLast) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await c.run(job.paths, ctx);
  const wall = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  // Stats are computed outside the timed region, from the last repetition only.
  const last = isLast();
  return { wall, cpu: (c1.user + c1.system) / 1000, last, stats: last ? c.stats(value, ctx) : null };
}

main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ error: String(e?.stack ?? e).slice(0, 2000) })}\n`);
  process.exitCode = 1;
});
