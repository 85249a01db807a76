// Writes the synthetic repository in every format, cached by (format, size, seed).
// As a command: node bench/generate/index.mjs [--size 1k|10k|50k] [--formats a,b] [--seed N] [--shards]
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import clover from './clover.mjs';
import cobertura from './cobertura.mjs';
import coveragepyJson from './coveragepy-json.mjs';
import coveralls from './coveralls.mjs';
import gcovJson from './gcov-json.mjs';
import gcovText from './gcov-text.mjs';
import gcovrJson from './gcovr-json.mjs';
import goCoverprofile from './go-coverprofile.mjs';
import istanbulJson from './istanbul-json.mjs';
import jacoco from './jacoco.mjs';
import lcov from './lcov.mjs';
import llvmCovJson from './llvm-cov-json.mjs';
import opencover from './opencover.mjs';
import { Repository, SHARDS, SIZES, totalsOf } from './repo.mjs';
import { Sink } from './sink.mjs';
import simplecovResultset from './simplecov-resultset.mjs';
import sonarqubeGeneric from './sonarqube-generic.mjs';

/** Bump when a writer or the repository model changes: cached inputs are then rewritten. */
export const GENERATOR_VERSION = 1;
export const DEFAULT_SEED = 20261127;

/** One writer per format id of packages/core/src/formats/types.ts, in that order. */
export const WRITERS = [
  lcov, cobertura, jacoco, clover, istanbulJson, goCoverprofile, coveragepyJson, gcovJson, gcovText,
  llvmCovJson, simplecovResultset, opencover, coveralls, gcovrJson, sonarqubeGeneric,
];

const here = dirname(fileURLToPath(import.meta.url));
export const OUT = join(here, '..', 'out');
export const DATA = join(OUT, 'data');

const repos = new Map();
function repository(size, seed) {
  const key = `${size}:${seed}`;
  if (!repos.has(key)) repos.set(key, new Repository({ ...SIZES[size], seed }));
  return repos.get(key);
}

function writerById(id) {
  const w = WRITERS.find((x) => x.id === id);
  if (w === undefined) throw new Error(`no generator for format "${id}"; known: ${WRITERS.map((x) => x.id).join(', ')}`);
  return w;
}

function writeOne(writer, path, files, seed) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const sink = new Sink(tmp);
  writer.write(sink, files, { seed });
  const bytes = sink.close();
  renameSync(tmp, path);
  return bytes;
}

function readManifest(path) {
  if (!existsSync(path)) return null;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8'));
    if (m.version !== GENERATOR_VERSION) return null;
    const all = [m.file, ...(m.shards ?? [])];
    for (const f of all) if (!existsSync(join(dirname(path), f.path)) || statSync(join(dirname(path), f.path)).size !== f.bytes) return null;
    return m;
  } catch {
    return null;
  }
}

/**
 * The input files of one format at one size: `{ file: {path, bytes}, shards?: [{path, bytes}], expected }`,
 * paths absolute. Generated on first use; later calls reuse the files while GENERATOR_VERSION matches.
 * With `shards`, also the 20 shard reports of the same repository.
 */
export function ensureInputs(format, size, seed = DEFAULT_SEED, { shards = false, log = () => {} } = {}) {
  if (SIZES[size] === undefined) throw new Error(`unknown size "${size}"; known: ${Object.keys(SIZES).join(', ')}`);
  const writer = writerById(format);
  const dir = join(DATA, `${size}-s${seed}`, format);
  const manifestPath = join(dir, 'manifest.json');
  let m = readManifest(manifestPath);
  const repo = repository(size, seed);
  if (m === null) {
    const t0 = performance.now();
    const bytes = writeOne(writer, join(dir, writer.fileName), () => repo.allFiles(), seed);
    const totalsPath = join(DATA, `${size}-s${seed}`, 'totals.json');
    let expected;
    if (existsSync(totalsPath)) expected = JSON.parse(readFileSync(totalsPath, 'utf8'));
    else {
      expected = totalsOf(repo.allFiles());
      writeFileSync(totalsPath, JSON.stringify(expected));
    }
    if (writer.expectedLines) {
      let lines = 0;
      for (const f of repo.allFiles()) lines += writer.expectedLines(f, seed);
      expected = { ...expected, lines, lines_hit: null };
    }
    m = { version: GENERATOR_VERSION, format, size, seed, file: { path: writer.fileName, bytes }, expected };
    writeFileSync(manifestPath, JSON.stringify(m, null, 1));
    log(`generated ${format} ${size}: ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (shards && m.shards === undefined) {
    const t0 = performance.now();
    m.shards = [];
    let total = 0;
    for (let s = 0; s < SHARDS; s++) {
      const rel = join(`shard-${String(s + 1).padStart(2, '0')}`, writer.fileName);
      const bytes = writeOne(writer, join(dir, rel), () => repo.shardFiles(s), seed);
      m.shards.push({ path: rel, bytes });
      total += bytes;
    }
    writeFileSync(manifestPath, JSON.stringify(m, null, 1));
    log(`generated ${format} ${size} x${SHARDS} shards: ${(total / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return {
    file: { path: join(dir, m.file.path), bytes: m.file.bytes },
    shards: m.shards?.map((s) => ({ path: join(dir, s.path), bytes: s.bytes })),
    expected: m.expected,
  };
}

function main(argv) {
  const arg = (name, dflt) => {
    const i = argv.indexOf(name);
    return i < 0 ? dflt : argv[i + 1];
  };
  const sizes = arg('--size', '1k').split(',');
  const formats = arg('--formats', WRITERS.map((w) => w.id).join(',')).split(',');
  const seed = Number(arg('--seed', DEFAULT_SEED));
  for (const size of sizes) {
    for (const f of formats) {
      const r = ensureInputs(f, size, seed, { shards: argv.includes('--shards'), log: console.log });
      console.log(`${f} ${size}: ${r.file.path} (${(r.file.bytes / 1e6).toFixed(1)} MB)`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
