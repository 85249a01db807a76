import { base64url, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubClaims, PUBLIC_URL, startTestIssuer, type TestIssuer } from '../../test/oidc-test-issuer.js';
import { AppError } from '../errors/app-error.js';
import { JwksSource, DEFAULT_JWKS_OPTIONS } from './oidc-jwks.js';
import { isIdTokenShaped, OidcVerifier, type OidcSettings } from './oidc-verifier.js';

let issuer: TestIssuer;
let attacker: TestIssuer;
beforeAll(async () => {
  [issuer, attacker] = await Promise.all([startTestIssuer(), startTestIssuer()]);
});
afterAll(async () => {
  await Promise.all([issuer.close(), attacker.close()]);
});

const now = () => Math.floor(Date.now() / 1000);

function verifier(settings: Partial<OidcSettings> = {}, keys = new JwksSource()): OidcVerifier {
  return new OidcVerifier({ publicUrl: PUBLIC_URL, issuers: [{ issuer: issuer.url, kind: 'github' }], maxTokenAgeSeconds: 900, ...settings }, keys);
}

/** The catalogued code `verify` refuses with, checking the message never repeats the token. */
async function refusal(jwt: string, v = verifier()): Promise<string> {
  try {
    await v.verify(jwt);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    for (const part of jwt.split('.')) if (part.length > 8) expect(e.message).not.toContain(part);
    return e.code;
  }
  throw new Error('the token was accepted');
}

/** A compact JWS with any header, signed by nothing (for alg none) or the given signature. */
function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>, signature = ''): string {
  const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
  return `${enc(header)}.${enc(claims)}.${signature}`;
}

describe('OidcVerifier', () => {
  it('accepts a token of the configured issuer, signed by a key of its JWKS found through discovery', async () => {
    const claims = githubClaims(issuer.url);
    const verified = await verifier().verify(await issuer.sign(claims));
    expect(verified.issuer).toEqual({ issuer: issuer.url, kind: 'github' });
    expect(verified.payload).toMatchObject({ repository_id: '123456789', jti: claims.jti });
    expect(verified.validUntil).toBe((claims.exp as number) + 60);
    expect(issuer.requests).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/jwks']));
  });

  it('uses a configured jwksUri without discovery, and caches the keys', async () => {
    const before = issuer.requests.length;
    const v = verifier({ issuers: [{ issuer: issuer.url, kind: 'github', jwksUri: `${issuer.url}/jwks` }] });
    await v.verify(await issuer.sign(githubClaims(issuer.url)));
    await v.verify(await issuer.sign(githubClaims(issuer.url)));
    expect(issuer.requests.slice(before)).toEqual(['/jwks']);
  });

  it('refuses an issuer that is not configured, fetching nothing from it', async () => {
    expect(await refusal(await attacker.sign(githubClaims(attacker.url)))).toBe('CW_ERR_AUTH_OIDC_ISSUER_UNKNOWN');
    expect(attacker.requests).toEqual([]);
  });

  it('refuses a token signed by a key not in the JWKS, even under a kid that is', async () => {
    expect(await refusal(await issuer.sign(githubClaims(issuer.url), { key: attacker.privateKey }))).toBe('CW_ERR_AUTH_OIDC_INVALID');
    expect(await refusal(await issuer.sign(githubClaims(issuer.url), { key: attacker.privateKey, header: { kid: attacker.kid } }))).toBe('CW_ERR_AUTH_OIDC_INVALID');
  });

  it('refuses a token naming its own key (jwk, jku, x5u, x5c), and never fetches from the URL it names', async () => {
    const claims = githubClaims(issuer.url);
    const headers = [
      { jwk: { kty: attacker.publicJwk.kty, n: attacker.publicJwk.n, e: attacker.publicJwk.e }, kid: attacker.kid },
      { jku: `${attacker.url}/jwks`, kid: attacker.kid },
      { x5u: `${attacker.url}/cert.pem` },
      { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
    ];
    for (const header of headers) {
      expect(await refusal(await issuer.sign(claims, { key: attacker.privateKey, header }))).toBe('CW_ERR_AUTH_OIDC_INVALID');
      // The same header on a token the issuer really signed is refused too: the header alone is enough.
      expect(await refusal(await issuer.sign(claims, { header }))).toBe('CW_ERR_AUTH_OIDC_INVALID');
    }
    expect(attacker.requests).toEqual([]);
  });

  it('refuses alg none', async () => {
    const jwt = unsigned({ alg: 'none', typ: 'JWT' }, githubClaims(issuer.url));
    expect(isIdTokenShaped(jwt)).toBe(true);
    expect(await refusal(jwt)).toBe('CW_ERR_AUTH_OIDC_INVALID');
  });

  it('refuses HS256, including HS256 keyed with the issuer public key (algorithm confusion)', async () => {
    const issuerPem = await exportSPKI((await importJWK(issuer.publicJwk, 'RS256', { extractable: true })) as CryptoKey);
    expect(issuerPem).toContain('BEGIN PUBLIC KEY');
    for (const secret of [new TextEncoder().encode(issuerPem), new TextEncoder().encode(JSON.stringify(issuer.publicJwk)), new Uint8Array(32).fill(7)]) {
      const jwt = await new SignJWT(githubClaims(issuer.url)).setProtectedHeader({ alg: 'HS256', kid: issuer.kid }).sign(secret);
      expect(await refusal(jwt)).toBe('CW_ERR_AUTH_OIDC_INVALID');
    }
  });

  it('refuses ES256', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const jwt = await new SignJWT(githubClaims(issuer.url)).setProtectedHeader({ alg: 'ES256', kid: issuer.kid }).sign(privateKey);
    expect(await refusal(jwt)).toBe('CW_ERR_AUTH_OIDC_INVALID');
  });

  it('requires the audience to be publicUrl (a trailing slash does not matter)', async () => {
    expect(await refusal(await issuer.sign(githubClaims(issuer.url, { aud: 'https://other.test' })))).toBe('CW_ERR_AUTH_OIDC_AUDIENCE');
    expect(await refusal(await issuer.sign(githubClaims(issuer.url, { aud: 'https://coverwatch.test.evil' })))).toBe('CW_ERR_AUTH_OIDC_AUDIENCE');
    await expect(verifier().verify(await issuer.sign(githubClaims(issuer.url, { aud: `${PUBLIC_URL}/` })))).resolves.toBeDefined();
    await expect(verifier({ publicUrl: `${PUBLIC_URL}/` }).verify(await issuer.sign(githubClaims(issuer.url)))).resolves.toBeDefined();
  });

  it('refuses an expired token, with 60 s of leeway', async () => {
    expect(await refusal(await issuer.sign(githubClaims(issuer.url, { iat: now() - 400, nbf: now() - 400, exp: now() - 61 })))).toBe('CW_ERR_AUTH_OIDC_EXPIRED');
    await expect(verifier().verify(await issuer.sign(githubClaims(issuer.url, { exp: now() - 30 })))).resolves.toBeDefined();
  });

  it('refuses a token that is not valid yet (nbf), with 60 s of leeway', async () => {
    expect(await refusal(await issuer.sign(githubClaims(issuer.url, { nbf: now() + 120 })))).toBe('CW_ERR_AUTH_OIDC_NOT_YET_VALID');
    expect(await refusal(await issuer.sign(githubClaims(issuer.url, { iat: now() + 120 })))).toBe('CW_ERR_AUTH_OIDC_NOT_YET_VALID');
    await expect(verifier().verify(await issuer.sign(githubClaims(issuer.url, { nbf: now() + 30 })))).resolves.toBeDefined();
  });

  it('refuses a token issued longer ago than maxTokenAgeSeconds, even if it has not expired', async () => {
    const old = githubClaims(issuer.url, { iat: now() - 1000, nbf: now() - 1000, exp: now() + 3600 });
    expect(await refusal(await issuer.sign(old))).toBe('CW_ERR_AUTH_OIDC_EXPIRED');
    await expect(verifier({ maxTokenAgeSeconds: 1200 }).verify(await issuer.sign(old))).resolves.toBeDefined();
  });

  it('requires jti, exp and iat', async () => {
    for (const claim of ['jti', 'exp', 'iat']) {
      const claims = githubClaims(issuer.url);
      delete claims[claim];
      expect(await refusal(await issuer.sign(claims))).toBe('CW_ERR_AUTH_OIDC_CLAIMS');
    }
  });

  it('refuses every ID token, saying why, when publicUrl or the issuers are not configured', async () => {
    const jwt = await issuer.sign(githubClaims(issuer.url));
    const noUrl = await verifier({ publicUrl: undefined }).verify(jwt).catch((e: AppError) => e);
    expect(noUrl).toMatchObject({ code: 'CW_ERR_AUTH_OIDC_DISABLED', message: expect.stringContaining('COVERWATCH_PUBLIC_URL') });
    const noIssuers = await verifier({ issuers: [] }).verify(jwt).catch((e: AppError) => e);
    expect(noIssuers).toMatchObject({ code: 'CW_ERR_AUTH_OIDC_DISABLED', message: expect.stringContaining('COVERWATCH_OIDC_ISSUERS') });
  });

  it('answers 503 when the keys cannot be fetched in time, and tries again on the next token', async () => {
    const slow = await startTestIssuer({ delayMs: 1500 });
    try {
      const v = verifier({ issuers: [{ issuer: slow.url, kind: 'github' }] }, new JwksSource({ ...DEFAULT_JWKS_OPTIONS, timeoutMs: 200 }));
      const e = await v.verify(await slow.sign(githubClaims(slow.url))).catch((x: AppError) => x);
      expect(e).toMatchObject({ code: 'CW_ERR_AUTH_OIDC_KEYS_UNAVAILABLE', httpStatus: 503 });
      await v.verify(await slow.sign(githubClaims(slow.url))).catch(() => undefined);
      expect(slow.requests.filter((r) => r === '/.well-known/openid-configuration')).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });

  it('tells ID tokens from cw_ tokens by shape', () => {
    expect(isIdTokenShaped('cw_up_abc')).toBe(false);
    expect(isIdTokenShaped('eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln')).toBe(true);
    expect(isIdTokenShaped('eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ')).toBe(false);
  });
});
