// Read API under load: autocannon with 50 connections for 10 s each against the commit totals and
// tree pages of a 10k-file (1M-line) commit. Run alone: node bench/server/run.mjs --only read
import autocannon from 'autocannon';
import { cpuMs, load, log, round } from './lib/common.mjs';
import { getJson, postUpload, waitProcessed } from './lib/http.mjs';
import { EvolvingRepository, envelopeBody, sha } from './lib/reports.mjs';
import { startServer } from './lib/server.mjs';

export const READ_P99_TARGET_MS = 50;

/** @param {{ backend: string, server?: object, lines: number, duration: number, warmup: number, connections: number, workers?: number, pgUrl?: string }} opts */
export async function readBench(opts) {
  const files = Math.max(1, Math.round(opts.lines / 100));
  const repo = new EvolvingRepository({ files, lines: opts.lines });
  const commitSha = sha('read', opts.lines);
  const { body } = envelopeBody({ lcov: repo.lcov(), commitSha, files: repo.fileList() });
  const server = opts.server ?? await startServer({ backend: opts.backend, log, workers: opts.workers, ...(opts.pgUrl ? { pgUrl: opts.pgUrl } : {}) });
  try {
    const up = await postUpload(server, body, 'read-1');
    await waitProcessed(server, up.id, { intervalMs: 50 });
    const base = `/api/v1/repos/${server.repo}/commits/${commitSha}`;
    // The largest directory of the commit, for a tree page of files (the root has only a few dirs).
    const dirs = new Map();
    for (let i = 0; i < files; i++) {
      const p = repo.path(i);
      const d = p.slice(0, p.lastIndexOf('/'));
      dirs.set(d, (dirs.get(d) ?? 0) + 1);
    }
    const [bigDir, bigDirFiles] = [...dirs].sort((a, b) => b[1] - a[1])[0];
    const targets = [
      { name: 'commit totals', path: `${base}/totals` },
      { name: 'tree root (limit 100)', path: `${base}/tree?limit=100` },
      { name: `tree of the largest directory (${bigDirFiles} files), sort=coverage, limit 100`, path: `${base}/tree?path=${encodeURIComponent(bigDir)}&sort=coverage&limit=100` },
      { name: 'files page (limit 1000)', path: `${base}/files?limit=1000` },
    ];
    const results = [];
    for (const t of targets) {
      const check = await getJson(server, t.path);
      if (check.status !== 200) throw new Error(`${t.path} answered ${check.status}: ${JSON.stringify(check.body).slice(0, 300)}`);
      // Unmeasured first: the server's JIT and connection pools warm up, as on a server that has run a while.
      if (opts.warmup > 0) await autocannon({ url: `${server.base}${t.path}`, connections: opts.connections, duration: opts.warmup, headers: { authorization: `Bearer ${server.readToken}` } });
      const loadBefore = load();
      const cpu0 = cpuMs(server.pids());
      const r = await autocannon({
        url: `${server.base}${t.path}`,
        connections: opts.connections,
        duration: opts.duration,
        headers: { authorization: `Bearer ${server.readToken}` },
      });
      const cpu1 = cpuMs(server.pids());
      const entry = {
        name: t.name,
        path: t.path.replace(base, '.../commits/{sha}'),
        responseBytes: Buffer.byteLength(JSON.stringify(check.body)),
        connections: opts.connections,
        durationS: opts.duration,
        warmupS: opts.warmup,
        requests: r.requests.total,
        rps: round(r.requests.average),
        latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: round(r.latency.average, 2) },
        serverCpuMsPerRequest: cpu0 === null || r.requests.total === 0 ? null : round((cpu1 - cpu0) / r.requests.total, 2),
        non2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
        target: READ_P99_TARGET_MS,
        ratio: round(r.latency.p99 / READ_P99_TARGET_MS, 2),
        load: [loadBefore, load()],
      };
      results.push(entry);
      log(`read ${opts.backend} ${t.name}: ${entry.rps} req/s, p50 ${entry.latencyMs.p50} ms, p99 ${entry.latencyMs.p99} ms, max ${entry.latencyMs.max} ms, server CPU ${entry.serverCpuMsPerRequest} ms/request, non-2xx ${entry.non2xx}, errors ${entry.errors}, load ${entry.load[1].join(' ')}`);
    }
    if (!opts.server) await server.stop();
    return { lines: opts.lines, files, endpoints: results, serverLogLines: server.logs.length, serverLogSample: server.logs.slice(0, 5).map((l) => l.line.slice(0, 400)) };
  } finally {
    if (!opts.server) await server.destroy();
  }
}
