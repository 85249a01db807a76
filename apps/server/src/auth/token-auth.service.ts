import { AppError } from '../errors/app-error.js';
import type { OidcBinding } from '../oidc/oidc-binding.js';
import { isIdTokenShaped } from '../oidc/oidc-verifier.js';
import { checkTokenFormat, constantTimeEqual, hashToken, type TokenKind } from '../tokens/token-format.js';
import type { LastUse, TokensRepository, UseContext } from '../tokens/tokens.repository.js';

/** Who is calling: a token of one kind, bound to one repository. */
export interface Principal {
  /** The stored token's id; null for an OIDC ID token (nothing is stored). */
  readonly tokenId: string | null;
  readonly kind: TokenKind;
  readonly repositoryId: string;
  /** Set for an OIDC ID token: what the upload must match (checked once the body is parsed). */
  readonly oidc?: OidcBinding;
}

/**
 * A signed-in user whose session passed a second factor, on a route that admits sessions besides
 * tokens (`sessions: true` in the API catalog). What they may read is loaded from the database for
 * each request (never cached), so a removal from an organization takes effect on the next request.
 */
export interface SessionPrincipal {
  readonly kind: 'session';
  readonly userId: string;
  readonly sessionId: string;
  /** Organizations the user is a member of (any role): every repository of theirs is readable. */
  readonly orgIds: readonly string[];
  /** Repositories granted to the user (read or write). */
  readonly repoIds: readonly string[];
}

/** Who reads: a token bound to one repository, or a signed-in user. */
export type ReadPrincipal = Principal | SessionPrincipal;

/** The credential of `Authorization: Bearer <credential>`; throws the same errors for every route. */
export function bearerCredential(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') throw new AppError('CW_ERR_AUTH_TOKEN_MISSING', 'this route needs an Authorization: Bearer <token> header');
  const m = /^Bearer[ ]+(\S+)$/i.exec(authorization);
  if (m === null) throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', 'the Authorization header must be "Bearer <token>"');
  return m[1]!;
}

/**
 * Turns an Authorization header into a principal. Errors never repeat the token, and every failure
 * after the header is found is the same CW_ERR_AUTH_TOKEN_INVALID, so a caller learns nothing about
 * which tokens exist.
 */
export class TokenAuthService {
  constructor(
    private readonly tokens: TokensRepository,
    /** Told of each successful use (last-use tracking, new-context audit events). */
    private readonly onUse: (tokenId: string, ctx: UseContext, lastUse?: LastUse) => Promise<void> = async () => undefined,
  ) {}

  async authenticate(authorization: string | undefined, allowed: readonly TokenKind[], ctx?: UseContext): Promise<Principal> {
    const token = bearerCredential(authorization);
    if (isIdTokenShaped(token)) {
      throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', `this route does not accept OIDC ID tokens (only uploads and their status do); it needs a ${allowed.join(' or ')} token`);
    }
    // The checksum rejects typos and guesses before touching the database.
    const kind = checkTokenFormat(token);
    if (kind === null) throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', 'the token is malformed or fails its checksum');
    const hash = hashToken(token);
    const row = await this.tokens.findActiveByHash(hash);
    // The lookup is by hash (an index seek); the comparison after it is constant-time anyway, so no
    // code path compares a secret-derived value byte by byte.
    if (row === null || !constantTimeEqual(row.tokenHash, hash)) throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', 'the token is unknown or revoked');
    // Only the holder of the token learns that it expired, which they may as well know.
    if (row.expired) throw new AppError('CW_ERR_AUTH_TOKEN_EXPIRED', `the token expired at ${row.expiresAt}; ask an administrator for a new one`);
    if (!allowed.includes(row.kind)) {
      throw new AppError('CW_ERR_AUTH_FORBIDDEN', `this route needs a ${allowed.join(' or ')} token; ${row.kind} tokens cannot use it`);
    }
    if (ctx !== undefined) await this.onUse(row.id, ctx, row.lastUse);
    return { tokenId: row.id, kind: row.kind, repositoryId: row.repositoryId };
  }
}
