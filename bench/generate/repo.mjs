// One synthetic repository, described by (files, lines, seed). Nothing is held in memory but the
// per-file line counts: each file's coverage is regenerated on demand from its own seeded stream,
// so a 5M-line report can be written by any number of writers without ever being materialized.
import { mix, rng } from './prng.mjs';

/** Sizes from the product issue: instrumented lines (lines with coverage data), spread over files. */
export const SIZES = Object.freeze({
  '1k': { files: 1_000, lines: 100_000 },
  '10k': { files: 10_000, lines: 1_000_000 },
  '50k': { files: 50_000, lines: 5_000_000 },
});

export const SHARDS = 20;
/** Besides its home shard, a file shows up in another shard with this probability (shared code). */
const SHARED_PROBABILITY = 0.05;

const TOPS = ['src', 'lib', 'packages/api/src', 'packages/web/src', 'services/billing', 'services/search', 'tools', 'internal'];
const MODULES = ['auth', 'cache', 'config', 'core', 'db', 'events', 'http', 'io', 'jobs', 'log', 'metrics', 'net', 'orders', 'parser', 'queue', 'render', 'rpc', 'search', 'session', 'storage', 'sync', 'ui', 'users', 'util'];
const SUBS = ['handlers', 'models', 'views', 'adapters', 'common', 'impl', 'codec', 'client', 'server', 'testing', 'v1', 'v2'];
const STEMS = ['account', 'builder', 'buffer', 'channel', 'context', 'decoder', 'encoder', 'factory', 'filter', 'helper', 'index', 'loader', 'manager', 'mapper', 'parser', 'policy', 'pool', 'reader', 'registry', 'resolver', 'router', 'scanner', 'service', 'store', 'stream', 'table', 'token', 'validator', 'writer'];
const VERBS = ['get', 'set', 'build', 'parse', 'load', 'save', 'check', 'handle', 'make', 'find', 'update', 'render', 'resolve', 'flush', 'apply'];
const NOUNS = ['Value', 'Item', 'Node', 'Entry', 'Config', 'Request', 'Response', 'Token', 'Buffer', 'State', 'Record', 'Index', 'Key', 'Path'];

export class Repository {
  /** @param {{files: number, lines: number, seed: number}} spec */
  constructor(spec) {
    this.files = spec.files;
    this.lines = spec.lines;
    this.seed = spec.seed >>> 0;
    // Per-file instrumented line counts: uneven (about 20..180), summing exactly to `lines`.
    const r = rng(mix(this.seed, 0xc0ffee));
    const weights = new Float64Array(this.files);
    let sum = 0;
    for (let i = 0; i < this.files; i++) {
      weights[i] = 0.2 + 1.6 * r.next();
      sum += weights[i];
    }
    this.counts = new Int32Array(this.files);
    let total = 0;
    for (let i = 0; i < this.files; i++) {
      this.counts[i] = Math.max(1, Math.floor((weights[i] / sum) * this.lines));
      total += this.counts[i];
    }
    for (let i = 0; total < this.lines; i = (i + 1) % this.files, total++) this.counts[i]++;
    for (let i = 0; total > this.lines; i = (i + 1) % this.files) {
      if (this.counts[i] > 1) {
        this.counts[i]--;
        total--;
      }
    }
    // Reports list files grouped by directory, in path order, as coverage tools do.
    const keys = Array.from({ length: this.files }, (_, i) => {
      const l = this.location(i);
      return `${l.dir.join('/')}/${l.stem}`;
    });
    this.order = Int32Array.from(keys.keys()).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  }

  /** Where file i lives: directory segments and a stem; each writer adds its language's extension. */
  location(i) {
    const r = rng(mix(this.seed, i, 0x9a7));
    const dir = [r.pick(TOPS), r.pick(MODULES)];
    if (r.chance(0.6)) dir.push(r.pick(SUBS));
    // Every file has a unique stem thanks to its index, so paths never collide.
    return { dir, stem: `${r.pick(STEMS)}_${i}` };
  }

  /**
   * The full coverage of file i. Columns (parallel arrays, ascending line numbers):
   * - lines/hits: instrumented line numbers and their execution counts;
   * - stmts: statements per line (1 or 2) and cols: the first statement's column;
   * - fns: functions {name, line, endLine, hits}, each starting on an instrumented line;
   * - branches: branch points {line, block, taken: number[]} (2 outcomes, or 3-4 for a switch);
   *   `executed` is false when the line never ran (lcov writes `-` then).
   * `length` is the number of physical lines of the source file (instrumented or not).
   */
  file(i) {
    const n = this.counts[i];
    const r = rng(mix(this.seed, i, 0xf11e));
    const lines = new Int32Array(n);
    const hits = new Float64Array(n);
    const stmts = new Uint8Array(n);
    const cols = new Uint8Array(n);
    const fns = [];
    const branches = [];
    let line = r.int(1, 12);
    let k = 0;
    let fnIndex = 0;
    let block = 0;
    while (k < n) {
      const size = Math.min(n - k, r.int(3, 24));
      const fnHits = r.chance(0.12) ? 0 : r.count(5000);
      const first = k;
      for (let j = 0; j < size; j++, k++) {
        lines[k] = line;
        cols[k] = j === 0 ? 0 : 2 * r.int(1, 6);
        stmts[k] = r.chance(0.1) ? 2 : 1;
        let h = 0;
        if (fnHits > 0 && (j === 0 || !r.chance(0.08))) h = r.chance(0.25) ? fnHits * r.int(2, 20) : fnHits;
        hits[k] = h;
        if (j > 0 && r.chance(0.15)) {
          const outcomes = r.chance(0.8) ? 2 : r.int(3, 4);
          const taken = new Array(outcomes);
          for (let o = 0; o < outcomes; o++) taken[o] = h === 0 || r.chance(0.25) ? 0 : Math.max(1, Math.floor(h / (o + 1)));
          branches.push({ line, block: block++, taken, executed: h > 0 });
        }
        line += r.chance(0.35) ? r.int(2, 5) : 1;
      }
      fns.push({ name: `${r.pick(VERBS)}${r.pick(NOUNS)}${fnIndex++}`, line: lines[first], endLine: lines[k - 1] + 1, hits: fnHits });
      line += r.int(1, 3);
    }
    const loc = this.location(i);
    return { index: i, dir: loc.dir, stem: loc.stem, lines, hits, stmts, cols, fns, branches, length: line + 1 };
  }

  *allFiles() {
    for (const i of this.order) yield this.file(i);
  }

  /** Whether file i is part of shard s (its home shard, or shared code another shard's tests touch). */
  inShard(i, s) {
    if (i % SHARDS === s) return true;
    return mix(this.seed, i, s, 0x5a4d) / 4294967296 < SHARED_PROBABILITY;
  }

  /**
   * Shard s of a CI run split in SHARDS: the files its tests touched, with that shard's counts. In
   * the home shard a file has its full counts; elsewhere, about half the executed lines ran, fewer times.
   */
  *shardFiles(s) {
    for (const i of this.order) {
      if (!this.inShard(i, s)) continue;
      const f = this.file(i);
      if (i % SHARDS !== s) {
        const r = rng(mix(this.seed, i, s, 0x51));
        const scale = (h) => (h === 0 || r.chance(0.5) ? 0 : Math.max(1, Math.floor(h / 10)));
        for (let k = 0; k < f.hits.length; k++) f.hits[k] = scale(f.hits[k]);
        for (const fn of f.fns) fn.hits = scale(fn.hits);
        for (const b of f.branches) {
          b.taken = b.taken.map(scale);
          b.executed = b.executed && b.taken.some((t) => t > 0);
        }
      }
      yield f;
    }
  }

}

/** Totals of one file as the generator knows them. */
export function fileStats(f) {
  const t = { files: 1, lines: f.lines.length, lines_hit: 0, branches: 0, branches_hit: 0, functions: f.fns.length, functions_hit: 0, statements: 0, statements_hit: 0 };
  for (let k = 0; k < f.hits.length; k++) {
    t.statements += f.stmts[k];
    if (f.hits[k] > 0) {
      t.lines_hit++;
      t.statements_hit += f.stmts[k];
    }
  }
  for (const b of f.branches) {
    t.branches += b.taken.length;
    for (const x of b.taken) if (x > 0) t.branches_hit++;
  }
  for (const fn of f.fns) if (fn.hits > 0) t.functions_hit++;
  return t;
}

/** Totals of a sequence of files. */
export function totalsOf(files) {
  const t = { files: 0, lines: 0, lines_hit: 0, branches: 0, branches_hit: 0, functions: 0, functions_hit: 0, statements: 0, statements_hit: 0 };
  for (const f of files) {
    const s = fileStats(f);
    for (const k of Object.keys(t)) t[k] += s[k];
  }
  return t;
}

/** Groups consecutive files of the same directory (files come in path order). */
export function* byDirectory(files) {
  let dir = null;
  let group = [];
  for (const f of files) {
    const d = f.dir.join('/');
    if (d !== dir && group.length > 0) {
      yield { dir, files: group };
      group = [];
    }
    dir = d;
    group.push(f);
  }
  if (group.length > 0) yield { dir, files: group };
}

/** A rate as coverage tools print it: up to 4 decimals, 1 when there is nothing to cover. */
export function rate(hit, total) {
  return total === 0 ? '1' : String(Math.round((hit / total) * 10000) / 10000);
}

