import { createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { isLoopbackHost, type OidcIssuer } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';

export interface JwksOptions {
  /** Per fetch of the discovery document or the key set. */
  readonly timeoutMs: number;
  /** How long fetched keys are used before they are fetched again. */
  readonly cacheMaxAgeMs: number;
  /** Least time between two fetches forced by an unknown `kid` (a token naming random kids cannot make us hammer the issuer). */
  readonly cooldownMs: number;
}

export const DEFAULT_JWKS_OPTIONS: JwksOptions = Object.freeze({ timeoutMs: 5000, cacheMaxAgeMs: 10 * 60_000, cooldownMs: 30_000 });

/**
 * The signing keys of each configured issuer, and only those: the key set's URL comes from the
 * configuration or from the issuer's own discovery document (fetched from the configured issuer
 * URL), never from the token. Keys are cached by jose; a fetch that fails or times out is
 * CW_ERR_AUTH_OIDC_KEYS_UNAVAILABLE (503: the token may be fine, the issuer is not reachable now).
 */
export class JwksSource {
  private readonly sets = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(private readonly options: JwksOptions = DEFAULT_JWKS_OPTIONS) {}

  /** The key lookup jose calls with the token's header; it picks among the issuer's keys by `kid` and `alg`. */
  async keysOf(issuer: OidcIssuer): Promise<JWTVerifyGetKey> {
    let pending = this.sets.get(issuer.issuer);
    if (pending === undefined) {
      pending = this.open(issuer);
      this.sets.set(issuer.issuer, pending);
      // A failed discovery is not remembered: the next token tries again.
      pending.catch(() => this.sets.delete(issuer.issuer));
    }
    return pending;
  }

  private async open(issuer: OidcIssuer): Promise<JWTVerifyGetKey> {
    const uri = issuer.jwksUri ?? (await this.discover(issuer.issuer));
    const remote = createRemoteJWKSet(new URL(uri), {
      timeoutDuration: this.options.timeoutMs,
      cacheMaxAge: this.options.cacheMaxAgeMs,
      cooldownDuration: this.options.cooldownMs,
    });
    return async (header, token) => {
      try {
        return await remote(header, token);
      } catch (e) {
        // Not finding the token's key is the token's fault; anything else is the fetch's.
        if (e instanceof errors.JWKSNoMatchingKey || e instanceof errors.JWKSMultipleMatchingKeys || e instanceof errors.JOSENotSupported) throw e;
        throw unavailable(issuer.issuer, e instanceof errors.JWKSTimeout ? 'timed out' : (e as Error).message);
      }
    };
  }

  private async discover(issuer: string): Promise<string> {
    const url = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: unknown;
    try {
      // No redirects: the document must come from the configured issuer URL itself.
      const res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(this.options.timeoutMs), headers: { accept: 'application/json' } });
      if (res.status !== 200) throw new Error(`HTTP ${res.status} from ${url}`);
      doc = await res.json();
    } catch (e) {
      throw unavailable(issuer, (e as Error).name === 'TimeoutError' ? `${url} timed out` : (e as Error).message);
    }
    const d = (doc ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the one it was fetched for.
    if (d.issuer !== issuer) throw unavailable(issuer, `the discovery document names another issuer`);
    if (typeof d.jwks_uri !== 'string' || !isFetchable(d.jwks_uri)) throw unavailable(issuer, 'the discovery document has no https jwks_uri');
    return d.jwks_uri;
  }
}

function isFetchable(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
  } catch {
    return false;
  }
}

function unavailable(issuer: string, why: string): AppError {
  return new AppError('CW_ERR_AUTH_OIDC_KEYS_UNAVAILABLE', `cannot fetch the signing keys of ${issuer}: ${why}; retry later`);
}
