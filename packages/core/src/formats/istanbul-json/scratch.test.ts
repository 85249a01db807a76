import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IstanbulScratch } from './scratch.js';

describe('IstanbulScratch.branchId', () => {
  it('is "k,i" for any branch key, numeric or not', () => {
    const s = new IstanbulScratch(1e6);
    const key = fc.oneof(fc.nat(20_000).map(String), fc.constantFrom('0', '007', '00', '4095', '4096', '9999', '10000', '-1', '1.5', '', 'a', 'b12'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(key, fc.nat(400), (k, i) => {
        expect(s.branchId(k, i)).toBe(`${k},${i}`);
      }),
      { numRuns: 2000 },
    );
  });
});
