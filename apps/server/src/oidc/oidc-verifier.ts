import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { OidcIssuer } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';
import type { JwksSource } from './oidc-jwks.js';

/**
 * Oldest `iat` accepted per issuer kind, unless oidc.maxTokenAgeSeconds says otherwise. GitHub
 * mints a token when the uploader asks (it lives 5 minutes); GitLab hands the job its `id_tokens`
 * when the job starts, and the upload comes after the tests have run.
 */
export const DEFAULT_MAX_TOKEN_AGE: Readonly<Record<OidcIssuer['kind'], number>> = Object.freeze({ github: 900, gitlab: 3 * 3600 });

/** Leeway for `exp`, `nbf` and `iat`: CI runners' clocks drift a little, tokens live minutes. */
export const CLOCK_TOLERANCE_SECONDS = 60;

/**
 * Header parameters that name a key or where to get one. An attacker who can choose the key can
 * sign anything; keys come only from the issuer's key set, so a token carrying any of these is refused
 * outright (jose ignores them with a remote key set; refusing says so and does not depend on it).
 */
const KEY_NAMING_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'] as const;

/** A compact JWS: three base64url parts, the header a JSON object (`eyJ` is `{"`). The signature may be empty (alg none), so such tokens still get a clear answer. */
const COMPACT_JWS = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether a bearer credential is an ID token rather than one of our `cw_` tokens. */
export function isIdTokenShaped(credential: string): boolean {
  return COMPACT_JWS.test(credential);
}

export interface OidcSettings {
  /** This server's URL as CI reaches it: the audience tokens must name. Unset: OIDC is refused. */
  readonly publicUrl: string | undefined;
  readonly issuers: readonly OidcIssuer[];
  /** Overrides DEFAULT_MAX_TOKEN_AGE for every issuer. */
  readonly maxTokenAgeSeconds?: number | undefined;
}

export interface VerifiedIdToken {
  readonly issuer: OidcIssuer;
  readonly payload: JWTPayload;
  /** Epoch seconds after which the token fails verification (its `exp` plus the leeway). */
  readonly validUntil: number;
}

/**
 * Verifies an ID token: issuer from the configured list, RS256 signature by a key of that issuer's
 * key set, audience equal to `publicUrl`, `exp`/`nbf`/`iat` with a small leeway and a maximum age,
 * `jti` present. Each refusal is a catalogued error whose message never repeats the token.
 */
export class OidcVerifier {
  private readonly audiences: readonly string[] | undefined;

  constructor(
    private readonly settings: OidcSettings,
    private readonly keys: JwksSource,
  ) {
    // The uploader sends its --url without the trailing slash; either spelling names the same server.
    const base = settings.publicUrl?.replace(/\/+$/, '');
    this.audiences = base === undefined ? undefined : [base, `${base}/`];
  }

  async verify(jwt: string): Promise<VerifiedIdToken> {
    if (this.audiences === undefined) {
      throw new AppError('CW_ERR_AUTH_OIDC_DISABLED', 'this server does not accept OIDC ID tokens: its publicUrl (COVERWATCH_PUBLIC_URL), the audience tokens must name, is not configured; use an upload token');
    }
    if (this.settings.issuers.length === 0) {
      throw new AppError('CW_ERR_AUTH_OIDC_DISABLED', 'this server does not accept OIDC ID tokens: no issuers are configured (oidc.issuers, COVERWATCH_OIDC_ISSUERS); use an upload token');
    }
    const header = this.header(jwt);
    const issuer = this.issuerOf(jwt);
    const keys = await this.keys.keysOf(issuer);
    try {
      const { payload } = await jwtVerify(jwt, keys, {
        algorithms: ['RS256'],
        issuer: issuer.issuer,
        audience: [...this.audiences],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        maxTokenAge: this.maxAge(issuer),
        requiredClaims: ['exp', 'iat', 'jti'],
      });
      return { issuer, payload, validUntil: payload.exp! + CLOCK_TOLERANCE_SECONDS };
    } catch (e) {
      throw this.refusal(e, header.kid, issuer);
    }
  }

  /** The checks that need no key: well-formed, RS256, no key named by the token. */
  private header(jwt: string): { kid: unknown } {
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    } catch {
      throw new AppError('CW_ERR_AUTH_OIDC_INVALID', 'the ID token is not a well-formed JWT');
    }
    if (header.alg !== 'RS256') {
      throw new AppError('CW_ERR_AUTH_OIDC_INVALID', `the ID token's algorithm ${JSON.stringify(String(header.alg).slice(0, 20))} is not accepted; only RS256 is`);
    }
    const named = KEY_NAMING_HEADERS.filter((h) => Object.hasOwn(header, h));
    if (named.length > 0) {
      throw new AppError('CW_ERR_AUTH_OIDC_INVALID', `the ID token names its own key (${named.join(', ')}); keys are taken only from the issuer's key set`);
    }
    return { kid: header.kid };
  }

  /** The configured issuer the (not yet verified) `iss` names: the key set is chosen by it, and verification then requires it. */
  private issuerOf(jwt: string): OidcIssuer {
    let iss: unknown;
    try {
      iss = decodeJwt(jwt).iss;
    } catch {
      throw new AppError('CW_ERR_AUTH_OIDC_INVALID', 'the ID token is not a well-formed JWT');
    }
    const issuer = this.settings.issuers.find((i) => i.issuer === iss);
    if (issuer === undefined) {
      const shown = typeof iss === 'string' && /^https?:\/\/[\x21-\x7e]{1,200}$/.test(iss) ? ` ${iss}` : '';
      throw new AppError('CW_ERR_AUTH_OIDC_ISSUER_UNKNOWN', `the ID token's issuer${shown} is not trusted by this server (oidc.issuers)`);
    }
    return issuer;
  }

  private maxAge(issuer: OidcIssuer): number {
    return this.settings.maxTokenAgeSeconds ?? DEFAULT_MAX_TOKEN_AGE[issuer.kind];
  }

  private refusal(e: unknown, kid: unknown, issuer: OidcIssuer): unknown {
    if (e instanceof AppError) return e;
    if (e instanceof errors.JWTExpired) {
      return e.claim === 'iat'
        ? new AppError('CW_ERR_AUTH_OIDC_EXPIRED', `the ID token was issued more than ${this.maxAge(issuer)} s ago (oidc.maxTokenAgeSeconds); request a new one`)
        : new AppError('CW_ERR_AUTH_OIDC_EXPIRED', 'the ID token has expired; request a new one');
    }
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.reason === 'missing') return new AppError('CW_ERR_AUTH_OIDC_CLAIMS', `the ID token has no "${e.claim}" claim`);
      if (e.claim === 'aud') return new AppError('CW_ERR_AUTH_OIDC_AUDIENCE', `the ID token's audience is not this server (${this.audiences![0]}); request the token with that audience`);
      if (e.claim === 'nbf' || e.claim === 'iat') return new AppError('CW_ERR_AUTH_OIDC_NOT_YET_VALID', `the ID token is not valid yet ("${e.claim}" is in the future); check the clocks`);
      return new AppError('CW_ERR_AUTH_OIDC_CLAIMS', `the ID token's "${e.claim}" claim is not acceptable`);
    }
    if (e instanceof errors.JWKSNoMatchingKey) {
      return new AppError('CW_ERR_AUTH_OIDC_INVALID', `the ID token's key${typeof kid === 'string' ? ' id' : ''} is not in its issuer's key set`);
    }
    if (e instanceof errors.JWKSMultipleMatchingKeys) return new AppError('CW_ERR_AUTH_OIDC_INVALID', "the ID token has no key id and its issuer has several keys");
    if (e instanceof errors.JWSSignatureVerificationFailed) return new AppError('CW_ERR_AUTH_OIDC_INVALID', "the ID token's signature was not made by its issuer's key");
    if (e instanceof errors.JOSEError) return new AppError('CW_ERR_AUTH_OIDC_INVALID', 'the ID token is not a valid signed JWT');
    // A bad key in the issuer's set (jose's TypeError on import, a too short RSA key) is the issuer's fault, not the caller's.
    if (e instanceof TypeError) return new AppError('CW_ERR_AUTH_OIDC_INVALID', "the ID token cannot be verified with its issuer's key");
    return e;
  }
}
