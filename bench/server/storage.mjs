// Storage per commit: a repository of N files (default 10k files, 1M lines) uploads C commits
// (default 100); each commit's report is the previous one with 1% of the files' coverage changed.
// After each commit is processed, what the server stores is measured: blobs by prefix (raw/ =
// upload bodies as received, kept rawUploadDays; packs/ = per-file coverage not stored before, one
// pack per write; manifests/ = upload, commit and flag manifests, deltas of a base; reports/ and
// coverage/ = the layout before packs, listed to compare with older runs) and the database.
// Run alone: node bench/server/run.mjs --only storage
import { coreTotals, load, log, round, sameTotals } from './lib/common.mjs';
import { getJson, postUpload, totalsPath, waitProcessed } from './lib/http.mjs';
import { EvolvingRepository, envelopeBody, sha } from './lib/reports.mjs';
import { startServer } from './lib/server.mjs';

export const PREFIXES = ['raw', 'packs', 'manifests', 'reports', 'coverage'];
/** Everything kept for good to serve a commit's report: all but raw/, which expires. */
const DERIVED = ['packs', 'manifests', 'reports', 'coverage'];

/** @param {{ backend: string, server?: object, files: number, lines: number, commits: number, changes: number | null, flags?: string[], workers?: number, pgUrl?: string }} opts */
export async function storageBench(opts) {
  const changes = opts.changes ?? Math.max(1, Math.round(opts.files / 100));
  const repo = new EvolvingRepository({ files: opts.files, lines: opts.lines });
  const fileList = repo.fileList();
  // A server of its own, unless the caller shares one (the smoke run): then storage must run first on it.
  const server = opts.server ?? (await startServer({ backend: opts.backend, log, workers: opts.workers, ...(opts.pgUrl ? { pgUrl: opts.pgUrl } : {}) }));
  const snapshots = [];
  let mismatches = 0;
  try {
    let parent = null;
    for (let c = 0; c < opts.commits; c++) {
      const changed = c === 0 ? [] : repo.advance(c, changes);
      const commitSha = sha('storage', c);
      const lcov = repo.lcov();
      const { body } = envelopeBody({ lcov, commitSha, parents: parent ? [parent] : [], files: fileList, flags: opts.flags });
      parent = commitSha;
      const up = await postUpload(server, body, `storage-${c}`);
      await waitProcessed(server, up.id, { intervalMs: 50 });
      const expected = coreTotals([lcov]);
      const got = await getJson(server, totalsPath(server, commitSha));
      const exact = got.status === 200 && sameTotals(got.body.totals, expected);
      if (!exact) {
        mismatches++;
        log(`storage: commit ${c} totals differ from core: server ${JSON.stringify(got.body)} core ${JSON.stringify(expected)}`);
      }
      const s = await server.storage();
      snapshots.push({ commit: c, changedFiles: changed.length, bodyBytes: body.length, totalsExact: exact, ...s });
      if (c === 0 || (c + 1) % 10 === 0 || c === opts.commits - 1) {
        log(`storage ${opts.backend} commit ${c + 1}/${opts.commits}: ${PREFIXES.map((p) => `${p} ${round((s.blobs[p]?.bytes ?? 0) / 1e6, 2)} MB`).join(', ')}, db ${round(s.database.bytes / 1e6, 2)} MB, load ${load().join(' ')}`);
      }
    }
    let final = null;
    if (!opts.server) {
      await server.stop();
      // SQLite checkpoints its WAL into the file on close: the file alone is then the database.
      if (server.backend === 'sqlite') final = await server.storage();
    }
    return summarize(opts, changes, snapshots, final, mismatches, server.logs);
  } finally {
    if (!opts.server) await server.destroy();
  }
}

function summarize(opts, changes, snaps, finalAfterStop, mismatches, logs) {
  const first = snaps[0];
  const last = snaps[snaps.length - 1];
  const n = snaps.length - 1;
  const bytes = (s, p) => s.blobs[p]?.bytes ?? 0;
  const alloc = (s, p) => s.blobs[p]?.allocated ?? 0;
  const files = (s, p) => s.blobs[p]?.files ?? 0;
  const byPrefix = {};
  for (const p of PREFIXES) {
    byPrefix[p] = {
      firstCommitBytes: bytes(first, p),
      totalBytes: bytes(last, p),
      totalAllocated: alloc(last, p),
      blobs: files(last, p),
      perCommitBytes: n > 0 ? round((bytes(last, p) - bytes(first, p)) / n) : null,
      perCommitAllocated: n > 0 ? round((alloc(last, p) - alloc(first, p)) / n) : null,
      perCommitBlobs: n > 0 ? round((files(last, p) - files(first, p)) / n, 2) : null,
    };
  }
  // New blobs per commit, commit by commit: one pack (the changed files) and one manifest when an
  // upload is a commit's only one (its manifest is the commit's).
  const newBlobs = (p) => snaps.slice(1).map((s, i) => files(s, p) - files(snaps[i], p));
  const range = (xs) => (xs.length === 0 ? null : { min: Math.min(...xs), max: Math.max(...xs) });
  const derivedOf = (s) => DERIVED.reduce((sum, p) => sum + bytes(s, p), 0);
  const derivedFirst = derivedOf(first);
  const derivedPerCommit = n > 0 ? (derivedOf(last) - derivedFirst) / n : null;
  const dbPerCommit = n > 0 ? (last.database.bytes - first.database.bytes) / n : null;
  return {
    files: opts.files,
    lines: opts.lines,
    commits: snaps.length,
    changesPerCommit: changes,
    flags: opts.flags ?? [],
    uploadBodyBytes: round(snaps.reduce((s, x) => s + x.bodyBytes, 0) / snaps.length),
    totalsExact: mismatches === 0,
    totalsMismatches: mismatches,
    byPrefix,
    newBlobsPerCommit: { packs: range(newBlobs('packs')), manifests: range(newBlobs('manifests')) },
    derived: {
      // Everything but raw/ (which expires): what keeping the commit's report costs.
      firstCommitBytes: derivedFirst,
      perCommitBytes: derivedPerCommit === null ? null : round(derivedPerCommit),
      perCommitShareOfFirst: derivedPerCommit === null ? null : round(derivedPerCommit / derivedFirst, 4),
      changedShare: round(changes / opts.files, 4),
    },
    database: {
      first: first.database,
      last: last.database,
      perCommitBytes: dbPerCommit === null ? null : round(dbPerCommit),
      afterStop: finalAfterStop?.database ?? null,
    },
    serverLogLines: logs.length,
    serverLogSample: logs.slice(0, 5).map((l) => l.line.slice(0, 400)),
    snapshots: snaps.map((s) => ({ commit: s.commit, totalsExact: s.totalsExact, blobs: s.blobs, database: s.database })),
  };
}
