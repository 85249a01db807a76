import { describe, expect, it } from 'vitest';
import { DiagnosticSink } from '../model/diagnostics.js';
import { JsonDocument } from './json-document.js';
import { encodeUtf8 } from './text-decoder.js';

function parsed(text: string | Uint8Array, limit = 1 << 20, chunk = 5) {
  const bytes = typeof text === 'string' ? encodeUtf8(text) : text;
  const sink = new DiagnosticSink('x.json');
  const d = new JsonDocument(sink, limit);
  for (let i = 0; i < bytes.length; i += chunk) d.write(bytes.subarray(i, i + chunk));
  return { value: d.parse(), diagnostics: sink.finish() };
}

describe('JsonDocument', () => {
  it('parses the document as JSON.parse does, a BOM dropped and invalid UTF-8 as U+FFFD', () => {
    expect(parsed('\ufeff{"a": [1, {"b": "\\u00e9"}]}').value).toEqual({ a: [1, { b: 'é' }] });
    const bytes = Uint8Array.from([...encodeUtf8('{"a": "'), 0xc3, ...encodeUtf8('"}')]);
    expect(parsed(bytes).value).toEqual({ a: '\ufffd' });
  });

  it('a syntax error names its line; over the limit, one error and nothing kept', () => {
    expect(parsed('{\n"a": 1,\n"b": 2 3}').diagnostics.map((d) => [d.code, d.line])).toEqual([['CW_JSON_SYNTAX', 3]]);
    const big = parsed('{"a": 1}', 4);
    expect(big.value).toBeUndefined();
    expect(big.diagnostics.map((d) => d.code)).toEqual(['CW_DOCUMENT_TOO_LARGE']);
  });
});
