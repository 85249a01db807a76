// Where the processing of one upload goes, step by step, outside the server: the same calls
// apps/server/src/uploads/upload-processor.ts and commits/commit-reports.service.ts make for a
// commit's single upload (core + the server's own report codec and filesystem blob store, from
// apps/server/dist), each step timed in CPU time (process.cpuUsage: this machine is shared) and
// wall time. Also the what-ifs the findings propose (hash before gzip, no read-back).
//
//   node bench/server/phases.mjs [--lines 1m] [--reps 3]
//
// The HTTP layer, the queue and the database are not here (the CPU profiles of run.mjs --profile
// show them); the blob store is, on a temp directory.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createPathResolver, mergeReports, parseReport, reportTotals, resolveReport, writeReport } from '@coverwatch/core';
import { UploadEnvelopeSchema } from '@coverwatch/protocol';
import { load, log, round } from './lib/common.mjs';
import { EvolvingRepository, envelopeBody, sha } from './lib/reports.mjs';
import { parseLines } from './latency.mjs';

const dist = (p) => new URL(`../../apps/server/dist/${p}`, import.meta.url).href;
const { decodeReport, encodeReport } = await import(dist('commits/report-codec.js'));
const { contentKey } = await import(dist('blobs/blob-store.js'));
const { FsBlobStore } = await import(dist('blobs/fs-blob-store.js'));

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
  const { body } = envelopeBody({ lcov: repo.lcov(), commitSha: sha('phases', 0), files: repo.fileList() });
  const dir = mkdtempSync(path.join(tmpdir(), 'cw-phases-'));
  const blobs = new FsBlobStore(dir);
  const runs = [];
  try {
    for (let rep = 0; rep < opts.reps; rep++) {
      const t = {};
      // --- upload-processor.ts: the job reads the raw body back and parses everything again.
      const envelope = await step(t, 'envelope: gunzip + JSON.parse + zod', () => UploadEnvelopeSchema.parse(JSON.parse(gunzipSync(body).toString('utf8'))));
      const data = await step(t, 'report: base64 decode', () => Buffer.from(envelope.reports[0].data, 'base64'));
      const parsed = await step(t, 'report: core parseReport', () => parseReport(data, { fileName: 'lcov.info', format: 'lcov' }).report);
      const merged = await step(t, 'upload: mergeReports (one report)', () => mergeReports([parsed]));
      const resolved = await step(t, 'upload: createPathResolver + resolveReport', () => resolveReport(merged, createPathResolver(envelope.files, { fixes: [], ignore: [] })).report);
      const enc = await step(t, 'upload report: encode (coverwatch-json) + gzip', () => encodeReport(resolved));
      const reportKey = await step(t, 'upload report: sha-256 key', () => contentKey('reports', enc.plain));
      await step(t, 'upload report: blob has + put (fsync)', async () => {
        if (!(await blobs.has(reportKey))) await blobs.put(reportKey, enc.gzipped);
      });
      await step(t, 'upload: reportTotals', () => reportTotals(resolved));
      // --- commit-reports.service.ts rebuild(): reads the report it just wrote, merges, writes per file.
      const back = await step(t, 'rebuild: blob get', () => blobs.get(reportKey));
      const decoded = await step(t, 'rebuild: decodeReport (gunzip + coverwatch-json parse)', () => decodeReport(back, 'r'));
      const all = await step(t, 'rebuild: mergeReports + reportTotals', () => {
        const m = mergeReports([decoded]);
        return { m, totals: reportTotals(m) };
      });
      const plains = [];
      const keys = [];
      await step(t, 'rebuild: per-file writeReport (coverwatch-json)', () => {
        for (const f of all.m.files) plains.push(Buffer.from([...writeReport({ files: [f] }, 'json')].join(''), 'utf8'));
      });
      await step(t, 'rebuild: per-file gzip (done for every file, needed only for new blobs)', () => {
        for (const p of plains) gzipSync(p);
      });
      await step(t, 'rebuild: per-file sha-256 key', () => {
        for (const p of plains) keys.push(contentKey('coverage', p));
      });
      let written = 0;
      await step(t, `rebuild: per-file blob has${rep === 0 ? ' + put (fsync) — cold: every file new' : ' — warm: every file exists'}`, async () => {
        for (let i = 0; i < keys.length; i++) {
          if (!(await blobs.has(keys[i]))) {
            await blobs.put(keys[i], gzipSync(plains[i]));
            written++;
          }
        }
      });
      await step(t, 'rebuild: manifest JSON + sha-256 + gzip', () => {
        const manifest = { version: 1, totals: all.totals.totals, files: all.m.files.map((f, i) => ({ path: f.path, key: keys[i], totals: all.totals.files.get(f.path) })) };
        const bytes = Buffer.from(JSON.stringify(manifest), 'utf8');
        createHash('sha256').update(bytes).digest('hex');
        return gzipSync(bytes);
      });
      const total = Object.values(t).reduce((s, x) => ({ cpuMs: s.cpuMs + x.cpuMs, wallMs: s.wallMs + x.wallMs }), { cpuMs: 0, wallMs: 0 });
      runs.push({ rep, kind: rep === 0 ? 'cold' : 'warm', written, total, steps: t, load: load() });
      log(`phases ${opts.lines} rep ${rep}: ${round(total.cpuMs)} ms CPU, ${round(total.wallMs)} ms wall, ${written} blobs written, load ${load().join(' ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { lines, files, bodyBytes: body.length, runs };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const o = parseArgs(process.argv.slice(2));
  const r = await phases(o);
  console.log(`phases of one upload, ${r.lines} lines / ${r.files} files; load ${load().join(' ')} (shared machine)\n`);
  console.log(`| step | ${r.runs.map((x) => `${x.kind} CPU ms | ${x.kind} wall ms`).join(' | ')} |`);
  console.log(`|---|${r.runs.map(() => '---:|---:').join('|')}|`);
  for (const name of Object.keys(r.runs[1]?.steps ?? r.runs[0].steps)) {
    const cells = r.runs.map((x) => {
      const k = Object.keys(x.steps).find((n) => n === name || (n.startsWith('rebuild: per-file blob has') && name.startsWith('rebuild: per-file blob has')));
      const s = x.steps[k];
      return s ? `${round(s.cpuMs)} | ${round(s.wallMs)}` : '– | –';
    });
    console.log(`| ${name.startsWith('rebuild: per-file blob has') ? 'rebuild: per-file blob has (+ put with fsync when new: cold)' : name} | ${cells.join(' | ')} |`);
  }
  console.log(`| **total** | ${r.runs.map((x) => `${round(x.total.cpuMs)} | ${round(x.total.wallMs)}`).join(' | ')} |`);
}
