import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../model/diagnostics.js';
import { JsonItemStream } from './json-item-stream.js';

const enc = new TextEncoder();

/** Streams `text` in chunks of the given sizes (cycled); returns the items (with their keys, for objects), the rest and the diagnostics. */
function stream(text: string, sizes: readonly number[] = [1 << 20], key: string | null = 'files', kind: 'array' | 'object' = 'array') {
  const sink = new DiagnosticSink('r.json');
  const items: unknown[] = [];
  const s = new JsonItemStream(
    sink,
    1 << 20,
    key,
    (v, i, k) => {
      expect(i).toBe(items.length);
      items.push(kind === 'object' ? [k, v] : v);
    },
    kind,
  );
  const bytes = enc.encode(text);
  for (let o = 0, k = 0; o < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    s.write(bytes.subarray(o, o + n));
    o += n;
  }
  const rest = s.end();
  return { items, rest, diagnostics: sink.finish() };
}

/** What JSON.parse gives: the array's elements, and the document with the array emptied. */
function reference(text: string, key = 'files') {
  const root = JSON.parse(text) as Record<string, unknown>;
  const items = root !== null && typeof root === 'object' && !Array.isArray(root) && Array.isArray(root[key]) ? (root[key] as unknown[]) : [];
  const rest = items.length > 0 || (root !== null && typeof root === 'object' && Array.isArray(root[key])) ? { ...root, [key]: [] } : root;
  return { items, rest };
}

describe('JsonItemStream', () => {
  it('hands each element of the array over as it completes, and the rest with the array emptied, for any chunking', () => {
    const doc = fc.record({
      before: fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== 'files'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      files: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }),
      after: fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== 'files'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      pretty: fc.boolean(),
    });
    fc.assert(
      fc.property(doc, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), ({ before, files, after, pretty }, sizes) => {
        const text = JSON.stringify({ ...before, files, ...after }, null, pretty ? 2 : undefined);
        const got = stream(text, sizes);
        const want = reference(text);
        expect(got.diagnostics).toEqual([]);
        expect(got.items).toEqual(want.items);
        expect(got.rest).toEqual(want.rest);
      }),
      { numRuns: 300 },
    );
  });

  it('an object container: each member with its key, in document order; the rest with the object emptied', () => {
    const doc = fc.record({
      files: fc.dictionary(fc.string({ maxLength: 8 }).map((k) => `k${k}`), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
      meta: fc.jsonValue({ maxDepth: 2 }),
      pretty: fc.boolean(),
    });
    fc.assert(
      fc.property(doc, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), ({ files, meta, pretty }, sizes) => {
        const text = JSON.stringify({ meta, files }, null, pretty ? 2 : undefined);
        const got = stream(text, sizes, 'files', 'object');
        expect(got.diagnostics).toEqual([]);
        expect(got.items).toEqual(Object.entries(JSON.parse(text).files));
        expect(got.rest).toEqual({ meta: JSON.parse(text).meta, files: {} });
      }),
      { numRuns: 200 },
    );
    // An array under the key is not streamed in object mode (nor an object in array mode).
    expect(stream('{"files": [1]}', [4], 'files', 'object')).toMatchObject({ items: [], rest: { files: [1] } });
    expect(stream('{"files": {"a": 1}}', [4])).toMatchObject({ items: [], rest: { files: { a: 1 } } });
    expect(stream('{\n"files": {\n"a": 1,\n"b" 2}}', [3], 'files', 'object').diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_JSON_SYNTAX', 4]]);
  });

  it('the root object itself (key null): each top-level member with its key; nothing from a root array', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ maxLength: 8 }).map((k) => `k${k}`), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        (map, sizes) => {
          const text = JSON.stringify(map, null, 1);
          const got = stream(text, sizes, null, 'object');
          expect(got.diagnostics).toEqual([]);
          // Against what JSON.parse reads back (JSON has no -0, for one).
          expect(got.items).toEqual(Object.entries(JSON.parse(text) as object));
          expect(got.rest).toEqual({});
        },
      ),
      { numRuns: 200 },
    );
    expect(stream('[1, 2]', [1], null, 'object')).toMatchObject({ items: [], rest: [1, 2] });
    expect(stream('{"a": 1,\n"b":}', [2], null, 'object').diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_JSON_SYNTAX', 2]]);
  });

  it('streams nothing from other shapes: the key nested, not an array, a root array, a scalar; keys with escapes match', () => {
    for (const text of ['{"a": {"files": [1, 2]}}', '{"files": {"x": 1}}', '[{"files": [1]}]', '"files"', '{"files": 3, "other": [1]}']) {
      const got = stream(text);
      expect(got.items, text).toEqual([]);
      expect(got.rest, text).toEqual(JSON.parse(text));
    }
    expect(stream('{"fi\\u006ces": [1, "]", {"a": "\\"]"}]}')).toMatchObject({ items: [1, ']', { a: '"]' }], rest: { files: [] } });
    expect(stream('\ufeff{"files": [1]}')).toMatchObject({ items: [], rest: { files: [1] } });
    // Only the first array of that name streams (JSON.parse would keep the last; both are read).
    expect(stream('{"files": [1], "files": [2]}')).toMatchObject({ items: [1], rest: { files: [2] } });
  });

  it('a syntax error is reported on its line of the document, in an element, between elements or in the rest', () => {
    const cases: [string, number][] = [
      ['{\n"files": [\n{"a": 1},\n{"a": 2,}\n]\n}', 4],
      ['{\n"files": [\n1,\n,\n2]\n}', 4],
      ['{\n"files": [\n1,\n2,\n]\n}', 5],
      ['{\n"files": [\n1\n2]\n}', 4],
      ['{\n"files": [\n{"a":\n1}\n],\n"x": 1 2\n}', 6],
      ['{"files": [1, 2', 1],
      ['', 1],
    ];
    for (const [text, line] of cases) {
      const got = stream(text, [3]);
      expect(got.rest, text).toBeUndefined();
      expect(got.diagnostics.map((d) => [d.code, d.line]), text).toEqual([['CW_JSON_SYNTAX', line]]);
    }
  });

  it('memory follows the largest element and the rest, not the document: over the limit only when one of them is', () => {
    const sink = new DiagnosticSink('r.json');
    let n = 0;
    const s = new JsonItemStream(sink, 4096, 'files', () => n++);
    s.write(enc.encode('{"files": ['));
    const element = enc.encode(`{"name": "${'x'.repeat(1000)}"},`);
    for (let i = 0; i < 5000; i++) s.write(element);
    s.write(enc.encode('{"name": "last"}]}'));
    expect(s.end()).toEqual({ files: [] });
    expect(n).toBe(5001);
    const big = new JsonItemStream(sink, 4096, 'files', () => n++);
    big.write(enc.encode(`{"files": [{"name": "${'y'.repeat(5000)}"}]}`));
    expect(big.end()).toBeUndefined();
    expect(sink.finish().map((d) => d.code)).toEqual(['CW_DOCUMENT_TOO_LARGE']);
  });
});
