// 20 shard uploads of one commit arriving at once (a CI matrix): each shard is the part of a 1M-line
// repository its tests touched, OVERLAPPING as in bench/generate/repo.mjs (every file in its home
// shard with full counts, and in ~5% of the other shards with fewer hits), so the merge really adds
// counts up. Time from the first POST until every upload is processed and the commit totals equal
// core's merge of the 20 reports. Run alone: node bench/server/run.mjs --only shards
import { performance } from 'node:perf_hooks';
import { coreTotals, cpuMs, hrUs, load, log, peakRssMB, round, sameTotals } from './lib/common.mjs';
import { commitUploads, getJson, postUpload, totalsPath } from './lib/http.mjs';
import { EvolvingRepository, envelopeBody, sha } from './lib/reports.mjs';
import { startServer } from './lib/server.mjs';

export const SHARDS_TARGET_MS = 6_000;

/** @param {{ backend: string, server?: object, lines: number, shards: number, intervalMs: number, profileDir?: string, workers?: number, pgUrl?: string, env?: object }} opts */
export async function shardsBench(opts) {
  const files = Math.max(1, Math.round(opts.lines / 100));
  const repo = new EvolvingRepository({ files, lines: opts.lines });
  const fileList = repo.fileList();
  const commitSha = sha('shards', opts.lines);
  const texts = [];
  const bodies = [];
  for (let s = 0; s < opts.shards; s++) {
    const lcov = repo.shardLcov(s);
    texts.push(lcov);
    bodies.push(envelopeBody({ lcov, commitSha, files: fileList, buildId: 'matrix-1', jobId: `shard-${s}`, name: `shard-${s}.info` }).body);
  }
  const expected = coreTotals(texts);
  const shardLines = texts.reduce((n, t) => n + (t.match(/^DA:/gm)?.length ?? 0), 0);
  const server = opts.server ?? await startServer({ backend: opts.backend, log, workers: opts.workers, env: opts.env, ...(opts.profileDir ? { cpuProfDir: opts.profileDir } : {}), ...(opts.pgUrl ? { pgUrl: opts.pgUrl } : {}) });
  try {
    const loadBefore = load();
    const cpu0 = cpuMs(server.pids());
    const hr0 = hrUs();
    const t0 = performance.now();
    const accepted = await Promise.all(bodies.map((b, s) => postUpload(server, b, `shard-${s}`)));
    const lastAccepted = Math.max(...accepted.map((a) => a.acceptedAt));
    let totalsFinalAt = null;
    let processedAt = null;
    let last = null;
    let failed = [];
    const deadline = t0 + 900_000;
    for (;;) {
      const t = await getJson(server, totalsPath(server, commitSha));
      const now = performance.now();
      if (t.status === 200) last = t.body;
      if (totalsFinalAt === null && t.status === 200 && t.body.uploads === opts.shards && sameTotals(t.body.totals, expected)) totalsFinalAt = now;
      const ups = await commitUploads(server, commitSha);
      failed = ups.filter((u) => u.state === 'failed');
      if (processedAt === null && ups.length === opts.shards && ups.every((u) => u.state === 'processed' || u.state === 'failed')) processedAt = performance.now();
      if (processedAt !== null && (totalsFinalAt !== null || failed.length > 0)) break;
      if (processedAt !== null && now - processedAt > 2_000) break; // all done, totals still differ: a mismatch
      if (now > deadline) throw new Error(`shards: not done after 900 s (${ups.map((u) => u.state).join(',')})`);
      await new Promise((r) => setTimeout(r, opts.intervalMs));
    }
    const cpu1 = cpuMs(server.pids());
    const hr1 = hrUs();
    const final = (await getJson(server, totalsPath(server, commitSha))).body;
    const exact = final !== null && final.uploads === opts.shards && sameTotals(final.totals, expected);
    const result = {
      lines: opts.lines,
      files,
      shards: opts.shards,
      overlapping: true,
      shardLinesTotal: shardLines,
      bodyBytes: bodies.reduce((n, b) => n + b.length, 0),
      postAllMs: round(lastAccepted - t0),
      allProcessedMs: processedAt === null ? null : round(processedAt - t0),
      totalsFinalMs: totalsFinalAt === null ? null : round(totalsFinalAt - t0),
      target: opts.shards === 20 && opts.lines === 1_000_000 ? SHARDS_TARGET_MS : null,
      windows: { all: [hr0, hr1] },
      serverCpuMs: cpu1 === null ? null : cpu1 - cpu0,
      serverPeakRssMB: peakRssMB(server.pids()),
      totalsExact: exact,
      failedUploads: failed.map((u) => ({ id: u.id, error: u.error })),
      serverTotals: final?.totals ?? last?.totals ?? null,
      coreTotals: expected,
      load: [loadBefore, load()],
    };
    result.ratio = result.target && result.totalsFinalMs ? round(result.totalsFinalMs / result.target, 2) : null;
    log(`shards ${opts.backend}: ${opts.shards} x ~${round(opts.lines / opts.shards)} lines: all accepted ${result.postAllMs} ms, all processed ${result.allProcessedMs} ms, totals final ${result.totalsFinalMs} ms (server CPU ${result.serverCpuMs} ms, peak RSS ${result.serverPeakRssMB} MB), exact ${exact}, load ${result.load[1].join(' ')}`);
    if (!exact) log(`shards: MISMATCH server ${JSON.stringify(final)} core ${JSON.stringify(expected)}`);
    // What the burst left in the blob store: each intermediate rebuild wrote a manifest and the file
    // blobs of its partial merge, which no commit references once the final rebuild is in.
    if (!opts.server) result.storage = await server.storage();
    if (!opts.server) await server.stop();
    result.serverLogLines = server.logs.length;
    result.serverLogSample = server.logs.slice(0, 5).map((l) => l.line.slice(0, 400));
    return result;
  } finally {
    if (!opts.server) await server.destroy();
  }
}
