// Runs one contender on one input, `reps` times, in this fresh process (started by bench/run.mjs
// with --expose-gc), and prints one JSON line: wall and CPU times (user + system, all threads of
// this process: so other processes on a shared machine barely change it), peak RSS, and stats.
// Argument: a JSON job {contender, format, mode, paths, reps, budgetMs, corePath}.
import { CONTENDERS } from './contenders.mjs';

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
  for (let rep = 0; rep < job.reps; rep++) {
    globalThis.gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let value = await c.run(job.paths, ctx);
    times.push(performance.now() - t0);
    const c1 = process.cpuUsage(c0);
    cpuTimes.push((c1.user + c1.system) / 1000);
    // Stats are computed outside the timed region, from the last repetition only.
    if (rep === job.reps - 1 || performance.now() - started > job.budgetMs) {
      stats = c.stats(value, ctx);
      value = null;
      break;
    }
    value = null;
  }
  const usage = process.resourceUsage();
  process.stdout.write(`${JSON.stringify({ times, cpuTimes, stats, maxRSS: usage.maxRSS * 1024, rssBefore })}\n`);
}

main().catch((e) => {
  process.stdout.write(`${JSON.stringify({ error: String(e?.stack ?? e).slice(0, 2000) })}\n`);
  process.exitCode = 1;
});
