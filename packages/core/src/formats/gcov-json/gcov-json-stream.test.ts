import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../../model/diagnostics.js';
import { DEFAULT_LIMITS, type ParseLimits } from '../../model/limits.js';
import { branchRecords, lineRecords } from '../../model/line-records.js';
import { ReportBuilder } from '../../model/report.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { fixturesDir } from '../../../test/fixtures-dir.js';
import type { ParseOutcome } from '../types.js';
import { createGcovJsonParser } from './parse.js';
import { StagedDiagnostics } from './staged-diagnostics.js';
import { UnitReader } from './unit-reader.js';

const NAME = 'a.gcov.json';

/** Streams `bytes` in chunks of the given sizes (cycled). */
function streamed(bytes: Uint8Array, sizes: readonly number[] = [bytes.length], limits: ParseLimits = DEFAULT_LIMITS): ParseOutcome {
  const p = createGcovJsonParser({ fileName: NAME, limits });
  for (let o = 0, k = 0; o < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    p.write(bytes.subarray(o, o + n));
    o += n;
  }
  return p.end();
}

/**
 * The whole-document reading: each document (its text and report line) parsed whole with
 * JSON.parse, its `files` entries handed to the reader in order, then the rest with `files` emptied.
 */
function whole(docs: readonly (readonly [string, number])[]): ParseOutcome {
  const sink = new DiagnosticSink(NAME);
  const diags = new StagedDiagnostics(sink);
  const report = new ReportBuilder(diags, DEFAULT_LIMITS);
  for (const [text, line] of docs) {
    diags.hold();
    const unit = new UnitReader(report, diags, line);
    const root = JSON.parse(text) as unknown;
    if (root !== null && typeof root === 'object' && !Array.isArray(root)) {
      const o = root as Record<string, unknown>;
      if (Array.isArray(o.files)) {
        o.files.forEach((f: unknown, i) => unit.file(f, i));
        o.files = [];
      }
    }
    unit.finish(root);
    diags.flush(docs.length > 1 ? `document at line ${line}` : 'the document');
  }
  if (docs.length === 0) sink.error('CW_GCOV_JSON_EMPTY', 'the file is empty: expected a gcov JSON object');
  return { status: sink.hasErrors ? 'invalid' : 'ok', report: report.build(), diagnostics: sink.finish() };
}

/** What a parse tells: every file's lines, branches and functions, the diagnostics and the status. */
function summary(out: ParseOutcome) {
  return {
    status: out.status,
    files: out.report.files.map((f) => ({ path: f.path, lines: [...lineRecords(f)], branches: [...branchRecords(f)], functions: f.functions })),
    diagnostics: out.diagnostics,
  };
}

// Generated units: mostly what gcc writes, with a few bad entries, unknown versions and huge counts.
const count = fc.oneof({ weight: 8, arbitrary: fc.nat(5) }, { weight: 1, arbitrary: fc.constant(2 ** 60) });
const branch = fc.oneof(
  { weight: 9, arbitrary: fc.record({ count, throw: fc.boolean(), fallthrough: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, { count: 'x' }, { count: -1 }) },
);
const lineEntry = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      branches: fc.array(branch, { maxLength: 3 }),
      count,
      line_number: fc.integer({ min: 1, max: 30 }),
      unexecuted_block: fc.boolean(),
      function_name: fc.constantFrom('f', 'Foo<int>::inc()'),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, { line_number: 0, count: 1 }, { line_number: 2, count: '1' }, { line_number: 3, count: 1.5 }, { line_number: 2 ** 33, count: 1 }) },
);
const fnEntry = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      blocks: fc.integer({ min: 1, max: 8 }),
      start_line: fc.integer({ min: 1, max: 30 }),
      name: fc.constantFrom('f', '_ZN3FooIiE3incEv', 'operator"" _km'),
      demangled_name: fc.constantFrom('f', 'Foo<int>::inc()', ''),
      execution_count: count,
      end_line: fc.integer({ min: 1, max: 40 }),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('h', { name: 'g' }) },
);
const fileEntry = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record({
      lines: fc.array(lineEntry, { maxLength: 6 }),
      functions: fc.array(fnEntry, { maxLength: 3 }),
      file: fc.constantFrom('a.c', 'src/b.c', 'include/a rather long header name.h', 'src/été "quoted".c', ''),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, { file: 7 }) },
);
const unit = fc
  .record({
    files: fc.array(fileEntry, { maxLength: 4 }),
    version: fc.constantFrom<string | undefined>('1', '1', '2', '99', undefined),
    versionFirst: fc.boolean(),
  })
  .map(({ files, version, versionFirst }) => {
    const u: Record<string, unknown> = { gcc_version: '12.2.0' };
    if (versionFirst) u.format_version = version;
    u.files = files;
    if (!versionFirst) u.format_version = version;
    u.data_file = 'a.gcda';
    return u;
  });
const sizes = fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 });

/** Documents one per line (as `gcov --stdout` writes them), with the separators and edges a file may have. */
const input = fc
  .record({
    units: fc.array(unit, { minLength: 1, maxLength: 4 }),
    gap: fc.constantFrom('\n', '\r\n', '\n\n', '\n  \n\t'),
    bom: fc.boolean(),
    tail: fc.constantFrom('', '\n', '\n\n '),
  })
  .map(({ units, gap, bom, tail }) => {
    const texts = units.map((u) => JSON.stringify(u));
    // A document starts on the line after the newline that ends the one before (blank lines after it are its own).
    const gapLines = gap.split('\n').length - 1;
    const docs = texts.map((t, i) => [t, i === 0 ? 1 : 2 + (i - 1) * gapLines] as const);
    return { text: (bom ? '\uFEFF' : '') + texts.join(gap) + tail, docs };
  });

describe('gcov-json streaming', () => {
  it('gives the whole-document reading at any chunk split, documents one per line', () => {
    fc.assert(
      fc.property(input, sizes, ({ text, docs }, split) => {
        expect(summary(streamed(encodeUtf8(text), split))).toEqual(summary(whole(docs)));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the whole-document reading of a pretty-printed document at any chunk split', () => {
    fc.assert(
      fc.property(unit, sizes, (u, split) => {
        const text = JSON.stringify(u, null, 2);
        expect(summary(streamed(encodeUtf8(text), split))).toEqual(summary(whole([[text, 1]])));
      }),
      { numRuns: 100 },
    );
  });

  it('gives the whole-document reading of the real gcov output at any chunk split', () => {
    const dir = path.join(fixturesDir(), 'c-cjson-gcov-json-lib');
    for (const n of ['cJSON.c.gcov.json', 'cJSON_Utils.c.gcov.json']) {
      for (const bytes of [readFileSync(path.join(dir, n)), gunzipSync(readFileSync(path.join(dir, `${n}.gz`)))]) {
        const text = bytes.toString('utf8').replace(/\n+$/, '');
        const expected = summary(whole([[text, 1]]));
        expect(expected.files.length).toBeGreaterThan(0);
        // Both twins of one unit in one file: two documents.
        const two = encodeUtf8(`${text}\n${text}\n`);
        const expectedTwo = summary(whole([[text, 1], [text, 2]]));
        fc.assert(
          fc.property(sizes, fc.integer({ min: 1, max: 70_000 }), (split, big) => {
            expect(summary(streamed(bytes, [...split, big]))).toEqual(expected);
            expect(summary(streamed(two, [big, ...split]))).toEqual(expectedTwo);
          }),
          { numRuns: 10 },
        );
      }
    }
  });

  it('limits each file entry and the rest of each document, not the input', () => {
    const doc = (f: string) => JSON.stringify({ format_version: '1', files: [{ file: f, lines: [{ line_number: 1, count: 1, branches: [] }], functions: [] }] });
    const text = encodeUtf8(Array.from({ length: 20 }, (_, i) => doc(`f${i}.c`)).join('\n'));
    const limits = { ...DEFAULT_LIMITS, maxDocumentBytes: 200 };
    expect(text.length).toBeGreaterThan(10 * limits.maxDocumentBytes);
    const out = streamed(text, [64], limits);
    expect(out.diagnostics).toEqual([]);
    expect(out.report.files).toHaveLength(20);
    const big = streamed(encodeUtf8(doc('x'.repeat(300))), [64], limits);
    expect(big.status).toBe('invalid');
    expect(big.diagnostics.map((d) => d.code)).toEqual(['CW_DOCUMENT_TOO_LARGE']);
  });
});

describe('gcov-json streaming diagnostics', () => {
  const good = JSON.stringify({ format_version: '1', files: [{ file: 'a.c', lines: [{ line_number: 1, count: 1, branches: [] }], functions: [] }] });

  it('names the file and the line of a syntax error inside a files entry, and reads the other documents', () => {
    const bad = '{"format_version": "1", "files": [{"file": "b.c", "lines": [{"line_number": 1 "count": 1}]}]}';
    for (const split of [[1], [7], [1 << 20]]) {
      const out = streamed(encodeUtf8(`${good}\n${bad}\n${good.replace('a.c', 'c.c')}\n`), split);
      expect(out.status).toBe('invalid');
      expect(out.diagnostics).toEqual([expect.objectContaining({ code: 'CW_JSON_SYNTAX', file: NAME, line: 2 })]);
      expect(out.report.files.map((f) => f.path)).toEqual(['a.c', 'c.c']);
    }
  });

  it('names the line of a syntax error outside the files entries, in a pretty-printed document too', () => {
    const rest = streamed(encodeUtf8(`${good}\n${good}\n{"files": [], "format_version": }\n`), [5]);
    expect(rest.diagnostics).toEqual([expect.objectContaining({ code: 'CW_JSON_SYNTAX', file: NAME, line: 3 })]);
    const pretty = JSON.stringify(JSON.parse(good), null, 2).split('\n');
    // The first line entry's "count" member broken, inside the streamed files entry.
    const at = pretty.findIndex((l) => l.includes('"count"'));
    pretty[at] = pretty[at]!.replace(': 1', ': 1 1');
    const out = streamed(encodeUtf8(pretty.join('\n')), [3]);
    expect(out.diagnostics).toEqual([expect.objectContaining({ code: 'CW_JSON_SYNTAX', file: NAME, line: at + 1 })]);
  });

  it('says per document which one a problem is in, and says problems of the whole document first', () => {
    // gcc's hash order may put format_version after files: its warning still comes first.
    const a = '{"files": [{"file": "a.c", "lines": [null], "functions": []}], "format_version": "99"}';
    const b = '{"format_version": "1", "files": [7]}';
    const several = streamed(encodeUtf8(`${a}\n\n${b}\n`), [3]);
    expect(several.diagnostics.map((d) => [d.code, d.line, d.message.split(':')[0]])).toEqual([
      ['CW_GCOV_JSON_VERSION', 1, 'document at line 1'],
      ['CW_GCOV_JSON_LINE', 1, 'document at line 1'],
      ['CW_GCOV_JSON_FILE', 2, 'document at line 2'],
    ]);
    const one = streamed(encodeUtf8(a), [3]);
    expect(one.diagnostics.map((d) => [d.code, d.message.split(':')[0]])).toEqual([
      ['CW_GCOV_JSON_VERSION', 'the document'],
      ['CW_GCOV_JSON_LINE', 'the document'],
    ]);
  });
});
