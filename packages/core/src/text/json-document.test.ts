import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../model/diagnostics.js';
import { JsonDocument } from './json-document.js';
import { encodeUtf8 } from './text-decoder.js';

function doc(text: string | Uint8Array, chunk = 5): JsonDocument {
  const bytes = typeof text === 'string' ? encodeUtf8(text) : text;
  const d = new JsonDocument(new DiagnosticSink('x.json'), 1 << 20);
  for (let i = 0; i < bytes.length; i += chunk) d.write(bytes.subarray(i, i + chunk));
  return d;
}

/** [key, value] pairs from members(), or 'fallback' when parse() must decide. */
function viaMembers(text: string | Uint8Array): [string, unknown][] | 'fallback' {
  const m = doc(text).members();
  if (m === null) return 'fallback';
  const out: [string, unknown][] = [];
  for (let i = 0; i < m.length; i++) {
    const v = m.value(i);
    if (v === undefined) return 'fallback';
    out.push([m.keys[i]!, v]);
  }
  return out;
}

/** What JSON.parse gives: Object.keys order, or null when not a valid object/array. */
function viaParse(text: string): [string, unknown][] | null {
  let v: unknown;
  try {
    v = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  return Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
}

describe('JsonDocument.members', () => {
  it('gives the members JSON.parse gives, in Object.keys order', () => {
    const cases = [
      '{}',
      '[]',
      ' \t\r\n{ "a" : 1 , "b":[1,{"c":"}]\\"{"}], "d": "x\\\\", "e": null, "f": true, "g": -1.5e3 } \n',
      '[{"a":1}, 2, "three", [4], null]',
      // Repeated keys keep their first place and their last value.
      '{"a": 1, "b": 2, "a": {"x": 3}}',
      // Array-index keys come first, ascending; "01" and "4294967295" are not indices.
      '{"z": 1, "10": 2, "2": 3, "01": 4, "4294967295": 5, "4294967294": 6, "__proto__": {"p": 1}, "constructor": 7}',
      '{"\\u0041\\n": 1, "é": "ü", "😀": [1]}',
      '\ufeff{"bom": 1}',
    ];
    for (const text of cases) {
      const expected = viaParse(text);
      expect(expected, text).not.toBeNull();
      expect(viaMembers(text), text).toEqual(expected);
    }
  });

  it('never gives members for a document JSON.parse rejects', () => {
    const bad = [
      '',
      '{',
      '{"a": 1',
      '{"a": 1,}',
      '{"a" 1}',
      '{"a": 1} x',
      '{"a": [1, 2}',
      '{"a": {"b": 1]}',
      '{"a": tru}',
      '{"a": 01}',
      '{"a": "x\ty"}',
      "{'a': 1}",
      '{"a": 1}\u000b',
      '\u000b{"a": 1}',
      '{"a\\q": 1}',
      '{"a": 1 2}',
      '[1,,2]',
      '{"a": "}"',
      '{"a": "\\"}',
    ];
    for (const text of bad) {
      expect(viaParse(text), text).toBeNull();
      expect(viaMembers(text), text).toBe('fallback');
    }
    // Scalars are not containers: parse() decides.
    for (const text of ['1', '"x"', 'null']) expect(doc(text).members(), text).toBeNull();
  });

  it('agrees with JSON.parse on mutated documents', () => {
    const base = '{"a.js": {"s": {"0": 1, "1": 0}, "m": [{"l": 1}, "}", "\\\\"]}, "b": [1, 2], "c": "q\\"r", "0": null}';
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = '{}[]",:\\ 01aen-';
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
      const expected = viaParse(text);
      const got = viaMembers(text);
      if (expected === null) expect(got, text).toBe('fallback');
      else if (got !== 'fallback') expect(got, text).toEqual(expected);
    }
  });

  it('decodes member values as the whole document decodes (invalid UTF-8 included)', () => {
    const bytes = Uint8Array.from([...encodeUtf8('{"a": "'), 0xc3, ...encodeUtf8('", "b\u00e9": ["'), 0xff, 0xe2, 0x82, ...encodeUtf8('"]}')]);
    const expected = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    expect(viaMembers(bytes)).toEqual(Object.entries(expected));
  });

  it('gives nothing for a document over the limit; parse() still diagnoses', () => {
    const sink = new DiagnosticSink('x.json');
    const d = new JsonDocument(sink, 4);
    d.write(encodeUtf8('{"a": 1}'));
    expect(d.members()).toBeNull();
    expect(d.parse()).toBeUndefined();
    expect(sink.finish().map((x) => x.code)).toEqual(['CW_DOCUMENT_TOO_LARGE']);
  });

  it('parse() after members() still reads the document', () => {
    const d = doc('{"a": [1, 2', 3);
    expect(d.members()).toBeNull();
    expect(d.parse()).toBeUndefined();
    const e = doc('{"a": [1, 2]}', 3);
    expect(e.members()?.keys).toEqual(['a']);
    expect(e.parse()).toEqual({ a: [1, 2] });
  });
});
