// Streams 1 GiB of hostile-but-valid input through Coverwatch's reader without touching the disk,
// and prints the peak resident memory: the engine must stay bounded (records repeat, so the report
// stays small; memory must not grow with the input). Run: node bench/memory-1gb.mjs [lcov|cobertura|all] [MiB]
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { resourceUsage } from 'node:process';

const which = process.argv[2] ?? 'all';
const mib = Number(process.argv[3] ?? 1024);
const out = fileURLToPath(new URL('./out/core-memory.mjs', import.meta.url));
await build({ entryPoints: [fileURLToPath(new URL('../packages/core/src/index.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
const core = await import(out);

function repeatChunk(unit, size = 1 << 20) {
  const s = unit.repeat(Math.max(1, Math.floor(size / unit.length)));
  return new TextEncoder().encode(s);
}

const inputs = {
  lcov: { head: 'TN:\n', body: repeatChunk('SF:src/a.c\nDA:1,1\nDA:2,0\nBRDA:1,0,0,1\nBRDA:1,0,1,-\nFN:1,main\nFNDA:1,main\nend_of_record\nSF:src/b.c\nDA:7,3\nend_of_record\n'), tail: '' },
  cobertura: {
    head: '<?xml version="1.0" ?>\n<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">\n<coverage version="1"><sources><source>/src</source></sources><packages><package name="p"><classes>\n',
    body: repeatChunk('<class name="a" filename="a.py"><methods/><lines><line number="1" hits="1"/><line number="2" hits="0" branch="true" condition-coverage="50% (1/2)"/></lines></class>\n'),
    tail: '</classes></package></packages></coverage>\n',
  },
};

for (const [name, input] of Object.entries(inputs)) {
  if (which !== 'all' && which !== name) continue;
  const reader = core.createReportReader({ fileName: `${name}-1gb` });
  const t0 = process.hrtime.bigint();
  reader.write(new TextEncoder().encode(input.head));
  let bytes = 0;
  while (bytes < mib * 1024 * 1024) {
    reader.write(input.body);
    bytes += input.body.length;
  }
  reader.write(new TextEncoder().encode(input.tail));
  const r = reader.end();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const totals = core.reportTotals(r.report).totals;
  console.log(`${name}: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${secs.toFixed(1)} s (${(bytes / 2 ** 20 / secs).toFixed(0)} MiB/s), status ${r.status}, ${totals.files} files, ${totals.lines} lines, peak RSS so far ${(resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}
