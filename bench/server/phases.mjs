// Where the processing of one upload goes, step by step, outside the server: the calls
// apps/server/src/uploads/upload-processor.ts and reports/report-store.ts make for a commit's single
// upload (core + the server's report store on its filesystem blob store, from apps/server/dist), each
// step timed in CPU time (process.cpuUsage: this machine is shared) and wall time. Rep 0 is a first
// commit (every file new: cold); later reps change 1% of the files and store against the previous
// manifest (warm), as a next commit does.
//
//   node bench/server/phases.mjs [--lines 1m] [--reps 3]
//
// The HTTP layer, the queue and the database are not here (the CPU profiles of run.mjs --profile
// show them); the blob store is, on a temp directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { createPathResolver, mergeReports, parseReport, resolveReport } from '@coverwatch/core';
import { UploadEnvelopeSchema } from '@coverwatch/protocol';
import { load, log, round } from './lib/common.mjs';
import { EvolvingRepository, envelopeBody, sha } from './lib/reports.mjs';
import { parseLines } from './latency.mjs';

const dist = (p) => new URL(`../../apps/server/dist/${p}`, import.meta.url).href;
const { FsBlobStore } = await import(dist('blobs/fs-blob-store.js'));
const { ManifestStore } = await import(dist('reports/manifest-store.js'));
const { ReportStore, sumTotals } = await import(dist('reports/report-store.js'));

function parseArgs(argv) {
  const o = { lines: '1m', reps: 3 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--lines') o.lines = argv[++i];
    else if (argv[i] === '--reps') o.reps = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}

/** Runs `f`, adding its CPU and wall ms to `acc[name]`. */
async function step(acc, name, f) {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const out = await f();
  const c = process.cpuUsage(c0);
  const e = (acc[name] ??= { cpuMs: 0, wallMs: 0 });
  e.cpuMs += (c.user + c.system) / 1000;
  e.wallMs += performance.now() - w0;
  return out;
}

export async function phases(opts) {
  const { lines, files } = parseLines(opts.lines);
  const repo = new EvolvingRepository({ files, lines });
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-phases-'));
  const blobs = new FsBlobStore(dir);
  const runs = [];
  let previous = null;
  try {
    for (let rep = 0; rep < opts.reps; rep++) {
      if (rep > 0) repo.advance(rep, Math.max(1, Math.round(files / 100)));
      const { body } = envelopeBody({ lcov: repo.lcov(), commitSha: sha('phases', rep), files: repo.fileList() });
      const store = new ReportStore(blobs, new ManifestStore(blobs));
      const t = {};
      const envelope = await step(t, 'envelope: gunzip + JSON.parse + zod', () => UploadEnvelopeSchema.parse(JSON.parse(gunzipSync(body).toString('utf8'))));
      const data = await step(t, 'report: base64 decode', () => Buffer.from(envelope.reports[0].data, 'base64'));
      const parsed = await step(t, 'report: core parseReport', () => parseReport(data, { fileName: 'lcov.info', format: 'lcov' }).report);
      const merged = await step(t, 'upload: mergeReports (one report)', () => mergeReports([parsed]));
      const resolved = await step(t, 'upload: createPathResolver + resolveReport', () => resolveReport(merged, createPathResolver(envelope.files, { fixes: [], ignore: [] })).report);
      const written = new Set();
      const base = previous;
      const entries = await step(t, 'store: encode + hash every file, frame + gzip + pack the new ones', () => store.storeFiles(resolved.files, (p) => base?.entry(p) ?? null));
      for (const e of entries) if (base?.entry(e.path)?.blob.key !== e.blob.key) written.add(e.path);
      previous = await step(t, "store: manifest (delta of the previous commit's)", () => store.manifests.write(entries, sumTotals(entries), base));
      const total = Object.values(t).reduce((s, x) => ({ cpuMs: s.cpuMs + x.cpuMs, wallMs: s.wallMs + x.wallMs }), { cpuMs: 0, wallMs: 0 });
      runs.push({ rep, kind: rep === 0 ? 'cold' : 'warm', written: written.size, total, steps: t, load: load() });
      log(`phases ${opts.lines} rep ${rep}: ${round(total.cpuMs)} ms CPU, ${round(total.wallMs)} ms wall, ${written.size} files written, load ${load().join(' ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { lines, files, runs };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const o = parseArgs(process.argv.slice(2));
  const r = await phases(o);
  console.log(`phases of one upload, ${r.lines} lines / ${r.files} files; load ${load().join(' ')} (shared machine)\n`);
  console.log(`| step | ${r.runs.map((x) => `${x.kind} CPU ms | ${x.kind} wall ms`).join(' | ')} |`);
  console.log(`|---|${r.runs.map(() => '---:|---:').join('|')}|`);
  for (const name of Object.keys(r.runs[0].steps)) console.log(`| ${name} | ${r.runs.map((x) => `${round(x.steps[name].cpuMs)} | ${round(x.steps[name].wallMs)}`).join(' | ')} |`);
  console.log(`| **total** | ${r.runs.map((x) => `${round(x.total.cpuMs)} | ${round(x.total.wallMs)}`).join(' | ')} |`);
}
