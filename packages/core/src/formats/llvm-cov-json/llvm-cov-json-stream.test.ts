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
import { ExportReader, createLlvmCovJsonParser } from './parse.js';

/** Streams `bytes` in chunks of the given sizes (cycled). */
function streamed(bytes: Uint8Array, sizes: readonly number[]): ParseOutcome {
  const p = createLlvmCovJsonParser({ fileName: 'coverage.json', limits: DEFAULT_LIMITS });
  for (let o = 0, k = 0; o < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    p.write(bytes.subarray(o, o + n));
    o += n;
  }
  return p.end();
}

/**
 * The whole-document reading: JSON.parse of all of it, each entry of `data[].files` and
 * `data[].functions` handed to the reader in document order, then the rest with those lists emptied.
 */
function whole(text: string): ParseOutcome {
  const sink = new DiagnosticSink('coverage.json');
  const reader = new ExportReader(new ReportBuilder(sink, DEFAULT_LIMITS), sink);
  reader.bytes = encodeUtf8(text).length;
  const root = JSON.parse(text) as { data?: unknown };
  if (root !== null && typeof root === 'object' && Array.isArray(root.data)) {
    root.data.forEach((d: unknown, di) => {
      if (d === null || typeof d !== 'object' || Array.isArray(d)) return;
      const o = d as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const list = o[k];
        if ((k !== 'files' && k !== 'functions') || !Array.isArray(list)) continue;
        list.forEach((v: unknown, i) => (k === 'files' ? reader.file(v, di, i) : reader.fn(v, di, i)));
        o[k] = [];
      }
    });
  }
  return { status: 'ok', report: reader.finish(root), diagnostics: sink.finish() };
}

/** What a parse tells: every file's lines, branches and functions, and the diagnostics (cross-check aside). */
function summary(out: ParseOutcome) {
  return {
    files: out.report.files.map((f) => ({ path: f.path, lines: [...lineRecords(f)], branches: [...branchRecords(f)], functions: f.functions })),
    diagnostics: out.diagnostics.filter((d) => d.code !== 'CW_LLVM_COV_SUMMARY_MISMATCH'),
  };
}

const FILES = ['/s/a.c', '/s/b.c', '/s/util.h', '/s/unlisted.c'];
const small = fc.integer({ min: 1, max: 30 });
const region = fc.tuple(small, small, fc.nat(6), small, fc.nat(5), fc.constantFrom(0, 0, 0, 2, 3)).map(([ls, cs, span, ce, count, kind]) => [ls, cs, ls + span, span === 0 ? cs + ce : ce, count, 0, 0, kind]);
const branch = fc.tuple(small, small, fc.nat(3), fc.nat(3)).map(([l, c, t, f]) => [l, c, l, c + 4, t, f, 0, 0, 4]);
const fnRecord = fc.oneof(
  { weight: 9, arbitrary: fc.record({ name: fc.constantFrom('f', 'g', '_Z1hv'), count: fc.nat(4), filenames: fc.constantFrom(...FILES).map((f) => [f]), regions: fc.array(region, { minLength: 1, maxLength: 5 }), branches: fc.array(branch, { maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('x', {}, { name: 'f', count: -1, filenames: ['/s/a.c'], regions: [] }) },
);
const segment = fc.tuple(small, small, fc.nat(3), fc.boolean(), fc.boolean()).map(([l, c, n, has, entry]) => ({ l, c, row: [l, c, n, has, entry, false] }));
const fileEntry = fc.oneof(
  { weight: 9, arbitrary: fc.record({ filename: fc.constantFrom(...FILES.slice(0, 3)), segments: fc.array(segment, { maxLength: 5 }).map((s) => s.sort((a, b) => a.l - b.l || a.c - b.c).map((x) => x.row)), branches: fc.array(branch, { maxLength: 2 }), expansions: fc.constant([]), summary: fc.record({ lines: fc.record({ count: fc.nat(9), covered: fc.nat(9) }) }) }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(3, { segments: [] }) },
);
const exportDoc = fc
  .array(fc.record({ files: fc.array(fileEntry, { maxLength: 4 }), functions: fc.option(fc.array(fnRecord, { maxLength: 8 }), { nil: undefined }), functionsFirst: fc.boolean() }), { minLength: 1, maxLength: 2 })
  .map((data) => ({
    data: data.map(({ files, functions, functionsFirst }) => (functions === undefined ? { files } : functionsFirst ? { functions, files } : { files, functions })),
    type: 'llvm.coverage.json.export',
    version: '2.0.1',
  }));
const chunks = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 4 });

describe('llvm-cov-json streamed', () => {
  it('reads generated exports as the whole-document reading does, whatever the chunking (files or functions first, several exports, bad entries)', () => {
    fc.assert(
      fc.property(exportDoc, chunks, fc.boolean(), (doc, sizes, pretty) => {
        const text = JSON.stringify(doc, null, pretty ? 1 : undefined);
        const got = streamed(encodeUtf8(text), sizes);
        const want = whole(text);
        expect(summary(got)).toEqual(summary(want));
        expect(got.status).toBe(want.diagnostics.some((d) => d.severity === 'error') ? 'invalid' : 'ok');
      }),
      { numRuns: 300 },
    );
  });

  it('reads the real export (cJSON, LLVM 14) as the whole-document reading does, in any chunks', () => {
    const bytes = readFileSync(path.join(fixturesDir(), 'c-cjson-llvm-llvm-cov-json', 'coverage.json'));
    const want = summary(whole(bytes.toString('utf8')));
    expect(want.files).toHaveLength(29);
    expect(want.diagnostics).toEqual([]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300_000 }), { minLength: 1, maxLength: 3 }), (sizes) => {
        expect(summary(streamed(bytes, sizes))).toEqual(want);
      }),
      { numRuns: 8 },
    );
  });

  it('agrees with the whole-document reading on mutated exports, or reports a syntax error naming the file and line', () => {
    const base = JSON.stringify(
      { data: [{ files: [{ filename: '/s/a.c', segments: [[1, 5, 2, true, true, false], [3, 2, 0, false, false, false]], branches: [] }], functions: [{ name: 'f', count: 2, filenames: ['/s/a.c'], regions: [[1, 5, 3, 2, 2, 0, 0, 0]], branches: [[2, 3, 2, 9, 1, 0, 0, 0, 4]] }] }], type: 'llvm.coverage.json.export' },
      null,
      1,
    );
    let seed = 5;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = '{}[]",:0123 \n';
    let accepted = 0;
    for (let t = 0; t < 1500; t++) {
      const chars = base.split('');
      for (let k = 1 + rand(2); k > 0; k--) {
        const at = rand(chars.length);
        const op = rand(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
        else chars[at] = alphabet[rand(alphabet.length)]!;
      }
      const text = chars.join('');
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      const got = streamed(encodeUtf8(text), [1 + rand(40)]);
      if (!valid) {
        expect(got.status, text).toBe('invalid');
        const syntax = got.diagnostics.find((d) => d.code === 'CW_JSON_SYNTAX');
        expect(syntax, text).toMatchObject({ file: 'coverage.json' });
        // V8 gives no position for some errors ("Unexpected token '}', ..."): then no line, as for a whole document.
        if (syntax!.line !== undefined) expect(syntax!.line, text).toBeLessThanOrEqual(text.split('\n').length);
        continue;
      }
      accepted++;
      expect(summary(got), text).toEqual(summary(whole(text)));
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('names the line of a broken function record in a pretty-printed export', () => {
    const text = '{"data": [{\n"files": [{"filename": "/s/a.c", "segments": []}],\n"functions": [\n{"name": "f", "count": 1, "filenames": ["/s/a.c"], "regions": [[1, 1, 2, 2, 1, 0, 0, 0]]},\n{"name": "g" "count": 1}\n]}]}';
    const out = streamed(encodeUtf8(text), [7]);
    expect(out.status).toBe('invalid');
    expect(out.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([['CW_JSON_SYNTAX', 'coverage.json', 5]]);
  });
});
