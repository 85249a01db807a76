import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

type SigningKey = CryptoKey | Uint8Array;

export interface TestIssuer {
  /** `http://127.0.0.1:<port>`: the issuer identifier and where its discovery document is. */
  readonly url: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** Paths requested from this server, in order (to prove what was, and was not, fetched). */
  readonly requests: string[];
  /** Signs `claims` as this issuer (RS256, its key, its kid) unless `with` says otherwise. */
  sign(claims: Record<string, unknown>, options?: { key?: SigningKey; header?: Record<string, unknown> }): Promise<string>;
  close(): Promise<void>;
}

/**
 * A local OIDC issuer for tests: an RSA key pair, and an HTTP server on 127.0.0.1 serving
 * `/.well-known/openid-configuration` and `/jwks`. `delayMs` holds every answer back (for timeouts).
 */
export async function startTestIssuer(options: { delayMs?: number } = {}): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `test-${randomUUID()}`;
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const requests: string[] = [];
  let url = '';
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const answer = () => {
      const body =
        req.url === '/.well-known/openid-configuration' ? { issuer: url, jwks_uri: `${url}/jwks` } : req.url === '/jwks' ? { keys: [publicJwk] } : null;
      res.writeHead(body === null ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { error: 'not found' }));
    };
    if (options.delayMs !== undefined) setTimeout(answer, options.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    kid,
    privateKey,
    publicJwk,
    requests,
    async sign(claims, o = {}) {
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT', ...o.header } as { alg: string }).sign(o.key ?? privateKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const PUBLIC_URL = 'https://coverwatch.test';
export const HEAD_SHA = 'b'.repeat(40);
export const MERGE_SHA = 'c'.repeat(40);

/** Claims as GitHub Actions sends them (ids are strings of digits), valid now for PUBLIC_URL. */
export function githubClaims(issuer: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: PUBLIC_URL,
    sub: 'repo:acme/widgets:ref:refs/heads/main',
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 300,
    repository: 'acme/widgets',
    repository_id: '123456789',
    repository_owner: 'acme',
    repository_owner_id: '4242',
    ref: 'refs/heads/main',
    sha: HEAD_SHA,
    ...more,
  };
}

/** Claims as GitLab CI sends them in an `id_tokens` variable. */
export function gitlabClaims(issuer: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: issuer,
    aud: PUBLIC_URL,
    sub: 'project_path:acme/widgets:ref_type:branch:ref:main',
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 300,
    namespace_id: '77',
    namespace_path: 'acme',
    project_id: '9001',
    project_path: 'acme/widgets',
    ref: 'main',
    sha: HEAD_SHA,
    ...more,
  };
}
