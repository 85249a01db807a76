import { AppError } from '../errors/app-error.js';
import type { OidcBinding } from '../oidc/oidc-binding.js';
import { isIdTokenShaped } from '../oidc/oidc-verifier.js';
import { checkTokenFormat, constantTimeEqual, hashToken, isRepoTokenKind, type RepoTokenKind, type TokenKind } from '../tokens/token-format.js';
import type { LastUse, TokenTable, TokensRepository, UseContext } from '../tokens/tokens.repository.js';

/** Who is calling: a token of one kind, bound to one repository. */
export interface Principal {
  /** The stored token's id; null for an OIDC ID token (nothing is stored). */
  readonly tokenId: string | null;
  readonly kind: RepoTokenKind;
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

/**
 * A personal API token (`cw_pat_`): it acts as its user, within its scope. What the user may read
 * is loaded at each request, like a session's (never cached), so a removal, a revoked grant or a
 * repository made private takes effect on the next request; the scope then narrows it further.
 */
export interface PersonalPrincipal {
  readonly kind: 'personal';
  readonly tokenId: string;
  readonly userId: string;
  /** `read-write` also uploads to the repositories in its scope that its user may write now (docs/security.md). */
  readonly access: 'read' | 'read-write';
  /** The user's organizations and granted repositories, now. */
  readonly orgIds: readonly string[];
  readonly repoIds: readonly string[];
  /** The token's scope: chosen repositories, or one organization. */
  readonly scope: { readonly orgId: string } | { readonly repositoryIds: readonly string[] };
}

/** An organization upload token (`cw_oup_`): uploads to any repository of its organization, reads nothing. */
export interface OrgUploadPrincipal {
  readonly kind: 'org_upload';
  readonly tokenId: string;
  readonly orgId: string;
}

/** Who reads: a token bound to one repository, a signed-in user, or a personal token acting as one. */
export type ReadPrincipal = Principal | SessionPrincipal | PersonalPrincipal;
/** Who uploads (and asks for an upload's state): a repository token, an OIDC ID token, an organization upload token, or a personal token. */
export type UploadPrincipal = Principal | OrgUploadPrincipal | PersonalPrincipal;
/** Whatever a token can authenticate as. */
export type TokenPrincipal = Principal | PersonalPrincipal | OrgUploadPrincipal;

/** What a user may read now; null when the user is disabled or gone (their personal tokens then stop working). */
export type UserReader = (userId: string) => Promise<{ orgIds: string[]; repoIds: string[] } | null>;

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
    private readonly onUse: (tokenId: string, ctx: UseContext, lastUse?: LastUse, table?: TokenTable) => Promise<void> = async () => undefined,
    /** What a personal token's user may read now (without it, personal tokens authenticate nowhere). */
    private readonly userReader: UserReader = async () => null,
  ) {}

  async authenticate(authorization: string | undefined, allowed: readonly TokenKind[], ctx?: UseContext): Promise<TokenPrincipal> {
    const token = bearerCredential(authorization);
    if (isIdTokenShaped(token)) {
      throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', `this route does not accept OIDC ID tokens (only uploads and their status do); it needs a ${allowed.join(' or ')} token`);
    }
    // The checksum rejects typos and guesses before touching the database.
    const kind = checkTokenFormat(token);
    if (kind === null) throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', 'the token is malformed or fails its checksum');
    const hash = hashToken(token);
    if (!isRepoTokenKind(kind)) return this.authenticateAccountToken(hash, allowed, ctx);
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

  /** Personal and organization upload tokens (`user_tokens`): the same checks and errors, then the user's live access. */
  private async authenticateAccountToken(hash: string, allowed: readonly TokenKind[], ctx?: UseContext): Promise<PersonalPrincipal | OrgUploadPrincipal> {
    const row = await this.tokens.findActiveAccountTokenByHash(hash);
    if (row === null || !constantTimeEqual(row.tokenHash, hash)) throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', 'the token is unknown or revoked');
    if (row.expired) throw new AppError('CW_ERR_AUTH_TOKEN_EXPIRED', `the token expired at ${row.expiresAt}; create a new one`);
    if (!allowed.includes(row.kind)) {
      throw new AppError('CW_ERR_AUTH_FORBIDDEN', `this route needs a ${allowed.join(' or ')} token; ${row.kind} tokens cannot use it`);
    }
    let principal: PersonalPrincipal | OrgUploadPrincipal;
    if (row.kind === 'org_upload') {
      if (row.orgId === null) throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', 'the token is unknown or revoked');
      principal = { kind: 'org_upload', tokenId: row.id, orgId: row.orgId };
    } else {
      // A disabled (or deleted) user's tokens fail as unknown ones: they act as nobody.
      const live = row.userId === null ? null : await this.userReader(row.userId);
      if (live === null || row.userId === null) throw new AppError('CW_ERR_AUTH_TOKEN_INVALID', 'the token is unknown or revoked');
      principal = {
        kind: 'personal',
        tokenId: row.id,
        userId: row.userId,
        access: row.access === 'read-write' ? 'read-write' : 'read',
        orgIds: live.orgIds,
        repoIds: live.repoIds,
        scope: row.orgId !== null ? { orgId: row.orgId } : { repositoryIds: row.repositoryIds },
      };
    }
    if (ctx !== undefined) await this.onUse(row.id, ctx, row.lastUse, 'user_tokens');
    return principal;
  }
}
