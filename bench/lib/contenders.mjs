// Every contender the benchmark measures. Node contenders run inside a fresh worker process
// (bench/lib/worker.mjs); `exec` contenders are other programs, timed by the runner.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const CHUNK = 1 << 20;

export const TEXT_FORMATS = ['lcov', 'go-coverprofile', 'gcov-text'];
export const XML_FORMATS = ['cobertura', 'jacoco', 'clover', 'opencover', 'sonarqube-generic'];
export const JSON_FORMATS = ['istanbul-json', 'coveragepy-json', 'gcov-json', 'llvm-cov-json', 'simplecov-resultset', 'coveralls', 'gcovr-json'];

/** Calls fn with each 1 MiB chunk of the file, each in a fresh buffer (a parser may keep it). */
function eachChunk(path, fn) {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      fn(n === CHUNK ? buf : buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

function readText(path) {
  return readFileSync(path, 'utf8');
}

function reportStats(result) {
  let lines = 0;
  let hit = 0;
  for (const f of result.report.files) {
    lines += f.lineNumbers.length;
    for (let i = 0; i < f.lineHits.length; i++) if (f.lineHits[i] > 0) hit++;
  }
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  return {
    status: result.status,
    files: result.report.files.length,
    lines,
    lines_hit: hit,
    diagnostics: result.diagnostics.length,
    firstError: errors[0]?.message ?? null,
  };
}

/**
 * `mode`: 'single' (one report) or 'shards' (the 20 shard reports, parsed and merged).
 * `run(paths, ctx)` returns something to keep alive until timing ends; `stats(value, ctx)` (untimed)
 * summarizes it for the results file.
 */
export const CONTENDERS = [
  {
    id: 'coverwatch',
    title: 'Coverwatch (ours, streamed 1 MiB chunks)',
    ours: true,
    applies: () => true,
    async setup(ctx) {
      ctx.core = await import(ctx.corePath);
    },
    run(paths, ctx) {
      const { createReportReader, mergeReports } = ctx.core;
      const results = paths.map((path) => {
        const reader = createReportReader({ fileName: path, format: ctx.format });
        eachChunk(path, (c) => reader.write(c));
        return reader.end();
      });
      if (ctx.mode === 'single') return results[0];
      const t = performance.now();
      const merged = mergeReports(results.map((r) => r.report));
      ctx.mergeMs = performance.now() - t;
      return { status: results.every((r) => r.status === 'ok') ? 'ok' : 'invalid', report: merged, diagnostics: results.flatMap((r) => r.diagnostics) };
    },
    stats: (value, ctx) => ({ ...reportStats(value), mergeMs: ctx.mergeMs }),
  },
  {
    id: 'read+scan',
    title: 'floor: read the file in 1 MiB chunks and scan every byte once',
    floor: true,
    applies: (format) => !JSON_FORMATS.includes(format),
    run(paths) {
      let newlines = 0;
      for (const path of paths) {
        eachChunk(path, (c) => {
          for (let i = 0; i < c.length; i++) if (c[i] === 10) newlines++;
        });
      }
      return newlines;
    },
    stats: (newlines) => ({ newlines }),
  },
  {
    id: 'read+JSON.parse',
    title: 'floor: read the file, decode UTF-8, JSON.parse',
    floor: true,
    applies: (format) => JSON_FORMATS.includes(format),
    run(paths, ctx) {
      let parseMs = 0;
      const docs = paths.map((path) => {
        const text = new TextDecoder().decode(readFileSync(path));
        const t = performance.now();
        const doc = JSON.parse(text);
        parseMs += performance.now() - t;
        return doc;
      });
      ctx.parseMs = parseMs;
      return docs;
    },
    stats: (_docs, ctx) => ({ jsonParseMs: ctx.parseMs }),
  },
  {
    id: 'lcov-parse',
    title: 'lcov-parse (npm)',
    applies: (format, mode) => format === 'lcov' && mode === 'single',
    setup(ctx) {
      ctx.lib = require('lcov-parse');
    },
    run(paths, ctx) {
      let out;
      // `.source` parses a string; it calls back synchronously.
      ctx.lib.source(readText(paths[0]), (err, data) => {
        if (err) throw new Error(String(err));
        out = data;
      });
      return out;
    },
    stats: (data) => ({ files: data.length, lines: data.reduce((n, f) => n + f.lines.details.length, 0) }),
  },
  {
    id: 'parse-lcov',
    title: 'parse-lcov (npm)',
    applies: (format, mode) => format === 'lcov' && mode === 'single',
    setup(ctx) {
      ctx.lib = require('parse-lcov').default;
    },
    run: (paths, ctx) => ctx.lib(readText(paths[0])),
    stats: (data) => ({ files: data.length, lines: data.reduce((n, f) => n + f.lines.details.length, 0) }),
  },
  {
    id: 'istanbul-lib-coverage',
    title: 'istanbul-lib-coverage (npm): JSON.parse + createCoverageMap (+ merge for shards)',
    applies: (format) => format === 'istanbul-json',
    setup(ctx) {
      ctx.lib = require('istanbul-lib-coverage');
    },
    run(paths, ctx) {
      const map = ctx.lib.createCoverageMap(ctx.mode === 'single' ? JSON.parse(readText(paths[0])) : {});
      if (ctx.mode === 'shards') for (const path of paths) map.merge(JSON.parse(readText(path)));
      return map;
    },
    stats: (map) => {
      const s = map.getCoverageSummary();
      return { files: map.files().length, lines: s.lines.total, lines_hit: s.lines.covered };
    },
  },
  {
    id: 'cobertura-parse',
    title: 'cobertura-parse (npm, xml2js DOM)',
    applies: (format, mode) => format === 'cobertura' && mode === 'single',
    setup(ctx) {
      ctx.lib = require('cobertura-parse');
    },
    run(paths, ctx) {
      return new Promise((resolve, reject) => ctx.lib.parseContent(readText(paths[0]), (err, data) => (err ? reject(err) : resolve(data))));
    },
    stats: (data) => ({ files: data.length, lines: data.reduce((n, f) => n + f.lines.details.length, 0) }),
  },
  {
    id: 'saxes',
    title: 'saxes (npm), streaming, counting elements',
    applies: (format, mode) => XML_FORMATS.includes(format) && mode === 'single',
    setup(ctx) {
      ctx.lib = require('saxes');
    },
    run(paths, ctx) {
      const parser = new ctx.lib.SaxesParser();
      let elements = 0;
      let attributes = 0;
      parser.on('opentag', (tag) => {
        elements++;
        for (const _ in tag.attributes) attributes++;
      });
      parser.on('error', (e) => {
        throw e;
      });
      const decoder = new TextDecoder();
      eachChunk(paths[0], (c) => parser.write(decoder.decode(c, { stream: true })));
      parser.write(decoder.decode());
      parser.close();
      return { elements, attributes };
    },
    stats: (v) => v,
  },
  {
    id: 'fast-xml-parser',
    title: 'fast-xml-parser (npm), whole document to objects',
    applies: (format, mode) => XML_FORMATS.includes(format) && mode === 'single',
    async setup(ctx) {
      ctx.lib = await import('fast-xml-parser');
    },
    run(paths, ctx) {
      const parser = new ctx.lib.XMLParser({ ignoreAttributes: false, processEntities: false });
      return parser.parse(readText(paths[0]));
    },
    stats: (doc) => ({ root: Object.keys(doc).filter((k) => !k.startsWith('?')) }),
  },
  {
    id: 'lcov --summary',
    title: "Debian's lcov 1.16: lcov --summary (branch coverage on)",
    exec: true,
    applies: (format, mode) => format === 'lcov' && mode === 'single',
    command: (paths) => ['lcov', ['--rc', 'lcov_branch_coverage=1', '--summary', paths[0]]],
  },
  {
    id: 'lcov -a (merge)',
    title: "Debian's lcov 1.16: lcov -a shard... -o merged.info (branch coverage on)",
    exec: true,
    applies: (format, mode) => format === 'lcov' && mode === 'shards',
    command: (paths, out) => ['lcov', ['--rc', 'lcov_branch_coverage=1', '-q', ...paths.flatMap((p) => ['-a', p]), '-o', out]],
  },
];
