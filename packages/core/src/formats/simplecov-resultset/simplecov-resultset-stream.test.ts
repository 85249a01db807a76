import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../model/diagnostics.js';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { ReportBuilder } from '../../model/report.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import type { ParseOutcome } from '../types.js';
import { ResultMerger, createSimplecovResultsetParser } from './parse.js';

/** Streams `bytes` in chunks of the given sizes (cycled). */
function streamed(bytes: Uint8Array, sizes: readonly number[]): ParseOutcome {
  const p = createSimplecovResultsetParser({ fileName: '.resultset.json', limits: DEFAULT_LIMITS });
  for (let o = 0, k = 0; o < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    p.write(bytes.subarray(o, o + n));
    o += n;
  }
  return p.end();
}

/** The whole-document reading: JSON.parse of all of it; the merger sees every command's files as they stand. */
function whole(text: string): ParseOutcome {
  const sink = new DiagnosticSink('.resultset.json');
  const report = new ReportBuilder(sink, DEFAULT_LIMITS);
  new ResultMerger().finish(JSON.parse(text), report, sink, DEFAULT_LIMITS.maxLineNumber);
  return { status: 'ok', report: report.build(), diagnostics: sink.finish() };
}

function summary(out: ParseOutcome) {
  return {
    files: out.report.files.map((f) => ({ path: f.path, lines: [...lineRecords(f)], branches: [...branchRecords(f)], functions: f.functions })),
    // Streamed, an entry's problems are said as it is read: the same diagnostics, in another order.
    diagnostics: out.diagnostics.map((d) => JSON.stringify(d)).sort(),
  };
}

const PATHS = ['/app/a.rb', '/app/b.rb', '/app/lib/c.rb'];
const lineValue = fc.oneof(fc.constant(null), fc.nat(3), fc.constant('ignored'), fc.constant<unknown>('x'));
const arms = fc.dictionary(fc.tuple(fc.constantFrom('then', 'else', 'when'), fc.nat(9), fc.integer({ min: 1, max: 8 })).map(([k, id, l]) => `[:${k}, ${id}, ${l}, 2, ${l}, 9]`), fc.oneof(fc.nat(3), fc.constant<unknown>('?')), { maxKeys: 3 });
const fileData = fc.oneof(
  fc.record({ lines: fc.array(lineValue, { maxLength: 8 }), branches: fc.dictionary(fc.tuple(fc.nat(9), fc.integer({ min: 1, max: 8 })).map(([id, l]) => `[:if, ${id}, ${l}, 2, ${l + 1}, 9]`), arms, { maxKeys: 2 }) }, { requiredKeys: ['lines'] }),
  fc.record({ lines: fc.array(lineValue, { maxLength: 8 }), methods: fc.dictionary(fc.integer({ min: 1, max: 8 }).map((l) => `[Foo, :m${l}, ${l}, 2, ${l + 1}, 5]`), fc.nat(3), { maxKeys: 2 }) }),
  fc.array(lineValue, { maxLength: 8 }),
  fc.constant<unknown>(7),
);
const resultset = fc.dictionary(
  fc.constantFrom('RSpec', 'Minitest', 'Cucumber'),
  fc.oneof({ weight: 9, arbitrary: fc.record({ coverage: fc.dictionary(fc.constantFrom(...PATHS), fileData, { maxKeys: 3 }), timestamp: fc.nat() }) }, { weight: 1, arbitrary: fc.constant<unknown>({ coverage: [] }) }),
  { maxKeys: 3 },
);

describe('simplecov-resultset streamed', () => {
  it('reads generated resultsets as the whole-document reading does, whatever the chunking (several commands merged, bad entries)', () => {
    fc.assert(
      fc.property(resultset, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 }), fc.boolean(), (doc, sizes, pretty) => {
        const text = JSON.stringify(doc, null, pretty ? 2 : undefined);
        expect(summary(streamed(encodeUtf8(text), sizes))).toEqual(summary(whole(text)));
      }),
      { numRuns: 300 },
    );
  });

  it('reads the real resultset (mustache) as the whole-document reading does, in any chunks', () => {
    const bytes = readFileSync(path.join(fixturesDir(), 'ruby-mustache-simplecov-resultset', '.resultset.json'));
    const want = summary(whole(bytes.toString('utf8')));
    expect(want.files.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20_000 }), { minLength: 1, maxLength: 3 }), (sizes) => {
        expect(summary(streamed(bytes, sizes))).toEqual(want);
      }),
      { numRuns: 10 },
    );
  });

  it('names the file and line of a syntax error inside a command\'s coverage', () => {
    const text = '{\n  "RSpec": {\n    "coverage": {\n      "/a.rb": {"lines": [1, 0]},\n      "/b.rb": {"lines": [1 0]}\n    },\n    "timestamp": 1\n  }\n}';
    const out = streamed(encodeUtf8(text), [5]);
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([['CW_JSON_SYNTAX', '.resultset.json', 5]]);
  });
});
