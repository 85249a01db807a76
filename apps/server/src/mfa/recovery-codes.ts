import { createHash, randomBytes } from 'node:crypto';

/** How many recovery codes an account gets (each works once). */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A recovery code: 10 random bytes (80 bits) as 16 base32 characters in four groups
 * (`ABCD-EFGH-IJKL-MNOP`), easy to write down and type; case, spaces and hyphens do not matter.
 */
export function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out.match(/.{4}/g)!.join('-');
}

/** The canonical form of a typed code (upper case, separators dropped); null when it cannot be one. */
export function normaliseRecoveryCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]+/g, '');
  return /^[A-Z2-7]{16}$/.test(s) ? s : null;
}

/**
 * What the database keeps: SHA-256 of the canonical code. A slow password hash buys nothing here:
 * its cost protects low-entropy secrets chosen by people, while a code of 80 random bits already
 * needs about 2^79 guesses for one hash, far out of reach at any SHA-256 speed. Looking codes up by
 * hash also makes the comparison constant time in effect: the database compares hashes, and timing
 * can tell an attacker at most how much of a hash of their own input matched a stored one, which
 * (preimage resistance) does not bring them closer to a code.
 */
export function hashRecoveryCode(canonical: string): string {
  return createHash('sha256').update(`coverwatch-recovery-v1:${canonical}`, 'utf8').digest('hex');
}
