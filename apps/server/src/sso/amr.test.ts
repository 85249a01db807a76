import { describe, expect, it } from 'vitest';
import { amrProvesMfa } from './amr.js';

describe('amrProvesMfa', () => {
  it('accepts mfa, or factors of two kinds; nothing else', () => {
    for (const amr of [['mfa'], ['pwd', 'otp'], ['hwk', 'pin'], ['swk', 'fpt'], ['pwd', 'mfa']]) expect(amrProvesMfa(amr), amr.join(',')).toBe(true);
    for (const amr of [['pwd'], ['pwd', 'pin'], ['otp', 'sms'], ['pwd', 'geo', 'rba'], [], ['PWD', 'OTP']]) expect(amrProvesMfa(amr), amr.join(',')).toBe(false);
    for (const amr of [undefined, null, 'mfa', { 0: 'mfa' }, [1, 2]]) expect(amrProvesMfa(amr)).toBe(false);
  });
});
