import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { BASE62_ALPHABET, toBase62 } from './base62.js';
import { crc32 } from './crc32.js';
import { checkTokenFormat, constantTimeEqual, displayToken, generateToken, hashToken, TOKEN_PATTERN } from './token-format.js';

describe('token format', () => {
  it('is cw_up_ / cw_rd_ + 30 random base62 + 6 base62 of CRC-32', () => {
    const t = generateToken('upload');
    expect(t).toMatch(/^cw_up_[0-9A-Za-z]{36}$/);
    expect(generateToken('read')).toMatch(/^cw_rd_[0-9A-Za-z]{36}$/);
    expect(TOKEN_PATTERN.test(t)).toBe(true);
    // 30 base62 characters carry more than the 128 bits the issue asks for.
    expect(30 * Math.log2(62)).toBeGreaterThan(128);
  });

  it('tokens differ and look uniformly random', () => {
    const tokens = Array.from({ length: 2000 }, () => generateToken('upload'));
    expect(new Set(tokens).size).toBe(tokens.length);
    const counts = new Map<string, number>();
    for (const t of tokens) for (const c of t.slice(6, 36)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (2000 * 30) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.2);
  });

  it('accepts its own tokens and names their kind', () => {
    expect(checkTokenFormat(generateToken('upload'))).toBe('upload');
    expect(checkTokenFormat(generateToken('read'))).toBe('read');
    expect(checkTokenFormat(generateToken('personal'))).toBe('personal');
    expect(checkTokenFormat(generateToken('org_upload'))).toBe('org_upload');
  });

  it('personal (cw_pat_) and organization upload (cw_oup_) tokens: same rules, published pattern, checksum, display', () => {
    // The regular expression published in docs/security.md "Token format", as a scanner would use it.
    const published = /\bcw_(up|rd|pat|oup)_[0-9A-Za-z]{30}[0-9A-Za-z]{6}\b/;
    const docs = readFileSync(new URL('../../../../docs/security.md', import.meta.url), 'utf8');
    expect(docs).toContain(published.source);
    for (const [kind, prefix] of [['personal', 'cw_pat_'], ['org_upload', 'cw_oup_'], ['upload', 'cw_up_'], ['read', 'cw_rd_']] as const) {
      const t = generateToken(kind);
      expect(t.startsWith(prefix)).toBe(true);
      expect(t).toHaveLength(prefix.length + 36);
      expect(TOKEN_PATTERN.test(t)).toBe(true);
      expect(published.exec(`leaked: ${t}.`)?.[0]).toBe(t);
      // The checksum is the CRC-32 of everything before it, as a scanner recomputes it.
      expect(t.slice(-6)).toBe(toBase62(crc32(t.slice(0, -6)), 6));
      for (let i = prefix.length; i < t.length; i++) {
        const c = t[i] === 'Q' ? 'z' : 'Q';
        expect(checkTokenFormat(t.slice(0, i) + c + t.slice(i + 1)), `${kind} ${i}`).toBeNull();
      }
      expect(displayToken(t)).toBe(`${prefix}…${t.slice(-4)}`);
    }
    // Another kind's prefix on the same characters fails its checksum (a kind cannot be changed by editing it).
    const pat = generateToken('personal');
    expect(checkTokenFormat(pat.replace('cw_pat_', 'cw_oup_'))).toBeNull();
    expect(checkTokenFormat(pat.replace('cw_pat_', 'cw_xyz_'))).toBeNull();
  });

  it('the checksum catches every single-character change and swapped neighbours', () => {
    const t = generateToken('upload');
    for (let i = 6; i < t.length; i++) {
      for (const c of ['0', 'z', 'Q']) {
        if (t[i] === c) continue;
        expect(checkTokenFormat(t.slice(0, i) + c + t.slice(i + 1))).toBeNull();
      }
      if (i + 1 < t.length && t[i] !== t[i + 1]) expect(checkTokenFormat(t.slice(0, i) + t[i + 1] + t[i] + t.slice(i + 2))).toBeNull();
    }
  });

  it('rejects other shapes and a changed kind', () => {
    const t = generateToken('upload');
    for (const bad of ['', 'cw_up_', t + 'x', t.slice(0, -1), t.replace('cw_up_', 'cw_rd_'), t.replace('cw_up_', 'CW_UP_'), ` ${t}`]) expect(checkTokenFormat(bad)).toBeNull();
  });

  it('checksum is the zlib CRC-32 (scanners can recompute it)', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(BASE62_ALPHABET).toHaveLength(62);
  });

  it('stores SHA-256 hex and compares in constant time', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
