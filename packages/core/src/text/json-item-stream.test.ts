import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../model/diagnostics.js';
import { JsonItemStream, type JsonStreamTarget } from './json-item-stream.js';

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

  it('root mode: what JSON.parse accepts gives its entries; what it rejects is an error, never entries and a rest', () => {
    const good = [
      '{}',
      ' \t\r\n{ "a" : 1 , "b":[1,{"c":"}]\\"{"}], "d": "x\\\\", "e": null, "f": true, "g": -1.5e3 } \n',
      '{"z": 1, "10": 2, "2": 3, "01": 4, "4294967295": 5, "__proto__": {"p": 1}, "constructor": 7}',
      '{"\\u0041\\n": 1, "é": "ü", "😀": [1]}',
      '\ufeff{"bom": 1}',
      '[{"a":1}, 2]',
    ];
    for (const text of good) {
      const expected = JSON.parse(text.replace(/^\ufeff/, '')) as object;
      const got = stream(text, [5], null, 'object');
      expect(got.diagnostics, text).toEqual([]);
      // Entries stream (any order: JSON.parse lists index-like keys first), or the whole stays in the rest.
      const entries = got.items.length > 0 ? Object.fromEntries(got.items as [string, unknown][]) : got.rest;
      expect(JSON.stringify(Object.entries(entries as object).sort()), text).toBe(JSON.stringify(Object.entries(expected).sort()));
    }
    const bad = ['', '{', '{"a": 1', '{"a": 1,}', '{"a" 1}', '{"a": 1} x', '{"a": [1, 2}', '{"a": {"b": 1]}', '{"a": tru}', '{"a": 01}', '{"a": "x\ty"}', "{'a': 1}", '{"a": 1}\u000b', '\u000b{"a": 1}', '{"a\\q": 1}', '{"a": 1 2}', '{"a": "}"', '{"a": "\\"}', '{,"a": 1}', '{"a": 1,,"b": 2}'];
    for (const text of bad) {
      expect(() => JSON.parse(text), text).toThrow();
      const got = stream(text, [5], null, 'object');
      expect(got.rest, text).toBeUndefined();
      expect(got.diagnostics.map((d) => d.code), text).toEqual(['CW_JSON_SYNTAX']);
    }
  });

  it('agrees with JSON.parse on mutated documents: the same entries when it accepts them, an error when it rejects them', () => {
    const base = '{"a.js": {"s": {"0": 1, "1": 0}, "m": [{"l": 1}, "}", "\\\\"]}, "b": [1, 2], "c": "q\\"r", "0": null}';
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = '{}[]",:\\ 01aen-';
    const sorted = (pairs: unknown[]) => pairs.map((p) => JSON.stringify(p)).sort();
    let accepted = 0;
    for (let t = 0; t < 3000; t++) {
      const chars = base.split('');
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(chars.length);
        const op = rand(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
        else chars[at] = alphabet[rand(alphabet.length)]!;
      }
      const text = chars.join('');
      let expected: unknown;
      try {
        expected = JSON.parse(text);
      } catch {
        expected = undefined;
      }
      const got = stream(text, [5], null, 'object');
      if (expected === undefined) {
        expect(got.rest, text).toBeUndefined();
        expect(got.diagnostics.map((d) => d.code), text).toContain('CW_JSON_SYNTAX');
        continue;
      }
      accepted++;
      expect(got.diagnostics.filter((d) => d.severity === 'error'), text).toEqual([]);
      if (got.diagnostics.some((d) => d.code === 'CW_JSON_DUPLICATE_KEY')) continue;
      if (typeof expected === 'object' && expected !== null && !Array.isArray(expected)) {
        expect(sorted(got.items), text).toEqual(sorted(Object.entries(expected)));
        expect(got.rest, text).toEqual({});
      } else {
        expect(got.items, text).toEqual([]);
        expect(got.rest, text).toEqual(expected);
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('decodes entries as the whole document decodes (invalid UTF-8 included)', () => {
    const bytes = Uint8Array.from([...enc.encode('{"a": "'), 0xc3, ...enc.encode('", "b\u00e9": ["'), 0xff, 0xe2, 0x82, ...enc.encode('"]}')]);
    const expected = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    const sink = new DiagnosticSink('r.json');
    const items: unknown[] = [];
    const s = new JsonItemStream(sink, 1 << 20, null, (v, _i, k) => items.push([k, v]), 'object');
    for (let i = 0; i < bytes.length; i += 3) s.write(bytes.subarray(i, i + 3));
    expect(s.end()).toEqual({});
    expect(items).toEqual(Object.entries(expected));
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

/** Streams `text` with the given targets; the entries as [target, at, index, key, value]. */
function streamPaths(text: string, targets: readonly JsonStreamTarget[], sizes: readonly number[] = [1 << 20]) {
  const sink = new DiagnosticSink('r.json');
  const items: [number, (string | number)[], number, string | undefined, unknown][] = [];
  const s = new JsonItemStream(sink, 1 << 20, targets, (v, i, k, place) => items.push([place.target, [...place.at], i, k, v]));
  const bytes = enc.encode(text);
  for (let o = 0, k = 0; o < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    s.write(bytes.subarray(o, o + n));
    o += n;
  }
  return { items, rest: s.end(), diagnostics: sink.finish() };
}

/** Puts streamed entries back where they came from in the rest: what JSON.parse gives when no key repeats. */
function putBack(rest: unknown, items: readonly [number, (string | number)[], number, string | undefined, unknown][]): unknown {
  for (const [, at, , key, value] of items) {
    let c = rest as Record<string | number, unknown>;
    for (const s of at) c = c[s] as Record<string | number, unknown>;
    if (Array.isArray(c)) c.push(value);
    else c[key!] = value;
  }
  return rest;
}

const LLVM: readonly JsonStreamTarget[] = [
  { path: ['data', null, 'files'], kind: 'array' },
  { path: ['data', null, 'functions'], kind: 'array' },
];

describe('JsonItemStream with key paths', () => {
  it('streams containers deeper down (data[*].files, data[*].functions), each entry with its place, for any chunking', () => {
    const key = fc.string({ maxLength: 6 }).filter((k) => !['data', 'files', 'functions'].includes(k));
    const export_ = fc.record({
      files: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }),
      functions: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }),
      other: fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
      functionsFirst: fc.boolean(),
    });
    const doc = fc.record({ data: fc.array(export_, { maxLength: 3 }), after: fc.dictionary(key, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }), pretty: fc.boolean() });
    fc.assert(
      fc.property(doc, fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), ({ data, after, pretty }, sizes) => {
        const exports = data.map((d) => (d.functionsFirst ? { functions: d.functions, ...d.other, files: d.files } : { files: d.files, ...d.other, functions: d.functions }));
        const text = JSON.stringify({ data: exports, ...after }, null, pretty ? 2 : undefined);
        const got = streamPaths(text, LLVM, sizes);
        expect(got.diagnostics).toEqual([]);
        const parsed = JSON.parse(text) as { data: { files: unknown[]; functions: unknown[] }[] };
        const want: unknown[] = [];
        parsed.data.forEach((d, di) => {
          const order = Object.keys(d).filter((k) => k === 'files' || k === 'functions');
          for (const k of order) d[k as 'files'].forEach((v, i) => want.push([k === 'files' ? 0 : 1, ['data', di, k], i, undefined, v]));
        });
        expect(got.items).toEqual(want);
        expect(got.rest).toEqual({ ...parsed, data: parsed.data.map((d) => ({ ...d, files: [], functions: [] })) });
      }),
      { numRuns: 200 },
    );
  });

  it('streams the members of an object under any top-level member (SimpleCov: *.coverage)', () => {
    const path = fc.string({ maxLength: 8 }).map((k) => `/p${k}`);
    const command = fc.record({ coverage: fc.dictionary(path, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), timestamp: fc.integer() });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ maxLength: 6 }).map((k) => `c${k}`), command, { maxKeys: 3 }), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }), (root, sizes) => {
        const text = JSON.stringify(root, null, 2);
        const got = streamPaths(text, [{ path: [null, 'coverage'], kind: 'object' }], sizes);
        expect(got.diagnostics).toEqual([]);
        const parsed = JSON.parse(text) as Record<string, { coverage: Record<string, unknown> }>;
        expect(got.items).toEqual(Object.entries(parsed).flatMap(([c, r]) => Object.entries(r.coverage).map(([k, v], i) => [0, [c, 'coverage'], i, k, v])));
        expect(got.rest).toEqual(Object.fromEntries(Object.entries(parsed).map(([c, r]) => [c, { ...r, coverage: {} }])));
      }),
      { numRuns: 200 },
    );
  });

  it('streams nothing where the path does not lead: another shape, an array where a key is asked, a repeated key', () => {
    for (const text of ['{"data": [{"files": {"a": 1}}]}', '[{"data": [{"files": [1]}]}]', '{"data": [[{"files": [1]}]]}', '{"data": [{"x": {"files": [1]}}]}']) {
      const got = streamPaths(text, LLVM);
      expect(got.items, text).toEqual([]);
      expect(got.rest, text).toEqual(JSON.parse(text));
    }
    // A null step takes array elements and object members alike; a repeated key streams its first container only.
    expect(streamPaths('{"data": {"a": {"files": [1]}, "b": {"files": [2], "files": [3]}}}', LLVM).items).toEqual([
      [0, ['data', 'a', 'files'], 0, undefined, 1],
      [0, ['data', 'b', 'files'], 0, undefined, 2],
    ]);
  });

  it('agrees with JSON.parse on mutated exports: the same data when it accepts them, an error when it rejects them', () => {
    const base = '{"data": [{"files": [{"filename": "a]", "segments": [[1, 2, true]]}, {"x": "\\\\"}], "functions": [{"name": "f}", "regions": [[1]]}], "totals": {"n": 1}}], "type": "llvm"}';
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = '{}[]",:\\ 01aen-';
    let accepted = 0;
    for (let t = 0; t < 3000; t++) {
      const chars = base.split('');
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(chars.length);
        const op = rand(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rand(alphabet.length)]!);
        else chars[at] = alphabet[rand(alphabet.length)]!;
      }
      const text = chars.join('');
      let expected: unknown;
      try {
        expected = JSON.parse(text);
      } catch {
        expected = undefined;
      }
      const got = streamPaths(text, LLVM, [1 + rand(9)]);
      if (expected === undefined) {
        expect(got.rest, text).toBeUndefined();
        expect(got.diagnostics.map((d) => d.code), text).toContain('CW_JSON_SYNTAX');
        continue;
      }
      accepted++;
      expect(got.diagnostics, text).toEqual([]);
      expect(putBack(got.rest, got.items), text).toEqual(expected);
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('reports a syntax error in a nested container on its line of the document', () => {
    const text = '{\n"data": [\n{"files": [\n{"a": 1},\n{"a" 2}\n]}\n]\n}';
    expect(streamPaths(text, LLVM, [3]).diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_JSON_SYNTAX', 5]]);
    const after = '{\n"data": [\n{"files": [\n{"a": 1}\n], "x": 1 2}\n]\n}';
    expect(streamPaths(after, LLVM, [3]).diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_JSON_SYNTAX', 5]]);
  });
});
