/**
 * A caller may read a file into one buffer and hand the same buffer over for every chunk (as
 * `fs.readSync` loops do): no reader may keep a chunk it was given without copying it. Each real
 * fixture is read whole and through one reused Node Buffer, with and without detection. (A reader
 * that kept `chunk.slice()` of a Buffer kept a view: the 5M-line Coveralls and coverage.py
 * benchmark inputs read this way came out as syntax errors.)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createReportReader, type FormatId, type ParseResult } from '../src/index.js';
import { fixturesDir } from './fixtures-dir.js';

const root = fixturesDir();
const files: string[] = [];
for (const dir of readdirSync(root)) {
  const full = path.join(root, dir);
  if (!statSync(full).isDirectory()) continue;
  for (const f of readdirSync(full)) if (f !== 'expected.json' && f !== '_oracle' && !f.endsWith('.gz')) files.push(path.join(dir, f));
}

function read(bytes: Uint8Array, name: string, chunk: number, format?: FormatId): ParseResult {
  const r = createReportReader({ fileName: name, format });
  if (chunk >= bytes.length) r.write(bytes);
  else {
    // A Node Buffer, as `fs.readSync` loops use: its `slice()` is a view, not a copy.
    const buf = Buffer.alloc(chunk);
    for (let i = 0; i < bytes.length; i += chunk) {
      const n = Math.min(chunk, bytes.length - i);
      buf.set(bytes.subarray(i, i + n));
      r.write(buf.subarray(0, n));
      // What the reader was handed is gone before the next call, as with a reused buffer.
      buf.fill(0x7b);
    }
  }
  return r.end();
}

const digest = (r: ParseResult) => ({ status: r.status, format: r.format, diagnostics: r.diagnostics, files: r.report.files.map((f) => [f.path, [...f.lineNumbers], [...f.lineHits], f.branchIds, f.functions?.length]) });

describe('readers copy what they keep of a chunk', () => {
  for (const name of files) {
    it(name, () => {
      const bytes = new Uint8Array(readFileSync(path.join(root, name)));
      const whole = read(bytes, name, bytes.length);
      expect(whole.status).toBe('ok');
      expect(digest(read(bytes, name, 4093))).toEqual(digest(whole));
      expect(digest(read(bytes, name, 65536, whole.format!))).toEqual(digest(whole));
    });
  }
});
