import { statSync, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import { DEV_KEY_FILE, resolveMfaKey } from './mfa-key.js';
import { hashRecoveryCode, newRecoveryCode, normaliseRecoveryCode } from './recovery-codes.js';
import { SecretBox } from './secret-box.js';
import { matchTotp, newTotpSecret, totpStep, totpUri } from './totp.js';

const NOW = Date.parse('2030-06-01T12:00:10Z');

describe('TOTP', () => {
  const secret = newTotpSecret();
  const codeAt = (offset: number) => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: NOW + offset * 30_000 });

  it('secrets are 160 random bits in base32', () => {
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
  });

  it('matches the current step and one either side, by the given clock only, and says which step', () => {
    for (const offset of [-1, 0, 1]) expect(matchTotp(secret, codeAt(offset), NOW)).toBe(totpStep(NOW) + offset);
    for (const offset of [-3, -2, 2, 3]) expect(matchTotp(secret, codeAt(offset), NOW)).toBeNull();
    expect(matchTotp(secret, `${codeAt(0).slice(0, 3)} ${codeAt(0).slice(3)}`, NOW)).toBe(totpStep(NOW));
    for (const bad of ['', '12345', '1234567', 'abcdef', `${codeAt(0)}0`]) expect(matchTotp(secret, bad, NOW)).toBeNull();
  });

  it('the URI names SHA1, 6 digits, 30 s, the issuer and the account', () => {
    const u = new URL(totpUri(secret, 'Coverwatch (cov.example.com)', 'ana@example.com'));
    expect(Object.fromEntries(u.searchParams)).toEqual({ secret, issuer: 'Coverwatch (cov.example.com)', algorithm: 'SHA1', digits: '6', period: '30' });
  });
});

describe('recovery codes', () => {
  it('16 base32 characters (80 bits) in four groups; typed forms normalise; hashes are SHA-256 hex', () => {
    const codes = Array.from({ length: 200 }, () => newRecoveryCode());
    for (const c of codes) expect(c).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect(new Set(codes).size).toBe(200);
    // Every character of the alphabet shows up (the bits are spread, not biased to a few letters).
    expect(new Set(codes.join('').replaceAll('-', '')).size).toBe(32);
    const c = codes[0]!;
    expect(normaliseRecoveryCode(c.toLowerCase().replaceAll('-', ' '))).toBe(c.replaceAll('-', ''));
    expect(normaliseRecoveryCode('AAAA-BBBB-CCCC')).toBeNull();
    expect(normaliseRecoveryCode('AAAA-BBBB-CCCC-DDD1')).toBeNull();
    expect(hashRecoveryCode(normaliseRecoveryCode(c)!)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('secret box (AES-256-GCM)', () => {
  const box = new SecretBox(Buffer.alloc(32, 7));

  it('round-trips, with a fresh IV each time', () => {
    const a = box.seal('JBSWY3DPEHPK3PXP', 'row-1');
    expect(a).not.toBe(box.seal('JBSWY3DPEHPK3PXP', 'row-1'));
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(a, 'row-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('refuses another row (AAD), a changed ciphertext and another key (named as such)', () => {
    const a = box.seal('JBSWY3DPEHPK3PXP', 'row-1');
    expect(() => box.open(a, 'row-2')).toThrow();
    const parts = a.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0]! ^= 1;
    expect(() => box.open([...parts.slice(0, 3), ct.toString('base64url')].join('.'), 'row-1')).toThrow();
    expect(() => new SecretBox(Buffer.alloc(32, 8)).open(a, 'row-1')).toThrow(/another key/);
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow();
  });
});

describe('the encryption key', () => {
  it('comes from configuration when set; in development it is generated once into the data dir (0600) and reused', () => {
    expect(resolveMfaKey({ dataDir: '/nonexistent', mfa: { encryptionKey: 'ab'.repeat(32) } })).toEqual(Buffer.alloc(32, 0xab));
    const dir = mkdtempSync(path.join(tmpdir(), 'cw-mfa-key-'));
    try {
      const data = path.join(dir, 'data');
      const first = resolveMfaKey({ dataDir: data, mfa: {} });
      expect(first).toHaveLength(32);
      expect(resolveMfaKey({ dataDir: data, mfa: {} })).toEqual(first);
      const file = path.join(data, DEV_KEY_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
