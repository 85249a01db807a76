// Where a server process spent its CPU time, by processing phase, from a V8 .cpuprofile
// (`node --cpu-prof`). Each sample goes to the FIRST phase of the list below that any frame of its
// stack matches: containers come before what they contain (receiving an upload includes its gunzip
// and DB insert; decoding a stored report includes core's parse; encoding includes gzip), so the
// LCOV parser's helpers count as "parse", the merge inside the commit rebuild as "merge"... Sample
// times are CLOCK_MONOTONIC microseconds, the clock of process.hrtime in the benchmark driver, so a
// window [from, to] of the driver selects the samples of one upload.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { topFunctions } from '../../lib/profile.mjs';

const has = (s) => (f) => f.url.includes(s);
const fn = (name, file) => (f) => f.functionName === name && (file === undefined || f.url.includes(file));

/** [phase, test]: the first test that matches a frame (outermost first) names the sample's phase. */
const PHASES = [
  ['receive upload (body, gunzip, JSON, validate, sha-256, raw blob, DB insert)', (f) => fn('receive', 'uploads.service')(f) || has('upload-body')(f) || has('uploads.routes')(f)],
  ['decode stored coverage (gunzip + coverwatch-json parse)', (f) => fn('decodeReport')(f) || fn('decodeFile')(f)],
  ['encode coverage (coverwatch-json writer)', fn('encodeFile')],
  ['compress new coverage (gzip)', fn('compress', 'report-codec')],
  ['manifests (delta, JSON, gzip)', has('manifest')],
  ['parse report (core parseReport)', fn('parseReport')],
  ['resolve paths (core resolveReport)', (f) => fn('resolveReport')(f) || fn('createPathResolver')(f)],
  ['merge (core mergeReports)', fn('mergeReports')],
  ['totals (core reportTotals)', fn('reportTotals')],
  ['sha-256 content keys', (f) => fn('contentKey')(f) || f.functionName === 'digest' || f.functionName === 'update'],
  ['blob store (has/get/put)', (f) => has('fs-blob-store')(f) || has('s3-blob-store')(f)],
  ['gzip/gunzip (manifest, envelope)', (f) => f.url === 'node:zlib' || f.functionName === 'gzipSync' || f.functionName === 'gunzipSync'],
  ['validate envelope (zod)', has('/zod/')],
  ['read API (commits service)', has('commits.service')],
  ['database (kysely, driver, pg-boss)', (f) => ['/kysely/', 'better-sqlite3', '/pg/', '/pg-boss/', '/pg-protocol/', '/pg-pool/'].some((s) => f.url.includes(s))],
  ['other HTTP (fastify, auth, routing, serialization)', (f) => ['/fastify/', 'find-my-way', 'light-my-request', '/avvio/', 'pino'].some((s) => f.url.includes(s))],
  ['garbage collector', (f) => f.functionName === '(garbage collector)'],
];

/**
 * Busy time by phase. `window` ([fromUs, toUs], CLOCK_MONOTONIC µs as process.hrtime gives) keeps
 * only the samples taken in it; without it, the whole profile.
 */
export function profileSummary(profilePath, window = null) {
  const p = typeof profilePath === 'string' ? JSON.parse(readFileSync(profilePath, 'utf8')) : profilePath;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phaseOf = new Map();
  const resolve = (id) => {
    if (phaseOf.has(id)) return phaseOf.get(id);
    const stack = [];
    for (let x = id; x !== undefined; x = parent.get(x)) stack.push(byId.get(x).callFrame);
    let phase = null;
    for (const [name, test] of PHASES) {
      if (stack.some(test)) {
        phase = name;
        break;
      }
    }
    if (phase === null) {
      const leaf = stack[0];
      if (leaf.functionName === '(idle)') phase = '(idle)';
      else if (leaf.functionName === '(program)') phase = '(program: V8/native, unattributed)';
      else {
        // Not a named phase: the innermost frame of our own code, else "other".
        const own = stack.find((f) => f.url.includes('apps/server/dist') || f.url.includes('packages/core/dist'));
        phase = own ? `other: ${own.functionName || '(anonymous)'} ${basename(own.url)}` : 'other (node internals, libraries)';
      }
    }
    phaseOf.set(id, phase);
    return phase;
  };
  const ms = new Map();
  let total = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (window !== null && (t < window[0] || t > window[1])) continue;
    const d = (p.timeDeltas[i] ?? 0) / 1000;
    total += d;
    const ph = resolve(p.samples[i]);
    ms.set(ph, (ms.get(ph) ?? 0) + d);
  }
  const busy = total - (ms.get('(idle)') ?? 0);
  const phases = [...ms.entries()]
    .filter(([name]) => name !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .map(([name, t]) => ({ name, ms: Math.round(t), percentOfBusy: Math.round((t / busy) * 1000) / 10 }));
  return { wallMs: Math.round(total), busyMs: Math.round(busy), phases, ...(window === null && typeof profilePath === 'string' ? { topSelf: topFunctions(profilePath, 15) } : {}) };
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  for (const f of process.argv.slice(2)) {
    const s = profileSummary(f, null);
    console.log(`${f}: ${s.busyMs} ms busy of ${s.wallMs} ms`);
    for (const ph of s.phases) console.log(`  ${String(ph.percentOfBusy).padStart(5)}%  ${String(ph.ms).padStart(7)} ms  ${ph.name}`);
  }
}
