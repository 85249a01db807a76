import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { BASE62_ALPHABET, toBase62 } from './base62.js';
import { crc32 } from './crc32.js';

/**
 * Token format: `cw_<kind>_<30 random base62 chars><6 base62 chars of CRC-32>`.
 * 30 base62 characters carry 178 random bits (the issue asks for at least 128). The CRC-32 of
 * everything before it lets a secret scanner tell a real token from a look-alike offline, and lets
 * the server reject typos without a database lookup. A CRC is not a MAC: the secret is the random
 * part; the checksum only checks the spelling.
 */
export const TOKEN_PREFIXES = Object.freeze({ upload: 'cw_up_', read: 'cw_rd_', personal: 'cw_pat_', org_upload: 'cw_oup_' });
export type TokenKind = keyof typeof TOKEN_PREFIXES;
/** Kinds bound to one repository (the `tokens` table). */
export type RepoTokenKind = 'upload' | 'read';
/** Kinds not bound to one repository (the `user_tokens` table): a user's personal API token, an organization's upload token. */
export type AccountTokenKind = 'personal' | 'org_upload';

export function isRepoTokenKind(kind: TokenKind): kind is RepoTokenKind {
  return kind === 'upload' || kind === 'read';
}

const RANDOM_CHARS = 30;
const CHECKSUM_CHARS = 6;
export const TOKEN_PATTERN = /^cw_(up|rd|pat|oup)_([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/;
const KIND_OF_TAG: Readonly<Record<string, TokenKind>> = Object.freeze({ up: 'upload', rd: 'read', pat: 'personal', oup: 'org_upload' });

export function generateToken(kind: TokenKind): string {
  let random = '';
  // randomInt draws uniformly (rejection sampling), so every character carries log2(62) bits.
  for (let i = 0; i < RANDOM_CHARS; i++) random += BASE62_ALPHABET[randomInt(62)];
  const body = TOKEN_PREFIXES[kind] + random;
  return body + toBase62(crc32(body), CHECKSUM_CHARS);
}

/** The token's kind when it is well-formed and its checksum matches; null otherwise. */
export function checkTokenFormat(token: string): TokenKind | null {
  const m = TOKEN_PATTERN.exec(token);
  if (m === null) return null;
  const body = token.slice(0, token.length - CHECKSUM_CHARS);
  const expected = toBase62(crc32(body), CHECKSUM_CHARS);
  if (!constantTimeEqual(expected, m[3]!)) return null;
  return KIND_OF_TAG[m[1]!] ?? null;
}

/** `cw_up_…Ab12`: the prefix and last four characters, how owners tell tokens apart (never enough to use one). */
export function displayToken(token: string): string {
  return `${token.slice(0, token.indexOf('_', 3) + 1)}…${token.slice(-4)}`;
}

/** What the database stores: SHA-256 of the whole token, hex. A high-entropy secret needs no salt or slow hash. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}
