// What-if that chose the manifest design (docs/benchmarks.md, 2026-11-27): per-commit bytes of the
// flat manifest of version 1 (every file's path, blob key and totals, gzip JSON) against (a) a git-tree-like manifest (one
// content-addressed node per directory listing its children's keys and totals) and (b) a delta
// manifest (the entries that differ from the parent commit's, gzip JSON, with a full snapshot every
// --snapshot-every commits so a read applies a bounded number of deltas), on the same
// evolving repository as the storage benchmark. No server: core computes the per-file blob keys and
// totals exactly as the rebuild does (coverwatch-json of the file, SHA-256).
//
//   node bench/server/manifest-what-if.mjs [--files 10000] [--lines 1000000] [--commits 20] [--changes 100] [--snapshot-every 50]
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parseReport, reportTotals, writeReport } from '@coverwatch/core';
import { log, round } from './lib/common.mjs';
import { EvolvingRepository } from './lib/reports.mjs';

function args(argv) {
  const o = { files: 10_000, lines: 1_000_000, commits: 20, changes: null, 'snapshot-every': 50 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in o)) throw new Error(`unknown option ${argv[i]}`);
    o[k] = Number(argv[++i]);
  }
  o.changes ??= Math.max(1, Math.round(o.files / 100));
  return o;
}

const sha = (b) => createHash('sha256').update(b).digest('hex');

/** Per-file key and totals of the commit's report, as the rebuild computes them. */
function entries(lcov) {
  const report = parseReport(Buffer.from(lcov), { fileName: 'lcov.info', format: 'lcov' }).report;
  const { totals, files } = reportTotals(report);
  const out = report.files.map((f) => ({ path: f.path, key: `coverage/${sha(Buffer.from([...writeReport({ files: [f] }, 'json')].join('')))}`, totals: files.get(f.path) }));
  return { totals, files: out };
}

/** Tree nodes (directory -> children), each stored by the hash of its JSON; returns node key -> gzip bytes. */
function treeNodes(files, totals) {
  const dirs = new Map(); // dir path -> Map(name -> entry)
  const ensure = (d) => dirs.get(d) ?? (dirs.set(d, new Map()), dirs.get(d));
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 0; i < parts.length - 1; i++) ensure(parts.slice(0, i).join('/')).set(parts[i], { dir: parts.slice(0, i + 1).join('/') });
    ensure(parts.slice(0, -1).join('/')).set(parts[parts.length - 1], { key: f.key, totals: f.totals });
  }
  const nodes = new Map();
  const write = (d) => {
    const children = [...dirs.get(d)].sort(([a], [b]) => (a < b ? -1 : 1));
    const sum = {};
    const list = children.map(([name, e]) => {
      const child = e.dir !== undefined ? write(e.dir) : { key: e.key, totals: e.totals };
      for (const [k, v] of Object.entries(child.totals)) if (typeof v === 'number') sum[k] = (sum[k] ?? 0) + v;
      return { name, type: e.dir !== undefined ? 'dir' : 'file', key: child.key, totals: child.totals };
    });
    const json = Buffer.from(JSON.stringify({ entries: list }));
    const key = `trees/${sha(json)}`;
    nodes.set(key, gzipSync(json).length);
    return { key, totals: sum };
  };
  const root = write('');
  // The commit's pointer: its totals and the root node's key (a row, or a tiny blob).
  nodes.set(`commit-root-${root.key}`, Buffer.byteLength(JSON.stringify({ totals, root: root.key })));
  return nodes;
}

const o = args(process.argv.slice(2));
const repo = new EvolvingRepository({ files: o.files, lines: o.lines });
const seen = new Set();
const flat = [];
const tree = [];
const delta = [];
let previous = new Map();
for (let c = 0; c < o.commits; c++) {
  if (c > 0) repo.advance(c, o.changes);
  const { totals, files } = entries(repo.lcov());
  flat.push(gzipSync(Buffer.from(JSON.stringify({ version: 1, totals, files }))).length);
  const current = new Map(files.map((f) => [f.path, f]));
  const changed = files.filter((f) => previous.get(f.path)?.key !== f.key);
  const removed = [...previous.keys()].filter((p) => !current.has(p));
  delta.push(gzipSync(Buffer.from(JSON.stringify({ version: 1, parent: 'manifests/<parent key>', totals, files: changed, removed }))).length);
  previous = current;
  let bytes = 0;
  let count = 0;
  for (const [k, b] of treeNodes(files, totals)) {
    if (seen.has(k)) continue;
    seen.add(k);
    bytes += b;
    count++;
  }
  tree.push({ bytes, count });
  log(`commit ${c + 1}: flat manifest ${flat[c]} B; tree: ${count} new nodes, ${bytes} B; delta ${delta[c]} B`);
}
const later = (xs) => xs.slice(1).reduce((s, x) => s + x, 0) / Math.max(1, xs.length - 1);
console.log(`${o.files} files, ${o.lines} lines, ${o.changes} changed per commit, ${o.commits} commits:`);
console.log(`  flat manifest (today): first ${flat[0]} B, per later commit ${round(later(flat))} B`);
console.log(`  tree manifest: first ${tree[0].bytes} B in ${tree[0].count} nodes, per later commit ${round(later(tree.map((t) => t.bytes)))} B in ${round(later(tree.map((t) => t.count)), 1)} new nodes`);
const k = o['snapshot-every'];
console.log(`  delta manifest: per later commit ${round(later(delta))} B, + a full snapshot every ${k} commits: ${round(later(delta) + flat[0] / k)} B per commit amortized`);
