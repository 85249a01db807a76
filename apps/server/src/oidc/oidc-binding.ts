import type { UploadEnvelope } from '@coverwatch/protocol';
import type { OidcIssuerKind } from '../config/config.schema.js';
import { AppError } from '../errors/app-error.js';
import type { BuildClaims } from './oidc-claims.js';

/** What an authenticated ID token still requires of the upload: known only once the body is parsed. */
export interface OidcBinding {
  readonly issuer: string;
  readonly issuerKind: OidcIssuerKind;
  readonly jti: string;
  /** The commit CI built (`sha` claim). */
  readonly sha: string;
  /** `owner/name` as the forge names the repository today (`repository` / `project_path` claim). */
  readonly slug: string;
  /** The branch, tag or pull request the token was issued for. */
  readonly build: BuildClaims;
}

/**
 * The envelope must be for the token's repository, commit and build. The repository itself is
 * already bound by numeric ids; a differing slug means the uploader and the token disagree, which
 * is refused rather than guessed at. The commit is the token's `sha`, or, on a pull-request build,
 * the PR head whose temporary merge commit (`commit.mergeSha`) the token's `sha` is. A branch must
 * be the token's branch, and only a pull-request token may write pull-request data (its own PR's,
 * when the forge names the number): otherwise any job's token could move a branch head or rewrite
 * a pull request it was not built for.
 */
export function checkOidcUpload(binding: OidcBinding, envelope: UploadEnvelope): void {
  const slug = envelope.repository?.slug;
  // Both forges treat owner and name case-insensitively; the binding that matters is by id.
  if (slug !== undefined && slug.toLowerCase() !== binding.slug.toLowerCase()) {
    throw new AppError('CW_ERR_AUTH_OIDC_SLUG_MISMATCH', `the envelope is for ${slug}, but the ID token was issued to ${binding.slug}`);
  }
  const { sha, mergeSha, pullRequest, branch } = envelope.commit;
  const built = binding.build;
  if (pullRequest !== undefined) {
    if (built.pullRequest === undefined) {
      throw new AppError('CW_ERR_AUTH_OIDC_BUILD_MISMATCH', `the upload names pull request #${pullRequest.number}, but the ID token is not from a pull-request build`);
    }
    if (built.pullRequest.number !== undefined && built.pullRequest.number !== pullRequest.number) {
      throw new AppError('CW_ERR_AUTH_OIDC_BUILD_MISMATCH', `the upload names pull request #${pullRequest.number}, but the ID token was issued for #${built.pullRequest.number}`);
    }
  }
  if (branch !== undefined) {
    if (built.tag !== undefined) throw new AppError('CW_ERR_AUTH_OIDC_BUILD_MISMATCH', `the upload names branch ${branch}, but the ID token was issued for tag ${built.tag}`);
    if (built.branch !== undefined && built.branch !== branch) {
      throw new AppError('CW_ERR_AUTH_OIDC_BUILD_MISMATCH', `the upload names branch ${branch}, but the ID token was issued for branch ${built.branch}`);
    }
  }
  if (sha === binding.sha) return;
  if (pullRequest !== undefined && mergeSha === binding.sha) return;
  const hint =
    mergeSha === binding.sha
      ? '; commit.mergeSha matches, but only a pull-request upload (commit.pullRequest) may name the merge commit'
      : ' (nor is commit.mergeSha, on a pull request, that commit)';
  throw new AppError('CW_ERR_AUTH_OIDC_COMMIT_MISMATCH', `the upload is for commit ${sha}, but the ID token was issued for ${binding.sha}${hint}`);
}
