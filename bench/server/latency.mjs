// Upload accepted (the 202) -> processed and queryable (GET commit totals returns the new totals),
// for reports of 100k, 1M and 5M lines. Per size, a fresh server: the first upload is a repository's
// first commit (every per-file blob is new: "cold"); the next ones are later commits in which 1% of
// the files changed coverage ("warm", the steady state). Run alone: node bench/server/run.mjs --only latency
import { performance } from 'node:perf_hooks';
import { hrUs } from './lib/common.mjs';
import { coreTotals, cpuMs, load, log, median, peakRssMB, round, sameTotals } from './lib/common.mjs';
import { pollTotals, postUpload } from './lib/http.mjs';
import { EvolvingRepository, envelopeBody, sha } from './lib/reports.mjs';
import { startServer } from './lib/server.mjs';

/** Targets of issue 3 (ms), by report size in lines. */
export const LATENCY_TARGETS = { 100_000: 500, 1_000_000: 3_000, 5_000_000: 15_000 };

/** '100k' | '1m' | '5m' | a number of lines -> { lines, files } (100 instrumented lines per file, as bench/generate/repo.mjs SIZES). */
export function parseLines(label) {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(String(label).trim());
  if (!m) throw new Error(`bad size ${label} (e.g. 100k, 1m, 5m, 2000)`);
  const lines = Math.round(Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1));
  return { lines, files: Math.max(1, Math.round(lines / 100)) };
}

/**
 * @param {{ backend: string, server?: object, sizes: string[], reps: number, changePercent: number, intervalMs: number,
 *           profileDir?: string, workers?: number, env?: object }} opts
 */
export async function latencyBench(opts) {
  const results = [];
  for (const label of opts.sizes) {
    const { lines, files } = parseLines(label);
    const repo = new EvolvingRepository({ files, lines });
    const fileList = repo.fileList();
    const server = opts.server ?? (await startServer({ backend: opts.backend, log, workers: opts.workers, env: opts.env, ...(opts.profileDir ? { cpuProfDir: opts.profileDir } : {}), ...(opts.pgUrl ? { pgUrl: opts.pgUrl } : {}) }));
    const runs = [];
    let failure = null;
    try {
      let parent = null;
      for (let rep = 0; rep < opts.reps; rep++) {
        const changes = rep === 0 ? 0 : Math.max(1, Math.round((files * opts.changePercent) / 100));
        if (rep > 0) repo.advance(rep, changes);
        const commitSha = sha(`latency-${label}`, rep);
        const lcov = repo.lcov();
        const expected = coreTotals([lcov]);
        const { body, decompressedBytes } = envelopeBody({ lcov, commitSha, parents: parent ? [parent] : [], files: fileList });
        parent = commitSha;
        const loadBefore = load();
        const cpu0 = cpuMs(server.pids());
        const hr0 = hrUs();
        const t0 = performance.now();
        const up = await postUpload(server, body, `latency-${label}-${rep}`);
        const cpu1 = cpuMs(server.pids());
        const hr1 = hrUs();
        // The commit's only upload: its totals appear once, when it is processed; then they must be core's.
        const done = await pollTotals(server, commitSha, (b) => b.uploads === 1, { intervalMs: opts.intervalMs });
        const exact = sameTotals(done.body.totals, expected);
        if (!exact) log(`latency: MISMATCH ${label} rep ${rep}: server ${JSON.stringify(done.body.totals)} core ${JSON.stringify(expected)}`);
        const cpu2 = cpuMs(server.pids());
        const hr2 = hrUs();
        const run = {
          rep,
          kind: rep === 0 ? 'cold' : 'warm',
          changedFiles: changes,
          lcovBytes: Buffer.byteLength(lcov),
          bodyBytes: body.length,
          envelopeBytes: decompressedBytes,
          postMs: round(up.acceptedAt - t0),
          acceptedToQueryableMs: round(done.at - up.acceptedAt),
          // CPU time of the server processes (user + system): what the machine's load cannot inflate.
          serverCpuPostMs: cpu1 === null ? null : cpu1 - cpu0,
          serverCpuProcessingMs: cpu2 === null ? null : cpu2 - cpu1,
          serverPeakRssMB: peakRssMB(server.pids()),
          totalsExact: exact,
          // CLOCK_MONOTONIC µs: the windows of the POST and of the processing in a server CPU profile.
          windows: { post: [hr0, hr1], processing: [hr1, hr2] },
          load: [loadBefore, load()],
        };
        runs.push(run);
        log(`latency ${opts.backend} ${label} rep ${rep} (${run.kind}): POST ${run.postMs} ms, 202 -> totals ${run.acceptedToQueryableMs} ms (server CPU ${run.serverCpuProcessingMs} ms, peak RSS ${run.serverPeakRssMB} MB; body ${round(body.length / 1e6, 1)} MB gzip), load ${run.load[1].join(' ')}`);
      }
    } catch (e) {
      // Record and go on with the next size: a crash under a large report is a result too.
      await new Promise((r) => setTimeout(r, 500));
      failure = { error: String(e?.cause?.message ?? e?.message ?? e), afterRuns: runs.length, crashes: server.crashes };
      log(`latency ${opts.backend} ${label}: FAILED after ${runs.length} uploads: ${failure.error}`);
    } finally {
      if (!opts.server) await server.stop();
      if (server.logs.length > 0) log(`server logs (warn+): ${server.logs.length} lines, first: ${server.logs[0].line.slice(0, 300)}`);
      if (!opts.server) await server.destroy();
    }
    const warm = runs.filter((r) => r.kind === 'warm').map((r) => r.acceptedToQueryableMs);
    const target = LATENCY_TARGETS[lines] ?? null;
    const cold = runs[0]?.acceptedToQueryableMs ?? null;
    results.push({
      size: label,
      lines,
      files,
      target,
      coldMs: cold,
      warmMedianMs: warm.length ? median(warm) : null,
      warmMaxMs: warm.length ? Math.max(...warm) : null,
      coldCpuMs: runs[0]?.serverCpuProcessingMs ?? null,
      warmCpuMedianMs: warm.length ? median(runs.slice(1).map((r) => r.serverCpuProcessingMs)) : null,
      totalsExact: runs.every((r) => r.totalsExact),
      coldRatio: target && cold !== null ? round(cold / target, 2) : null,
      warmRatio: target && warm.length ? round(median(warm) / target, 2) : null,
      runs,
      failure,
    });
  }
  return results;
}
