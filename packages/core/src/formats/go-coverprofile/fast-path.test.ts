import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../model/limits.js';
import type { ParseOutcome } from '../types.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { createGoCoverprofileParser } from './parse.js';
import { expectFastPathAgrees, parseInChunks } from '../../../test/comparable.js';

function parse(text: string, fastPath: boolean, chunk: number): ParseOutcome {
  const p = createGoCoverprofileParser({ fileName: 'coverage.out', limits: { ...DEFAULT_LIMITS, maxLineNumber: 500 } }, fastPath);
  return parseInChunks(p, encodeUtf8(text), chunk);
}


// Blocks the fast path reads (same file as the previous line) and ones it must hand back: another
// file, invalid positions, lines past the limit, too many statements, blanks, a repeated mode line.
const pos = fc.integer({ min: 0, max: 30 });
const block = fc
  .tuple(fc.constantFrom('a.go', 'a.go', 'a.go', 'dir/b.go'), pos, fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 3 }))
  .map(([f, sl, sc, span, ec, ns, count]) => `${f}:${sl}.${sc},${sl + span}.${ec} ${ns} ${count}`);
const odd = fc.constantFrom('a.go:600.1,601.2 1 1', 'a.go:1.1,2.2 70000 1', 'a.go:3.1,2.1 1 1', '', 'mode: set', 'a.go:1.1,2.2 1 1 ', 'a.go:1.1,2.2 1 x', 'a.go:01.1,2.2 1 1');
const profile = fc
  .tuple(fc.array(fc.oneof({ weight: 8, arbitrary: block }, { weight: 1, arbitrary: odd }), { maxLength: 50 }), fc.constantFrom('count', 'set'), fc.boolean())
  .map(([lines, mode, crlf]) => `mode: ${mode}\n${lines.join('\n')}\n`.replaceAll('\n', crlf ? '\r\n' : '\n'));

describe('Go cover profile fast path', () => {
  it('gives exactly what the general path gives (records, order of diagnostics), whatever the chunks', () => {
    fc.assert(
      fc.property(profile, fc.integer({ min: 1, max: 64 }), (text, chunk) => {
        expectFastPathAgrees(parse, text, chunk);
      }),
      { numRuns: 400 },
    );
  });

  it('derives lines as the naive reading does: every spanned line, the largest count of its blocks', () => {
    const valid = fc
      .tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 5 }))
      .map(([sl, sc, span, ec, ns, count]) => ({ sl, sc, el: sl + span, ec: span === 0 ? sc + ec : ec, ns, count }));
    fc.assert(
      fc.property(fc.array(valid, { maxLength: 30 }), fc.boolean(), (blocks, sortFirst) => {
        const list = sortFirst ? [...blocks].sort((a, b) => a.sl - b.sl || a.sc - b.sc) : blocks;
        const text = `mode: count\n${list.map((k) => `a.go:${k.sl}.${k.sc},${k.el}.${k.ec} ${k.ns} ${k.count}\n`).join('')}`;
        // Identical blocks add up (count mode); then each line takes the largest count on it.
        const merged = new Map<string, { sl: number; el: number; ec: number; count: number }>();
        for (const k of list) {
          const key = `${k.sl}.${k.sc},${k.el}.${k.ec}`;
          const m = merged.get(key);
          if (m === undefined) merged.set(key, { ...k });
          else m.count += k.count;
        }
        const expected = new Map<number, number>();
        for (const k of merged.values()) {
          const last = k.el === k.sl || k.ec > 2 ? k.el : k.el - 1;
          for (let l = k.sl; l <= last; l++) expected.set(l, Math.max(expected.get(l) ?? 0, k.count));
        }
        const out = parse(text, true, 7);
        const f = out.report.files[0];
        const got = f === undefined ? [] : [...f.lineNumbers].map((l, i) => [l, f.lineHits[i]]);
        expect(got).toEqual([...expected.entries()].sort((a, b) => a[0] - b[0]));
      }),
      { numRuns: 300 },
    );
  });
});
