import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.js';
import { chainHash, GENESIS_HASH, tokenHashPrefix } from './chain.js';
import { checkCheckpoint, parseSigningKey, parseVerifyingKey, publicKeyPem, signCheckpoint } from './checkpoints.js';

/** The record of docs/security.md's worked example: its canonical text and hashes are pinned (Python's json.dumps reproduces them). */
const EXAMPLE = {
  v: 1,
  seq: 1,
  time: '2025-01-02T03:04:05.678Z',
  event: 'token.created',
  outcome: 'success',
  actor: { type: 'operator', name: 'alice' },
  source: { host: 'h' },
  target: { type: 'token', id: 't1' },
  details: { kind: 'upload', tokenHash: '0123456789abcdef', note: 'é "q" \n\u0001 ☃ 𝄞' },
};

describe('canonical JSON (the hashed and signed bytes)', () => {
  it('sorts members, writes no whitespace, escapes as JSON.stringify does, keeps non-ASCII literal', () => {
    expect(canonicalJson(EXAMPLE)).toBe(
      '{"actor":{"name":"alice","type":"operator"},"details":{"kind":"upload","note":"é \\"q\\" \\n\\u0001 ☃ 𝄞","tokenHash":"0123456789abcdef"},"event":"token.created","outcome":"success","seq":1,"source":{"host":"h"},"target":{"id":"t1","type":"token"},"time":"2025-01-02T03:04:05.678Z","v":1}',
    );
    expect(canonicalJson({ b: [3, { d: null, c: true }], a: -0, '': 'x' })).toBe('{"":"x","a":0,"b":[3,{"c":true,"d":null}]}');
    // UTF-16 code unit order (RFC 8785), which for these keys differs from code point order.
    expect(canonicalJson({ '\u{1F600}': 1, '\uFB01': 2 })).toBe('{"\u{1F600}":1,"\uFB01":2}');
  });

  it('is independent of member insertion order', () => {
    expect(canonicalJson({ x: 1, y: { b: 2, a: 1 } })).toBe(canonicalJson({ y: { a: 1, b: 2 }, x: 1 }));
  });

  it('refuses what has no single canonical form: fractions, unsafe integers, undefined members, lone surrogates, non-plain objects', () => {
    expect(() => canonicalJson({ a: 1.5 })).toThrow(/\$\.a: only integers/);
    expect(() => canonicalJson({ a: 2 ** 53 })).toThrow(/only integers/);
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/only integers/);
    expect(() => canonicalJson({ a: undefined })).toThrow(/\$\.a: undefined/);
    expect(() => canonicalJson({ a: '\uD800' })).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ a: new Date(0) })).toThrow(/plain objects/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/bigint/);
  });

  it('pins the chain hash: SHA-256(previous hash bytes || canonical UTF-8)', () => {
    const h1 = chainHash(GENESIS_HASH, EXAMPLE);
    expect(h1).toBe('e60501fdac59630f8d9fe6682cf4d376fb3a0d196733b7bcc8de4b226d787647');
    expect(chainHash(h1, { ...EXAMPLE, seq: 2 })).toBe('8ca32c3f7e4289781761d46126cd64997a82de01228613f6bb45a33c212b92d9');
    expect(() => chainHash('00', EXAMPLE)).toThrow(/64 lower-case hex/);
  });

  it('token hash prefixes are the first 16 hex digits of the stored SHA-256', () => {
    expect(tokenHashPrefix('cw_up_x')).toMatch(/^[0-9a-f]{16}$/);
    expect(tokenHashPrefix('abc')).toBe('ba7816bf8f01cfea');
  });
});

describe('checkpoint signatures', () => {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = parseSigningKey(pem);

  it('signs the canonical payload with Ed25519; the key id is the SHA-256 prefix of the public key', () => {
    const c = signCheckpoint({ seq: 7, hash: 'a'.repeat(64) }, key, '2025-01-01T00:00:00.000Z');
    expect(c.checkpoint).toEqual({ type: 'coverwatch.audit.checkpoint', v: 1, seq: 7, hash: 'a'.repeat(64), time: '2025-01-01T00:00:00.000Z', keyId: key.keyId });
    expect(checkCheckpoint(c, [parseVerifyingKey(publicKeyPem(key))])).toMatchObject({ ok: true });
    // The public half of the private key PEM is accepted as a verifying key too.
    expect(parseVerifyingKey(pem).keyId).toBe(key.keyId);
  });

  it('refuses other key types and garbage without repeating the input', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseSigningKey(rsa)).toThrow('expected an Ed25519 private key, got rsa key');
    expect(() => parseSigningKey('not a key SECRET-CANARY')).toThrow(/^expected an Ed25519 private key in PEM/);
    try {
      parseSigningKey('not a key SECRET-CANARY');
    } catch (e) {
      expect((e as Error).message).not.toContain('SECRET-CANARY');
    }
    // A PEM with "\n" escapes (as a one-line environment variable holds it) is read too.
    expect(parseSigningKey(pem.replace(/\n/g, '\\n')).keyId).toBe(key.keyId);
  });
});
