import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, type ParseOutcome } from '../../index.js';
import { encodeUtf8 } from '../../text/text-decoder.js';
import { createLcovParser } from './parse.js';
import { expectFastPathAgrees, outcomeSnapshot, parseInChunks } from '../../../test/comparable.js';

function parse(text: string, fastPath: boolean, chunk: number): ParseOutcome {
  const p = createLcovParser({ fileName: 'lcov.info', limits: { ...DEFAULT_LIMITS, maxLineNumber: 1000, maxHits: 1e6, maxRecordLength: 48 } }, fastPath);
  return parseInChunks(p, encodeUtf8(text), chunk);
}


// Lines the fast path reads (and a few it must hand back: checksums, leading zeros, huge values,
// lines past the limits), in sorted and unsorted order, repeated SF blocks, FN after FNDA.
const num = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(0, 999, 1000, 1001, 999999, 1000001, 123456789012345, 1234567890123456));
const record = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(num, num).map(([l, h]) => `DA:${l},${h}`) },
  { weight: 1, arbitrary: fc.tuple(num, num).map(([l, h]) => `DA:${l},${h},c0ffee`) },
  { weight: 1, arbitrary: fc.tuple(num, num).map(([l, h]) => `DA:0${l},${h}`) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(num, fc.constantFrom('0', '1', '00', '01', '12345', '3'), fc.constantFrom('0', '1', '10', '100', '07'), fc.oneof(num.map(String), fc.constant('-')))
      .map(([l, b, r, t]) => `BRDA:${l},${b},${r},${t}`),
  },
  { weight: 1, arbitrary: fc.tuple(num, fc.constantFrom('f', 'g', 'ns::h', 'long_'.repeat(10), '9lives')).map(([l, n]) => `FN:${l},${n}`) },
  { weight: 1, arbitrary: fc.tuple(num, fc.constantFrom('f', 'g', 'ns::h', 'x', 'long_'.repeat(10), '')).map(([h, n]) => `FNDA:${h},${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('SF:a.c', 'SF:b.c', 'end_of_record', 'LF:3', 'TN:', 'BRF:2', 'DA:1', 'BRDA:1,0,0', 'DA:', '', 'FN:', 'FNDA:,f', 'FNF:1', 'FN:3,4,f') },
);
const tracefile = fc
  .tuple(fc.array(record, { maxLength: 60 }), fc.boolean())
  .map(([lines, crlf]) => `SF:a.c\n${lines.join('\n')}\nend_of_record\n`.replaceAll('\n', crlf ? '\r\n' : '\n'));

describe('LCOV fast path', () => {
  it('gives exactly what the general path gives (records, order of diagnostics), whatever the chunks', () => {
    fc.assert(
      fc.property(tracefile, fc.integer({ min: 1, max: 64 }), (text, chunk) => {
        expectFastPathAgrees(parse, text, chunk);
      }),
      { numRuns: 400 },
    );
  });

  it('reads sorted and unsorted DA runs, duplicate SF blocks and FN after FNDA alike on both paths', () => {
    const text = 'SF:a.c\nFNDA:2,f\nFN:1,f\nDA:3,1\nDA:1,2\nDA:2,0\nDA:3,4\nBRDA:2,0,1,-\nBRDA:2,0,0,3\nend_of_record\nSF:a.c\nDA:1,1\nDA:5,0\nBRDA:2,0,0,1\nend_of_record\n';
    const fast = parse(text, true, 5);
    expect(outcomeSnapshot(fast)).toEqual(outcomeSnapshot(parse(text, false, text.length)));
    const f = fast.report.files[0]!;
    expect([...f.lineNumbers]).toEqual([1, 2, 3, 5]);
    expect([...f.lineHits]).toEqual([3, 0, 5, 0]);
    expect([...f.branchTaken]).toEqual([4, 0]);
  });

  it('sorts and merges the DA lines of one record whatever their order (sorted ones skip the sort)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 9 })), { maxLength: 40 }), fc.boolean(), (das, fast) => {
        const text = `SF:a.c\n${das.map(([l, h]) => `DA:${l},${h}\n`).join('')}end_of_record\n`;
        const expected = new Map<number, number>();
        for (const [l, h] of das) expected.set(l, (expected.get(l) ?? 0) + h);
        const f = parse(text, fast, 1 << 20).report.files[0]!;
        expect([...f.lineNumbers].map((l, i) => [l, f.lineHits[i]])).toEqual([...expected.entries()].sort((a, b) => a[0] - b[0]));
      }),
      { numRuns: 300 },
    );
  });
});
