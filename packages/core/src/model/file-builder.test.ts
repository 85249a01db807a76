import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from './limits.js';
import { DiagnosticSink } from './diagnostics.js';
import { FileCoverageBuilder } from './file-builder.js';

describe('FileCoverageBuilder', () => {
  it('keeps memory proportional to distinct records when a report repeats one record endlessly', () => {
    const b = new FileCoverageBuilder('x.c', DEFAULT_LIMITS, new DiagnosticSink(undefined));
    let peak = 0;
    for (let i = 0; i < 5_000_000; i++) {
      b.line((i % 10) + 1, 1);
      b.branch(1, '0,0', i % 2);
      if ((i & 0xffff) === 0) peak = Math.max(peak, b.pendingRecords);
    }
    expect(peak).toBeLessThanOrEqual(2 * (1 << 20) + 2);
    const f = b.build();
    expect(Array.from(f.lineNumbers)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Array.from(f.lineHits)).toEqual(new Array(10).fill(500_000));
    expect(Array.from(f.branchTaken)).toEqual([2_500_000]);
  });

  it('validates numbers: invalid lines dropped, huge counts clamped, fractions floored, each diagnosed', () => {
    const sink = new DiagnosticSink('r.info');
    const b = new FileCoverageBuilder('x.c', DEFAULT_LIMITS, sink);
    expect(b.line(0, 1, 3)).toBe(false);
    expect(b.line(DEFAULT_LIMITS.maxLineNumber + 1, 1, 4)).toBe(false);
    expect(b.line(2, -1, 5)).toBe(false);
    expect(b.line(3, Number.NaN, 6)).toBe(false);
    expect(b.line(4, 1e300, 7)).toBe(true);
    expect(b.line(5, 2.7, 8)).toBe(true);
    const f = b.build();
    expect(Array.from(f.lineHits)).toEqual([DEFAULT_LIMITS.maxHits, 2]);
    expect(sink.finish().map((d) => [d.code, d.line])).toEqual([
      ['CW_LINE_INVALID', 3], ['CW_LINE_TOO_LARGE', 4], ['CW_HITS_INVALID', 5], ['CW_HITS_INVALID', 6], ['CW_HITS_CLAMPED', 7],
    ]);
  });
});

describe('FileCoverageBuilder.addLines', () => {
  it('equals record-by-record line() calls, diagnostics included', () => {
    const lines = [3, 1, 0, 2, 3, 99_999_999, 4];
    const hits = [1, 2, 1, 0, 5, 1, 1e300];
    const one = new DiagnosticSink('r');
    const a = new FileCoverageBuilder('x', DEFAULT_LIMITS, one);
    lines.forEach((l, i) => a.line(l, hits[i]!, i + 1));
    const two = new DiagnosticSink('r');
    const b = new FileCoverageBuilder('x', DEFAULT_LIMITS, two);
    b.addLines(lines, hits, lines.length, lines.map((_, i) => i + 1));
    expect(b.build()).toEqual(a.build());
    expect(two.finish()).toEqual(one.finish());
  });
});
