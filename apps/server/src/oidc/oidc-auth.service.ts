import type { Principal } from '../auth/token-auth.service.js';
import { AppError } from '../errors/app-error.js';
import { ciClaims } from './oidc-claims.js';
import type { OidcTokenUsesRepository } from './oidc-token-uses.repository.js';
import type { OidcVerifier } from './oidc-verifier.js';
import type { RepositoryLinksRepository } from './repository-links.repository.js';

/**
 * What the ID token is for: making an upload (single use, except a retry with the same
 * Idempotency-Key), or reading upload states of its repository.
 */
export type OidcUse = { readonly use: 'upload'; readonly idempotencyKey: string | null } | { readonly use: 'status' };

/**
 * Turns a verified ID token into an upload principal: the repository is the one linked to the
 * token's numeric repository id, provided the owner id is still the linked one. The remaining
 * checks need the envelope (see checkOidcUpload).
 */
export class OidcAuthService {
  constructor(
    private readonly verifier: OidcVerifier,
    private readonly links: RepositoryLinksRepository,
    private readonly uses: OidcTokenUsesRepository,
  ) {}

  async authenticate(jwt: string, purpose: OidcUse): Promise<Principal> {
    const { issuer, payload, validUntil } = await this.verifier.verify(jwt);
    const claims = ciClaims(issuer.kind, payload);
    const link = await this.links.findByExternalId(issuer.issuer, claims.repositoryId);
    if (link === null) {
      throw new AppError(
        'CW_ERR_AUTH_OIDC_NOT_LINKED',
        `no repository is linked to ${claims.slug} (repository id ${claims.repositoryId} at ${issuer.issuer}); an administrator links it with: coverwatch-server admin link-repo OWNER/NAME --issuer ${issuer.issuer} --repository-id ${claims.repositoryId} --owner-id ${claims.ownerId}`,
      );
    }
    // Ids are never reused, but a repository can move to another owner: the link was made for the old one.
    if (link.externalOwnerId !== claims.ownerId) {
      throw new AppError(
        'CW_ERR_AUTH_OIDC_OWNER_MISMATCH',
        `${claims.slug} (repository id ${claims.repositoryId}) now belongs to owner id ${claims.ownerId}, not the linked owner id ${link.externalOwnerId}; if the transfer is expected, link it again`,
      );
    }
    // Uploading uses the token up; reading upload states does not (an upload token may read them
    // too), so an uploader whose token expired while waiting can read on with a fresh one.
    if (purpose.use === 'upload') {
      const verdict = await this.uses.claim({
        issuer: issuer.issuer,
        jti: claims.jti,
        repositoryId: link.repositoryId,
        expiresAt: new Date(validUntil * 1000).toISOString(),
        idempotencyKey: purpose.idempotencyKey,
      });
      if (verdict === 'replay') throw new AppError('CW_ERR_AUTH_OIDC_REPLAY', 'this ID token was already used; request a new one for each upload');
    }
    return {
      tokenId: null,
      kind: 'upload',
      repositoryId: link.repositoryId,
      oidc: { issuer: issuer.issuer, issuerKind: issuer.kind, jti: claims.jti, sha: claims.sha, slug: claims.slug, build: claims.build },
    };
  }
}
