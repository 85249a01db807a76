// Markdown tables of a server benchmark results JSON (what docs/benchmarks.md "Server" quotes).
// `node bench/server/report.mjs bench/out/server-results-<time>.json` prints them again.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MB = (b) => (b === null || b === undefined ? '–' : (b / 1e6).toFixed(b >= 1e7 ? 1 : 3));
const KB = (b) => (b === null || b === undefined ? '–' : (b / 1e3).toFixed(1));
const ld = (l) => (l ? `${l[0].join(' ')} → ${l[1].join(' ')}` : '');
const verdict = (ratio) => (ratio === null || ratio === undefined ? '' : ratio <= 1 ? `PASS (${ratio}x)` : `**FAIL** (${ratio}x)`);

export function markdown(results) {
  const out = [];
  out.push(`Command: \`${results.command}\` — ${results.started}; ${results.machine.cpus} cores ${results.machine.cpu}, ${results.machine.memGB} GB, Node ${results.machine.node}; server ${results.server ? `at ${results.server.commit}${results.server.uncommittedSourceFiles ? ` + ${results.server.uncommittedSourceFiles} uncommitted source files` : ''}, dist built ${results.server.distBuilt}` : '(version not recorded)'}; load average at start ${results.loadAtStart.join(' ')}, at end ${results.loadAtEnd.join(' ')} (shared machine).`);
  for (const run of results.runs) {
    const r = run.result;
    out.push('');
    out.push(`#### ${run.bench} — ${run.backend} (${run.seconds} s, load ${ld(run.load)})`);
    out.push('');
    if (run.bench === 'storage') {
      out.push(`${r.files} files, ${r.lines} lines, ${r.commits} commits, ${r.changesPerCommit} files changed per commit${r.flags.length ? `, flags ${r.flags.join(',')}` : ''}; upload body ${MB(r.uploadBodyBytes)} MB gzip; totals equal core's after every commit: ${r.totalsExact ? 'yes' : `**NO** (${r.totalsMismatches})`}.`);
      out.push('');
      out.push('| prefix | after commit 1 (MB) | after all (MB) | blobs | per commit after the first (KB) | allocated per commit (KB) | blobs per commit |');
      out.push('|---|---:|---:|---:|---:|---:|---:|');
      for (const [p, x] of Object.entries(r.byPrefix)) out.push(`| ${p}/ | ${MB(x.firstCommitBytes)} | ${MB(x.totalBytes)} | ${x.blobs} | ${KB(x.perCommitBytes)} | ${KB(x.perCommitAllocated)} | ${x.perCommitBlobs} |`);
      const db = r.database;
      out.push(`| database | ${MB(db.first.bytes)} | ${MB(db.last.bytes)}${db.afterStop ? ` (file after stop ${MB(db.afterStop.bytes)})` : ''}${db.last.pgboss !== undefined ? ` (+ pg-boss ${MB(db.last.pgboss)})` : ''} | | ${KB(db.perCommitBytes)} | | |`);
      out.push('');
      const nb = r.newBlobsPerCommit ?? {};
      const span = (x) => (x ? `${x.min}-${x.max}` : 'n/a');
      out.push(`Kept for good (all but raw/): ${MB(r.derived.firstCommitBytes)} MB for the first commit, ${KB(r.derived.perCommitBytes)} KB per later commit = ${(r.derived.perCommitShareOfFirst * 100).toFixed(2)}% of the first commit's (the changed files are ${(r.derived.changedShare * 100).toFixed(2)}% of the repository); new blobs per commit: packs ${span(nb.packs)}, manifests ${span(nb.manifests)}.`);
    } else if (run.bench === 'latency') {
      out.push('| report | upload body (MB gzip) | POST → 202 (ms) | 202 → queryable, cold (ms) | server CPU, cold (ms) | warm median (ms) | warm max (ms) | server CPU, warm median (ms) | target (ms) | cold vs target | warm vs target | totals = core |');
      out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|');
      for (const s of r) {
        const post = s.runs.map((x) => x.postMs);
        if (s.failure) out.push(`| ${s.lines.toLocaleString('en')} lines: **FAILED** after ${s.failure.afterRuns} uploads: ${s.failure.error}${s.failure.crashes?.length ? `; server exited (${s.failure.crashes.map((c) => `${c.process} code ${c.code} signal ${c.signal}`).join(', ')})` : ''} |||||||||||`);
        if (s.runs.length === 0) continue;
        out.push(`| ${s.lines.toLocaleString('en')} lines / ${s.files.toLocaleString('en')} files | ${MB(s.runs[0].bodyBytes)} | ${Math.min(...post)}-${Math.max(...post)} | ${s.coldMs} | ${s.coldCpuMs ?? '–'} | ${s.warmMedianMs ?? '–'} | ${s.warmMaxMs ?? '–'} | ${s.warmCpuMedianMs ?? '–'} | ${s.target ?? '–'} | ${verdict(s.coldRatio)} | ${verdict(s.warmRatio)} | ${s.totalsExact === false ? '**NO**' : 'yes'} |`);
      }
    } else if (run.bench === 'shards') {
      out.push(`${r.shards} shards of a ${r.lines.toLocaleString('en')}-line commit (${r.files} files; overlapping: ${r.shardLinesTotal.toLocaleString('en')} lines in all shards), ${MB(r.bodyBytes)} MB of bodies.`);
      out.push('');
      out.push('| all 202s (ms) | all processed (ms) | totals final (ms) | server CPU (ms) | target (ms) | verdict | totals = core merge of the shards | failed uploads |');
      out.push('|---:|---:|---:|---:|---:|---|---|---:|');
      out.push(`| ${r.postAllMs} | ${r.allProcessedMs ?? '–'} | ${r.totalsFinalMs ?? 'never'} | ${r.serverCpuMs ?? '–'} | ${r.target ?? '–'} | ${verdict(r.ratio)} | ${r.totalsExact ? 'yes' : '**NO**'} | ${r.failedUploads.length} |`);
      if (r.storage) out.push('', `Blobs after the burst: ${Object.entries(r.storage.blobs).map(([p, x]) => `${p}/ ${x.files} blobs, ${MB(x.bytes)} MB`).join('; ')} (the commit's report references one manifest and ${r.files} coverage blobs).`);
    } else if (run.bench === 'read') {
      out.push(`${r.files} files, ${r.lines.toLocaleString('en')} lines; autocannon, ${r.endpoints[0]?.connections} connections, ${r.endpoints[0]?.durationS} s per endpoint.`);
      out.push('');
      out.push('| endpoint | response (KB) | req/s | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) | server CPU per request (ms) | non-2xx / errors / timeouts | p99 vs 50 ms | load |');
      out.push('|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|');
      for (const e of r.endpoints) out.push(`| ${e.name} \`${e.path}\` | ${KB(e.responseBytes)} | ${e.rps} | ${e.latencyMs.p50} | ${e.latencyMs.p90} | ${e.latencyMs.p99} | ${e.latencyMs.max} | ${e.serverCpuMsPerRequest ?? '–'} | ${e.non2xx} / ${e.errors} / ${e.timeouts} | ${verdict(e.ratio)} | ${ld(e.load)} |`);
    }
    if (r?.serverLogLines) out.push('', `Server warnings/errors logged: ${r.serverLogLines}.`);
    for (const prof of run.profile ?? []) {
      const name = prof.file.split('/').slice(-1)[0];
      out.push('', `CPU profile ${name} (whole run): ${prof.busyMs} ms busy of ${prof.wallMs} ms`);
      for (const w of [...(prof.windows ?? []).filter((x) => x.busyMs > 0), prof]) {
        out.push('', `${w.label ?? 'whole run'} — ${name}: ${w.busyMs} ms CPU busy in ${w.wallMs} ms`, '');
        for (const ph of w.phases.filter((x) => x.ms >= 10).slice(0, 16)) out.push(`- ${ph.name}: ${ph.ms} ms (${ph.percentOfBusy}%)`);
      }
    }
  }
  return out.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const f of process.argv.slice(2)) console.log(markdown(JSON.parse(readFileSync(f, 'utf8'))));
}
