// Deterministic LCOV reports and upload envelopes for the server benchmarks, built on the parser
// benchmarks' synthetic repository (bench/generate/repo.mjs) and LCOV writer (bench/generate/lcov.mjs).
import { gzipSync } from 'node:zlib';
import lcovWriter from '../../generate/lcov.mjs';
import { mix, rng } from '../../generate/prng.mjs';
import { Repository } from '../../generate/repo.mjs';

export const DEFAULT_SEED = 20261127;

/** Files of the repository that carry no coverage but are in `git ls-files` (the envelope's file list). */
const OTHER_FILES = ['README.md', 'package.json', '.gitignore', 'docs/index.md', 'Makefile'];

/**
 * A synthetic repository whose coverage evolves commit by commit: every file has a version (0 at
 * the start); `advance` gives `changes` distinct files a new version, and a file of version v > 0 is
 * the generator's file with about 10% of its line hits re-drawn from a stream of its own (i, v), and
 * its first line's count moved by v, so a new version always differs from every earlier one.
 */
export class EvolvingRepository {
  /** @param {{files: number, lines: number, seed?: number}} spec */
  constructor(spec) {
    this.seed = (spec.seed ?? DEFAULT_SEED) >>> 0;
    this.repo = new Repository({ files: spec.files, lines: spec.lines, seed: this.seed });
    this.versions = new Int32Array(spec.files);
  }

  get files() {
    return this.repo.files;
  }

  /** Commit `commit` (1, 2, ...) changes the coverage of `changes` distinct files; returns their indices. */
  advance(commit, changes) {
    const r = rng(mix(this.seed, commit, 0xc0_1111));
    const picked = new Set();
    const n = Math.min(changes, this.files);
    while (picked.size < n) picked.add(r.int(0, this.files - 1));
    for (const i of picked) this.versions[i]++;
    return [...picked];
  }

  path(i) {
    const l = this.repo.location(i);
    return `${l.dir.join('/')}/${l.stem}.c`;
  }

  /** The repository file list (`git ls-files`): every covered file plus a few without coverage. */
  fileList() {
    const out = [...OTHER_FILES];
    for (const i of this.repo.order) out.push(this.path(i));
    return out;
  }

  file(i) {
    const f = this.repo.file(i);
    const v = this.versions[i];
    if (v > 0) perturb(f, rng(mix(this.seed, i, v, 0x7e57)), v);
    return f;
  }

  *allFiles() {
    for (const i of this.repo.order) yield this.file(i);
  }

  /** The whole repository's coverage at the current versions, as LCOV text. */
  lcov() {
    return writeLcov(() => this.allFiles());
  }

  /** Shard s of 20 (bench/generate/repo.mjs: home shard plus ~5% shared files with fewer hits), as LCOV. */
  shardLcov(s) {
    return writeLcov(() => this.repo.shardFiles(s));
  }
}

function perturb(f, r, v) {
  const byLine = new Map();
  for (let k = 0; k < f.hits.length; k++) {
    if (r.chance(0.1)) f.hits[k] = r.chance(0.3) ? 0 : r.count(5000);
    byLine.set(f.lines[k], k);
  }
  f.hits[0] += v;
  // Branches follow their line's new count, as a real run would report them.
  for (const b of f.branches) {
    const h = f.hits[byLine.get(b.line)];
    b.executed = h > 0;
    b.taken = b.taken.map((_, o) => (h === 0 ? 0 : Math.max(1, Math.floor(h / (o + 1)))));
  }
}

function writeLcov(files) {
  const chunks = [];
  lcovWriter.write({ s: (t) => chunks.push(t) }, files);
  return chunks.join('');
}

/** A 40-hex commit sha, deterministic per (label, n). */
export function sha(label, n) {
  const r = rng(mix(DEFAULT_SEED, n, [...label].reduce((h, c) => mix(h, c.charCodeAt(0)), 7)));
  return r.hex(40);
}

/**
 * The gzip upload body (docs/server.md "Uploading"): one LCOV report, the repository file list,
 * commit on `main`, and a CI job identity so re-runs would replace, and distinct jobs add up.
 */
export function envelopeBody({ lcov, commitSha, parents = [], files, jobId = 'bench', buildId = commitSha.slice(0, 12), flags, name = 'lcov.info' }) {
  const envelope = {
    version: 1,
    commit: { sha: commitSha, branch: 'main', parents },
    uploader: { name: 'coverwatch-bench', version: '0' },
    ci: { provider: 'local', buildId, jobId },
    ...(flags !== undefined ? { flags } : {}),
    ...(files !== undefined ? { files } : {}),
    reports: [{ name, format: 'lcov', data: Buffer.from(lcov, 'utf8').toString('base64') }],
  };
  const json = JSON.stringify(envelope);
  return { body: gzipSync(json), decompressedBytes: Buffer.byteLength(json) };
}
